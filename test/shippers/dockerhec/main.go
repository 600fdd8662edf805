// Package main is the dockerhec command: it ships the lines of a file through Docker's splunk logging driver (the one
// "docker run --log-driver=splunk" uses), built from the Docker module, so Vigil's tests run a real HEC client.
// Usage: dockerhec -opt splunk-url=http://127.0.0.1:8088 -opt splunk-token=T [-opt name=value...] FILE
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/docker/docker/daemon/logger"
	"github.com/docker/docker/daemon/logger/splunk"
)

type opts map[string]string

func (o opts) String() string { return fmt.Sprint(map[string]string(o)) }

func (o opts) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok {
		return fmt.Errorf("option %q is not name=value", v)
	}
	o[k] = val
	return nil
}

func main() {
	cfg := opts{}
	flag.Var(cfg, "opt", "a log-opt of the splunk driver, name=value (repeatable)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: dockerhec -opt name=value... FILE")
		os.Exit(2)
	}
	if err := run(cfg, flag.Arg(0)); err != nil {
		fmt.Fprintln(os.Stderr, "dockerhec:", err)
		os.Exit(1)
	}
}

func run(cfg opts, path string) error {
	if err := splunk.ValidateLogOpt(cfg); err != nil {
		return err
	}
	l, err := splunk.New(logger.Info{
		Config:             cfg,
		ContainerID:        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		ContainerName:      "/vigil-shipper",
		ContainerImageName: "vigil/shipper-test",
	})
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := logger.NewMessage()
		m.Line = append(m.Line, sc.Bytes()...)
		m.Source = "stdout"
		m.Timestamp = time.Now()
		if err := l.Log(m); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	// Close sends what is still buffered.
	return l.Close()
}
