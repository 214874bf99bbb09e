package exec

import (
	"strings"

	"mirrordb/engine/catalog"
	"mirrordb/engine/plan"
	"mirrordb/types"
)

// The bound INSERT, UPDATE and DELETE, which bind builds and the engine
// runs in one transaction batch through its Writes. Each writes through a
// RowWriter, checks the constraints around its rows (foreignkeys.go) and
// calls the statement's Enforcer for what only the engine can do (the
// session's identity state, other tables' stores, rules bound from text).

// Insert is a bound INSERT (or the target of COPY FROM and BULK INSERT).
type Insert struct {
	W       *RowWriter
	Rules   Enforcer
	Targets []int    // table column of each supplied value
	Rows    [][]Expr // VALUES rows; a nil expression is DEFAULT
	Sel     *Select  // INSERT ... SELECT
	SelT    []types.Type
	Defs    []Expr // bound DEFAULT expression of each column (nil: none)
	Out     *Output
	// Listed says the INSERT has a column list; ExplicitID that it names
	// the identity column (SET IDENTITY_INSERT).
	Listed, ExplicitID bool
	// Converted says Put's values are already of their columns' types and
	// checked for NULL (a load converts them as it reads).
	Converted bool
}

// Run inserts the statement's rows and returns how many.
func (p *Insert) Run(e *Env, ws Writes) (int64, error) {
	if err := p.Rules.IdentityInsert(e, p.Listed, p.ExplicitID); err != nil {
		return 0, err
	}
	var pending []pendingParent
	n, err := p.insertRows(e, ws, &pending)
	if err == nil && len(pending) > 0 {
		err = p.constraints(e, ws).pendingParents(p.W.Table, pending)
	}
	return n, err
}

// constraints is the constraint work of the INSERT's writes.
func (p *Insert) constraints(e *Env, ws Writes) constraints {
	return constraints{e: e, ws: ws, tabs: p.Rules, db: p.W.Database, verb: p.W.Verb}
}

func (p *Insert) insertRows(e *Env, ws Writes, pending *[]pendingParent) (int64, error) {
	var count int64
	if p.Sel != nil {
		rows, err := CollectRows(e, p.Sel, -1)
		if err != nil {
			return 0, err
		}
		e.Row = nil
		for _, r := range rows {
			if err := e.Gov.Check(); err != nil {
				return 0, err
			}
			if err := p.put(e, ws, r, p.SelT, nil, pending); err != nil {
				return 0, err
			}
			count++
		}
		return count, nil
	}
	for _, exprs := range p.Rows {
		vals := make([]types.Value, len(p.Targets))
		valTypes := make([]types.Type, len(p.Targets))
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
		if err := p.put(e, ws, vals, valTypes, isDefault, pending); err != nil {
			return 0, err
		}
		count++
	}
	return count, nil
}

// Put builds a full row from the supplied values (of valTypes, skipping
// those marked DEFAULT), fills the other columns and inserts it: a load's
// row, whose parent must be there already.
func (p *Insert) Put(e *Env, ws Writes, vals []types.Value, valTypes []types.Type, isDefault []bool) error {
	return p.put(e, ws, vals, valTypes, isDefault, nil)
}

// put is Put with the INSERT's rows whose parent in the same table is
// not there yet put aside in pending (nil: refused at once).
func (p *Insert) put(e *Env, ws Writes, vals []types.Value, valTypes []types.Type, isDefault []bool, pending *[]pendingParent) error {
	row := make([]types.Value, len(p.W.Table.Columns))
	given := make([]bool, len(row))
	for j, col := range p.Targets {
		if isDefault != nil && isDefault[j] {
			continue
		}
		v := vals[j]
		if !p.Converted {
			var err error
			if v, err = p.W.Convert(col, v, valTypes[j]); err != nil {
				return err
			}
		}
		row[col], given[col] = v, true
		if p.W.Table.Columns[col].Identity != nil {
			n, ok, err := p.W.explicitIdentity(ws, v)
			if ok {
				p.Rules.Identity(e, n) // SCOPE_IDENTITY() reports the explicit value
			}
			if err != nil {
				return err
			}
		}
	}
	for i := range row {
		if !given[i] {
			if err := p.fill(e, ws, row, i); err != nil {
				return err
			}
		}
	}
	c := p.constraints(e, ws)
	if err := c.checkRow(p.W.Table, row); err != nil {
		return err
	}
	key, err := p.W.Key(ws, row)
	if err != nil {
		return err
	}
	if err := p.W.Insert(ws, key, row); err != nil {
		return err
	}
	if err := c.parents(p.W.Table, nil, row, pending); err != nil {
		return err
	}
	return p.Out.Add(e, nil, row)
}

// fill computes the value of a column the statement gave none: its
// rowversion, identity value, DEFAULT, or NULL.
func (p *Insert) fill(e *Env, ws Writes, row []types.Value, i int) error {
	col := &p.W.Table.Columns[i]
	switch {
	case col.IsRowversion():
		v, err := NextRowversion(ws)
		row[i] = v
		return err
	case col.Identity != nil:
		v, err := p.W.NextIdentity(ws, i)
		if err != nil {
			return err
		}
		row[i] = v
		if col.Type.Kind == types.Decimal {
			row[i] = types.DecFromInt(v)
		}
		p.Rules.Identity(e, v)
		return nil
	case p.Defs[i] != nil:
		v, err := p.Defs[i].Eval(e)
		if err != nil {
			return err
		}
		row[i], err = p.W.Convert(i, v, p.Defs[i].Type())
		return err
	}
	var err error
	row[i], err = p.W.Convert(i, nil, types.TypeUnknown)
	return err
}

// TargetNames are the names of the columns the supplied values are for.
func (p *Insert) TargetNames() []string {
	names := make([]string, len(p.Targets))
	for j, i := range p.Targets {
		names[j] = p.W.Table.Columns[i].Name
	}
	return names
}

// Explain prints the INSERT as SQL Server's plans do: its rows (a
// Constant Scan of the VALUES, or the SELECT) under the write.
func (p *Insert) Explain(x *Explainer) *plan.Node {
	var in *plan.Node
	switch {
	case p.Sel != nil:
		in = p.Sel.Explain(x)
	default:
		rows := make([]string, 0, len(p.Rows))
		for _, r := range p.Rows {
			vals := make([]string, len(r))
			for i, v := range r {
				if v == nil {
					vals[i] = "DEFAULT"
				} else {
					vals[i] = x.Text(v, nil)
				}
			}
			rows = append(rows, "("+strings.Join(vals, ",")+")")
		}
		arg := ""
		if len(p.Targets) > 0 {
			arg = "VALUES:(" + strings.Join(rows, ",") + ")"
		}
		in = x.Node("Constant Scan", "Constant Scan", arg)
		in.EstimateRows, in.Estimated = float64(len(p.Rows)), true
	}
	set := make([]string, len(p.Targets))
	for i, c := range p.Targets {
		set[i] = ColumnName(p.W.Database, p.W.Table, c)
	}
	arg := "OBJECT:(" + ObjectName(p.W.Database, p.W.Table) + ")"
	if len(set) > 0 {
		arg += ", SET:(" + strings.Join(set, ", ") + ")"
	}
	return p.Rules.Explain(x, "Insert", nil, x.Node(writeOp(p.W.Table, "Insert"), "Insert", arg, in))
}

// Match is how UPDATE and DELETE find their rows: a scan (or seek) of
// the table, the WHERE clause and TOP's count.
type Match struct {
	Scan  *TableScan
	Scope ColumnNamer // the table's columns, for printed plans
	Where Expr
	Top   Expr
}

// Rows collects the rows to change before changing any (MatchRows).
func (m *Match) Rows(e *Env) (keysOut, raws [][]byte, rows [][]types.Value, err error) {
	return MatchRows(e, m.Scan, m.Where, m.Top)
}

// Explain prints the scan or seek, the WHERE filter and TOP.
func (m *Match) Explain(x *Explainer) *plan.Node {
	n := m.Scan.Explain(x, nil)
	if m.Where != nil {
		n = x.Node("Filter", "Filter", "WHERE:("+x.Text(m.Where, &Names{Columns: m.Scope})+")", n)
	}
	if m.Top != nil {
		n = x.Node("Top", "Top", "TOP EXPRESSION:("+x.Text(m.Top, nil)+")", n)
	}
	return n
}

// SetColumn is one assignment of an UPDATE's SET list.
type SetColumn struct {
	Col int
	X   Expr // nil: DEFAULT
}

// Update is a bound UPDATE.
type Update struct {
	Match
	W     *RowWriter
	Rules Enforcer
	Sets  []SetColumn
	Defs  []Expr // bound DEFAULT expression of each column (nil: none)
	Out   *Output
}

// Run changes the matched rows and returns how many.
func (p *Update) Run(e *Env, ws Writes) (int64, error) {
	ks, raws, rows, err := p.Rows(e)
	if err != nil {
		return 0, err
	}
	c := constraints{e: e, ws: ws, tabs: p.Rules, db: p.W.Database, verb: p.W.Verb}
	changes := make([]RowChange, len(rows))
	for i, old := range rows {
		if err := e.Gov.Check(); err != nil {
			return 0, err
		}
		e.Row = old
		row := append([]types.Value{}, old...)
		for _, s := range p.Sets {
			var v types.Value
			from := p.W.Table.Columns[s.Col].Type
			if s.X == nil {
				if p.Defs[s.Col] != nil {
					if v, err = p.Defs[s.Col].Eval(e); err != nil {
						return 0, err
					}
					from = p.Defs[s.Col].Type()
				}
			} else {
				if v, err = s.X.Eval(e); err != nil {
					return 0, err
				}
				from = s.X.Type()
			}
			if row[s.Col], err = p.W.Convert(s.Col, v, from); err != nil {
				return 0, err
			}
		}
		if err := p.W.Stamp(ws, row); err != nil {
			return 0, err
		}
		if err := c.checkRow(p.W.Table, row); err != nil {
			return 0, err
		}
		changes[i] = RowChange{OldKey: ks[i], OldRaw: raws[i], NewKey: p.W.StorageKey(ks[i], row), Old: old, Row: row}
		if err := p.Out.Add(e, old, row); err != nil {
			return 0, err
		}
	}
	if err := p.W.ApplyChanges(e, ws, changes); err != nil {
		return 0, err
	}
	return int64(len(changes)), c.updated(p.W.Table, changes)
}

// Explain prints the UPDATE: its SET list over how it finds its rows.
func (p *Update) Explain(x *Explainer) *plan.Node {
	in := p.Match.Explain(x)
	nm := &Names{Columns: p.Scope}
	set := make([]string, len(p.Sets))
	cols := make([]int, len(p.Sets))
	for i, s := range p.Sets {
		cols[i] = s.Col
		v := "DEFAULT"
		if s.X != nil {
			v = x.Text(s.X, nm)
		}
		set[i] = ColumnName(p.W.Database, p.W.Table, s.Col) + " = " + v
	}
	return p.Rules.Explain(x, "Update", cols, x.Node(writeOp(p.W.Table, "Update"), "Update",
		"OBJECT:("+ObjectName(p.W.Database, p.W.Table)+"), SET:("+strings.Join(set, ", ")+")", in))
}

// Delete is a bound DELETE.
type Delete struct {
	Match
	Rules Enforcer
	Out   *Output
}

// Run deletes the matched rows and returns how many.
func (p *Delete) Run(e *Env, ws Writes) (int64, error) {
	ks, raws, rows, err := p.Rows(e)
	if err != nil {
		return 0, err
	}
	for _, old := range rows {
		if err := p.Out.Add(e, old, nil); err != nil {
			return 0, err
		}
	}
	if err := DeleteRows(e, ws, p.Scan.Def.ID, ks, raws, rows); err != nil {
		return 0, err
	}
	c := constraints{e: e, ws: ws, tabs: p.Rules, db: p.Scan.Table.Database(), verb: "DELETE"}
	return int64(len(ks)), c.deleted(p.Scan.Def, rows)
}

// Explain prints the DELETE over how it finds its rows.
func (p *Delete) Explain(x *Explainer) *plan.Node {
	def := p.Scan.Def
	return p.Rules.Explain(x, "Delete", nil, x.Node(writeOp(def, "Delete"), "Delete",
		"OBJECT:("+ObjectName(p.Scan.Table.Database(), def)+")", p.Match.Explain(x)))
}

// writeOp is the physical operator name of a write: on the clustered
// index of a table with a primary key, on the heap of one without.
func writeOp(t *catalog.TableDef, verb string) string {
	if len(t.PK) > 0 {
		return "Clustered Index " + verb
	}
	return "Table " + verb
}
