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

// insertPlan is a bound INSERT.
type insertPlan struct {
	w       rowWriter
	targets []int         // table column for each supplied value
	rows    [][]exec.Expr // VALUES rows; a nil expr is DEFAULT
	sel     *exec.Select
	selT    []types.Type
	defs    []exec.Expr // bound DEFAULT expression per column (nil: none)
	out     *outputPlan
	// listed says the INSERT has a column list; explicitID that it names
	// the identity column (IDENTITY_INSERT, identity.go).
	listed, explicitID bool
	// converted says put's values are already of their columns' types and
	// checked for NULL (a load converts them as it reads: load.go).
	converted bool
}

func (b *binder) planInsert(x *parser.Insert) (*insertPlan, error) {
	db, def, err := b.lookupTable(x.Table)
	if err != nil {
		return nil, err
	}
	p := &insertPlan{w: newRowWriter(db, def, "INSERT")}
	if p.targets, err = b.InsertTargets(x, def, x.Columns, b.set); err != nil {
		return nil, err
	}
	p.listed = len(x.Columns) > 0
	for _, c := range p.targets {
		p.explicitID = p.explicitID || def.Columns[c].Identity != nil
	}
	switch {
	case x.Select != nil:
		if p.sel, err = b.planSelect(x.Select); err != nil {
			return nil, err
		}
		if n := len(p.sel.Cols); n != len(p.targets) {
			if len(x.Columns) == 0 {
				return nil, b.ErrAt(x, sqlerr.New(213))
			}
			if n > len(p.targets) {
				return nil, b.ErrAt(x, sqlerr.New(121))
			}
			return nil, b.ErrAt(x, sqlerr.New(120))
		}
		for _, c := range p.sel.Cols {
			p.selT = append(p.selT, c.Type)
		}
	case x.DefaultValues:
		p.targets = nil
		p.rows = [][]exec.Expr{nil}
	default:
		if p.rows, err = b.BindValues(x, def, p.targets); err != nil { // engine/bind/insert.go
			return nil, err
		}
	}
	if p.defs, err = b.bindDefaults(def); err != nil {
		return nil, err
	}
	if p.out, err = b.planOutput(x.Output, def, false, true); err != nil {
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

// fill computes the value of a column the statement did not give one.
func (w *rowWriter) fill(e *exec.Env, t *txn, defs []exec.Expr, row []types.Value, i int) error {
	switch {
	case w.Table.Columns[i].IsRowversion():
		v, err := exec.NextRowversion(t)
		row[i] = v
		return err
	case w.Table.Columns[i].Identity != nil:
		v, err := w.NextIdentity(t, i)
		if err != nil {
			return err
		}
		row[i] = v
		if w.Table.Columns[i].Type.Kind == types.Decimal {
			row[i] = types.DecFromInt(v)
		}
		sessionOf(e).lastIdentity = &v
		return nil
	case defs[i] != nil:
		v, err := defs[i].Eval(e)
		if err != nil {
			return err
		}
		row[i], err = w.Convert(i, v, defs[i].Type())
		return err
	}
	var err error
	row[i], err = w.Convert(i, nil, types.TypeUnknown)
	return err
}

func (p *insertPlan) run(e *exec.Env, t *txn) (int64, error) {
	if err := p.w.checkIdentityTargets(sessionOf(e), p.listed, p.explicitID); err != nil {
		return 0, err
	}
	var refs []selfRef
	t.selfRefs = &refs
	n, err := p.insertRows(e, t)
	t.selfRefs = nil
	if err == nil && len(refs) > 0 {
		err = p.w.checkSelfRefs(e, t, refs)
	}
	return n, err
}

// insertRows inserts the statement's rows.
func (p *insertPlan) insertRows(e *exec.Env, t *txn) (int64, error) {
	var count int64
	if p.sel != nil {
		rows, err := exec.CollectRows(e, p.sel, -1)
		if err != nil {
			return 0, err
		}
		e.Row = nil
		for _, r := range rows {
			if err := e.Gov.Check(); err != nil {
				return 0, err
			}
			if err := p.put(e, t, r, p.selT, nil); err != nil {
				return 0, err
			}
			count++
		}
		return count, nil
	}
	for _, exprs := range p.rows {
		vals := make([]types.Value, len(p.targets))
		valTypes := make([]types.Type, len(p.targets))
		var isDefault []bool
		for j, x := range exprs {
			if x == nil { // DEFAULT
				if isDefault == nil {
					isDefault = make([]bool, len(exprs))
				}
				isDefault[j] = true
				continue
			}
			v, err := x.Eval(e)
			if err != nil {
				return 0, err
			}
			vals[j], valTypes[j] = v, x.Type()
		}
		if err := p.put(e, t, vals, valTypes, isDefault); err != nil {
			return 0, err
		}
		count++
	}
	return count, nil
}

// put builds a full row from the supplied values (skipping those marked
// DEFAULT), fills the other columns and inserts it.
func (p *insertPlan) put(e *exec.Env, t *txn, vals []types.Value, valTypes []types.Type, isDefault []bool) error {
	row := make([]types.Value, len(p.w.Table.Columns))
	given := make([]bool, len(row))
	for j, col := range p.targets {
		if isDefault != nil && isDefault[j] {
			continue
		}
		v := vals[j]
		if !p.converted {
			var err error
			if v, err = p.w.Convert(col, v, valTypes[j]); err != nil {
				return err
			}
		}
		row[col], given[col] = v, true
		if p.w.Table.Columns[col].Identity != nil {
			if err := p.w.explicitIdentity(e, t, v); err != nil {
				return err
			}
		}
	}
	for i := range row {
		if !given[i] {
			if err := p.w.fill(e, t, p.defs, row, i); err != nil {
				return err
			}
		}
	}
	if err := p.w.checkRow(e, t, row); err != nil {
		return err
	}
	key, err := p.w.Key(t, row)
	if err != nil {
		return err
	}
	if err := p.w.Insert(t, key, row); err != nil {
		return err
	}
	if err := p.w.checkParents(e, t, nil, row); err != nil {
		return err
	}
	return p.out.add(e, nil, row)
}

// updatePlan is a bound UPDATE.
type updatePlan struct {
	w     rowWriter
	scan  *exec.TableScan
	sc    *bind.Scope // for printed plans
	where exec.Expr
	sets  []setColumn
	defs  []exec.Expr
	top   exec.Expr
	out   *outputPlan
}

type setColumn struct {
	col int
	x   exec.Expr // nil: DEFAULT
}

func (b *binder) planUpdate(x *parser.Update) (*updatePlan, error) {
	if len(x.From) > 0 {
		return nil, b.ErrAt(x, sqlerr.New(40517, "UPDATE ... FROM"))
	}
	db, def, err := b.lookupTable(x.Table)
	if err != nil {
		return nil, err
	}
	sc, scan := b.tableScope(db, def)
	p := &updatePlan{w: newRowWriter(db, def, "UPDATE"), scan: scan, sc: sc}
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
		set := setColumn{col: i}
		if _, isDef := a.Value.(*parser.Default); !isDef {
			if set.x, err = b.BindTypedValue(a.Value, sc, def.Columns[i].Type); err != nil {
				return nil, err
			}
		}
		p.sets = append(p.sets, set)
	}
	if p.where, err = b.bindWhere(x.Where, sc); err != nil {
		return nil, err
	}
	if p.top, err = b.bindTop(x.Top); err != nil {
		return nil, err
	}
	if p.defs, err = b.bindDefaults(def); err != nil {
		return nil, err
	}
	if p.out, err = b.planOutput(x.Output, def, true, true); err != nil {
		return nil, err
	}
	chooseAccess(scan, p.where)
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

func (p *updatePlan) run(e *exec.Env, t *txn) (int64, error) {
	ks, raws, rows, err := exec.MatchRows(e, p.scan, p.where, p.top)
	if err != nil {
		return 0, err
	}
	changes := make([]exec.RowChange, len(rows))
	for i, old := range rows {
		if err := e.Gov.Check(); err != nil {
			return 0, err
		}
		e.Row = old
		row := append([]types.Value{}, old...)
		for _, s := range p.sets {
			var v types.Value
			from := p.w.Table.Columns[s.col].Type
			if s.x == nil {
				if p.defs[s.col] != nil {
					if v, err = p.defs[s.col].Eval(e); err != nil {
						return 0, err
					}
					from = p.defs[s.col].Type()
				}
			} else {
				if v, err = s.x.Eval(e); err != nil {
					return 0, err
				}
				from = s.x.Type()
			}
			if row[s.col], err = p.w.Convert(s.col, v, from); err != nil {
				return 0, err
			}
		}
		if err := p.w.Stamp(t, row); err != nil {
			return 0, err
		}
		if err := p.w.checkRow(e, t, row); err != nil {
			return 0, err
		}
		changes[i] = exec.RowChange{OldKey: ks[i], OldRaw: raws[i], NewKey: p.w.StorageKey(ks[i], row), Old: old, Row: row}
		if err := p.out.add(e, old, row); err != nil {
			return 0, err
		}
	}
	if err := p.w.ApplyChanges(e, t, changes); err != nil {
		return 0, err
	}
	return int64(len(changes)), p.w.afterUpdate(e, t, changes)
}

// deletePlan is a bound DELETE.
type deletePlan struct {
	scan  *exec.TableScan
	sc    *bind.Scope // for printed plans
	where exec.Expr
	top   exec.Expr
	out   *outputPlan
}

func (b *binder) planDelete(x *parser.Delete) (*deletePlan, error) {
	db, def, err := b.lookupTable(x.Table)
	if err != nil {
		return nil, err
	}
	sc, scan := b.tableScope(db, def)
	p := &deletePlan{scan: scan, sc: sc}
	if p.where, err = b.bindWhere(x.Where, sc); err != nil {
		return nil, err
	}
	if p.top, err = b.bindTop(x.Top); err != nil {
		return nil, err
	}
	if p.out, err = b.planOutput(x.Output, def, true, false); err != nil {
		return nil, err
	}
	chooseAccess(scan, p.where)
	return p, nil
}

func (p *deletePlan) run(e *exec.Env, t *txn) (int64, error) {
	ks, raws, rows, err := exec.MatchRows(e, p.scan, p.where, p.top)
	if err != nil {
		return 0, err
	}
	for _, old := range rows {
		if err := p.out.add(e, old, nil); err != nil {
			return 0, err
		}
	}
	if err := exec.DeleteRows(e, t, p.scan.Def.ID, ks, raws, rows); err != nil {
		return 0, err
	}
	def, _, err := liveDef(t, p.scan.Def)
	if err != nil {
		return 0, err
	}
	return int64(len(ks)), referencedChange(e, t, storeOf(p.scan), def, "DELETE", rows, nil, 0)
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
