package engine

import (
	"mirrordb/engine/bind"
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
)

// planOutput binds o for a statement on def that has a deleted image
// (UPDATE, DELETE) and/or an inserted one (INSERT, UPDATE). OUTPUT names
// the images deleted and inserted; RETURNING sees one image under the
// table's own name: inserted for INSERT and UPDATE, deleted for DELETE.
func (b *binder) planOutput(o *parser.Output, def *catalog.TableDef, hasDeleted, hasInserted bool) (*exec.Output, error) {
	if o == nil {
		return nil, nil
	}
	p := &exec.Output{Deleted: -1, Inserted: -1}
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
		if it.Expr != nil && bind.ContainsAggregate(it.Expr) {
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

// withOutput makes a data-changing plan return its OUTPUT rows: the
// columns are known when it is described, and the rows are sent once the
// statement has changed every row, so a statement that fails sends none.
func withOutput(p *stmtPlan, o *exec.Output) *stmtPlan {
	if o == nil {
		return p
	}
	run := p.run
	p.cols = o.Cols
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
