package main

import (
	"context"
	"io"

	"fmt"

	"log/slog"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"mirrordb/internal/testutil"
)

func TestByteSizeFlag(t *testing.T) {
	for in, want := range map[string]int64{"512MB": 512 << 20, "2GB": 2 << 30, "1.5g": 3 << 29, "64 KiB": 64 << 10,
		"4096": 4096, "1TB": 1 << 40} {
		var b byteSize
		if err := b.Set(in); err != nil || int64(b) != want {
			t.Errorf("%q: %d, %v; want %d", in, b, err, want)
		}
	}
	for _, in := range []string{"", "MB", "-1GB", "5 parsecs", "1e"} {
		var b byteSize
		if err := b.Set(in); err == nil {
			t.Errorf("%q accepted as %d", in, b)
		}
	}
	o, err := parseFlags([]string{"--query-memory", "256MB", "--query-memory-pool", "2GB"})
	if err != nil || o.queryMemory != 256<<20 || o.queryPool != 2<<30 {
		t.Fatalf("flags: %+v %v", o, err)
	}
}

// TestShutdownGivesUp: when stopping the server hangs (a store wedged on
// a failed disk), shutdown logs it and returns within the grace period
// plus a second; a second signal makes it return at once.
func TestShutdownGivesUp(t *testing.T) {
	var logged strings.Builder
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logged.Write(p)
	}), nil))
	wedged := func(context.Context) error { select {} }
	const grace = 200 * time.Millisecond
	start := time.Now()
	if code := shutdown(logger, wedged, grace, nil); code != 1 {
		t.Fatalf("exit code %d, want 1", code)
	}
	// The watchdog gives up a second after the grace; the bound checked
	// here is looser so that a loaded machine's scheduling cannot fail it,
	// while a shutdown that waits for the wedged store still does.
	if d := time.Since(start); d < grace || d > grace+5*time.Second {
		t.Fatalf("gave up after %v, want within %v + 1s", d, grace)
	}
	sig := make(chan os.Signal, 1)
	sig <- syscall.SIGTERM
	start = time.Now()
	if code := shutdown(logger, wedged, time.Hour, sig); code != 1 || time.Since(start) > 5*time.Second {
		t.Fatalf("second signal: exit code %d after %v", code, time.Since(start))
	}
	if code := shutdown(logger, func(context.Context) error { return nil }, grace, nil); code != 0 {
		t.Fatalf("clean shutdown: exit code %d", code)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logged.String(), "exiting anyway") || !strings.Contains(logged.String(), "second signal") {
		t.Fatalf("log: %s", logged.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestSigtermStopsRunawayStatements runs a server process, starts one long
// statement in each operator (a scan, the four-table join, a sort, an
// aggregate, a DISTINCT, WAITFOR in a transaction, a BACKUP waiting for
// that transaction's lock) and sends
// SIGTERM: the process exits cleanly within --shutdown-grace plus a
// second, every client hears 57P01, and the data directory opens again
// with what was committed.
func TestSigtermStopsRunawayStatements(t *testing.T) {
	const grace = 500 * time.Millisecond
	dir := t.TempDir()
	srv := startServerWith(t, serverOptions{dir: dir, listen: "127.0.0.1:0", name: "sigterm",
		// The cross joins' rows share their strings, which the statements'
		// memory counts per row: memory is not the point here.
		args: []string{"--shutdown-grace", grace.String(), "--query-memory", "1TB", "--query-memory-pool", "1TB"}, log: io.Discard})
	ctx := context.Background()
	admin := connect(t, srv.addr, "master")
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = fmt.Sprintf("(%d)", i+1)
	}
	for _, q := range []string{"CREATE DATABASE gov", "USE gov", "CREATE TABLE t (id INT PRIMARY KEY)",
		"INSERT INTO t VALUES " + strings.Join(ids, ","), "CREATE TABLE s (id INT PRIMARY KEY, v VARCHAR(MAX))",
		"INSERT INTO s SELECT id, REPLICATE('x', 20000) + CONVERT(VARCHAR(10), id) FROM t"} {
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	runaway := []string{
		"SELECT COUNT(*) FROM s WHERE v LIKE '%" + strings.Repeat("x", 100) + "y%'",
		"SELECT COUNT(*) FROM t a, t b, t c, t d WHERE a.id < b.id AND b.id < c.id AND c.id < d.id", // nested loops (equalities would hash)
		"SELECT TOP 1 a.id FROM t a, t b, s WHERE a.id <= 200 ORDER BY s.v, a.id",                   // a top-N sort of 200M rows
		"SELECT TOP 1 COUNT(*) FROM t a, s GROUP BY s.v",
		"SELECT COUNT(*) FROM (SELECT DISTINCT s.v FROM t a, t b, s WHERE a.id <= 200) d",
		"BEGIN TRAN INSERT INTO t VALUES (0) WAITFOR DELAY '00:10:00'", // holds the writer lock
		"BACKUP DATABASE gov TO DISK = 'never.bak' WITH FORMAT",        // waits for it
	}
	errs := make(chan error, len(runaway))
	// waitRunning waits for n statements to be running; a statement that
	// ended meanwhile is named in the failure.
	waitRunning := func(n int) {
		deadline := time.Now().Add(time.Minute)
		for {
			var running int
			if err := admin.QueryRow(ctx, "SELECT COUNT(*) FROM sys.dm_exec_requests WHERE session_id <> @@SPID").Scan(&running); err != nil {
				t.Fatal(err)
			}
			if running == n {
				return
			}
			select {
			case err := <-errs:
				t.Fatalf("a statement ended before the shutdown: %v", err)
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d statements running", running, n)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	for i, q := range runaway {
		if i == len(runaway)-1 {
			// The BACKUP waits for the transaction's lock only once the
			// transaction holds it: started together, it could run first
			// and finish.
			waitRunning(i)
		}
		c := connect(t, srv.addr, "gov")
		go func() {
			_, err := c.Exec(ctx, q)
			if err == nil {
				err = fmt.Errorf("%s: finished", q)
			}
			errs <- err
		}()
	}
	waitRunning(len(runaway))
	time.Sleep(200 * time.Millisecond) // into their operators
	start := time.Now()
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Under -race on a loaded machine the shutdown may have to give up on
	// a storage call (Pebble's Close waits for a flush: exit status 1,
	// "exiting anyway"), and the race runtime is slow to exit.
	limit := grace + time.Second
	if raceEnabled {
		limit += 2 * time.Second
	}
	select {
	case err := <-srv.done:
		took := time.Since(start)
		t.Logf("exited %v after SIGTERM (grace %v): %v", took.Round(time.Millisecond), grace, err)
		if err != nil && !raceEnabled {
			t.Fatalf("exit status: %v", err)
		}
		if took > limit {
			t.Fatalf("took %v to exit, more than %v", took, limit)
		}
	case <-time.After(limit):
		t.Fatalf("did not exit within %v", limit)
	}
	for range runaway {
		if err := <-errs; testutil.SQLState(err) != "57P01" {
			t.Errorf("a runaway statement ended with %v, want FATAL 57P01", err)
		}
	}

	again := startServer(t, dir)
	var n int
	if err := connect(t, again.addr, "gov").QueryRow(ctx, "SELECT COUNT(*) FROM t").Scan(&n); err != nil || n != 1000 {
		t.Fatalf("after restart: %d rows (%v), want the 1000 committed", n, err)
	}
}
