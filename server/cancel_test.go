package server_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"

	"mirrordb/internal/testutil"
	"mirrordb/server"
	"mirrordb/server/servertest"
)

// A statement must stop this soon after it is told to, even under -race on
// a loaded machine; the latencies measured are logged (go test -v) and
// should be well under 100 ms without -race.
const stopBound = 2 * time.Second

// governed is a server with the database gov: t holds the ids 1..1000; s
// 1,000 strings of 20 KB that differ only at their end, so that matching,
// comparing and hashing them is slow; sink is what statements write, to
// see their transactions roll back.
type governed struct {
	srv   *server.Server
	admin *pgx.Conn // a sysadmin session in gov
}

func startGoverned(t *testing.T, configure func(*server.Config)) *governed {
	t.Helper()
	srv := servertest.StartWith(t, servertest.Options{Configure: configure})
	boot := servertest.Connect(t, srv, "master")
	ctx := context.Background()
	if _, err := boot.Exec(ctx, "CREATE DATABASE gov"); err != nil {
		t.Fatal(err)
	}
	g := &governed{srv: srv, admin: servertest.Connect(t, srv, "gov")}
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = fmt.Sprintf("(%d)", i+1)
	}
	g.exec(t, "CREATE TABLE t (id INT PRIMARY KEY)",
		"INSERT INTO t VALUES "+strings.Join(ids, ","),
		"CREATE TABLE s (id INT PRIMARY KEY, v VARCHAR(MAX))",
		"INSERT INTO s SELECT id, REPLICATE('x', 20000) + CONVERT(VARCHAR(10), id) FROM t",
		"CREATE TABLE sink (a INT)")
	return g
}

func (g *governed) exec(t *testing.T, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := g.admin.Exec(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// client connects to gov; cancelling a context it runs under sends a
// CancelRequest (pgx's default only closes the socket after a delay).
func (g *governed) client(t *testing.T, tweak ...func(*pgx.ConnConfig)) *pgx.Conn {
	t.Helper()
	return cancellable(t, g.srv, "gov", tweak...)
}

func cancellable(t *testing.T, srv *server.Server, db string, tweak ...func(*pgx.ConnConfig)) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(servertest.URL(srv, db))
	if err != nil {
		t.Fatal(err)
	}
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: 10 * time.Second}
	}
	for _, f := range tweak {
		f(cfg)
	}
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// request is a row of sys.dm_exec_requests.
type request struct {
	status, command, waitType string
	memoryPages, blocker      int
}

// request reads the running statement of session pid (ok false when it
// runs none).
func (g *governed) request(t *testing.T, pid uint32) (r request, ok bool) {
	t.Helper()
	var wait *string
	err := g.admin.QueryRow(context.Background(), `SELECT status, command, wait_type, granted_query_memory,
		blocking_session_id FROM sys.dm_exec_requests WHERE session_id = $1`, int(pid)).
		Scan(&r.status, &r.command, &wait, &r.memoryPages, &r.blocker)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, false
	}
	if err != nil {
		t.Fatalf("sys.dm_exec_requests: %v", err)
	}
	if wait != nil {
		r.waitType = *wait
	}
	return r, true
}

// waitUntil polls session pid's request until ready says it is where the
// test wants to stop it, and returns how long that took.
func (g *governed) waitUntil(t *testing.T, pid uint32, ready func(seen []request) bool) time.Duration {
	t.Helper()
	start := time.Now()
	var seen []request
	for time.Since(start) < time.Minute {
		if r, ok := g.request(t, pid); ok {
			if seen = append(seen, r); ready(seen) {
				return time.Since(start)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("session %d never got ready: %v", pid, seen)
	return 0
}

// running is ready once the statement runs; plateau once the memory it
// holds stops growing (its sort, distinct or aggregate phase, after the
// rows are gathered); waiting once it waits for kind.
func running(seen []request) bool { return len(seen) >= 3 }

func plateau(seen []request) bool {
	n := len(seen)
	return n >= 4 && seen[n-1].memoryPages > 0 && seen[n-1].memoryPages == seen[n-2].memoryPages &&
		seen[n-2].memoryPages == seen[n-3].memoryPages
}

func waiting(kind string) func([]request) bool {
	return func(seen []request) bool { return seen[len(seen)-1].waitType == kind }
}

// longStatements run for minutes unless stopped, each spending its time
// in one operator.
var longStatements = []struct {
	name, sql string
	ready     func([]request) bool
	// inTx runs the statement in a transaction that wrote first.
	inTx bool
	// locked has another session hold gov's writer lock meanwhile.
	locked bool
}{
	// Each row of s fails a LIKE that backtracks over 20 KB: a scan slow
	// per row.
	{name: "scan", sql: "SELECT COUNT(*) FROM s WHERE v LIKE '%" + strings.Repeat("x", 100) + "y%'",
		ready: running, inTx: true},
	// The report's runaway was a four-table comma join on equalities,
	// which hash joins now answer at once; without equalities it is
	// still nested loops over 10^12 combinations.
	{name: "join", sql: "SELECT COUNT(*) FROM t a, t b, t c, t d WHERE a.id < b.id AND b.id < c.id AND c.id < d.id",
		ready: running, inTx: true},
	// 200M rows ordered by strings equal for 20 KB (a top-N sort: its
	// memory stays put while it reads).
	{name: "sort", sql: "SELECT TOP 1 a.id FROM t a, t b, s WHERE a.id <= 200 ORDER BY s.v, a.id",
		ready: plateau, inTx: true},
	// A million rows grouped by those strings: each is encoded and hashed.
	{name: "aggregate", sql: "SELECT TOP 1 COUNT(*) FROM t a, s GROUP BY s.v",
		ready: plateau, inTx: true},
	// 200M rows made distinct by those strings: each is encoded and
	// looked up (a flow distinct under TOP would stop at its first row).
	{name: "distinct", sql: "SELECT COUNT(*) FROM (SELECT DISTINCT s.v FROM t a, t b, s WHERE a.id <= 200) d",
		ready: plateau, inTx: true},
	{name: "waitfor", sql: "WAITFOR DELAY '00:10:00'", ready: waiting("WAITFOR"), inTx: true},
	// BACKUP waits for the writer lock another session's transaction holds.
	{name: "backup", sql: "BACKUP DATABASE gov TO DISK = 'stopped.bak' WITH FORMAT", ready: waiting("LCK_M_X"), locked: true},
}

// stopWays are the ways to stop a statement: a CancelRequest sent with
// pgconn (measured from the request to the error), the same through pgx's
// context (pgx returns 100 ms after sending it, on purpose: see
// CancelRequestContextWatcherHandler), statement_timeout, and KILL from
// another session.
var stopWays = []string{"cancel", "context", "timeout", "kill"}

// TestStopLongStatements stops each long statement each way and checks
// the error, how fast it stopped, that the session (or, after KILL, the
// server) works, and that the statement's transaction rolled back.
func TestStopLongStatements(t *testing.T) {
	g := startGoverned(t, func(c *server.Config) {
		// The cross joins share their strings between rows; the
		// statements' memory is counted per row. Memory is not the point.
		c.QueryMemory, c.QueryMemoryPool = 1<<40, 1<<40
	})
	var mu sync.Mutex
	latencies := map[string]map[string]time.Duration{}
	for _, ls := range longStatements {
		readyAfter := 500 * time.Millisecond
		for _, way := range stopWays {
			t.Run(ls.name+"/"+way, func(t *testing.T) {
				d, took := g.stopOne(t, ls.sql, ls.ready, ls.inTx, ls.locked, way, readyAfter)
				if way == "cancel" {
					readyAfter = took // statement_timeout fires in the same operator
				}
				mu.Lock()
				if latencies[ls.name] == nil {
					latencies[ls.name] = map[string]time.Duration{}
				}
				latencies[ls.name][way] = d
				mu.Unlock()
			})
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "stop latency (statement told to stop → its error at the client):\n%-10s", "")
	for _, way := range stopWays {
		fmt.Fprintf(&b, "%10s", way)
	}
	for _, ls := range longStatements {
		fmt.Fprintf(&b, "\n%-10s", ls.name)
		for _, way := range stopWays {
			fmt.Fprintf(&b, "%10s", latencies[ls.name][way].Round(100*time.Microsecond))
		}
	}
	t.Log(b.String())
}

// stopOne runs sql on a new session and stops it one way once ready (for
// statement_timeout: readyAfter after it starts). It returns the stop
// latency and how long the statement took to get ready.
func (g *governed) stopOne(t *testing.T, sql string, ready func([]request) bool, inTx, locked bool, way string, readyAfter time.Duration) (latency, took time.Duration) {
	ctx := context.Background()
	victim := g.client(t)
	pid := victim.PgConn().PID()
	if inTx {
		if _, err := victim.Exec(ctx, "BEGIN TRAN INSERT INTO sink VALUES (1)"); err != nil {
			t.Fatal(err)
		}
	}
	var holder *pgx.Conn
	if locked {
		holder = g.client(t)
		if _, err := holder.Exec(ctx, "BEGIN TRAN INSERT INTO sink VALUES (2)"); err != nil {
			t.Fatal(err)
		}
	}
	timeout := (readyAfter + 200*time.Millisecond).Truncate(time.Millisecond)
	if way == "timeout" {
		if _, err := victim.Exec(ctx, fmt.Sprintf("SET statement_timeout = %d", timeout.Milliseconds())); err != nil {
			t.Fatal(err)
		}
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	var ended time.Time
	start := time.Now()
	go func() {
		_, err := victim.Exec(runCtx, sql)
		ended = time.Now()
		done <- err
	}()

	var told time.Time
	switch way {
	case "cancel", "context":
		took = g.waitUntil(t, pid, ready)
		if locked {
			if r, _ := g.request(t, pid); r.blocker != int(holder.PgConn().PID()) {
				t.Errorf("blocking_session_id %d, want the holder %d", r.blocker, holder.PgConn().PID())
			}
		}
		told = time.Now()
		if way == "context" {
			cancel()
		} else if err := victim.PgConn().CancelRequest(ctx); err != nil {
			t.Fatal(err)
		}
	case "timeout":
		told = start.Add(timeout)
	case "kill":
		g.waitUntil(t, pid, ready)
		told = time.Now()
		if _, err := g.admin.Exec(ctx, fmt.Sprintf("KILL %d", pid)); err != nil {
			t.Fatalf("KILL: %v", err)
		}
	}
	var err error
	select {
	case err = <-done:
	case <-time.After(time.Minute):
		t.Fatalf("%s did not stop the statement within a minute", way)
	}
	latency = ended.Sub(told)
	t.Logf("%s stopped in %v", way, latency.Round(10*time.Microsecond))
	if latency > stopBound {
		t.Errorf("took %v to stop, more than %v", latency, stopBound)
	}
	want := map[string]struct {
		code string
		msg  int
	}{"cancel": {"57014", 3980}, "context": {"57014", 3980}, "timeout": {"57014", 50101}, "kill": {"57P01", 596}}[way]
	if testutil.SQLState(err) != want.code || testutil.MsgNumber(err) != want.msg {
		t.Fatalf("stopped statement: %v, want SQLSTATE %s, Msg %d", err, want.code, want.msg)
	}

	if holder != nil {
		if _, err := holder.Exec(ctx, "ROLLBACK"); err != nil {
			t.Fatal(err)
		}
	}
	if way == "kill" {
		if _, err := victim.Exec(ctx, "SELECT 1"); err == nil {
			t.Fatal("the killed session still runs statements")
		}
	} else {
		var trancount int
		if err := victim.QueryRow(ctx, "SELECT @@TRANCOUNT").Scan(&trancount); err != nil {
			t.Fatalf("session after the statement stopped: %v", err)
		}
		if inTx != (trancount == 1) {
			t.Fatalf("@@TRANCOUNT %d after the statement stopped", trancount)
		}
		if inTx { // SQL Server keeps the transaction after a cancelled statement
			if _, err := victim.Exec(ctx, "ROLLBACK"); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Nothing was written, and nobody holds the writer lock any more.
	var rows int
	if err := g.admin.QueryRow(ctx, "SELECT COUNT(*) FROM sink").Scan(&rows); err != nil || rows != 0 {
		t.Fatalf("sink holds %d rows (%v): a transaction did not roll back", rows, err)
	}
	g.exec(t, "SET LOCK_TIMEOUT 2000", "INSERT INTO sink VALUES (3)", "DELETE FROM sink", "SET LOCK_TIMEOUT -1")
	if _, err := os.Stat(filepath.Join(g.srv.Instance().DataDir(), "backup", "stopped.bak")); err == nil {
		t.Fatal("a stopped BACKUP left its file")
	}
	return latency, took
}

// TestKillAndSessionViews: KILL is for sysadmins (6102 for others), not
// for one's own session (6104); a login outside sysadmin sees only its
// own session in the views, a sysadmin every one, with who blocks whom.
func TestKillAndSessionViews(t *testing.T) {
	srv := startSecured(t, "")
	ctx := context.Background()
	sa := mustConnectAs(t, srv, "sa", saPassword)
	execOK(t, sa, "CREATE LOGIN bob WITH PASSWORD = 'Bob!Passw0rd1'")
	execOK(t, sa, "CREATE TABLE held (a INT)")
	bob := mustConnectAs(t, srv, "bob", "Bob!Passw0rd1")
	other := mustConnectAs(t, srv, "sa", saPassword)

	execFails(t, bob, fmt.Sprintf("KILL %d", other.PgConn().PID()), 6102, "42501")
	execFails(t, sa, fmt.Sprintf("KILL %d", sa.PgConn().PID()), 6104, "55000")
	if got := queryText(t, bob, "SELECT COUNT(*) FROM sys.dm_exec_sessions"); got != "1" {
		t.Fatalf("bob sees %s sessions, want his own", got)
	}
	if got := queryText(t, sa, "SELECT COUNT(*) FROM sys.dm_exec_sessions WHERE login_name IN ('sa', 'bob')"); got != "3" {
		t.Fatalf("sa sees %s sessions, want 3", got)
	}

	// other holds the writer lock; bob's INSERT waits for it.
	execOK(t, other, "BEGIN TRAN INSERT INTO held VALUES (1)")
	done := make(chan error, 1)
	go func() {
		_, err := bob.Exec(ctx, "INSERT INTO held VALUES (2)")
		done <- err
	}()
	var r string
	deadline := time.Now().Add(10 * time.Second)
	for ; time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		r = queryText(t, sa, fmt.Sprintf(`SELECT COALESCE(MAX(command + ' ' + status + ' ' + wait_type + ' ' +
			CAST(blocking_session_id AS varchar(12)) + ' ' + wait_resource), 'none') FROM sys.dm_exec_requests WHERE session_id = %d`, bob.PgConn().PID()))
		if strings.Contains(r, "suspended") {
			break
		}
	}
	if want := fmt.Sprintf("INSERT suspended LCK_M_X %d DATABASE: %s", other.PgConn().PID(), queryText(t, sa, "SELECT DB_ID()")); r != want {
		t.Fatalf("the blocked INSERT shows as %q, want %q", r, want)
	}
	execOK(t, sa, fmt.Sprintf("KILL %d", other.PgConn().PID()))
	if err := <-done; err != nil {
		t.Fatalf("the INSERT the killed session blocked: %v", err)
	}
	if got := queryText(t, sa, "SELECT COUNT(*) FROM held"); got != "1" {
		t.Fatalf("held has %s rows: the killed session's transaction did not roll back", got)
	}
}

// TestStopRestore stops RESTORE DATABASE in the middle of its copy each
// way: a CancelRequest and KILL as soon as its first progress message
// arrives (WITH STATS = 1), statement_timeout at a third of the time a
// whole restore takes (in the copy, or opening the copied store, which
// cannot be interrupted and finishes behind the statement). It stops at
// once, creates no database and leaves no files; the session (or the
// server) carries on.
func TestStopRestore(t *testing.T) {
	srv := servertest.Start(t, "")
	ctx := context.Background()
	admin := servertest.Connect(t, srv, "master")
	run := func(stmts ...string) {
		t.Helper()
		for _, s := range stmts {
			if _, err := admin.Exec(ctx, s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
	}
	// NEWID text does not compress: 4,000 rows of 1 KB.
	run("CREATE DATABASE src", "USE src", "CREATE TABLE ten (n INT PRIMARY KEY)",
		"INSERT ten VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)",
		"CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(MAX))",
		"INSERT t SELECT a.n*1000 + b.n*100 + c.n*10 + d.n, CONVERT(VARCHAR(36), NEWID())"+
			strings.Repeat(" + CONVERT(VARCHAR(36), NEWID())", 29)+" FROM ten a, ten b, ten c, ten d WHERE a.n < 4",
		"USE master", "BACKUP DATABASE src TO DISK = 'src.bak' WITH FORMAT")
	start := time.Now()
	run("RESTORE DATABASE whole FROM DISK = 'src.bak'")
	whole := time.Since(start)
	t.Logf("a whole RESTORE takes %v", whole.Round(time.Millisecond))

	for _, way := range []string{"cancel", "timeout", "kill"} {
		t.Run(way, func(t *testing.T) {
			progress := make(chan struct{}, 1)
			victim := cancellable(t, srv, "master", func(c *pgx.ConnConfig) {
				c.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
					if strings.Contains(n.Message, "percent processed") {
						select {
						case progress <- struct{}{}:
						default:
						}
					}
				}
			})
			timeout := max(whole/3, time.Millisecond).Truncate(time.Millisecond)
			if way == "timeout" {
				if _, err := victim.Exec(ctx, fmt.Sprintf("SET statement_timeout = %d", timeout.Milliseconds())); err != nil {
					t.Fatal(err)
				}
			}
			done := make(chan error, 1)
			var ended time.Time
			began := time.Now()
			go func() {
				_, err := victim.Exec(ctx, "RESTORE DATABASE copy FROM DISK = 'src.bak' WITH STATS = 1")
				ended = time.Now()
				done <- err
			}()
			var told time.Time
			if way == "timeout" {
				told = began.Add(timeout)
			} else {
				select {
				case <-progress:
				case err := <-done:
					t.Fatalf("RESTORE ended before its first progress message: %v", err)
				}
				told = time.Now()
				if way == "cancel" {
					if err := victim.PgConn().CancelRequest(ctx); err != nil {
						t.Fatal(err)
					}
				} else {
					run(fmt.Sprintf("KILL %d", victim.PgConn().PID()))
				}
			}
			err := <-done
			t.Logf("%s stopped RESTORE in %v", way, ended.Sub(told).Round(10*time.Microsecond))
			want := map[string]int{"cancel": 3980, "timeout": 50101, "kill": 596}[way]
			if testutil.MsgNumber(err) != want {
				t.Fatalf("stopped RESTORE: %v, want Msg %d", err, want)
			}
			if d := ended.Sub(told); d > stopBound {
				t.Errorf("took %v to stop", d)
			}
			var n int
			if err := admin.QueryRow(ctx, "SELECT COUNT(*) FROM sys.databases WHERE name = 'copy'").Scan(&n); err != nil || n != 0 {
				t.Fatalf("a stopped RESTORE left database copy (%d, %v)", n, err)
			}
			// Opening the restored store cannot be interrupted: a RESTORE
			// stopped then leaves it to finish, and to clean up, behind it.
			var left []string
			for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
				if left, _ = filepath.Glob(filepath.Join(srv.Instance().DataDir(), ".restore-*")); len(left) == 0 {
					break
				}
			}
			if len(left) != 0 {
				t.Fatalf("a stopped RESTORE left %v", left)
			}
			if way != "kill" {
				if _, err := victim.Exec(ctx, "SELECT 1"); err != nil {
					t.Fatalf("the session after RESTORE stopped: %v", err)
				}
			}
		})
	}
}

// TestPsqlCtrlC: psql's Ctrl-C (SIGINT sends a CancelRequest) stops a
// four-table nested-loop join; psql prints 57014 and exits.
func TestPsqlCtrlC(t *testing.T) {
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Fatal("psql not found: run the tests with ./test.sh, which installs it")
	}
	g := startGoverned(t, nil)
	host, port, _ := strings.Cut(g.srv.Addr(), ":")
	cmd := exec.Command(psql, "-X", "-h", host, "-p", port, "-U", "dba", "-d", "gov", "-v", "VERBOSITY=verbose",
		"-c", "SELECT COUNT(*) FROM t a, t b, t c, t d WHERE a.id < b.id AND b.id < c.id AND c.id < d.id")
	cmd.Env = append(os.Environ(), "PGSSLMODE=disable", "PGCONNECT_TIMEOUT=10", "LC_ALL=C", "PGAPPNAME=ctrl-c")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.Now().Add(time.Minute)
	for n := 0; n == 0; time.Sleep(20 * time.Millisecond) {
		if err := g.admin.QueryRow(context.Background(), `SELECT COUNT(*) FROM sys.dm_exec_requests r
			JOIN sys.dm_exec_sessions s ON s.session_id = r.session_id WHERE s.program_name = 'ctrl-c'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("psql's query never ran: %s", out.String())
		}
	}
	start := time.Now()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		t.Fatal("psql's Ctrl-C did not stop the join")
	}
	t.Logf("psql exited %v after Ctrl-C", time.Since(start).Round(time.Millisecond))
	if !strings.Contains(out.String(), "57014: Msg 3980") {
		t.Fatalf("psql printed:\n%s", out.String())
	}
	if d := time.Since(start); d > stopBound {
		t.Errorf("took %v", d)
	}
}
