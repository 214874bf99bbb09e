package engine

import (
	"context"
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/keys"
	"mirrordb/engine/storage"
	"mirrordb/engine/txlog"
	"mirrordb/internal/stat"
	"mirrordb/sqlerr"
)

// DBState is a database's state (sys.databases.state).
type DBState int

const (
	StateOnline          DBState = 0
	StateRestoring       DBState = 1
	StateRecovering      DBState = 2
	StateRecoveryPending DBState = 3
	StateSuspect         DBState = 4
	StateEmergency       DBState = 5
	StateOffline         DBState = 6
)

var stateNames = map[DBState]string{
	StateOnline: "ONLINE", StateRestoring: "RESTORING", StateRecovering: "RECOVERING",
	StateRecoveryPending: "RECOVERY_PENDING", StateSuspect: "SUSPECT", StateEmergency: "EMERGENCY",
	StateOffline: "OFFLINE",
}

func (s DBState) String() string { return stateNames[s] }

// Database is one database of the instance: its own Pebble store, its
// writer lock, its log positions and its schema.
type Database struct {
	inst *Instance
	id   int32
	dir  string
	// store is the open Pebble store; it is replaced when the database
	// recovers from a storage failure (health.go), and nil while no store
	// could be opened.
	store atomic.Pointer[storage.Store]
	// health is nil while the store serves; otherwise it holds the state a
	// storage failure put the database in (RECOVERY_PENDING, SUSPECT,
	// RECOVERING) and why.
	health atomic.Pointer[healthState]
	// recovering serialises recoveries (ALTER DATABASE SET ONLINE, the
	// automatic retry after a full disk).
	recovering sync.Mutex

	mu      sync.Mutex // guards name, state, created
	name    string
	state   DBState
	created time.Time

	writer writerLock
	// applied is the last LSN applied (visible); durable the last LSN known
	// to be on disk. See commit.go.
	applied *lsnWatch
	durable *lsnWatch
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
	chain    chainState
	// backingUp is set while a BACKUP runs; a second one fails (3023).
	backingUp atomic.Bool

	schema   atomic.Pointer[schemaSet]
	gateFunc atomic.Pointer[CommitGate]
	// limitFunc, when set, bounds what BACKUP LOG takes (mirroring).
	limitFunc atomic.Pointer[func() txlog.LSN]

	// pins counts the statements and background work using the store;
	// close waits for them, and a store replaced after a failure is closed
	// only once no pin is left that may still hold it. A counter rather than
	// a RWMutex: pins nest (a pinned statement calls methods that pin).
	pinMu    sync.Mutex
	pinZero  *sync.Cond
	pins     int
	isClosed bool
	retired  []*storage.Store

	// users counts sessions whose current database this is (DROP DATABASE
	// refuses with 3702 while another session uses it).
	users atomic.Int32

	role mirrorRole
	// noQuorum closes a mirrored principal to users (955).
	noQuorum atomic.Bool
	// writerOwner is the session whose transaction holds the writer lock,
	// if a session's does.
	writerOwner atomic.Pointer[Session]
}

// openDatabase opens the store at dir and recovers the log positions and
// schema. A store that cannot be opened, or whose contents cannot be read,
// leaves the database RECOVERY_PENDING or SUSPECT (health.go) and the error
// is returned with it, so that the instance can still start while RESTORE
// or CREATE DATABASE treat it as a failure.
//
// create says whether the store may be created; a database of the
// catalog must find its directory (a missing one is RECOVERY_PENDING, not
// an empty database).
func (in *Instance) openDatabase(id int32, name, dir string, state DBState, created time.Time, create bool) (*Database, error) {
	d := &Database{inst: in, id: id, dir: dir, name: name, state: state, created: created, writer: newWriterLock(),
		applied: newLSNWatch(0), durable: newLSNWatch(0)}
	d.pinZero = sync.NewCond(&d.pinMu)
	d.schema.Store(&schemaSet{byName: map[string]*TableDef{}, byID: map[uint32]*TableDef{}})
	d.registerLogBackupHold()
	st, err := in.openStore(d, create)
	if err == nil {
		if err = d.load(st); err != nil && healthFor(err) == StateSuspect {
			d.store.Store(st) // damaged but readable: DBCC CHECKDB can say what is wrong
		} else if err != nil {
			_ = st.Close(storeCloseTimeout)
		}
	}
	if err != nil {
		d.setHealth(healthFor(err), err)
		return d, err
	}
	d.store.Store(st)
	return d, nil
}

// openStore opens d's directory as a store whose failures d handles
// (creating it if create).
func (in *Instance) openStore(d *Database, create bool) (*storage.Store, error) {
	var st *storage.Store
	st, err := storage.Open(d.dir, storage.Options{Cache: in.cache, Logger: in.log, FS: in.cfg.StoreFS, MustExist: !create,
		OnFault: func(f *storage.Fault) { d.storeFailed(st, f) }})
	return st, err
}

// load reads what the database needs in memory from a freshly opened
// store: the log positions, the schema, the log-backup chain.
func (d *Database) load(st *storage.Store) error {
	kv := st.DB()
	end, err := recoverEndLSN(kv)
	if err == nil {
		var s *schemaSet
		if s, err = loadSchema(kv); err == nil {
			d.schema.Store(s)
			err = d.loadChainFrom(kv)
		}
	}
	if err != nil {
		return err
	}
	d.applied.set(end)
	d.durable.set(end)
	d.logBytes.Store(0)
	if first := firstLSN(kv); first > 0 {
		if n, err := kv.EstimateDiskUsage(keys.LogKey(first), keys.LogKey(end+1)); err == nil {
			d.logBytes.Store(int64(n))
		}
	}
	return nil
}

// get reads a key of the current store, copying the value; ok is false
// when the key does not exist (or the database has no store).
func (d *Database) get(key []byte) (val []byte, ok bool, err error) {
	if !d.pin() {
		return nil, false, sqlerr.New(911, d.Name())
	}
	defer d.unpin()
	st := d.store.Load()
	if st == nil {
		return nil, false, d.available()
	}
	val, ok, err = getValue(st.DB(), key)
	return val, ok, d.readErr(err)
}

// set writes a local or catalog key durably (nil deletes it).
func (d *Database) set(key, value []byte) error {
	return d.write(context.Background(), "write", func(db *pebble.DB) error {
		if value == nil {
			return db.Delete(key, pebble.Sync)
		}
		return db.Set(key, value, pebble.Sync)
	})
}

// write runs a durable write on the current store (storage.Store.Write:
// it returns as soon as the store fails, whatever Pebble does), mapping a
// storage fault to the error a statement reports.
func (d *Database) write(ctx context.Context, op string, fn func(db *pebble.DB) error) error {
	if !d.pin() {
		return sqlerr.New(911, d.Name())
	}
	defer d.unpin()
	if err := d.available(); err != nil {
		return err
	}
	return d.faultError(d.store.Load().Write(ctx, op, fn), "")
}

// kv is the current Pebble store. REQUIRES: the database is pinned (a
// store replaced after a failure is closed once no pin is left), and the
// database is available (see available): while no store could be opened
// there is none.
func (d *Database) kv() *pebble.DB { return d.store.Load().DB() }

// recoverEndLSN finds the last LSN: the larger of m/end_lsn and the last
// log key (they agree unless the log is empty after truncation).
func recoverEndLSN(kv *pebble.DB) (txlog.LSN, error) {
	var end txlog.LSN
	v, ok, err := getValue(kv, keys.MetaKey(metaEndLSN))
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

func (d *Database) reloadSchemaErr() error {
	s, err := loadSchema(d.kv())
	if err != nil {
		return err
	}
	d.schema.Store(s)
	return nil
}

// reloadSchema refreshes the committed schema after DDL was applied.
// REQUIRES: the writer lock is held (or the database is being opened).
func (d *Database) reloadSchema() {
	if err := d.reloadSchemaErr(); err != nil {
		d.inst.log.Error("reload schema", "db", d.Name(), "err", err)
	}
}

// Name returns the database's current name.
func (d *Database) Name() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.name
}

// ID returns the database id (sys.databases.database_id).
func (d *Database) ID() int32 { return d.id }

// State returns the database state (sys.databases.state): the state a
// storage failure put it in, if any, else the state kept in the catalog.
func (d *Database) State() DBState {
	if h := d.health.Load(); h != nil {
		return h.state
	}
	return d.storedState()
}

// storedState is the state kept in the catalog (ONLINE, RESTORING,
// OFFLINE...), whatever a storage failure does meanwhile.
func (d *Database) storedState() DBState {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.state
}

// Created returns the creation time.
func (d *Database) Created() time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.created
}

// SetCommitGate installs (or, with nil, removes) the function every commit
// waits on before it is acknowledged.
func (d *Database) SetCommitGate(g CommitGate) {
	if g == nil {
		d.gateFunc.Store(nil)
		return
	}
	d.gateFunc.Store(&g)
}

// SetBackupLimit installs (or, with nil, removes) the function that says
// up to which LSN a log backup may go: mirroring keeps log that a failover
// could still undo out of log backups.
func (d *Database) SetBackupLimit(limit func() txlog.LSN) {
	if limit == nil {
		d.limitFunc.Store(nil)
		return
	}
	d.limitFunc.Store(&limit)
}

// backupLimit is the highest LSN a log backup may take (no limit:
// txlog.LSN's maximum).
func (d *Database) backupLimit() txlog.LSN {
	if p := d.limitFunc.Load(); p != nil {
		return (*p)()
	}
	return ^txlog.LSN(0)
}

func (d *Database) gate() CommitGate {
	if p := d.gateFunc.Load(); p != nil {
		return *p
	}
	return nil
}

// checkOpen reports whether user statements may use the database now.
func (d *Database) checkOpen() error {
	if err := d.available(); err != nil {
		return err
	}
	if d.IsMirror() {
		return sqlerr.New(954, d.Name())
	}
	if d.noQuorum.Load() {
		return sqlerr.New(955, d.Name())
	}
	switch st := d.State(); st {
	case StateOnline:
		return nil
	case StateRestoring:
		return sqlerr.New(927, d.Name())
	case StateOffline:
		return sqlerr.New(942, d.Name())
	default:
		return sqlerr.New(952, d.Name())
	}
}

// pin keeps the store open until unpin; false if the database is closed.
func (d *Database) pin() bool {
	d.pinMu.Lock()
	defer d.pinMu.Unlock()
	if d.isClosed {
		return false
	}
	d.pins++
	return true
}

func (d *Database) unpin() {
	d.pinMu.Lock()
	d.pins--
	var retired []*storage.Store
	if d.pins == 0 {
		d.pinZero.Broadcast()
		retired, d.retired = d.retired, nil
	}
	d.pinMu.Unlock()
	closeRetired(retired)
}

// close waits for every pin to be released, then closes the store (and
// any failed one still waiting to be closed).
func (d *Database) close() error {
	d.pinMu.Lock()
	if d.isClosed {
		d.pinMu.Unlock()
		return nil
	}
	d.isClosed = true
	for d.pins > 0 {
		d.pinZero.Wait()
	}
	retired := d.retired
	d.retired = nil
	d.pinMu.Unlock()
	closeRetired(retired)
	st := d.store.Swap(nil)
	if st == nil {
		return nil
	}
	return st.Close(storeCloseTimeout)
}
