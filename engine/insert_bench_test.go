package engine

import (
	"context"
	"strconv"
	"testing"

	"mirrordb/internal/testutil"
)

// BenchmarkSimpleInsert is pgbench -M simple's insert (testdata/bench/
// insert.sql) in the engine: a single-row INSERT with a new literal key
// each time through the simple query path (parse, the plan cache's simple
// parameterization, bind, write), each in its own autocommit transaction.
// cpu-µs/op is the process's CPU per INSERT, the figure issue 14 bounds.
func BenchmarkSimpleInsert(b *testing.B) {
	s := preparedKV(b)
	ctx := context.Background()
	w := &rowCounter{}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := testutil.ProcessCPU(b)
	for i := 0; i < b.N; i++ {
		q := "INSERT INTO kv (k, v, n) VALUES (" + strconv.Itoa(100000+i) + ", 'pgbench', 1)"
		if err := s.Query(ctx, q, w); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64((testutil.ProcessCPU(b)-cpu).Nanoseconds())/1e3/float64(b.N), "cpu-µs/op")
}
