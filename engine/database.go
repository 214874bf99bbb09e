package engine

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/keys"
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
	kv   *pebble.DB

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

	// life guards the store against being closed while in use: statements
	// and background work pin the database (read lock); close takes the
	// write lock.
	life     sync.RWMutex
	isClosed bool

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
// schema.
func (in *Instance) openDatabase(id int32, name, dir string, state DBState, created time.Time) (*Database, error) {
	kv, err := openStore(dir, in.cache, in.log, in.cfg.StoreFS)
	if err != nil {
		return nil, err
	}
	d := &Database{inst: in, id: id, dir: dir, kv: kv, name: name, state: state, created: created, writer: newWriterLock()}
	end, err := recoverEndLSN(kv)
	if err != nil {
		kv.Close()
		return nil, err
	}
	d.applied = newLSNWatch(end)
	d.durable = newLSNWatch(end)
	if err := d.reloadSchemaErr(); err != nil {
		kv.Close()
		return nil, err
	}
	if err := d.loadChain(); err != nil {
		kv.Close()
		return nil, err
	}
	d.registerLogBackupHold()
	first := d.FirstLSN()
	if first > 0 {
		if n, err := kv.EstimateDiskUsage(keys.LogKey(first), keys.LogKey(end+1)); err == nil {
			d.logBytes.Store(int64(n))
		}
	}
	return d, nil
}

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
	s, err := loadSchema(d.kv)
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

// State returns the database state.
func (d *Database) State() DBState {
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

func (d *Database) gate() CommitGate {
	if p := d.gateFunc.Load(); p != nil {
		return *p
	}
	return nil
}

// checkOpen reports whether user statements may use the database now.
func (d *Database) checkOpen() error {
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

// pin keeps the store open until unpin; false if it is already closed.
func (d *Database) pin() bool {
	d.life.RLock()
	if d.isClosed {
		d.life.RUnlock()
		return false
	}
	return true
}

func (d *Database) unpin() { d.life.RUnlock() }

// close waits for every pin to be released, then closes the store.
func (d *Database) close() error {
	d.life.Lock()
	defer d.life.Unlock()
	if d.isClosed {
		return nil
	}
	d.isClosed = true
	return d.kv.Close()
}
