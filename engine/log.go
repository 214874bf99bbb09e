package engine

import (
	"context"
	"time"

	"mirrordb/engine/storage"
	"mirrordb/engine/txlog"
	"mirrordb/internal/stat"
)

// The transaction log API, offered on the Database to mirroring (the log
// shipper, the applier, the commit gate) and to monitoring: each method is
// its storage's (engine/storage), which documents it. The rest of
// storage's API (pins, the writer lock, transactions) is the engine's own.

// EndLSN is the last LSN applied to the database (visible to readers).
func (d *Database) EndLSN() txlog.LSN { return d.storage.EndLSN() }

// DurableLSN is the last LSN known to be on disk; only records up to it may
// be acknowledged.
func (d *Database) DurableLSN() txlog.LSN { return d.storage.DurableLSN() }

// WaitDurable blocks until the durable LSN exceeds after (or ctx ends) and
// returns it.
func (d *Database) WaitDurable(ctx context.Context, after txlog.LSN) (txlog.LSN, error) {
	return d.storage.WaitDurable(ctx, after)
}

// WaitEnd blocks until the end of log (applied, durable or not) exceeds
// after (or ctx ends) and returns it.
func (d *Database) WaitEnd(ctx context.Context, after txlog.LSN) (txlog.LSN, error) {
	return d.storage.WaitEnd(ctx, after)
}

// WALFlushStarted reports whether the WAL flush (write and fsync) that
// may cover lsn has started (storage/walflush.go).
func (d *Database) WALFlushStarted(lsn txlog.LSN) bool { return d.storage.WALFlushStarted(lsn) }

// WaitWALFlush waits until WALFlushStarted(lsn), expire fires or ctx ends.
func (d *Database) WaitWALFlush(ctx context.Context, lsn txlog.LSN, expire <-chan time.Time) {
	d.storage.WaitWALFlush(ctx, lsn, expire)
}

// LogReloads counts the stores reopened from the WAL after a failure.
func (d *Database) LogReloads() uint64 { return d.storage.Reloads() }

// SetOnLogReload installs (nil: removes) the function told of each reload
// and the end of log it found.
func (d *Database) SetOnLogReload(fn func(end txlog.LSN)) { d.storage.SetOnReload(fn) }

// FirstLSN is the oldest LSN still held in the log (0: the log is empty).
func (d *Database) FirstLSN() txlog.LSN { return d.storage.FirstLSN() }

// ReadLog calls fn for each log record with from ≤ LSN ≤ to, in order.
func (d *Database) ReadLog(from, to txlog.LSN, fn func(lsn txlog.LSN, rec []byte) error) error {
	return d.storage.ReadLog(from, to, fn)
}

// Redo applies encoded log records in one durable batch.
func (d *Database) Redo(ctx context.Context, recs [][]byte) error { return d.storage.Redo(ctx, recs) }

// UndoTo rolls the database back to lsn with the before-images of the
// records after it.
func (d *Database) UndoTo(ctx context.Context, lsn txlog.LSN) error {
	return d.storage.UndoTo(ctx, lsn)
}

// SetCommitGate installs (or, with nil, removes) the function every commit
// waits on before it is acknowledged.
func (d *Database) SetCommitGate(g storage.CommitGate) { d.storage.SetCommitGate(g) }

// SetLogHold registers (or with nil removes) a named reason to keep log.
func (d *Database) SetLogHold(name string, h storage.LogHold) { d.storage.SetLogHold(name, h) }

// LogReuseWait is sys.databases.log_reuse_wait_desc.
func (d *Database) LogReuseWait() string { return d.storage.LogReuseWait() }

// TruncateLog removes log records up to the truncation point.
func (d *Database) TruncateLog() (int, error) { return d.storage.TruncateLog() }

// Checkpoint flushes the store to its table files and truncates the log.
func (d *Database) Checkpoint(ctx context.Context) error { return d.storage.Checkpoint(ctx) }

// LogWritten returns how many log records, and bytes of them, the database
// appended since it was opened.
func (d *Database) LogWritten() (records, bytes int64) { return d.storage.LogWritten() }

// LogRecordSize is the mean size of a log record written since open.
func (d *Database) LogRecordSize() float64 { return d.storage.LogRecordSize() }

// CommitLatency is the histogram of the database's commit times.
func (d *Database) CommitLatency() *stat.Histogram { return d.storage.CommitLatency() }
