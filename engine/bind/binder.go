package bind

import (
	"mirrordb/engine/builtins"
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
	"slices"
	"strconv"
	"strings"
)

// Binder binds expressions: it resolves names in scopes, computes static
// types, inserts SQL Server's implicit conversions, infers parameter
// types and folds constants; a subquery's names it resolves in the
// scopes of the queries around it too (correlate.go). What needs the
// engine (PostgreSQL's expressions, the planning of a nested query, alias
// types, the session constants are folded in) it asks its Engine. The engine's
// statement binders embed it.
type Binder struct {
	Batch  parser.BatchText // the batch's text, for errors' positions
	Params *exec.ParamTypes // the statement's parameters, their types inferred while binding
	// Simple is set for the simple-query protocol, where $n parameters
	// have no values.
	Simple bool
	// Checks, when set, records the conversions of parameters that
	// binding a literal would have checked at once (the plan cache).
	Checks *ParamChecks
	// Vars are the batch's variables (DECLARE); nil where there are none.
	Vars   *exec.Vars
	Engine Engine
	// Win collects the window functions of the query whose select list
	// and ORDER BY are being bound; nil where none may appear (4108).
	Win *WindowContext
	// SRFs collects the set-returning functions of that select list and
	// ORDER BY; nil where none may appear (srf.go).
	SRFs      *SRFContext
	inDefault *Default      // the column DEFAULT being bound, if any (funcs.go)
	corr      correlation   // the scopes around the subquery being bound (correlate.go)
	ctes      []*cteBinding // common table expressions in scope (derived.go)
}

// Engine is what binding an expression needs of the engine.
type Engine interface {
	// BindOther binds the expressions whose meaning the engine holds:
	// PostgreSQL's set-returning functions of a select list
	// (IsSelectListSRF), ARRAY(subquery), x op ANY/ALL(array), subscripts,
	// field selection and TRIM.
	BindOther(n parser.Expr, sc *Scope, agg *AggContext, hint types.Type) (exec.Expr, error)
	// BindPGCast binds the PostgreSQL casts with a meaning of their own
	// (x::text of a value, x::regclass and the other reg types); ok is
	// false for any other cast.
	BindPGCast(x parser.Expr, tn parser.TypeName, sc *Scope, agg *AggContext) (r exec.Expr, ok bool, err error)
	// AliasType is the type a user-defined alias type (CREATE TYPE ...
	// FROM) names in the current database; ok is false if there is none.
	AliasType(tn parser.TypeName) (t types.Type, ok bool)
	// PlanQuery binds and plans a query nested in the one being bound (a
	// subquery, a derived table, a set operation's operand): BindSelect,
	// then the engine's planning passes over the result.
	PlanQuery(sel *parser.Select) (*exec.Select, error)
	// BindTable binds a FROM entry the engine holds: a table or system
	// view (a *parser.TableRef that names no common table expression in
	// scope) or a table-valued function (a *parser.TableFunc). It adds
	// the entry's columns to sc (AddSource) and returns its row source.
	BindTable(te parser.TableExpr, sc *Scope) (exec.Operator, error)
	// Session is what constant folding evaluates against (exec.Env.Sess).
	Session() any
}

// Positioned is anything with a place in the batch text.
type Positioned interface{ Position() parser.Pos }

// ErrAt positions an error at a node.
func (b *Binder) ErrAt(n Positioned, err error) error {
	p := n.Position()
	return sqlerr.As(err).WithPosition(b.Batch.PositionOf(p), p.Line)
}

// ResolveColumn finds a column reference in the scope or, in a subquery, in
// the scopes around it.
func (b *Binder) ResolveColumn(sc *Scope, ref *parser.ColumnRef) (exec.Expr, error) {
	x, err := sc.Resolve(ref, b.resolveOuter)
	if err != nil {
		return nil, b.ErrAt(ref, err)
	}
	return x, nil
}

// AggContext is set while binding the expressions that run after grouping
// (select list, HAVING, ORDER BY of an aggregate query).
type AggContext struct {
	Scope     *Scope   // the source scope aggregate arguments bind in
	GroupText []string // printed GROUP BY expressions, for matching
	GroupBy   []exec.Expr
	Aggs      []*exec.AggSpec
}

// BindExpr binds an expression. hint is the type the context expects (used
// to infer parameter types); agg is non-nil after grouping.
func (b *Binder) BindExpr(n parser.Expr, sc *Scope, agg *AggContext, hint types.Type) (exec.Expr, error) {
	if agg != nil {
		if i := slices.Index(agg.GroupText, n.String()); i >= 0 {
			return &exec.GroupKeyRef{Idx: i, T: agg.GroupBy[i].Type()}, nil
		}
	}
	switch x := n.(type) {
	case *parser.Paren:
		return b.BindExpr(x.X, sc, agg, hint)
	case *parser.Literal:
		return b.BindLiteral(x)
	case *parser.ColumnRef:
		if agg != nil {
			if r, err := b.ResolveColumn(agg.Scope, x); err != nil {
				return nil, err
			} else if c, isConst := r.(*exec.Const); isConst { // true, false
				return c, nil
			} else if o, isOuter := r.(*exec.OuterRef); isOuter { // one value per group too
				return o, nil
			}
			return nil, b.ErrAt(x, sqlerr.New(8120, strings.Join(x.Parts, ".")))
		}
		return b.ResolveColumn(sc, x)
	case *parser.Param:
		if b.Simple {
			return nil, b.ErrAt(x, sqlerr.New(137, "$"+strconv.Itoa(x.N)))
		}
		b.Params.Infer(x.N-1, hint)
		return &exec.ParamRef{N: x.N - 1, Params: b.Params}, nil
	case *parser.GlobalVar:
		return b.BindGlobal(x)
	case *parser.FuncCall:
		return b.BindFunc(x, sc, agg, hint) // funcs.go
	case *parser.Variable:
		if v := b.Vars.Lookup(x.Name, x.Offset); v != nil {
			return &exec.VarRef{Var: v}, nil
		}
		return nil, b.ErrAt(x, sqlerr.New(137, "@"+x.Name))
	case *parser.Default:
		return nil, b.ErrAt(x, sqlerr.New(156, "DEFAULT"))
	case *parser.Unary:
		return b.bindUnary(x, sc, agg, hint)
	case *parser.Binary:
		return b.bindBinary(x, sc, agg, hint)
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
		return b.BindExpr(both, sc, agg, hint)
	case *parser.Like:
		return b.bindLike(x, sc, agg)
	case *parser.IsNull:
		v, err := b.BindExpr(x.X, sc, agg, types.TypeUnknown)
		if err != nil {
			return nil, err
		}
		return &exec.IsNull{X: v, Not: x.Not}, nil
	case *parser.Subquery:
		return b.BindSubquery(x, x.Select, false, sc, agg) // correlate.go
	case *parser.Exists:
		return b.BindSubquery(x, x.Select, true, sc, agg)
	case *parser.ArraySubquery: // pgarray.go
		return b.Engine.BindOther(x, sc, agg, hint)
	case *parser.ArrayCompare:
		return b.Engine.BindOther(x, sc, agg, hint)
	case *parser.Subscript: // pgsubscript.go
		return b.Engine.BindOther(x, sc, agg, hint)
	case *parser.FieldSelect: // pgsrf.go
		return b.Engine.BindOther(x, sc, agg, hint)
	case *parser.Trim: // pgsubscript.go
		return b.Engine.BindOther(x, sc, agg, hint)
	}
	return nil, b.ErrAt(n, sqlerr.New(40517, n.String()))
}

// BindLiteral binds a literal as a constant.
func (b *Binder) BindLiteral(x *parser.Literal) (exec.Expr, error) {
	v, t, err := LiteralValue(x)
	if err != nil {
		return nil, b.ErrAt(x, err)
	}
	return &exec.Const{V: v, T: t}, nil
}

func (b *Binder) bindUnary(x *parser.Unary, sc *Scope, agg *AggContext, hint types.Type) (exec.Expr, error) {
	v, err := b.BindExpr(x.X, sc, agg, hint)
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
			return nil, b.ErrAt(x, sqlerr.New(8117, k.String(), map[string]string{"-": "minus", "~": "~"}[x.Op]))
		}
		return b.Fold(&exec.Negate{X: v, Bitwise: x.Op == "~"}), nil
	}
	return nil, b.ErrAt(x, sqlerr.New(102, x.Op))
}

// bindPair binds the two operands of an operator, letting a parameter on
// one side take the type of the other side.
func (b *Binder) bindPair(l, r parser.Expr, sc *Scope, agg *AggContext, hint types.Type) (exec.Expr, exec.Expr, error) {
	_, lp := l.(*parser.Param)
	_, rp := r.(*parser.Param)
	if lp && !rp {
		rb, err := b.BindExpr(r, sc, agg, hint)
		if err != nil {
			return nil, nil, err
		}
		lb, err := b.BindExpr(l, sc, agg, rb.Type())
		return lb, rb, err
	}
	lb, err := b.BindExpr(l, sc, agg, hint)
	if err != nil {
		return nil, nil, err
	}
	rb, err := b.BindExpr(r, sc, agg, lb.Type())
	return lb, rb, err
}

func (b *Binder) bindBinary(x *parser.Binary, sc *Scope, agg *AggContext, hint types.Type) (exec.Expr, error) {
	switch x.Op {
	case "AND", "OR":
		l, err := b.BindExpr(x.L, sc, agg, types.TypeBit)
		if err != nil {
			return nil, err
		}
		r, err := b.BindExpr(x.R, sc, agg, types.TypeBit)
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
		return b.Fold(&exec.Compare{Op: x.Op, L: l, R: r}), nil
	}
	return b.bindArith(x, l, r)
}

// comparable brings two operands to a common representation for
// comparison, following data type precedence. Kinds whose values
// types.Compare orders directly (numbers with numbers, strings with
// strings, ...) are left as they are.
func (b *Binder) comparable(n Positioned, l, r exec.Expr) (exec.Expr, exec.Expr, error) {
	lt, rt := l.Type(), r.Type()
	if exec.SameRepresentation(lt.Kind, rt.Kind) {
		return l, r, nil
	}
	ct := types.Common(lt, rt)
	if _, err := types.Convert(nil, lt, ct, types.Implicit); err != nil {
		return nil, nil, b.ErrAt(n, err)
	}
	if !ImplicitOK(lt, ct) || !ImplicitOK(rt, ct) {
		return nil, nil, b.ErrAt(n, sqlerr.New(206, lt.String(), rt.String()))
	}
	lc, err := b.CoerceChecked(n, l, ct)
	if err != nil {
		return nil, nil, err
	}
	rc, err := b.CoerceChecked(n, r, ct)
	return lc, rc, err
}

// CoerceChecked converts x to t where it must (exec.Coerce), reporting a
// constant that does not convert now and recording the conversion of a
// parameter for the plan cache (Checks).
func (b *Binder) CoerceChecked(n Positioned, x exec.Expr, t types.Type) (exec.Expr, error) {
	if c, ok := x.(*exec.Const); ok && c.V != nil && c.T != t {
		if _, err := types.Convert(c.V, c.T, t, types.Implicit); err != nil {
			return nil, b.ErrAt(n, err)
		}
	} else if p, ok := x.(*exec.ParamRef); ok && b.Checks != nil {
		b.Checks.Record(p.N, t)
	}
	if GoRepresentation(x.Type().Kind) == GoRepresentation(t.Kind) && !t.Kind.IsString() && !t.Kind.IsBinary() && !t.Kind.IsMoney() {
		return x, nil // same Go value type, no conversion needed
	}
	return exec.Coerce(x, t), nil
}

func (b *Binder) bindArith(x *parser.Binary, l, r exec.Expr) (exec.Expr, error) {
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
		return b.Fold(&exec.Arith{Op: "+", L: l, R: r, T: t}), nil
	}
	// DATETIME ± number of days.
	if (x.Op == "+" || x.Op == "-") && lt.Kind == types.DateTime && rt.Kind.IsNumeric() {
		return b.Fold(&exec.Arith{Op: x.Op, L: l, R: exec.Coerce(r, types.TypeFloat), T: types.TypeDateTime}), nil
	}
	if x.Op == "+" && rt.Kind == types.DateTime && lt.Kind.IsNumeric() {
		return b.Fold(&exec.Arith{Op: "+", L: r, R: exec.Coerce(l, types.TypeFloat), T: types.TypeDateTime}), nil
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
		return nil, b.ErrAt(x, sqlerr.New(8117, l.Type().Kind.String(), exec.OpName(x.Op)))
	}
	if bad(rt.Kind) {
		return nil, b.ErrAt(x, sqlerr.New(8117, r.Type().Kind.String(), exec.OpName(x.Op)))
	}
	t, opT := ArithType(x.Op, lt, rt)
	if x.Op == "&" || x.Op == "|" || x.Op == "^" {
		if !(lt.Kind.IsInteger() || lt.Kind == types.Bit) || !(rt.Kind.IsInteger() || rt.Kind == types.Bit) {
			return nil, b.ErrAt(x, sqlerr.New(402, lt.Kind.String(), rt.Kind.String(), exec.OpName(x.Op)))
		}
		if lt.Kind == types.Bit && rt.Kind == types.Bit {
			t, opT = types.TypeBit, types.TypeBigInt
		}
	}
	lc, err := b.CoerceChecked(x, l, OperandType(lt, opT))
	if err != nil {
		return nil, err
	}
	rc, err := b.CoerceChecked(x, r, OperandType(rt, opT))
	if err != nil {
		return nil, err
	}
	return b.Fold(&exec.Arith{Op: x.Op, L: lc, R: rc, T: t}), nil
}

// Fold evaluates an expression whose operands are all constants.
func (b *Binder) Fold(x exec.Expr) exec.Expr {
	if !exec.ConstTree(x) {
		return x
	}
	v, err := x.Eval(&exec.Env{Sess: b.Engine.Session()})
	if err != nil {
		return x // report at run time, where SQL Server reports it
	}
	return &exec.Const{V: v, T: x.Type()}
}

func (b *Binder) bindCast(n Positioned, x parser.Expr, tn parser.TypeName, style parser.Expr, try, pg bool, sc *Scope, agg *AggContext) (exec.Expr, error) {
	if pg {
		if r, ok, err := b.Engine.BindPGCast(x, tn, sc, agg); ok {
			return r, err
		}
	}
	to, in, terr := CastTarget(tn, pg)
	if sqlerr.Is(terr, 2715) {
		if t, ok := b.Engine.AliasType(tn); ok {
			to, in, terr = t, types.PGPlain, nil
		}
	}
	if terr != nil {
		return nil, b.ErrAt(n, terr)
	}
	if in == types.PGNumeric {
		to = types.DecimalType(types.MaxDecPrecision, 10) // a parameter's type
	}
	v, err := b.BindExpr(x, sc, agg, to)
	if err != nil {
		return nil, err
	}
	switch in {
	case types.PGNumeric:
		to = NumericTarget(v)
	case types.PGBytea, types.PGTimestampTZ, types.PGTime, types.PGBool:
		v = &PGInputExpr{X: v, In: in}
	}
	var st exec.Expr
	if style != nil {
		if st, err = b.BindExpr(style, sc, agg, types.TypeInt); err != nil {
			return nil, err
		}
	}
	if v.Type().Kind != types.Unknown {
		if _, cerr := types.Convert(Probe(v.Type().Kind), v.Type(), to, types.Explicit); sqlerr.Is(cerr, 529) {
			return nil, b.ErrAt(n, cerr)
		}
	}
	if st != nil && builtins.HasStyles(v.Type().Kind, to.Kind) {
		return b.Fold(&exec.StyledConvert{X: v, Style: st, To: to, Try: try}), nil
	}
	return b.Fold(&exec.Cast{X: v, To: to, Mode: types.Explicit, Try: try}), nil
}

func (b *Binder) bindCase(x *parser.Case, sc *Scope, agg *AggContext, hint types.Type) (exec.Expr, error) {
	c := &exec.Case{}
	var operand exec.Expr
	if x.Operand != nil {
		var err error
		if operand, err = b.BindExpr(x.Operand, sc, agg, types.TypeUnknown); err != nil {
			return nil, err
		}
	}
	for _, w := range x.Whens {
		var cond exec.Expr
		var err error
		if operand != nil {
			v, err := b.BindExpr(w.Cond, sc, agg, operand.Type())
			if err != nil {
				return nil, err
			}
			lo, ro, err := b.comparable(w, operand, v)
			if err != nil {
				return nil, err
			}
			cond = &exec.Compare{Op: "=", L: lo, R: ro}
		} else if cond, err = b.BindExpr(w.Cond, sc, agg, types.TypeBit); err != nil {
			return nil, err
		}
		res, err := b.BindExpr(w.Result, sc, agg, hint)
		if err != nil {
			return nil, err
		}
		c.Conds = append(c.Conds, cond)
		c.Results = append(c.Results, res)
	}
	if x.Else != nil {
		e, err := b.BindExpr(x.Else, sc, agg, hint)
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

func (b *Binder) bindIn(x *parser.InList, sc *Scope, agg *AggContext) (exec.Expr, error) {
	v, err := b.BindExpr(x.X, sc, agg, types.TypeUnknown)
	if err != nil {
		return nil, err
	}
	if x.Subquery != nil {
		sub, err := b.BindSubquery(x, x.Subquery, false, sc, agg)
		if err != nil {
			return nil, err
		}
		return &exec.InSubquery{X: v, Sub: sub, Not: x.Not}, nil
	}
	in := &exec.InList{X: v, Not: x.Not}
	for _, el := range x.List {
		e, err := b.BindExpr(el, sc, agg, v.Type())
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

func (b *Binder) bindLike(x *parser.Like, sc *Scope, agg *AggContext) (exec.Expr, error) {
	str := types.NVarCharType(types.MaxLength)
	toStr := func(n parser.Expr) (exec.Expr, error) {
		if n == nil {
			return nil, nil
		}
		e, err := b.BindExpr(n, sc, agg, str)
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

// BindTypedValue binds an expression whose value is assigned to something
// of type t (INSERT values, UPDATE SET, defaults): params take t.
func (b *Binder) BindTypedValue(n parser.Expr, sc *Scope, t types.Type) (exec.Expr, error) {
	return b.BindExpr(n, sc, nil, t)
}
