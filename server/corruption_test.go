package server_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"mirrordb/internal/testutil"
	"mirrordb/server"
	"mirrordb/server/servertest"
)

// notices is a connection to db that records the messages (severity 10
// and below) it receives.
type notices struct {
	conn *pgx.Conn
	mu   sync.Mutex
	msgs []string
}

func connectNotices(t *testing.T, srv *server.Server, db string) *notices {
	t.Helper()
	n := &notices{}
	cfg, err := pgx.ParseConfig(servertest.URL(srv, db))
	if err != nil {
		t.Fatal(err)
	}
	cfg.OnNotice = func(_ *pgconn.PgConn, msg *pgconn.Notice) {
		n.mu.Lock()
		n.msgs = append(n.msgs, msg.Message)
		n.mu.Unlock()
	}
	if n.conn, err = pgx.ConnectConfig(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.conn.Close(context.Background()) })
	return n
}

// take returns the messages received so far and forgets them.
func (n *notices) take() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	s := strings.Join(n.msgs, "\n")
	n.msgs = nil
	return s
}

// TestCorruptTableFile: a block of a table file is damaged on disk. The
// read that meets it fails with Msg 824 instead of returning wrong rows or
// panicking, the database is SUSPECT (926 to whoever opens it), DBCC
// CHECKDB reports the damage, other databases keep working, and RESTORE
// ... WITH REPLACE brings the database back.
func TestCorruptTableFile(t *testing.T) {
	dir := t.TempDir()
	srv := servertest.StartWith(t, servertest.Options{Dir: dir})
	ctrl := connectNotices(t, srv, "master")
	exec := func(c *pgx.Conn, sql string) {
		t.Helper()
		if _, err := c.Exec(context.Background(), sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(ctrl.conn, "CREATE DATABASE d1")
	exec(ctrl.conn, "CREATE DATABASE d2")
	exec(ctrl.conn, "CREATE TABLE d2.dbo.t (id INT PRIMARY KEY)")
	d1 := servertest.Connect(t, srv, "d1")
	exec(d1, "CREATE TABLE t (id INT PRIMARY KEY, v NVARCHAR(100))")
	for i := 0; i < 20; i++ {
		var vals []string
		for j := 0; j < 100; j++ {
			vals = append(vals, fmt.Sprintf("(%d, N'row %d of a table that will be damaged on disk')", i*100+j, i*100+j))
		}
		exec(d1, "INSERT INTO t VALUES "+strings.Join(vals, ", "))
	}
	exec(d1, "CHECKPOINT") // the rows go to a table file
	exec(ctrl.conn, "DBCC CHECKDB ('d1')")
	if got := ctrl.take(); !strings.Contains(got, "CHECKDB found 0 allocation errors and 0 consistency errors in database 'd1'") ||
		!strings.Contains(got, `There are 2000 rows`) {
		t.Fatalf("DBCC CHECKDB on a sound database said:\n%s", got)
	}
	exec(ctrl.conn, "BACKUP DATABASE d1 TO DISK = 'd1.bak'")
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}

	damageTables(t, filepath.Join(dir, "d1"))
	srv = servertest.StartWith(t, servertest.Options{Dir: dir})
	ctrl = connectNotices(t, srv, "master")
	// Recovery may meet the damage (the schema is read at open), or the
	// first query does.
	if d1, err := pgx.Connect(context.Background(), servertest.URL(srv, "d1")); err == nil {
		var n int
		err = d1.QueryRow(context.Background(), "SELECT COUNT(*) FROM t WHERE v LIKE N'row%'").Scan(&n)
		if testutil.MsgNumber(err) != 824 || testutil.SQLState(err) != "XX001" {
			t.Fatalf("reading a damaged table: %d rows, %v; want Msg 824 / XX001", n, err)
		}
		d1.Close(context.Background())
	} else if testutil.MsgNumber(err) != 926 {
		t.Fatalf("connecting to a damaged database: %v, want Msg 926 or a read failing with 824", err)
	}
	var state string
	if err := ctrl.conn.QueryRow(context.Background(), "SELECT state_desc FROM sys.databases WHERE name = 'd1'").Scan(&state); err != nil || state != "SUSPECT" {
		t.Fatalf("d1 is %q (%v) after a corrupt read, want SUSPECT", state, err)
	}
	if _, err := pgx.Connect(context.Background(), servertest.URL(srv, "d1")); testutil.MsgNumber(err) != 926 {
		t.Fatalf("connecting to a SUSPECT database: %v, want Msg 926", err)
	}
	_, err := ctrl.conn.Exec(context.Background(), "DBCC CHECKDB ('d1') WITH NO_INFOMSGS")
	if testutil.MsgNumber(err) != 8989 {
		t.Fatalf("DBCC CHECKDB on a damaged database: %v, want Msg 8989", err)
	}
	if got := ctrl.take(); !strings.Contains(got, "Msg 824") {
		t.Fatalf("DBCC CHECKDB did not report the damaged block:\n%s", got)
	}
	exec(ctrl.conn, "INSERT INTO d2.dbo.t VALUES (1)") // other databases are unaffected

	exec(ctrl.conn, "RESTORE DATABASE d1 FROM DISK = 'd1.bak' WITH REPLACE")
	d1 = servertest.Connect(t, srv, "d1")
	var n int
	if err := d1.QueryRow(context.Background(), "SELECT COUNT(*) FROM t").Scan(&n); err != nil || n != 2000 {
		t.Fatalf("after RESTORE WITH REPLACE: %d rows, %v", n, err)
	}
}

// damageTables overwrites most of every table file of a store: its data
// blocks (rows sort after the log records, so the damage reaches both),
// sparing the index and footer at the end, so the damage is found by a
// block checksum when a read gets there, not when the store opens.
func damageTables(t *testing.T, store string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(store, "*.sst"))
	if len(files) == 0 {
		t.Fatalf("no table files in %s", store)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i := len(b) / 10; i < len(b)*8/10; i++ {
			b[i] ^= 0x5a
		}
		if err := os.WriteFile(f, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
