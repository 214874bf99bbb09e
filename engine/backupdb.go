package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/backup"
	"mirrordb/engine/keys"
	"mirrordb/engine/storage"
	"mirrordb/engine/txlog"
	"mirrordb/sqlerr"
)

// The store work of BACKUP and RESTORE (SPEC §2.8, §2.9, D8). Package
// backup runs the jobs and makes their decisions (backupjobs.go adapts the
// engine to it); here is what needs the store or the instance: the
// requests as the engine's callers make them, the Pebble checkpoint taken
// under the writer lock, the work that cannot be interrupted, readying a
// restored store and installing it under its catalog entry, and finishing
// what an instance stopped half-way through left behind.

// BackupRequest and RestoreRequest describe a BACKUP and a RESTORE, as
// package backup takes them; File, the resolved path, is filled in here.
type (
	BackupRequest  = backup.Request
	RestoreRequest = backup.RestoreRequest
)

// BackupPath resolves a TO/FROM DISK path (SPEC D8).
func (in *Instance) BackupPath(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(in.cfg.DataDir, "backup", p)
}

func (in *Instance) setHeader(d *Database, typ int, user string) backup.SetHeader {
	return backup.SetHeader{
		Type: typ, UserName: user, ServerName: in.cfg.ServerName, DatabaseName: d.Name(),
		DatabaseCreated: d.Created(), FamilyGUID: d.FamilyGUID().String(),
		RecoveryForkGUID: d.FamilyGUID().String(), BackupSetGUID: backup.NewGUID(),
		RecoveryModel: d.RecoveryModel(), Started: in.now(),
	}
}

// exclusiveBackup serializes backups of one database, as SQL Server does.
func exclusiveBackup(d *Database) (release func(), err error) {
	if !d.backingUp.CompareAndSwap(false, true) {
		return nil, sqlerr.New(3023)
	}
	return func() { d.backingUp.Store(false) }, nil
}

// checkpoint takes a Pebble checkpoint of d into dir under the writer lock
// (or between two parts of a load: lockForCheckpoint) and returns the
// committed LSN it holds: no commit can apply meanwhile, so it holds
// exactly the log up to that LSN, plus a load's open tail that the restored
// copy undoes. It removes dir's parent when it fails.
func checkpoint(ctx context.Context, d *Database, s *Session, dir string) (txlog.LSN, error) {
	abandon := func() { os.RemoveAll(filepath.Dir(dir)) }
	unlock, err := s.lockForCheckpoint(ctx, d)
	if err != nil {
		abandon()
		return 0, err
	}
	if ctx.Err() != nil {
		unlock()
		abandon()
		return 0, context.Cause(ctx)
	}
	end := d.storage.CommittedEnd()
	left, err := finishBehind(ctx, d, func() error {
		defer unlock()
		return d.storage.Write(context.Background(), "checkpoint", func(db *pebble.DB) error {
			return db.Checkpoint(dir, pebble.WithFlushedWAL())
		})
	}, abandon)
	if err != nil && !left {
		abandon()
		err = fmt.Errorf("checkpoint: %w", err)
	}
	return end, err
}

// finishBehind runs work, a storage call that cannot be interrupted (a
// Pebble checkpoint copies the WAL, opening a store replays it), holding a
// pin on d so that closing d waits for it. When ctx ends first it returns
// ctx's cause at once, as a stopped statement must, and leaves work to
// finish behind it (left); abandoned then runs, to clean up after it.
func finishBehind(ctx context.Context, d *Database, work func() error, abandoned func()) (left bool, err error) {
	if !d.storage.Pin() {
		return false, sqlerr.New(911, d.Name())
	}
	done := make(chan error, 1)
	go func() { done <- work() }()
	select {
	case err := <-done:
		d.storage.Unpin()
		return false, err
	case <-ctx.Done():
		go func() {
			<-done
			abandoned()
			d.storage.Unpin()
		}()
		return true, context.Cause(ctx)
	}
}

// setState changes a database's state and records it in the catalog.
func (in *Instance) setState(d *Database, st DBState) error {
	d.mu.Lock()
	d.state = st
	d.mu.Unlock()
	if err := in.saveDescriptor(d); err != nil {
		return err
	}
	in.log.Info("database state", "db", d.Name(), "state", st.String())
	return nil
}

// prepareRestoredStore opens a freshly restored store once to replace the
// source's local bookkeeping (m/ keys) with the restored copy's own: its end
// LSN stays, its log-backup chain position becomes the backup's end.
func prepareRestoredStore(dir string, in *Instance, h backup.SetHeader) error {
	st, err := storage.Open(dir, storage.Options{Cache: in.cache, Logger: in.log, FS: in.cfg.StoreFS})
	if err != nil {
		return fmt.Errorf("%w: restored store does not open: %v", backup.ErrMalformed, err)
	}
	defer st.Close(storage.CloseTimeout)
	kv := st.DB()
	b := kv.NewBatch()
	var end [8]byte
	v, ok, err := storage.ReadValue(kv, keys.MetaKey(storage.MetaEndLSN))
	if err != nil || !ok {
		b.Close()
		return fmt.Errorf("%w: restored store has no end LSN", backup.ErrMalformed)
	}
	copy(end[:], v)
	open, hasOpen, _ := storage.ReadValue(kv, keys.MetaKey(storage.MetaOpenTxn))
	_ = b.DeleteRange(keys.Meta, keys.PrefixEnd(keys.Meta), nil)
	_ = b.Set(keys.MetaKey(storage.MetaEndLSN), end[:], nil)
	if hasOpen { // a backup taken mid-load: the open tail is undone at open
		_ = b.Set(keys.MetaKey(storage.MetaOpenTxn), open, nil)
	}
	chain := fmt.Sprintf(`{"next_log_lsn":%d,"last_full_lsn":%d}`, h.LastLSN, h.CheckpointLSN)
	if RecoveryModel(h.RecoveryModel) != RecoveryFull {
		chain = fmt.Sprintf(`{"next_log_lsn":0,"last_full_lsn":%d}`, h.CheckpointLSN)
	}
	_ = b.Set(keys.MetaKey(metaChain), []byte(chain), nil)
	if err := st.Apply(context.Background(), b); err != nil {
		return err
	}
	return st.Close(storage.CloseTimeout)
}

// installRestored puts a restored store (built in tmp) into service under
// name, replacing an existing database of that name. The catalog entry,
// written durably before any directory moves, is the commit point: the
// store gets a directory of its own, and tmp holds a plan (restorePlan) so
// that an instance that stops half-way finishes the move at its next start
// (finishRestores), instead of finding the database gone or empty.
func (in *Instance) installRestored(name, tmp string, state DBState) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if err := in.refuseWhenStopping(); err != nil { // before the commit point
		return err
	}
	old := in.dbs[strings.ToLower(name)]
	id, created := int32(0), in.now()
	plan := restorePlan{}
	if old != nil {
		if old.users.Load() > 0 {
			return sqlerr.New(3101)
		}
		id, name, plan.Replaces = old.id, old.Name(), filepath.Base(old.dir)
	} else {
		var err error
		if id, err = in.allocateDBID(); err != nil {
			return err
		}
	}
	plan.Target = fmt.Sprintf("%s-%d-%d", dirName(name), id, created.UnixNano())
	if err := writePlan(tmp, plan); err != nil {
		return err
	}
	dir := filepath.Join(in.cfg.DataDir, plan.Target)
	desc := dbDescriptor{ID: id, Name: name, Dir: plan.Target, State: state, Created: created}
	if old != nil {
		delete(in.dbs, strings.ToLower(name))
		if err := old.close(); err != nil {
			in.log.Warn("close replaced database", "db", name, "err", err)
		}
	}
	if err := in.saveDescriptorAs(desc); err != nil { // the commit point
		return err
	}
	if err := in.finishRestore(tmp, plan); err != nil {
		return err
	}
	d, err := in.openDatabase(id, name, dir, state, created, false)
	if err != nil {
		return err
	}
	in.dbs[strings.ToLower(name)] = d
	return nil
}

// restorePlan says where a restored store goes and which directory it
// replaces; RESTORE leaves it in the store's temporary directory until the
// move is done.
type restorePlan struct {
	Target   string `json:"target"`             // directory name under the data directory
	Replaces string `json:"replaces,omitempty"` // the replaced database's directory
}

const planFile = "RESTORE-PLAN"

func writePlan(tmp string, p restorePlan) error {
	b, _ := json.Marshal(p)
	f, err := os.Create(filepath.Join(tmp, planFile))
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	err = errors.Join(err, f.Sync(), f.Close())
	backup.SyncDir(tmp)
	return err
}

// finishRestore moves a committed restore's store into place and removes
// the directory it replaced.
func (in *Instance) finishRestore(tmp string, p restorePlan) error {
	dir := filepath.Join(in.cfg.DataDir, p.Target)
	if err := os.Rename(tmp, dir); err != nil {
		return err
	}
	backup.SyncDir(in.cfg.DataDir)
	_ = os.Remove(filepath.Join(dir, planFile))
	if p.Replaces != "" && p.Replaces != p.Target {
		if err := os.RemoveAll(filepath.Join(in.cfg.DataDir, p.Replaces)); err != nil {
			in.log.Warn("removing a replaced database's directory", "dir", p.Replaces, "err", err)
		}
	}
	return nil
}

// finishInterruptedWork cleans up after an instance that stopped in the
// middle of a BACKUP or RESTORE: a restore whose catalog entry was written
// is finished, any other restore and every backup checkpoint removed.
func (in *Instance) finishInterruptedWork(descs []dbDescriptor) {
	dirs := map[string]bool{}
	for _, d := range descs {
		dirs[d.Dir] = true
	}
	entries, _ := os.ReadDir(in.cfg.DataDir)
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), ".restore-") {
			continue
		}
		tmp := filepath.Join(in.cfg.DataDir, e.Name())
		var p restorePlan
		b, err := os.ReadFile(filepath.Join(tmp, planFile))
		if err == nil && json.Unmarshal(b, &p) == nil && dirs[p.Target] {
			if _, err := os.Stat(filepath.Join(in.cfg.DataDir, p.Target)); os.IsNotExist(err) {
				in.log.Info("finishing a restore interrupted after its commit", "dir", p.Target)
				if err := in.finishRestore(tmp, p); err != nil {
					in.log.Error("finishing an interrupted restore", "dir", p.Target, "err", err)
				}
				continue
			}
		}
		in.log.Info("removing an unfinished restore", "dir", e.Name())
		_ = os.RemoveAll(tmp)
	}
	leftovers, _ := filepath.Glob(filepath.Join(in.cfg.DataDir, "backup", ".checkpoint-*"))
	for _, l := range leftovers {
		in.log.Info("removing an unfinished backup checkpoint", "dir", l)
		_ = os.RemoveAll(l)
	}
}

// sameLogRecord checks a record of a log backup against the one the
// database already holds at its LSN (if the log still holds it): 4330 when
// they differ.
func (d *Database) sameLogRecord(lsn txlog.LSN, rec []byte) error {
	have, ok, err := d.storage.Get(keys.LogKey(lsn))
	if err != nil || !ok || bytes.Equal(have, rec) {
		return err
	}
	return sqlerr.New(4330)
}

// CommitTime returns the commit time of log record lsn, if the log still
// holds it.
func (d *Database) CommitTime(lsn txlog.LSN) (time.Time, bool) {
	v, ok, err := d.storage.Get(keys.LogKey(lsn))
	if err != nil || !ok {
		return time.Time{}, false
	}
	rec, err := txlog.Decode(v)
	if err != nil {
		return time.Time{}, false
	}
	return rec.CommitTime, true
}
