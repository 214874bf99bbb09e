package main

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSecondInstanceOnSameDataDirFails starts a server, then a second one
// on the same directory: the second exits at once with a clear message.
func TestSecondInstanceOnSameDataDirFails(t *testing.T) {
	dir := t.TempDir()
	startServer(t, dir)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "MIRRORDB_SERVER_ARGS=--data "+dir+" --listen 127.0.0.1:0")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatal("second instance started on a data directory in use")
	}
	if !strings.Contains(string(out), "in use by another mirrordb instance") {
		t.Fatalf("unclear message: %s", out)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("second instance took %v to fail", d)
	}
}

// TestSigtermLetsRunningStatementsFinish sends SIGTERM while a statement
// runs: the statement completes, the process exits 0, and the data
// directory opens cleanly again.
func TestSigtermLetsRunningStatementsFinish(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, dir)
	conn := connect(t, srv.addr, "master")
	ctx := context.Background()
	if _, err := conn.Exec(ctx, "CREATE TABLE drained (a INT)"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := conn.Exec(ctx, "WAITFOR DELAY '00:00:00.5' INSERT drained VALUES (1)")
		done <- err
	}()
	time.Sleep(150 * time.Millisecond)
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("running statement did not finish: %v", err)
	}
	waitExit(t, srv.done, 15*time.Second)
	again := startServer(t, dir)
	var n int
	if err := connect(t, again.addr, "master").QueryRow(ctx, "SELECT COUNT(*) FROM drained").Scan(&n); err != nil || n != 1 {
		t.Fatalf("after restart: %d rows, %v", n, err)
	}
}

// waitExit waits up to limit for a child's exit status (sent on done) and
// fails the test unless it is a clean exit.
func waitExit(t testing.TB, done <-chan error, limit time.Duration) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit status: %v", err)
		}
	case <-time.After(limit):
		t.Fatalf("did not exit within %s", limit)
	}
}
