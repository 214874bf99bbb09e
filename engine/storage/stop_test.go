package storage

import (
	"context"
	"testing"

	"mirrordb/sqlerr"
)

// TestStopLeavesTailForOpen: once the instance stops, rolling back a
// transaction written in parts writes no compensation: its parts stay the
// open tail, no write may follow them (Msg 6005), and the next open
// undoes them, leaving the committed state.
func TestStopLeavesTailForOpen(t *testing.T) {
	db := openDB(t, "stop")
	start, tx := startLoad(t, db, "t/load/committed")
	end := db.EndLSN()
	db.BeginStop()
	tx.Rollback()
	if db.OpenTxn() != start+1 || db.EndLSN() != end {
		t.Fatalf("after the rollback: open tail %d, end %d; want the tail %d..%d left", db.OpenTxn(), db.EndLSN(), start+1, end)
	}
	if _, err := db.Begin(context.Background(), -1); !sqlerr.Is(err, 6005) {
		t.Fatalf("a write after the tail was left: %v, want Msg 6005", err)
	}
	if _, err := db.BeginHeld(); !sqlerr.Is(err, 6005) {
		t.Fatalf("a held write after the tail was left: %v, want Msg 6005", err)
	}
	dir := db.cfg.Dir
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := OpenDB(Config{Dir: dir, Name: "stop", ID: 5, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if again.EndLSN() != start || again.OpenTxn() != 0 {
		t.Fatalf("reopened at %d with open tail %d, want %d and none", again.EndLSN(), again.OpenTxn(), start)
	}
	if n := readers(t, again, "t/load/"); n != 1 {
		t.Fatalf("reopened with %d rows, want the 1 committed", n)
	}
	put(t, again, "t/load/after", "new")
}

// TestStopEndsRollbackToSavepoint: a rollback to a savepoint before
// written parts stops compensating too once the instance stops (Msg
// 6005), and the transaction, partly compensated, cannot commit.
func TestStopEndsRollbackToSavepoint(t *testing.T) {
	db := openDB(t, "stopsp")
	db.SetPartBytes(2000)
	put(t, db, "t/load/committed", "old")
	tx, err := db.Begin(context.Background(), -1)
	if err != nil {
		t.Fatal(err)
	}
	sp := tx.Savepoint()
	writeRows(t, tx, 0, 300)
	db.BeginStop()
	if err := tx.RollbackTo(sp); !sqlerr.Is(err, 6005) {
		t.Fatalf("rollback to a savepoint while stopping: %v, want Msg 6005", err)
	}
	if _, err := tx.Commit(context.Background()); !sqlerr.Is(err, 6005) {
		t.Fatalf("commit after the rollback stopped: %v, want Msg 6005", err)
	}
	if db.OpenTxn() == 0 {
		t.Fatal("the tail was closed")
	}
}
