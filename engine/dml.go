package engine

import (
	"mirrordb/engine/bind"
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/keys"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// rowWriter is exec's row writer with the database the engine's
// constraint checks (CHECK, FOREIGN KEY, IDENTITY_INSERT) need.
type rowWriter struct {
	exec.RowWriter
	db *Database
}

func newRowWriter(db *Database, def *catalog.TableDef, verb string) rowWriter {
	return rowWriter{RowWriter: exec.RowWriter{Table: def, Database: db.Name(), Verb: verb}, db: db}
}

// newWriter is a statement's row writer and the Enforcer of its rules.
func newWriter(db *Database, def *catalog.TableDef, verb string) (*exec.RowWriter, exec.Enforcer) {
	w := newRowWriter(db, def, verb)
	return &w.RowWriter, &w
}

// dbOf is the database of the table a bound statement writes.
func dbOf(r exec.Enforcer) *Database { return r.(*rowWriter).db }

func (b *binder) planInsert(x *parser.Insert) (*exec.Insert, error) {
	db, def, err := b.lookupTable(x.Table)
	if err != nil {
		return nil, err
	}
	p := &exec.Insert{}
	p.W, p.Rules = newWriter(db, def, "INSERT")
	if p.Targets, err = b.InsertTargets(x, def, x.Columns, b.set); err != nil {
		return nil, err
	}
	p.Listed = len(x.Columns) > 0
	for _, c := range p.Targets {
		p.ExplicitID = p.ExplicitID || def.Columns[c].Identity != nil
	}
	switch {
	case x.Select != nil:
		if p.Sel, err = b.planSelect(x.Select); err != nil {
			return nil, err
		}
		if n := len(p.Sel.Cols); n != len(p.Targets) {
			if len(x.Columns) == 0 {
				return nil, b.ErrAt(x, sqlerr.New(213))
			}
			if n > len(p.Targets) {
				return nil, b.ErrAt(x, sqlerr.New(121))
			}
			return nil, b.ErrAt(x, sqlerr.New(120))
		}
		for _, c := range p.Sel.Cols {
			p.SelT = append(p.SelT, c.Type)
		}
	case x.DefaultValues:
		p.Targets = nil
		p.Rows = [][]exec.Expr{nil}
	default:
		if p.Rows, err = b.BindValues(x, def, p.Targets); err != nil { // engine/bind/insert.go
			return nil, err
		}
	}
	if p.Defs, err = b.bindDefaults(def); err != nil {
		return nil, err
	}
	if p.Out, err = b.planOutput(x.Output, def, false, true); err != nil {
		return nil, err
	}
	return p, nil
}

// bindDefaults binds every column's DEFAULT expression.
func (b *binder) bindDefaults(def *catalog.TableDef) ([]exec.Expr, error) {
	defs := make([]exec.Expr, len(def.Columns))
	for i := range def.Columns {
		if d := defaultExpression(&def.Columns[i]); d != nil {
			x, err := b.BindDefault(d, def.Columns[i].Type)
			if err != nil {
				return nil, err
			}
			defs[i] = x
		}
	}
	return defs, nil
}

func (b *binder) planUpdate(x *parser.Update) (*exec.Update, error) {
	if len(x.From) > 0 {
		return nil, b.ErrAt(x, sqlerr.New(40517, "UPDATE ... FROM"))
	}
	db, def, err := b.lookupTable(x.Table)
	if err != nil {
		return nil, err
	}
	sc, scan := b.tableScope(db, def)
	p := &exec.Update{Match: exec.Match{Scan: scan, Scope: sc}}
	p.W, p.Rules = newWriter(db, def, "UPDATE")
	seen := map[int]bool{}
	for _, a := range x.Set {
		i := def.ColumnIndex(a.Column)
		if i < 0 {
			return nil, b.ErrAt(a, sqlerr.New(207, a.Column))
		}
		if seen[i] {
			return nil, b.ErrAt(a, sqlerr.New(264, a.Column))
		}
		if def.Columns[i].Identity != nil {
			return nil, b.ErrAt(a, sqlerr.New(8102, a.Column))
		}
		if def.Columns[i].IsRowversion() {
			return nil, b.ErrAt(a, sqlerr.New(272))
		}
		if def.Columns[i].Computed != "" {
			return nil, b.ErrAt(a, sqlerr.New(271, a.Column))
		}
		seen[i] = true
		set := exec.SetColumn{Col: i}
		if _, isDef := a.Value.(*parser.Default); !isDef {
			if set.X, err = b.BindTypedValue(a.Value, sc, def.Columns[i].Type); err != nil {
				return nil, err
			}
		}
		p.Sets = append(p.Sets, set)
	}
	if p.Where, err = b.bindWhere(x.Where, sc); err != nil {
		return nil, err
	}
	if p.Top, err = b.bindTop(x.Top); err != nil {
		return nil, err
	}
	if p.Defs, err = b.bindDefaults(def); err != nil {
		return nil, err
	}
	if p.Out, err = b.planOutput(x.Output, def, true, true); err != nil {
		return nil, err
	}
	chooseAccess(scan, p.Where)
	return p, nil
}

// tableScope builds the one-table scope and scan of UPDATE and DELETE.
func (b *binder) tableScope(db *Database, def *catalog.TableDef) (*bind.Scope, *exec.TableScan) {
	src := &bind.Source{Name: def.Name, Schema: def.Schema}
	if db != nil { // nil while CREATE TABLE binds its computed columns
		src.Database = db.Name()
	}
	for i := range def.Columns {
		src.Cols = append(src.Cols, session.Column{Name: def.Columns[i].Name, Type: def.Columns[i].Type})
	}
	return &bind.Scope{Sources: []*bind.Source{src}}, newTableScan(db, def)
}

func (b *binder) bindWhere(w parser.Expr, sc *bind.Scope) (exec.Expr, error) {
	if w == nil {
		return nil, nil
	}
	if bind.ContainsAggregate(w) {
		return nil, b.ErrAt(w, sqlerr.New(147))
	}
	return b.BindExpr(w, sc, nil, types.TypeBit)
}

func (b *binder) bindTop(t *parser.Top) (exec.Expr, error) {
	if t == nil {
		return nil, nil
	}
	if t.Percent {
		return nil, b.ErrAt(t, sqlerr.New(40517, "TOP PERCENT in UPDATE or DELETE"))
	}
	x, err := b.BindExpr(t.Count, nil, nil, types.TypeBigInt)
	if err != nil {
		return nil, err
	}
	return exec.Coerce(x, types.TypeBigInt), nil
}

func (b *binder) planDelete(x *parser.Delete) (*exec.Delete, error) {
	db, def, err := b.lookupTable(x.Table)
	if err != nil {
		return nil, err
	}
	sc, scan := b.tableScope(db, def)
	p := &exec.Delete{Match: exec.Match{Scan: scan, Scope: sc}}
	_, p.Rules = newWriter(db, def, "DELETE")
	if p.Where, err = b.bindWhere(x.Where, sc); err != nil {
		return nil, err
	}
	if p.Top, err = b.bindTop(x.Top); err != nil {
		return nil, err
	}
	if p.Out, err = b.planOutput(x.Output, def, true, false); err != nil {
		return nil, err
	}
	chooseAccess(scan, p.Where)
	return p, nil
}

// truncateTable deletes every row and resets the identity counter.
func truncateTable(e *exec.Env, t *txn, db *Database, def *catalog.TableDef) error {
	scan := newTableScan(db, def)
	ks, raws, rows, err := exec.MatchRows(e, scan, nil, nil)
	if err == nil {
		err = exec.DeleteRows(e, t, def.ID, ks, raws, rows)
	}
	if err != nil {
		return err
	}
	return t.Delete(keys.IdentityKey(def.ID))
}
