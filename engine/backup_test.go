package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mirrordb/engine/backup"
	"mirrordb/sqlerr"
)

func mustBackup(t *testing.T, in *Instance, d *Database, req BackupRequest) BackupResult {
	t.Helper()
	var res BackupResult
	var err error
	if req.Log {
		res, err = in.BackupLog(context.Background(), d, req, nil)
	} else {
		res, err = in.BackupDatabase(context.Background(), d, req, nil)
	}
	if err != nil {
		t.Fatalf("backup %+v: %v", req, err)
	}
	return res
}

func mustRestore(t *testing.T, in *Instance, req RestoreRequest) {
	t.Helper()
	var err error
	if req.Log {
		_, err = in.RestoreLog(context.Background(), req, nil)
	} else {
		_, err = in.RestoreDatabase(context.Background(), req, nil)
	}
	if err != nil {
		t.Fatalf("restore %+v: %v", req, err)
	}
}

func wantErr(t *testing.T, err error, number int) {
	t.Helper()
	if !sqlerr.Is(err, number) {
		t.Fatalf("got error %v, want Msg %d", err, number)
	}
}

// TestBackupRestoreUnderConcurrentWrites takes a full backup and several
// log backups while writers commit, restores them in order on another
// instance and checks the copy is identical: same rows, same schema, same
// end LSN.
func TestBackupRestoreUnderConcurrentWrites(t *testing.T) {
	src := openTestInstance(t)
	s := openSession(t, src, "master")
	mustQuery(t, s, "CREATE DATABASE shop USE shop CREATE TABLE t (id BIGINT PRIMARY KEY, w INT, v NVARCHAR(40))")
	d := src.Database("shop")
	bak := filepath.Join(t.TempDir(), "shop.bak")

	var next atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		ws := openSession(t, src, "shop")
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				id := next.Add(1)
				q := fmt.Sprintf("INSERT t VALUES (%d, %d, N'row %d')", id, w, id)
				if id%5 == 0 {
					q = fmt.Sprintf("BEGIN TRAN UPDATE t SET v = N'updated' WHERE id = %d INSERT t VALUES (%d, %d, N'x') COMMIT", id-3, id, w)
				}
				if err := ws.Query(context.Background(), q, &collect{}); err != nil {
					t.Error(err)
					return
				}
			}
		}(w)
	}
	// Each backup waits for the writers to have written more since the
	// last one (not for a guessed time, which a loaded machine overruns),
	// so every backup of the chain has writes to carry.
	for i := 0; i < 4; i++ {
		want := next.Load() + 15
		if !eventually(func() bool { return next.Load() >= want }) {
			close(stop)
			wg.Wait()
			t.Fatalf("the writers stalled at %d writes", next.Load())
		}
		req := BackupRequest{Path: bak, Mode: backup.Format} // the full backup starts the file
		if i > 0 {
			req = BackupRequest{Path: bak, Log: true}
		}
		mustBackup(t, src, d, req)
	}
	close(stop)
	wg.Wait()
	mustBackup(t, src, d, BackupRequest{Path: bak, Log: true}) // the tail
	if next.Load() < 50 {
		t.Fatalf("only %d writes happened; the test did not exercise concurrency", next.Load())
	}

	dst := openTestInstance(t)
	mustRestore(t, dst, RestoreRequest{Database: "shop_copy", Path: bak, Position: 1, NoRecovery: true})
	for pos := 2; pos <= 5; pos++ {
		mustRestore(t, dst, RestoreRequest{Log: true, Database: "shop_copy", Path: bak, Position: pos, NoRecovery: pos < 5})
	}
	copyDB := dst.Database("shop_copy")
	if copyDB.State() != StateOnline {
		t.Fatalf("copy state %s", copyDB.State())
	}
	if copyDB.EndLSN() != d.EndLSN() {
		t.Fatalf("copy ends at LSN %d, source at %d", copyDB.EndLSN(), d.EndLSN())
	}
	if dump(t, copyDB) != dump(t, d) {
		t.Fatal("restored copy differs from the source")
	}
	rows := mustQuery(t, openSession(t, dst, "shop_copy"), "SELECT COUNT(*) FROM t").text()
	if want := mustQuery(t, s, "SELECT COUNT(*) FROM t").text(); rows != want {
		t.Fatalf("copy has %s rows, source %s", rows, want)
	}
}

// TestLogChainErrors checks the restore sequence rules and their numbers.
func TestLogChainErrors(t *testing.T) {
	ctx := context.Background()
	src := openTestInstance(t)
	s := openSession(t, src, "master")
	mustQuery(t, s, "CREATE DATABASE c USE c CREATE TABLE t (a INT)")
	d := src.Database("c")
	dir := t.TempDir()
	full, logs := filepath.Join(dir, "full.bak"), filepath.Join(dir, "log.bak")

	_, err := src.BackupLog(ctx, d, BackupRequest{Path: logs, Log: true}, nil)
	wantErr(t, err, 4214) // no full backup yet
	mustBackup(t, src, d, BackupRequest{Path: full})
	mustQuery(t, s, "INSERT t VALUES (1)")
	mustBackup(t, src, d, BackupRequest{Path: logs, Log: true})
	mustQuery(t, s, "INSERT t VALUES (2)")
	mustBackup(t, src, d, BackupRequest{Path: logs, Log: true})

	dst := openTestInstance(t)
	mustRestore(t, dst, RestoreRequest{Database: "c", Path: full, Position: 1, NoRecovery: true})
	_, err = dst.RestoreLog(ctx, RestoreRequest{Log: true, Database: "c", Path: logs, Position: 2, NoRecovery: true}, nil)
	wantErr(t, err, 4305) // a gap: log 1 first
	_, err = dst.RestoreLog(ctx, RestoreRequest{Log: true, Database: "c", Path: full, Position: 1, NoRecovery: true}, nil)
	wantErr(t, err, 3135) // a database backup is not a log backup
	mustRestore(t, dst, RestoreRequest{Log: true, Database: "c", Path: logs, Position: 1, NoRecovery: true})
	_, err = dst.RestoreLog(ctx, RestoreRequest{Log: true, Database: "c", Path: logs, Position: 1, NoRecovery: true}, nil)
	wantErr(t, err, 4326) // already applied
	mustRestore(t, dst, RestoreRequest{Log: true, Database: "c", Path: logs, Position: 2})
	_, err = dst.RestoreLog(ctx, RestoreRequest{Log: true, Database: "c", Path: logs, Position: 2}, nil)
	wantErr(t, err, 3117) // recovered: nothing can roll forward any more
	_, err = dst.RestoreLog(ctx, RestoreRequest{Log: true, Database: "nope", Path: logs, Position: 1}, nil)
	wantErr(t, err, 3118)
	_, err = dst.RestoreDatabase(ctx, RestoreRequest{Database: "c", Path: logs, Position: 1}, nil)
	wantErr(t, err, 3135)
	_, err = dst.RestoreDatabase(ctx, RestoreRequest{Database: "c", Path: full, Position: 7}, nil)
	wantErr(t, err, 4038)
	_, err = dst.RestoreDatabase(ctx, RestoreRequest{Database: "c", Path: filepath.Join(dir, "missing.bak"), Position: 1}, nil)
	wantErr(t, err, 3201)
	if got := mustQuery(t, openSession(t, dst, "c"), "SELECT COUNT(*) FROM t").text(); got != "[[2]]" {
		t.Fatalf("restored rows: %s", got)
	}

	// Overwriting an existing database: another lineage needs REPLACE
	// (3154), an un-backed-up tail needs REPLACE (3159), users block it.
	mustQuery(t, s, "CREATE DATABASE other")
	_, err = src.RestoreDatabase(ctx, RestoreRequest{Database: "other", Path: full, Position: 1}, nil)
	wantErr(t, err, 3154)
	mustQuery(t, s, "INSERT t VALUES (3)") // c now has log not yet backed up
	mustQuery(t, s, "USE master")
	_, err = src.RestoreDatabase(ctx, RestoreRequest{Database: "c", Path: full, Position: 1}, nil)
	wantErr(t, err, 3159)
	user := openSession(t, src, "c")
	_, err = src.RestoreDatabase(ctx, RestoreRequest{Database: "c", Path: full, Position: 1, Replace: true}, nil)
	wantErr(t, err, 3101)
	user.Close()
	mustRestore(t, src, RestoreRequest{Database: "c", Path: full, Position: 1, Replace: true})
	if got := mustQuery(t, s, "USE c SELECT COUNT(*) FROM t").text(); got != "[[0]]" {
		t.Fatalf("after RESTORE ... REPLACE: %s rows", got)
	}

	// SIMPLE recovery has no log backups.
	mustQuery(t, s, "USE master ALTER DATABASE other SET RECOVERY SIMPLE")
	_, err = src.BackupLog(ctx, src.Database("other"), BackupRequest{Path: logs, Log: true}, nil)
	wantErr(t, err, 4208)
}

// TestCorruptBackupChangesNothing damages a media file in several ways:
// every restore fails with a corruption error, the existing database is
// untouched, and no half-made database appears.
func TestCorruptBackupChangesNothing(t *testing.T) {
	ctx := context.Background()
	in := openTestInstance(t)
	s := openSession(t, in, "master")
	mustQuery(t, s, "CREATE DATABASE k USE k CREATE TABLE t (a INT, b VARCHAR(100)) INSERT t VALUES (1, REPLICATE('x', 100)) USE master")
	bak := filepath.Join(t.TempDir(), "k.bak")
	mustBackup(t, in, in.Database("k"), BackupRequest{Path: bak})
	good, err := os.ReadFile(bak)
	if err != nil {
		t.Fatal(err)
	}
	mustQuery(t, s, "USE k INSERT t VALUES (2, 'after the backup') USE master")
	before := dump(t, in.Database("k"))
	damage := map[string][]byte{
		"truncated":    good[:len(good)/2],
		"flipped data": flip(good, len(good)/2),
		"flipped tail": flip(good, len(good)-3),
		"flipped head": flip(good, 20),
		"empty":        nil,
	}
	for what, data := range damage {
		if err := os.WriteFile(bak, data, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"k", "fresh"} {
			_, err := in.RestoreDatabase(ctx, RestoreRequest{Database: name, Path: bak, Position: 1, Replace: true}, nil)
			if !sqlerr.Is(err, 3183) && !sqlerr.Is(err, 3241) {
				t.Fatalf("%s backup restored as %s: got %v, want a corruption error", what, name, err)
			}
		}
		if in.Database("fresh") != nil {
			t.Fatalf("%s backup left a half-made database", what)
		}
		if dump(t, in.Database("k")) != before {
			t.Fatalf("%s backup changed the existing database", what)
		}
	}
	entries, _ := os.ReadDir(in.DataDir())
	for _, e := range entries {
		if len(e.Name()) > 9 && e.Name()[:9] == ".restore-" {
			t.Fatalf("restore left %s behind", e.Name())
		}
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte{}, b...)
	c[i] ^= 0x55
	return c
}

// TestStopAt restores to a point in time between two commits.
func TestStopAt(t *testing.T) {
	clock := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return clock
	}
	advance := func(d time.Duration) {
		mu.Lock()
		clock = clock.Add(d)
		mu.Unlock()
	}
	in, err := Open(Config{DataDir: t.TempDir(), ServerName: "t", Now: now, CheckpointInterval: time.Hour, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	s := openSession(t, in, "master")
	mustQuery(t, s, "CREATE DATABASE p USE p CREATE TABLE t (a INT)")
	bak := filepath.Join(t.TempDir(), "p.bak")
	mustBackup(t, in, in.Database("p"), BackupRequest{Path: bak})
	for i := 1; i <= 3; i++ {
		advance(time.Minute) // commits at 10:01, 10:02, 10:03
		mustQuery(t, s, fmt.Sprintf("INSERT t VALUES (%d)", i))
	}
	mustBackup(t, in, in.Database("p"), BackupRequest{Path: bak, Log: true})
	mustQuery(t, s, "USE master")
	mustRestore(t, in, RestoreRequest{Database: "p2", Path: bak, Position: 1, NoRecovery: true})
	stopAt := time.Date(2026, 11, 22, 10, 2, 30, 0, time.UTC)
	mustRestore(t, in, RestoreRequest{Log: true, Database: "p2", Path: bak, Position: 2, StopAt: stopAt})
	if got := mustQuery(t, s, "USE p2 SELECT a FROM t ORDER BY a").text(); got != "[[1] [2]]" {
		t.Fatalf("STOPAT 10:02:30 restored %s", got)
	}
}

// TestLogTruncationWaitsForLogBackup checks log_reuse_wait_desc and that in
// FULL recovery log is kept until it is backed up, while SIMPLE truncates.
func TestLogTruncationWaitsForLogBackup(t *testing.T) {
	in := openTestInstance(t)
	s := openSession(t, in, "master")
	mustQuery(t, s, "CREATE DATABASE f USE f CREATE TABLE t (a INT) INSERT t VALUES (1)")
	d := in.Database("f")
	bak := filepath.Join(t.TempDir(), "f.bak")
	// FULL recovery before the first full backup truncates like SIMPLE.
	if _, err := d.TruncateLog(); err != nil || d.FirstLSN() != 0 || d.LogReuseWait() != "NOTHING" {
		t.Fatalf("before any backup: first LSN %d, reuse wait %s (%v)", d.FirstLSN(), d.LogReuseWait(), err)
	}
	mustBackup(t, in, d, BackupRequest{Path: bak})
	mustQuery(t, s, "INSERT t VALUES (2) INSERT t VALUES (3)")
	kept := d.EndLSN() - 1
	d.TruncateLog()
	if d.FirstLSN() != kept || d.LogReuseWait() != "LOG_BACKUP" {
		t.Fatalf("with a chain: first LSN %d (want %d), reuse wait %s", d.FirstLSN(), kept, d.LogReuseWait())
	}
	mustBackup(t, in, d, BackupRequest{Path: bak, Log: true})
	d.TruncateLog()
	if d.FirstLSN() != 0 || d.LogReuseWait() != "NOTHING" {
		t.Fatalf("after log backup: first LSN %d, reuse wait %s", d.FirstLSN(), d.LogReuseWait())
	}
	// Switching to SIMPLE breaks the chain.
	mustQuery(t, s, "USE master ALTER DATABASE f SET RECOVERY SIMPLE USE f INSERT t VALUES (4)")
	d.TruncateLog()
	if d.FirstLSN() != 0 || d.Chain().NextLogLSN != 0 {
		t.Fatalf("SIMPLE kept log: first LSN %d, chain %+v", d.FirstLSN(), d.Chain())
	}
}

// TestTailLogBackupLeavesRestoring checks BACKUP LOG WITH NORECOVERY.
func TestTailLogBackupLeavesRestoring(t *testing.T) {
	in := openTestInstance(t)
	s := openSession(t, in, "master")
	mustQuery(t, s, "CREATE DATABASE tl USE tl CREATE TABLE t (a INT) USE master")
	d := in.Database("tl")
	bak := filepath.Join(t.TempDir(), "tl.bak")
	mustBackup(t, in, d, BackupRequest{Path: bak})
	mustQuery(t, s, "USE tl INSERT t VALUES (1) USE master")
	mustBackup(t, in, d, BackupRequest{Path: bak, Log: true, NoRecovery: true})
	if d.State() != StateRestoring {
		t.Fatalf("after tail-log backup: %s", d.State())
	}
	err := s.Query(context.Background(), "USE tl", &collect{})
	wantErr(t, err, 927)
	if err := in.RecoverDatabase("tl"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, in.RecoverDatabase("tl"), 3153)
}
