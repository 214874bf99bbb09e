package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/keys"
	"mirrordb/engine/txlog"
	"mirrordb/internal/stat"
	"mirrordb/sqlerr"
)

// The transaction log API. BACKUP LOG, RESTORE LOG and mirroring (through
// the engine) use these methods; only this package writes l/ keys.

// EndLSN is the last LSN applied to the database (visible to readers).
func (db *DB) EndLSN() txlog.LSN { return db.applied.get() }

// DurableLSN is the last LSN known to be on disk; only records up to it may
// be acknowledged.
func (db *DB) DurableLSN() txlog.LSN { return db.durable.get() }

// WaitDurable blocks until the durable LSN exceeds after (or ctx ends) and
// returns it. The log shipper uses it to sleep until there is new log.
func (db *DB) WaitDurable(ctx context.Context, after txlog.LSN) (txlog.LSN, error) {
	return db.durable.wait(ctx, after)
}

// WaitEnd blocks until the end of log (applied and visible, durable or
// not) exceeds after, or ctx ends, and returns it. The log shipper waits
// on it: shipping what is applied lets the mirror harden the log while
// this database's own fsync runs.
func (db *DB) WaitEnd(ctx context.Context, after txlog.LSN) (txlog.LSN, error) {
	return db.applied.wait(ctx, after)
}

// Reloads counts the times Recover reopened the store from its WAL. Each
// may have lost log that was applied but not durable, which a reader of
// the log (the shipper) may have seen: one that reads the same count
// before and after reading the log read none of a reloaded store's new
// records, since the count moves before the reload's end of log is set.
func (db *DB) Reloads() uint64 { return db.reloads.Load() }

// SetOnReload installs (nil: removes) a function that Recover calls with
// the end of log it found, before the reopened store takes commits.
func (db *DB) SetOnReload(fn func(end txlog.LSN)) {
	if fn == nil {
		db.onReload.Store(nil)
		return
	}
	db.onReload.Store(&fn)
}

// FirstLSN returns the oldest LSN still held in the log (0 when the log is
// empty, e.g. after truncation).
func (db *DB) FirstLSN() txlog.LSN {
	if !db.Pin() {
		return 0
	}
	defer db.Unpin()
	if st := db.Store(); st != nil {
		return firstLSN(st.DB())
	}
	return 0
}

func firstLSN(kv pebble.Reader) txlog.LSN {
	it, err := kv.NewIter(&pebble.IterOptions{LowerBound: keys.Log, UpperBound: keys.PrefixEnd(keys.Log)})
	if err != nil {
		return 0
	}
	defer it.Close()
	if !it.First() {
		return 0
	}
	lsn, _ := keys.LSNOfLogKey(it.Key())
	return lsn
}

// ReadLog calls fn for each log record with from ≤ LSN ≤ to, in order,
// passing the encoded record (valid only during the call). It reads through
// an iterator, so memory stays bounded however much log there is. It
// returns an error if a record in the range is missing (truncated).
func (db *DB) ReadLog(from, to txlog.LSN, fn func(lsn txlog.LSN, rec []byte) error) error {
	if from > to {
		return nil
	}
	if !db.Pin() {
		return sqlerr.New(911, db.Name())
	}
	defer db.Unpin()
	if err := db.Available(); err != nil {
		return err
	}
	it, err := db.KV().NewIter(&pebble.IterOptions{LowerBound: keys.LogKey(from), UpperBound: keys.LogKey(to + 1)})
	if err != nil {
		return err
	}
	defer it.Close()
	want := from
	for it.First(); it.Valid(); it.Next() {
		lsn, ok := keys.LSNOfLogKey(it.Key())
		if !ok || lsn != want {
			return fmt.Errorf("log record %d is missing (found %d)", want, lsn)
		}
		if err := fn(lsn, it.Value()); err != nil {
			return err
		}
		want++
	}
	if err := it.Error(); err != nil {
		return db.ReadError(err)
	}
	if want <= to {
		return fmt.Errorf("log record %d is missing", want)
	}
	return nil
}

// Redo applies encoded log records (a mirror hardening shipped log, or
// RESTORE LOG) in one durable batch. Each record must carry the next LSN;
// records at or below the current end are skipped (redo is idempotent).
// The records become part of this database's own log.
func (db *DB) Redo(ctx context.Context, recs [][]byte) error {
	if !db.Pin() {
		return sqlerr.New(911, db.Name())
	}
	defer db.Unpin()
	if err := db.dropDivergentTail(ctx, recs); err != nil {
		return err
	}
	// Each record goes in twice (its effects and itself): size the batch
	// once instead of letting it double its way up.
	size := 0
	for _, enc := range recs {
		size += 2*len(enc) + 64
	}
	b, fail, err := db.lockedBatch(ctx, size)
	if err != nil {
		return err
	}
	start := db.applied.get()
	end := start
	openFrom := db.OpenTxn()
	schemaChanged := false
	var logBytes int64
	var records int
	for _, enc := range recs {
		rec, err := txlog.Decode(enc)
		if err != nil {
			return fail(fmt.Errorf("redo: log record after %d: %w", end, err))
		}
		if rec.LSN <= end {
			continue
		}
		if rec.LSN != end+1 {
			return fail(fmt.Errorf("redo: log record %d does not follow %d", rec.LSN, end))
		}
		for _, op := range rec.Ops {
			if op.Kind == txlog.OpDelete {
				err = b.Delete(op.Key, nil)
			} else {
				err = b.Set(op.Key, op.After, nil)
			}
			if err != nil {
				return fail(err)
			}
			schemaChanged = schemaChanged || bytes.HasPrefix(op.Key, keys.Schema)
		}
		if err := b.Set(keys.LogKey(rec.LSN), enc, nil); err != nil {
			return fail(err)
		}
		if err := db.redoKind(b, rec, &openFrom); err != nil {
			return fail(err)
		}
		end = rec.LSN
		logBytes += int64(len(enc))
		records++
	}
	if end == start {
		return fail(nil)
	}
	err = db.finishBatch(ctx, b, start+1, end, schemaChanged, openFrom)
	db.logBytes.Add(logBytes)
	if err == nil {
		db.noteWritten(records, int(logBytes))
	}
	return err
}

func (db *DB) noteWritten(records, size int) {
	db.written.records.Add(int64(records))
	db.written.bytes.Add(int64(size))
}

// LogWritten returns how many log records, and how many bytes of them,
// this database has appended since it was opened (its own commits and
// redone log): the counters behind the log generation and redo rates.
func (db *DB) LogWritten() (records, bytes int64) {
	return db.written.records.Load(), db.written.bytes.Load()
}

// LogRecordSize is the mean size of a log record written since open
// (0 before the first), for estimating queue sizes from LSN distances.
func (db *DB) LogRecordSize() float64 {
	records, bytes := db.LogWritten()
	if records == 0 {
		return 0
	}
	return float64(bytes) / float64(records)
}

// LogBytes approximates the size of the log: the records present at open
// and those written since, less what truncation removed.
func (db *DB) LogBytes() int64 { return db.logBytes.Load() }

// CommitLatency is the histogram of this database's commit times, from
// the log write to the acknowledgement.
func (db *DB) CommitLatency() *stat.Histogram { return &db.commitLatency }

// UndoTo rolls the database back to lsn by applying the before-images of
// every record after it, newest first, and removing those records from the
// log. A former principal uses it to return to the failover LSN (quorum
// rule 5 of docs/ARCHITECTURE.md). It streams (undoLog): whatever it
// undoes, a whole load included, it holds one batch of about undoChunk
// and one record. Each batch is applied durably and moves the end of log
// down; stopped (ctx) or failed between two, the log ends at a record.
func (db *DB) UndoTo(ctx context.Context, lsn txlog.LSN) error {
	if !db.Pin() {
		return sqlerr.New(911, db.Name())
	}
	defer db.Unpin()
	if err := db.lockAvailable(ctx, -1); err != nil {
		return err
	}
	defer db.writer.release()
	end := db.applied.get()
	if lsn >= end {
		return nil
	}
	st := db.Store()
	schemaChanged, err := undoLog(st.DB(), lsn, end, func(b *pebble.Batch, at txlog.LSN) error {
		if err := ctx.Err(); err != nil {
			b.Close()
			return err
		}
		return db.applyEnd(ctx, st, b, at)
	})
	if schemaChanged {
		db.schemaChanged()
	}
	// The log now ends at lsn (or where a failure stopped the undo):
	// inside a transaction written in parts when that is one of its parts.
	openFrom, terr := tailAt(st.DB(), db.applied.get())
	if terr == nil {
		db.setTail(openFrom)
	}
	if errors.Is(err, txlog.ErrCorrupt) { // this database's own log is damaged
		return db.Corrupt(fmt.Errorf("undo to %d: %w", lsn, err))
	}
	if err != nil {
		return fmt.Errorf("undo to %d: %w", lsn, err)
	}
	return terr
}

// lockedBatch takes the writer lock once the database is available and
// starts a batch of size bytes for Redo or UndoTo; fail closes the batch,
// releases the lock and returns its argument. REQUIRES: db is pinned.
func (db *DB) lockedBatch(ctx context.Context, size int) (b *pebble.Batch, fail func(error) error, err error) {
	if err := db.lockAvailable(ctx, -1); err != nil {
		return nil, nil, err
	}
	b = db.KV().NewBatchWithSize(size)
	return b, func(err error) error {
		db.writer.release()
		b.Close()
		return err
	}, nil
}

// finishBatch writes m/end_lsn and commits b, which holds the records
// first..end, as a transaction commits: applied (visible) under the
// writer lock, with the open tail the records leave (openFrom), which it
// releases, then made durable through the commit
// log, on the caller's goroutine when no flush is under way (a mirror
// hardening shipped log hands over to no other goroutine). Both LSN
// watches move to end. A full disk refuses the batch (the store stays
// healthy); a failed store returns its fault; a ctx that ends first
// leaves the batch applied and its fsync finishing behind.
// REQUIRES: the writer lock is held and the database is pinned.
func (db *DB) finishBatch(ctx context.Context, b *pebble.Batch, first, end txlog.LSN, schemaChanged bool, openFrom txlog.LSN) error {
	locked := true
	defer func() {
		if locked {
			db.writer.release()
		}
	}()
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], end)
	if err := b.Set(keys.MetaKey(MetaEndLSN), buf[:], nil); err != nil {
		b.Close()
		return err
	}
	st := db.Store()
	if f := st.CheckSpace(int64(len(b.Repr()))); f != nil {
		b.Close()
		return db.FaultError(f, "")
	}
	p := pendingCommits.Get().(*pendingCommit)
	p.db, p.st, p.lsn, p.start = db, st, end, time.Now()
	db.queued.Store(end)
	if err := st.Commit(b, first, end, p.onSyncedFn); err != nil {
		return db.FaultError(err, "")
	}
	db.applied.advance(end)
	if openFrom != db.OpenTxn() {
		db.setTail(openFrom)
	}
	if schemaChanged {
		db.schemaChanged()
	}
	db.writer.release()
	locked = false
	_, err := p.waitSynced(ctx)
	p.recycle()
	return err
}

// applyEnd applies b, which moves the end of log to end, durably on st
// and moves both LSN watches there. A full disk refuses it (the store
// stays healthy); a failed store returns its fault. b is consumed.
func (db *DB) applyEnd(ctx context.Context, st *Store, b *pebble.Batch, end txlog.LSN) error {
	if f := st.CheckSpace(int64(len(b.Repr()))); f != nil {
		b.Close()
		return db.FaultError(f, "")
	}
	if err := st.ResetCommitLog(ctx); err != nil { // the end moves other than by Commit
		b.Close()
		return db.FaultError(err, "")
	}
	if err := st.Apply(ctx, b); err != nil { // the store owns b now
		return db.FaultError(err, "")
	}
	db.applied.set(end)
	db.durable.set(end)
	db.settleSync(end)
	return nil
}
