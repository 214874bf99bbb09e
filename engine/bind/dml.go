package bind

import (
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// INSERT, UPDATE and DELETE bind here into exec's Insert, Update and
// Delete, which the engine plans (an UPDATE's or DELETE's access path)
// and runs.

// DML is what binding INSERT, UPDATE and DELETE needs of the engine, whose
// handle on a database is D (Catalog).
type DML[D comparable] interface {
	// Writer is the row writer of def in d for a statement of verb
	// (INSERT, UPDATE, DELETE) and the Enforcer of the table's rules,
	// whose Store UPDATE and DELETE scan to find their rows.
	Writer(d D, def *catalog.TableDef, verb string) (*exec.RowWriter, exec.Enforcer)
	// Parse reads an expression the catalog stores as text (a column's
	// DEFAULT; nil when it does not parse), as BindRowRules' parse does.
	Parse(text string) parser.Expr
}

// DMLBinder binds INSERT, UPDATE and DELETE against the session's
// databases (Catalog, Settings) and the engine (DML).
type DMLBinder[D comparable] struct {
	*Binder
	Cat Catalog[D]
	Set Settings
	Eng DML[D]
}

// BindInsert binds an INSERT: VALUES, SELECT or DEFAULT VALUES into the
// table it names (213, 120, 121 when the counts differ), its columns'
// DEFAULTs and its OUTPUT clause. d is the table's database.
func (b DMLBinder[D]) BindInsert(x *parser.Insert) (d D, p *exec.Insert, err error) {
	d, def, err := LookupTable(b.Binder, b.Cat, x.Table)
	if err != nil {
		return d, nil, err
	}
	if p, err = b.InsertInto(x, d, def, x.Columns); err != nil {
		return d, nil, err
	}
	p.Listed = len(x.Columns) > 0
	for _, c := range p.Targets {
		p.ExplicitID = p.ExplicitID || def.Columns[c].Identity != nil
	}
	switch {
	case x.Select != nil:
		if p.Sel, err = b.Engine.PlanQuery(x.Select); err != nil {
			return d, nil, err
		}
		if n := len(p.Sel.Cols); n != len(p.Targets) {
			if len(x.Columns) == 0 {
				return d, nil, b.ErrAt(x, sqlerr.New(213))
			}
			if n > len(p.Targets) {
				return d, nil, b.ErrAt(x, sqlerr.New(121))
			}
			return d, nil, b.ErrAt(x, sqlerr.New(120))
		}
		for _, c := range p.Sel.Cols {
			p.SelT = append(p.SelT, c.Type)
		}
	case x.DefaultValues:
		p.Targets = nil
		p.Rows = [][]exec.Expr{nil}
	default:
		if p.Rows, err = b.BindValues(x, def, p.Targets); err != nil {
			return d, nil, err
		}
	}
	if p.Defs, err = b.BindDefaults(def); err != nil {
		return d, nil, err
	}
	if p.Out, err = b.BindOutput(x.Output, def, false, true); err != nil {
		return d, nil, err
	}
	return d, p, nil
}

// InsertInto binds the target of an INSERT, COPY FROM or BULK INSERT
// into def of d: its row writer and the columns the statement gives
// values for (InsertTargets). BindDefaults binds the others' DEFAULTs.
func (b DMLBinder[D]) InsertInto(x Positioned, d D, def *catalog.TableDef, columns []string) (*exec.Insert, error) {
	p := &exec.Insert{}
	p.W, p.Rules = b.Eng.Writer(d, def, "INSERT")
	var err error
	if p.Targets, err = b.InsertTargets(x, def, columns, b.Set); err != nil {
		return nil, err
	}
	return p, nil
}

// BindDefaults binds every column's DEFAULT expression (nil: none).
func (b DMLBinder[D]) BindDefaults(def *catalog.TableDef) ([]exec.Expr, error) {
	return b.bindDefaults(def, b.Eng.Parse)
}

// BindUpdate binds an UPDATE: its SET list (207, 264; 8102 for an
// identity column, 272 for a rowversion, 271 for a computed one), WHERE,
// TOP, the columns' DEFAULTs and OUTPUT. UPDATE ... FROM is not
// supported (40517). d is the table's database.
func (b DMLBinder[D]) BindUpdate(x *parser.Update) (d D, p *exec.Update, err error) {
	if len(x.From) > 0 {
		return d, nil, b.ErrAt(x, sqlerr.New(40517, "UPDATE ... FROM"))
	}
	d, def, err := LookupTable(b.Binder, b.Cat, x.Table)
	if err != nil {
		return d, nil, err
	}
	p = &exec.Update{}
	p.W, p.Rules = b.Eng.Writer(d, def, "UPDATE")
	sc := b.matchScope(&p.Match, p.Rules, def)
	seen := map[int]bool{}
	for _, a := range x.Set {
		i := def.ColumnIndex(a.Column)
		if i < 0 {
			return d, nil, b.ErrAt(a, sqlerr.New(207, a.Column))
		}
		if seen[i] {
			return d, nil, b.ErrAt(a, sqlerr.New(264, a.Column))
		}
		if def.Columns[i].Identity != nil {
			return d, nil, b.ErrAt(a, sqlerr.New(8102, a.Column))
		}
		if def.Columns[i].IsRowversion() {
			return d, nil, b.ErrAt(a, sqlerr.New(272))
		}
		if def.Columns[i].Computed != "" {
			return d, nil, b.ErrAt(a, sqlerr.New(271, a.Column))
		}
		seen[i] = true
		set := exec.SetColumn{Col: i}
		if _, isDef := a.Value.(*parser.Default); !isDef {
			if set.X, err = b.BindTypedValue(a.Value, sc, def.Columns[i].Type); err != nil {
				return d, nil, err
			}
		}
		p.Sets = append(p.Sets, set)
	}
	if err = b.bindMatch(&p.Match, sc, x.Where, x.Top); err != nil {
		return d, nil, err
	}
	if p.Defs, err = b.BindDefaults(def); err != nil {
		return d, nil, err
	}
	if p.Out, err = b.BindOutput(x.Output, def, true, true); err != nil {
		return d, nil, err
	}
	return d, p, nil
}

// BindDelete binds a DELETE: WHERE, TOP and OUTPUT. d is the table's
// database.
func (b DMLBinder[D]) BindDelete(x *parser.Delete) (d D, p *exec.Delete, err error) {
	d, def, err := LookupTable(b.Binder, b.Cat, x.Table)
	if err != nil {
		return d, nil, err
	}
	p = &exec.Delete{}
	_, p.Rules = b.Eng.Writer(d, def, "DELETE")
	sc := b.matchScope(&p.Match, p.Rules, def)
	if err = b.bindMatch(&p.Match, sc, x.Where, x.Top); err != nil {
		return d, nil, err
	}
	if p.Out, err = b.BindOutput(x.Output, def, true, false); err != nil {
		return d, nil, err
	}
	return d, p, nil
}

// matchScope gives m the scan of def (in the store rules gives) and
// returns the scope its WHERE clause and an UPDATE's SET list bind in.
func (b DMLBinder[D]) matchScope(m *exec.Match, rules exec.Enforcer, def *catalog.TableDef) *Scope {
	m.Scan = &exec.TableScan{Table: rules.Store(def), Def: def}
	sc := TableScope(m.Scan.Table.Database(), def)
	m.Scope = sc
	return sc
}

// bindMatch binds the WHERE clause (147 for an aggregate) and TOP
// (40517 for TOP PERCENT) of an UPDATE or DELETE.
func (b *Binder) bindMatch(m *exec.Match, sc *Scope, where parser.Expr, top *parser.Top) error {
	if where != nil {
		if ContainsAggregate(where) {
			return b.ErrAt(where, sqlerr.New(147))
		}
		x, err := b.BindExpr(where, sc, nil, types.TypeBit)
		if err != nil {
			return err
		}
		m.Where = x
	}
	if top != nil {
		if top.Percent {
			return b.ErrAt(top, sqlerr.New(40517, "TOP PERCENT in UPDATE or DELETE"))
		}
		x, err := b.BindExpr(top.Count, nil, nil, types.TypeBigInt)
		if err != nil {
			return err
		}
		m.Top = exec.Coerce(x, types.TypeBigInt)
	}
	return nil
}

// TableScope is the scope of one table's row, in which UPDATE and
// DELETE bind and a table's CHECK constraints and computed columns are
// bound; database names it in printed plans ("" while CREATE TABLE binds
// its computed columns).
func TableScope(database string, def *catalog.TableDef) *Scope {
	return &Scope{Sources: []*Source{{Name: def.Name, Schema: def.Schema, Database: database, Cols: RowColumns(def)}}}
}

// RowColumns are the columns of def's rows, as a scope's source has them.
func RowColumns(def *catalog.TableDef) []session.Column {
	cols := make([]session.Column, len(def.Columns))
	for i := range def.Columns {
		cols[i] = session.Column{Name: def.Columns[i].Name, Type: def.Columns[i].Type}
	}
	return cols
}

// BindOutput binds o for a statement on def that has a deleted image
// (UPDATE, DELETE) and/or an inserted one (INSERT, UPDATE). OUTPUT names
// the images deleted and inserted; RETURNING sees one image under the
// table's own name: inserted for INSERT and UPDATE, deleted for DELETE.
// An aggregate is not supported (40517).
func (b *Binder) BindOutput(o *parser.Output, def *catalog.TableDef, hasDeleted, hasInserted bool) (*exec.Output, error) {
	if o == nil {
		return nil, nil
	}
	p := &exec.Output{Deleted: -1, Inserted: -1}
	sc := &Scope{}
	image := func(name, schema string, alias bool) int {
		src := &Source{Name: name, Schema: schema, Alias: alias, Cols: RowColumns(def)}
		sc.Add(src)
		return src.Offset
	}
	switch {
	case o.Returning && hasInserted:
		p.Inserted = image(def.Name, def.Schema, false)
	case o.Returning:
		p.Deleted = image(def.Name, def.Schema, false)
	default:
		if hasDeleted {
			p.Deleted = image("deleted", "", true)
		}
		if hasInserted {
			p.Inserted = image("inserted", "", true)
		}
	}
	p.Width = sc.Width()
	for _, it := range o.Items {
		if it.Expr != nil && ContainsAggregate(it.Expr) {
			return nil, b.ErrAt(it, sqlerr.New(40517, "an aggregate in OUTPUT"))
		}
		xs, cols, err := b.BindItem(it, sc, nil)
		if err != nil {
			return nil, err
		}
		p.Project = append(p.Project, xs...)
		p.Cols = append(p.Cols, cols...)
	}
	return p, nil
}
