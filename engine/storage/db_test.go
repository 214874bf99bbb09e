package storage

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/keys"
	"mirrordb/engine/txlog"
)

// openDB opens a database's storage in a directory of its own, closed at
// the end of the test.
func openDB(t *testing.T, name string) *DB {
	t.Helper()
	db, err := OpenDB(Config{Dir: filepath.Join(t.TempDir(), name), Name: name, ID: 5, Create: true, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}

// put commits one transaction setting key to value.
func put(t *testing.T, db *DB, key, value string) txlog.LSN {
	t.Helper()
	tx, err := db.Begin(context.Background(), -1)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Put([]byte(key), []byte(value)); err != nil {
		t.Fatal(err)
	}
	lsn, err := tx.Commit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return lsn
}

// contents is every logged key of db (s/ and t/), as text.
func contents(t *testing.T, db *DB) string {
	t.Helper()
	var b bytes.Buffer
	for _, prefix := range [][]byte{keys.Schema, keys.Table} {
		it, err := db.KV().NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: keys.PrefixEnd(prefix)})
		if err != nil {
			t.Fatal(err)
		}
		for it.First(); it.Valid(); it.Next() {
			fmt.Fprintf(&b, "%s=%s ", it.Key(), it.Value())
		}
		if err := it.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// TestLogRedoUndo commits on one database, redoes its log on another and
// undoes part of it again: the log alone carries the database.
func TestLogRedoUndo(t *testing.T) {
	src, dst := openDB(t, "src"), openDB(t, "dst")
	put(t, src, "t/a", "1")
	put(t, src, "t/b", "2")
	mid := src.EndLSN()
	put(t, src, "t/a", "3")
	if src.EndLSN() != 3 || src.DurableLSN() != 3 {
		t.Fatalf("end %d, durable %d after three commits", src.EndLSN(), src.DurableLSN())
	}
	var recs [][]byte
	if err := src.ReadLog(1, src.DurableLSN(), func(_ txlog.LSN, rec []byte) error {
		recs = append(recs, bytes.Clone(rec))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := dst.Redo(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	if got, want := contents(t, dst), contents(t, src); got != want || dst.EndLSN() != 3 {
		t.Fatalf("redo: %q at %d, want %q at 3", got, dst.EndLSN(), want)
	}
	if err := dst.UndoTo(context.Background(), mid); err != nil {
		t.Fatal(err)
	}
	if got := contents(t, dst); got != "t/a=1 t/b=2 " || dst.EndLSN() != mid || dst.FirstLSN() != 1 {
		t.Fatalf("undo to %d: %q at %d, first %d", mid, got, dst.EndLSN(), dst.FirstLSN())
	}
}

// TestSavepointAndSchemaEpoch rolls a transaction back to a savepoint:
// the writes after it are gone, and the schema epoch tells a view of the
// schema to reload.
func TestSavepointAndSchemaEpoch(t *testing.T) {
	db := openDB(t, "db")
	tx, err := db.Begin(context.Background(), -1)
	if err != nil {
		t.Fatal(err)
	}
	_ = tx.Put([]byte("t/a"), []byte("1"))
	sp := tx.Savepoint()
	_ = tx.Put([]byte("s/t/1"), []byte("def"))
	epoch := tx.SchemaEpoch()
	if !tx.SchemaChanged() || epoch == 0 {
		t.Fatalf("a schema write: changed %v, epoch %d", tx.SchemaChanged(), epoch)
	}
	if err := tx.RollbackTo(sp); err != nil {
		t.Fatal(err)
	}
	if tx.SchemaChanged() || tx.SchemaEpoch() == epoch {
		t.Fatalf("rolled back: changed %v, epoch %d (was %d)", tx.SchemaChanged(), tx.SchemaEpoch(), epoch)
	}
	if _, err := tx.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := contents(t, db); got != "t/a=1 " {
		t.Fatalf("committed %q", got)
	}
}

// TestTruncateRespectsHolds keeps log while a hold needs it, and says why.
func TestTruncateRespectsHolds(t *testing.T) {
	db := openDB(t, "db")
	for i := range 4 {
		put(t, db, "t/k", fmt.Sprint(i))
	}
	db.SetLogHold("mirror", func() (txlog.LSN, string) { return 3, "DATABASE_MIRRORING" })
	if n, err := db.TruncateLog(); err != nil || n != 2 || db.FirstLSN() != 3 || db.LogReuseWait() != "DATABASE_MIRRORING" {
		t.Fatalf("with a hold at 3: removed %d (%v), first %d, reuse wait %s", n, err, db.FirstLSN(), db.LogReuseWait())
	}
	db.SetLogHold("mirror", nil)
	if n, err := db.TruncateLog(); err != nil || n != 2 || db.FirstLSN() != 0 || db.LogReuseWait() != "NOTHING" {
		t.Fatalf("without: removed %d (%v), first %d, reuse wait %s", n, err, db.FirstLSN(), db.LogReuseWait())
	}
	if lsn := put(t, db, "t/k", "next"); lsn != 5 {
		t.Fatalf("LSN after truncation %d, want 5", lsn)
	}
}
