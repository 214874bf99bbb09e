package engine

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"mirrordb/engine/keys"
	"mirrordb/internal/testutil"
)

// BenchmarkCommit measures durable autocommit INSERTs through the whole
// engine path (parse, bind, execute, log record, fsync) with 1, 16 and 64
// concurrent sessions. Commits per second well above the single-writer
// figure at 16 writers is group commit at work: concurrent commits share
// one WAL fsync.
func BenchmarkCommit(b *testing.B) {
	for _, writers := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			in := openTestInstance(b)
			setup := openSession(b, in, "master")
			mustQuery(b, setup, "CREATE DATABASE bench USE bench CREATE TABLE kv (k BIGINT PRIMARY KEY, v VARCHAR(20))")
			sessions := make([]*Session, writers)
			for i := range sessions {
				sessions[i] = openSession(b, in, "bench")
			}
			var next atomic.Int64
			b.ResetTimer()
			cpu := testutil.ProcessCPU(b)
			var wg sync.WaitGroup
			for _, s := range sessions {
				wg.Add(1)
				go func(s *Session) {
					defer wg.Done()
					w := &collect{}
					for {
						k := next.Add(1)
						if k > int64(b.N) {
							return
						}
						if err := s.Query(context.Background(), fmt.Sprintf("INSERT kv VALUES (%d, 'value')", k), w); err != nil {
							b.Error(err)
							return
						}
					}
				}(s)
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
			b.ReportMetric(float64((testutil.ProcessCPU(b)-cpu).Microseconds())/float64(b.N), "cpu-µs/commit")
		})
	}
}

// BenchmarkCommitRaw measures the commit pipeline alone: one key per
// transaction written with the engine's transaction API, no SQL.
func BenchmarkCommitRaw(b *testing.B) {
	for _, writers := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			in := openTestInstance(b)
			mustQuery(b, openSession(b, in, "master"), "CREATE DATABASE raw")
			d := in.Database("raw")
			var next atomic.Int64
			b.ResetTimer()
			cpu := testutil.ProcessCPU(b)
			var wg sync.WaitGroup
			for i := 0; i < writers; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ctx := context.Background()
					for {
						k := next.Add(1)
						if k > int64(b.N) {
							return
						}
						t, err := d.beginWrite(ctx, -1)
						if err == nil {
							err = t.Write(keys.RowKey(1, keys.AppendValue(nil, k, bigint)), nil, false, []byte("value"))
						}
						if err == nil {
							_, err = t.Commit(ctx)
						}
						if err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
			b.ReportMetric(float64((testutil.ProcessCPU(b)-cpu).Microseconds())/float64(b.N), "cpu-µs/commit")
		})
	}
}
