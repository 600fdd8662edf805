// Package cputime reads the CPU time the process has used, user plus system, over all its threads (Go and C alike,
// so DuckDB's own threads count). On a machine shared with other work, CPU time per unit of work is a steadier
// measure of cost than wall-clock rates; benchmarks report both.
package cputime

import "time"

// Process returns the CPU time the process has used so far, or 0 where the platform does not say.
func Process() time.Duration { return process() }
