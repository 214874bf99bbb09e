package engine

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/catalog"
	"mirrordb/engine/storage"
	"mirrordb/engine/txlog"
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

// Database is one database of the instance: what SQL sees of it (its
// name, its state in the catalog, its schema, its mirroring role, the
// sessions using it) over its storage (engine/storage: the store, the
// writer lock and transactions, the log).
type Database struct {
	inst *Instance
	id   int32
	dir  string
	// storage is the database's store, pins, health, writer lock,
	// transactions and log (engine/storage).
	storage *storage.DB

	mu      sync.Mutex // guards name, state, created
	name    string
	state   DBState
	created time.Time

	chain chainState
	// backingUp is set while a BACKUP runs; a second one fails (3023).
	backingUp atomic.Bool

	schema atomic.Pointer[catalog.Schema]
	// limitFunc, when set, bounds what BACKUP LOG takes (mirroring).
	limitFunc atomic.Pointer[func() txlog.LSN]

	// users counts sessions whose current database this is (DROP DATABASE
	// refuses with 3702 while another session uses it).
	users atomic.Int32

	role mirrorRole
	// noQuorum closes a mirrored principal to users (955).
	noQuorum atomic.Bool
	// writerOwner is the session whose transaction holds the writer lock,
	// if a session's does.
	writerOwner atomic.Pointer[Session]
	// builds watches the indexes CREATE INDEX is building (index_build.go).
	builds buildWatch

	// rowCounts caches the tables' row counts for join planning (estimate.go).
	rowCounts rowCounts
}

// openDatabase opens the store at dir and loads its log positions and
// schema. A store that cannot be opened, or whose contents cannot be read,
// leaves the database RECOVERY_PENDING or SUSPECT (engine/storage) and the
// error is returned with it, so that the instance can still start while
// RESTORE or CREATE DATABASE treat it as a failure.
//
// create says whether the store may be created; a database of the
// catalog must find its directory (a missing one is RECOVERY_PENDING, not
// an empty database).
func (in *Instance) openDatabase(id int32, name, dir string, state DBState, created time.Time, create bool) (*Database, error) {
	d := &Database{inst: in, id: id, dir: dir, name: name, state: state, created: created}
	d.schema.Store(catalog.NewSchema())
	var err error
	d.storage, err = storage.OpenDB(storage.Config{Dir: dir, Name: name, ID: id, Create: create,
		Cache: in.cache, Logger: in.log, FS: in.cfg.StoreFS, Now: in.now, Load: d.load, SchemaChanged: d.reloadSchema,
		Failed: func(db *storage.DB, f *storage.Fault) { in.storeFailed(d, db, f) }})
	d.registerLogBackupHold()
	return d, err
}

// storeFailed is told that a storage failure took d out of service. After
// a full disk it retries recovery every second until the store reopens, or
// until someone else recovered it; master always retries: without it
// nobody can log in to say SET ONLINE.
func (in *Instance) storeFailed(d *Database, db *storage.DB, f *storage.Fault) {
	if f.Kind == storage.NoSpace || d == in.master {
		in.every(time.Second, func() bool {
			return db.Health() != storage.RecoveryPending || db.Recover() == nil
		})
	}
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
			return d.storage.FaultError(f, "")
		}
	}
	return sqlerr.New(823, f.OSError(), "read", max(f.Offset, 0), f.Path)
}

// load reads what the database keeps in memory from a freshly opened
// store: the schema and the log-backup chain (storage.Config.Load).
func (d *Database) load(r pebble.Reader) error {
	s, err := d.inst.loadSchema(r)
	if err != nil {
		return err
	}
	d.schema.Store(s)
	return d.loadChainFrom(r)
}

func (d *Database) reloadSchemaErr() error {
	s, err := d.inst.loadSchema(d.storage.Reader())
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
	switch d.storage.Health() {
	case storage.RecoveryPending:
		return StateRecoveryPending
	case storage.Suspect:
		return StateSuspect
	case storage.Recovering:
		return StateRecovering
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

// checkOpen reports whether user statements may use the database now.
func (d *Database) checkOpen() error {
	if err := d.storage.Available(); err != nil {
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

// close waits for every statement using the store, then closes it.
func (d *Database) close() error { return d.storage.Close() }
