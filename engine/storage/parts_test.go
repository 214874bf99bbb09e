package storage

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/txlog"
)

// countPrefix counts the keys under prefix that r holds.
func countPrefix(t *testing.T, r pebble.Reader, prefix string) int {
	t.Helper()
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: []byte(prefix), UpperBound: append([]byte(prefix), 0xff)})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	n := 0
	for it.First(); it.Valid(); it.Next() {
		n++
	}
	return n
}

// readers counts prefix as a reader of db sees it (pinned, as statements
// read).
func readers(t *testing.T, db *DB, prefix string) int {
	t.Helper()
	if !db.Pin() {
		t.Fatal("closed")
	}
	defer db.Unpin()
	return countPrefix(t, db.Reader(), prefix)
}

// logKinds returns the kinds and txns of the records from..to.
func logKinds(t *testing.T, db *DB, from, to txlog.LSN) (kinds []txlog.Kind, txns []txlog.LSN) {
	t.Helper()
	if err := db.ReadLog(from, to, func(_ txlog.LSN, enc []byte) error {
		rec, err := txlog.Decode(enc)
		if err == nil {
			kinds, txns = append(kinds, rec.Kind), append(txns, rec.Txn)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return kinds, txns
}

// writeRows writes n keys t/load/<i> in tx, each with a 100-byte value.
func writeRows(t *testing.T, tx *Txn, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		if err := tx.Put(fmt.Appendf(nil, "t/load/%05d", i), bytes.Repeat([]byte{'v'}, 100)); err != nil {
			t.Fatal(err)
		}
	}
}

// startLoad commits key=value in db, then begins a transaction that
// writes 300 rows with a small part size: many parts. It returns the
// end of log before the transaction.
func startLoad(t *testing.T, db *DB, key string) (txlog.LSN, *Txn) {
	t.Helper()
	db.SetPartBytes(2000)
	put(t, db, key, "old")
	start := db.EndLSN()
	tx, err := db.Begin(context.Background(), -1)
	if err != nil {
		t.Fatal(err)
	}
	writeRows(t, tx, 0, 300)
	if db.EndLSN() <= start+2 {
		t.Fatalf("300 rows wrote %d parts", db.EndLSN()-start)
	}
	return start, tx
}

// ship redoes db's log from..end on mirror, per records at a time.
func ship(t *testing.T, db, mirror *DB, from txlog.LSN, per int) {
	t.Helper()
	var recs [][]byte
	if err := db.ReadLog(from, db.EndLSN(), func(_ txlog.LSN, enc []byte) error {
		recs = append(recs, bytes.Clone(enc))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(recs); i += per {
		if err := mirror.Redo(context.Background(), recs[i:min(i+per, len(recs))]); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPartsCommit: a transaction past the part size writes parts that
// readers do not see (nor does the row count move) until it commits; its
// log is parts then a commit naming the first part; the open tail holds
// the log (ACTIVE_TRANSACTION) and m/open_txn says where it starts.
func TestPartsCommit(t *testing.T) {
	db := openDB(t, "parts")
	start, tx := startLoad(t, db, "t/load/committed")
	if db.OpenTxn() != start+1 {
		t.Fatalf("open transaction from %d (start %d)", db.OpenTxn(), start)
	}
	if n := readers(t, db, "t/load/"); n != 1 {
		t.Fatalf("readers see %d rows during the transaction, want the 1 committed", n)
	}
	if n := countPrefix(t, tx.Reader(), "t/load/"); n != 301 {
		t.Fatalf("the transaction sees %d rows, want 301", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for db.DurableLSN() < db.EndLSN() { // the hold shows once it holds back durable log
		if _, err := db.WaitDurable(ctx, db.DurableLSN()); err != nil {
			t.Fatal(err)
		}
	}
	if w := db.LogReuseWait(); w != "ACTIVE_TRANSACTION" {
		t.Fatalf("log_reuse_wait_desc %q during the transaction", w)
	}
	if v, ok, _ := db.Get(openTxnKey); !ok || len(v) != 8 {
		t.Fatal("m/open_txn is not set")
	}
	if got := db.CommittedEnd(); got != start {
		t.Fatalf("committed end %d, want %d", got, start)
	}
	lsn, err := tx.Commit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n := readers(t, db, "t/load/"); n != 301 {
		t.Fatalf("readers see %d rows after the commit, want 301", n)
	}
	kinds, txns := logKinds(t, db, start+1, lsn)
	for i, k := range kinds {
		want := txlog.KindPart
		if i == len(kinds)-1 {
			want = txlog.KindCommit
		}
		if k != want || txns[i] != start+1 {
			t.Fatalf("record %d: kind %d txn %d", start+1+txlog.LSN(i), k, txns[i])
		}
	}
	if _, ok, _ := db.Get(openTxnKey); ok || db.OpenTxn() != 0 {
		t.Fatal("the open tail outlived the commit")
	}
	if w := db.LogReuseWait(); w == "ACTIVE_TRANSACTION" {
		t.Fatal("ACTIVE_TRANSACTION after the commit")
	}
}

// TestPartsRollback: rolling back writes compensation and an abort; the
// data is as before, and so it is on a database that redoes the whole
// log, and after undoing all of it.
func TestPartsRollback(t *testing.T) {
	db := openDB(t, "abort")
	start, tx := startLoad(t, db, "t/load/00007")
	if err := tx.Delete([]byte("t/load/00007")); err != nil {
		t.Fatal(err)
	}
	tx.Rollback()
	check := func(what string, db *DB) {
		t.Helper()
		if n := readers(t, db, "t/load/"); n != 1 {
			t.Fatalf("%s: %d rows, want 1", what, n)
		}
		if v, ok, _ := db.Get([]byte("t/load/00007")); !ok || string(v) != "old" {
			t.Fatalf("%s: t/load/00007 = %q, %v", what, v, ok)
		}
		if _, ok, _ := db.Get(openTxnKey); ok || db.OpenTxn() != 0 {
			t.Fatalf("%s: the open tail outlived the abort", what)
		}
	}
	check("rolled back", db)
	end := db.EndLSN()
	kinds, _ := logKinds(t, db, start+1, end)
	if len(kinds) < 4 || kinds[len(kinds)-1] != txlog.KindAbort {
		t.Fatalf("log after rollback: %v", kinds)
	}
	put(t, db, "t/other", "next") // the next commit follows the abort

	// Redo: a mirror applying everything in blocks, as shipped.
	mirror := openDB(t, "mirror")
	ship(t, db, mirror, 1, 3)
	check("redone", mirror)
	// Undo of the whole transaction and what followed.
	if err := db.UndoTo(context.Background(), start); err != nil {
		t.Fatal(err)
	}
	check("undone", db)
}

// TestPartsSavepoint: rolling back to a savepoint taken before written
// parts compensates them and keeps what came before it.
func TestPartsSavepoint(t *testing.T) {
	db := openDB(t, "savepoint")
	db.SetPartBytes(2000)
	tx, err := db.Begin(context.Background(), -1)
	if err != nil {
		t.Fatal(err)
	}
	writeRows(t, tx, 0, 5)
	sp := tx.Savepoint()
	writeRows(t, tx, 5, 300)
	if db.OpenTxn() == 0 {
		t.Fatal("no part was written")
	}
	if err := tx.RollbackTo(sp); err != nil {
		t.Fatal(err)
	}
	if n := countPrefix(t, tx.Reader(), "t/load/"); n != 5 {
		t.Fatalf("after the rollback to the savepoint the transaction sees %d rows, want 5", n)
	}
	writeRows(t, tx, 1000, 2)
	if _, err := tx.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := readers(t, db, "t/load/"); n != 7 {
		t.Fatalf("%d rows committed, want 7", n)
	}
}

// TestPartsCrash: a store closed with a transaction's parts applied (a
// crash: the WAL holds them) undoes them when it opens again.
func TestPartsCrash(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "crash")
	db, err := OpenDB(Config{Dir: dir, Name: "crash", Create: true, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	start, _ := startLoad(t, db, "t/load/committed")
	if db.EndLSN() <= start {
		t.Fatal("no part was written")
	}
	if err := db.Close(); err != nil { // the transaction never ends
		t.Fatal(err)
	}
	again, err := OpenDB(Config{Dir: dir, Name: "crash", Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if n := readers(t, again, "t/load/"); n != 1 {
		t.Fatalf("%d rows after the restart, want 1", n)
	}
	if again.EndLSN() != start || again.OpenTxn() != 0 {
		t.Fatalf("end %d open %d after the restart, want %d and none", again.EndLSN(), again.OpenTxn(), start)
	}
	if _, ok, _ := again.Get(openTxnKey); ok {
		t.Fatal("m/open_txn survived the restart")
	}
	put(t, again, "t/next", "y")
}

// TestPartsMirrorPromotion: a mirror that redid parts of a transaction
// tracks its open tail; promoted, it undoes the tail at once (its end is
// the committed end), and can then redo the whole transaction once more.
func TestPartsMirrorPromotion(t *testing.T) {
	db := openDB(t, "principal")
	start, tx := startLoad(t, db, "t/load/committed")
	mirror := openDB(t, "mirror")
	ship(t, db, mirror, 1, 1000)
	if mirror.OpenTxn() != start+1 || mirror.CommittedEnd() != start {
		t.Fatalf("mirror: open from %d, committed end %d, want %d and %d", mirror.OpenTxn(), mirror.CommittedEnd(), start+1, start)
	}
	if err := mirror.UndoOpenTail(context.Background()); err != nil {
		t.Fatal(err)
	}
	if mirror.EndLSN() != start || mirror.OpenTxn() != 0 || readers(t, mirror, "t/load/") != 1 {
		t.Fatalf("promoted mirror: end %d, open %d, %d rows", mirror.EndLSN(), mirror.OpenTxn(), readers(t, mirror, "t/load/"))
	}
	if _, err := tx.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	ship(t, db, mirror, start+1, 1000)
	if n := readers(t, mirror, "t/load/"); n != 301 || mirror.OpenTxn() != 0 {
		t.Fatalf("mirror after the commit: %d rows, open %d", n, mirror.OpenTxn())
	}
}

// TestPartsDivergentTail: a mirror holds parts of a transaction that its
// principal lost (a crash undid them at open) and then replaced with other
// log at the same LSNs. Shipped from the mirror's committed end again, the
// mirror drops its parts and ends with the principal's log and data.
func TestPartsDivergentTail(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "principal")
	db, err := OpenDB(Config{Dir: dir, Name: "principal", Create: true, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	start, _ := startLoad(t, db, "t/load/committed")
	mirror := openDB(t, "mirror")
	ship(t, db, mirror, 1, 1000)
	if mirror.CommittedEnd() != start || mirror.EndLSN() <= start {
		t.Fatalf("mirror: committed end %d, end %d, want %d and more", mirror.CommittedEnd(), mirror.EndLSN(), start)
	}
	if err := db.Close(); err != nil { // the principal crashes mid-load
		t.Fatal(err)
	}
	db, err = OpenDB(Config{Dir: dir, Name: "principal", Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	put(t, db, "t/other", "after the crash") // LSN start+1 again, another record
	ship(t, db, mirror, mirror.CommittedEnd()+1, 1000)
	if mirror.EndLSN() != start+1 || mirror.OpenTxn() != 0 || readers(t, mirror, "t/load/") != 1 {
		t.Fatalf("mirror: end %d (want %d), open %d, %d rows", mirror.EndLSN(), start+1, mirror.OpenTxn(), readers(t, mirror, "t/load/"))
	}
	if v, ok, _ := mirror.Get([]byte("t/other")); !ok || string(v) != "after the crash" {
		t.Fatalf("mirror misses the principal's record: %q %v", v, ok)
	}
}

// TestPartsReaderTakenBefore: a statement that took its reader before the
// transaction's first part does not see the parts either.
func TestPartsReaderTakenBefore(t *testing.T) {
	db := openDB(t, "before")
	if !db.Pin() {
		t.Fatal("closed")
	}
	defer db.Unpin()
	r := db.Reader()
	start, tx := startLoad(t, db, "t/load/committed")
	defer tx.Rollback()
	if db.OpenTxn() != start+1 {
		t.Fatal("no part was written")
	}
	if n := countPrefix(t, r, "t/load/"); n != 1 {
		t.Fatalf("a reader taken before the parts sees %d rows, want 1", n)
	}
	if _, ok, err := ReadValue(r, []byte("t/load/00001")); ok || err != nil {
		t.Fatalf("a reader taken before the parts reads a part's row (%v)", err)
	}
}
