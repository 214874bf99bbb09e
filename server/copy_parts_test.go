package server_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mirrordb/engine/storage"
	"mirrordb/server/servertest"
)

var (
	partsLoadMB = flag.Int("copy.parts.mb", 48, "size of TestCopyInParts's load in MB (1024: the issue's 1 GB)")
	partsSize   = flag.Int("copy.parts.part", 2<<20, "part size of TestCopyInParts (4 MB is the server's default)")
)

// csvStream produces COPY data (id, a 100-byte text) up to size bytes,
// without holding it: the client runs in this process, and its buffers
// must not count as the server's.
type csvStream struct {
	size, sent int64
	rows       int64
	pending    []byte
}

func (s *csvStream) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(s.pending) == 0 {
			if s.sent >= s.size {
				break
			}
			s.rows++
			s.pending = fmt.Appendf(s.pending[:0], "%d,%s\n", s.rows, strings.Repeat("x", 100))
			s.sent += int64(len(s.pending))
		}
		k := copy(p[n:], s.pending)
		s.pending = s.pending[k:]
		n += k
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// TestCopyInParts: a COPY many times the part size is written in parts.
// The server's live heap grows by less than 128 MB (the bound),
// and a reader during the load sees the committed state: COUNT(*) does
// not move until the load commits, then it counts every row.
// -copy.parts.mb 1024 -copy.parts.part 4194304 runs the 1 GB
// with the default part size (112 MB of growth, about 25 s).
func TestCopyInParts(t *testing.T) {
	storage.SetDefaultPartBytes(*partsSize)
	t.Cleanup(func() { storage.SetDefaultPartBytes(0) })
	srv := servertest.Start(t, "")
	conn := servertest.Connect(t, srv, "master")
	ctx := context.Background()
	if _, err := conn.Exec(ctx, "CREATE DATABASE partload USE partload CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(200)) INSERT t VALUES (0, 'committed')"); err != nil {
		t.Fatal(err)
	}
	loader := servertest.Connect(t, srv, "partload")
	reader := servertest.Connect(t, srv, "partload")

	heapGrowth := watchHeap(true)
	src := &csvStream{size: int64(*partsLoadMB) << 20}
	type result struct {
		rows int64
		err  error
	}
	done := make(chan result, 1)
	go func() {
		tag, err := loader.PgConn().CopyFrom(ctx, src, "COPY t FROM STDIN (FORMAT csv)")
		done <- result{tag.RowsAffected(), err}
	}()
	var res result
	reads, sawParts := 0, false
	for waiting := true; waiting; {
		select {
		case res = <-done:
			waiting = false
		default:
			var n int
			var wait string
			if err := reader.QueryRow(ctx, "SELECT COUNT(*), (SELECT log_reuse_wait_desc FROM sys.databases WHERE name = 'partload') FROM t").Scan(&n, &wait); err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				select { // the load may have committed just now
				case res = <-done:
					waiting = false
					continue
				default:
				}
				t.Fatalf("a reader sees %d rows during the load, want the 1 committed", n)
			}
			reads++
			sawParts = sawParts || wait == "ACTIVE_TRANSACTION"
			time.Sleep(10 * time.Millisecond)
		}
	}
	grown := heapGrowth()
	if res.err != nil || res.rows != src.rows {
		t.Fatalf("COPY: %d rows, %v; want %d", res.rows, res.err, src.rows)
	}
	var n int64
	if err := reader.QueryRow(ctx, "SELECT COUNT(*) FROM t").Scan(&n); err != nil || n != src.rows+1 {
		t.Fatalf("after the load: %d rows, %v; want %d", n, err, src.rows+1)
	}
	t.Logf("%d MB (%d rows) in parts of %d kB: live heap grew by %d MB at most; %d reads during the load", src.sent>>20, src.rows, *partsSize>>10, grown>>20, reads)
	if !sawParts {
		t.Error("no reader saw the load's parts hold the log (ACTIVE_TRANSACTION)")
	}
	if grown >= 128<<20 {
		t.Fatalf("the heap grew by %d MB during the load, want < 128 MB", grown>>20)
	}
}

// watchHeap samples the heap (the server runs in this process) until the
// function it returns is called, which returns the largest growth seen
// over the heap after a collection now. With live set, each sample
// collects first: the growth is then what the server holds, not the
// garbage it has yet to collect (which GOGC lets reach its live size).
func watchHeap(live ...bool) (stop func() int64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := int64(ms.HeapAlloc)
	var grown atomic.Int64
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if len(live) > 0 && live[0] {
				runtime.GC()
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if g := int64(ms.HeapAlloc) - base; g > grown.Load() {
				grown.Store(g)
			}
			select {
			case <-quit:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return func() int64 {
		close(quit)
		<-done
		return grown.Load()
	}
}
