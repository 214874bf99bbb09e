package server_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"syscall"
	"testing"
	"time"

	"mirrordb/server/servertest"
)

// BenchmarkCopyFrom loads rows with COPY FROM STDIN (csv, as psql's \copy
// sends a file) into a fresh table per iteration, and reports rows/s and
// the largest growth of the process's heap (server and client share the
// process) over the heap before the load, and the process's CPU time per
// row.
//
//	go test ./server -run XXX -bench CopyFrom -benchtime 1x -copy.rows 1000000
func BenchmarkCopyFrom(b *testing.B) {
	srv := servertest.Start(b, "")
	conn := servertest.Connect(b, srv, "master")
	ctx := context.Background()
	if _, err := conn.Exec(ctx, "CREATE DATABASE copybench"); err != nil {
		b.Fatal(err)
	}
	data := benchCopyData(*copyRows)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	var peak int64
	var cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		table := fmt.Sprintf("copybench.dbo.t%d", i)
		if _, err := conn.Exec(ctx, "CREATE TABLE "+table+" (id INT PRIMARY KEY, name VARCHAR(40), qty INT, price DECIMAL(10,2), at DATETIME2)"); err != nil {
			b.Fatal(err)
		}
		heapGrowth := watchHeap()
		b.StartTimer()
		cpu0 := selfCPU()
		tag, err := conn.PgConn().CopyFrom(ctx, bytes.NewReader(data), "COPY "+table+" FROM STDIN (FORMAT csv)")
		cpu += selfCPU() - cpu0
		b.StopTimer()
		grown := heapGrowth()
		if err != nil || tag.RowsAffected() != int64(*copyRows) {
			b.Fatalf("COPY: %v %v", tag, err)
		}
		peak = max(peak, grown)
		b.StartTimer()
	}
	b.ReportMetric(float64(*copyRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(peak)/(1<<20), "heap-growth-MB")
	b.ReportMetric(float64(cpu.Microseconds())/float64(*copyRows)/float64(b.N), "cpu-us/row")
}

// selfCPU is the process's user and system CPU time so far. The
// client's side of a load (pgx sending the data) is in it too, a small
// part; the figure is steadier than wall time on a loaded machine.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

var copyRows = flag.Int("copy.rows", 100000, "rows BenchmarkCopyFrom loads per iteration")

// benchCopyData is rows lines of csv like testdata/bench's COPY file.
func benchCopyData(rows int) []byte {
	var buf bytes.Buffer
	for i := 1; i <= rows; i++ {
		fmt.Fprintf(&buf, "%d,name %d,%d,%d.%02d,2024-%02d-%02d %02d:%02d:%02d\n",
			i, i, i%1000, i*7%100000, i%100, i%12+1, i%28+1, i%24, i%60, i*7%60)
	}
	return buf.Bytes()
}
