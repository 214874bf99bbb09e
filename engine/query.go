package engine

import (
	"strconv"
	"strings"

	"mirrordb/engine/bind"
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

func (b *binder) planSelect(sel *parser.Select) (*exec.Select, error) {
	if len(sel.With) > 0 {
		defer b.pushCTEs(sel)()
	}
	savedWin, savedSRFs := b.Win, b.srfs
	b.Win, b.srfs = nil, nil
	defer func() { b.Win, b.srfs = savedWin, savedSRFs }()
	src, sc, items, err := b.bindQuerySource(sel)
	if err != nil {
		return nil, err
	}
	p := &exec.Select{SelectParts: exec.SelectParts{Src: src, Scope: sc, Distinct: sel.Distinct}}
	if sel.Where != nil {
		if bind.ContainsAggregate(sel.Where) {
			return nil, b.ErrAt(sel.Where, sqlerr.New(147))
		}
		if err := b.refuseSRF(sel.Where, "WHERE"); err != nil {
			return nil, err
		}
		if p.Where, err = b.BindExpr(sel.Where, sc, nil, types.TypeBit); err != nil {
			return nil, err
		}
	}
	p.Where = pushIntoDerived(p.Src, p.Where) // derived.go
	if p.Src, p.Where, err = b.planJoins(p.Src, sc.Width(), p.Where, sel.Hints); err != nil {
		return nil, b.ErrAt(sel, err)
	}
	p.Grouped = len(sel.GroupBy) > 0 || sel.Having != nil
	for _, it := range items {
		if it.Expr != nil && bind.ContainsAggregate(it.Expr) {
			p.Grouped = true
		}
	}
	for _, o := range sel.OrderBy {
		if bind.ContainsAggregate(o.Expr) {
			p.Grouped = true
		}
	}
	var agg *bind.AggContext
	if p.Grouped {
		agg = &bind.AggContext{Scope: sc}
		for _, g := range sel.GroupBy {
			if bind.ContainsAggregate(g) {
				return nil, b.ErrAt(g, sqlerr.New(144))
			}
			x, err := b.BindExpr(g, sc, nil, types.TypeUnknown)
			if err != nil {
				return nil, err
			}
			agg.GroupBy = append(agg.GroupBy, x)
			agg.GroupText = append(agg.GroupText, g.String())
		}
	}
	wc, srfs := &bind.WindowContext{}, &srfContext{}
	b.Win, b.srfs = wc, srfs
	aliases := map[string]int{}
	for _, it := range items {
		if err := b.refuseNestedSRF(it.Expr); err != nil {
			return nil, err
		}
		if it.Alias != "" {
			aliases[strings.ToLower(it.Alias)] = len(p.Project)
		}
		xs, cols, err := b.bindItem(it, sc, agg)
		if err != nil {
			return nil, err
		}
		p.Project = append(p.Project, xs...)
		p.Cols = append(p.Cols, cols...)
	}
	b.Win, b.srfs = nil, nil
	if sel.Having != nil {
		if err := b.refuseSRF(sel.Having, "HAVING"); err != nil {
			return nil, err
		}
		if p.Having, err = b.BindExpr(sel.Having, sc, agg, types.TypeBit); err != nil {
			return nil, err
		}
	}
	b.Win, b.srfs = wc, srfs
	for _, o := range sel.OrderBy {
		if err := b.refuseNestedSRF(o.Expr); err != nil {
			return nil, err
		}
		k, err := b.bindOrderKey(o, sel, p, sc, agg, aliases)
		if err != nil {
			return nil, err
		}
		p.OrderBy = append(p.OrderBy, k)
	}
	b.Win, p.Windows = nil, wc.Specs
	b.srfs, p.Srfs = nil, srfs.setReturning()
	if agg != nil {
		p.GroupBy, p.Aggs = agg.GroupBy, agg.Aggs
	}
	if sel.Top != nil && (sel.Offset != nil || sel.Fetch != nil) {
		return nil, b.ErrAt(sel.Top, sqlerr.New(10741))
	}
	if sel.Top != nil {
		p.TopPercent = sel.Top.Percent
		t := types.TypeBigInt
		if p.TopPercent {
			t = types.TypeFloat
		}
		if p.Top, err = b.BindExpr(sel.Top.Count, nil, nil, t); err != nil {
			return nil, err
		}
		p.Top = exec.Coerce(p.Top, t)
	}
	if sel.Offset != nil {
		if p.Offset, err = b.BindExpr(sel.Offset, nil, nil, types.TypeBigInt); err != nil {
			return nil, err
		}
		p.Offset = exec.Coerce(p.Offset, types.TypeBigInt)
	}
	if sel.Fetch != nil {
		if p.Fetch, err = b.BindExpr(sel.Fetch, nil, nil, types.TypeBigInt); err != nil {
			return nil, err
		}
		p.Fetch = exec.Coerce(p.Fetch, types.TypeBigInt)
	}
	if err := b.checkConstantCounts(sel, p); err != nil {
		return nil, err
	}
	useKeyOrder(p)
	if p.Grouped {
		useIndexForGroups(p)
	}
	useCovering(p)
	p.GroupsArrive = p.Grouped && groupsTogether(p)
	p.Build()
	return p, nil
}

// bindItem binds one select item: a star expands to its columns.
func (b *binder) bindItem(it *parser.SelectItem, sc *bind.Scope, agg *bind.AggContext) ([]exec.Expr, []session.Column, error) {
	if it.Star {
		stars, err := b.expandStar(it, sc, agg)
		if err != nil {
			return nil, nil, err
		}
		xs := make([]exec.Expr, len(stars))
		cols := make([]session.Column, len(stars))
		for i, c := range stars {
			xs[i], cols[i] = c.x, resultColumn(c.name, c.x)
		}
		return xs, cols, nil
	}
	x, err := b.BindExpr(it.Expr, sc, agg, types.TypeUnknown)
	if err != nil {
		return nil, nil, err
	}
	name := it.Alias
	if name == "" {
		name = defaultColumnName(it.Expr)
	}
	return []exec.Expr{x}, []session.Column{resultColumn(name, x)}, nil
}

// defaultColumnName is the name SQL Server gives an unaliased select item:
// the column name for a column reference, none otherwise.
func defaultColumnName(x parser.Expr) string {
	switch e := x.(type) {
	case *parser.ColumnRef:
		return e.Name()
	case *parser.Paren:
		return defaultColumnName(e.X)
	}
	return ""
}

type starCol struct {
	name string
	x    exec.Expr
}

func (b *binder) expandStar(it *parser.SelectItem, sc *bind.Scope, agg *bind.AggContext) ([]starCol, error) {
	var out []starCol
	found := false
	for _, src := range sc.Sources {
		if len(it.StarOf) > 0 && !strings.EqualFold(it.StarOf[len(it.StarOf)-1], src.Name) {
			continue
		}
		found = true
		for i, c := range src.Cols {
			if agg != nil {
				ref := &parser.ColumnRef{Pos: it.Pos, Parts: []string{src.Name, c.Name}}
				x, err := b.BindExpr(ref, sc, agg, types.TypeUnknown)
				if err != nil {
					return nil, err
				}
				out = append(out, starCol{c.Name, x})
				continue
			}
			out = append(out, starCol{c.Name, &exec.ColRef{Idx: src.Offset + i, T: c.Type, Origin: src.Origin(i)}})
		}
	}
	if !found {
		if len(it.StarOf) > 0 {
			return nil, b.ErrAt(it, sqlerr.New(4104, strings.Join(it.StarOf, ".")))
		}
		return nil, b.ErrAt(it, sqlerr.New(263))
	}
	return out, nil
}

func (b *binder) bindOrderKey(o *parser.OrderItem, sel *parser.Select, p *exec.Select, sc *bind.Scope, agg *bind.AggContext, aliases map[string]int) (exec.OrderKey, error) {
	if ref, ok := o.Expr.(*parser.ColumnRef); ok && len(ref.Parts) == 1 {
		if i, ok := aliases[strings.ToLower(ref.Parts[0])]; ok {
			return exec.OrderKey{Col: i, Desc: o.Desc}, nil
		}
	}
	if lit, ok := o.Expr.(*parser.Literal); ok && lit.Kind == parser.LitInt {
		n, _ := strconv.Atoi(lit.Value)
		if n < 1 || n > len(p.Project) {
			return exec.OrderKey{}, b.ErrAt(o, sqlerr.New(108, n))
		}
		return exec.OrderKey{Col: n - 1, Desc: o.Desc}, nil
	}
	if p.Distinct {
		text := o.Expr.String()
		for i, it := range sel.Items {
			if it.Expr != nil && it.Expr.String() == text {
				return exec.OrderKey{Col: i, Desc: o.Desc}, nil
			}
		}
		return exec.OrderKey{}, b.ErrAt(o, sqlerr.New(145))
	}
	x, err := b.BindExpr(o.Expr, sc, agg, types.TypeUnknown)
	if err != nil {
		if agg != nil && sqlerr.Is(err, 8120) {
			return exec.OrderKey{}, b.ErrAt(o, sqlerr.New(8127, o.Expr.String()))
		}
		return exec.OrderKey{}, err
	}
	return exec.OrderKey{Col: -1, X: x, Desc: o.Desc}, nil
}
