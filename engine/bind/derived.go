package bind

import (
	"strings"

	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// Derived tables, common table expressions and APPLY: a query used as a
// FROM entry. The inner query is bound and planned on its own
// (Engine.PlanQuery: it sees the queries around the statement, not its
// sibling FROM entries) and its rows flow into the outer query as a
// table's would (exec.Derived, exec.Apply). A recursive common table
// expression, anchor members UNION ALL recursive members, runs as an
// exec.RecursiveUnion, its members reading the previous round's rows
// through an exec.WorkTable; its recursion levels are limited by OPTION
// (MAXRECURSION n), exec.DefaultMaxRecursion without it.

// cteBinding is a common table expression in scope of the query being bound.
type cteBinding struct {
	def *parser.CTE
	// maxRecursion is the statement's OPTION (MAXRECURSION n), -1 for the default.
	maxRecursion int
	// work is set for the self-reference of a recursive member.
	work *exec.WorkTable
}

// pushCTEs brings a query's common table expressions into scope; the
// returned function takes them out again.
func (b *Binder) pushCTEs(sel *parser.Select) func() {
	n := len(b.ctes)
	for _, c := range sel.With {
		b.ctes = append(b.ctes, &cteBinding{def: c, maxRecursion: sel.MaxRecursion})
	}
	return func() { b.ctes = b.ctes[:n] }
}

// lookupCTE finds a one-part name among the common table expressions in
// scope, innermost first; it returns the binding and its position.
func (b *Binder) lookupCTE(n parser.ObjectName) (*cteBinding, int) {
	if len(n.Parts) != 1 {
		return nil, -1
	}
	for i := len(b.ctes) - 1; i >= 0; i-- {
		if strings.EqualFold(b.ctes[i].def.Name, n.Parts[0]) {
			return b.ctes[i], i
		}
	}
	return nil, -1
}

// bindCTERef binds a reference to a common table expression as a derived
// table: the expression's query sees only the expressions defined before
// it (and itself, when recursive).
func (b *Binder) bindCTERef(x *parser.TableRef, c *cteBinding, at int, sc *Scope) (exec.Operator, error) {
	if c.work != nil {
		return b.bindWorkTable(x, c.work, sc)
	}
	saved := b.ctes
	b.ctes = b.ctes[:at:at]
	defer func() { b.ctes = saved }()
	alias := x.Alias
	if alias == "" {
		alias = c.def.Name
	}
	if refersTo(c.def.Select, c.def.Name) {
		return b.bindRecursiveCTE(x, c, alias, sc)
	}
	return b.bindDerived(x, &parser.DerivedTable{Pos: x.Pos, Select: c.def.Select, Alias: alias, Columns: c.def.Columns}, c.def.Name, sc)
}

// bindDerived plans a derived table and adds its columns to the scope.
// object names the table in messages: the alias, or the CTE's name.
func (b *Binder) bindDerived(n Positioned, x *parser.DerivedTable, object string, sc *Scope) (exec.Operator, error) {
	if err := b.CheckInnerOrder(x.Select); err != nil {
		return nil, err
	}
	p, err := b.Engine.PlanQuery(x.Select)
	if err != nil {
		return nil, err
	}
	cols, err := b.DerivedColumns(n, p.Cols, x.Columns, object)
	if err != nil {
		return nil, err
	}
	if err := b.AddSource(n, sc, &Source{Name: x.Alias, Alias: true, Cols: cols}); err != nil {
		return nil, err
	}
	return &exec.Derived{Plan: p}, nil
}

// refersTo says whether a query names table name (one part) anywhere in
// its FROM clauses, set operation operands or derived tables.
func refersTo(sel *parser.Select, name string) bool {
	if sel == nil {
		return false
	}
	if sel.SetOp != nil {
		return refersTo(sel.SetOp.Left, name) || refersTo(sel.SetOp.Right, name)
	}
	for _, te := range sel.From {
		if tableExprRefersTo(te, name) {
			return true
		}
	}
	return false
}

func tableExprRefersTo(te parser.TableExpr, name string) bool {
	switch x := te.(type) {
	case *parser.TableRef:
		return len(x.Name.Parts) == 1 && strings.EqualFold(x.Name.Parts[0], name)
	case *parser.DerivedTable:
		return refersTo(x.Select, name)
	case *parser.Join:
		return tableExprRefersTo(x.Left, name) || tableExprRefersTo(x.Right, name)
	}
	return false
}

// bindApply binds left APPLY right.
func (b *Binder) bindApply(x *parser.Join, sc *Scope) (exec.Operator, error) {
	start, before := sc.Width(), len(sc.Sources)
	left, err := b.bindTableExpr(x.Left, sc)
	if err != nil {
		return nil, err
	}
	lw := sc.Width()
	// The right side sees the left input's tables only: not those of FROM
	// entries before it (`FROM a, b CROSS APPLY (... a.x ...)` is 4104, as
	// APPLY binds tighter than the comma).
	pop := b.pushOuter(&Scope{Sources: sc.Sources[before:]}, nil)
	right, err := b.bindTableExpr(x.Right, sc)
	pop()
	if err != nil {
		return nil, err
	}
	return &exec.Apply{Outer: x.Kind == parser.OuterApply, Left: left, Right: right, Base: start, LW: lw - start, RW: sc.Width() - lw}, nil
}

// QueryTables lists the FROM entries a query reads directly: its own, its
// set operation operands' and its common table expressions'.
func QueryTables(sel *parser.Select) []parser.TableExpr {
	if sel == nil {
		return nil
	}
	out := sel.From
	if sel.SetOp != nil {
		out = append(append(out[:len(out):len(out)], QueryTables(sel.SetOp.Left)...), QueryTables(sel.SetOp.Right)...)
	}
	for _, c := range sel.With {
		out = append(out[:len(out):len(out)], QueryTables(c.Select)...)
	}
	return out
}

// bindRecursiveCTE plans a recursive common table expression referenced
// as x.
func (b *Binder) bindRecursiveCTE(x *parser.TableRef, c *cteBinding, alias string, sc *Scope) (exec.Operator, error) {
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
	if err := b.AddSource(x, sc, &Source{Name: alias, Alias: true, Cols: named}); err != nil {
		return nil, err
	}
	return r, nil
}

// bindWorkTable binds the self-reference of a recursive member.
func (b *Binder) bindWorkTable(x *parser.TableRef, w *exec.WorkTable, sc *Scope) (exec.Operator, error) {
	name := w.Name
	if x.Alias != "" {
		name = x.Alias
	}
	if err := b.AddSource(x, sc, &Source{Name: name, Alias: true, Cols: w.Cols}); err != nil {
		return nil, err
	}
	return w, nil
}
