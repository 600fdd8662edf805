package main

import (
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
)

// profileFlag adds --cpuprofile to a benchmark's flags. The returned start function begins profiling (when the flag
// is set) and returns the function that stops it and closes the file.
func profileFlag(fs *flag.FlagSet) (start func() (stop func(), err error)) {
	path := fs.String("cpuprofile", "", "write a CPU profile of the whole run (server and load generator) to this file")
	return func() (func(), error) {
		if *path == "" {
			return func() {}, nil
		}
		f, err := os.Create(*path)
		if err != nil {
			return nil, fmt.Errorf("cpu profile: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("cpu profile: %w", err)
		}
		return func() {
			pprof.StopCPUProfile()
			_ = f.Close()
		}, nil
	}
}
