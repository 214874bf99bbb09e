package storage

import (
	"context"
	"sort"
	"sync"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/keys"
	"mirrordb/engine/txlog"
	"mirrordb/sqlerr"
)

// Log truncation. A log record is removed only once nothing needs it
// any more: each need is a named hold (the next log backup, the mirror, a
// backup in progress), and the oldest hold says why log is kept
// (sys.databases.log_reuse_wait_desc).

// LogHold is a reason to keep log records: it returns the oldest LSN its
// owner still needs (0: nothing) and the log_reuse_wait_desc to report
// while it blocks truncation (LOG_BACKUP, DATABASE_MIRRORING, ...).
type LogHold func() (need txlog.LSN, reason string)

type logHolds struct {
	mu    sync.Mutex
	holds map[string]LogHold
}

// SetLogHold registers (or with nil removes) a named reason to keep log.
func (db *DB) SetLogHold(name string, h LogHold) {
	lh := &db.logHolds
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
func (db *DB) truncationPoint() (txlog.LSN, string) {
	cut := db.DurableLSN()
	reason := "NOTHING"
	lh := &db.logHolds
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
func (db *DB) LogReuseWait() string {
	_, reason := db.truncationPoint()
	return reason
}

// Checkpoint writes what the store holds in memory to its table files, as
// SQL Server's CHECKPOINT writes dirty pages, then truncates the log.
func (db *DB) Checkpoint(ctx context.Context) error {
	if err := db.Available(); err != nil {
		return err
	}
	if f := db.Store().CheckSpace(0); f != nil {
		return db.FaultError(f, "")
	}
	if err := db.Write(ctx, "flush", func(kv *pebble.DB) error { return kv.Flush() }); err != nil {
		return err
	}
	_, err := db.TruncateLog()
	return err
}

// TruncateLog removes log records up to the truncation point (CHECKPOINT).
// It returns the number of records removed.
func (db *DB) TruncateLog() (int, error) {
	if !db.Pin() {
		return 0, sqlerr.New(911, db.Name())
	}
	defer db.Unpin()
	if err := db.Available(); err != nil {
		return 0, err
	}
	cut, _ := db.truncationPoint()
	first := db.FirstLSN()
	if first == 0 || cut < first {
		return 0, nil
	}
	size, _ := db.KV().EstimateDiskUsage(keys.LogKey(first), keys.LogKey(cut+1))
	if err := db.Write(context.Background(), "truncate", func(kv *pebble.DB) error {
		return kv.DeleteRange(keys.LogKey(first), keys.LogKey(cut+1), pebble.NoSync)
	}); err != nil {
		return 0, err
	}
	db.logBytes.Add(-int64(size))
	if db.logBytes.Load() < 0 {
		db.logBytes.Store(0)
	}
	return int(cut - first + 1), nil
}
