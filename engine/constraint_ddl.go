package engine

import (
	"strings"

	"mirrordb/engine/bind"
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/keys"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// Constraints made and changed: CREATE TABLE's column- and table-level
// constraints, ALTER TABLE ... ADD / DROP CONSTRAINT and [WITH CHECK |
// NOCHECK] CHECK / NOCHECK CONSTRAINT (engine/exec/foreignkeys.go
// enforces them). Every change is a new table definition written in the
// statement's transaction; each constraint's descriptor is bound in
// engine/bind (constraint.go), the engine numbering it, refusing a name
// in use and checking the rows already there.

// firstConstraintObjectID is the first object_id constraints take; their
// own counter keeps table ids (and the names made from them) unchanged.
const firstConstraintObjectID = 0x3C000001

// nextObjectID allocates a constraint's object_id.
func nextObjectID(t *txn) (uint32, error) {
	v, err := t.nextCounter(keys.SchemaKey("db", "next_object_id"), firstConstraintObjectID, 1)
	return uint32(v), err
}

// nameDefaults gives every DEFAULT of a new table its object_id and, when
// it has none, SQL Server's generated name.
func nameDefaults(t *txn, def *catalog.TableDef) error {
	for i := range def.Columns {
		c := &def.Columns[i]
		if c.Default == "" || c.DefaultID != 0 {
			continue // none, or numbered already
		}
		id, err := nextObjectID(t)
		if err != nil {
			return err
		}
		c.DefaultID = id
		if c.DefaultName == "" {
			c.DefaultName = catalog.ConstraintName("DF", def.Name, c.Name, id)
		}
	}
	return nil
}

// constraintAdder adds constraints to a copy of a table's definition
// inside a transaction.
type constraintAdder struct {
	b   *binder
	e   *exec.Env
	t   *txn
	db  *Database
	set *catalog.Schema
	def *catalog.TableDef // the copy being changed
	// existing is set for ALTER TABLE: rows may exist, and unless nocheck
	// the new constraint must hold for them.
	existing, nocheck bool
	names             map[string]bool
}

// addAll adds the constraints in order.
func (a *constraintAdder) addAll(pending []bind.PendingConstraint) error {
	for _, p := range pending {
		if err := a.add(p); err != nil {
			return err
		}
	}
	return nil
}

// add adds one constraint; a PRIMARY KEY, which moves the rows, is
// alter_key.go's.
func (a *constraintAdder) add(p bind.PendingConstraint) error {
	if a.names == nil {
		a.names = a.set.ObjectNames()
		for _, n := range a.def.OwnNames() {
			a.names[strings.ToLower(n)] = true
		}
	}
	if n := p.C.ConstraintName(); n != "" {
		if a.names[strings.ToLower(n)] {
			return a.b.ErrAt(p.C, sqlerr.New(2714, n))
		}
		a.names[strings.ToLower(n)] = true
	}
	id, err := nextObjectID(a.t)
	if err != nil {
		return err
	}
	var errOut error
	switch c := p.C.(type) {
	case *parser.CheckConstraint:
		errOut = a.addCheck(c, p.Column, id)
	case *parser.ForeignKey:
		errOut = a.addForeignKey(c, p.Column, id)
	case *parser.UniqueConstraint:
		errOut = a.addUnique(c, p.Column, id)
	case *parser.DefaultConstraint:
		errOut = a.addDefault(c, id)
	}
	if se, ok := errOut.(*sqlerr.Error); ok && se.Position == 0 {
		errOut = a.b.ErrAt(p.C, se)
	}
	return errOut
}

func (a *constraintAdder) addCheck(c *parser.CheckConstraint, column string, id uint32) error {
	ck, bound, err := a.b.CheckDefinition(c, column, a.db.Name(), a.def, id)
	if err != nil {
		return err
	}
	ck.NotTrusted = a.existing && a.nocheck
	if a.existing && !a.nocheck {
		if err := a.validateCheck(&ck, bound); err != nil {
			return err
		}
	}
	a.def.Checks = append(a.def.Checks, ck)
	return nil
}

// validateCheck is WITH CHECK: every row must pass.
func (a *constraintAdder) validateCheck(ck *catalog.CheckDef, x exec.Expr) error {
	return (newTableScan(a.db, a.def)).Run(a.e, func(row []types.Value) error {
		a.e.Row = row
		v, err := x.Eval(a.e)
		if err != nil || v == nil || exec.Truth(v) {
			return err
		}
		return exec.CheckConflict("ALTER TABLE", a.db.Name(), a.def, ck)
	})
}

func (a *constraintAdder) addForeignKey(c *parser.ForeignKey, column string, id uint32) error {
	fk, parent, err := bind.ForeignKeyDefinition(c, column, a.db.Name(), a.set, a.def, id)
	if err != nil {
		return err
	}
	fk.NotTrusted = a.existing && a.nocheck
	if a.existing && !a.nocheck {
		if err := a.validateForeignKey(&fk, parent); err != nil {
			return err
		}
	}
	a.def.ForeignKeys = append(a.def.ForeignKeys, fk)
	return nil
}

// validateForeignKey is WITH CHECK: every row's key must find its parent.
func (a *constraintAdder) validateForeignKey(fk *catalog.ForeignKeyDef, parent *catalog.TableDef) error {
	w := newRowWriter(a.db, a.def, "ALTER TABLE")
	return (newTableScan(a.db, a.def)).Run(a.e, func(row []types.Value) error {
		ok, err := exec.HasParent(a.e, a.t, &w, a.def, parent, fk, row)
		if err == nil && !ok {
			err = exec.Conflict(w.Verb, "FOREIGN KEY", fk.Name, a.db.Name(), parent, fk.RefColumns)
		}
		return err
	})
}

func (a *constraintAdder) addUnique(c *parser.UniqueConstraint, column string, id uint32) error {
	ix, err := bind.UniqueDefinition(c, column, a.def, id)
	if err != nil {
		return err
	}
	if a.existing {
		if err := a.fillUnique(&ix); err != nil {
			return err
		}
	}
	a.def.Indexes = append(a.def.Indexes, ix)
	return nil
}

// fillUnique writes a new UNIQUE constraint's entries for the rows already
// there, in the statement's transaction (1505 on a duplicate).
func (a *constraintAdder) fillUnique(ix *catalog.IndexDef) error {
	return (newTableScan(a.db, a.def)).ScanKeys(a.e, func(key, _ []byte, row []types.Value) error {
		k, v := exec.IndexEntry(a.def, ix, key, row)
		if _, had, err := a.t.Get(k); err != nil || had {
			if err == nil {
				err = sqlerr.New(1505, "dbo."+a.def.Name, ix.Name, exec.IndexKeyText(a.def, ix, row))
			}
			return err
		}
		return a.t.Write(k, nil, false, v)
	})
}

func (a *constraintAdder) addDefault(c *parser.DefaultConstraint, id uint32) error {
	return a.b.DefaultDefinition(c, a.def, id)
}

func (b *binder) planAlterTableConstraint(x *parser.AlterTableConstraint) (*stmtPlan, error) {
	db, bound, err := b.lookupTable(x.Table)
	if err != nil {
		return nil, err
	}
	if p := b.keyChangePlan(x, db, bound); p != nil {
		return p, nil
	}
	if p := b.uniqueBuildPlan(x, db, bound); p != nil {
		return p, nil
	}
	return b.writePlan(db, nil, func(e *exec.Env, t *txn) (string, error) {
		set, err := t.schemaView()
		if err != nil {
			return "", err
		}
		cur := set.ByID(bound.ID)
		if cur == nil {
			return "", b.ErrAt(x.Table, sqlerr.New(208, x.Table.Object()))
		}
		def := cur.Clone()
		switch x.Action {
		case "ADD":
			a := &constraintAdder{b: b, e: e, t: t, db: db, set: set, def: def, existing: true, nocheck: x.With == "NOCHECK"}
			for _, c := range x.Add {
				if err := a.add(bind.PendingConstraint{C: c}); err != nil {
					return "", err
				}
			}
		case "DROP":
			for _, n := range x.Names {
				if err := dropConstraint(e, t, set, def, n, x.IfExists); err != nil {
					return "", b.ErrAt(x, err)
				}
			}
		default:
			if err := b.toggleConstraints(e, t, db, def, x); err != nil {
				return "", err
			}
		}
		return "ALTER TABLE", t.Put(keys.TableDefKey(def.ID), catalog.EncodeTable(def))
	}), nil
}

// dropConstraint removes a constraint by name (3728 when there is none).
func dropConstraint(e *exec.Env, t *txn, set *catalog.Schema, def *catalog.TableDef, name string, ifExists bool) error {
	for i := range def.ForeignKeys {
		if strings.EqualFold(def.ForeignKeys[i].Name, name) {
			def.ForeignKeys = append(def.ForeignKeys[:i], def.ForeignKeys[i+1:]...)
			return nil
		}
	}
	for i := range def.Checks {
		if strings.EqualFold(def.Checks[i].Name, name) {
			def.Checks = append(def.Checks[:i], def.Checks[i+1:]...)
			return nil
		}
	}
	for i := range def.Columns {
		if c := &def.Columns[i]; c.Default != "" && strings.EqualFold(c.DefaultName, name) {
			c.Default, c.DefaultName, c.DefaultID = "", "", 0
			return nil
		}
	}
	for i := range def.Indexes {
		ix := def.Indexes[i]
		if !ix.Constraint || !strings.EqualFold(ix.Name, name) {
			continue
		}
		if table, fk := set.ReferencingKey(def, ix.Columns); fk != "" {
			return sqlerr.New(3725, ix.Name, table, fk)
		}
		if err := emptyIndex(e, t, def.StoreID(), ix.StoreID()); err != nil {
			return err
		}
		def.Indexes = append(def.Indexes[:i], def.Indexes[i+1:]...)
		return nil
	}
	if ifExists {
		return nil
	}
	return sqlerr.New(3728, name)
}

// toggleConstraints is [WITH CHECK | NOCHECK] { CHECK | NOCHECK }
// CONSTRAINT { ALL | names }: NOCHECK disables (and leaves the constraint
// untrusted); CHECK enables, and WITH CHECK also validates every row and
// makes it trusted again.
func (b *binder) toggleConstraints(e *exec.Env, t *txn, db *Database, def *catalog.TableDef, x *parser.AlterTableConstraint) error {
	wanted := func(name string) bool {
		if x.All {
			return true
		}
		for _, n := range x.Names {
			if strings.EqualFold(n, name) {
				return true
			}
		}
		return false
	}
	if err := bind.CheckToggled(x, def); err != nil {
		return b.ErrAt(x, err)
	}
	disable := x.Action == "NOCHECK"
	validate := x.Action == "CHECK" && x.With == "CHECK"
	a := &constraintAdder{b: b, e: e, t: t, db: db, def: def, existing: true}
	set, err := t.schemaView()
	if err != nil {
		return err
	}
	for i := range def.ForeignKeys {
		fk := &def.ForeignKeys[i]
		if !wanted(fk.Name) {
			continue
		}
		fk.Disabled = disable
		fk.NotTrusted = fk.NotTrusted || disable
		if validate {
			parent := set.ByID(fk.RefTable)
			if fk.RefTable == def.ID {
				parent = def
			}
			if err := a.validateForeignKey(fk, parent); err != nil {
				return b.ErrAt(x, err)
			}
			fk.NotTrusted = false
		}
	}
	for i := range def.Checks {
		ck := &def.Checks[i]
		if !wanted(ck.Name) {
			continue
		}
		ck.Disabled = disable
		ck.NotTrusted = ck.NotTrusted || disable
		if validate {
			sc := bind.TableScope(db.Name(), def)
			bound, err := b.BindExpr(exprFromText(ck.Expr), sc, nil, types.TypeBit)
			if err != nil {
				return err
			}
			if err := a.validateCheck(ck, bound); err != nil {
				return b.ErrAt(x, err)
			}
			ck.NotTrusted = false
		}
	}
	return nil
}
