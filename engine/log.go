package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/keys"
	"mirrordb/engine/txlog"
	"mirrordb/internal/stat"
	"mirrordb/sqlerr"
)

// The transaction log API. BACKUP LOG, RESTORE LOG and mirroring use these
// methods; nothing outside the engine touches l/ keys directly.

// EndLSN is the last LSN applied to the database (visible to readers).
func (d *Database) EndLSN() txlog.LSN { return d.applied.get() }

// DurableLSN is the last LSN known to be on disk; only records up to it may
// be shipped or acknowledged.
func (d *Database) DurableLSN() txlog.LSN { return d.durable.get() }

// WaitDurable blocks until the durable LSN exceeds after (or ctx ends) and
// returns it. The log shipper uses it to sleep until there is new log.
func (d *Database) WaitDurable(ctx context.Context, after txlog.LSN) (txlog.LSN, error) {
	return d.durable.wait(ctx, after)
}

// FirstLSN returns the oldest LSN still held in the log (0 when the log is
// empty, e.g. after truncation).
func (d *Database) FirstLSN() txlog.LSN {
	if !d.storage.Pin() {
		return 0
	}
	defer d.storage.Unpin()
	if st := d.storage.Store(); st != nil {
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
func (d *Database) ReadLog(from, to txlog.LSN, fn func(lsn txlog.LSN, rec []byte) error) error {
	if from > to {
		return nil
	}
	if !d.storage.Pin() {
		return sqlerr.New(911, d.Name())
	}
	defer d.storage.Unpin()
	if err := d.storage.Available(); err != nil {
		return err
	}
	it, err := d.storage.KV().NewIter(&pebble.IterOptions{LowerBound: keys.LogKey(from), UpperBound: keys.LogKey(to + 1)})
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
		return d.storage.ReadError(err)
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
func (d *Database) Redo(ctx context.Context, recs [][]byte) error {
	if !d.storage.Pin() {
		return sqlerr.New(911, d.Name())
	}
	defer d.storage.Unpin()
	if err := d.writer.acquire(ctx, -1); err != nil {
		return err
	}
	if err := d.storage.Available(); err != nil {
		d.writer.release()
		return err
	}
	// Each record goes in twice (its effects and itself): size the batch
	// once instead of letting it double its way up.
	size := 0
	for _, enc := range recs {
		size += 2*len(enc) + 64
	}
	b := d.storage.KV().NewBatchWithSize(size)
	fail := func(err error) error {
		d.writer.release()
		b.Close()
		return err
	}
	start := d.applied.get()
	end := start
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
		end = rec.LSN
		logBytes += int64(len(enc))
		records++
	}
	if end == start {
		return fail(nil)
	}
	err := d.finishBatch(ctx, b, end, schemaChanged)
	d.logBytes.Add(logBytes)
	if err == nil {
		d.noteWritten(records, int(logBytes))
	}
	return err
}

func (d *Database) noteWritten(records, size int) {
	d.written.records.Add(int64(records))
	d.written.bytes.Add(int64(size))
}

// LogWritten returns how many log records, and how many bytes of them,
// this database has appended since it was opened (its own commits and
// redone log): the counters behind the log generation and redo rates.
func (d *Database) LogWritten() (records, bytes int64) {
	return d.written.records.Load(), d.written.bytes.Load()
}

// LogRecordSize is the mean size of a log record written since open
// (0 before the first), for estimating queue sizes from LSN distances.
func (d *Database) LogRecordSize() float64 {
	records, bytes := d.LogWritten()
	if records == 0 {
		return 0
	}
	return float64(bytes) / float64(records)
}

// CommitLatency is the histogram of this database's commit times, from
// the log write to the acknowledgement.
func (d *Database) CommitLatency() *stat.Histogram { return &d.commitLatency }

// UndoTo rolls the database back to lsn by applying the before-images of
// every record after it, newest first, and removing those records from the
// log. A former principal uses it to return to the failover LSN (SPEC D3).
func (d *Database) UndoTo(ctx context.Context, lsn txlog.LSN) error {
	if !d.storage.Pin() {
		return sqlerr.New(911, d.Name())
	}
	defer d.storage.Unpin()
	if err := d.writer.acquire(ctx, -1); err != nil {
		return err
	}
	if err := d.storage.Available(); err != nil {
		d.writer.release()
		return err
	}
	b := d.storage.KV().NewBatch()
	fail := func(err error) error {
		d.writer.release()
		b.Close()
		return err
	}
	end := d.applied.get()
	if lsn >= end {
		return fail(nil)
	}
	var recs []*txlog.Record
	err := d.ReadLog(lsn+1, end, func(_ txlog.LSN, enc []byte) error {
		r, err := txlog.Decode(bytes.Clone(enc))
		recs = append(recs, r)
		return err
	})
	if errors.Is(err, txlog.ErrCorrupt) { // this database's own log is damaged
		return fail(d.storage.Corrupt(fmt.Errorf("undo to %d: %w", lsn, err)))
	}
	if err != nil {
		return fail(fmt.Errorf("undo to %d: %w", lsn, err))
	}
	schemaChanged := false
	for i := len(recs) - 1; i >= 0; i-- {
		ops := recs[i].Ops
		for j := len(ops) - 1; j >= 0; j-- {
			op := ops[j]
			if op.HadBefore {
				err = b.Set(op.Key, op.Before, nil)
			} else {
				err = b.Delete(op.Key, nil)
			}
			if err != nil {
				return fail(err)
			}
			schemaChanged = schemaChanged || bytes.HasPrefix(op.Key, keys.Schema)
		}
		if err := b.Delete(keys.LogKey(recs[i].LSN), nil); err != nil {
			return fail(err)
		}
	}
	return d.finishBatch(ctx, b, lsn, schemaChanged)
}

// finishBatch writes m/end_lsn, applies b durably, moves both LSN watches to
// end and releases the writer lock. A full disk refuses the batch (the
// store stays healthy); a failed store returns its fault.
// REQUIRES: the writer lock is held and the database is pinned.
func (d *Database) finishBatch(ctx context.Context, b *pebble.Batch, end txlog.LSN, schemaChanged bool) error {
	defer d.writer.release()
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], end)
	if err := b.Set(keys.MetaKey(metaEndLSN), buf[:], nil); err != nil {
		b.Close()
		return err
	}
	st := d.storage.Store()
	if f := st.CheckSpace(int64(len(b.Repr()))); f != nil {
		b.Close()
		return d.storage.FaultError(f, "")
	}
	if err := st.Apply(ctx, b); err != nil { // the store owns b now
		return d.storage.FaultError(err, "")
	}
	d.applied.set(end)
	d.durable.set(end)
	if schemaChanged {
		d.reloadSchema()
	}
	return nil
}

// LogHold is a reason to keep log records: it returns the oldest LSN its
// owner still needs (0: nothing) and the log_reuse_wait_desc to report
// while it blocks truncation (LOG_BACKUP, DATABASE_MIRRORING, ...).
type LogHold func() (need txlog.LSN, reason string)

type logHolds struct {
	mu    sync.Mutex
	holds map[string]LogHold
}

// SetLogHold registers (or with nil removes) a named reason to keep log.
func (d *Database) SetLogHold(name string, h LogHold) {
	lh := &d.logHolds
	lh.mu.Lock()
	defer lh.mu.Unlock()
	if lh.holds == nil {
		lh.holds = map[string]LogHold{}
	}
	if h == nil {
		delete(lh.holds, name)
		return
	}
	lh.holds[name] = h
}

// truncationPoint returns the highest LSN that may be removed from the log
// and the reason (log_reuse_wait_desc) when something holds log back.
func (d *Database) truncationPoint() (txlog.LSN, string) {
	cut := d.DurableLSN()
	reason := "NOTHING"
	lh := &d.logHolds
	lh.mu.Lock()
	names := make([]string, 0, len(lh.holds))
	for n := range lh.holds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		need, why := lh.holds[n]()
		if need > 0 && need-1 < cut {
			cut, reason = need-1, why
		}
	}
	lh.mu.Unlock()
	return cut, reason
}

// LogReuseWait is sys.databases.log_reuse_wait_desc: why log cannot be
// truncated right now (NOTHING when nothing holds it).
func (d *Database) LogReuseWait() string {
	_, reason := d.truncationPoint()
	return reason
}

// Checkpoint writes what the store holds in memory to its table files, as
// SQL Server's CHECKPOINT writes dirty pages, then truncates the log.
func (d *Database) Checkpoint(ctx context.Context) error {
	if err := d.storage.Available(); err != nil {
		return err
	}
	if f := d.storage.Store().CheckSpace(0); f != nil {
		return d.storage.FaultError(f, "")
	}
	if err := d.storage.Write(ctx, "flush", func(db *pebble.DB) error { return db.Flush() }); err != nil {
		return err
	}
	_, err := d.TruncateLog()
	return err
}

// TruncateLog removes log records up to the truncation point (CHECKPOINT).
// It returns the number of records removed.
func (d *Database) TruncateLog() (int, error) {
	if !d.storage.Pin() {
		return 0, sqlerr.New(911, d.Name())
	}
	defer d.storage.Unpin()
	if err := d.storage.Available(); err != nil {
		return 0, err
	}
	cut, _ := d.truncationPoint()
	first := d.FirstLSN()
	if first == 0 || cut < first {
		return 0, nil
	}
	size, _ := d.storage.KV().EstimateDiskUsage(keys.LogKey(first), keys.LogKey(cut+1))
	if err := d.storage.Write(context.Background(), "truncate", func(db *pebble.DB) error {
		return db.DeleteRange(keys.LogKey(first), keys.LogKey(cut+1), pebble.NoSync)
	}); err != nil {
		return 0, err
	}
	d.logBytes.Add(-int64(size))
	if d.logBytes.Load() < 0 {
		d.logBytes.Store(0)
	}
	return int(cut - first + 1), nil
}
