package engine

import (
	"strings"

	"mirrordb/engine/exec"
	"mirrordb/engine/govern"
	"mirrordb/engine/keys"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// aggSpec is one aggregate call of a grouped query.
type aggSpec struct {
	name     string    // COUNT, COUNT_BIG, SUM, AVG, MIN, MAX
	arg      exec.Expr // nil for COUNT(*)
	distinct bool
	t        types.Type
	text     string // printed call, to share identical aggregates
	sep      string // STRING_AGG's separator
}

func (b *binder) bindAggregate(x *parser.FuncCall, name string, agg *aggContext) (exec.Expr, error) {
	if agg == nil {
		return nil, b.errAt(x, sqlerr.New(147))
	}
	text := x.String()
	for i, a := range agg.aggs {
		if a.text == text {
			return &exec.AggRef{Idx: i, T: a.t}, nil
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
	return &exec.AggRef{Idx: len(agg.aggs) - 1, T: spec.t}, nil
}

// aggregateSpec checks an aggregate call's arguments, binds its argument
// with bindArg and types the result.
func (b *binder) aggregateSpec(x *parser.FuncCall, name string, bindArg func(parser.Expr) (exec.Expr, error)) (*aggSpec, error) {
	spec := &aggSpec{name: name, distinct: x.Distinct, text: x.String()}
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
		spec.sep = lit.Value
		arg, err := bindArg(x.Args[0])
		if err != nil {
			return nil, err
		}
		spec.arg = arg
	case len(x.Args) != 1:
		return nil, b.errAt(x, sqlerr.New(174, name, 1))
	default:
		arg, err := bindArg(x.Args[0])
		if err != nil {
			return nil, err
		}
		spec.arg = arg
	}
	t, err := aggResultType(name, spec.arg)
	if err != nil {
		return nil, b.errAt(x, err)
	}
	spec.t = t
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

// accumulatorSize approximates an accumulator's memory, for a group's
// share of the statement's budget.
const accumulatorSize = 64

// accumulator computes one aggregate over a group.
type accumulator struct {
	spec  *aggSpec
	count int64
	sum   types.Value // running SUM/AVG total, or MIN/MAX value
	seen  map[string]bool
	// isum is an integer SUM/AVG's running total, kept unboxed (hasInt:
	// it has one), which spares every row a conversion and an allocation.
	isum   int64
	hasInt bool
	// text is STRING_AGG's result so far (hasText: a value was added),
	// appended to in place rather than copied whole per row.
	text    []byte
	hasText bool
	// held is what the distinct values and the text count against the
	// statement's memory, given back with the group (releaseAccumulators).
	held int64
}

// grow counts n more bytes held by the accumulator.
func (a *accumulator) grow(e *exec.Env, n int64) error {
	if err := e.Gov.Grow(n); err != nil {
		return err
	}
	a.held += n
	return nil
}

// releaseAccumulators gives back what a finished group's aggregates hold.
func releaseAccumulators(e *exec.Env, accs []*accumulator) {
	for _, a := range accs {
		e.Gov.Shrink(a.held)
		a.held = 0
	}
}

func newAccumulators(specs []*aggSpec) []*accumulator {
	accs := make([]*accumulator, len(specs))
	for i, s := range specs {
		accs[i] = &accumulator{spec: s}
		if s.distinct {
			accs[i].seen = map[string]bool{}
		}
	}
	return accs
}

func (a *accumulator) add(e *exec.Env) error {
	if a.spec.arg == nil { // COUNT(*)
		a.count++
		return nil
	}
	v, err := a.spec.arg.Eval(e)
	if err != nil || v == nil {
		return err
	}
	if a.seen != nil {
		k := string(keys.AppendValue(nil, v, a.spec.arg.Type()))
		if a.seen[k] {
			return nil
		}
		a.seen[k] = true
		if err := a.grow(e, int64(len(k))+govern.EntrySize); err != nil {
			return err
		}
	}
	a.count++
	switch a.spec.name {
	case "COUNT", "COUNT_BIG":
		return nil
	case "STRING_AGG":
		s := types.ToText(v, a.spec.arg.Type())
		grown := int64(len(s))
		if a.hasText {
			a.text = append(a.text, a.spec.sep...)
			grown += int64(len(a.spec.sep))
		}
		a.text, a.hasText = append(a.text, s...), true
		return a.grow(e, grown)
	case "MIN", "MAX":
		if a.sum == nil {
			a.sum = v
			return nil
		}
		c := types.Compare(v, a.sum)
		if (a.spec.name == "MIN" && c < 0) || (a.spec.name == "MAX" && c > 0) {
			a.sum = v
		}
		return nil
	}
	// SUM and AVG accumulate in the result type.
	if n, ok := v.(int64); ok && a.spec.t.Kind.IsInteger() && a.spec.arg.Type().Kind.IsInteger() {
		s := a.isum + n
		if (s > a.isum) != (n > 0) || !types.CheckIntRange(s, a.spec.t.Kind) {
			return exec.Overflow(a.spec.t.Kind)
		}
		a.isum, a.hasInt = s, true
		return nil
	}
	cv, cerr := types.Convert(v, a.spec.arg.Type(), a.spec.t, types.Implicit)
	if cerr != nil {
		return cerr
	}
	if a.sum == nil {
		a.sum = cv
		return nil
	}
	s, err := sumValues(a.sum, cv, a.spec.t)
	if err != nil {
		return err
	}
	a.sum = s
	return nil
}

func sumValues(x, y types.Value, t types.Type) (types.Value, error) {
	switch xv := x.(type) {
	case int64:
		return exec.IntArith("+", xv, y.(int64), t.Kind)
	case types.Dec:
		return exec.DecArith("+", xv, y.(types.Dec), t)
	case float64:
		return exec.FloatArith("+", xv, y.(float64), t.Kind)
	}
	return nil, sqlerr.New(8117, t.Kind.String(), "sum")
}

func (a *accumulator) result() (types.Value, error) {
	if a.hasInt {
		a.sum = a.isum
	}
	switch a.spec.name {
	case "COUNT":
		if !types.CheckIntRange(a.count, types.Int) {
			return nil, sqlerr.New(8115, "expression", "int")
		}
		return a.count, nil
	case "COUNT_BIG":
		return a.count, nil
	case "STRING_AGG":
		if !a.hasText {
			return nil, nil
		}
		return string(a.text), nil
	case "AVG":
		if a.count == 0 || a.sum == nil {
			return nil, nil
		}
		switch s := a.sum.(type) {
		case int64:
			return s / a.count, nil
		case types.Dec:
			_, scale := a.spec.t.PrecisionScale() // money's is 4
			q, _ := s.Quo(types.DecFromInt(a.count), int32(scale))
			return q, nil
		case float64:
			return s / float64(a.count), nil
		}
	}
	return a.sum, nil
}
