package engine

import (
	"fmt"
	"strings"

	"mirrordb/engine/bind"
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/keys"
	"mirrordb/engine/storage"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// A row source produces the rows of one FROM entry (or a join of
// several): an exec.Operator at the leaf of a SELECT's chain, whose
// Explain describes it as a plan operator (explain.go) with nm naming the
// statement's columns, which a join's ON refers to.

// tableScan reads a table's rows in primary-key order, optionally narrowed
// to the keys whose leading columns equal the values in eq (a point lookup
// when every key column is given).
type tableScan struct {
	db    *Database
	table *catalog.TableDef
	eq    []exec.Expr // values for PK columns 0..len(eq)-1, coerced to their types
	seek  *indexSeek
	// rng narrows the scan to ranges of the primary key (keyseek.go) when
	// the WHERE clause bounds more than equalities do; backward reads
	// the rows in descending key order (an ORDER BY ... DESC it serves).
	rng      *exec.KeySeek
	backward bool
	ordered  bool // the scan serves an ORDER BY (printed plans say so)
	// need marks the columns the statement reads (nil: all); the others
	// are not decoded (covering.go)
	need []bool
}

func (t *tableScan) Run(e *exec.Env, fn func(row []types.Value) error) error {
	return t.scanKeys(e, func(_, _ []byte, row []types.Value) error { return fn(row) })
}

// scanKeys is scan that also passes each row's storage key and encoded value
// (valid only during the call), which UPDATE and DELETE need.
func (t *tableScan) scanKeys(e *exec.Env, fn func(key, raw []byte, row []types.Value) error) error {
	if err := t.db.storage.Available(); err != nil {
		return err // out of service after a storage failure: no rows from it
	}
	if t.seek != nil {
		return t.seek.scanKeys(e, t, fn)
	}
	r := sessionOf(e).readerFor(t.db)
	tio := sessionOf(e).stats.open(t.db, t.table)
	prefix := keys.TablePrefix(t.table.StoreID())
	if len(t.eq) > 0 {
		vals := make([]types.Value, len(t.eq))
		ts := make([]types.Type, len(t.eq))
		for i, x := range t.eq {
			v, err := x.Eval(e)
			if err != nil {
				return err
			}
			if v == nil {
				return nil // key = NULL (or an unconvertible value) matches nothing
			}
			vals[i], ts[i] = v, t.table.Columns[t.table.PK[i]].Type
		}
		prefix = append(prefix, keys.EncodeTuple(vals, ts)...)
		if len(t.eq) == len(t.table.PK) {
			v, ok, err := storage.ReadValue(r, prefix)
			if err != nil || !ok {
				return t.db.storage.ReadError(err)
			}
			if tio != nil {
				tio.reads++
			}
			row, err := keys.DecodeRow(v, nil)
			if err != nil {
				return t.corrupt(err)
			}
			if row, err = completeRow(e, t.db, t.table, v, row); err != nil {
				return err
			}
			return fn(prefix, v, row)
		}
	}
	rs := []exec.KeyRange{{Lo: prefix, Hi: keys.PrefixEnd(prefix)}}
	if t.rng != nil {
		var err error
		if rs, err = t.rng.Ranges(e, prefix); err != nil {
			return err
		}
	}
	var row []types.Value
	return t.scanRanges(e, rs, t.backward, func(key, val []byte) error {
		if tio != nil {
			tio.reads++
		}
		var err error
		if row, err = keys.DecodeColumns(val, row, t.need); err != nil {
			return t.corrupt(err)
		}
		if row, err = completeRow(e, t.db, t.table, val, row); err != nil { // stored before ADD
			return err
		}
		return fn(key, val, row)
	})
}

// corrupt reports a row that does not decode: the database is marked
// SUSPECT (Msg 824) rather than serving rows from a damaged store.
func (t *tableScan) corrupt(err error) error {
	return t.db.storage.Corrupt(fmt.Errorf("a row of table '%s.%s' does not decode: %w", t.table.Schema, t.table.Name, err))
}

// bindFrom binds a FROM clause into a row source and its scope. Comma
// separated entries are cross joins.
func (b *binder) bindFrom(from []parser.TableExpr) (exec.Operator, *bind.Scope, error) {
	sc := &bind.Scope{}
	if len(from) == 0 {
		return exec.OneRow{}, sc, nil
	}
	var src exec.Operator
	for i, te := range from {
		lw := sc.Width()
		s, err := b.bindTableExpr(te, sc)
		if err != nil {
			return nil, nil, err
		}
		if i == 0 {
			src = s
			continue
		}
		src = &exec.NestedLoops{Kind: exec.CrossJoin, Left: src, Right: s, LW: lw, RW: sc.Width() - lw}
	}
	return src, sc, nil
}

func (b *binder) bindTableExpr(te parser.TableExpr, sc *bind.Scope) (exec.Operator, error) {
	switch x := te.(type) {
	case *parser.TableRef:
		return b.bindTableRef(x, sc)
	case *parser.TableFunc:
		if isSetFunc(x) { // pgsetfuncs.go
			return b.bindSetFunc(x, sc)
		}
		return b.bindTableFunc(x, sc)
	case *parser.DerivedTable:
		return b.bindDerived(x, x, x.Alias, sc)
	case *parser.Join:
		if x.Kind == parser.CrossApply || x.Kind == parser.OuterApply {
			return b.bindApply(x, sc)
		}
		start := sc.Width()
		left, err := b.bindTableExpr(x.Left, sc)
		if err != nil {
			return nil, err
		}
		lw := sc.Width()
		right, err := b.bindTableExpr(x.Right, sc)
		if err != nil {
			return nil, err
		}
		var on exec.Expr
		if x.On != nil {
			if on, err = b.BindExpr(x.On, sc, nil, types.TypeBit); err != nil {
				return nil, err
			}
		}
		return &exec.NestedLoops{Kind: joinKinds[x.Kind], Left: left, Right: right, On: on, Base: start,
			LW: lw - start, RW: sc.Width() - lw}, nil
	}
	return nil, b.ErrAt(te, sqlerr.New(40517, te.String()))
}

// joinKinds maps the parser's join kinds (APPLY is bound elsewhere) to
// the join operators'.
var joinKinds = map[parser.JoinKind]exec.JoinKind{parser.InnerJoin: exec.InnerJoin, parser.LeftJoin: exec.LeftJoin,
	parser.RightJoin: exec.RightJoin, parser.FullJoin: exec.FullJoin, parser.CrossJoin: exec.CrossJoin}

// addSource checks that a FROM entry's name is unique (1013).
func (b *binder) addSource(n bind.Positioned, sc *bind.Scope, src *bind.Source) error {
	for _, s := range sc.Sources {
		if strings.EqualFold(s.Name, src.Name) {
			return b.ErrAt(n, sqlerr.New(1013, s.Name, src.Name))
		}
	}
	sc.Add(src)
	return nil
}

func (b *binder) bindTableRef(x *parser.TableRef, sc *bind.Scope) (exec.Operator, error) {
	if c, at := b.lookupCTE(x.Name); c != nil {
		return b.bindCTERef(x, c, at, sc)
	}
	if view := b.viewFor(x.Name); view != nil {
		name := x.Name.Object()
		if x.Alias != "" {
			name = x.Alias
		}
		if err := b.addSource(x, sc, &bind.Source{Name: name, Schema: "sys", Alias: x.Alias != "", Cols: view.cols}); err != nil {
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
	cols := make([]session.Column, len(def.Columns))
	for i, c := range def.Columns {
		cols[i] = session.Column{Name: c.Name, Type: c.Type}
	}
	if err := b.addSource(x, sc, &bind.Source{Name: name, Schema: def.Schema, Alias: x.Alias != "", Cols: cols, Table: def.ID, Database: db.Name()}); err != nil {
		return nil, err
	}
	return &tableScan{db: db, table: def}, nil
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
	if len(x.Columns) > 0 { // AS alias (columns): derived.go
		var err error
		if cols, err = b.derivedColumns(x, cols, x.Columns, name); err != nil {
			return nil, err
		}
	}
	if err := b.addSource(x, sc, &bind.Source{Name: name, Schema: "sys", Alias: x.Alias != "", Cols: cols}); err != nil {
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

// lookupTable resolves [db.][schema.]table to its database and definition,
// through the session's transaction when it has one (so a transaction sees
// the tables it created).
func (b *binder) lookupTable(n parser.ObjectName) (*Database, *catalog.TableDef, error) {
	db, err := b.databaseOf(n)
	if err != nil {
		return nil, nil, err
	}
	schema := n.Schema()
	if schema != "" && !strings.EqualFold(schema, "dbo") {
		return nil, nil, b.ErrAt(n, sqlerr.New(208, strings.Join(n.Parts, ".")))
	}
	set, err := b.s.schemaFor(db)
	if err != nil {
		return nil, nil, err
	}
	def := set.Table("dbo", n.Object())
	if def == nil {
		return nil, nil, b.ErrAt(n, sqlerr.New(208, strings.Join(n.Parts, ".")))
	}
	return db, def, nil
}

// databaseOf returns the database a (possibly three-part) name refers to.
func (b *binder) databaseOf(n parser.ObjectName) (*Database, error) {
	name := n.Database()
	if name == "" {
		return b.s.db, nil
	}
	d := b.s.inst.Database(name)
	if d == nil {
		return nil, b.ErrAt(n, sqlerr.New(911, name))
	}
	if err := d.checkOpen(); err != nil {
		return nil, b.ErrAt(n, sqlerr.As(err))
	}
	return d, nil
}
