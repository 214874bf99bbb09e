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
	"mirrordb/types"
)

// maxColumns is SQL Server's limit on columns per table.
const maxColumns = 1024

func (b *binder) planCreateTable(x *parser.CreateTable) (*stmtPlan, error) {
	db, err := b.databaseOf(x.Name)
	if err != nil {
		return nil, err
	}
	if s := x.Name.Schema(); s != "" && !strings.EqualFold(s, "dbo") {
		return nil, b.ErrAt(x.Name, sqlerr.New(2760, s))
	}
	def, err := b.tableDefinition(x)
	if err != nil {
		return nil, err
	}
	pending := columnConstraints(x)
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
		for _, p := range pending {
			if err := a.add(p); err != nil {
				return "", err
			}
		}
		return "CREATE TABLE", t.Put(keys.TableDefKey(d.ID), catalog.EncodeTable(d))
	}), nil
}

// tableDefinition validates a CREATE TABLE and builds the definition
// (without its id), with SQL Server's errors for each mistake.
func (b *binder) tableDefinition(x *parser.CreateTable) (*catalog.TableDef, error) {
	def := &catalog.TableDef{Schema: "dbo", Name: x.Name.Object()}
	db, err := b.databaseOf(x.Name)
	if err != nil {
		return nil, err
	}
	if len(x.Columns) > maxColumns {
		return nil, b.ErrAt(x, sqlerr.New(1702, x.Columns[maxColumns].Name, def.Name, maxColumns))
	}
	pkCols := []string(nil)
	pkName := ""
	pkNode := bind.Positioned(x)
	for i, c := range x.Columns {
		if def.ColumnIndex(c.Name) >= 0 {
			return nil, b.ErrAt(c, sqlerr.New(2705, c.Name, def.Name))
		}
		if c.Computed != nil { // typed once every column is known (computedTypes)
			def.Columns = append(def.Columns, catalog.ColumnDef{Name: c.Name, Nullable: true, Computed: c.Computed.String(), Persisted: c.Persisted})
			continue
		}
		t, declared, alias, terr := b.columnType(db, c.Type)
		if terr != nil {
			if n := sqlerr.As(terr).Number; n == 2715 || n == 2716 {
				terr = sqlerr.New(n, i+1, strings.ToLower(c.Type.Name))
			}
			return nil, b.ErrAt(c.Type, terr)
		}
		col := catalog.ColumnDef{Name: c.Name, Type: t, Nullable: true, Default: "", DefaultName: c.DefaultName, TypeName: declared}
		if alias != nil {
			col.Nullable, col.UserTypeID = alias.Nullable, alias.ID
		}
		if c.Nullable != nil {
			col.Nullable = *c.Nullable
		}
		if c.Identity != nil {
			if def.IdentityColumn() >= 0 {
				return nil, b.ErrAt(c, sqlerr.New(2744, def.Name))
			}
			if !(t.Kind.IsInteger() || (t.Kind == types.Decimal && t.Scale == 0)) || (c.Nullable != nil && *c.Nullable) {
				return nil, b.ErrAt(c, sqlerr.New(2749, c.Name))
			}
			seed, ok1 := bind.DecimalLiteral(orOne(c.Identity.Seed))
			inc, ok2 := bind.DecimalLiteral(orOne(c.Identity.Increment))
			if !ok1 || !ok2 || inc == 0 {
				return nil, b.ErrAt(c.Identity, sqlerr.New(102, c.Identity.Seed))
			}
			col.Identity = &catalog.Identity{Seed: seed, Increment: inc}
			col.Nullable = false
		}
		if c.Default != nil {
			if err := b.checkDefault(c.Default, t); err != nil {
				return nil, err
			}
			col.Default = c.Default.String()
		}
		if c.PrimaryKey {
			if pkCols != nil {
				return nil, b.ErrAt(c, sqlerr.New(8110, def.Name))
			}
			pkCols, pkName, pkNode = []string{c.Name}, c.PrimaryKeyName, c
			def.PKNonclustered = c.PrimaryKeyNonclustered
		}
		def.Columns = append(def.Columns, col)
	}
	if err := b.computedTypes(x, def); err != nil {
		return nil, err
	}
	if x.PrimaryKey != nil {
		if pkCols != nil {
			return nil, b.ErrAt(x.PrimaryKey, sqlerr.New(8110, def.Name))
		}
		pkCols, pkName, pkNode = x.PrimaryKey.Columns, x.PrimaryKey.Name, x.PrimaryKey
		def.PKNonclustered = x.PrimaryKey.Nonclustered
	}
	for _, name := range pkCols {
		i := def.ColumnIndex(name)
		if i < 0 {
			return nil, b.ErrAt(pkNode, sqlerr.New(1911, name))
		}
		col := &def.Columns[i]
		for _, c := range x.Columns {
			if strings.EqualFold(c.Name, name) && c.Nullable != nil && *c.Nullable {
				return nil, b.ErrAt(c, sqlerr.New(8111, def.Name))
			}
		}
		if col.Type.Length == types.MaxLength {
			return nil, b.ErrAt(pkNode, sqlerr.New(1919, col.Name, def.Name))
		}
		if containsInt(def.PK, i) {
			return nil, b.ErrAt(pkNode, sqlerr.New(1909, col.Name))
		}
		col.Nullable = false
		def.PK = append(def.PK, i)
	}
	def.PKName = pkName
	if err := checkRowversionColumns(def); err != nil {
		return nil, b.ErrAt(x, err)
	}
	return def, nil
}

func orOne(s string) string {
	if s == "" {
		return "1"
	}
	return s
}

// checkDefault verifies that a DEFAULT expression is a constant expression
// convertible to the column type.
func (b *binder) checkDefault(d parser.Expr, t types.Type) error {
	var bad *parser.ColumnRef
	bind.WalkExpr(d, func(e parser.Expr) bool {
		if c, ok := e.(*parser.ColumnRef); ok && bad == nil {
			bad = c
		}
		return bad == nil
	})
	if bad != nil {
		return b.ErrAt(bad, sqlerr.New(128, strings.Join(bad.Parts, ".")))
	}
	_, err := b.BindDefault(d, t)
	return err
}

func (b *binder) planDropTable(x *parser.DropTable) (*stmtPlan, error) {
	if len(x.Names) == 0 {
		return nil, b.ErrAt(x, sqlerr.New(102, "TABLE"))
	}
	db, err := b.databaseOf(x.Names[0])
	if err != nil {
		return nil, err
	}
	for _, n := range x.Names[1:] {
		if other, err := b.databaseOf(n); err != nil {
			return nil, err
		} else if other != db {
			return nil, b.ErrAt(n, sqlerr.New(40517, "DROP TABLE across databases"))
		}
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
