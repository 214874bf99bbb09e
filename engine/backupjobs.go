package engine

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"mirrordb/engine/backup"
	"mirrordb/engine/txlog"
	"mirrordb/sqlerr"
)

// backupDB is backup.Database: a database as BACKUP and RESTORE work on
// it, with the session running the statement (nil when none does).
type backupDB struct {
	in *Instance
	d  *Database
	s  *Session
}

func (b backupDB) Name() string                 { return b.d.Name() }
func (b backupDB) Mirrored() bool               { return b.d.Mirrored() }
func (b backupDB) RecoveryModel() RecoveryModel { return b.d.RecoveryModel() }
func (b backupDB) Online() bool                 { return b.d.State() == StateOnline }
func (b backupDB) InUse() bool                  { return b.d.users.Load() > 0 }
func (b backupDB) Restoring() bool              { return b.d.State() == StateRestoring }
func (b backupDB) UsedBySession() bool          { return b.s != nil && b.s.db == b.d }
func (b backupDB) FamilyGUID() string           { return b.d.FamilyGUID().String() }
func (b backupDB) Now() time.Time               { return b.in.now() }
func (b backupDB) Logger() *slog.Logger         { return b.in.log }
func (b backupDB) Chain() backup.Chain          { return b.d.Chain() }
func (b backupDB) BeginBackup() (func(), error) { return exclusiveBackup(b.d) }
func (b backupDB) EndLSN() txlog.LSN            { return b.d.EndLSN() }
func (b backupDB) DurableLSN() txlog.LSN        { return b.d.DurableLSN() }
func (b backupDB) BackupLimit() txlog.LSN       { return b.d.backupLimit() }

func (b backupDB) Header(typ int, user string) backup.SetHeader {
	return b.in.setHeader(b.d, typ, user)
}

func (b backupDB) SetChain(update func(c *backup.Chain)) error { return b.d.setChain(update) }

func (b backupDB) SetRestoring(restoring bool) error {
	if restoring {
		return b.in.setState(b.d, StateRestoring)
	}
	return b.in.setState(b.d, StateOnline)
}

func (b backupDB) LockWriter(ctx context.Context) (func(), error) {
	if err := b.s.lockWriter(ctx, b.d); err != nil {
		return nil, err
	}
	return b.d.storage.UnlockWriter, nil
}

func (b backupDB) HoldLog(first txlog.LSN) func() {
	b.d.SetLogHold("ACTIVE_BACKUP", func() (txlog.LSN, string) { return first, "ACTIVE_BACKUP_OR_RESTORE" })
	return func() { b.d.SetLogHold("ACTIVE_BACKUP", nil) }
}

func (b backupDB) ReadLog(first, last txlog.LSN, fn func(lsn txlog.LSN, rec []byte) error) error {
	return b.d.ReadLog(first, last, fn)
}

func (b backupDB) CommitTime(lsn txlog.LSN) (time.Time, bool)    { return b.d.CommitTime(lsn) }
func (b backupDB) SameLogRecord(lsn txlog.LSN, rec []byte) error { return b.d.sameLogRecord(lsn, rec) }
func (b backupDB) Redo(ctx context.Context, recs [][]byte) error { return b.d.Redo(ctx, recs) }
func (b backupDB) UndoOpenTail(ctx context.Context) error        { return b.d.UndoOpenTail(ctx) }

// Checkpoint copies d's store aside under the writer lock (checkpoint),
// in a temporary directory under the backup directory.
func (b backupDB) Checkpoint(ctx context.Context) (string, txlog.LSN, func(), error) {
	tmp, err := os.MkdirTemp(filepath.Join(b.in.cfg.DataDir, "backup"), ".checkpoint-")
	if err != nil {
		return "", 0, nil, err
	}
	dir := filepath.Join(tmp, "store")
	end, err := checkpoint(ctx, b.d, b.s, dir)
	if err != nil {
		return "", 0, nil, err
	}
	return dir, end, func() { os.RemoveAll(tmp) }, nil
}

// BackupDatabase takes a full backup of d (backup.BackupDatabase).
func (in *Instance) BackupDatabase(ctx context.Context, d *Database, req BackupRequest, progress Progress) (BackupResult, error) {
	req.Log = false
	return in.backup(ctx, d, nil, req, progress)
}

// BackupLog takes a log backup of d (backup.BackupLog).
func (in *Instance) BackupLog(ctx context.Context, d *Database, req BackupRequest, progress Progress) (BackupResult, error) {
	req.Log = true
	return in.backup(ctx, d, nil, req, progress)
}

// backup runs a BACKUP DATABASE or (req.Log) BACKUP LOG of d for session
// s (nil for none: s's LOCK_TIMEOUT bounds the wait for the writer lock,
// which its request shows).
func (in *Instance) backup(ctx context.Context, d *Database, s *Session, req BackupRequest, progress Progress) (BackupResult, error) {
	req.File = in.BackupPath(req.Path)
	if req.Log {
		return backup.BackupLog(ctx, backupDB{in, d, s}, req, progress)
	}
	return backup.BackupDatabase(ctx, backupDB{in, d, s}, req, progress)
}

// RestoreDatabase restores a full backup, creating or replacing the
// database (backup.RestoreDatabase).
func (in *Instance) RestoreDatabase(ctx context.Context, req RestoreRequest, progress Progress) (BackupResult, error) {
	req.Log = false
	return in.restore(ctx, nil, req, progress)
}

// RestoreLog applies a log backup to a RESTORING database
// (backup.RestoreLog).
func (in *Instance) RestoreLog(ctx context.Context, req RestoreRequest, progress Progress) (BackupResult, error) {
	req.Log = true
	return in.restore(ctx, nil, req, progress)
}

// restore runs a RESTORE DATABASE or (req.Log) RESTORE LOG for session s
// (nil for none), which must not itself use the database (3102).
func (in *Instance) restore(ctx context.Context, s *Session, req RestoreRequest, progress Progress) (BackupResult, error) {
	req.File = in.BackupPath(req.Path)
	if !req.Log {
		if in.stopping.Load() { // refused at its install anyway (refuseWhenStopping): spare the copy
			return BackupResult{}, sqlerr.New(6005)
		}
		return backup.RestoreDatabase(ctx, restorer{in, s}, req, progress)
	}
	d := in.Database(req.Database)
	if d == nil {
		return BackupResult{}, sqlerr.New(3118, req.Database)
	}
	return backup.RestoreLog(ctx, backupDB{in, d, s}, req, progress)
}

// restorer is backup.Restorer: the instance, for the session restoring.
type restorer struct {
	in *Instance
	s  *Session
}

func (r restorer) Database(name string) backup.Database {
	if d := r.in.Database(name); d != nil {
		return backupDB{r.in, d, r.s}
	}
	return nil
}

func (r restorer) NewStoreDir() (string, error) { return os.MkdirTemp(r.in.cfg.DataDir, ".restore-") }
func (r restorer) Logger() *slog.Logger         { return r.in.log }

// Prepare makes the copy durable and opens it once (which replays its
// WAL), holding master's pin so that the instance stays open while a
// stopped statement leaves that to finish behind it.
func (r restorer) Prepare(ctx context.Context, dir string, h backup.SetHeader, durable func() error) (bool, error) {
	return finishBehind(ctx, r.in.master, func() error {
		if err := durable(); err != nil {
			return err
		}
		return prepareRestoredStore(dir, r.in, h)
	}, func() { os.RemoveAll(dir) })
}

func (r restorer) Install(name, dir string, restoring bool) error {
	state := StateOnline
	if restoring {
		state = StateRestoring
	}
	return r.in.installRestored(name, dir, state)
}

// RecoverDatabase brings a RESTORING database online (RESTORE DATABASE db
// WITH RECOVERY without FROM).
func (in *Instance) RecoverDatabase(name string) error {
	d := in.Database(name)
	if d == nil {
		return sqlerr.New(3118, name)
	}
	return backup.Recover(backupDB{in: in, d: d})
}
