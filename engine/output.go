package engine

import (
	"mirrordb/engine/bind"
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/govern"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// outputPlan is a bound OUTPUT clause of INSERT, UPDATE or DELETE, or
// PostgreSQL's RETURNING, which is OUTPUT spelt differently: its items
// are computed over the deleted and inserted images of each changed row.
type outputPlan struct {
	cols    []session.Column
	project []exec.Expr
	// deleted and inserted are the offsets of each image in the combined
	// row the items read; -1 when the statement has no such image.
	deleted, inserted int
	width             int
}

// planOutput binds o for a statement on def that has a deleted image
// (UPDATE, DELETE) and/or an inserted one (INSERT, UPDATE). OUTPUT names
// the images deleted and inserted; RETURNING sees one image under the
// table's own name: inserted for INSERT and UPDATE, deleted for DELETE.
func (b *binder) planOutput(o *parser.Output, def *catalog.TableDef, hasDeleted, hasInserted bool) (*outputPlan, error) {
	if o == nil {
		return nil, nil
	}
	p := &outputPlan{deleted: -1, inserted: -1}
	sc := &bind.Scope{}
	image := func(name, schema string, alias bool) int {
		src := &bind.Source{Name: name, Schema: schema, Alias: alias}
		for i := range def.Columns {
			src.Cols = append(src.Cols, session.Column{Name: def.Columns[i].Name, Type: def.Columns[i].Type})
		}
		sc.Add(src)
		return src.Offset
	}
	switch {
	case o.Returning && hasInserted:
		p.inserted = image(def.Name, def.Schema, false)
	case o.Returning:
		p.deleted = image(def.Name, def.Schema, false)
	default:
		if hasDeleted {
			p.deleted = image("deleted", "", true)
		}
		if hasInserted {
			p.inserted = image("inserted", "", true)
		}
	}
	p.width = sc.Width()
	for _, it := range o.Items {
		if it.Expr != nil && bind.ContainsAggregate(it.Expr) {
			return nil, b.ErrAt(it, sqlerr.New(40517, "an aggregate in OUTPUT"))
		}
		xs, cols, err := b.BindItem(it, sc, nil)
		if err != nil {
			return nil, err
		}
		p.project = append(p.project, xs...)
		p.cols = append(p.cols, cols...)
	}
	return p, nil
}

// add computes the output row of one changed row (old or new is nil when
// the statement has no such image) and keeps it in e.output.
func (p *outputPlan) add(e *exec.Env, old, new []types.Value) error {
	if p == nil {
		return nil
	}
	row := make([]types.Value, p.width)
	if p.deleted >= 0 {
		copy(row[p.deleted:], old)
	}
	if p.inserted >= 0 {
		copy(row[p.inserted:], new)
	}
	saved := e.Row
	defer func() { e.Row = saved }()
	e.Row = row
	out := make([]types.Value, len(p.project))
	for i, x := range p.project {
		v, err := x.Eval(e)
		if err != nil {
			return err
		}
		out[i] = v
	}
	if err := e.Gov.Grow(govern.RowSize(out)); err != nil {
		return err
	}
	e.Output = append(e.Output, out)
	return nil
}

// withOutput makes a data-changing plan return its OUTPUT rows: the
// columns are known when it is described, and the rows are sent once the
// statement has changed every row, so a statement that fails sends none.
func withOutput(p *stmtPlan, o *outputPlan) *stmtPlan {
	if o == nil {
		return p
	}
	run := p.run
	p.cols = o.cols
	p.run = func(e *exec.Env, t *txn, w session.ResultWriter) (string, error) {
		e.Output = nil
		tag, err := run(e, t, w)
		rows := e.Output
		e.Output = nil
		if err != nil {
			return tag, err
		}
		for _, r := range rows {
			if err := w.Row(r); err != nil {
				return tag, err
			}
		}
		return tag, nil
	}
	return p
}
