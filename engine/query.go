package engine

import (
	"strings"

	"mirrordb/engine/bind"
	"mirrordb/engine/exec"
	"mirrordb/parser"
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
		xs, cols, err := b.BindItem(it, sc, agg)
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
		k, err := b.BindOrderKey(o, sel, p, sc, agg, aliases)
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
