package server_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"mirrordb/engine/storage"
	"mirrordb/server"
	"mirrordb/server/servertest"
)

// midLoad is a COPY into src.dbo.t that never ends by itself, written in
// parts, with the database src (FULL recovery, three committed rows, an
// index on v, a full backup in full.bak) around it.
type midLoad struct {
	srv    *server.Server
	conn   *pgx.Conn // master
	dir    string
	cancel context.CancelFunc
	loaded chan error
}

// startMidLoad creates src, backs it up and starts the load, returning
// once more than 2 MB of its parts are in the log.
func startMidLoad(t *testing.T) *midLoad {
	storage.SetDefaultPartBytes(64 << 10)
	t.Cleanup(func() { storage.SetDefaultPartBytes(0) })
	m := &midLoad{srv: servertest.Start(t, ""), dir: t.TempDir(), loaded: make(chan error, 1)}
	m.conn = servertest.Connect(t, m.srv, "master")
	ctx := context.Background()
	m.exec(t,
		"CREATE DATABASE src",
		"ALTER DATABASE src SET RECOVERY FULL",
		"USE src CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(100)) CREATE INDEX ix_v ON t (v) INSERT t VALUES (-1, 'a'), (-2, 'b'), (-3, 'c')",
		fmt.Sprintf("BACKUP DATABASE src TO DISK = '%s' WITH FORMAT", m.path("full.bak")),
	)
	loader := servertest.Connect(t, m.srv, "src")
	var lctx context.Context
	lctx, m.cancel = context.WithCancel(ctx)
	go func() {
		i := 0
		_, err := loader.CopyFrom(lctx, pgx.Identifier{"t"}, []string{"id", "v"}, pgx.CopyFromFunc(func() ([]any, error) {
			i++
			return []any{int32(i), "a row of a load that a backup catches midway"}, nil
		}))
		m.loaded <- err
	}()
	t.Cleanup(func() { m.cancel(); <-m.loaded }) // before the server shuts down
	m.waitActiveLog(t, 2)
	return m
}

func (m *midLoad) path(name string) string { return filepath.Join(m.dir, name) }

func (m *midLoad) exec(t *testing.T, qs ...string) {
	t.Helper()
	for _, q := range qs {
		if _, err := m.conn.Exec(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// waitActiveLog waits until src's active log (held by the open load)
// passes mb megabytes.
func (m *midLoad) waitActiveLog(t *testing.T, mb float64) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var active float64
		var wait string
		if err := m.conn.QueryRow(context.Background(), "SELECT active_log_size_mb, log_truncation_holdup_reason FROM sys.dm_db_log_stats(DB_ID('src'))").Scan(&active, &wait); err != nil {
			t.Fatal(err)
		}
		if wait == "ACTIVE_TRANSACTION" && active > mb {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the load's active log does not pass %.0f MB within a minute (%.1f MB, %s)", mb, active, wait)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop cancels the load, which must not have committed, and inserts row
// -4: the insert waits for the writer lock, held until the load's
// rollback (compensation of every part) is written.
func (m *midLoad) stop(t *testing.T) {
	t.Helper()
	m.cancel()
	if err := <-m.loaded; err == nil {
		t.Fatal("the cancelled load committed")
	}
	m.loaded <- nil // for the cleanup
	m.exec(t, "INSERT src.dbo.t VALUES (-4, 'd')")
}

// expectRows checks db.dbo.t's row count and runs DBCC CHECKDB on db.
func (m *midLoad) expectRows(t *testing.T, db string, want int) {
	t.Helper()
	var n int
	if err := m.conn.QueryRow(context.Background(), "SELECT COUNT(*) FROM "+db+".dbo.t").Scan(&n); err != nil || n != want {
		t.Fatalf("%s: %d rows (%v), want %d", db, n, err, want)
	}
	m.exec(t, "USE "+db+" DBCC CHECKDB")
}

// TestLogBackupMidLoad: a log backup taken while a COPY written in parts
// runs holds some of its parts; restored WITH RECOVERY, the database has
// none of the load's rows (the open tail is undone before it comes online)
// and checks clean.
func TestLogBackupMidLoad(t *testing.T) {
	m := startMidLoad(t)
	logb := m.path("log.bak")
	m.exec(t, fmt.Sprintf("BACKUP LOG src TO DISK = '%s'", logb))
	m.stop(t)
	if fi, err := os.Stat(logb); err != nil || fi.Size() < 1<<20 {
		t.Fatalf("the log backup holds %v bytes (%v): no parts of the load", fi, err)
	}
	m.exec(t,
		fmt.Sprintf("RESTORE DATABASE dst FROM DISK = '%s' WITH NORECOVERY", m.path("full.bak")),
		fmt.Sprintf("RESTORE LOG dst FROM DISK = '%s' WITH RECOVERY", logb),
	)
	m.expectRows(t, "dst", 3)
}

// TestFullBackupMidLoad: BACKUP DATABASE does not wait for a load written
// in parts (before, it waited for the writer lock the load holds, here
// until LOCK_TIMEOUT). It checkpoints between two parts; the restored copy
// undoes the open tail, so it has none of the load's rows, checks clean,
// and its log chain goes on from the load's first part: the log backup
// taken after the load was rolled back restores on top of it.
func TestFullBackupMidLoad(t *testing.T) {
	m := startMidLoad(t)
	mid := m.path("mid.bak")
	m.exec(t, "SET LOCK_TIMEOUT 20000", fmt.Sprintf("BACKUP DATABASE src TO DISK = '%s'", mid))
	select {
	case err := <-m.loaded:
		t.Fatalf("the load ended (%v) before the backup did", err)
	default:
	}
	m.waitActiveLog(t, 4) // the load goes on writing parts
	m.stop(t)
	m.exec(t,
		fmt.Sprintf("BACKUP LOG src TO DISK = '%s'", m.path("log.bak")),
		fmt.Sprintf("RESTORE DATABASE dst FROM DISK = '%s' WITH RECOVERY", mid),
	)
	m.expectRows(t, "dst", 3)
	m.exec(t,
		fmt.Sprintf("RESTORE DATABASE dst2 FROM DISK = '%s' WITH NORECOVERY", mid),
		fmt.Sprintf("RESTORE LOG dst2 FROM DISK = '%s' WITH RECOVERY", m.path("log.bak")),
	)
	m.expectRows(t, "dst2", 4)
}

// TestCheckDuringLoad: DBCC CHECKDB and CHECKTABLE during a load written
// in parts check the committed state, as other readers see it: no errors
// (a part may hold a row without its index entry, which the next part
// writes) and only the 3 committed rows counted.
func TestCheckDuringLoad(t *testing.T) {
	m := startMidLoad(t)
	n := connectNotices(t, m.srv, "src")
	for _, q := range []string{"DBCC CHECKDB", "DBCC CHECKTABLE ('t')"} {
		if _, err := n.conn.Exec(context.Background(), q); err != nil {
			t.Fatalf("%s during the load: %v", q, err)
		}
		if got := n.take(); !strings.Contains(got, `There are 3 rows in 1 pages for object "t".`) {
			t.Fatalf("%s during the load reported:\n%s", q, got)
		}
	}
	m.stop(t)
}
