package engine

import (
	"strings"

	"mirrordb/engine/bind"
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/keys"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
)

// ddl is the binder of DDL statements (bind.DDLBinder) over the session.
func (b *binder) ddl() bind.DDLBinder[*Database] {
	return bind.DDLBinder[*Database]{Binder: &b.Binder, Cat: b.cat, Eng: ddlEngine{}}
}

// ddlEngine is what binding DDL needs of the engine (bind.DDL).
type ddlEngine struct{}

func (ddlEngine) CheckFilter(def *catalog.TableDef, index string, where parser.Expr) error {
	return checkFilter(def, index, where)
}

func (ddlEngine) IndexFilter(ix *catalog.IndexDef) parser.Expr { return filterExpr(ix) }

func (b *binder) planCreateTable(x *parser.CreateTable) (*stmtPlan, error) {
	db, def, pending, err := b.ddl().CreateTable(x)
	if err != nil {
		return nil, err
	}
	return b.writePlan(db, nil, func(e *exec.Env, t *txn) (string, error) {
		set, err := t.schemaView()
		if err != nil {
			return "", err
		}
		if set.Table("dbo", def.Name) != nil {
			return "", b.ErrAt(x.Name, sqlerr.New(2714, def.Name))
		}
		id, err := t.nextCounter(keys.SchemaKey("db", "next_table_id"), 1, 1)
		if err != nil {
			return "", err
		}
		d := def.Clone() // the bound definition is reused if the statement runs again
		d.ID = uint32(id)
		d.Created = sessionOf(e).inst.now()
		if d.PKName == "" && len(d.PK) > 0 {
			d.PKName = catalog.ConstraintName("PK", d.Name, "", catalog.PKObjectID(d.ID))
		}
		if err := nameDefaults(t, d); err != nil {
			return "", err
		}
		if dup := set.NameInUse(d); dup != "" {
			return "", b.ErrAt(x.Name, sqlerr.New(2714, dup))
		}
		a := &constraintAdder{b: b, e: e, t: t, db: db, set: set, def: d}
		if err := a.addAll(pending); err != nil {
			return "", err
		}
		return "CREATE TABLE", t.Put(keys.TableDefKey(d.ID), catalog.EncodeTable(d))
	}), nil
}

func (b *binder) planDropTable(x *parser.DropTable) (*stmtPlan, error) {
	db, err := b.ddl().DropTables(x)
	if err != nil {
		return nil, err
	}
	return b.writePlan(db, nil, func(e *exec.Env, t *txn) (string, error) {
		dropping, err := droppedTables(t, x.Names)
		if err != nil {
			return "", err
		}
		for _, n := range x.Names {
			set, err := t.schemaView()
			if err != nil {
				return "", err
			}
			def := set.Table("dbo", n.Object())
			if def == nil || (n.Schema() != "" && !strings.EqualFold(n.Schema(), "dbo")) {
				if x.IfExists {
					continue
				}
				return "", b.ErrAt(n, sqlerr.New(3701, "table", strings.Join(n.Parts, ".")))
			}
			if err := refuseReferenced(t, def, dropping, 3726); err != nil {
				return "", b.ErrAt(n, err)
			}
			if err := truncateTable(e, t, db, def); err != nil {
				return "", err
			}
			if err := dropIndexEntries(e, t, def); err != nil {
				return "", err
			}
			if err := t.Delete(keys.RowIDKey(def.StoreID())); err != nil {
				return "", err
			}
			if err := t.Delete(keys.TableDefKey(def.ID)); err != nil {
				return "", err
			}
		}
		return "DROP TABLE", nil
	}), nil
}

// planDatabaseStatement handles CREATE / DROP / ALTER DATABASE and USE.
func (b *binder) planDatabaseStatement(st parser.Statement) (*stmtPlan, error) {
	s := b.s
	switch x := st.(type) {
	case *parser.Use:
		return &stmtPlan{run: func(*exec.Env, *txn, session.ResultWriter) (string, error) {
			d, err := s.inst.openForSession(x.Database)
			if err != nil {
				return "", b.ErrAt(x, sqlerr.As(err))
			}
			s.db.users.Add(-1)
			s.db = d
			s.current.Store(d)
			return "USE", nil
		}}, nil
	case *parser.CreateDatabase:
		return &stmtPlan{noTx: "CREATE DATABASE", run: func(e *exec.Env, _ *txn, _ session.ResultWriter) (string, error) {
			if _, err := s.inst.CreateDatabase(e.Ctx, x.Name); err != nil {
				return "", b.ErrAt(x, sqlerr.As(err))
			}
			return "CREATE DATABASE", nil
		}}, nil
	case *parser.DropDatabase:
		return &stmtPlan{noTx: "DROP DATABASE", run: func(*exec.Env, *txn, session.ResultWriter) (string, error) {
			for _, name := range x.Names {
				if strings.EqualFold(name, "master") {
					return "", b.ErrAt(x, sqlerr.New(3708, name))
				}
				if s.inst.Database(name) == nil {
					if x.IfExists {
						continue
					}
					return "", b.ErrAt(x, sqlerr.New(3701, "database", name))
				}
				if strings.EqualFold(s.db.Name(), name) {
					return "", b.ErrAt(x, sqlerr.New(3702, name))
				}
				if err := s.inst.DropDatabase(name); err != nil {
					return "", b.ErrAt(x, sqlerr.As(err))
				}
			}
			return "DROP DATABASE", nil
		}}, nil
	case *parser.AlterDatabase:
		return b.planAlterDatabase(x)
	}
	return nil, b.ErrAt(st, sqlerr.New(40517, statementName(st)))
}

func (b *binder) planAlterDatabase(x *parser.AlterDatabase) (*stmtPlan, error) {
	s := b.s
	d := s.db
	if !x.Current {
		if d = s.inst.Database(x.Name); d == nil {
			return nil, b.ErrAt(x, sqlerr.New(5011, x.Name))
		}
	}
	switch o := x.Option.(type) {
	case *parser.SetRecovery:
		return &stmtPlan{noTx: "ALTER DATABASE", dbs: []*Database{d}, run: func(e *exec.Env, _ *txn, _ session.ResultWriter) (string, error) {
			if d == s.inst.master {
				return "", b.ErrAt(o, sqlerr.New(5058, "RECOVERY", "master"))
			}
			if d.Mirrored() {
				return "", b.ErrAt(o, sqlerr.New(1468, d.Name()))
			}
			if st := d.State(); st != StateOnline {
				return "", b.ErrAt(o, sqlerr.New(5052, "ALTER DATABASE", st.String()))
			}
			err := s.withWrite(e, d, func(t *txn) error {
				return t.Put(keys.SchemaKey("db", propRecovery), []byte(o.Model))
			})
			if err == nil && RecoveryModel(o.Model) == RecoverySimple { // SIMPLE breaks the log-backup chain
				err = d.setChain(func(c *logChain) { c.NextLogLSN = 0 })
			}
			return "ALTER DATABASE", err
		}}, nil
	case *parser.SetDatabaseState:
		if o.State != "ONLINE" {
			break
		}
		// SET ONLINE recovers a database a storage failure took out of
		// service (engine/storage); on one in service it does nothing.
		return &stmtPlan{noTx: "ALTER DATABASE", run: func(*exec.Env, *txn, session.ResultWriter) (string, error) {
			if err := d.storage.Recover(); err != nil {
				return "", b.ErrAt(o, sqlerr.As(d.storage.FaultError(err, "")))
			}
			return "ALTER DATABASE", nil
		}}, nil
	case *parser.SetPartner, *parser.SetWitness:
		return &stmtPlan{noTx: "ALTER DATABASE", run: func(e *exec.Env, _ *txn, _ session.ResultWriter) (string, error) {
			if d == s.inst.master {
				if sp, ok := o.(*parser.SetPartner); ok && sp.Action == "" {
					return "", b.ErrAt(o, sqlerr.New(1415, d.Name()))
				}
				return "", b.ErrAt(o, sqlerr.New(1416, d.Name()))
			}
			m := s.inst.mirror()
			if m == nil {
				return "", b.ErrAt(o, sqlerr.New(40517, "database mirroring"))
			}
			if err := m.AlterDatabase(e.Ctx, d, mirrorCommand(o)); err != nil {
				return "", b.ErrAt(o, sqlerr.As(err))
			}
			return "ALTER DATABASE", nil
		}}, nil
	}
	return nil, b.ErrAt(x, sqlerr.New(40517, "ALTER DATABASE option"))
}
