package engine

import (
	"context"

	"mirrordb/engine/backup"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
)

// The engine's side of BACKUP and RESTORE: package backup binds the
// statements and decides their messages and result sets; here they are
// planned, given the database they read, and run against the instance
// (backupInstance).

// Progress and BackupResult are package backup's: STATS and the
// completion messages.
type (
	Progress     = backup.Progress
	BackupResult = backup.Result
)

func (b *binder) planBackup(st parser.Statement) (*stmtPlan, error) {
	s := b.s
	bs, err := backup.Bind(st, stmtBinder{b})
	if err != nil {
		return nil, err
	}
	in := backupInstance{s: s}
	p := &stmtPlan{cols: bs.Columns}
	if bs.Database != "" {
		if in.d = s.inst.Database(bs.Database); in.d == nil {
			return nil, b.errAt(st, sqlerr.New(911, bs.Database))
		}
		p.dbs = []*Database{in.d}
	}
	if bs.Columns == nil {
		p.noTx, p.noTxNumber = bs.Verb, 3021
	}
	p.run = func(e *env, _ *txn, w session.ResultWriter) (string, error) {
		rows, err := bs.Run(e.ctx, in, w)
		if err != nil {
			return "", err
		}
		if bs.Columns != nil {
			return s.rowsTag("SELECT", rows), nil
		}
		return bs.Verb, nil
	}
	return p, nil
}

// backupInstance is backup.Instance for one session: d is the database a
// BACKUP reads, resolved when it was bound.
type backupInstance struct {
	s *Session
	d *Database
}

func (bi backupInstance) Path(file string) string         { return bi.s.inst.BackupPath(file) }
func (bi backupInstance) Recover(database string) error   { return bi.s.inst.RecoverDatabase(database) }
func (bi backupInstance) FileName(database string) string { return dirName(database) }
func (bi backupInstance) Software() string                { return "mirrordb " + Version }

func (bi backupInstance) Backup(ctx context.Context, j backup.Job, progress backup.Progress) (backup.Result, error) {
	s, d, o := bi.s, bi.d, j.Options
	if err := d.checkOpen(); err != nil {
		return backup.Result{}, err
	}
	req := BackupRequest{Log: j.Log, Path: j.Path, Mode: o.Mode(), MediaName: o.MediaName, Name: o.Name,
		Description: o.Description, CopyOnly: o.Has("COPY_ONLY"), Checksum: o.Has("CHECKSUM"),
		NoRecovery: o.Has("NORECOVERY"), NoTruncate: o.Has("NO_TRUNCATE"), User: s.startup.User, Session: s}
	var res backup.Result
	var err error
	if j.Log {
		if req.NoRecovery {
			if err := backup.CheckTailLog(backupDB{s.inst, d, s}); err != nil {
				return backup.Result{}, err
			}
		}
		res, err = s.inst.BackupLog(ctx, d, req, s.progress(progress))
	} else {
		res, err = s.inst.BackupDatabase(ctx, d, req, s.progress(progress))
	}
	res.Database = d.Name()
	return res, err
}

func (bi backupInstance) Restore(ctx context.Context, j backup.Job, progress backup.Progress) (backup.Result, error) {
	s, o := bi.s, j.Options
	req := RestoreRequest{Log: j.Log, Database: j.Database, Path: j.Path, Position: o.File,
		NoRecovery: o.Has("NORECOVERY"), Replace: o.Has("REPLACE"), StopAt: o.StopAt, Session: s}
	if req.Log {
		return s.inst.RestoreLog(ctx, req, s.progress(progress))
	}
	return s.inst.RestoreDatabase(ctx, req, s.progress(progress))
}
