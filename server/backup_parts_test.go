package server_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"mirrordb/engine/storage"
	"mirrordb/server/servertest"
)

// TestLogBackupMidLoad: a log backup taken while a COPY written in parts
// runs holds some of its parts; restored WITH RECOVERY, the database has
// none of the load's rows (the open tail is undone before it comes online)
// and checks clean.
func TestLogBackupMidLoad(t *testing.T) {
	storage.SetDefaultPartBytes(64 << 10)
	t.Cleanup(func() { storage.SetDefaultPartBytes(0) })
	srv := servertest.Start(t, "")
	conn := servertest.Connect(t, srv, "master")
	ctx := context.Background()
	dir := t.TempDir()
	full, logb := filepath.Join(dir, "full.bak"), filepath.Join(dir, "log.bak")
	for _, q := range []string{
		"CREATE DATABASE src",
		"ALTER DATABASE src SET RECOVERY FULL",
		"USE src CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(100)) INSERT t VALUES (-1, 'a'), (-2, 'b'), (-3, 'c')",
		fmt.Sprintf("BACKUP DATABASE src TO DISK = '%s' WITH FORMAT", full),
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	loader := servertest.Connect(t, srv, "src")
	lctx, cancel := context.WithCancel(ctx)
	loaded := make(chan error, 1)
	go func() {
		i := 0
		_, err := loader.CopyFrom(lctx, pgx.Identifier{"t"}, []string{"id", "v"}, pgx.CopyFromFunc(func() ([]any, error) {
			i++
			return []any{int32(i), "a row of a load that a log backup catches midway"}, nil
		}))
		loaded <- err
	}()
	t.Cleanup(func() { cancel(); <-loaded }) // before the server shuts down
	// Well into the load: more than 2 MB of its parts in the log.
	deadline := time.Now().Add(time.Minute)
	for {
		var mb float64
		var wait string
		if err := conn.QueryRow(ctx, "SELECT active_log_size_mb, log_truncation_holdup_reason FROM sys.dm_db_log_stats(DB_ID('src'))").Scan(&mb, &wait); err != nil {
			t.Fatal(err)
		}
		if wait == "ACTIVE_TRANSACTION" && mb > 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the load is not well under way within a minute (active log %.1f MB, %s)", mb, wait)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := conn.Exec(ctx, fmt.Sprintf("BACKUP LOG src TO DISK = '%s'", logb)); err != nil {
		t.Fatal(err)
	}
	// The load is cancelled; a write waits for the writer lock, held until
	// its rollback (compensation of every part) is written.
	cancel()
	if err := <-loaded; err == nil {
		t.Fatal("the cancelled load committed")
	}
	loaded <- nil // for the cleanup
	if _, err := conn.Exec(ctx, "INSERT src.dbo.t VALUES (-4, 'd')"); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(logb); err != nil || fi.Size() < 1<<20 {
		t.Fatalf("the log backup holds %v bytes (%v): no parts of the load", fi, err)
	}
	for _, q := range []string{
		fmt.Sprintf("RESTORE DATABASE dst FROM DISK = '%s' WITH NORECOVERY", full),
		fmt.Sprintf("RESTORE LOG dst FROM DISK = '%s' WITH RECOVERY", logb),
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var n int
	if err := conn.QueryRow(ctx, "SELECT COUNT(*) FROM dst.dbo.t").Scan(&n); err != nil || n != 3 {
		t.Fatalf("restored WITH RECOVERY: %d rows (%v), want the 3 committed", n, err)
	}
	if _, err := conn.Exec(ctx, "USE dst DBCC CHECKDB"); err != nil {
		t.Fatal(err)
	}
}
