package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/keys"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

func queryErr(s *Session, sql string) (*collect, error) {
	w := &collect{}
	return w, s.Query(context.Background(), sql, w)
}

// TestCorruptRowMarksSuspect: a row that does not decode is reported as
// Msg 824 and takes its database out of service (SUSPECT, 926) rather than
// being served; DBCC CHECKDB names it; SET ONLINE reopens the store but
// the damage is still found.
func TestCorruptRowMarksSuspect(t *testing.T) {
	in := openTestInstance(t)
	s := openSession(t, in, "master")
	mustQuery(t, s, "CREATE DATABASE c USE c CREATE TABLE t (id INT PRIMARY KEY, v INT) INSERT t VALUES (1, 10), (2, 20)")
	d := in.Database("c")
	def := d.schema.Load().Table("dbo", "t")
	key := keys.RowKey(def.ID, keys.AppendValue(nil, int64(2), types.TypeInt))
	if err := d.storage.KV().Set(key, []byte{0xff, 0xff, 0xff}, pebble.Sync); err != nil {
		t.Fatal(err)
	}

	_, err := queryErr(s, "SELECT v FROM t WHERE id = 1") // a healthy row reads fine
	if err != nil {
		t.Fatal(err)
	}
	_, err = queryErr(s, "SELECT SUM(v) FROM t")
	wantErr(t, err, 824)
	if st := d.State(); st != StateSuspect {
		t.Fatalf("state %s after a corrupt row, want SUSPECT", st)
	}
	_, err = queryErr(s, "SELECT v FROM t WHERE id = 1")
	wantErr(t, err, 926)

	m := openSession(t, in, "master")
	w, err := queryErr(m, "DBCC CHECKDB ('c')")
	wantErr(t, err, 8989)
	if !hasNotice(w, 8928, "does not decode") || !hasNotice(w, 2593, `"t"`) {
		t.Fatalf("DBCC CHECKDB messages: %v", w.notices)
	}
	mustQuery(t, m, "ALTER DATABASE c SET ONLINE")
	if st := d.State(); st != StateOnline {
		t.Fatalf("state %s after SET ONLINE", st)
	}
	_, err = queryErr(m, "SELECT SUM(v) FROM c.dbo.t")
	wantErr(t, err, 824)
}

func hasNotice(w *collect, number int, text string) bool {
	for _, n := range w.notices {
		if n.Number == number && strings.Contains(n.Message, text) {
			return true
		}
	}
	return false
}

// TestDatabaseThatDoesNotOpen: a database whose store cannot be opened
// does not keep the instance from starting; it shows why in sys.databases
// and can be dropped.
func TestDatabaseThatDoesNotOpen(t *testing.T) {
	dir := t.TempDir()
	storeDir := prepareStopped(t, dir, "CREATE DATABASE broken CREATE DATABASE fine", "broken")
	// The manifest names the files; without a readable one nothing opens.
	manifests, _ := filepath.Glob(filepath.Join(storeDir, "MANIFEST-*"))
	for _, m := range manifests {
		if err := os.WriteFile(m, []byte("not a manifest"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	in := openTestInstanceAt(t, dir)
	m := openSession(t, in, "master")
	w := mustQuery(t, m, "SELECT name, state_desc FROM sys.databases ORDER BY name")
	if got := w.text(); !strings.Contains(got, "broken SUSPECT") && !strings.Contains(got, "broken RECOVERY_PENDING") ||
		!strings.Contains(got, "fine ONLINE") {
		t.Fatalf("sys.databases: %s", got)
	}
	_, err := queryErr(m, "USE broken")
	if !sqlerr.Is(err, 926) && !sqlerr.Is(err, 945) {
		t.Fatalf("using a database that did not open: %v", err)
	}
	mustQuery(t, m, "DROP DATABASE broken")
	mustQuery(t, m, "CREATE TABLE fine.dbo.t (id INT)")
}

// TestInterruptedRestoreFinishesAtStart: an instance that stopped after a
// restore's commit point (its catalog entry) but before the restored store
// was moved into place finishes the move at its next start; an unfinished
// restore and a backup's checkpoint are removed.
func TestInterruptedRestoreFinishesAtStart(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Base(prepareStopped(t, dir, "CREATE DATABASE shop CREATE TABLE shop.dbo.t (id INT PRIMARY KEY) INSERT shop.dbo.t VALUES (1), (2)", "shop"))
	// The restored store waits in its temporary directory with its plan.
	tmp := filepath.Join(dir, ".restore-1")
	if err := os.Rename(filepath.Join(dir, store), tmp); err != nil {
		t.Fatal(err)
	}
	if err := writePlan(tmp, restorePlan{Target: store}); err != nil {
		t.Fatal(err)
	}
	for _, leftover := range []string{filepath.Join(dir, ".restore-2"), filepath.Join(dir, "backup", ".checkpoint-3")} {
		if err := os.MkdirAll(filepath.Join(leftover, "store"), 0o755); err != nil {
			t.Fatal(err)
		}
	}

	in := openTestInstanceAt(t, dir)
	m := openSession(t, in, "master")
	if got := mustQuery(t, m, "SELECT COUNT(*) FROM shop.dbo.t").text(); got != "[[2]]" {
		t.Fatalf("the finished restore holds %s rows", got)
	}
	for _, gone := range []string{tmp, filepath.Join(dir, ".restore-2"), filepath.Join(dir, "backup", ".checkpoint-3"), filepath.Join(dir, store, planFile)} {
		if _, err := os.Stat(gone); !os.IsNotExist(err) {
			t.Errorf("%s is still there (%v)", gone, err)
		}
	}
}

// prepareStopped runs sql on an instance in dir and closes it, returning
// the store directory of database db, for a test to tamper with.
func prepareStopped(t *testing.T, dir, sql, db string) string {
	t.Helper()
	in, err := Open(Config{DataDir: dir, ServerName: "test", CheckpointInterval: time.Hour, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	s, err := in.Open(context.Background(), session.Startup{User: "t", Database: "master", ProcessID: 1})
	if err != nil {
		t.Fatal(err)
	}
	mustQuery(t, s.(*Session), sql)
	store := in.Database(db).dir
	s.Close()
	if err := in.Close(); err != nil {
		t.Fatal(err)
	}
	return store
}
