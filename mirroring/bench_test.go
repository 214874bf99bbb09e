package mirroring_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"mirrordb/internal/testutil"
)

// BenchmarkCommitMirrored: autocommit INSERTs through pgx at 1, 16 and 64
// clients on a database that is not mirrored, mirrored with SAFETY OFF,
// and mirrored with SAFETY FULL (each commit waits for the mirror's
// hardening), the last also over endpoints with ENCRYPTION = DISABLED
// (plain TCP) as the baseline of TLS's cost. Two instances in this process
// share the machine; cpu-µs/commit is the process's CPU time (both
// instances and the pgx clients) per commit.
func BenchmarkCommitMirrored(b *testing.B) {
	for _, mode := range []string{"unmirrored", "safety-off", "safety-full", "safety-full-unencrypted"} {
		b.Run(mode, func(b *testing.B) {
			nodes := newNodes(b, "BENCHP", "BENCHM")
			a, m := nodes[0], nodes[1]
			setupDB(a, "Bench")
			if mode != "unmirrored" {
				encryption := "REQUIRED"
				if mode == "safety-full-unencrypted" {
					encryption = "DISABLED"
				}
				a.createEndpointEncrypted(encryption)
				m.createEndpointEncrypted(encryption)
				mirrorPair(b, a, m, "Bench")
				if mode == "safety-off" {
					a.exec(`ALTER DATABASE Bench SET PARTNER SAFETY OFF`)
				}
			}
			var id atomic.Int64
			for _, clients := range []int{1, 16, 64} {
				b.Run("clients-"+strconv.Itoa(clients), func(b *testing.B) {
					conns := make([]*pgx.Conn, clients)
					for i := range conns {
						conns[i] = a.conn("Bench")
					}
					// Closed here, not at the end of the node's test: the
					// framework calls this function once per b.N tried,
					// and -count repeats it.
					defer func() {
						for _, c := range conns {
							_ = c.Close(context.Background())
						}
					}()
					var done atomic.Int64
					var wg sync.WaitGroup
					b.ResetTimer()
					start, cpu := time.Now(), testutil.ProcessCPU(b)
					for _, c := range conns {
						wg.Add(1)
						go func() {
							defer wg.Done()
							for done.Add(1) <= int64(b.N) {
								if _, err := c.Exec(context.Background(), `INSERT INTO dbo.t (id, worker) VALUES ($1, 0)`, id.Add(1)); err != nil {
									b.Error(err)
									return
								}
							}
						}()
					}
					wg.Wait()
					b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "commits/s")
					b.ReportMetric(float64((testutil.ProcessCPU(b)-cpu).Microseconds())/float64(b.N), "cpu-µs/commit")
				})
			}
		})
	}
}

var (
	catchUpMB         = flag.Int("mirroring.catchup-mb", 1024, "log to accumulate for BenchmarkCatchUp, in MB")
	settle            = flag.Duration("mirroring.settle", 10*time.Second, "BenchmarkCatchUp: pause between loading and RESUME")
	catchUpEncryption = flag.String("mirroring.encryption", "REQUIRED", "BenchmarkCatchUp: the endpoints' ENCRYPTION (REQUIRED runs TLS, DISABLED plain TCP)")
)

// BenchmarkCatchUp: the principal runs suspended while -mirroring.catchup-mb
// of log accumulates (1 MB rows), then RESUME; the figure is the log
// shipped, hardened and redone per second until the mirror has it all.
// Run it once: -benchtime 1x.
func BenchmarkCatchUp(b *testing.B) {
	nodes := newNodes(b, "CATCHP", "CATCHM")
	a, m := nodes[0], nodes[1]
	a.createEndpointEncrypted(*catchUpEncryption)
	m.createEndpointEncrypted(*catchUpEncryption)
	setupDB(a, "Big")
	a.exec(`CREATE TABLE Big.dbo.blob (id int PRIMARY KEY, data varbinary(max))`)
	mirrorPair(b, a, m, "Big")
	a.exec(`ALTER DATABASE Big SET PARTNER SUSPEND`)
	a.waitState("Big", "PRINCIPAL", "SUSPENDED")

	before := logMB(a, "Big")
	payload := randomBytes(1 << 20)
	conns := make([]*pgx.Conn, 4)
	for i := range conns {
		conns[i] = a.conn("Big")
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(*catchUpMB); i = next.Add(1) {
				if _, err := c.Exec(context.Background(), `INSERT INTO dbo.blob VALUES ($1, $2)`, i, payload); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	shipped := logMB(a, "Big") - before
	target := a.endOfLog("Big")
	// Let the principal's store finish compacting what was just loaded, as
	// it would have while log accumulated over a real suspension.
	time.Sleep(*settle)

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	baseHeap, peakHeap := ms.HeapInuse, ms.HeapInuse
	b.ResetTimer()
	start := time.Now()
	a.exec(`ALTER DATABASE Big SET PARTNER RESUME`)
	for m.endOfLog("Big") != target {
		runtime.ReadMemStats(&ms)
		peakHeap = max(peakHeap, ms.HeapInuse)
		time.Sleep(5 * time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	// Both instances share this process: the heap growth covers the
	// principal's shipper and the mirror's receive and redo queues.
	b.ReportMetric(float64(peakHeap-baseHeap)/(1<<20), "heap-growth-MB")
	b.ReportMetric(shipped, "MB")
	b.ReportMetric(shipped/elapsed.Seconds(), "MB/s")
	b.ReportMetric(elapsed.Seconds(), "s")
}

// randomBytes is an incompressible payload of n bytes.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rand.IntN(256))
	}
	return b
}

// logMB is the database's log size so far (sys.dm_db_log_stats).
func logMB(n *node, db string) float64 {
	v, err := strconv.ParseFloat(n.row(fmt.Sprintf(`SELECT total_log_size_mb FROM sys.dm_db_log_stats(DB_ID('%s'))`, db))[0], 64)
	if err != nil {
		n.t.Fatal(err)
	}
	return v
}

// BenchmarkFailoverPause: 8 writers run on a SAFETY FULL session while the
// roles switch back and forth; the pause is the time from issuing SET
// PARTNER FAILOVER to the first commit acknowledged by the new principal
// (the writers reconnect by themselves).
func BenchmarkFailoverPause(b *testing.B) {
	nodes := newNodes(b, "PAUSEA", "PAUSEB")
	a, m := nodes[0], nodes[1]
	a.createEndpoint()
	m.createEndpoint()
	setupDB(a, "Pause")
	mirrorPair(b, a, m, "Pause")
	w := startWriters(b, "Pause", 8, a, m)
	defer w.Finish()
	w.WaitFor(200)
	principal, mirror := 0, 1
	var pauses, statements []time.Duration
	b.ResetTimer()
	for range b.N {
		p := nodes[principal]
		p.waitState("Pause", "PRINCIPAL", "SYNCHRONIZED")
		t0 := time.Now()
		p.exec(`ALTER DATABASE Pause SET PARTNER FAILOVER`)
		statements = append(statements, time.Since(t0))
		pauses = append(pauses, firstAck(w, t0, mirror).Sub(t0))
		principal, mirror = mirror, principal
		w.WaitFor(100)
	}
	b.StopTimer()
	sort.Slice(pauses, func(i, j int) bool { return pauses[i] < pauses[j] })
	b.ReportMetric(float64(pauses[len(pauses)/2].Milliseconds()), "median-pause-ms")
	b.ReportMetric(float64(pauses[len(pauses)-1].Milliseconds()), "max-pause-ms")
	sort.Slice(statements, func(i, j int) bool { return statements[i] < statements[j] })
	b.ReportMetric(float64(statements[len(statements)/2].Milliseconds()), "median-statement-ms")
}

// firstAck waits for the first commit acknowledged by server after t.
func firstAck(w *testutil.Writers, t time.Time, server int) time.Time {
	for {
		for _, a := range w.Since(t) {
			if a.Server == server {
				return a.At
			}
		}
		time.Sleep(time.Millisecond)
	}
}
