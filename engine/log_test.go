package engine

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/keys"
	"mirrordb/engine/txlog"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// collect is a ResultWriter that keeps rows and messages for inspection.
type collect struct {
	rows    [][]types.Value
	notices []*sqlerr.Error
}

func (c *collect) Columns([]session.Column) error { return nil }
func (c *collect) Row(v []types.Value) error {
	c.rows = append(c.rows, append([]types.Value{}, v...))
	return nil
}
func (c *collect) Complete(string) error { return nil }
func (c *collect) Notice(e *sqlerr.Error) error {
	c.notices = append(c.notices, e)
	return nil
}
func (c *collect) text() string { return fmt.Sprint(c.rows) }
func (c *collect) reset()       { c.rows = nil }
func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func openTestInstance(t testing.TB) *Instance {
	t.Helper()
	return openTestInstanceAt(t, t.TempDir())
}

// openTestInstanceAt opens an instance on dir, closed at the end of the test.
func openTestInstanceAt(t testing.TB, dir string) *Instance {
	t.Helper()
	in, err := Open(Config{DataDir: dir, ServerName: "test", CheckpointInterval: time.Hour, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := in.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return in
}

func openSession(t testing.TB, in *Instance, db string) *Session {
	t.Helper()
	s, err := in.Open(context.Background(), session.Startup{User: "t", Database: db, ProcessID: uint32(len(in.sessions) + 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s.(*Session)
}

func mustQuery(t testing.TB, s *Session, sql string) *collect {
	t.Helper()
	w := &collect{}
	if err := s.Query(context.Background(), sql, w); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return w
}

// dump returns every logged key (schema and rows) of a database, as text.
func dump(t testing.TB, d *Database) string {
	t.Helper()
	var b strings.Builder
	for _, prefix := range [][]byte{keys.Schema, keys.Table} {
		it, err := d.storage.KV().NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: keys.PrefixEnd(prefix)})
		if err != nil {
			t.Fatal(err)
		}
		for it.First(); it.Valid(); it.Next() {
			fmt.Fprintf(&b, "%x=%x\n", it.Key(), it.Value())
		}
		if err := it.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

const workload = `
CREATE TABLE t (id INT PRIMARY KEY, v NVARCHAR(20), n DECIMAL(10,2))
INSERT t VALUES (1, N'one', 1.5), (2, N'two', 2.5), (3, N'three', NULL)
UPDATE t SET v = UPPER(v) WHERE id >= 2
DELETE t WHERE id = 1
CREATE TABLE h (x INT IDENTITY, y VARCHAR(5))
INSERT h (y) VALUES ('a'), ('b')
BEGIN TRAN
INSERT t VALUES (10, N'ten', 10)
UPDATE t SET id = 11 WHERE id = 10
COMMIT
DROP TABLE h
`

// TestRedoReproducesDatabase ships a database's whole log, record by
// record as the log shipper will, into an empty store and checks that the
// copy holds exactly the same keys and log positions.
func TestRedoReproducesDatabase(t *testing.T) {
	in := openTestInstance(t)
	s := openSession(t, in, "master")
	mustQuery(t, s, "CREATE DATABASE src USE src "+workload)
	src := in.Database("src")

	dst, err := in.openDatabase(99, "copy", filepath.Join(in.DataDir(), "copy"), StateRestoring, time.Now(), true)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.close()
	var batch [][]byte
	err = src.ReadLog(1, src.DurableLSN(), func(lsn txlog.LSN, rec []byte) error {
		batch = append(batch, bytes.Clone(rec))
		if len(batch) == 3 { // redo in small groups, as received
			err := dst.Redo(context.Background(), batch)
			batch = nil
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := dst.Redo(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	if got, want := dst.EndLSN(), src.EndLSN(); got != want || dst.DurableLSN() != want {
		t.Fatalf("copy ends at %d (durable %d), source at %d", got, dst.DurableLSN(), want)
	}
	if dump(t, dst) != dump(t, src) {
		t.Fatalf("redo copy differs:\n%s\nvs source:\n%s", dump(t, dst), dump(t, src))
	}
	if tab := dst.schema.Load().Table("dbo", "t"); tab == nil || tab.ColumnIndex("n") != 2 {
		t.Fatal("copy's schema was not reloaded after redo")
	}
	// Redo is idempotent: the same records again change nothing.
	before := dump(t, dst)
	err = src.ReadLog(1, src.EndLSN(), func(_ txlog.LSN, rec []byte) error {
		return dst.Redo(context.Background(), [][]byte{bytes.Clone(rec)})
	})
	if err != nil || dump(t, dst) != before {
		t.Fatalf("repeated redo changed the copy (err %v)", err)
	}
	// A gap is refused.
	gap := (&txlog.Record{LSN: dst.EndLSN() + 2, CommitTime: time.Now()}).Encode(nil)
	if err := dst.Redo(context.Background(), [][]byte{gap}); err == nil {
		t.Fatal("redo accepted a record after a gap")
	}
}

// TestUndoToRestoresEarlierState checks that undoing past an LSN brings
// data and schema back exactly, and that the LSN sequence continues from
// there.
func TestUndoToRestoresEarlierState(t *testing.T) {
	in := openTestInstance(t)
	s := openSession(t, in, "master")
	mustQuery(t, s, "CREATE DATABASE u USE u CREATE TABLE keep (id INT PRIMARY KEY) INSERT keep VALUES (1)")
	d := in.Database("u")
	point := d.EndLSN()
	snapshot := dump(t, d)
	mustQuery(t, s, workload+" INSERT keep VALUES (2) DELETE keep WHERE id = 1")
	if d.EndLSN() <= point {
		t.Fatal("workload wrote no log")
	}
	if err := d.UndoTo(context.Background(), point); err != nil {
		t.Fatal(err)
	}
	if d.EndLSN() != point || d.DurableLSN() != point {
		t.Fatalf("after undo: end %d durable %d, want %d", d.EndLSN(), d.DurableLSN(), point)
	}
	if got := dump(t, d); got != snapshot {
		t.Fatalf("undo did not restore the earlier state:\n%s\nwant\n%s", got, snapshot)
	}
	if got := mustQuery(t, s, "SELECT COUNT(*) FROM sys.tables").text(); got != "[[1]]" {
		t.Fatalf("schema after undo: %s tables", got)
	}
	mustQuery(t, s, "INSERT keep VALUES (3)")
	if d.EndLSN() != point+1 {
		t.Fatalf("next commit got LSN %d, want %d", d.EndLSN(), point+1)
	}
	if got := mustQuery(t, s, "SELECT id FROM keep ORDER BY id").text(); got != "[[1] [3]]" {
		t.Fatalf("rows after undo and insert: %s", got)
	}
}

// TestWaitDurableWakesOnCommit is the log shipper's wait: it blocks until a
// commit makes new log durable.
func TestWaitDurableWakesOnCommit(t *testing.T) {
	in := openTestInstance(t)
	s := openSession(t, in, "master")
	mustQuery(t, s, "CREATE DATABASE w USE w CREATE TABLE t (a INT)")
	d := in.Database("w")
	start := d.DurableLSN()
	got := make(chan txlog.LSN, 1)
	go func() {
		lsn, err := d.WaitDurable(context.Background(), start)
		if err != nil {
			t.Error(err)
		}
		got <- lsn
	}()
	time.Sleep(20 * time.Millisecond)
	select {
	case <-got:
		t.Fatal("WaitDurable returned before any commit")
	default:
	}
	mustQuery(t, s, "INSERT t VALUES (1)")
	select {
	case lsn := <-got:
		if lsn != start+1 {
			t.Fatalf("WaitDurable returned %d, want %d", lsn, start+1)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("WaitDurable did not wake up")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := d.WaitDurable(ctx, d.DurableLSN()); err == nil {
		t.Fatal("WaitDurable ignored its context")
	}
}

// TestTruncateRespectsHolds checks log truncation and log_reuse_wait_desc.
func TestTruncateRespectsHolds(t *testing.T) {
	in := openTestInstance(t)
	s := openSession(t, in, "master")
	mustQuery(t, s, "CREATE DATABASE tr USE tr CREATE TABLE t (a INT) INSERT t VALUES (1) INSERT t VALUES (2)")
	d := in.Database("tr")
	end := d.EndLSN()
	d.SetLogHold("LOG_BACKUP", func() (txlog.LSN, string) { return 3, "LOG_BACKUP" })
	if got := d.LogReuseWait(); got != "LOG_BACKUP" {
		t.Fatalf("log_reuse_wait_desc = %s", got)
	}
	if n, err := d.TruncateLog(); err != nil || n != 2 || d.FirstLSN() != 3 {
		t.Fatalf("truncate with hold at 3: removed %d (err %v), first LSN now %d", n, err, d.FirstLSN())
	}
	if err := d.ReadLog(1, end, func(txlog.LSN, []byte) error { return nil }); err == nil {
		t.Fatal("reading truncated log did not fail")
	}
	d.SetLogHold("LOG_BACKUP", nil)
	if got := d.LogReuseWait(); got != "NOTHING" {
		t.Fatalf("log_reuse_wait_desc = %s", got)
	}
	if _, err := d.TruncateLog(); err != nil || d.FirstLSN() != 0 {
		t.Fatalf("full truncation left first LSN %d (err %v)", d.FirstLSN(), err)
	}
	// The LSN sequence survives an empty log and a restart.
	dir := in.DataDir()
	s.Close()
	if err := in.Close(); err != nil {
		t.Fatal(err)
	}
	in2, err := Open(Config{DataDir: dir, ServerName: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer in2.Close()
	s2 := openSession(t, in2, "tr")
	mustQuery(t, s2, "INSERT t VALUES (3)")
	if got := in2.Database("tr").EndLSN(); got != end+1 {
		t.Fatalf("LSN after restart with empty log = %d, want %d", got, end+1)
	}
}
