package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/vfs"

	"mirrordb/engine/security"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// Config configures an instance.
type Config struct {
	// DataDir holds master/, one directory per database and backup/.
	DataDir string
	// ServerName is @@SERVERNAME.
	ServerName string
	// Logger receives structured logs (default: slog.Default()).
	Logger *slog.Logger
	// CheckpointInterval is how often logs are truncated (default 2 s).
	CheckpointInterval time.Duration
	// ListenAddr is the SQL listener's address (host:port), shown as the
	// TSQL endpoint in sys.tcp_endpoints.
	ListenAddr string
	// StoreFS is the file system the stores use (tests inject faults such
	// as a stalled fsync); default the operating system's.
	StoreFS vfs.FS
	// Now overrides the clock (tests); default time.Now.
	Now func() time.Time
}

// Version is the product version reported by @@VERSION and server_version.
const Version = "0.1.0"

// Instance is one server instance: the master catalog and its databases.
// It implements session.Backend.
type Instance struct {
	cfg      Config
	log      *slog.Logger
	lockFile *os.File
	cache    *pebble.Cache

	master *Database
	procs  procRegistry
	views  viewSet

	mu       sync.RWMutex
	dbs      map[string]*Database // lower-case name
	sessions map[uint32]*Session

	idOnce    sync.Once
	id        types.UUID
	epMu      sync.Mutex // serialises endpoint DDL
	secMu     sync.Mutex // serialises security catalog changes
	sec       atomic.Pointer[security.Catalog]
	mirroring atomic.Pointer[Mirroring]
	// schemaGen counts schema loads (see schemaGeneration).
	schemaGen atomic.Uint64
	plans     planCache // simple parameterization's plan cache (plancache.go)

	ctx       context.Context // ends when the instance closes
	stop      context.CancelFunc
	bgMu      sync.Mutex // guards bgStopped against wg.Add after close
	bgStopped bool
	stopping  atomic.Bool // BeginStop was called (stop.go)
	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// ErrDataDirInUse is returned when another process holds the data directory.
var ErrDataDirInUse = errors.New("data directory is in use by another mirrordb instance")

// Open starts an instance on cfg.DataDir, creating it if needed, and opens
// every database in its catalog.
func Open(cfg Config) (*Instance, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.CheckpointInterval <= 0 {
		cfg.CheckpointInterval = 2 * time.Second
	}
	// Database directories are swapped by RESTORE and named in the
	// catalog: keep every path absolute (a relative --data, the default
	// ./data, broke RESTORE DATABASE with Msg 3241).
	abs, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	cfg.DataDir = abs
	// <data>/backup holds relative TO DISK / FROM DISK paths (SPEC D8).
	if err := os.MkdirAll(filepath.Join(cfg.DataDir, "backup"), 0o755); err != nil {
		return nil, err
	}
	lock, err := lockDataDir(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	in := &Instance{cfg: cfg, log: cfg.Logger, lockFile: lock, cache: pebble.NewCache(blockCacheBytes + memtableRoomBytes),
		dbs: map[string]*Database{}, sessions: map[uint32]*Session{}, views: newViewSet()}
	in.ctx, in.stop = context.WithCancel(context.Background())
	ok := false
	defer func() {
		if !ok {
			in.closeStores()
		}
	}()
	in.master, err = in.openDatabase(masterID, "master", filepath.Join(cfg.DataDir, "master"), StateOnline, time.Time{}, true)
	if err != nil {
		return nil, err
	}
	descs, err := in.loadCatalog()
	if err != nil {
		return nil, err
	}
	in.finishInterruptedWork(descs)
	for _, desc := range descs {
		// A database that does not open stays RECOVERY_PENDING or
		// SUSPECT (engine/storage) and the instance starts without it.
		d, err := in.openDatabase(desc.ID, desc.Name, filepath.Join(cfg.DataDir, desc.Dir), desc.State, desc.Created, false)
		if err != nil {
			in.log.Error("database did not open", "db", desc.Name, "state", d.State().String(), "err", err)
		}
		in.dbs[strings.ToLower(desc.Name)] = d
	}
	if err := in.ensureMsdb(); err != nil { // systemdbs.go
		return nil, err
	}
	sec, err := in.loadSecurity() // made with sa on first start
	if err != nil {
		return nil, err
	}
	in.sec.Store(sec)
	in.registerRoleProcedures()
	in.registerIndexProcedures()
	in.registerRename()
	ok = true
	in.every(cfg.CheckpointInterval, in.checkpoint)
	in.nowAndEvery(cfg.CheckpointInterval, in.removeInterruptedIndexes) // index_recover.go
	in.log.Info("instance started", "data", cfg.DataDir, "server", cfg.ServerName, "databases", len(descs))
	return in, nil
}

// lockDataDir takes an exclusive advisory lock on <dir>/mirrordb.lock so
// that a second instance on the same directory fails at once.
func lockDataDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "mirrordb.lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		pid, _ := os.ReadFile(f.Name())
		f.Close()
		return nil, fmt.Errorf("%w: %s (lock held by pid %s)", ErrDataDirInUse, dir, strings.TrimSpace(string(pid)))
	}
	_ = f.Truncate(0)
	_, _ = fmt.Fprintf(f, "%d\n", os.Getpid())
	return f, nil
}

// Close stops the instance: it ends every session, then closes every store
// cleanly and releases the data directory. Closing twice is harmless.
func (in *Instance) Close() error {
	in.closeOnce.Do(func() { in.closeErr = in.close() })
	return in.closeErr
}

func (in *Instance) close() error {
	in.BeginStop()
	in.mu.RLock()
	sessions := make([]*Session, 0, len(in.sessions))
	for _, s := range in.sessions {
		sessions = append(sessions, s)
	}
	in.mu.RUnlock()
	for _, s := range sessions {
		s.Kill(sqlerr.New(6005))
	}
	in.bgMu.Lock()
	in.bgStopped = true
	in.bgMu.Unlock()
	in.stop()
	in.wg.Wait()
	err := in.closeStores()
	in.log.Info("instance stopped", "data", in.cfg.DataDir)
	return err
}

func (in *Instance) closeStores() error {
	var errs []error
	in.mu.Lock()
	for name, d := range in.dbs {
		errs = append(errs, d.close())
		delete(in.dbs, name)
	}
	in.mu.Unlock()
	if in.master != nil {
		errs = append(errs, in.master.close())
		in.master = nil
	}
	in.cache.Unref()
	if in.lockFile != nil {
		_ = syscall.Flock(int(in.lockFile.Fd()), syscall.LOCK_UN)
		in.lockFile.Close()
		in.lockFile = nil
	}
	return errors.Join(errs...)
}

// ServerName is @@SERVERNAME.
func (in *Instance) ServerName() string { return in.cfg.ServerName }

// DataDir is the instance's data directory.
func (in *Instance) DataDir() string { return in.cfg.DataDir }

// Logger returns the instance's logger.
func (in *Instance) Logger() *slog.Logger { return in.log }

func (in *Instance) now() time.Time {
	if in.cfg.Now != nil {
		return in.cfg.Now().UTC()
	}
	return time.Now().UTC()
}

// Database returns the database with the given name (case-insensitive),
// master included.
func (in *Instance) Database(name string) *Database {
	if strings.EqualFold(name, "master") {
		return in.master
	}
	in.mu.RLock()
	defer in.mu.RUnlock()
	return in.dbs[strings.ToLower(name)]
}

// DatabaseByID returns the database with the given id, or nil.
func (in *Instance) DatabaseByID(id int32) *Database {
	if id == masterID {
		return in.master
	}
	in.mu.RLock()
	defer in.mu.RUnlock()
	for _, d := range in.dbs {
		if d.id == id {
			return d
		}
	}
	return nil
}

// Databases returns master and every user database, ordered by id.
func (in *Instance) Databases() []*Database {
	in.mu.RLock()
	out := []*Database{in.master}
	for _, d := range in.dbs {
		out = append(out, d)
	}
	in.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// background runs fn on a goroutine of its own until the instance closes
// (fn's ctx ends then, and Close waits for fn to return).
func (in *Instance) background(fn func(ctx context.Context)) {
	in.bgMu.Lock()
	defer in.bgMu.Unlock()
	if in.bgStopped {
		return
	}
	in.wg.Add(1)
	go func() {
		defer in.wg.Done()
		fn(in.ctx)
	}()
}

// every runs fn every interval, on a goroutine of its own, until the
// instance closes or fn reports that it is done.
func (in *Instance) every(interval time.Duration, fn func() (done bool)) {
	in.repeat(interval, false, fn)
}

// nowAndEvery is every, with a first run at once rather than after the
// first interval: for work that a start found waiting.
func (in *Instance) nowAndEvery(interval time.Duration, fn func() (done bool)) {
	in.repeat(interval, true, fn)
}

func (in *Instance) repeat(interval time.Duration, now bool, fn func() (done bool)) {
	in.background(func(ctx context.Context) {
		if now && fn() {
			return
		}
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if fn() {
				return
			}
		}
	})
}

// checkpoint truncates every database's log, as SQL Server's automatic
// checkpoints do (every CheckpointInterval).
func (in *Instance) checkpoint() bool {
	for _, d := range in.Databases() {
		if d.storage.Available() != nil {
			continue // out of service: nothing to truncate
		}
		if _, err := d.TruncateLog(); err != nil && !sqlerr.Is(err, 911) {
			in.log.Warn("checkpoint", "db", d.Name(), "err", err)
		}
	}
	return false
}
