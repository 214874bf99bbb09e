package engine

import (
	"mirrordb/engine/bind"
	"mirrordb/engine/exec"
	"mirrordb/engine/govern"
	"mirrordb/engine/plan"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// Recursive common table expressions: anchor members UNION ALL recursive
// members. The anchors run once; each recursive member then runs over the
// rows the previous round produced (the work table), until a round
// produces none. More rounds than OPTION (MAXRECURSION n) allows (100 by
// default, 0 for no limit) end the statement with Msg 530, as in SQL
// Server, after the rows produced so far.

// defaultMaxRecursion is SQL Server's limit without OPTION (MAXRECURSION).
const defaultMaxRecursion = 100

// workTable is the self-reference inside a recursive member; its rows for
// the running round live in the execution's cache (plans are shared).
type workTable struct {
	name string
	cols []session.Column
}

func (w *workTable) Run(e *exec.Env, fn func(row []types.Value) error) error {
	rows, _ := e.Cache[w].([][]types.Value)
	return exec.ScanRows(e, rows, fn)
}

func (w *workTable) Explain(x *exec.Explainer, _ *exec.Names) *plan.Node {
	return x.Node("Table Spool", "Lazy Spool", "")
}

// recursiveSource runs a recursive common table expression.
type recursiveSource struct {
	anchors, members []*exec.Select
	work             *workTable
	max              int
}

// bindRecursiveCTE plans a recursive common table expression referenced
// as x.
func (b *binder) bindRecursiveCTE(x *parser.TableRef, c *cteBinding, alias string, sc *bind.Scope) (exec.Operator, error) {
	var operands []*parser.Select
	var flatten func(s *parser.Select) bool
	flatten = func(s *parser.Select) bool {
		if s.SetOp == nil || len(s.OrderBy) > 0 {
			operands = append(operands, s)
			return true
		}
		if s.SetOp.Op != "UNION" || !s.SetOp.All {
			return false
		}
		return flatten(s.SetOp.Left) && flatten(s.SetOp.Right)
	}
	if !flatten(c.def.Select) || refersTo(operands[0], c.def.Name) {
		return nil, b.ErrAt(x, sqlerr.New(252, c.def.Name))
	}
	r := &recursiveSource{max: c.maxRecursion}
	if r.max < 0 {
		r.max = defaultMaxRecursion
	}
	for _, op := range operands {
		if refersTo(op, c.def.Name) {
			break
		}
		p, err := b.planOperand(op)
		if err != nil {
			return nil, err
		}
		r.anchors = append(r.anchors, p)
	}
	width := len(r.anchors[0].Cols)
	for _, p := range r.anchors {
		if len(p.Cols) != width {
			return nil, b.ErrAt(x, sqlerr.New(205))
		}
	}
	cols := make([]session.Column, width)
	for i := range cols {
		t := types.TypeUnknown
		for _, p := range r.anchors {
			t = types.Common(t, p.Project[i].Type())
		}
		cols[i] = session.Column{Name: r.anchors[0].Cols[i].Name, Type: t}
	}
	named, err := b.DerivedColumns(x, cols, c.def.Columns, c.def.Name)
	if err != nil {
		return nil, err
	}
	r.work = &workTable{name: c.def.Name, cols: named}
	b.ctes = append(b.ctes, &cteBinding{def: c.def, work: r.work})
	for _, op := range operands[len(r.anchors):] {
		p, err := b.planOperand(op)
		if err != nil {
			return nil, err
		}
		r.members = append(r.members, p)
	}
	for _, p := range append(r.anchors[:len(r.anchors):len(r.anchors)], r.members...) {
		if len(p.Cols) != width {
			return nil, b.ErrAt(x, sqlerr.New(205))
		}
		for i := range cols {
			px, err := b.CoerceChecked(x, p.Project[i], cols[i].Type)
			if err != nil {
				return nil, err
			}
			p.ConvertOutput(i, px, cols[i].Type)
		}
	}
	if err := b.addSource(x, sc, &bind.Source{Name: alias, Alias: true, Cols: named}); err != nil {
		return nil, err
	}
	return r, nil
}

// bindWorkTable binds the self-reference of a recursive member.
func (b *binder) bindWorkTable(x *parser.TableRef, w *workTable, sc *bind.Scope) (exec.Operator, error) {
	name := w.name
	if x.Alias != "" {
		name = x.Alias
	}
	if err := b.addSource(x, sc, &bind.Source{Name: name, Alias: true, Cols: w.cols}); err != nil {
		return nil, err
	}
	return w, nil
}

func (r *recursiveSource) Run(e *exec.Env, fn func(row []types.Value) error) error {
	if e.Cache == nil {
		e.Cache = map[any]any{}
	}
	var held int64
	defer func() { e.Gov.Shrink(held) }()
	var round [][]types.Value
	level := 0 // the recursion level of the rows being made: 0 for the anchors
	keep := func(row []types.Value) error {
		if r.max > 0 && level > r.max {
			// MAXRECURSION n allows n levels: a row at level n+1 fails
			return sqlerr.New(530, r.max)
		}
		c := append([]types.Value{}, row...)
		round = append(round, c)
		n := govern.RowSize(c) + 8
		held += n
		if err := e.Gov.Grow(n); err != nil {
			return err
		}
		return fn(c)
	}
	sub := *e
	sub.Row, sub.Aggs, sub.Keys = nil, nil, nil
	for _, p := range r.anchors {
		if err := p.Run(&sub, keep); err != nil {
			return err
		}
	}
	for level = 1; len(round) > 0; level++ {
		e.Cache[r.work] = round
		prev := round
		round = nil
		for _, p := range r.members {
			if err := p.Run(&sub, keep); err != nil {
				return err
			}
		}
		for _, row := range prev {
			n := govern.RowSize(row) + 8
			held -= n
			e.Gov.Shrink(n)
		}
	}
	delete(e.Cache, r.work)
	return nil
}

func (r *recursiveSource) Explain(x *exec.Explainer, _ *exec.Names) *plan.Node {
	var parts []*plan.Node
	for _, p := range r.anchors {
		parts = append(parts, p.Explain(x))
	}
	for _, p := range r.members {
		parts = append(parts, p.Explain(x))
	}
	return x.Node("Index Spool", "Lazy Spool", "", x.Node("Concatenation", "Concatenation", "", parts...))
}
