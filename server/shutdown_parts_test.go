package server_test

import (
	"context"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"mirrordb/engine/storage"
	"mirrordb/server/servertest"
)

// TestShutdownDuringLoadInParts: a server shut down in the middle of a
// COPY written in parts does not wait for the load's rollback (it
// compensates every part, seconds for a big load): Close ends its
// connections within its grace and reports no error, and the restarted
// instance undoes the load's parts at open, so it holds only the committed
// row and DBCC CHECKDB finds nothing.
func TestShutdownDuringLoadInParts(t *testing.T) {
	storage.SetDefaultPartBytes(64 << 10)
	t.Cleanup(func() { storage.SetDefaultPartBytes(0) })
	dir := t.TempDir()
	srv := servertest.Start(t, dir)
	ctx := context.Background()
	conn := servertest.Connect(t, srv, "master")
	if _, err := conn.Exec(ctx, "CREATE DATABASE partstop USE partstop CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(200)) INSERT t VALUES (0, 'committed')"); err != nil {
		t.Fatal(err)
	}
	loader := servertest.Connect(t, srv, "partstop")
	src := &countingReader{r: &csvStream{size: 1 << 40}} // never ends by itself
	done := make(chan error, 1)
	go func() {
		_, err := loader.PgConn().CopyFrom(ctx, src, "COPY t FROM STDIN (FORMAT csv)")
		done <- err
	}()
	// Wait for the load to have written many parts: their compensation
	// then outlasts the shutdown's grace by far.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var parts int64
		if err := conn.QueryRow(ctx, "SELECT COUNT(*) FROM sys.databases WHERE name = 'partstop' AND log_reuse_wait_desc = 'ACTIVE_TRANSACTION'").Scan(&parts); err != nil {
			t.Fatal(err)
		}
		if parts == 1 && src.n.Load() >= 24<<20 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the load wrote no parts in 2 minutes (%d bytes sent)", src.n.Load())
		}
		time.Sleep(20 * time.Millisecond)
	}
	ctxShut, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(ctxShut); err != nil {
		t.Fatalf("shutdown during the load: %v", err)
	}
	if err := <-done; err == nil {
		t.Fatal("the load committed although the server was shut down")
	}

	srv = servertest.Start(t, dir)
	conn = servertest.Connect(t, srv, "partstop")
	var rows int64
	if err := conn.QueryRow(ctx, "SELECT COUNT(*) FROM t").Scan(&rows); err != nil || rows != 1 {
		t.Fatalf("after the restart: %d rows, %v; want the 1 committed", rows, err)
	}
	var open int64
	if err := conn.QueryRow(ctx, "SELECT COUNT(*) FROM sys.databases WHERE name = 'partstop' AND log_reuse_wait_desc = 'ACTIVE_TRANSACTION'").Scan(&open); err != nil || open != 0 {
		t.Fatalf("after the restart the log is held by an open transaction (%d, %v)", open, err)
	}
	if _, err := conn.Exec(ctx, "DBCC CHECKDB ('partstop') WITH NO_INFOMSGS"); err != nil {
		t.Fatalf("DBCC CHECKDB after the restart: %v", err)
	}
	if _, err := conn.Exec(ctx, "INSERT t VALUES (1, 'after the restart')"); err != nil {
		t.Fatalf("writing after the restart: %v", err)
	}
}

// countingReader counts what was read through it, for another goroutine.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}
