package testutil

import (
	"syscall"
	"testing"
	"time"
)

// ProcessCPU is this process's user and system CPU time so far. Benchmarks
// report its growth per operation: on a shared machine a steadier figure
// than time per operation.
func ProcessCPU(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
