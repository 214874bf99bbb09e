package engine

import (
	"mirrordb/engine/bind"
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// ALTER TABLE's column forms: ADD, DROP COLUMN and ALTER COLUMN. Each is
// checked when bound, against the table as it is then, and again when it
// runs, against the table as the writer lock finds it (alterChange.plan,
// by engine/bind's checks: alter.go);
// alter_rewrite.go then changes the definition alone or rewrites the rows
// (docs/ARCHITECTURE.md, "Changing a table's columns").

// alterChange is one ALTER TABLE column change.
type alterChange struct {
	// plan checks the change against def, the table as the running
	// statement sees it, and returns the new definition (same id) and how
	// an old row becomes a new one (nil when rows stay as they are). The
	// row map's copy says whether stored rows must be rewritten; without
	// it the map only checks that every row converts.
	plan func(e *exec.Env, def *catalog.TableDef) (*alteration, error)
	// then, when set, runs in the transaction that makes the change (the
	// check step's, or the swap's), after the new definition is written
	// under id: ADD's column constraints, so that one failing on the rows
	// there fails the whole statement with the table unchanged.
	then func(e *exec.Env, t *txn, id uint32) error
}

// alteration is a planned change of a table's columns.
type alteration struct {
	def *catalog.TableDef
	// row maps an old row (padded to the old width) to the new one; nil
	// when rows need neither a check nor a change.
	row func(e *exec.Env, ordinal int64, old []types.Value) ([]types.Value, error)
	// rewrite says the stored rows change (else row only checks them).
	rewrite bool
	// empty requires the table to have no rows (Msg 4901 names column).
	empty  bool
	column string
	// identity, when set, is the IDENTITY column the rewrite numbers;
	// the table's identity counter ends at its last value.
	identity int
	// touched are the columns (old numbering) dropped or changing type,
	// with the change's words for 4922: a constraint on one refuses the
	// change (alter_constraints.go).
	touched map[int]string
	// renumber maps old column numbers to new ones when columns are
	// dropped, for the foreign keys of other tables that reference them.
	renumber []int
	// dropped are the columns dropped: a row stored before one of them
	// was added as a computed column does not compute it (computed.go).
	dropped map[int]bool
	// rekey says the rows move to new keys (the primary key changes):
	// the copy stores each under the key def gives it (alter_key.go).
	rekey bool
	// verify, when set, checks the change against the schema as the
	// check step's transaction sees it.
	verify func(t *txn) error
}

// planAlterTable binds ALTER TABLE's column forms.
func (b *binder) planAlterTable(x *parser.AlterTable) (*stmtPlan, error) {
	db, def, err := b.ddl().AlterTarget(x.Table)
	if err != nil {
		return nil, err
	}
	var ch *alterChange
	switch {
	case x.Alter != nil:
		ch, err = b.alterColumn(x.Alter, db)
	case len(x.Drop) > 0:
		ch = b.dropColumns(x)
	default:
		ch, err = b.addColumns(x, db)
	}
	if err != nil {
		return nil, err
	}
	// The change is checked once more as it runs: a table changed since
	// binding gives the errors of the table as it is then.
	if _, err := ch.plan(nil, def); err != nil {
		return nil, b.ErrAt(x, err)
	}
	// Constraints written on the added columns (REFERENCES, CHECK,
	// UNIQUE) are added once the columns exist, as ADD CONSTRAINT would,
	// in the transaction that adds the columns.
	added := &parser.CreateTable{Name: x.Table}
	for _, c := range x.Add {
		added.Columns = append(added.Columns, c.ColumnDef)
	}
	if pending := bind.CreateTableConstraints(added); len(pending) > 0 {
		ch.then = func(e *exec.Env, t *txn, id uint32) error {
			return b.changeConstraints(e, t, db, id, func(a *constraintAdder) error { return a.addAll(pending) })
		}
	}
	return b.alterPlan(x, db, def.Name, ch), nil
}

// addColumns binds ADD col type ..., [, ...]. Columns are checked as CREATE
// TABLE checks them; a nullable column without a default to apply (or with
// one but without WITH VALUES) changes only the definition, as old rows
// read as NULL in it; any other fills every row. A computed column is
// typed against the table with its new columns. Not PERSISTED, it too
// changes only the definition: old rows compute it when read
// (computed.go), as SQL Server computes such a column. PERSISTED, it
// is computed for every row and stored; a row that cannot compute it
// fails the statement.
func (b *binder) addColumns(x *parser.AlterTable, db *Database) (*alterChange, error) {
	added, defaults, err := b.ddl().AddedColumns(db, x)
	if err != nil {
		return nil, err
	}
	computed, persisted := false, false
	for _, c := range added {
		computed, persisted = computed || c.Computed != "", persisted || c.Persisted
	}
	return &alterChange{plan: func(_ *exec.Env, def *catalog.TableDef) (*alteration, error) {
		nd, err := b.AddColumns(x, def, added)
		if err != nil {
			return nil, err
		}
		a := &alteration{def: nd, identity: -1}
		width := len(def.Columns)
		var fills []int // added columns (by their index in x.Add) with values for old rows
		for i, c := range added {
			if c.Identity != nil {
				a.identity = width + i
			}
			switch {
			case c.Identity != nil, defaults[i] != nil && (!c.Nullable || x.Add[i].WithValues):
				fills = append(fills, i)
			case !c.Nullable && defaults[i] == nil:
				a.empty, a.column = true, c.Name
			}
		}
		if len(fills) == 0 && !persisted {
			return a, nil // old rows read the new columns as NULL, or compute them
		}
		w := newRowWriter(db, nd, "ALTER TABLE")
		a.rewrite = true
		a.row = func(e *exec.Env, ordinal int64, old []types.Value) ([]types.Value, error) {
			row := make([]types.Value, len(nd.Columns))
			copy(row, old)
			for _, i := range fills {
				col := width + i
				if id := nd.Columns[col].Identity; id != nil {
					v := id.Seed + ordinal*id.Increment
					if !types.CheckIntRange(v, nd.Columns[col].Type.Kind) && nd.Columns[col].Type.Kind != types.Decimal {
						return nil, sqlerr.New(8115, "IDENTITY", nd.Columns[col].Type.Kind.String())
					}
					row[col] = v
					if nd.Columns[col].Type.Kind == types.Decimal {
						row[col] = types.DecFromInt(v)
					}
					continue
				}
				v, err := defaults[i].Eval(e)
				if err != nil {
					return nil, err
				}
				if row[col], err = w.Convert(col, v, defaults[i].Type()); err != nil {
					return nil, err
				}
			}
			if computed {
				r, err := rulesFor(e, db, nd)
				if err != nil {
					return nil, err
				}
				if err := r.Compute(e, nd, row); err != nil {
					return nil, err
				}
			}
			return row, nil
		}
		return a, nil
	}}, nil
}

// dropColumns binds DROP COLUMN [IF EXISTS] c [, ...] (checked by
// bind.DDLBinder.DroppedColumns). Indexes and the primary key keep their
// columns, renumbered.
func (b *binder) dropColumns(x *parser.AlterTable) *alterChange {
	return &alterChange{plan: func(_ *exec.Env, def *catalog.TableDef) (*alteration, error) {
		drop, err := b.ddl().DroppedColumns(x, def)
		if err != nil {
			return nil, err
		}
		if len(drop) == 0 {
			return &alteration{def: def, identity: -1}, nil
		}
		nd := def.Clone()
		nd.Columns = nd.Columns[:0]
		renumber := make([]int, len(def.Columns))
		var keep []int
		for i, c := range def.Columns {
			renumber[i] = len(nd.Columns)
			if !drop[i] {
				nd.Columns = append(nd.Columns, c)
				keep = append(keep, i)
			}
		}
		nd.PK = renumbered(def.PK, renumber)
		for i := range nd.Indexes {
			ix := &nd.Indexes[i]
			ix.Columns, ix.Include = renumbered(ix.Columns, renumber), renumbered(ix.Include, renumber)
		}
		renumberConstraints(nd, renumber)
		touched := map[int]string{}
		for i := range drop {
			touched[i] = "DROP COLUMN " + def.Columns[i].Name
		}
		return &alteration{def: nd, identity: -1, rewrite: true, touched: touched, renumber: renumber, dropped: drop, row: func(_ *exec.Env, _ int64, old []types.Value) ([]types.Value, error) {
			row := make([]types.Value, len(keep))
			for j, i := range keep {
				row[j] = old[i]
			}
			return row, nil
		}}, nil
	}}
}

// renumbered maps column numbers through renumber (a fresh slice).
func renumbered(cols []int, renumber []int) []int {
	if cols == nil {
		return nil
	}
	out := make([]int, len(cols))
	for k, c := range cols {
		out[k] = renumber[c]
	}
	return out
}

// filterReads reports whether a filtered index's WHERE names the column.
func filterReads(ix *catalog.IndexDef, column string) bool {
	return bind.NamesColumn(filterExpr(ix), column)
}

// alterColumn binds ALTER COLUMN c type [NULL | NOT NULL]: every existing
// value is converted as an assignment would convert it (245, 8114, 8115,
// 2628, and 515 for a NULL in a column made NOT NULL), and a column an
// index or the primary key uses may change only its nullability.
func (b *binder) alterColumn(x *parser.AlterColumn, db *Database) (*alterChange, error) {
	to, err := b.ddl().AlterColumnType(db, x)
	if err != nil {
		return nil, err
	}
	return &alterChange{plan: func(_ *exec.Env, def *catalog.TableDef) (*alteration, error) {
		i, col, err := b.ddl().AlteredColumn(x, to, def)
		if err != nil {
			return nil, err
		}
		old := def.Columns[i]
		nd := def.Clone()
		nd.Columns[i] = col
		if old.Type == col.Type && (col.Nullable || !old.Nullable) {
			return &alteration{def: nd, identity: -1}, nil // nothing to check
		}
		var touched map[int]string
		if col.Type != old.Type {
			touched = map[int]string{i: "ALTER COLUMN " + old.Name}
		}
		w := newRowWriter(db, nd, "UPDATE")
		return &alteration{def: nd, identity: -1, touched: touched, rewrite: !storedAlike(old.Type, col.Type),
			row: func(_ *exec.Env, _ int64, row []types.Value) ([]types.Value, error) {
				v, err := w.Convert(i, row[i], old.Type)
				if err != nil {
					return nil, err
				}
				out := append([]types.Value(nil), row...)
				out[i] = v
				return out, nil
			}}, nil
	}}, nil
}

// storedAlike reports whether every value of type from that
// converts to type to is stored the same way, so that checking the rows is
// enough: integers of any width, longer or shorter variable-length
// strings and binaries, decimals of the same scale.
func storedAlike(from, to types.Type) bool {
	switch {
	case from == to:
		return true
	case from.Kind.IsInteger() && to.Kind.IsInteger():
		return true
	case from.Kind == types.Decimal && to.Kind == types.Decimal:
		return from.Scale == to.Scale
	case from.Kind == to.Kind:
		switch from.Kind {
		case types.VarChar, types.NVarChar, types.VarBinary:
			return true
		}
	}
	return false
}

// padRow widens a row stored before ADD added nullable columns: the new
// columns read as NULL.
func padRow(row []types.Value, width int) []types.Value {
	for len(row) < width {
		row = append(row, nil)
	}
	return row
}

// maxRebinds bounds how often a statement is bound again because ALTER
// TABLE changed its table while it waited for the writer lock.
const maxRebinds = 3

// writing records the table a write statement was bound against.
func (p *stmtPlan) writing(def *catalog.TableDef) *stmtPlan {
	p.writes = def
	return p
}

// checkBound fails a write statement whose table's columns changed
// between binding and the writer lock (Msg 50131): its plan would store
// rows of the old shape, or under the old store number.
func (p *stmtPlan) checkBound(t *txn) error {
	if p.writes == nil {
		return nil
	}
	set, err := t.schemaView()
	if err != nil {
		return err
	}
	if !set.ByID(p.writes.ID).SameLayout(p.writes) {
		return sqlerr.New(50131, p.writes.Name)
	}
	return nil
}

// rebindable reports whether err is checkBound's and the statement can
// simply run again: it sent nothing to the client first.
func (p *stmtPlan) rebindable(err error) bool {
	return err != nil && p != nil && p.cols == nil && sqlerr.Is(err, 50131)
}
