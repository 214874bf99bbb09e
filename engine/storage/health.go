package storage

import (
	"errors"
	"time"

	"github.com/cockroachdb/pebble"

	"mirrordb/sqlerr"
)

// Storage failures and recovery
//
// A database whose store fails (a failed WAL write or fsync, corruption
// read back, a full disk under Pebble's WAL) leaves service at once and
// shows why in sys.databases:
//
//   - RECOVERY_PENDING after a full disk or an I/O error: the store could
//     not continue. Users get Msg 945. After a full disk the database
//     retries by itself every second and is ONLINE again as soon as space
//     returns; after an I/O error it waits for a DBA (ALTER DATABASE ...
//     SET ONLINE, or a restart), because the disk needs looking at first.
//     The owner decides which (Config.Failed).
//   - SUSPECT after corruption: users get Msg 926; DBCC CHECKDB reports
//     what is damaged; SET ONLINE (or RESTORE) brings it back.
//   - RECOVERING while a recovery runs (Msg 952).
//
// Recovery opens the directory as a new store, which replays the WAL:
// exactly what was durable comes back, never what only reached the page
// cache. A commit that failed was never acknowledged; the next commit may
// reuse its LSN. The old store is fenced by then and closed once no pin
// that may hold it is left.
//
// A full disk rarely gets that far: commits are refused beforehand with
// Msg 1105 (or 9002 when log retention is what fills it) while free space
// is short, the transaction rolls back, and writes succeed again as soon
// as space returns, with no state change at all.

// Health says whether a database's store serves, and if not, why.
type Health int

const (
	// Serving: the store serves (the database's state is what its catalog
	// says).
	Serving Health = iota
	// RecoveryPending: a full disk or an I/O error stopped the store.
	RecoveryPending
	// Suspect: corruption was found.
	Suspect
	// Recovering: a recovery is reopening the store.
	Recovering
)

// String is the state's name in sys.databases.state_desc.
func (h Health) String() string {
	return [...]string{"ONLINE", "RECOVERY_PENDING", "SUSPECT", "RECOVERING"}[h]
}

// healthState is why a database is out of service.
type healthState struct {
	health Health
	fault  *Fault // nil when the cause was not a storage fault
	err    error
	since  time.Time
}

// healthFor is the state an error leaves a database in.
func healthFor(err error) Health {
	var f *Fault
	if errors.As(err, &f) && f.Kind == Corruption || pebble.IsCorruptionError(err) {
		return Suspect
	}
	return RecoveryPending
}

// Health says whether the store serves.
func (db *DB) Health() Health {
	if h := db.health.Load(); h != nil {
		return h.health
	}
	return Serving
}

// setHealth takes the database out of service in state h (or, with
// Serving, back in).
func (db *DB) setHealth(h Health, err error) {
	if h == Serving {
		db.health.Store(nil)
		return
	}
	hs := &healthState{health: h, err: err, since: db.cfg.Now()}
	errors.As(err, &hs.fault)
	db.health.Store(hs)
}

// Available reports whether the store serves: nil, or the error users get.
func (db *DB) Available() error {
	h := db.health.Load()
	if h == nil {
		return nil
	}
	switch h.health {
	case Suspect:
		return sqlerr.New(926, db.Name())
	case Recovering:
		return sqlerr.New(952, db.Name())
	}
	return sqlerr.New(945, db.Name())
}

// storeFailed is told (on a goroutine of its own) that st failed with f;
// Recover may get there first. Each failure is handled once.
func (db *DB) storeFailed(st *Store, f *Fault) {
	db.failing.Lock()
	defer db.failing.Unlock()
	if db.store.Load() != st {
		return // a store already replaced, or one that never served
	}
	if h := db.health.Load(); h != nil && h.fault == f {
		return // taken out of service already (by Recover)
	}
	h := healthFor(f)
	db.setHealth(h, f)
	db.cfg.Logger.Error("database taken out of service by a storage failure", "db", db.Name(), "state", h.String(),
		"kind", f.Kind.String(), "op", f.Op, "file", f.Path, "err", f.Err)
	if db.cfg.Failed != nil {
		db.cfg.Failed(db, f)
	}
}

// Recover reopens a database that a storage failure took out of service
// (ALTER DATABASE ... SET ONLINE, the automatic retry after a full disk):
// the WAL is replayed into a new store, and the database is ONLINE again
// if that works. A database in service is left alone.
func (db *DB) Recover() error {
	db.recovering.Lock()
	defer db.recovering.Unlock()
	h := db.health.Load()
	if h == nil {
		// A store that has just failed is taken out of service on a
		// goroutine of its own, and its client may have the error before
		// that has run: a SET ONLINE sent at once must not be a no-op.
		if st := db.store.Load(); st != nil && st.Fault() != nil {
			db.storeFailed(st, st.Fault())
			h = db.health.Load()
		}
		if h == nil {
			return nil
		}
	}
	if !db.Pin() {
		return sqlerr.New(911, db.Name())
	}
	defer db.Unpin()
	db.setHealth(Recovering, h.err)
	if old := db.store.Load(); old != nil && old.Fault() == nil {
		// Damage found above the store (a row that does not decode): the
		// store itself still runs and holds the directory.
		old.Retire(errors.New("the database is being recovered"))
	}
	db.reloads.Add(1) // before load: see Reloads
	var err error
	if old := db.store.Load(); old != nil {
		// Its writes that passed the fence must end before the directory
		// has a new owner (fs.go).
		err = old.fs.awaitDrained(CloseTimeout)
	}
	var st *Store
	if err == nil {
		st, err = db.openStore(false)
	}
	if err == nil {
		if err = db.load(st); err != nil {
			_ = st.Close(CloseTimeout)
		}
	}
	if err != nil {
		db.setHealth(healthFor(err), err)
		db.cfg.Logger.Warn("database recovery failed", "db", db.Name(), "err", err)
		return err
	}
	if f := db.onReload.Load(); f != nil {
		(*f)(db.EndLSN()) // before the store takes commits again
	}
	if old := db.store.Swap(st); old != nil {
		db.retire(old)
	}
	db.setHealth(Serving, nil)
	db.cfg.Logger.Info("database recovered from its log and back in service", "db", db.Name(), "end_lsn", db.EndLSN(),
		"was", h.health.String())
	return nil
}

// retire closes a replaced store once no pin that may hold it is left.
// REQUIRES: the caller holds a pin (so the close happens at its unpin at
// the latest).
func (db *DB) retire(st *Store) {
	db.pinMu.Lock()
	db.retired = append(db.retired, st)
	db.pinMu.Unlock()
}

func closeRetired(stores []*Store) {
	for _, st := range stores {
		go func() { _ = st.Close(CloseTimeout) }()
	}
}

// markSuspect takes a database whose data was found corrupt out of
// service: serving rows from a damaged store is worse than serving none.
func (db *DB) markSuspect(f *Fault) {
	if h := db.health.Load(); h != nil && h.health == Suspect {
		return
	}
	db.setHealth(Suspect, f)
	db.cfg.Logger.Error("database marked SUSPECT: corruption found", "db", db.Name(), "file", f.Path, "err", f.Err)
}
