package engine

import (
	"strings"

	"mirrordb/engine/bind"
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// A row source produces the rows of one FROM entry (or a join of
// several): an exec.Operator at the leaf of a SELECT's chain, whose
// Explain describes it as a plan operator with nm naming the statement's
// columns, which a join's ON refers to. A table is read by exec.TableScan
// through storedTable (table.go).

// newTableScan reads every row of a table of db.
func newTableScan(db *Database, def *catalog.TableDef) *exec.TableScan {
	return &exec.TableScan{Table: storedTable{db, def}, Def: def}
}

// BindTable binds a FROM entry the engine holds (bind.Engine): a table
// or system view, or a table-valued function (pgsetfuncs.go for
// PostgreSQL's set-returning ones).
func (b *binder) BindTable(te parser.TableExpr, sc *bind.Scope) (exec.Operator, error) {
	switch x := te.(type) {
	case *parser.TableRef:
		return b.bindTableRef(x, sc)
	case *parser.TableFunc:
		if isSetFunc(x) {
			return b.bindSetFunc(x, sc)
		}
		return b.bindTableFunc(x, sc)
	}
	return nil, b.ErrAt(te, sqlerr.New(40517, te.String()))
}

func (b *binder) bindTableRef(x *parser.TableRef, sc *bind.Scope) (exec.Operator, error) {
	if view := b.viewFor(x.Name); view != nil {
		name := x.Name.Object()
		if x.Alias != "" {
			name = x.Alias
		}
		if err := b.AddSource(x, sc, &bind.Source{Name: name, Schema: "sys", Alias: x.Alias != "", Cols: view.cols}); err != nil {
			return nil, err
		}
		return &exec.VirtualScan{Name: x.Name.Object(), Rows: func(e *exec.Env) ([][]types.Value, error) { return view.rows(e, nil) }}, nil
	}
	db, def, err := b.lookupTable(x.Name)
	if err != nil {
		return nil, err
	}
	name := def.Name
	if x.Alias != "" {
		name = x.Alias
	}
	if err := b.AddSource(x, sc, &bind.Source{Name: name, Schema: def.Schema, Alias: x.Alias != "", Cols: bind.RowColumns(def), Table: def.ID, Database: db.Name()}); err != nil {
		return nil, err
	}
	return newTableScan(db, def), nil
}

func (b *binder) bindTableFunc(x *parser.TableFunc, sc *bind.Scope) (exec.Operator, error) {
	view := b.s.inst.views.lookup(x.Name)
	if view == nil || !view.function {
		return nil, b.ErrAt(x, sqlerr.New(208, strings.Join(x.Name.Parts, ".")))
	}
	var args []exec.Expr
	for _, a := range x.Args {
		v, err := b.BindExpr(a, nil, nil, types.TypeInt)
		if err != nil {
			return nil, err
		}
		args = append(args, v)
	}
	name := x.Name.Object()
	if x.Alias != "" {
		name = x.Alias
	}
	cols := view.cols
	if len(x.Columns) > 0 { // AS alias (columns): bind.DerivedColumns
		var err error
		if cols, err = b.DerivedColumns(x, cols, x.Columns, name); err != nil {
			return nil, err
		}
	}
	if err := b.AddSource(x, sc, &bind.Source{Name: name, Schema: "sys", Alias: x.Alias != "", Cols: cols}); err != nil {
		return nil, err
	}
	return &exec.VirtualScan{Name: x.Name.Object(), Rows: func(e *exec.Env) ([][]types.Value, error) {
		vals := make([]types.Value, len(args))
		for i, a := range args {
			v, err := a.Eval(e)
			if err != nil {
				return nil, err
			}
			vals[i] = v
		}
		return view.rows(e, vals)
	}}, nil
}

// lookupTable resolves [db.][schema.]table to its database and
// definition as the session sees them (bind.LookupTable).
func (b *binder) lookupTable(n parser.ObjectName) (*Database, *catalog.TableDef, error) {
	return bind.LookupTable(&b.Binder, b.cat, n)
}

// databaseOf returns the database a (possibly three-part) name refers to
// (bind.DatabaseOf).
func (b *binder) databaseOf(n parser.ObjectName) (*Database, error) {
	return bind.DatabaseOf(&b.Binder, b.cat, n)
}
