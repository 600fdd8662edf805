//go:build unix

package winevent_test

import "syscall"

// cpuSeconds returns the CPU time (user and system) the process has used, so benchmarks can report throughput per
// CPU second on a shared, loaded machine where wall time overstates the cost.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
