package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestLoadKilledMidway: a COPY large enough to be written in parts (a
// small --part-size) is under way, its parts in the log
// (log_reuse_wait_desc ACTIVE_TRANSACTION), while another client reads
// the table and sees only the committed rows; the server is killed with
// SIGKILL. The restarted server has undone the parts: the committed rows
// only, DBCC CHECKDB clean, and the table takes new writes.
func TestLoadKilledMidway(t *testing.T) {
	dir := t.TempDir()
	srv := startServerWith(t, serverOptions{dir: dir, listen: "127.0.0.1:0", name: "parts-crash", args: []string{"--part-size", "256KB"}})
	c := connect(t, srv.addr, "master")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for _, q := range []string{
		"CREATE DATABASE partcrash",
		"USE partcrash CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(100) NOT NULL) INSERT t VALUES (-1, 'a'), (-2, 'b'), (-3, 'c')",
	} {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	loader := connect(t, srv.addr, "partcrash")
	reader := connect(t, srv.addr, "partcrash")
	loaded := make(chan error, 1)
	go func() {
		i := 0
		_, err := loader.CopyFrom(ctx, pgx.Identifier{"t"}, []string{"id", "v"}, pgx.CopyFromFunc(func() ([]any, error) {
			i++
			return []any{int32(i), fmt.Sprintf("row %d of a load that never ends, padded to about a hundred bytes .........", i)}, nil
		}))
		loaded <- err
	}()
	deadline := time.Now().Add(time.Minute)
	for {
		var wait string
		var n int
		if err := reader.QueryRow(ctx, "SELECT log_reuse_wait_desc FROM sys.databases WHERE name = 'partcrash'").Scan(&wait); err != nil {
			t.Fatal(err)
		}
		if err := reader.QueryRow(ctx, "SELECT COUNT(*) FROM t").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 3 {
			t.Fatalf("a reader sees %d rows during the load, want the 3 committed", n)
		}
		if wait == "ACTIVE_TRANSACTION" {
			break
		}
		select {
		case err := <-loaded:
			t.Fatalf("the endless load ended: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no part written within a minute (log_reuse_wait_desc %s)", wait)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // more parts
	srv.kill()
	<-loaded

	srv = startServerWith(t, serverOptions{dir: dir, listen: "127.0.0.1:0", name: "parts-crash", args: []string{"--part-size", "256KB"}})
	c = connect(t, srv.addr, "partcrash")
	var n int
	var sum int64
	if err := c.QueryRow(ctx, "SELECT COUNT(*), SUM(CONVERT(BIGINT, id)) FROM t").Scan(&n, &sum); err != nil {
		t.Fatal(err)
	}
	if n != 3 || sum != -6 {
		t.Fatalf("after the restart: %d rows (ids summing to %d), want the 3 committed", n, sum)
	}
	for _, q := range []string{"DBCC CHECKDB", "INSERT t VALUES (1, 'after')"} {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var wait string
	if err := c.QueryRow(ctx, "SELECT log_reuse_wait_desc FROM sys.databases WHERE name = 'partcrash'").Scan(&wait); err != nil || wait == "ACTIVE_TRANSACTION" {
		t.Fatalf("log_reuse_wait_desc after the restart: %s, %v", wait, err)
	}
}
