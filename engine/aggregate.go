package engine

import (
	"mirrordb/engine/bind"
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

func (b *binder) bindAggregate(x *parser.FuncCall, name string, agg *bind.AggContext) (exec.Expr, error) {
	if agg == nil {
		return nil, b.ErrAt(x, sqlerr.New(147))
	}
	text := x.String()
	for i, a := range agg.Aggs {
		if a.Text == text {
			return &exec.AggRef{Idx: i, T: a.T}, nil
		}
	}
	spec, err := b.aggregateSpec(x, name, func(a parser.Expr) (exec.Expr, error) {
		if bind.ContainsAggregate(a) {
			return nil, b.ErrAt(x, sqlerr.New(130))
		}
		return b.BindExpr(a, agg.Scope, nil, types.TypeUnknown)
	})
	if err != nil {
		return nil, err
	}
	agg.Aggs = append(agg.Aggs, spec)
	return &exec.AggRef{Idx: len(agg.Aggs) - 1, T: spec.T}, nil
}

// aggregateSpec checks an aggregate call's arguments, binds its argument
// with bindArg and types the result.
func (b *binder) aggregateSpec(x *parser.FuncCall, name string, bindArg func(parser.Expr) (exec.Expr, error)) (*exec.AggSpec, error) {
	spec := &exec.AggSpec{Name: name, Distinct: x.Distinct, Text: x.String()}
	switch {
	case x.Star:
		if name != "COUNT" && name != "COUNT_BIG" {
			return nil, b.ErrAt(x, sqlerr.New(102, "*"))
		}
	case name == "STRING_AGG":
		var lit *parser.Literal
		if len(x.Args) == 2 {
			lit, _ = x.Args[1].(*parser.Literal)
		}
		if lit == nil || lit.Kind != parser.LitString {
			return nil, b.ErrAt(x, sqlerr.New(174, name, 2))
		}
		spec.Sep = lit.Value
		arg, err := bindArg(x.Args[0])
		if err != nil {
			return nil, err
		}
		spec.Arg = arg
	case len(x.Args) != 1:
		return nil, b.ErrAt(x, sqlerr.New(174, name, 1))
	default:
		arg, err := bindArg(x.Args[0])
		if err != nil {
			return nil, err
		}
		spec.Arg = arg
	}
	t, err := bind.AggResultType(name, spec.Arg)
	if err != nil {
		return nil, b.ErrAt(x, err)
	}
	spec.T = t
	return spec, nil
}
