package storage

import (
	"context"
	"encoding/binary"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/vfs"

	"mirrordb/engine/keys"
	"mirrordb/engine/txlog"
	"mirrordb/internal/stat"
	"mirrordb/sqlerr"
)

// Config configures a database's storage (OpenDB).
type Config struct {
	// Dir is the database's directory; Name and ID name the database in
	// messages and errors.
	Dir  string
	Name string
	ID   int32
	// Create says whether the store may be created: a database of the
	// catalog must find its directory (a missing one is RECOVERY_PENDING,
	// not an empty database).
	Create bool
	// Cache, Logger and FS are those of every Store the database opens
	// (see Options).
	Cache  *pebble.Cache
	Logger *slog.Logger
	FS     vfs.FS
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Load reads what the owner keeps in memory from a freshly opened
	// store (its schema, its log-backup chain): at open and at every
	// recovery. An error leaves the database out of service.
	Load func(r pebble.Reader) error
	// SchemaChanged is called, under the writer lock, once a batch that
	// changed schema keys (s/) is applied: a commit, redo or undo.
	SchemaChanged func()
	// Failed is told, on a goroutine of its own, that a storage failure
	// took db out of service; the owner decides whether to retry Recover.
	Failed func(db *DB, f *Fault)
}

// DB is the storage of one database: its current Store, replaced when the
// database recovers from a storage failure, the pins that keep a Store
// open while statements use it, the database's health, its writer lock
// and transactions, and its log.
type DB struct {
	cfg Config
	// store is the open Store; it is replaced when the database recovers
	// from a storage failure (health.go), and nil while no store could be
	// opened.
	store atomic.Pointer[Store]
	// health is nil while the store serves; otherwise it holds the state a
	// storage failure put the database in (RECOVERY_PENDING, SUSPECT,
	// RECOVERING) and why.
	health atomic.Pointer[healthState]
	// recovering serialises recoveries (ALTER DATABASE SET ONLINE, the
	// automatic retry after a full disk).
	recovering sync.Mutex
	// failing serialises taking a failed store out of service (storeFailed
	// runs from the store's own goroutine, and from Recover when that
	// comes first).
	failing sync.Mutex

	// pins counts the statements and background work using the store;
	// close waits for them, and a store replaced after a failure is closed
	// only once no pin is left that may still hold it. A counter rather than
	// a RWMutex: pins nest (a pinned statement calls methods that pin).
	pinMu    sync.Mutex
	pinZero  *sync.Cond
	pins     int
	isClosed bool
	retired  []*Store
	// retiredSnaps are readers' snapshots of ended open tails (parts.go),
	// closed once no pin is left.
	retiredSnaps []*pebble.Snapshot
	parts        partState

	writer writerLock
	// applied is the last LSN applied (visible); durable the last LSN known
	// to be on disk. See commit.go.
	applied *lsnWatch
	durable *lsnWatch
	// queued is the last LSN handed to the store to apply; syncing the
	// last LSN a WAL flush has started to cover (walflush.go).
	queued  atomic.Uint64
	syncing *lsnWatch
	// logBytes approximates the size of the log records written since open
	// plus those present at open.
	logBytes atomic.Int64
	// written counts the log records and bytes appended since open
	// (commits and redo; truncation does not take them back).
	written struct{ records, bytes atomic.Int64 }
	// commitLatency times each commit from its log write to its
	// acknowledgement (fsync and, when mirrored, the commit gate).
	commitLatency stat.Histogram

	logHolds logHolds
	gateFunc atomic.Pointer[CommitGate]
	// reloads counts the stores reopened from the WAL by Recover;
	// onReload is told of each (log.go).
	reloads  atomic.Uint64
	onReload atomic.Pointer[func(txlog.LSN)]
}

// CloseTimeout bounds closing a store; a failed store may never close (see
// Store.Close).
const CloseTimeout = 10 * time.Second

// OpenDB opens the database's store in cfg.Dir and loads it. A store that
// cannot be opened, or whose contents cannot be read, leaves the database
// RECOVERY_PENDING or SUSPECT (health.go) and the error is returned with
// the DB, so that an instance can still start while RESTORE or CREATE
// DATABASE treat it as a failure.
func OpenDB(cfg Config) (*DB, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	db := &DB{cfg: cfg, writer: newWriterLock(), parts: partState{latch: newPartLatch()}, applied: newLSNWatch(0), durable: newLSNWatch(0), syncing: newLSNWatch(0)}
	db.pinZero = sync.NewCond(&db.pinMu)
	db.SetLogHold("ACTIVE_TRANSACTION", db.logHoldActiveTxn) // named to sort first: it wins a tie
	st, err := db.openStore(cfg.Create)
	if err == nil {
		if err = db.load(st); err != nil && healthFor(err) == Suspect {
			db.store.Store(st) // damaged but readable: DBCC CHECKDB can say what is wrong
		} else if err != nil {
			_ = st.Close(CloseTimeout)
		}
	}
	if err != nil {
		db.setHealth(healthFor(err), err)
		return db, err
	}
	db.store.Store(st)
	return db, nil
}

// openStore opens the directory as a store whose failures db handles
// (creating it if create).
func (db *DB) openStore(create bool) (*Store, error) {
	var st *Store
	st, err := Open(db.cfg.Dir, Options{Cache: db.cfg.Cache, Logger: db.cfg.Logger, FS: db.cfg.FS, MustExist: !create,
		OnFault: func(f *Fault) { db.storeFailed(st, f) }, OnWALFlush: db.walFlushStarts})
	return st, err
}

// load reads what the database needs in memory from a freshly opened
// store: the log positions, and what the owner keeps (Config.Load).
func (db *DB) load(st *Store) error {
	kv := st.DB()
	end, err := recoverEndLSN(kv)
	if err == nil {
		// A transaction written in parts that did not end: nothing of it
		// was acknowledged, and nobody may see it.
		end, _, err = undoOpenTail(kv, end)
	}
	if err == nil {
		db.endTail()
	}
	if err == nil && db.cfg.Load != nil {
		err = db.cfg.Load(kv)
	}
	if err != nil {
		return err
	}
	db.applied.set(end)
	db.durable.set(end)
	db.settleSync(end)
	db.logBytes.Store(0)
	if first := firstLSN(kv); first > 0 {
		if n, err := kv.EstimateDiskUsage(keys.LogKey(first), keys.LogKey(end+1)); err == nil {
			db.logBytes.Store(int64(n))
		}
	}
	return nil
}

// recoverEndLSN finds the last LSN: the larger of m/end_lsn and the last
// log key (they agree unless the log is empty after truncation).
func recoverEndLSN(kv *pebble.DB) (txlog.LSN, error) {
	var end txlog.LSN
	v, ok, err := ReadValue(kv, keys.MetaKey(MetaEndLSN))
	if err != nil {
		return 0, err
	}
	if ok && len(v) == 8 {
		end = binary.BigEndian.Uint64(v)
	}
	it, err := kv.NewIter(&pebble.IterOptions{LowerBound: keys.Log, UpperBound: keys.PrefixEnd(keys.Log)})
	if err != nil {
		return 0, err
	}
	if it.Last() {
		if lsn, ok := keys.LSNOfLogKey(it.Key()); ok && lsn > end {
			end = lsn
		}
	}
	return end, it.Close()
}

func (db *DB) schemaChanged() {
	if db.cfg.SchemaChanged != nil {
		db.cfg.SchemaChanged()
	}
}

// Name is the database's name; ID its id; Dir its directory.
func (db *DB) Name() string { return db.cfg.Name }
func (db *DB) ID() int32    { return db.cfg.ID }
func (db *DB) Dir() string  { return db.cfg.Dir }

// Get reads a key of the current store, copying the value; ok is false
// when the key does not exist (or the database has no store).
func (db *DB) Get(key []byte) (val []byte, ok bool, err error) {
	if !db.Pin() {
		return nil, false, sqlerr.New(911, db.Name())
	}
	defer db.Unpin()
	st := db.store.Load()
	if st == nil {
		return nil, false, db.Available()
	}
	val, ok, err = ReadValue(st.DB(), key)
	return val, ok, db.ReadError(err)
}

// Set writes a local or catalog key durably (nil deletes it).
func (db *DB) Set(key, value []byte) error {
	return db.Write(context.Background(), "write", func(kv *pebble.DB) error {
		if value == nil {
			return kv.Delete(key, pebble.Sync)
		}
		return kv.Set(key, value, pebble.Sync)
	})
}

// Write runs a durable write on the current store (Store.Write: it
// returns as soon as the store fails, whatever Pebble does), mapping a
// storage fault to the error a statement reports.
func (db *DB) Write(ctx context.Context, op string, fn func(kv *pebble.DB) error) error {
	if !db.Pin() {
		return sqlerr.New(911, db.Name())
	}
	defer db.Unpin()
	if err := db.Available(); err != nil {
		return err
	}
	return db.FaultError(db.store.Load().Write(ctx, op, fn), "")
}

// KV is the current Pebble store. REQUIRES: the database is pinned (a
// store replaced after a failure is closed once no pin is left), and the
// database is available (see Available): while no store could be opened
// there is none.
func (db *DB) KV() *pebble.DB { return db.store.Load().DB() }

// Store is the current Store, nil while none could be opened. REQUIRES:
// the database is pinned.
func (db *DB) Store() *Store { return db.store.Load() }

// ReadValue reads a key through any Pebble reader (DB, snapshot or indexed
// batch), copying the value. ok is false when the key does not exist.
func ReadValue(r pebble.Reader, key []byte) (val []byte, ok bool, err error) {
	v, closer, err := r.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	val = append([]byte{}, v...)
	return val, true, closer.Close()
}

// Pin keeps the store open until Unpin; false if the database is closed.
func (db *DB) Pin() bool {
	db.pinMu.Lock()
	defer db.pinMu.Unlock()
	if db.isClosed {
		return false
	}
	db.pins++
	return true
}

// Unpin releases a Pin.
func (db *DB) Unpin() {
	db.pinMu.Lock()
	db.pins--
	var retired []*Store
	var snaps []*pebble.Snapshot
	if db.pins == 0 {
		db.pinZero.Broadcast()
		retired, db.retired = db.retired, nil
		snaps, db.retiredSnaps = db.retiredSnaps, nil
	}
	db.pinMu.Unlock()
	for _, s := range snaps {
		_ = s.Close()
	}
	closeRetired(retired)
}

// Close waits for every pin to be released, then closes the store (and
// any failed one still waiting to be closed).
func (db *DB) Close() error {
	db.pinMu.Lock()
	if db.isClosed {
		db.pinMu.Unlock()
		return nil
	}
	db.isClosed = true
	for db.pins > 0 {
		db.pinZero.Wait()
	}
	retired := db.retired
	db.retired = nil
	snaps := db.retiredSnaps
	db.retiredSnaps = nil
	db.pinMu.Unlock()
	for _, s := range snaps {
		_ = s.Close()
	}
	if t := db.parts.tail.Swap(nil); t != nil && t.snap != nil {
		_ = t.snap.Close()
	}
	closeRetired(retired)
	st := db.store.Swap(nil)
	if st == nil {
		return nil
	}
	return st.Close(CloseTimeout)
}
