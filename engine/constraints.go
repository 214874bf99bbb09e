package engine

import (
	"bytes"
	"strings"
	"sync"
	"sync/atomic"

	"mirrordb/engine/bind"
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/keys"
	"mirrordb/engine/opt"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// Constraints. FOREIGN KEY and CHECK constraints are part of their table's
// definition (catalog.TableDef.ForeignKeys, .Checks), a UNIQUE constraint is a
// unique index marked Constraint, a DEFAULT lives on its column: so they
// are stored, logged, mirrored and backed up with the table, and every
// action a constraint takes (a cascade deleting or updating child rows)
// writes through the statement's own transaction, where the log, the
// mirror and the undo of forced service see it like any other write.
//
// Enforcement reads the constraints as the transaction sees the schema
// (as exec.IndexPhase does), so a constraint added while a statement waited
// for the writer lock is enforced too. Per row written:
//   - computed columns are evaluated and stored with the row (PERSISTED
//     or not; SQL Server computes a non-persisted column on read, which
//     gives the same answers for deterministic expressions);
//   - CHECK constraints are evaluated; only FALSE fails (NULL passes);
//   - each FOREIGN KEY whose columns are all non-NULL must find its
//     parent row, through the parent's primary key or the unique index
//     the key references: one seek;
//   - a parent row deleted or whose referenced key changes looks for its
//     children through an index whose leading columns are the foreign key
//     (the child's primary key or a secondary index), else by scanning the
//     child table, and then refuses (NO ACTION) or cascades (CASCADE, SET
//     NULL, SET DEFAULT), recursively. SQL Server refuses cascade paths
//     that could loop or reach a table twice (1785), and so does mirrordb,
//     so the recursion ends.
//
// Bulk loads (COPY, BULK INSERT) store rows through INSERT's path, so they
// compute and check as INSERT does (SQL Server's BULK INSERT skips CHECK
// and FOREIGN KEY constraints unless told CHECK_CONSTRAINTS; mirrordb
// always checks). docs/ARCHITECTURE.md ("Constraints") has the rest.

// exprFromText parses an expression stored as text (a DEFAULT, a CHECK, a
// computed column), cached by its text.
func exprFromText(text string) parser.Expr {
	return parseCached(&defaultExprs, "SELECT ("+text+")", storedExpr)
}

// storedExpr is the expression of "SELECT (text)": parenthesised, since
// "SELECT q = 5" would read as a column alias q for 5.
func storedExpr(s *parser.Select) parser.Expr {
	if len(s.Items) != 1 {
		return nil
	}
	if p, ok := s.Items[0].Expr.(*parser.Paren); ok {
		return p.X
	}
	return s.Items[0].Expr
}

// rulesCache holds the bound rules of each table definition in use; a
// definition is replaced (a new pointer) by every schema change, and the
// cache forgets everything when it grows past rulesCacheMax. Every row
// written asks it, from every session, so a lookup takes no lock: m is a
// *sync.Map replaced whole when it is full, n counts what it holds.
var rulesCache struct {
	m atomic.Pointer[sync.Map]
	n atomic.Int64
}

const rulesCacheMax = 512

// rulesFor binds (once per definition) a table's rules.
func rulesFor(e *exec.Env, db *Database, def *catalog.TableDef) (*exec.RowRules, error) {
	if m := rulesCache.m.Load(); m != nil {
		if r, ok := m.Load(def); ok {
			return r.(*exec.RowRules), nil
		}
	}
	b := newBinder(sessionOf(e), bind.Binder{})
	sc := bind.TableScope(db.Name(), def)
	r := &exec.RowRules{Defaults: make([]exec.Expr, len(def.Columns))}
	bind := func(text string, hint types.Type) (exec.Expr, error) {
		x := exprFromText(text)
		if x == nil {
			return nil, sqlerr.New(102, text)
		}
		return b.BindExpr(x, sc, nil, hint)
	}
	for i := range def.Columns {
		c := &def.Columns[i]
		if c.Computed != "" {
			x, err := bind(c.Computed, c.Type)
			if err != nil {
				return nil, err
			}
			r.Computed = append(r.Computed, exec.ComputedColumn{Col: i, X: x})
		}
		if d := defaultExpression(c); d != nil {
			x, err := b.BindDefault(d, c.Type)
			if err != nil {
				return nil, err
			}
			r.Defaults[i] = x
		}
	}
	for i := range def.Checks {
		if def.Checks[i].Disabled {
			continue
		}
		x, err := bind(def.Checks[i].Expr, types.TypeBit)
		if err != nil {
			return nil, err
		}
		r.Checks = append(r.Checks, exec.BoundCheck{Def: &def.Checks[i], X: x})
	}
	m := rulesCache.m.Load()
	if m == nil || rulesCache.n.Add(1) > rulesCacheMax {
		// Two sessions may both start a new map; one wins, and the other's
		// rules are bound again on next use.
		m = new(sync.Map)
		rulesCache.m.Store(m)
		rulesCache.n.Store(1)
	}
	m.Store(def, r)
	return r, nil
}

// liveDef is the table's definition as the transaction sees it now (the
// bound one when the table changed shape since).
func liveDef(t *txn, def *catalog.TableDef) (*catalog.TableDef, *catalog.Schema, error) {
	set, err := t.schemaView()
	if err != nil {
		return nil, nil, err
	}
	if d := set.ByID(def.ID); d != nil && len(d.Columns) == len(def.Columns) {
		return d, set, nil
	}
	return def, set, nil
}

// checkRow computes a new row version's computed columns and checks its
// CHECK constraints, bound (once per definition) by rulesFor.
func (w *rowWriter) checkRow(e *exec.Env, t *txn, row []types.Value) error {
	def, _, err := liveDef(t, w.Table)
	if err != nil || !def.HasRowRules() {
		return err
	}
	r, err := rulesFor(e, w.db, def)
	if err != nil {
		return err
	}
	if err := r.Compute(e, def, row); err != nil {
		return err
	}
	return r.Check(e, w.Verb, w.Database, def, row)
}

// conflict is exec.Conflict with the database's name.
func conflict(verb, kind, name string, db *Database, def *catalog.TableDef, cols []int) *sqlerr.Error {
	return exec.Conflict(verb, kind, name, db.Name(), def, cols)
}

// pick returns the row's values of cols, and whether one is NULL.
func pick(row []types.Value, cols []int) ([]types.Value, bool) {
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

// convertTo converts values (of types from) to the types of def's cols.
func convertTo(def *catalog.TableDef, cols []int, vals []types.Value, from []types.Type) ([]types.Value, error) {
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

// keyExists reports whether def has a row whose cols hold vals (already of
// the columns' types): one point read through the key RowKeyFor gives.
func keyExists(e *exec.Env, t *txn, db *Database, def *catalog.TableDef, cols []int, vals []types.Value) (bool, error) {
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
		ks, _, _, err := findRows(e, db, def, cols, vals)
		return len(ks) > 0, err
	}
	_, ok, err := t.Get(key)
	return ok, err
}

// findRows returns def's rows whose cols hold vals (of the columns'
// types), read through the primary key or a secondary index whose leading
// columns are cols when there is one, else by scanning the table.
func findRows(e *exec.Env, db *Database, def *catalog.TableDef, cols []int, vals []types.Value) (ks, raws [][]byte, rows [][]types.Value, err error) {
	scan := newTableScan(db, def)
	consts := func(order []int) []exec.Expr {
		out := make([]exec.Expr, len(order))
		for i, c := range order {
			for j, k := range cols {
				if k == c {
					out[i] = &exec.Const{V: vals[j], T: def.Columns[c].Type}
				}
			}
		}
		return out
	}
	switch pk, ix := def.RowKeyFor(cols, false); {
	case pk:
		scan.Eq = consts(def.PK[:len(cols)])
	case ix != nil:
		scan.Seek = &exec.IndexSeek{Index: *ix, KeySeek: opt.EqualKeySeek(def, ix.Columns, ix.Desc, consts(ix.Columns[:len(cols)]))}
	}
	allKs, allRaws, allRows, err := exec.MatchRows(e, scan, nil, nil)
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

// checkParents checks the foreign keys of a new row version: each whose
// columns are all non-NULL (and changed, for an update) must find its
// parent row.
func (w *rowWriter) checkParents(e *exec.Env, t *txn, old, row []types.Value) error {
	def, set, err := liveDef(t, w.Table)
	if err != nil || len(def.ForeignKeys) == 0 {
		return err
	}
	for i := range def.ForeignKeys {
		fk := &def.ForeignKeys[i]
		vals, null := pick(row, fk.Columns)
		if fk.Disabled || null || (old != nil && sameValues(def, old, row, fk.Columns)) {
			continue
		}
		parent := set.ByID(fk.RefTable)
		if parent == nil {
			continue
		}
		vals, err := convertTo(parent, fk.RefColumns, vals, def.ColumnTypes(fk.Columns))
		if err != nil {
			return err
		}
		ok, err := keyExists(e, t, w.db, parent, fk.RefColumns, vals)
		if err != nil {
			return err
		}
		if !ok && old == nil && fk.RefTable == def.ID && t.selfRefs != nil {
			*t.selfRefs = append(*t.selfRefs, selfRef{fk, vals}) // a later row of the statement may be the parent
			continue
		}
		if !ok {
			return conflict(w.Verb, "FOREIGN KEY", fk.Name, w.db, parent, fk.RefColumns)
		}
	}
	return nil
}

// selfRef is a row an INSERT wrote whose parent, in the same table, it did
// not find: SQL Server checks foreign keys once the statement's rows are
// all in, so a row may reference one inserted after it.
type selfRef struct {
	fk   *catalog.ForeignKeyDef
	vals []types.Value // the parent key sought, of the parent's types
}

// checkSelfRefs checks, at the end of an INSERT, the rows checkParents
// put aside.
func (w *rowWriter) checkSelfRefs(e *exec.Env, t *txn, refs []selfRef) error {
	def, _, err := liveDef(t, w.Table)
	if err != nil {
		return err
	}
	for _, r := range refs {
		ok, err := keyExists(e, t, w.db, def, r.fk.RefColumns, r.vals)
		if err != nil {
			return err
		}
		if !ok {
			return conflict(w.Verb, "FOREIGN KEY", r.fk.Name, w.db, def, r.fk.RefColumns)
		}
	}
	return nil
}

// maxCascadeDepth bounds the recursion of cascades; 1785 keeps cascade
// paths acyclic, so only a schema made otherwise could reach it.
const maxCascadeDepth = 32

// referencedChange carries out the foreign keys that reference def for
// its rows changing from olds[i] to news[i] (news nil: deleted): a
// referenced key that no row of def holds any more either has no child
// rows, or the foreign key's action decides (NO ACTION: 547; CASCADE, SET
// NULL, SET DEFAULT: the children change too, and so on down).
func referencedChange(e *exec.Env, t *txn, db *Database, def *catalog.TableDef, verb string, olds, news [][]types.Value, depth int) error {
	set, err := t.schemaView()
	if err != nil {
		return err
	}
	if depth > maxCascadeDepth {
		return sqlerr.New(1785, def.Name, def.Name)
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
			if err := referencedRow(e, t, db, def, ref.Child, ref.FK, verb, old, nw, depth); err != nil {
				return err
			}
		}
	}
	return nil
}

// referencedRow is referencedChange for one parent row and one foreign key.
func referencedRow(e *exec.Env, t *txn, db *Database, def, child *catalog.TableDef, fk *catalog.ForeignKeyDef, verb string, old, nw []types.Value, depth int) error {
	oldVals, null := pick(old, fk.RefColumns)
	if null || (nw != nil && sameValues(def, old, nw, fk.RefColumns)) {
		return nil
	}
	if still, err := keyExists(e, t, db, def, fk.RefColumns, oldVals); err != nil || still {
		return err // another row (or the same one) still holds the key
	}
	childVals, err := convertTo(child, fk.Columns, oldVals, def.ColumnTypes(fk.RefColumns))
	if err != nil {
		return err
	}
	ks, raws, rows, err := findRows(e, db, child, fk.Columns, childVals)
	if err != nil || len(ks) == 0 {
		return err
	}
	action := fk.OnDelete
	if nw != nil {
		action = fk.OnUpdate
	}
	switch {
	case action == catalog.ActionNone:
		return conflict(verb, "REFERENCE", fk.Name, db, child, fk.Columns)
	case action == catalog.ActionCascade && nw == nil:
		if err := exec.DeleteRows(e, t, child.ID, ks, raws, rows); err != nil {
			return err
		}
		return referencedChange(e, t, db, child, verb, rows, nil, depth+1)
	}
	// CASCADE of an update, SET NULL, SET DEFAULT: the children's foreign
	// key columns change.
	w := newRowWriter(db, child, verb)
	var vals []types.Value
	switch action {
	case catalog.ActionCascade:
		newVals, _ := pick(nw, fk.RefColumns)
		if vals, err = convertTo(child, fk.Columns, newVals, def.ColumnTypes(fk.RefColumns)); err != nil {
			return err
		}
	case catalog.ActionSetNull:
		vals = make([]types.Value, len(fk.Columns))
	case catalog.ActionSetDefault:
		if vals, err = w.defaultValues(e, fk.Columns); err != nil {
			return err
		}
	}
	changes := make([]exec.RowChange, len(rows))
	news := make([][]types.Value, len(rows))
	for i, row := range rows {
		news[i] = append([]types.Value{}, row...)
		for j, c := range fk.Columns {
			if news[i][c], err = w.Convert(c, vals[j], child.Columns[c].Type); err != nil {
				return err
			}
		}
		if err := w.checkRow(e, t, news[i]); err != nil {
			return err
		}
		changes[i] = exec.RowChange{OldKey: ks[i], OldRaw: raws[i], NewKey: w.StorageKey(ks[i], news[i]), Old: row, Row: news[i]}
	}
	if err := w.ApplyChanges(e, t, changes); err != nil {
		return err
	}
	for i := range rows {
		if err := w.checkParents(e, t, rows[i], news[i]); err != nil {
			return err
		}
	}
	return referencedChange(e, t, db, child, verb, rows, news, depth+1)
}

// defaultValues evaluates the DEFAULTs of cols (NULL without one).
func (w *rowWriter) defaultValues(e *exec.Env, cols []int) ([]types.Value, error) {
	r, err := rulesFor(e, w.db, w.Table)
	if err != nil {
		return nil, err
	}
	out := make([]types.Value, len(cols))
	for i, c := range cols {
		if x := r.Defaults[c]; x != nil {
			v, err := x.Eval(e)
			if err != nil {
				return nil, err
			}
			if out[i], err = w.Convert(c, v, x.Type()); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// afterUpdate checks the foreign keys of the rows an UPDATE changed, and
// carries out those that reference them.
func (w *rowWriter) afterUpdate(e *exec.Env, t *txn, changes []exec.RowChange) error {
	olds := make([][]types.Value, len(changes))
	news := make([][]types.Value, len(changes))
	for i, c := range changes {
		if err := w.checkParents(e, t, c.Old, c.Row); err != nil {
			return err
		}
		olds[i], news[i] = c.Old, c.Row
	}
	def, _, err := liveDef(t, w.Table)
	if err != nil {
		return err
	}
	return referencedChange(e, t, w.db, def, w.Verb, olds, news, 0)
}

// refuseReferenced is DROP TABLE's 3726 and TRUNCATE TABLE's 4712 when a
// foreign key of another table (not among dropping) references def.
func refuseReferenced(t *txn, def *catalog.TableDef, dropping map[uint32]bool, msg int) error {
	set, err := t.schemaView()
	if err != nil {
		return err
	}
	if set.ReferencedBy(def, dropping) == "" {
		return nil
	}
	if msg == 3726 {
		return sqlerr.New(msg, "dbo."+def.Name)
	}
	return sqlerr.New(msg, def.Name)
}

// droppedTables are the ids of the tables a DROP TABLE names: a foreign
// key between two of them does not stop it.
func droppedTables(t *txn, names []parser.ObjectName) (map[uint32]bool, error) {
	set, err := t.schemaView()
	if err != nil {
		return nil, err
	}
	out := map[uint32]bool{}
	for _, n := range names {
		if def := set.Table("dbo", n.Object()); def != nil {
			out[def.ID] = true
		}
	}
	return out, nil
}

// indexEnforces names the constraint an index enforces, which DROP INDEX
// may not take away (3723): a UNIQUE constraint's own index, or the
// unique index a foreign key's parent lookup goes through.
func indexEnforces(t *txn, def *catalog.TableDef, ix *catalog.IndexDef) (string, error) {
	if ix.Constraint {
		return "UNIQUE KEY", nil
	}
	set, err := t.schemaView()
	if err != nil || !ix.Unique {
		return "", err
	}
	if _, fk := set.ReferencingKey(def, ix.Columns); fk != "" && !(len(def.PK) > 0 && catalog.SameColumnSet(def.PK, ix.Columns)) {
		return "FOREIGN KEY", nil
	}
	return "", nil
}

// constraintOnColumn names a constraint (or computed column) that depends
// on column col of def, "" when none does: what ALTER TABLE DROP COLUMN
// and ALTER COLUMN must refuse (5074) before they shift or change a
// column that FOREIGN KEY, CHECK, UNIQUE, DEFAULT or a computed column
// uses. Foreign keys of other tables that reference def count too.
func constraintOnColumn(set *catalog.Schema, def *catalog.TableDef, col int) string {
	name := def.Columns[col].Name
	mentions := func(text string) bool {
		x := exprFromText(text)
		found := false
		if x != nil {
			bind.WalkExpr(x, func(n parser.Expr) bool {
				if r, ok := n.(*parser.ColumnRef); ok && strings.EqualFold(r.Parts[len(r.Parts)-1], name) {
					found = true
				}
				return !found
			})
		}
		return found
	}
	has := func(cols []int) bool {
		for _, c := range cols {
			if c == col {
				return true
			}
		}
		return false
	}
	for i := range def.ForeignKeys {
		if has(def.ForeignKeys[i].Columns) {
			return def.ForeignKeys[i].Name
		}
	}
	for i := range def.Checks {
		if ck := &def.Checks[i]; ck.Column == col || mentions(ck.Expr) {
			return ck.Name
		}
	}
	for i := range def.Indexes {
		if ix := &def.Indexes[i]; ix.Constraint && has(ix.Columns) {
			return ix.Name
		}
	}
	if c := &def.Columns[col]; c.Default != "" && c.DefaultName != "" {
		return c.DefaultName
	}
	for i := range def.Columns {
		if c := &def.Columns[i]; i != col && c.Computed != "" && mentions(c.Computed) {
			return c.Name
		}
	}
	for _, t := range set.Tables() {
		for i := range t.ForeignKeys {
			if fk := &t.ForeignKeys[i]; fk.RefTable == def.ID && has(fk.RefColumns) {
				return fk.Name
			}
		}
	}
	return ""
}
