package engine

import (
	"mirrordb/engine/bind"
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// Recursive common table expressions: anchor members UNION ALL recursive
// members, bound here and run by exec.RecursiveUnion over an
// exec.WorkTable.

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
	r := &exec.RecursiveUnion{Max: c.maxRecursion}
	if r.Max < 0 {
		r.Max = exec.DefaultMaxRecursion
	}
	for _, op := range operands {
		if refersTo(op, c.def.Name) {
			break
		}
		p, err := b.planOperand(op)
		if err != nil {
			return nil, err
		}
		r.Anchors = append(r.Anchors, p)
	}
	width := len(r.Anchors[0].Cols)
	for _, p := range r.Anchors {
		if len(p.Cols) != width {
			return nil, b.ErrAt(x, sqlerr.New(205))
		}
	}
	cols := make([]session.Column, width)
	for i := range cols {
		t := types.TypeUnknown
		for _, p := range r.Anchors {
			t = types.Common(t, p.Project[i].Type())
		}
		cols[i] = session.Column{Name: r.Anchors[0].Cols[i].Name, Type: t}
	}
	named, err := b.DerivedColumns(x, cols, c.def.Columns, c.def.Name)
	if err != nil {
		return nil, err
	}
	r.Work = &exec.WorkTable{Name: c.def.Name, Cols: named}
	b.ctes = append(b.ctes, &cteBinding{def: c.def, work: r.Work})
	for _, op := range operands[len(r.Anchors):] {
		p, err := b.planOperand(op)
		if err != nil {
			return nil, err
		}
		r.Members = append(r.Members, p)
	}
	for _, p := range append(r.Anchors[:len(r.Anchors):len(r.Anchors)], r.Members...) {
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
func (b *binder) bindWorkTable(x *parser.TableRef, w *exec.WorkTable, sc *bind.Scope) (exec.Operator, error) {
	name := w.Name
	if x.Alias != "" {
		name = x.Alias
	}
	if err := b.addSource(x, sc, &bind.Source{Name: name, Alias: true, Cols: w.Cols}); err != nil {
		return nil, err
	}
	return w, nil
}
