package bind

import (
	"strings"

	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// The FROM clause: a row source per entry, comma-separated entries cross
// joined, joins nested as written (the planner reorders them later:
// engine/opt), each entry's columns added to the query's scope. The
// names of common table expressions, derived tables, APPLY and set
// operations bind here (derived.go, setop.go); a table, a system
// view or a table-valued function is the engine's (Engine.BindTable).

// bindSource binds what a query reads: its FROM clause, or for a
// compound query its set operation, read as SELECT * over the result. It
// returns the source, the scope its columns resolve in and the select
// items to bind over it.
func (b *Binder) bindSource(sel *parser.Select) (exec.Operator, *Scope, []*parser.SelectItem, error) {
	if sel.SetOp == nil {
		src, sc, err := b.bindFrom(sel.From)
		return src, sc, sel.Items, err
	}
	if err := b.CheckSetOpOrder(sel); err != nil {
		return nil, nil, nil, err
	}
	src, sc, err := b.bindSetOp(sel.SetOp)
	return src, sc, []*parser.SelectItem{{Pos: sel.Pos, Star: true}}, err
}

// bindFrom binds a FROM clause into a row source and its scope. Comma
// separated entries are cross joins.
func (b *Binder) bindFrom(from []parser.TableExpr) (exec.Operator, *Scope, error) {
	sc := &Scope{}
	if len(from) == 0 {
		return exec.OneRow{}, sc, nil
	}
	var src exec.Operator
	for i, te := range from {
		lw := sc.Width()
		s, err := b.bindTableExpr(te, sc)
		if err != nil {
			return nil, nil, err
		}
		if i == 0 {
			src = s
			continue
		}
		src = &exec.NestedLoops{Kind: exec.CrossJoin, Left: src, Right: s, LW: lw, RW: sc.Width() - lw}
	}
	return src, sc, nil
}

func (b *Binder) bindTableExpr(te parser.TableExpr, sc *Scope) (exec.Operator, error) {
	switch x := te.(type) {
	case *parser.TableRef:
		if c, at := b.lookupCTE(x.Name); c != nil {
			return b.bindCTERef(x, c, at, sc)
		}
		return b.Engine.BindTable(x, sc)
	case *parser.TableFunc:
		return b.Engine.BindTable(x, sc)
	case *parser.DerivedTable:
		return b.bindDerived(x, x, x.Alias, sc)
	case *parser.Join:
		if x.Kind == parser.CrossApply || x.Kind == parser.OuterApply {
			return b.bindApply(x, sc)
		}
		start := sc.Width()
		left, err := b.bindTableExpr(x.Left, sc)
		if err != nil {
			return nil, err
		}
		lw := sc.Width()
		right, err := b.bindTableExpr(x.Right, sc)
		if err != nil {
			return nil, err
		}
		var on exec.Expr
		if x.On != nil {
			if on, err = b.BindExpr(x.On, sc, nil, types.TypeBit); err != nil {
				return nil, err
			}
		}
		return &exec.NestedLoops{Kind: joinKinds[x.Kind], Left: left, Right: right, On: on, Base: start,
			LW: lw - start, RW: sc.Width() - lw}, nil
	}
	return nil, b.ErrAt(te, sqlerr.New(40517, te.String()))
}

// joinKinds maps the parser's join kinds (APPLY is bound elsewhere) to
// the join operators'.
var joinKinds = map[parser.JoinKind]exec.JoinKind{parser.InnerJoin: exec.InnerJoin, parser.LeftJoin: exec.LeftJoin,
	parser.RightJoin: exec.RightJoin, parser.FullJoin: exec.FullJoin, parser.CrossJoin: exec.CrossJoin}

// AddSource adds a FROM entry's source to sc, checking that its name is
// unique there (1013).
func (b *Binder) AddSource(n Positioned, sc *Scope, src *Source) error {
	for _, s := range sc.Sources {
		if strings.EqualFold(s.Name, src.Name) {
			return b.ErrAt(n, sqlerr.New(1013, s.Name, src.Name))
		}
	}
	sc.Add(src)
	return nil
}
