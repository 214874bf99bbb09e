package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mirrordb/engine/backup"
	"mirrordb/sqlerr"
)

// TestStatementMemoryBudget: every buffer that grows with the input counts
// against the statement's budget, so each of these fails with Msg 701
// rather than growing without bound; the pool gets everything back
// whatever the outcome; a statement within budget runs.
func TestStatementMemoryBudget(t *testing.T) {
	in := openTestInstance(t)
	sess, pool := openBudgeted(t, in, 1<<20)
	// 4,000 rows of 500 bytes: 2 MB in any buffer.
	setup := openSession(t, in, "master")
	createBig(t, setup)
	for _, q := range []string{
		"SELECT id, v FROM big ORDER BY v, id",                                                                     // sort
		"SELECT v + CONVERT(VARCHAR(10), id), COUNT(*) FROM big GROUP BY v + CONVERT(VARCHAR(10), id)",             // hash groups
		"SELECT DISTINCT v + CONVERT(VARCHAR(10), id) FROM big",                                                    // distinct
		"SELECT COUNT(DISTINCT v + CONVERT(VARCHAR(10), id)) FROM big",                                             // distinct aggregate
		"SELECT COUNT(*) FROM ten, big",                                                                            // a join's inner side
		"SELECT COUNT(*) FROM ten WHERE 'x' IN (SELECT v FROM big)",                                                // a subquery's rows
		"INSERT big SELECT id + 10000, v FROM big",                                                                 // INSERT ... SELECT
		"UPDATE big SET v = 'w'",                                                                                   // the rows UPDATE changes
		"DELETE FROM big",                                                                                          // ... and DELETE
		"SELECT id, ROW_NUMBER() OVER (ORDER BY v, id) FROM big",                                                   // window function rows
		"SELECT v + CONVERT(VARCHAR(10), id) FROM big UNION SELECT 'x'",                                            // UNION's set of rows
		"SELECT 'x' EXCEPT SELECT v + CONVERT(VARCHAR(10), id) FROM big",                                           // EXCEPT's right side
		"WITH r (n, v) AS (SELECT id, v FROM big UNION ALL SELECT n, v FROM r WHERE n < 0) SELECT COUNT(*) FROM r", // a recursion round
		"SELECT COUNT(*) FROM generate_series(1, 9223372036854775807)",                                             // a series without end
	} {
		err := sess.Query(context.Background(), q, &collect{})
		if !sqlerr.Is(err, 701) || sqlerr.As(err).Code != sqlerr.OutOfMemory || sqlerr.As(err).Severity != 17 {
			t.Errorf("%s: %v, want Msg 701", q, err)
		}
		if n := pool.InUse(); n != 0 {
			t.Errorf("%s: the pool still lends %d bytes", q, n)
		}
	}
	if got := mustQuery(t, sess, "SELECT COUNT(*) FROM big").text(); got != "[[4000]]" {
		t.Fatalf("the failed statements changed big: %s", got)
	}
	// A correlated subquery holds one outer row's rows at a time: ten runs
	// of 400 rows (200 kB each) fit the 1 MB budget.
	if got := mustQuery(t, sess, "SELECT COUNT(*) FROM ten t WHERE 'x' IN (SELECT v FROM big x WHERE x.id % 10 = t.n)").text(); got != "[[0]]" {
		t.Fatalf("correlated subquery: %s", got)
	}
	// A series ends where its next value would overflow bigint.
	if got := mustQuery(t, sess, "SELECT COUNT(*), MIN(s), MAX(s) FROM generate_series(9223372036854775805, 9223372036854775807, 2) s").text(); got != "[[2 9223372036854775805 9223372036854775807]]" {
		t.Fatalf("series at the end of bigint: %s", got)
	}
	mustQuery(t, sess, "SELECT TOP 10 id FROM big ORDER BY id DESC")
	if pool.Peak() == 0 || pool.InUse() != 0 {
		t.Fatalf("peak %d, in use %d", pool.Peak(), pool.InUse())
	}
}

// stopAfter returns a context that progress cancels after its first
// report past first, that progress, and past: how much progress was
// reported after the cancel (-1 if it never came). A stop within a chunk
// shows as little progress past the cancel, however slow the machine.
func stopAfter(first int64) (context.Context, Progress, func() int64) {
	ctx, cancel := context.WithCancel(context.Background())
	at, last := int64(-1), int64(-1)
	return ctx, func(done, total int64) {
			last = done
			if done >= first && at < 0 {
				at = done
				cancel()
			}
		}, func() int64 {
			if at < 0 {
				return -1
			}
			return last - at
		}
}

// TestBackupRestoreStopMidCopy stops BACKUP DATABASE, RESTORE DATABASE and
// RESTORE LOG in the middle of their copy: each stops within a chunk,
// leaves nothing behind, and the same statement runs through afterwards.
func TestBackupRestoreStopMidCopy(t *testing.T) {
	src := openTestInstance(t)
	s := openSession(t, src, "master")
	mustQuery(t, s, "CREATE DATABASE big USE big CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(MAX))")
	mustQuery(t, s, "CREATE TABLE ten (n INT PRIMARY KEY) INSERT ten VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)")
	// NEWID text does not compress: 10,000 rows of 1 KB, 10 MB in the store.
	mustQuery(t, s, "INSERT t SELECT a.n*1000 + b.n*100 + c.n*10 + d.n, CONVERT(VARCHAR(36), NEWID())"+
		strings.Repeat(" + CONVERT(VARCHAR(36), NEWID())", 29)+" FROM ten a, ten b, ten c, ten d")
	d := src.Database("big")
	dir := t.TempDir()
	full, log := filepath.Join(dir, "full.bak"), filepath.Join(dir, "log.bak")

	ctx, progress, past := stopAfter(1 << 20)
	_, err := src.BackupDatabase(ctx, d, BackupRequest{Path: full, Mode: backup.Format}, progress)
	if !errors.Is(err, context.Canceled) || past() < 0 || past() > backup.ChunkSize {
		t.Fatalf("BACKUP stopped mid-copy: %v, %d bytes copied past the cancel", err, past())
	}
	if _, err := os.Stat(full); !os.IsNotExist(err) {
		t.Fatalf("a stopped BACKUP left its file: %v", err)
	}
	mustBackup(t, src, d, BackupRequest{Path: full, Mode: backup.Format})
	for i := range 100 { // a log of 100 records
		mustQuery(t, s, "UPDATE t SET v = 'x"+itoa(int64(i))+"' WHERE id = 1")
	}
	mustBackup(t, src, d, BackupRequest{Log: true, Path: log, Mode: backup.Format})

	dst := openTestInstance(t)
	ctx, progress, past = stopAfter(1 << 20)
	_, err = dst.RestoreDatabase(ctx, RestoreRequest{Database: "big", Path: full, Position: 1, NoRecovery: true}, progress)
	if !errors.Is(err, context.Canceled) || past() < 0 || past() > backup.ChunkSize {
		t.Fatalf("RESTORE DATABASE stopped mid-copy: %v, %d bytes copied past the cancel", err, past())
	}
	if dst.Database("big") != nil {
		t.Fatal("a stopped RESTORE created the database")
	}
	if left, _ := filepath.Glob(filepath.Join(dst.DataDir(), ".restore-*")); len(left) != 0 {
		t.Fatalf("a stopped RESTORE left %v", left)
	}
	mustRestore(t, dst, RestoreRequest{Database: "big", Path: full, Position: 1, NoRecovery: true})

	restored := dst.Database("big")
	before := restored.EndLSN()
	ctx, progress, past = stopAfter(50)
	_, err = dst.RestoreLog(ctx, RestoreRequest{Log: true, Database: "big", Path: log, Position: 1, NoRecovery: true}, progress)
	if !errors.Is(err, context.Canceled) || past() < 0 || past() > 1 {
		t.Fatalf("RESTORE LOG stopped mid-log: %v, %d records applied past the cancel", err, past())
	}
	if restored.State() != StateRestoring || restored.EndLSN() >= before+100 {
		t.Fatalf("after a stopped RESTORE LOG: %s at LSN %d (from %d)", restored.State(), restored.EndLSN(), before)
	}
	mustRestore(t, dst, RestoreRequest{Log: true, Database: "big", Path: log, Position: 1})
	if restored.EndLSN() != d.EndLSN() {
		t.Fatalf("restored to LSN %d, source at %d", restored.EndLSN(), d.EndLSN())
	}
}
