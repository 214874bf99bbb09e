package engine

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkDbccCheckTable times DBCC CHECKTABLE over a table of 400,000
// rows (fillWide, 20-byte keys) with one secondary index, and with three:
// a second one with an INCLUDE column and a filtered unique one.
func BenchmarkDbccCheckTable(b *testing.B) {
	const rows = 400000
	for _, n := range []int{1, 3} {
		b.Run(fmt.Sprintf("indexes=%d", n), func(b *testing.B) {
			in := openTestInstance(b)
			s := openSession(b, in, "master")
			fillWide(b, s, rows, 20)
			mustQuery(b, s, "CREATE INDEX ik ON wide (k)")
			if n == 3 {
				mustQuery(b, s, "CREATE INDEX inc ON wide (n) INCLUDE (k)")
				mustQuery(b, s, "CREATE UNIQUE INDEX iu ON wide (id DESC) WHERE n > 2")
			}
			benchStatement(b, s, rows, "DBCC CHECKTABLE('wide') WITH NO_INFOMSGS", "")
		})
	}
}

// benchStatement times q, run b.N times, each followed by undo (untimed,
// "" for none), and reports rows/s for a table of rows and the process's
// CPU per run (every goroutine, Pebble's flushes and compactions
// included), which moves less than elapsed time on a loaded machine.
func benchStatement(b *testing.B, s *Session, rows int, q, undo string) {
	b.ResetTimer()
	var cpu time.Duration
	for range b.N {
		before := processCPU()
		mustQuery(b, s, q)
		cpu += processCPU() - before
		if undo != "" {
			b.StopTimer()
			mustQuery(b, s, undo)
			b.StartTimer()
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
}
