package bind

import (
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
	"strings"
)

// AggResultType follows SQL Server: SUM/AVG of tinyint/smallint/int give
// int, of bigint bigint, of decimal(p,s) decimal(38,s) (AVG: scale ≥ 6), of
// float float; MIN/MAX keep their argument's type.
func AggResultType(name string, arg exec.Expr) (types.Type, *sqlerr.Error) {
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

// ContainsAggregate reports whether an expression tree calls an aggregate
// (outside subqueries, which aggregate on their own).
func ContainsAggregate(n parser.Expr) bool {
	found := false
	WalkExpr(n, func(e parser.Expr) bool {
		if IsAggregateCall(e) {
			found = true
		}
		return !found
	})
	return found
}

// WalkExpr visits an expression tree depth-first; visit returns false to
// stop descending. Subqueries are not entered.
func WalkExpr(n parser.Expr, visit func(parser.Expr) bool) {
	if n == nil || !visit(n) {
		return
	}
	switch x := n.(type) {
	case *parser.Paren:
		WalkExpr(x.X, visit)
	case *parser.Unary:
		WalkExpr(x.X, visit)
	case *parser.Binary:
		WalkExpr(x.L, visit)
		WalkExpr(x.R, visit)
	case *parser.FuncCall:
		for _, a := range x.Args {
			WalkExpr(a, visit)
		}
	case *parser.Cast:
		WalkExpr(x.X, visit)
	case *parser.Convert:
		WalkExpr(x.X, visit)
		WalkExpr(x.Style, visit)
	case *parser.Case:
		WalkExpr(x.Operand, visit)
		for _, w := range x.Whens {
			WalkExpr(w.Cond, visit)
			WalkExpr(w.Result, visit)
		}
		WalkExpr(x.Else, visit)
	case *parser.InList:
		WalkExpr(x.X, visit)
		for _, e := range x.List {
			WalkExpr(e, visit)
		}
	case *parser.Between:
		WalkExpr(x.X, visit)
		WalkExpr(x.Lo, visit)
		WalkExpr(x.Hi, visit)
	case *parser.Like:
		WalkExpr(x.X, visit)
		WalkExpr(x.Pattern, visit)
		WalkExpr(x.Escape, visit)
	case *parser.IsNull:
		WalkExpr(x.X, visit)
	case *parser.Trim:
		WalkExpr(x.X, visit)
		WalkExpr(x.Chars, visit)
	case *parser.Subscript:
		WalkExpr(x.X, visit)
		WalkExpr(x.Index, visit)
	case *parser.FieldSelect:
		WalkExpr(x.X, visit)
	}
}

// IsAggregateCall reports whether n calls an aggregate function (without
// OVER, which makes it a window function).
func IsAggregateCall(n parser.Expr) bool {
	f, ok := n.(*parser.FuncCall)
	return ok && f.Over == nil && len(f.Name.Parts) == 1 && aggregateNames[strings.ToUpper(f.Name.Object())]
}

// IsAggregateName reports whether an unqualified function name, upper
// case, names an aggregate.
func IsAggregateName(name string) bool { return aggregateNames[name] }

var aggregateNames = map[string]bool{"COUNT": true, "COUNT_BIG": true, "SUM": true, "AVG": true, "MIN": true, "MAX": true, "STRING_AGG": true}

// bindAggregate binds an aggregate call after grouping (147 elsewhere):
// the same call twice is one aggregate.
func (b *Binder) bindAggregate(x *parser.FuncCall, name string, agg *AggContext) (exec.Expr, error) {
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
		if ContainsAggregate(a) {
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
func (b *Binder) aggregateSpec(x *parser.FuncCall, name string, bindArg func(parser.Expr) (exec.Expr, error)) (*exec.AggSpec, error) {
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
	t, err := AggResultType(name, spec.Arg)
	if err != nil {
		return nil, b.ErrAt(x, err)
	}
	spec.T = t
	return spec, nil
}
