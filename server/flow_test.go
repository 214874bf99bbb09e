package server_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"mirrordb/internal/testutil"
	"mirrordb/server"
	"mirrordb/server/servertest"
)

// endless never ends on its own: each pass only assigns a variable, so
// nothing in it waits; only the loop's own check can stop it.
const endless = "DECLARE @i INT = 0 WHILE 1 = 1 SET @i = (@i + 1) % 1000"

// A WHILE loop is stopped while it runs by a CancelRequest, with 57014
// (the session goes on), and by KILL (the session ends).
func TestWhileLoopCancel(t *testing.T) {
	srv := servertest.StartWith(t, servertest.Options{})
	admin := servertest.Connect(t, srv, "master")
	for _, way := range []string{"cancel", "kill"} {
		t.Run(way, func(t *testing.T) { stopLoop(t, srv, admin, way) })
	}
}

func stopLoop(t *testing.T, srv *server.Server, admin *pgx.Conn, way string) {
	victim := cancellable(t, srv, "master")
	ctx := context.Background()
	pid := int(victim.PgConn().PID())

	done := make(chan error, 1)
	var ended time.Time
	go func() {
		_, err := victim.Exec(ctx, endless)
		ended = time.Now()
		done <- err
	}()
	// Wait until the loop's statements show in sys.dm_exec_requests.
	deadline := time.Now().Add(time.Minute)
	for {
		var n int
		if err := admin.QueryRow(ctx, "SELECT COUNT(*) FROM sys.dm_exec_requests WHERE session_id = $1", pid).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the loop never showed in sys.dm_exec_requests")
		}
		time.Sleep(5 * time.Millisecond)
	}
	told := time.Now()
	if way == "kill" {
		if _, err := admin.Exec(ctx, fmt.Sprintf("KILL %d", pid)); err != nil {
			t.Fatal(err)
		}
	} else if err := victim.PgConn().CancelRequest(ctx); err != nil {
		t.Fatal(err)
	}
	var err error
	select {
	case err = <-done:
	case <-time.After(time.Minute):
		t.Fatal("the loop did not stop after a CancelRequest")
	}
	if d := ended.Sub(told); d > stopBound {
		t.Errorf("stopped %v after the %s, want under %v", d, way, stopBound)
	} else {
		t.Logf("stopped %v after the %s", d, way)
	}
	if way == "kill" {
		if err == nil || !victim.IsClosed() && victim.Ping(ctx) == nil {
			t.Fatalf("after KILL: error %v and the session still open", err)
		}
		return
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "57014" {
		t.Fatalf("got %v, want SQLSTATE 57014", err)
	}
	var one int
	if err := victim.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("session after the cancel: %v", err)
	}
}

// statement_timeout bounds a whole loop, not each of its statements.
func TestWhileLoopTimeout(t *testing.T) {
	srv := servertest.StartWith(t, servertest.Options{})
	c := servertest.Connect(t, srv, "master")
	ctx := context.Background()
	if _, err := c.Exec(ctx, "SET statement_timeout = 200"); err != nil {
		t.Fatal(err)
	}
	_, err := c.Exec(ctx, endless)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "57014" {
		t.Fatalf("got %v, want statement_timeout's SQLSTATE 57014", err)
	}
}

// The extended protocol sends one statement per Parse: an IF or WHILE with
// its block is that statement, its variables living for one Execute; a
// result set inside it is refused (Describe could not announce it).
func TestControlFlowExtendedProtocol(t *testing.T) {
	srv := servertest.StartWith(t, servertest.Options{})
	c := servertest.Connect(t, srv, "master")
	ctx := context.Background()
	if _, err := c.Exec(ctx, "CREATE DATABASE f"); err != nil {
		t.Fatal(err)
	}
	c = servertest.Connect(t, srv, "f")
	extended := func(sql string) error {
		return c.PgConn().ExecParams(ctx, sql, nil, nil, nil, nil).Read().Err
	}
	for _, sql := range []string{
		"IF OBJECT_ID(N'dbo.t', N'U') IS NULL CREATE TABLE t (k INT PRIMARY KEY)",
		"IF OBJECT_ID(N'dbo.t', N'U') IS NULL CREATE TABLE t (k INT PRIMARY KEY)",
		"BEGIN DECLARE @i INT = 0; WHILE @i < 3 BEGIN INSERT INTO t VALUES (@i); SET @i += 1 END END",
	} {
		if err := extended(sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	// pgx's own extended exchange: Parse, Describe (the parameters' types
	// inferred from the statements inside), Bind, Execute.
	for _, k := range []int{10, -1} {
		if _, err := c.Exec(ctx, "IF $1 > 0 BEGIN DECLARE @k INT = $1; INSERT INTO t VALUES (@k) END", k); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := c.QueryRow(ctx, "SELECT COUNT(*) FROM t").Scan(&n); err != nil || n != 4 {
		t.Fatalf("rows inserted by the loop and the IF: %d, %v; want 4", n, err)
	}
	err := extended("IF 1 = 1 SELECT k FROM t")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "0A000" {
		t.Fatalf("a result set inside IF: got %v, want SQLSTATE 0A000", err)
	}
	if err := extended("SET @nope = 1"); !errors.As(err, &pe) || pe.Code != "42P02" {
		t.Fatalf("an undeclared variable: got %v, want 42P02 (Msg 137)", err)
	}
}

// One simple Query of several batches gets one CommandComplete per
// statement that completes: a batch of quiet statements (DECLARE) adds
// none when another batch completed, and one when nothing else did. A
// statement with control flow that cannot compile fails at Parse, as
// one that cannot bind does.
func TestControlFlowCompletions(t *testing.T) {
	srv := servertest.StartWith(t, servertest.Options{})
	c := servertest.Connect(t, srv, "master")
	ctx := context.Background()
	tags := func(sql string) []string {
		t.Helper()
		results, err := c.PgConn().Exec(ctx, sql).ReadAll()
		if err != nil {
			t.Fatalf("%q: %v", sql, err)
		}
		var out []string
		for _, r := range results {
			out = append(out, r.CommandTag.String())
		}
		return out
	}
	for sql, want := range map[string]string{
		"DECLARE @a INT\nGO\nSELECT 1":           "[SELECT 1]",
		"SELECT 1\nGO\nDECLARE @a INT":           "[SELECT 1]",
		"DECLARE @a INT = 1 SET @a += 1":         "[DECLARE]",
		"DECLARE @a INT = 1 IF @a = 1 SELECT @a": "[SELECT 1]",
	} {
		if got := fmt.Sprint(tags(sql)); got != want {
			t.Errorf("%q: completions %s, want %s", sql, got, want)
		}
	}
	_, err := c.PgConn().Prepare(ctx, "", "IF @undeclared = 1 PRINT 'x'", nil)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "42P02" {
		t.Fatalf("Parse of IF with an undeclared variable: got %v, want 42P02 (Msg 137)", err)
	}
}

// Control flow nested far too deeply (a 2.8 MB IF chain, and BEGIN...END)
// is Msg 191 over the simple and the extended query protocol, not a stack
// overflow that kills the server; the session and the server go on serving.
func TestControlFlowNestedTooDeeply(t *testing.T) {
	srv := servertest.StartWith(t, servertest.Options{})
	c := servertest.Connect(t, srv, "master")
	for _, sql := range []string{
		strings.Repeat("IF 1=1 ", 400000) + "PRINT 1",
		strings.Repeat("BEGIN ", 200000) + "PRINT 1" + strings.Repeat(" END", 200000),
	} {
		for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeExec} {
			_, err := c.Exec(context.Background(), sql, mode)
			if testutil.MsgNumber(err) != 191 || testutil.SQLState(err) != "54000" {
				t.Fatalf("%s, %.40s... (%d bytes): %v, want Msg 191 / 54000", mode, sql, len(sql), err)
			}
			if got := queryText(t, c, "SELECT 1"); got != "1" {
				t.Fatalf("after 191: %q", got)
			}
		}
	}
	if got := queryText(t, servertest.Connect(t, srv, "master"), "SELECT 2"); got != "2" {
		t.Fatalf("new session: %q", got)
	}
}
