package storage

import (
	"context"
	"testing"
	"time"
)

// TestWaitWALFlushEndsWhenTheFlushStarts: the shipper's wait for a
// commit's WAL flush ends as that flush starts, while its fsync still runs
// (held by a stalled disk), not when it is done; with nothing applied it
// waits on.
func TestWaitWALFlushEndsWhenTheFlushStarts(t *testing.T) {
	fs, db := openSyncedOn(t, "walflush")
	defer fs.Stall(false)
	durable := db.DurableLSN()
	next := durable + 1

	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	db.WaitWALFlush(short, next, nil)
	cancel()
	if short.Err() == nil {
		t.Fatalf("WaitWALFlush(%d) returned with nothing applied past %d", next, durable)
	}

	expired := time.After(10 * time.Millisecond)
	db.WaitWALFlush(context.Background(), next, expired) // returns: the bound
	if db.WALFlushStarted(next) {
		t.Fatalf("WALFlushStarted(%d) with nothing applied past %d", next, durable)
	}

	fs.Stall(true)
	committed := make(chan error, 1)
	go func() {
		_, err := putCommit(context.Background(), db, "t/stalled", []byte("v"))
		committed <- err
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db.WaitWALFlush(ctx, next, nil)
	if ctx.Err() != nil || !db.WALFlushStarted(next) {
		t.Fatalf("WaitWALFlush(%d) did not end while the commit's fsync ran", next)
	}
	if d := db.DurableLSN(); d != durable {
		t.Fatalf("durable LSN %d while the fsync is stalled, want %d", d, durable)
	}
	select {
	case err := <-committed:
		t.Fatalf("commit returned during the stall: %v", err)
	default:
	}
	fs.Stall(false)
	if err := <-committed; err != nil {
		t.Fatal(err)
	}
	// Done fsyncs move the hint as well: a wait for a durable LSN returns.
	db.WaitWALFlush(ctx, db.DurableLSN(), nil)
	if ctx.Err() != nil {
		t.Fatal("WaitWALFlush for a durable LSN did not return")
	}
}
