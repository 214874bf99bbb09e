package engine

import (
	"slices"
	"strconv"
	"strings"

	"mirrordb/engine/bind"
	"mirrordb/engine/builtins"
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// binder turns syntax into bound expressions and plans for one statement:
// it resolves names against the session's databases, computes static types,
// inserts SQL Server's implicit conversions and infers parameter types.
type binder struct {
	s      *Session
	batch  parser.BatchText
	params *exec.ParamTypes
	// simple is set for the simple-query protocol, where $n parameters
	// have no values.
	simple bool
	// checks, when set, records the conversions of parameters that
	// binding a literal would have checked at once (plancache.go).
	checks *bind.ParamChecks
	corr   correlation    // the scopes around the subquery being bound (correlate.go)
	ctes   []*cteBinding  // common table expressions in scope (derived.go)
	win    *windowContext // where window functions may appear (window.go)
	srfs   *srfContext    // where set-returning functions may appear (pgsrf.go)
	// inDefault is the column DEFAULT being bound, if any (typefuncs.go).
	inDefault *defaultBinding
}

// positioned is anything with a place in the batch text.
type positioned interface{ Position() parser.Pos }

// errAt positions an error at a node.
func (b *binder) errAt(n positioned, err error) error {
	p := n.Position()
	return sqlerr.As(err).WithPosition(b.batch.PositionOf(p), p.Line)
}

// resolve finds a column reference in the scope or, in a subquery, in
// the scopes around it.
func (b *binder) resolve(sc *bind.Scope, ref *parser.ColumnRef) (exec.Expr, error) {
	x, err := sc.Resolve(ref, b.resolveOuter)
	if err != nil {
		return nil, b.errAt(ref, err)
	}
	return x, nil
}

// aggContext is set while binding the expressions that run after grouping
// (select list, HAVING, ORDER BY of an aggregate query).
type aggContext struct {
	scope     *bind.Scope // the source scope aggregate arguments bind in
	groupText []string    // printed GROUP BY expressions, for matching
	groupBy   []exec.Expr
	aggs      []*exec.AggSpec
}

// bindExpr binds an expression. hint is the type the context expects (used
// to infer parameter types); agg is non-nil after grouping.
func (b *binder) bindExpr(n parser.Expr, sc *bind.Scope, agg *aggContext, hint types.Type) (exec.Expr, error) {
	if agg != nil {
		if i := slices.Index(agg.groupText, n.String()); i >= 0 {
			return &exec.GroupKeyRef{Idx: i, T: agg.groupBy[i].Type()}, nil
		}
	}
	switch x := n.(type) {
	case *parser.Paren:
		return b.bindExpr(x.X, sc, agg, hint)
	case *parser.Literal:
		return b.bindLiteral(x)
	case *parser.ColumnRef:
		if agg != nil {
			if r, err := b.resolve(agg.scope, x); err != nil {
				return nil, err
			} else if c, isConst := r.(*exec.Const); isConst { // true, false
				return c, nil
			} else if o, isOuter := r.(*outerColExpr); isOuter { // one value per group too
				return o, nil
			}
			return nil, b.errAt(x, sqlerr.New(8120, strings.Join(x.Parts, ".")))
		}
		return b.resolve(sc, x)
	case *parser.Param:
		if b.simple {
			return nil, b.errAt(x, sqlerr.New(137, "$"+strconv.Itoa(x.N)))
		}
		b.params.Infer(x.N-1, hint)
		return &exec.ParamRef{N: x.N - 1, Params: b.params}, nil
	case *parser.GlobalVar:
		return b.bindGlobal(x)
	case *parser.Variable:
		return nil, b.errAt(x, sqlerr.New(137, "@"+x.Name))
	case *parser.Default:
		return nil, b.errAt(x, sqlerr.New(156, "DEFAULT"))
	case *parser.Unary:
		return b.bindUnary(x, sc, agg, hint)
	case *parser.Binary:
		return b.bindBinary(x, sc, agg, hint)
	case *parser.FuncCall:
		return b.bindFunc(x, sc, agg, hint)
	case *parser.Cast:
		return b.bindCast(x, x.X, x.To, nil, x.Try, x.PG, sc, agg)
	case *parser.Convert:
		return b.bindCast(x, x.X, x.To, x.Style, x.Try, false, sc, agg)
	case *parser.Case:
		return b.bindCase(x, sc, agg, hint)
	case *parser.InList:
		return b.bindIn(x, sc, agg)
	case *parser.Between:
		lo := &parser.Binary{Pos: x.Pos, Op: ">=", L: x.X, R: x.Lo}
		hi := &parser.Binary{Pos: x.Pos, Op: "<=", L: x.X, R: x.Hi}
		var both parser.Expr = &parser.Binary{Pos: x.Pos, Op: "AND", L: lo, R: hi}
		if x.Not {
			both = &parser.Unary{Pos: x.Pos, Op: "NOT", X: both}
		}
		return b.bindExpr(both, sc, agg, hint)
	case *parser.Like:
		return b.bindLike(x, sc, agg)
	case *parser.IsNull:
		v, err := b.bindExpr(x.X, sc, agg, types.TypeUnknown)
		if err != nil {
			return nil, err
		}
		return &exec.IsNull{X: v, Not: x.Not}, nil
	case *parser.Subquery:
		return b.bindSubquery(x, x.Select, false, sc, agg)
	case *parser.Exists:
		return b.bindSubquery(x, x.Select, true, sc, agg)
	case *parser.ArraySubquery: // pgarray.go
		return b.bindArraySubquery(x, sc, agg)
	case *parser.ArrayCompare:
		return b.bindArrayCompare(x, sc, agg)
	case *parser.Subscript: // pgsubscript.go
		return b.bindSubscript(x, sc, agg)
	case *parser.FieldSelect: // pgsrf.go
		return b.bindFieldSelect(x, sc, agg)
	case *parser.Trim: // pgsubscript.go
		return b.bindTrim(x, sc, agg)
	}
	return nil, b.errAt(n, sqlerr.New(40517, n.String()))
}

func (b *binder) bindLiteral(x *parser.Literal) (exec.Expr, error) {
	v, t, err := bind.LiteralValue(x)
	if err != nil {
		return nil, b.errAt(x, err)
	}
	return &exec.Const{V: v, T: t}, nil
}

func (b *binder) bindGlobal(x *parser.GlobalVar) (exec.Expr, error) {
	g, ok := globalVars[x.Name]
	if !ok {
		return nil, b.errAt(x, sqlerr.New(137, "@@"+x.Name))
	}
	return &exec.Call{Name: "@@" + x.Name, Fn: g, T: g.Type(nil)}, nil
}

func (b *binder) bindUnary(x *parser.Unary, sc *bind.Scope, agg *aggContext, hint types.Type) (exec.Expr, error) {
	v, err := b.bindExpr(x.X, sc, agg, hint)
	if err != nil {
		return nil, err
	}
	switch x.Op {
	case "NOT":
		return &exec.Not{X: v}, nil
	case "+":
		return v, nil
	case "-", "~":
		k := v.Type().Kind
		if k.IsString() || k == types.Unknown {
			v = exec.Coerce(v, types.TypeInt)
		}
		k = v.Type().Kind
		if !k.IsNumeric() || (x.Op == "~" && !(k.IsInteger() || k == types.Bit)) || (x.Op == "-" && k == types.Bit) {
			return nil, b.errAt(x, sqlerr.New(8117, k.String(), map[string]string{"-": "minus", "~": "~"}[x.Op]))
		}
		return b.fold(&exec.Negate{X: v, Bitwise: x.Op == "~"}), nil
	}
	return nil, b.errAt(x, sqlerr.New(102, x.Op))
}

// bindPair binds the two operands of an operator, letting a parameter on
// one side take the type of the other side.
func (b *binder) bindPair(l, r parser.Expr, sc *bind.Scope, agg *aggContext, hint types.Type) (exec.Expr, exec.Expr, error) {
	_, lp := l.(*parser.Param)
	_, rp := r.(*parser.Param)
	if lp && !rp {
		rb, err := b.bindExpr(r, sc, agg, hint)
		if err != nil {
			return nil, nil, err
		}
		lb, err := b.bindExpr(l, sc, agg, rb.Type())
		return lb, rb, err
	}
	lb, err := b.bindExpr(l, sc, agg, hint)
	if err != nil {
		return nil, nil, err
	}
	rb, err := b.bindExpr(r, sc, agg, lb.Type())
	return lb, rb, err
}

func (b *binder) bindBinary(x *parser.Binary, sc *bind.Scope, agg *aggContext, hint types.Type) (exec.Expr, error) {
	switch x.Op {
	case "AND", "OR":
		l, err := b.bindExpr(x.L, sc, agg, types.TypeBit)
		if err != nil {
			return nil, err
		}
		r, err := b.bindExpr(x.R, sc, agg, types.TypeBit)
		if err != nil {
			return nil, err
		}
		return &exec.Logic{And: x.Op == "AND", L: l, R: r}, nil
	}
	l, r, err := b.bindPair(x.L, x.R, sc, agg, types.TypeUnknown)
	if err != nil {
		return nil, err
	}
	switch x.Op {
	case "=", "<>", "!=", "<", ">", "<=", ">=", "!<", "!>":
		l, r, err = b.comparable(x, l, r)
		if err != nil {
			return nil, err
		}
		return b.fold(&exec.Compare{Op: x.Op, L: l, R: r}), nil
	}
	return b.bindArith(x, l, r)
}

// comparable brings two operands to a common representation for
// comparison, following data type precedence. Kinds whose values
// types.Compare orders directly (numbers with numbers, strings with
// strings, ...) are left as they are.
func (b *binder) comparable(n positioned, l, r exec.Expr) (exec.Expr, exec.Expr, error) {
	lt, rt := l.Type(), r.Type()
	if bind.SameRepresentation(lt.Kind, rt.Kind) {
		return l, r, nil
	}
	ct := types.Common(lt, rt)
	if _, err := types.Convert(nil, lt, ct, types.Implicit); err != nil {
		return nil, nil, b.errAt(n, err)
	}
	if !bind.ImplicitOK(lt, ct) || !bind.ImplicitOK(rt, ct) {
		return nil, nil, b.errAt(n, sqlerr.New(206, lt.String(), rt.String()))
	}
	lc, err := b.coerceChecked(n, l, ct)
	if err != nil {
		return nil, nil, err
	}
	rc, err := b.coerceChecked(n, r, ct)
	return lc, rc, err
}

// coerceChecked is coerce that reports a failing constant conversion now.
func (b *binder) coerceChecked(n positioned, x exec.Expr, t types.Type) (exec.Expr, error) {
	if c, ok := x.(*exec.Const); ok && c.V != nil && c.T != t {
		if _, err := types.Convert(c.V, c.T, t, types.Implicit); err != nil {
			return nil, b.errAt(n, err)
		}
	} else if p, ok := x.(*exec.ParamRef); ok && b.checks != nil {
		b.checks.Record(p.N, t)
	}
	if bind.GoRepresentation(x.Type().Kind) == bind.GoRepresentation(t.Kind) && !t.Kind.IsString() && !t.Kind.IsBinary() && !t.Kind.IsMoney() {
		return x, nil // same Go value type, no conversion needed
	}
	return exec.Coerce(x, t), nil
}

func (b *binder) bindArith(x *parser.Binary, l, r exec.Expr) (exec.Expr, error) {
	lt, rt := l.Type(), r.Type()
	if lt.Kind == types.Unknown && rt.Kind == types.Unknown {
		return &exec.Const{T: types.TypeInt}, nil
	}
	if lt.Kind == types.Unknown {
		lt = rt
	}
	if rt.Kind == types.Unknown {
		rt = lt
	}
	// String concatenation.
	if x.Op == "+" && lt.Kind.IsString() && rt.Kind.IsString() {
		t := types.Common(lt, rt)
		if lt.Length != types.MaxLength && rt.Length != types.MaxLength {
			n := lt.Length + rt.Length
			limit := int32(types.MaxCharLength)
			if t.Kind.IsUnicode() {
				limit = types.MaxNCharLength
			}
			if n > limit {
				n = types.MaxLength
			}
			t.Length = n
		}
		t.Kind = map[bool]types.Kind{true: types.NVarChar, false: types.VarChar}[t.Kind.IsUnicode()]
		return b.fold(&exec.Arith{Op: "+", L: l, R: r, T: t}), nil
	}
	// DATETIME ± number of days.
	if (x.Op == "+" || x.Op == "-") && lt.Kind == types.DateTime && rt.Kind.IsNumeric() {
		return b.fold(&exec.Arith{Op: x.Op, L: l, R: exec.Coerce(r, types.TypeFloat), T: types.TypeDateTime}), nil
	}
	if x.Op == "+" && rt.Kind == types.DateTime && lt.Kind.IsNumeric() {
		return b.fold(&exec.Arith{Op: "+", L: r, R: exec.Coerce(l, types.TypeFloat), T: types.TypeDateTime}), nil
	}
	// Strings meeting numbers become the number type (precedence).
	if lt.Kind.IsString() && rt.Kind.IsNumeric() {
		lt = rt
	} else if rt.Kind.IsString() && lt.Kind.IsNumeric() {
		rt = lt
	}
	bad := func(k types.Kind) bool {
		return !k.IsNumeric() || (k == types.Bit && x.Op != "&" && x.Op != "|" && x.Op != "^")
	}
	if bad(lt.Kind) {
		return nil, b.errAt(x, sqlerr.New(8117, l.Type().Kind.String(), exec.OpName(x.Op)))
	}
	if bad(rt.Kind) {
		return nil, b.errAt(x, sqlerr.New(8117, r.Type().Kind.String(), exec.OpName(x.Op)))
	}
	t, opT := bind.ArithType(x.Op, lt, rt)
	if x.Op == "&" || x.Op == "|" || x.Op == "^" {
		if !(lt.Kind.IsInteger() || lt.Kind == types.Bit) || !(rt.Kind.IsInteger() || rt.Kind == types.Bit) {
			return nil, b.errAt(x, sqlerr.New(402, lt.Kind.String(), rt.Kind.String(), exec.OpName(x.Op)))
		}
		if lt.Kind == types.Bit && rt.Kind == types.Bit {
			t, opT = types.TypeBit, types.TypeBigInt
		}
	}
	lc, err := b.coerceChecked(x, l, bind.OperandType(lt, opT))
	if err != nil {
		return nil, err
	}
	rc, err := b.coerceChecked(x, r, bind.OperandType(rt, opT))
	if err != nil {
		return nil, err
	}
	return b.fold(&exec.Arith{Op: x.Op, L: lc, R: rc, T: t}), nil
}

// fold evaluates an expression whose operands are all constants.
func (b *binder) fold(x exec.Expr) exec.Expr {
	if !exec.ConstTree(x) {
		return x
	}
	v, err := x.Eval(&exec.Env{Sess: b.s})
	if err != nil {
		return x // report at run time, where SQL Server reports it
	}
	return &exec.Const{V: v, T: x.Type()}
}

func (b *binder) bindCast(n positioned, x parser.Expr, tn parser.TypeName, style parser.Expr, try, pg bool, sc *bind.Scope, agg *aggContext) (exec.Expr, error) {
	if pg {
		if r, ok, err := b.bindPGTextCast(x, tn, sc, agg); ok { // pgsubscript.go
			return r, err
		}
	}
	if pg {
		if r, ok, err := b.bindRegCast(x, tn, sc, agg); ok { // pgregcast.go
			return r, err
		}
	}
	to, in, terr := bind.CastTarget(tn, pg)
	if sqlerr.Is(terr, 2715) {
		if t, _, alias, err := b.columnType(b.s.db, tn); err == nil && alias != nil {
			to, in, terr = t, types.PGPlain, nil // an alias type (usertypes.go)
		}
	}
	if terr != nil {
		return nil, b.errAt(n, terr)
	}
	if in == types.PGNumeric {
		to = types.DecimalType(types.MaxDecPrecision, 10) // a parameter's type
	}
	v, err := b.bindExpr(x, sc, agg, to)
	if err != nil {
		return nil, err
	}
	switch in {
	case types.PGNumeric:
		to = bind.NumericTarget(v)
	case types.PGBytea, types.PGTimestampTZ, types.PGTime, types.PGBool:
		v = &pgInputExpr{x: v, in: in}
	}
	var st exec.Expr
	if style != nil {
		if st, err = b.bindExpr(style, sc, agg, types.TypeInt); err != nil {
			return nil, err
		}
	}
	if v.Type().Kind != types.Unknown {
		if _, cerr := types.Convert(bind.Probe(v.Type().Kind), v.Type(), to, types.Explicit); sqlerr.Is(cerr, 529) {
			return nil, b.errAt(n, cerr)
		}
	}
	if st != nil && builtins.HasStyles(v.Type().Kind, to.Kind) {
		return b.fold(&exec.StyledConvert{X: v, Style: st, To: to, Try: try}), nil
	}
	return b.fold(&exec.Cast{X: v, To: to, Mode: types.Explicit, Try: try}), nil
}

func (b *binder) bindCase(x *parser.Case, sc *bind.Scope, agg *aggContext, hint types.Type) (exec.Expr, error) {
	c := &exec.Case{}
	var operand exec.Expr
	if x.Operand != nil {
		var err error
		if operand, err = b.bindExpr(x.Operand, sc, agg, types.TypeUnknown); err != nil {
			return nil, err
		}
	}
	for _, w := range x.Whens {
		var cond exec.Expr
		var err error
		if operand != nil {
			v, err := b.bindExpr(w.Cond, sc, agg, operand.Type())
			if err != nil {
				return nil, err
			}
			lo, ro, err := b.comparable(w, operand, v)
			if err != nil {
				return nil, err
			}
			cond = &exec.Compare{Op: "=", L: lo, R: ro}
		} else if cond, err = b.bindExpr(w.Cond, sc, agg, types.TypeBit); err != nil {
			return nil, err
		}
		res, err := b.bindExpr(w.Result, sc, agg, hint)
		if err != nil {
			return nil, err
		}
		c.Conds = append(c.Conds, cond)
		c.Results = append(c.Results, res)
	}
	if x.Else != nil {
		e, err := b.bindExpr(x.Else, sc, agg, hint)
		if err != nil {
			return nil, err
		}
		c.Else = e
	}
	t := types.TypeUnknown
	for _, r := range c.Results {
		t = types.Common(t, r.Type())
	}
	if c.Else != nil {
		t = types.Common(t, c.Else.Type())
	}
	for i := range c.Results {
		c.Results[i] = exec.Coerce(c.Results[i], t)
	}
	if c.Else != nil {
		c.Else = exec.Coerce(c.Else, t)
	}
	c.T = t
	return c, nil
}

func (b *binder) bindIn(x *parser.InList, sc *bind.Scope, agg *aggContext) (exec.Expr, error) {
	if x.Subquery != nil {
		v, err := b.bindExpr(x.X, sc, agg, types.TypeUnknown)
		if err != nil {
			return nil, err
		}
		sub, err := b.bindSubquery(x, x.Subquery, false, sc, agg)
		if err != nil {
			return nil, err
		}
		return &inSubquery{x: v, sub: sub.(*subqueryExpr), not: x.Not}, nil
	}
	v, err := b.bindExpr(x.X, sc, agg, types.TypeUnknown)
	if err != nil {
		return nil, err
	}
	in := &exec.InList{X: v, Not: x.Not}
	for _, el := range x.List {
		e, err := b.bindExpr(el, sc, agg, v.Type())
		if err != nil {
			return nil, err
		}
		lo, ro, err := b.comparable(el, v, e)
		if err != nil {
			return nil, err
		}
		in.X = lo
		in.List = append(in.List, ro)
	}
	return in, nil
}

func (b *binder) bindLike(x *parser.Like, sc *bind.Scope, agg *aggContext) (exec.Expr, error) {
	str := types.NVarCharType(types.MaxLength)
	toStr := func(n parser.Expr) (exec.Expr, error) {
		if n == nil {
			return nil, nil
		}
		e, err := b.bindExpr(n, sc, agg, str)
		if err != nil {
			return nil, err
		}
		if !e.Type().Kind.IsString() {
			e = exec.Coerce(e, str)
		}
		return e, nil
	}
	v, err := toStr(x.X)
	if err != nil {
		return nil, err
	}
	p, err := toStr(x.Pattern)
	if err != nil {
		return nil, err
	}
	esc, err := toStr(x.Escape)
	if err != nil {
		return nil, err
	}
	l := &exec.Like{X: v, Pattern: p, Escape: esc, Not: x.Not}
	if c, ok := p.(*exec.Const); ok && c.V != nil && esc == nil {
		l.Cached = builtins.CompileLike(c.V.(string), 0)
	}
	return l, nil
}

// bindTypedValue binds an expression whose value is assigned to something
// of type t (INSERT values, UPDATE SET, defaults): params take t.
func (b *binder) bindTypedValue(n parser.Expr, sc *bind.Scope, t types.Type) (exec.Expr, error) {
	return b.bindExpr(n, sc, nil, t)
}
