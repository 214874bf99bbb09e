package bind

import (
	"strings"

	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// BindSelect binds a SELECT, with its common table expressions in scope:
// its source (from.go), WHERE, GROUP
// BY and aggregates, select list, HAVING, ORDER BY with the window and
// set-returning functions of the select list and ORDER BY, TOP and
// OFFSET/FETCH. The engine plans the result (joins, access paths, key
// order, covering) and builds it (exec.Select.Build).
func (b *Binder) BindSelect(sel *parser.Select) (*exec.Select, error) {
	savedWin, savedSRFs := b.Win, b.SRFs
	b.Win, b.SRFs = nil, nil
	defer func() { b.Win, b.SRFs = savedWin, savedSRFs }()
	if len(sel.With) > 0 {
		defer b.pushCTEs(sel)()
	}
	src, sc, items, err := b.bindSource(sel)
	if err != nil {
		return nil, err
	}
	p := &exec.Select{SelectParts: exec.SelectParts{Src: src, Scope: sc, Distinct: sel.Distinct}}
	if sel.Where != nil {
		if ContainsAggregate(sel.Where) {
			return nil, b.ErrAt(sel.Where, sqlerr.New(147))
		}
		if err := b.refuseSRF(sel.Where, "WHERE"); err != nil {
			return nil, err
		}
		if p.Where, err = b.BindExpr(sel.Where, sc, nil, types.TypeBit); err != nil {
			return nil, err
		}
	}
	p.Grouped = len(sel.GroupBy) > 0 || sel.Having != nil
	for _, it := range items {
		if it.Expr != nil && ContainsAggregate(it.Expr) {
			p.Grouped = true
		}
	}
	for _, o := range sel.OrderBy {
		if ContainsAggregate(o.Expr) {
			p.Grouped = true
		}
	}
	var agg *AggContext
	if p.Grouped {
		agg = &AggContext{Scope: sc}
		for _, g := range sel.GroupBy {
			if ContainsAggregate(g) {
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
	wc, srfs := &WindowContext{}, &SRFContext{}
	b.Win, b.SRFs = wc, srfs
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
	b.Win, b.SRFs = nil, nil
	if sel.Having != nil {
		if err := b.refuseSRF(sel.Having, "HAVING"); err != nil {
			return nil, err
		}
		if p.Having, err = b.BindExpr(sel.Having, sc, agg, types.TypeBit); err != nil {
			return nil, err
		}
	}
	b.Win, b.SRFs = wc, srfs
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
	b.SRFs, p.Srfs = nil, srfs.setReturning()
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
	return p, nil
}

// checkConstantCounts refuses, as SQL Server's compiler does, a constant
// OFFSET below zero (10742) and a constant FETCH below one (10744); an
// expression's value is checked when the statement runs (rowCount), where
// a FETCH of 0 returns no rows.
func (b *Binder) checkConstantCounts(sel *parser.Select, p *exec.Select) error {
	if c, ok := p.Offset.(*exec.Const); ok {
		if n, _ := c.V.(int64); n < 0 {
			return b.ErrAt(sel.Offset, sqlerr.New(10742))
		}
	}
	if c, ok := p.Fetch.(*exec.Const); ok {
		if n, _ := c.V.(int64); n < 1 {
			return b.ErrAt(sel.Fetch, sqlerr.New(10744))
		}
	}
	return nil
}
