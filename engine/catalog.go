package engine

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/backup"
	"mirrordb/engine/keys"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// The instance catalog lives in master's store under c/ keys: one JSON
// descriptor per user database and the next database id. (master's own
// tables, if a user creates any, live under its t/ keys like any database.)

const masterID int32 = 1

// firstUserDBID is where user database ids start, as in SQL Server (ids 2–4
// belong to tempdb, model and msdb there).
const firstUserDBID int32 = 5

var (
	catalogDBPrefix = []byte("c/db/")
	catalogNextID   = []byte("c/next_db_id")
)

// dbDescriptor is a user database's entry in the catalog.
type dbDescriptor struct {
	ID      int32     `json:"id"`
	Name    string    `json:"name"`
	Dir     string    `json:"dir"` // relative to the data directory
	State   DBState   `json:"state"`
	Created time.Time `json:"created"`
}

func catalogKey(name string) []byte {
	return append(append([]byte{}, catalogDBPrefix...), strings.ToLower(name)...)
}

func (in *Instance) loadCatalog() ([]dbDescriptor, error) {
	it, err := in.master.storage.KV().NewIter(&pebble.IterOptions{LowerBound: catalogDBPrefix, UpperBound: keys.PrefixEnd(catalogDBPrefix)})
	if err != nil {
		return nil, err
	}
	var out []dbDescriptor
	for it.First(); it.Valid(); it.Next() {
		var d dbDescriptor
		if err := json.Unmarshal(it.Value(), &d); err != nil {
			it.Close()
			return nil, fmt.Errorf("catalog entry %s: %w", it.Key(), err)
		}
		out = append(out, d)
	}
	return out, it.Close()
}

// saveDescriptor writes a database's catalog entry durably.
func (in *Instance) saveDescriptor(d *Database) error {
	return in.saveDescriptorAs(dbDescriptor{ID: d.id, Name: d.Name(), Dir: filepath.Base(d.dir), State: d.storedState(), Created: d.Created()})
}

func (in *Instance) saveDescriptorAs(desc dbDescriptor) error {
	b, _ := json.Marshal(desc)
	return in.master.storage.Set(catalogKey(desc.Name), b)
}

// allocateDBID returns the next database id.
// REQUIRES: in.mu is held for writing.
func (in *Instance) allocateDBID() (int32, error) {
	id := firstUserDBID
	v, ok, err := in.master.storage.Get(catalogNextID)
	if err != nil {
		return 0, err
	}
	if ok && len(v) == 4 {
		id = int32(binary.BigEndian.Uint32(v))
	}
	var buf [4]byte
	binary.BigEndian.PutUint32(buf[:], uint32(id+1))
	return id, in.master.storage.Set(catalogNextID, buf[:])
}

// dirName turns a database name into a directory name under the data
// directory: safe characters are kept, others escaped as %XX, and a name
// that would collide with the instance's own directories is prefixed.
func dirName(name string) string {
	var b strings.Builder
	for _, c := range []byte(name) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	s := b.String()
	switch strings.ToLower(s) {
	case "master", "backup", "mirrordb.lock":
		s = "db-" + s
	}
	return s
}

// Database properties stored in the database's own (logged) key space.
const (
	propFamilyGUID = "family_guid"
	propRecovery   = "recovery"
	propForkGUID   = "fork_guid"
)

// CreateDatabase creates a user database: its store, its first log record
// (the database properties) and its catalog entry.
func (in *Instance) CreateDatabase(ctx context.Context, name string) (*Database, error) {
	return in.createDatabase(ctx, name, 0)
}

// createDatabase creates a database with the given id, or the next user
// database id when id is 0.
func (in *Instance) createDatabase(ctx context.Context, name string, id int32) (*Database, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if err := in.refuseWhenStopping(); err != nil {
		return nil, err
	}
	if strings.EqualFold(name, "master") || in.dbs[strings.ToLower(name)] != nil {
		return nil, sqlerr.New(1801, name)
	}
	if id == 0 {
		var err error
		if id, err = in.allocateDBID(); err != nil {
			return nil, err
		}
	}
	dir := dirName(name)
	if _, err := os.Stat(filepath.Join(in.cfg.DataDir, dir)); err == nil {
		dir = fmt.Sprintf("%s-%d", dir, id)
	}
	path := filepath.Join(in.cfg.DataDir, dir)
	d, err := in.openDatabase(id, name, path, StateOnline, in.now(), true)
	if err != nil {
		return nil, err
	}
	if err := d.initProperties(ctx); err != nil {
		d.close()
		os.RemoveAll(path)
		return nil, err
	}
	if err := in.saveDescriptor(d); err != nil {
		d.close()
		os.RemoveAll(path)
		return nil, err
	}
	in.dbs[strings.ToLower(name)] = d
	in.log.Info("database created", "db", name, "id", id, "dir", path)
	return d, nil
}

// initProperties writes a new database's properties as its first logged
// transaction (LSN 1): its lineage (family GUID) and recovery model.
func (d *Database) initProperties(ctx context.Context) error {
	guid := types.NewUUID()
	return d.writeProperties(ctx, [2]string{propFamilyGUID, string(guid[:])}, [2]string{propRecovery, string(RecoveryFull)})
}

// writeProperties sets database properties (name, value) in one logged
// transaction.
func (d *Database) writeProperties(ctx context.Context, props ...[2]string) error {
	t, err := d.beginWrite(ctx, -1)
	if err != nil {
		return err
	}
	for _, p := range props {
		if err := t.Put(keys.SchemaKey("db", p[0]), []byte(p[1])); err != nil {
			t.Rollback()
			return err
		}
	}
	_, err = t.Commit(ctx)
	return err
}

// RecoveryModel is a database's recovery model, package backup's: what
// the database property s/db/recovery and a backup's header hold.
type RecoveryModel = backup.RecoveryModel

const (
	RecoveryFull       = backup.RecoveryFull
	RecoveryBulkLogged = backup.RecoveryBulkLogged
	RecoverySimple     = backup.RecoverySimple
)

// RecoveryModel returns the database's recovery model (FULL when the
// property cannot be read).
func (d *Database) RecoveryModel() RecoveryModel {
	v, ok, err := d.storage.Get(keys.SchemaKey("db", propRecovery))
	if err != nil || !ok {
		return RecoveryFull
	}
	return RecoveryModel(v)
}

// FamilyGUID identifies the database's lineage across backups and restores.
func (d *Database) FamilyGUID() types.UUID {
	var u types.UUID
	v, ok, _ := d.storage.Get(keys.SchemaKey("db", propFamilyGUID))
	if ok {
		copy(u[:], v)
	}
	return u
}

// DropDatabase removes a user database and its files. It fails with 3702
// while any session uses the database.
func (in *Instance) DropDatabase(name string) error {
	if strings.EqualFold(name, "master") || strings.EqualFold(name, msdbName) {
		return sqlerr.New(3708, name)
	}
	in.mu.Lock()
	d := in.dbs[strings.ToLower(name)]
	if d == nil {
		in.mu.Unlock()
		return sqlerr.New(3701, "database", name)
	}
	if d.Mirrored() {
		in.mu.Unlock()
		return sqlerr.New(3743, d.Name())
	}
	if d.users.Load() > 0 {
		in.mu.Unlock()
		return sqlerr.New(3702, d.Name())
	}
	delete(in.dbs, strings.ToLower(name))
	err := in.master.storage.Set(catalogKey(name), nil)
	in.mu.Unlock()
	if err != nil {
		return err
	}
	if err := d.close(); err != nil {
		in.log.Warn("close dropped database", "db", name, "err", err)
	}
	in.log.Info("database dropped", "db", name, "id", d.id)
	return os.RemoveAll(d.dir)
}

// openForSession resolves a database name for a session (startup or USE),
// counting the session as a user of it.
func (in *Instance) openForSession(name string) (*Database, error) {
	in.mu.RLock()
	defer in.mu.RUnlock()
	var d *Database
	if strings.EqualFold(name, "master") {
		d = in.master
	} else {
		d = in.dbs[strings.ToLower(name)]
	}
	if d == nil {
		return nil, sqlerr.New(911, name)
	}
	if err := d.checkOpen(); err != nil {
		return nil, err
	}
	d.users.Add(1)
	return d, nil
}
