//go:build !unix

package syslog_test

// cpuSeconds is not measured on this platform.
func cpuSeconds() float64 { return 0 }
