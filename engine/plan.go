package engine

import (
	"mirrordb/engine/bind"
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// plan binds a statement into a runnable plan.
func (b *binder) plan(st parser.Statement) (*stmtPlan, error) {
	p, err := b.planStatement(st)
	if err != nil {
		return nil, err
	}
	p.params = b.Params
	p.command = commandName(st)
	if p.write != nil {
		p.dbs = appendDB(p.dbs, p.write)
	}
	if b.set.Showplan() != showplanOff {
		// SET runs under SHOWPLAN, as in SQL Server; so does DISCARD, or a
		// pooled connection left in SHOWPLAN mode could never be reset.
		switch st.(type) {
		case *parser.Set, *parser.Discard:
		default:
			return b.showplan(st, p), nil
		}
	}
	return p, nil
}

func appendDB(list []*Database, d *Database) []*Database {
	for _, x := range list {
		if x == d {
			return list
		}
	}
	return append(list, d)
}

func (b *binder) planStatement(st parser.Statement) (*stmtPlan, error) {
	if denied := b.sysadminOnly(st); denied != nil && !b.set.IsSysadmin() {
		return nil, b.ErrAt(st, denied)
	}
	switch x := st.(type) {
	case *parser.Select:
		if assigns(x) { // flow.go
			return b.planAssignSelect(x)
		}
		sp, err := b.planSelect(x)
		if err != nil {
			return nil, err
		}
		return &stmtPlan{cols: sp.Cols, dbs: b.referenced(bind.QueryTables(x)), tree: sp, run: func(e *exec.Env, _ *txn, w session.ResultWriter) (string, error) {
			var n int64
			err := sp.Run(e, func(row []types.Value) error {
				n++
				return w.Row(row)
			})
			return sessionOf(e).rowsTag("SELECT", n), err
		}}, nil
	case *parser.Insert:
		db, ip, err := b.dml().BindInsert(x)
		if err != nil {
			return nil, err
		}
		return withOutput(b.writePlan(db, x.Select, func(e *exec.Env, t *txn) (string, error) {
			n, err := ip.Run(e, t)
			return sessionOf(e).rowsTag("INSERT", n), err
		}).withTree(ip).writing(ip.W.Table), ip.Out), nil
	case *parser.Update:
		db, up, err := b.dml().BindUpdate(x)
		if err != nil {
			return nil, err
		}
		chooseAccess(up.Scan, up.Where)
		return withOutput(b.writePlan(db, nil, func(e *exec.Env, t *txn) (string, error) {
			n, err := up.Run(e, t)
			return sessionOf(e).rowsTag("UPDATE", n), err
		}).withTree(up).writing(up.W.Table), up.Out), nil
	case *parser.Delete:
		db, dp, err := b.dml().BindDelete(x)
		if err != nil {
			return nil, err
		}
		chooseAccess(dp.Scan, dp.Where)
		return withOutput(b.writePlan(db, nil, func(e *exec.Env, t *txn) (string, error) {
			n, err := dp.Run(e, t)
			return sessionOf(e).rowsTag("DELETE", n), err
		}).withTree(dp).writing(dp.Scan.Def), dp.Out), nil
	case *parser.TruncateTable:
		db, def, err := b.lookupTable(x.Name)
		if err != nil {
			return nil, err
		}
		return b.writePlan(db, nil, func(e *exec.Env, t *txn) (string, error) {
			if err := refuseReferenced(t, def, nil, 4712); err != nil {
				return "", b.ErrAt(x, err)
			}
			return "TRUNCATE TABLE", truncateTable(e, t, db, def)
		}), nil
	case *parser.Copy:
		return b.planCopy(x)
	case *parser.BulkInsert:
		return b.planBulkInsert(x)
	case *parser.CreateTable:
		return b.planCreateTable(x)
	case *parser.DropTable:
		return b.planDropTable(x)
	case *parser.AlterTableConstraint:
		return b.planAlterTableConstraint(x)
	case *parser.CreateIndex, *parser.DropIndex:
		return b.planIndexStatement(st)
	case *parser.CreateType:
		return b.planCreateType(x)
	case *parser.DropType:
		return b.planDropType(x)
	case *parser.AlterTable:
		return b.planAlterTable(x)
	case *parser.CreateDatabase, *parser.DropDatabase, *parser.AlterDatabase, *parser.Use:
		return b.planDatabaseStatement(st)
	case *parser.BeginTran, *parser.CommitTran, *parser.RollbackTran, *parser.SaveTran,
		*parser.ReleaseSavepoint, *parser.SetTransaction:
		return b.planTransaction(st)
	case *parser.Set:
		return b.planSet(x)
	case *parser.Show:
		return b.planShow(x)
	case *parser.Reset:
		return b.planReset(x)
	case *parser.Discard:
		return b.planDiscard(x)
	case *parser.Kill:
		return b.planKill(x)
	case *parser.Print:
		return b.planPrint(x)
	case *parser.Declare: // flow.go
		return b.planDeclare(x)
	case *parser.SetVar:
		return b.planSetVar(x)
	case *parser.WaitFor:
		return b.planWaitFor(x)
	case *parser.Dbcc:
		return b.planDbcc(x)
	case *parser.Checkpoint:
		d := b.cat.Current()
		return &stmtPlan{dbs: []*Database{d}, run: func(e *exec.Env, _ *txn, _ session.ResultWriter) (string, error) {
			return "CHECKPOINT", d.Checkpoint(e.Ctx)
		}}, nil
	case *parser.Backup, *parser.Restore:
		return b.planBackup(st)
	case *parser.CreateEndpoint, *parser.AlterEndpoint, *parser.DropEndpoint:
		return b.planEndpoint(st)
	case *parser.Exec:
		return b.planExec(x)
	case *parser.CreateLogin, *parser.AlterLogin, *parser.DropLogin, *parser.CreateUser, *parser.DropUser, *parser.Grant,
		*parser.CreateMasterKey, *parser.CreateCertificate, *parser.BackupCertificate, *parser.DropCertificate:
		return b.planSecurity(st)
	}
	return nil, b.ErrAt(st, sqlerr.New(40517, statementName(st)))
}

// writePlan wraps a data-changing statement: it runs in a write
// transaction on db.
func (b *binder) writePlan(db *Database, sel *parser.Select, run func(e *exec.Env, t *txn) (string, error)) *stmtPlan {
	p := &stmtPlan{write: db, run: func(e *exec.Env, t *txn, _ session.ResultWriter) (string, error) { return run(e, t) }}
	if sel != nil {
		p.dbs = b.referenced(bind.QueryTables(sel))
	}
	return p
}

// withTree attaches the statement's operators, which SHOWPLAN prints.
func (p *stmtPlan) withTree(t explainable) *stmtPlan {
	p.tree = t
	return p
}

// referenced lists the databases a FROM clause reads, so they stay open
// while the statement runs.
func (b *binder) referenced(from []parser.TableExpr) []*Database {
	dbs := []*Database{b.cat.Current()}
	var walk func(te parser.TableExpr)
	walk = func(te parser.TableExpr) {
		switch x := te.(type) {
		case *parser.TableRef:
			if name := x.Name.Database(); name != "" {
				if d, ok := b.cat.Database(name); ok {
					dbs = appendDB(dbs, d)
				}
			}
		case *parser.Join:
			walk(x.Left)
			walk(x.Right)
		case *parser.DerivedTable:
			for _, te := range bind.QueryTables(x.Select) {
				walk(te)
			}
		}
	}
	for _, te := range from {
		walk(te)
	}
	return dbs
}
