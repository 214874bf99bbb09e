package engine

import (
	"strings"

	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

func (b *binder) bindAggregate(x *parser.FuncCall, name string, agg *aggContext) (exec.Expr, error) {
	if agg == nil {
		return nil, b.errAt(x, sqlerr.New(147))
	}
	text := x.String()
	for i, a := range agg.aggs {
		if a.Text == text {
			return &exec.AggRef{Idx: i, T: a.T}, nil
		}
	}
	spec, err := b.aggregateSpec(x, name, func(a parser.Expr) (exec.Expr, error) {
		if containsAggregate(a) {
			return nil, b.errAt(x, sqlerr.New(130))
		}
		return b.bindExpr(a, agg.scope, nil, types.TypeUnknown)
	})
	if err != nil {
		return nil, err
	}
	agg.aggs = append(agg.aggs, spec)
	return &exec.AggRef{Idx: len(agg.aggs) - 1, T: spec.T}, nil
}

// aggregateSpec checks an aggregate call's arguments, binds its argument
// with bindArg and types the result.
func (b *binder) aggregateSpec(x *parser.FuncCall, name string, bindArg func(parser.Expr) (exec.Expr, error)) (*exec.AggSpec, error) {
	spec := &exec.AggSpec{Name: name, Distinct: x.Distinct, Text: x.String()}
	switch {
	case x.Star:
		if name != "COUNT" && name != "COUNT_BIG" {
			return nil, b.errAt(x, sqlerr.New(102, "*"))
		}
	case name == "STRING_AGG":
		var lit *parser.Literal
		if len(x.Args) == 2 {
			lit, _ = x.Args[1].(*parser.Literal)
		}
		if lit == nil || lit.Kind != parser.LitString {
			return nil, b.errAt(x, sqlerr.New(174, name, 2))
		}
		spec.Sep = lit.Value
		arg, err := bindArg(x.Args[0])
		if err != nil {
			return nil, err
		}
		spec.Arg = arg
	case len(x.Args) != 1:
		return nil, b.errAt(x, sqlerr.New(174, name, 1))
	default:
		arg, err := bindArg(x.Args[0])
		if err != nil {
			return nil, err
		}
		spec.Arg = arg
	}
	t, err := aggResultType(name, spec.Arg)
	if err != nil {
		return nil, b.errAt(x, err)
	}
	spec.T = t
	return spec, nil
}

// aggResultType follows SQL Server: SUM/AVG of tinyint/smallint/int give
// int, of bigint bigint, of decimal(p,s) decimal(38,s) (AVG: scale ≥ 6), of
// float float; MIN/MAX keep their argument's type.
func aggResultType(name string, arg exec.Expr) (types.Type, *sqlerr.Error) {
	switch name {
	case "COUNT":
		return types.TypeInt, nil
	case "COUNT_BIG":
		return types.TypeBigInt, nil
	case "MIN", "MAX":
		return arg.Type(), nil
	case "STRING_AGG":
		return types.NVarCharType(types.MaxLength), nil
	}
	t := arg.Type()
	switch {
	case t.Kind == types.TinyInt || t.Kind == types.SmallInt || t.Kind == types.Int:
		return types.TypeInt, nil
	case t.Kind == types.BigInt:
		return types.TypeBigInt, nil
	case t.Kind == types.Decimal:
		s := int(t.Scale)
		if name == "AVG" {
			s = max(s, 6)
		}
		return types.DecimalType(38, s), nil
	case t.Kind == types.Float || t.Kind == types.Real:
		return types.TypeFloat, nil
	case t.Kind.IsMoney(): // SUM and AVG of smallmoney are money too
		return types.TypeMoney, nil
	case t.Kind == types.Unknown:
		return types.TypeInt, nil
	}
	return types.Type{}, sqlerr.New(8117, t.Kind.String(), strings.ToLower(name))
}

// containsAggregate reports whether an expression tree calls an aggregate
// (outside subqueries, which aggregate on their own).
func containsAggregate(n parser.Expr) bool {
	found := false
	walkExpr(n, func(e parser.Expr) bool {
		if isAggregateCall(e) {
			found = true
		}
		return !found
	})
	return found
}

// walkExpr visits an expression tree depth-first; visit returns false to
// stop descending. Subqueries are not entered.
func walkExpr(n parser.Expr, visit func(parser.Expr) bool) {
	if n == nil || !visit(n) {
		return
	}
	switch x := n.(type) {
	case *parser.Paren:
		walkExpr(x.X, visit)
	case *parser.Unary:
		walkExpr(x.X, visit)
	case *parser.Binary:
		walkExpr(x.L, visit)
		walkExpr(x.R, visit)
	case *parser.FuncCall:
		for _, a := range x.Args {
			walkExpr(a, visit)
		}
	case *parser.Cast:
		walkExpr(x.X, visit)
	case *parser.Convert:
		walkExpr(x.X, visit)
		walkExpr(x.Style, visit)
	case *parser.Case:
		walkExpr(x.Operand, visit)
		for _, w := range x.Whens {
			walkExpr(w.Cond, visit)
			walkExpr(w.Result, visit)
		}
		walkExpr(x.Else, visit)
	case *parser.InList:
		walkExpr(x.X, visit)
		for _, e := range x.List {
			walkExpr(e, visit)
		}
	case *parser.Between:
		walkExpr(x.X, visit)
		walkExpr(x.Lo, visit)
		walkExpr(x.Hi, visit)
	case *parser.Like:
		walkExpr(x.X, visit)
		walkExpr(x.Pattern, visit)
		walkExpr(x.Escape, visit)
	case *parser.IsNull:
		walkExpr(x.X, visit)
	case *parser.Trim:
		walkExpr(x.X, visit)
		walkExpr(x.Chars, visit)
	case *parser.Subscript:
		walkExpr(x.X, visit)
		walkExpr(x.Index, visit)
	case *parser.FieldSelect:
		walkExpr(x.X, visit)
	}
}
