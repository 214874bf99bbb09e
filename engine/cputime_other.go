//go:build !linux

package engine

import "time"

// threadCPU is 0 where the thread's own CPU time is not available:
// STATISTICS TIME then reports CPU time = 0 ms (README says so).
func threadCPU() time.Duration { return 0 }
