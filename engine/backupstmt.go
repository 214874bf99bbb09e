package engine

import (
	"context"

	"mirrordb/engine/backup"
	"mirrordb/engine/exec"
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
			return nil, b.ErrAt(st, sqlerr.New(911, bs.Database))
		}
		p.dbs = []*Database{in.d}
	}
	if bs.Columns == nil {
		p.noTx, p.noTxNumber = bs.Verb, 3021
	}
	p.run = func(e *exec.Env, _ *txn, w session.ResultWriter) (string, error) {
		rows, err := bs.Run(e.Ctx, in, w)
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

func (bi backupInstance) Backup(ctx context.Context, req backup.Request, progress backup.Progress) (backup.Result, error) {
	s, d := bi.s, bi.d
	if err := d.checkOpen(); err != nil {
		return backup.Result{}, err
	}
	if req.Log && req.NoRecovery {
		if err := backup.CheckTailLog(backupDB{s.inst, d, s}); err != nil {
			return backup.Result{}, err
		}
	}
	req.User = s.startup.User
	res, err := s.inst.backup(ctx, d, s, req, s.progress(progress))
	res.Database = d.Name()
	return res, err
}

func (bi backupInstance) Restore(ctx context.Context, req backup.RestoreRequest, progress backup.Progress) (backup.Result, error) {
	return bi.s.inst.restore(ctx, bi.s, req, bi.s.progress(progress))
}
