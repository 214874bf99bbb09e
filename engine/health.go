package engine

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"time"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/storage"
	"mirrordb/sqlerr"
)

// Storage failures and recovery
//
// A database whose store fails (engine/storage: a failed WAL write or
// fsync, corruption read back, a full disk under Pebble's WAL) leaves
// service at once and shows why in sys.databases:
//
//   - RECOVERY_PENDING after a full disk or an I/O error: the store could
//     not continue. Users get Msg 945. After a full disk the database
//     retries by itself every second and is ONLINE again as soon as space
//     returns; after an I/O error it waits for a DBA (ALTER DATABASE ...
//     SET ONLINE, or a restart), because the disk needs looking at first.
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

// healthState is why a database is out of service.
type healthState struct {
	state DBState
	fault *storage.Fault // nil when the cause was not a storage fault
	err   error
	since time.Time
}

// storeCloseTimeout bounds closing a store; a failed store may never
// close (see storage.Store.Close).
const storeCloseTimeout = 10 * time.Second

// healthFor is the state an error leaves a database in.
func healthFor(err error) DBState {
	var f *storage.Fault
	if errors.As(err, &f) && f.Kind == storage.Corruption || pebble.IsCorruptionError(err) {
		return StateSuspect
	}
	return StateRecoveryPending
}

// setHealth takes the database out of service in state st (or, with
// StateOnline, back in).
func (d *Database) setHealth(st DBState, err error) {
	if st == StateOnline {
		d.health.Store(nil)
		return
	}
	h := &healthState{state: st, err: err, since: d.inst.now()}
	errors.As(err, &h.fault)
	d.health.Store(h)
}

// available reports whether the store serves: nil, or the error users get.
func (d *Database) available() error {
	h := d.health.Load()
	if h == nil {
		return nil
	}
	switch h.state {
	case StateSuspect:
		return sqlerr.New(926, d.Name())
	case StateRecovering:
		return sqlerr.New(952, d.Name())
	}
	return sqlerr.New(945, d.Name())
}

// storeFailed is told (on a goroutine of its own) that st failed with f.
func (d *Database) storeFailed(st *storage.Store, f *storage.Fault) {
	if d.store.Load() != st {
		return // a store already replaced, or one that never served
	}
	st2 := healthFor(f)
	d.setHealth(st2, f)
	d.inst.log.Error("database taken out of service by a storage failure", "db", d.Name(), "state", st2.String(),
		"kind", f.Kind.String(), "op", f.Op, "file", f.Path, "err", f.Err)
	if f.Kind == storage.NoSpace || d == d.inst.master {
		// Back online as soon as the store reopens: tried every second
		// until then, or until someone else recovered it. Master always
		// retries: without it nobody can log in to say SET ONLINE.
		d.inst.every(time.Second, func() bool {
			h := d.health.Load()
			return h == nil || h.state != StateRecoveryPending || d.Recover() == nil
		})
	}
}

// Recover reopens a database that a storage failure took out of service
// (ALTER DATABASE ... SET ONLINE, the automatic retry after a full disk):
// the WAL is replayed into a new store, and the database is ONLINE again
// if that works. A database in service is left alone.
func (d *Database) Recover() error {
	d.recovering.Lock()
	defer d.recovering.Unlock()
	h := d.health.Load()
	if h == nil {
		return nil
	}
	if !d.pin() {
		return sqlerr.New(911, d.Name())
	}
	defer d.unpin()
	d.setHealth(StateRecovering, h.err)
	if old := d.store.Load(); old != nil && old.Fault() == nil {
		// Damage found above the store (a row that does not decode): the
		// store itself still runs and holds the directory.
		old.Retire(errors.New("the database is being recovered"))
	}
	st, err := d.inst.openStore(d, false)
	if err == nil {
		if err = d.load(st); err != nil {
			_ = st.Close(storeCloseTimeout)
		}
	}
	if err != nil {
		d.setHealth(healthFor(err), err)
		d.inst.log.Warn("database recovery failed", "db", d.Name(), "err", err)
		return err
	}
	if old := d.store.Swap(st); old != nil {
		d.retire(old)
	}
	d.setHealth(StateOnline, nil)
	d.inst.log.Info("database recovered from its log and back in service", "db", d.Name(), "end_lsn", d.EndLSN(),
		"was", h.state.String())
	return nil
}

// retire closes a replaced store once no pin that may hold it is left.
// REQUIRES: the caller holds a pin (so the close happens at its unpin at
// the latest).
func (d *Database) retire(st *storage.Store) {
	d.pinMu.Lock()
	d.retired = append(d.retired, st)
	d.pinMu.Unlock()
}

func closeRetired(stores []*storage.Store) {
	for _, st := range stores {
		go func() { _ = st.Close(storeCloseTimeout) }()
	}
}

// faultError is the error a statement reports for a storage fault on d.
// object names what was being written, for Msg 1105.
func (d *Database) faultError(err error, object string) error {
	var f *storage.Fault
	if !errors.As(err, &f) {
		if pebble.IsCorruptionError(err) {
			f = &storage.Fault{Kind: storage.Corruption, Op: "read", Offset: -1, Err: err}
		} else {
			return err
		}
	}
	switch f.Kind {
	case storage.NoSpace:
		if reason := d.LogReuseWait(); reason != "NOTHING" {
			return sqlerr.New(9002, d.Name(), reason)
		}
		if object == "" {
			object = d.Name()
		}
		return sqlerr.New(1105, object, d.Name(), "PRIMARY")
	case storage.Corruption:
		d.markSuspect(f)
		e := sqlerr.New(824, describeFault(f), d.id, fileOf(d, f))
		e.Fatal = true
		return e
	}
	op := "write"
	if f.Op == "read" || f.Op == "open" {
		op = "read"
	}
	e := sqlerr.New(823, osError(f), op, max(f.Offset, 0), fileOf(d, f))
	e.Fatal = true
	return e
}

// storageError maps a storage fault that reached a statement's end
// without being mapped (a panic out of Pebble, a read deep in an
// expression) to the error of the database it belongs to.
func (in *Instance) storageError(err error) error {
	var f *storage.Fault
	if !errors.As(err, &f) {
		return err
	}
	for _, d := range in.Databases() {
		if d.dir == f.Store {
			return d.faultError(f, "")
		}
	}
	return sqlerr.New(823, osError(f), "read", max(f.Offset, 0), f.Path)
}

// markSuspect takes a database whose data was found corrupt out of
// service: serving rows from a damaged store is worse than serving none.
func (d *Database) markSuspect(f *storage.Fault) {
	if h := d.health.Load(); h != nil && h.state == StateSuspect {
		return
	}
	d.setHealth(StateSuspect, f)
	d.inst.log.Error("database marked SUSPECT: corruption found", "db", d.Name(), "file", f.Path, "err", f.Err)
}

// readErr maps an error met while reading d: corruption and I/O errors
// become 824 and 823 (corruption also marks the database SUSPECT);
// anything else passes through.
func (d *Database) readErr(err error) error {
	if err == nil || (!storage.IsFault(err) && !pebble.IsCorruptionError(err)) {
		return err
	}
	return d.faultError(err, "")
}

func fileOf(d *Database, f *storage.Fault) string {
	if f.Path != "" {
		return f.Path
	}
	return d.dir
}

// osError renders an I/O fault's cause as SQL Server does: "5(Input/output
// error)".
func osError(f *storage.Fault) string {
	if n := f.Errno(); n != 0 {
		return fmt.Sprintf("%d(%s)", int(n), upperFirst(n.Error()))
	}
	return "0(" + f.Err.Error() + ")"
}

func describeFault(f *storage.Fault) string {
	if f.Err == nil {
		return "checksum mismatch"
	}
	msg := f.Err.Error()
	if f.Errno() == syscall.EIO {
		return "I/O error"
	}
	return msg
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
