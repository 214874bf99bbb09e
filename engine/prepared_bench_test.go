package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"mirrordb/internal/testutil"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// rowCounter is a ResultWriter that only counts, so that the benchmarks
// below measure the engine's allocations and not the writer's.
type rowCounter struct{ rows int }

func (c *rowCounter) Columns([]session.Column) error { return nil }
func (c *rowCounter) Row([]types.Value) error        { c.rows++; return nil }
func (c *rowCounter) Complete(string) error          { return nil }
func (c *rowCounter) Notice(*sqlerr.Error) error     { return nil }

// preparedKV opens a session on a database whose kv holds keys 1..10000.
func preparedKV(b *testing.B) *Session {
	in := openTestInstance(b)
	s := openSession(b, in, "master")
	mustQuery(b, s, "CREATE DATABASE prep USE prep CREATE TABLE kv (k BIGINT PRIMARY KEY, v VARCHAR(20), n INT) CREATE TABLE ins (k BIGINT PRIMARY KEY, v VARCHAR(20))")
	for i := 0; i < 10; i++ {
		var q strings.Builder
		q.WriteString("INSERT kv VALUES ")
		for j := 0; j < 1000; j++ {
			if j > 0 {
				q.WriteByte(',')
			}
			fmt.Fprintf(&q, "(%d, 'row', 0)", i*1000+j+1)
		}
		mustQuery(b, s, q.String())
	}
	return s
}

// BenchmarkPreparedPointSelect is the engine's half of pgbench -M
// prepared's select: the statement is prepared once (Parse), then run
// with a new key each time (Bind/Execute), the argument arriving as wire
// decodes it (an int64 for a bigint parameter).
func BenchmarkPreparedPointSelect(b *testing.B) {
	w := runPrepared(b, "SELECT v, n FROM kv WHERE k = $1", func(i int) int64 { return int64(i%10000 + 1) })
	if w.rows != b.N {
		b.Fatalf("%d rows for %d statements", w.rows, b.N)
	}
}

// BenchmarkPreparedInsert is pgbench -M prepared's insert in the engine:
// one prepared single-row INSERT run with a new key each time, each in its
// own autocommit transaction (its commit waits for the log's fsync).
func BenchmarkPreparedInsert(b *testing.B) {
	runPrepared(b, "INSERT INTO ins VALUES ($1, 'value')", func(i int) int64 { return int64(i + 1) })
}

// runPrepared prepares sql once and executes it b.N times with the
// argument key(i).
func runPrepared(b *testing.B, sql string, key func(i int) int64) *rowCounter {
	s := preparedKV(b)
	ctx := context.Background()
	p, err := s.Prepare(ctx, sql, nil)
	if err != nil {
		b.Fatal(err)
	}
	w := &rowCounter{}
	args := make([]types.Value, 1)
	runTimed(b, func(i int) error {
		args[0] = key(i)
		return p.Execute(ctx, args, w)
	})
	return w
}

// runTimed runs statement(i) for i in [0, b.N) and reports the process's
// CPU per run (cpu-µs/op) and the allocations.
func runTimed(b *testing.B, statement func(i int) error) {
	b.ReportAllocs()
	b.ResetTimer()
	cpu := testutil.ProcessCPU(b)
	for i := 0; i < b.N; i++ {
		if err := statement(i); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64((testutil.ProcessCPU(b)-cpu).Nanoseconds())/1e3/float64(b.N), "cpu-µs/op")
}
