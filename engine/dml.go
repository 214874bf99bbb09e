package engine

import (
	"bytes"
	"strings"

	"mirrordb/engine/bind"
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/govern"
	"mirrordb/engine/keys"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// rowWriter stores complete rows of one table inside a transaction,
// enforcing what every write path shares: conversion to the column types
// (2628 on truncation), NOT NULL (515), identity values and primary-key
// uniqueness (2627).
type rowWriter struct {
	db    *Database
	table *catalog.TableDef
	verb  string // INSERT or UPDATE, for 515's message
	// absent, when set, says a primary key is known not to exist, sparing
	// insert its lookup (a bulk load past the table's last key: copy.go).
	absent func(key []byte) bool
}

// qualifiedName is the "db.dbo.t" form SQL Server uses in messages.
func (w *rowWriter) qualifiedName() string {
	return w.db.Name() + ".dbo." + w.table.Name
}

// convert brings a value to column i's type and checks nullability.
func (w *rowWriter) convert(i int, v types.Value, from types.Type) (types.Value, error) {
	col := &w.table.Columns[i]
	if v == nil {
		if !col.Nullable {
			return nil, sqlerr.New(515, col.Name, w.qualifiedName(), w.verb)
		}
		return nil, nil
	}
	out, err := types.Convert(v, from, col.Type, types.Implicit)
	if err != nil {
		if sqlerr.Is(err, 8152) {
			return nil, sqlerr.New(2628, w.qualifiedName(), col.Name, truncatedValue(v, from, col.Type))
		}
		return nil, err
	}
	return out, nil
}

// truncatedValue is the value as it would have been cut, for 2628.
func truncatedValue(v types.Value, from, to types.Type) string {
	cut, err := types.Convert(v, from, to, types.Explicit)
	if err != nil {
		return ""
	}
	if b, ok := cut.([]byte); ok {
		return string(b)
	}
	return types.ToText(cut, to)
}

// key returns the storage key of a row (its primary key, or a new hidden
// row id for a heap when fresh is true).
func (w *rowWriter) key(t *txn, row []types.Value) ([]byte, error) {
	if len(w.table.PK) == 0 {
		id, err := t.nextCounter(keys.RowIDKey(w.table.StoreID()), 1, 1)
		if err != nil {
			return nil, err
		}
		return keys.RowKey(w.table.StoreID(), keys.AppendValue(nil, id, types.TypeBigInt)), nil
	}
	return w.pkKey(row), nil
}

func (w *rowWriter) pkKey(row []types.Value) []byte {
	var scratch [64]byte // RowKey copies the key: one allocation per row
	enc := scratch[:0]
	for _, i := range w.table.PK {
		enc = keys.AppendValue(enc, row[i], w.table.Columns[i].Type)
	}
	return keys.RowKey(w.table.StoreID(), enc)
}

// insert stores a new row, refusing a duplicate primary key.
func (w *rowWriter) insert(t *txn, key []byte, row []types.Value) error {
	if len(w.table.PK) > 0 && (w.absent == nil || !w.absent(key)) {
		if _, exists, err := t.Get(key); err != nil {
			return err
		} else if exists {
			return w.duplicate(row)
		}
	}
	// key and the encoded row are fresh: the transaction keeps them as they are.
	if err := t.WriteOwned(key, nil, false, keys.EncodeRowExact(row)); err != nil {
		return err
	}
	return writeIndexes(t, w.table.ID, nil, nil, key, row)
}

func (w *rowWriter) duplicate(row []types.Value) error {
	vals := make([]string, len(w.table.PK))
	for i, c := range w.table.PK {
		vals[i] = types.ToText(row[c], w.table.Columns[c].Type)
	}
	return sqlerr.New(2627, "PRIMARY KEY", w.table.PKName, "dbo."+w.table.Name, strings.Join(vals, ", "))
}

// nextIdentity returns the next IDENTITY value of column i.
func (w *rowWriter) nextIdentity(t *txn, i int) (int64, error) {
	id := w.table.Columns[i].Identity
	v, err := t.nextCounter(keys.IdentityKey(w.table.ID), id.Seed, id.Increment)
	if err != nil {
		return 0, err
	}
	k := w.table.Columns[i].Type.Kind
	if k != types.Decimal && !types.CheckIntRange(v, k) {
		return 0, sqlerr.New(8115, "IDENTITY", k.String())
	}
	return v, nil
}

// insertPlan is a bound INSERT.
type insertPlan struct {
	w       rowWriter
	targets []int         // table column for each supplied value
	rows    [][]exec.Expr // VALUES rows; a nil expr is DEFAULT
	sel     *selectPlan
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
	p := &insertPlan{w: rowWriter{db: db, table: def, verb: "INSERT"}}
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
		if n := len(p.sel.cols); n != len(p.targets) {
			if len(x.Columns) == 0 {
				return nil, b.ErrAt(x, sqlerr.New(213))
			}
			if n > len(p.targets) {
				return nil, b.ErrAt(x, sqlerr.New(121))
			}
			return nil, b.ErrAt(x, sqlerr.New(120))
		}
		for _, c := range p.sel.cols {
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
	case w.table.Columns[i].IsRowversion():
		v, err := nextRowversion(t)
		row[i] = v
		return err
	case w.table.Columns[i].Identity != nil:
		v, err := w.nextIdentity(t, i)
		if err != nil {
			return err
		}
		row[i] = v
		if w.table.Columns[i].Type.Kind == types.Decimal {
			row[i] = types.DecFromInt(v)
		}
		sessionOf(e).lastIdentity = &v
		return nil
	case defs[i] != nil:
		v, err := defs[i].Eval(e)
		if err != nil {
			return err
		}
		row[i], err = w.convert(i, v, defs[i].Type())
		return err
	}
	var err error
	row[i], err = w.convert(i, nil, types.TypeUnknown)
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
		rows, err := collectRows(e, p.sel, -1)
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
	row := make([]types.Value, len(p.w.table.Columns))
	given := make([]bool, len(row))
	for j, col := range p.targets {
		if isDefault != nil && isDefault[j] {
			continue
		}
		v := vals[j]
		if !p.converted {
			var err error
			if v, err = p.w.convert(col, v, valTypes[j]); err != nil {
				return err
			}
		}
		row[col], given[col] = v, true
		if p.w.table.Columns[col].Identity != nil {
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
	key, err := p.w.key(t, row)
	if err != nil {
		return err
	}
	if err := p.w.insert(t, key, row); err != nil {
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
	p := &updatePlan{w: rowWriter{db: db, table: def, verb: "UPDATE"}, scan: scan, sc: sc}
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

// matchRows collects the rows a WHERE clause selects (with their keys and
// encoded values), before anything is changed: the Halloween protection of
// UPDATE and DELETE.
func matchRows(e *exec.Env, scan *exec.TableScan, where, top exec.Expr) (keysOut, raws [][]byte, rows [][]types.Value, err error) {
	limit := int64(-1)
	if top != nil {
		v, err := top.Eval(e)
		if err != nil {
			return nil, nil, nil, err
		}
		if n, ok := v.(int64); ok && n >= 0 {
			limit = n
		}
	}
	if limit == 0 {
		return nil, nil, nil, nil
	}
	err = scan.ScanKeys(e, func(key, raw []byte, row []types.Value) error {
		e.Row = row
		if where != nil {
			v, err := where.Eval(e)
			if err != nil || !exec.Truth(v) {
				return err
			}
		}
		keysOut = append(keysOut, bytes.Clone(key))
		raws = append(raws, bytes.Clone(raw))
		rows = append(rows, append([]types.Value{}, row...))
		if err := e.Gov.Grow(int64(len(key)+len(raw)) + govern.RowSize(rows[len(rows)-1]) + 3*8); err != nil {
			return err
		}
		if limit > 0 && int64(len(rows)) >= limit {
			return exec.ErrStopScan
		}
		return nil
	})
	if err == exec.ErrStopScan {
		err = nil
	}
	return keysOut, raws, rows, err
}

func (p *updatePlan) run(e *exec.Env, t *txn) (int64, error) {
	ks, raws, rows, err := matchRows(e, p.scan, p.where, p.top)
	if err != nil {
		return 0, err
	}
	changes := make([]rowChange, len(rows))
	for i, old := range rows {
		if err := e.Gov.Check(); err != nil {
			return 0, err
		}
		e.Row = old
		row := append([]types.Value{}, old...)
		for _, s := range p.sets {
			var v types.Value
			from := p.w.table.Columns[s.col].Type
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
			if row[s.col], err = p.w.convert(s.col, v, from); err != nil {
				return 0, err
			}
		}
		if err := p.w.stampRow(t, row); err != nil {
			return 0, err
		}
		if err := p.w.checkRow(e, t, row); err != nil {
			return 0, err
		}
		changes[i] = rowChange{oldKey: ks[i], oldRaw: raws[i], newKey: p.w.storageKey(ks[i], row), old: old, row: row}
		if err := p.out.add(e, old, row); err != nil {
			return 0, err
		}
	}
	if err := p.w.applyChanges(e, t, changes); err != nil {
		return 0, err
	}
	return int64(len(changes)), p.w.afterUpdate(e, t, changes)
}

// rowChange is one row an UPDATE (or a cascade) changes.
type rowChange struct {
	oldKey, oldRaw, newKey []byte
	old, row               []types.Value
}

// storageKey is where a changed row goes: its primary key, or for a heap
// where it was.
func (w *rowWriter) storageKey(oldKey []byte, row []types.Value) []byte {
	if len(w.table.PK) > 0 {
		return w.pkKey(row)
	}
	return oldKey
}

// applyChanges writes changed rows and their index entries.
func (w *rowWriter) applyChanges(e *exec.Env, t *txn, changes []rowChange) error {
	// Rows whose key changes are removed first, so that shifting keys
	// (SET id = id + 1) does not collide with rows not yet moved.
	for _, c := range changes {
		if err := e.Gov.Check(); err != nil {
			return err
		}
		if !bytes.Equal(c.oldKey, c.newKey) {
			if err := t.Write(c.oldKey, c.oldRaw, true, nil); err != nil {
				return err
			}
		}
		newKey, newRow := c.newKey, c.row
		if !bytes.Equal(c.oldKey, c.newKey) {
			newKey, newRow = nil, nil // a moved row's entries come back with its insert
		}
		if err := indexPhase(t, w.table.ID, c.oldKey, c.old, newKey, newRow, true); err != nil {
			return err
		}
	}
	for _, c := range changes {
		if err := e.Gov.Check(); err != nil {
			return err
		}
		if bytes.Equal(c.oldKey, c.newKey) {
			if err := t.Write(c.oldKey, c.oldRaw, true, keys.EncodeRow(nil, c.row)); err != nil {
				return err
			}
			if err := indexPhase(t, w.table.ID, c.oldKey, c.old, c.oldKey, c.row, false); err != nil {
				return err
			}
			continue
		}
		if err := w.insert(t, c.newKey, c.row); err != nil {
			return err
		}
	}
	return nil
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
	ks, raws, rows, err := matchRows(e, p.scan, p.where, p.top)
	if err != nil {
		return 0, err
	}
	for _, old := range rows {
		if err := p.out.add(e, old, nil); err != nil {
			return 0, err
		}
	}
	if err := deleteRows(e, t, p.scan.Def.ID, ks, raws, rows); err != nil {
		return 0, err
	}
	def, _, err := liveDef(t, p.scan.Def)
	if err != nil {
		return 0, err
	}
	return int64(len(ks)), referencedChange(e, t, storeOf(p.scan), def, "DELETE", rows, nil, 0)
}

// deleteRows deletes the rows matchRows found, and their index entries.
func deleteRows(e *exec.Env, t *txn, tableID uint32, ks, raws [][]byte, rows [][]types.Value) error {
	for i, k := range ks {
		if err := e.Gov.Check(); err != nil {
			return err
		}
		if err := t.Write(k, raws[i], true, nil); err != nil {
			return err
		}
		if err := writeIndexes(t, tableID, k, rows[i], nil, nil); err != nil {
			return err
		}
	}
	return nil
}

// truncateTable deletes every row and resets the identity counter.
func truncateTable(e *exec.Env, t *txn, db *Database, def *catalog.TableDef) error {
	scan := newTableScan(db, def)
	ks, raws, rows, err := matchRows(e, scan, nil, nil)
	if err == nil {
		err = deleteRows(e, t, def.ID, ks, raws, rows)
	}
	if err != nil {
		return err
	}
	return t.Delete(keys.IdentityKey(def.ID))
}
