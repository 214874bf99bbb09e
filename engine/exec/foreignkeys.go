package exec

import (
	"bytes"

	"mirrordb/engine/catalog"
	"mirrordb/engine/keys"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// The constraints a write checks around its rows, as SQL Server checks
// them. Per row written:
//   - computed columns are evaluated and stored with the row, and CHECK
//     constraints evaluated (RowRules; only FALSE fails);
//   - each FOREIGN KEY whose columns are all non-NULL (and changed, for an
//     update) must find its parent row, through the parent's primary key
//     or the unique index the key references: one Get of the
//     transaction. An INSERT's row whose parent is in the same table may
//     find it in a later row of the statement: it is checked at the end;
//   - a parent row deleted, or whose referenced key changes while no row
//     holds it any more, looks for its children through an index whose
//     leading columns are the foreign key (the child's primary key or a
//     secondary index), else by scanning the child table, and then
//     refuses (NO ACTION: 547) or cascades (CASCADE, SET NULL, SET
//     DEFAULT), recursively: a cascade writes through the same Writes
//     with the statement's RowWriter paths (ApplyChanges, DeleteRows), so
//     it sees the statement's earlier writes and the log, the mirror and
//     a rollback see it like any other write. SQL Server refuses cascade
//     paths that could loop (1785 at DDL), so the recursion ends.
//
// The constraints are read as the transaction sees the schema now
// (Writes.Schema), so a constraint added while the statement waited for
// the writer lock is enforced too. The rules' expressions and the other
// tables' stores are the engine's to give (Tables).

// Tables is what the constraint checks need of the engine beside the
// statement's Writes: the stores of the database's other tables (a
// foreign key's parent, a parent's children) and the row rules it binds
// from their stored text. The statement's Enforcer gives both.
type Tables interface {
	// Store is def's store as the statement reads it: through the
	// session's transaction, so its earlier writes are seen.
	Store(def *catalog.TableDef) Table
	// Rules are def's computed columns, CHECK constraints and DEFAULTs
	// bound from their text (once per definition).
	Rules(e *Env, def *catalog.TableDef) (*RowRules, error)
}

// constraints is the constraint work of one statement's write: the
// transaction, the engine's Tables, and the database and verb 547 names.
type constraints struct {
	e    *Env
	ws   Writes
	tabs Tables
	db   string
	verb string
}

// pendingParent is a row an INSERT wrote whose parent, in the same
// table, was not there yet: SQL Server checks foreign keys once the
// statement's rows are all in, so a row may reference one inserted
// after it.
type pendingParent struct {
	fk   *catalog.ForeignKeyDef
	vals []types.Value // the parent key sought, of the parent's types
}

// maxCascadeDepth bounds the recursion of cascades; 1785 keeps cascade
// paths acyclic, so only a schema made otherwise could reach it.
const maxCascadeDepth = 32

// liveDef is the table's definition as the transaction sees it now (the
// bound one when the table changed shape since).
func liveDef(ws Writes, def *catalog.TableDef) (*catalog.TableDef, *catalog.Schema, error) {
	set, err := ws.Schema()
	if err != nil {
		return nil, nil, err
	}
	if d := set.ByID(def.ID); d != nil && len(d.Columns) == len(def.Columns) {
		return d, set, nil
	}
	return def, set, nil
}

// checkRow computes a new row version's computed columns and checks its
// CHECK constraints (547).
func (c constraints) checkRow(bound *catalog.TableDef, row []types.Value) error {
	def, _, err := liveDef(c.ws, bound)
	if err != nil || !def.HasRowRules() {
		return err
	}
	r, err := c.tabs.Rules(c.e, def)
	if err != nil {
		return err
	}
	if err := r.Compute(c.e, def, row); err != nil {
		return err
	}
	return r.Check(c.e, c.verb, c.db, def, row)
}

// keyValues returns the row's values of cols, and whether one is NULL.
func keyValues(row []types.Value, cols []int) ([]types.Value, bool) {
	out := make([]types.Value, len(cols))
	null := false
	for i, c := range cols {
		out[i] = row[c]
		null = null || row[c] == nil
	}
	return out, null
}

// sameValues reports whether two rows of def agree on cols (as keys
// compare them).
func sameValues(def *catalog.TableDef, a, b []types.Value, cols []int) bool {
	for _, c := range cols {
		t := def.Columns[c].Type
		if !bytes.Equal(keys.AppendValue(nil, a[c], t), keys.AppendValue(nil, b[c], t)) {
			return false
		}
	}
	return true
}

// convertKey converts a key's values (of types from) to the types of
// def's cols.
func convertKey(def *catalog.TableDef, cols []int, vals []types.Value, from []types.Type) ([]types.Value, error) {
	out := make([]types.Value, len(vals))
	for i, v := range vals {
		if v == nil {
			continue
		}
		var err error
		if out[i], err = types.Convert(v, from[i], def.Columns[cols[i]].Type, types.Implicit); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// HasParent reports whether the row of child finds the parent row its
// foreign key fk references (true when a key column is NULL): what every
// written row must, and what ALTER TABLE ... WITH CHECK checks of the
// rows already there.
func HasParent(e *Env, ws Writes, tabs Tables, child, parent *catalog.TableDef, fk *catalog.ForeignKeyDef, row []types.Value) (bool, error) {
	vals, null := keyValues(row, fk.Columns)
	if null {
		return true, nil
	}
	vals, err := convertKey(parent, fk.RefColumns, vals, child.ColumnTypes(fk.Columns))
	if err != nil {
		return false, err
	}
	return keyExists(e, ws, tabs, parent, fk.RefColumns, vals)
}

// keyExists reports whether def has a row whose cols hold vals (already
// of the columns' types): one Get of the key RowKeyFor gives.
func keyExists(e *Env, ws Writes, tabs Tables, def *catalog.TableDef, cols []int, vals []types.Value) (bool, error) {
	valueOf := func(col int) types.Value {
		for i, c := range cols {
			if c == col {
				return vals[i]
			}
		}
		return nil
	}
	var key []byte
	switch pk, ix := def.RowKeyFor(cols, true); {
	case pk:
		enc := make([]byte, 0, 32)
		for _, c := range def.PK {
			enc = keys.AppendValue(enc, valueOf(c), def.Columns[c].Type)
		}
		key = keys.RowKey(def.StoreID(), enc)
	case ix != nil:
		key = keys.IndexPrefix(def.StoreID(), ix.StoreID())
		for i, c := range ix.Columns {
			key = keys.AppendIndexValue(key, valueOf(c), def.Columns[c].Type, ix.Desc[i])
		}
	default:
		ks, _, _, err := findRows(e, tabs, def, cols, vals)
		return len(ks) > 0, err
	}
	_, ok, err := ws.Get(key)
	return ok, err
}

// findRows returns def's rows whose cols hold vals (of the columns'
// types), read through the primary key or a secondary index whose leading
// columns are cols when there is one, else by scanning the table.
func findRows(e *Env, tabs Tables, def *catalog.TableDef, cols []int, vals []types.Value) (ks, raws [][]byte, rows [][]types.Value, err error) {
	scan := &TableScan{Table: tabs.Store(def), Def: def}
	consts := func(order []int) []Expr {
		out := make([]Expr, len(order))
		for i, c := range order {
			for j, k := range cols {
				if k == c {
					out[i] = &Const{V: vals[j], T: def.Columns[c].Type}
				}
			}
		}
		return out
	}
	switch pk, ix := def.RowKeyFor(cols, false); {
	case pk:
		scan.Eq = consts(def.PK[:len(cols)])
	case ix != nil:
		scan.Seek = &IndexSeek{Index: *ix, KeySeek: EqualKeySeek(def, ix.Columns, ix.Desc, consts(ix.Columns[:len(cols)]))}
	}
	allKs, allRaws, allRows, err := MatchRows(e, scan, nil, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	probe := make([]types.Value, len(def.Columns))
	for i, c := range cols {
		probe[c] = vals[i]
	}
	for i, row := range allRows {
		if sameValues(def, row, probe, cols) {
			ks, raws, rows = append(ks, allKs[i]), append(raws, allRaws[i]), append(rows, row)
		}
	}
	return ks, raws, rows, nil
}

// parents checks the foreign keys of a new row version: each whose
// columns are all non-NULL (and changed, for an update) must find its
// parent row. An INSERT passes pending, where a row whose parent in the
// same table is not there yet waits for the statement's end.
func (c constraints) parents(bound *catalog.TableDef, old, row []types.Value, pending *[]pendingParent) error {
	def, set, err := liveDef(c.ws, bound)
	if err != nil || len(def.ForeignKeys) == 0 {
		return err
	}
	for i := range def.ForeignKeys {
		fk := &def.ForeignKeys[i]
		vals, null := keyValues(row, fk.Columns)
		if fk.Disabled || null || (old != nil && sameValues(def, old, row, fk.Columns)) {
			continue
		}
		parent := set.ByID(fk.RefTable)
		if parent == nil {
			continue
		}
		vals, err := convertKey(parent, fk.RefColumns, vals, def.ColumnTypes(fk.Columns))
		if err != nil {
			return err
		}
		ok, err := keyExists(c.e, c.ws, c.tabs, parent, fk.RefColumns, vals)
		if err != nil {
			return err
		}
		if !ok && old == nil && fk.RefTable == def.ID && pending != nil {
			*pending = append(*pending, pendingParent{fk, vals}) // a later row of the statement may be the parent
			continue
		}
		if !ok {
			return Conflict(c.verb, "FOREIGN KEY", fk.Name, c.db, parent, fk.RefColumns)
		}
	}
	return nil
}

// pendingParents checks, at the end of an INSERT, the rows parents put
// aside.
func (c constraints) pendingParents(bound *catalog.TableDef, refs []pendingParent) error {
	def, _, err := liveDef(c.ws, bound)
	if err != nil {
		return err
	}
	for _, r := range refs {
		ok, err := keyExists(c.e, c.ws, c.tabs, def, r.fk.RefColumns, r.vals)
		if err != nil {
			return err
		}
		if !ok {
			return Conflict(c.verb, "FOREIGN KEY", r.fk.Name, c.db, def, r.fk.RefColumns)
		}
	}
	return nil
}

// updated checks the foreign keys of the rows an UPDATE changed, and
// carries out those that reference them.
func (c constraints) updated(bound *catalog.TableDef, changes []RowChange) error {
	olds := make([][]types.Value, len(changes))
	news := make([][]types.Value, len(changes))
	for i, ch := range changes {
		if err := c.parents(bound, ch.Old, ch.Row, nil); err != nil {
			return err
		}
		olds[i], news[i] = ch.Old, ch.Row
	}
	def, _, err := liveDef(c.ws, bound)
	if err != nil {
		return err
	}
	return c.referenced(def, olds, news, 0)
}

// deleted carries out the foreign keys that reference deleted rows.
func (c constraints) deleted(bound *catalog.TableDef, rows [][]types.Value) error {
	def, _, err := liveDef(c.ws, bound)
	if err != nil {
		return err
	}
	return c.referenced(def, rows, nil, 0)
}

// referenced carries out the foreign keys that reference def for its
// rows changing from olds[i] to news[i] (news nil: deleted): a referenced
// key that no row of def holds any more either has no child rows, or the
// foreign key's action decides (NO ACTION: 547; CASCADE, SET NULL, SET
// DEFAULT: the children change too, and so on down).
func (c constraints) referenced(def *catalog.TableDef, olds, news [][]types.Value, depth int) error {
	set, err := c.ws.Schema()
	if err != nil {
		return err
	}
	for _, ref := range set.Referencing(def.ID) {
		if ref.FK.Disabled {
			continue
		}
		for r, old := range olds {
			var nw []types.Value
			if news != nil {
				nw = news[r]
			}
			if err := c.referencedRow(def, ref.Child, ref.FK, old, nw, depth); err != nil {
				return err
			}
		}
	}
	return nil
}

// referencedRow is referenced for one parent row and one foreign key.
func (c constraints) referencedRow(def, child *catalog.TableDef, fk *catalog.ForeignKeyDef, old, nw []types.Value, depth int) error {
	oldVals, null := keyValues(old, fk.RefColumns)
	if null || (nw != nil && sameValues(def, old, nw, fk.RefColumns)) {
		return nil
	}
	if still, err := keyExists(c.e, c.ws, c.tabs, def, fk.RefColumns, oldVals); err != nil || still {
		return err // another row (or the same one) still holds the key
	}
	childVals, err := convertKey(child, fk.Columns, oldVals, def.ColumnTypes(fk.RefColumns))
	if err != nil {
		return err
	}
	ks, raws, rows, err := findRows(c.e, c.tabs, child, fk.Columns, childVals)
	if err != nil || len(ks) == 0 {
		return err
	}
	action := fk.OnDelete
	if nw != nil {
		action = fk.OnUpdate
	}
	if action != catalog.ActionNone && depth >= maxCascadeDepth {
		return sqlerr.New(1785, fk.Name, child.Name) // the foreign key that would cascade once more
	}
	switch {
	case action == catalog.ActionNone:
		return Conflict(c.verb, "REFERENCE", fk.Name, c.db, child, fk.Columns)
	case action == catalog.ActionCascade && nw == nil:
		if err := DeleteRows(c.e, c.ws, child.ID, ks, raws, rows); err != nil {
			return err
		}
		return c.referenced(child, rows, nil, depth+1)
	}
	// CASCADE of an update, SET NULL, SET DEFAULT: the children's foreign
	// key columns change.
	w := &RowWriter{Table: child, Database: c.db, Verb: c.verb}
	var vals []types.Value
	switch action {
	case catalog.ActionCascade:
		newVals, _ := keyValues(nw, fk.RefColumns)
		if vals, err = convertKey(child, fk.Columns, newVals, def.ColumnTypes(fk.RefColumns)); err != nil {
			return err
		}
	case catalog.ActionSetNull:
		vals = make([]types.Value, len(fk.Columns))
	case catalog.ActionSetDefault:
		if vals, err = c.defaults(w, fk.Columns); err != nil {
			return err
		}
	}
	changes := make([]RowChange, len(rows))
	news := make([][]types.Value, len(rows))
	for i, row := range rows {
		news[i] = append([]types.Value{}, row...)
		for j, col := range fk.Columns {
			if news[i][col], err = w.Convert(col, vals[j], child.Columns[col].Type); err != nil {
				return err
			}
		}
		if err := w.Stamp(c.ws, news[i]); err != nil { // a changed row gets a new rowversion
			return err
		}
		if err := c.checkRow(child, news[i]); err != nil {
			return err
		}
		changes[i] = RowChange{OldKey: ks[i], OldRaw: raws[i], NewKey: w.StorageKey(ks[i], news[i]), Old: row, Row: news[i]}
	}
	if err := w.ApplyChanges(c.e, c.ws, changes); err != nil {
		return err
	}
	if action == catalog.ActionSetDefault {
		// The default may be the very key that went, which parents
		// (skipping keys a row did not change) would not look up.
		if ok, err := HasParent(c.e, c.ws, c.tabs, child, def, fk, news[0]); err != nil || !ok {
			if err == nil {
				err = Conflict(c.verb, "FOREIGN KEY", fk.Name, c.db, def, fk.RefColumns)
			}
			return err
		}
	}
	for i := range rows {
		if err := c.parents(child, rows[i], news[i], nil); err != nil {
			return err
		}
	}
	return c.referenced(child, rows, news, depth+1)
}

// defaults evaluates the DEFAULTs of w's table's cols (NULL without one).
func (c constraints) defaults(w *RowWriter, cols []int) ([]types.Value, error) {
	r, err := c.tabs.Rules(c.e, w.Table)
	if err != nil {
		return nil, err
	}
	out := make([]types.Value, len(cols))
	for i, col := range cols {
		if x := r.Defaults[col]; x != nil {
			v, err := x.Eval(c.e)
			if err != nil {
				return nil, err
			}
			if out[i], err = w.Convert(col, v, x.Type()); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}
