package exec

import (
	"context"
	"math"
	"strings"
	"time"

	"mirrordb/engine/builtins"
	"mirrordb/engine/govern"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// Expr is a bound scalar expression: names resolved, type known statically
// (so a statement's result columns are known before it runs, as the
// extended protocol's Describe requires), evaluated per row.
type Expr interface {
	Type() types.Type
	Eval(e *Env) (types.Value, error)
}

// Env is what an expression is evaluated against.
type Env struct {
	Ctx context.Context
	// CommitCtx is Ctx without statement_timeout, for commits.
	CommitCtx context.Context
	// Gov is checked in every loop over rows and counts the memory the
	// statement's buffers hold (engine/govern).
	Gov *govern.Statement
	// Sess is the running session, opaque to exec: only the engine's own
	// expressions (session functions, subqueries, system views) read it,
	// through engine.sessionOf. exec's nodes never need it.
	Sess   any
	Row    []types.Value   // the current (combined) input row
	Params []types.Value   // $1.. already converted to their types
	Aggs   []types.Value   // aggregate results of the current group
	Keys   []types.Value   // GROUP BY values of the current group
	Now    time.Time       // statement start (GETDATE() is constant per statement)
	Cache  map[any]any     // per-execution results of uncorrelated subqueries
	Outer  [][]types.Value // rows of the queries around a correlated subquery (OuterRef)
	Output [][]types.Value // OUTPUT rows of the running statement (Output.Add)
	Win    []types.Value   // window function values of the current row (window.go)
	Srf    []types.Value   // set-returning functions' values of the current row (pgsrf.go)
}

// Const is a constant of a known type (literals, folded expressions).
type Const struct {
	V types.Value
	T types.Type
}

func (c *Const) Type() types.Type               { return c.T }
func (c *Const) Eval(*Env) (types.Value, error) { return c.V, nil }

// ColRef reads column Idx of the current row.
type ColRef struct {
	Idx    int
	T      types.Type
	Origin ColumnOrigin // the table column it reads, if any
}

// ColumnOrigin is a base table's object_id and a 1-based column number,
// reported in RowDescription (JDBC's getTableName, isNullable).
type ColumnOrigin struct {
	Table uint32
	Attr  int16
}

func (c *ColRef) Type() types.Type                 { return c.T }
func (c *ColRef) Eval(e *Env) (types.Value, error) { return e.Row[c.Idx], nil }

// ParamRef reads $n. Its type is settled during binding (inferred from
// context) and arguments are converted to it before execution.
type ParamRef struct {
	N      int // 0-based
	Params *ParamTypes
}

func (p *ParamRef) Type() types.Type { return p.Params.Get(p.N) }
func (p *ParamRef) Eval(e *Env) (types.Value, error) {
	if p.N >= len(e.Params) {
		return nil, sqlerr.Protocol(sqlerr.ProtocolViolation, "no value supplied for parameter $%d", p.N+1)
	}
	return e.Params[p.N], nil
}

// ParamTypes collects the types of $1..$n for one statement.
type ParamTypes struct{ T []types.Type }

// Get is the type of $n+1 (0-based n), NVARCHAR(MAX) while none is known.
func (p *ParamTypes) Get(n int) types.Type {
	if n < len(p.T) && p.T[n].Kind != types.Unknown {
		return p.T[n]
	}
	return types.NVarCharType(types.MaxLength)
}

// Infer records t as the type of $n unless one is already known.
func (p *ParamTypes) Infer(n int, t types.Type) {
	for len(p.T) <= n {
		p.T = append(p.T, types.TypeUnknown)
	}
	if p.T[n].Kind == types.Unknown && t.Kind != types.Unknown {
		p.T[n] = t
	}
}

// AggRef reads aggregate slot Idx of the current group.
type AggRef struct {
	Idx int
	T   types.Type
}

func (a *AggRef) Type() types.Type                 { return a.T }
func (a *AggRef) Eval(e *Env) (types.Value, error) { return e.Aggs[a.Idx], nil }

// GroupKeyRef reads GROUP BY expression Idx of the current group.
type GroupKeyRef struct {
	Idx int
	T   types.Type
}

func (g *GroupKeyRef) Type() types.Type                 { return g.T }
func (g *GroupKeyRef) Eval(e *Env) (types.Value, error) { return e.Keys[g.Idx], nil }

// Cast converts to a type: implicit coercions inserted by the binder,
// and CAST/CONVERT (explicit, optionally TRY_ returning NULL on failure).
type Cast struct {
	X    Expr
	To   types.Type
	Mode types.Mode
	Try  bool
}

func (c *Cast) Type() types.Type { return c.To }
func (c *Cast) Eval(e *Env) (types.Value, error) {
	v, err := c.X.Eval(e)
	if err != nil || v == nil {
		return v, err
	}
	if n, ok := v.(int64); ok && c.To.Kind.IsInteger() && c.X.Type().Kind.IsInteger() && types.CheckIntRange(n, c.To.Kind) {
		return v, nil // an integer that fits: the same value, not boxed again
	}
	out, cerr := types.Convert(v, c.X.Type(), c.To, c.Mode)
	if cerr != nil {
		if c.Try {
			return nil, nil
		}
		return nil, cerr
	}
	return out, nil
}

// Coerce wraps x in a conversion to t unless it already has that type.
func Coerce(x Expr, t types.Type) Expr {
	xt := x.Type()
	if xt == t || t.Kind == types.Unknown {
		return x
	}
	if c, ok := x.(*Const); ok {
		if v, err := types.Convert(c.V, xt, t, types.Implicit); err == nil {
			return &Const{V: v, T: t}
		}
	}
	return &Cast{X: x, To: t, Mode: types.Implicit}
}

// Arith is + - * / % & | ^ on numbers, + on strings (concatenation) and
// DATETIME ± number of days.
type Arith struct {
	Op   string
	L, R Expr
	T    types.Type // result type; operands are coerced to it first
}

func (a *Arith) Type() types.Type { return a.T }

func (a *Arith) Eval(e *Env) (types.Value, error) {
	lv, err := a.L.Eval(e)
	if err != nil || lv == nil {
		return nil, err
	}
	rv, err := a.R.Eval(e)
	if err != nil || rv == nil {
		return nil, err
	}
	switch l := lv.(type) {
	case int64:
		return IntArith(a.Op, l, rv.(int64), a.T.Kind)
	case types.Dec:
		return DecArith(a.Op, l, rv.(types.Dec), a.T)
	case float64:
		return FloatArith(a.Op, l, rv.(float64), a.T.Kind)
	case string:
		s := l + rv.(string)
		if a.T.Length != types.MaxLength && len([]rune(s)) > int(a.T.Length) {
			s = string([]rune(s)[:a.T.Length])
		}
		return s, nil
	case time.Time:
		days := rv.(float64)
		if a.Op == "-" {
			days = -days
		}
		t, ok := types.NormalizeTime(l.Add(time.Duration(days*float64(24*time.Hour))), a.T)
		if !ok {
			return nil, sqlerr.New(517, "datetime")
		}
		return t, nil
	}
	return nil, sqlerr.New(8117, a.T.Kind.String(), OpName(a.Op))
}

// OpName is an arithmetic operator's name in SQL Server's messages (Msg
// 402, 8117).
func OpName(op string) string {
	switch op {
	case "+":
		return "add"
	case "-":
		return "subtract"
	case "*":
		return "multiply"
	case "/":
		return "divide"
	case "%":
		return "modulo"
	}
	return op
}

// Overflow is Msg 8115, arithmetic overflow converting to k.
func Overflow(k types.Kind) error { return sqlerr.New(8115, "expression", k.String()) }

// IntArith is l op r on integers of kind k, with SQL Server's overflow
// and divide-by-zero errors.
func IntArith(op string, l, r int64, k types.Kind) (types.Value, error) {
	var v int64
	switch op {
	case "+":
		v = l + r
		if (v > l) != (r > 0) {
			return nil, Overflow(k)
		}
	case "-":
		v = l - r
		if (v < l) != (r > 0) {
			return nil, Overflow(k)
		}
	case "*":
		if l != 0 && r != 0 {
			v = l * r
			if v/r != l || (l == -1 && r == math.MinInt64) || (r == -1 && l == math.MinInt64) {
				return nil, Overflow(k)
			}
		}
	case "/":
		if r == 0 {
			return nil, sqlerr.New(8134)
		}
		if l == math.MinInt64 && r == -1 {
			return nil, Overflow(k)
		}
		v = l / r
	case "%":
		if r == 0 {
			return nil, sqlerr.New(8134)
		}
		v = l % r
	case "&":
		v = l & r
	case "|":
		v = l | r
	case "^":
		v = l ^ r
	default:
		return nil, sqlerr.New(8117, k.String(), op)
	}
	if k == types.Bit {
		return v != 0, nil
	}
	if !types.CheckIntRange(v, k) {
		return nil, Overflow(k)
	}
	return v, nil
}

// DecArith is l op r on DECIMAL, the result of type t.
func DecArith(op string, l, r types.Dec, t types.Type) (types.Value, error) {
	if t.Kind.IsMoney() {
		return MoneyArith(op, l, r, t.Kind)
	}
	v, err := DecOp(op, l, r, int32(t.Scale), "numeric")
	if err != nil {
		return nil, err
	}
	v = v.Rescale(int32(t.Scale))
	if !v.FitsPrecision(int(t.Precision)) {
		return nil, sqlerr.New(8115, "expression", "numeric")
	}
	return v, nil
}

// DecOp computes l op r exactly; quotients keep quoScale places. kind
// names the type in the error for an operator it does not have.
func DecOp(op string, l, r types.Dec, quoScale int32, kind string) (types.Dec, error) {
	switch op {
	case "+":
		return l.Add(r), nil
	case "-":
		return l.Sub(r), nil
	case "*":
		return l.Mul(r), nil
	case "/":
		q, ok := l.Quo(r, quoScale)
		if !ok {
			return q, sqlerr.New(8134)
		}
		return q, nil
	case "%":
		m, ok := l.Mod(r)
		if !ok {
			return m, sqlerr.New(8134)
		}
		return m, nil
	}
	return types.Dec{}, sqlerr.New(8117, kind, OpName(op))
}

// FloatArith is l op r on FLOAT/REAL of kind k.
func FloatArith(op string, l, r float64, k types.Kind) (types.Value, error) {
	var v float64
	switch op {
	case "+":
		v = l + r
	case "-":
		v = l - r
	case "*":
		v = l * r
	case "/":
		if r == 0 {
			return nil, sqlerr.New(8134)
		}
		v = l / r
	case "%":
		if r == 0 {
			return nil, sqlerr.New(8134)
		}
		v = math.Mod(l, r)
	default:
		return nil, sqlerr.New(8117, k.String(), op)
	}
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return nil, sqlerr.New(8115, "expression", k.String())
	}
	if k == types.Real {
		v = float64(float32(v))
	}
	return v, nil
}

// Negate is unary minus (and ~ for integers).
type Negate struct {
	X       Expr
	Bitwise bool
}

func (n *Negate) Type() types.Type { return n.X.Type() }
func (n *Negate) Eval(e *Env) (types.Value, error) {
	v, err := n.X.Eval(e)
	if err != nil || v == nil {
		return v, err
	}
	switch x := v.(type) {
	case int64:
		if n.Bitwise {
			if n.X.Type().Kind == types.TinyInt {
				return int64(^uint8(x)), nil
			}
			return ^x, nil
		}
		if !types.CheckIntRange(-x, n.X.Type().Kind) || x == math.MinInt64 {
			return nil, Overflow(n.X.Type().Kind)
		}
		return -x, nil
	case bool:
		return !x, nil
	case types.Dec:
		return x.Neg(), nil
	case float64:
		return -x, nil
	}
	return nil, sqlerr.New(8117, n.X.Type().Kind.String(), "minus")
}

// Compare is = <> < > <= >= !< !> on operands coerced to a common type;
// NULL on either side gives NULL (unknown).
type Compare struct {
	Op   string
	L, R Expr
}

func (c *Compare) Type() types.Type { return types.TypeBit }
func (c *Compare) Eval(e *Env) (types.Value, error) {
	lv, err := c.L.Eval(e)
	if err != nil || lv == nil {
		return nil, err
	}
	rv, err := c.R.Eval(e)
	if err != nil || rv == nil {
		return nil, err
	}
	return CmpResult(c.Op, types.Compare(lv, rv)), nil
}

// CmpResult is whether a comparison result n (<0, 0, >0) satisfies op.
func CmpResult(op string, n int) bool {
	switch op {
	case "=":
		return n == 0
	case "<>", "!=":
		return n != 0
	case "<", "!>":
		if op == "!>" {
			return n <= 0
		}
		return n < 0
	case ">", "!<":
		if op == "!<" {
			return n >= 0
		}
		return n > 0
	case "<=":
		return n <= 0
	case ">=":
		return n >= 0
	}
	return false
}

// Logic is AND / OR with three-valued logic.
type Logic struct {
	And  bool
	L, R Expr
}

func (l *Logic) Type() types.Type { return types.TypeBit }
func (l *Logic) Eval(e *Env) (types.Value, error) {
	lv, err := l.L.Eval(e)
	if err != nil {
		return nil, err
	}
	if lb, ok := lv.(bool); ok && lb != l.And { // FALSE AND x, TRUE OR x
		return lb, nil
	}
	rv, err := l.R.Eval(e)
	if err != nil {
		return nil, err
	}
	if rb, ok := rv.(bool); ok && rb != l.And {
		return rb, nil
	}
	if lv == nil || rv == nil {
		return nil, nil
	}
	return l.And, nil
}

// Not is NOT with three-valued logic.
type Not struct{ X Expr }

func (n *Not) Type() types.Type { return types.TypeBit }
func (n *Not) Eval(e *Env) (types.Value, error) {
	v, err := n.X.Eval(e)
	if b, ok := v.(bool); ok {
		return !b, err
	}
	return nil, err
}

// IsNull is x IS [NOT] NULL.
type IsNull struct {
	X   Expr
	Not bool
}

func (i *IsNull) Type() types.Type { return types.TypeBit }
func (i *IsNull) Eval(e *Env) (types.Value, error) {
	v, err := i.X.Eval(e)
	return (v == nil) != i.Not, err
}

// InList is x [NOT] IN (list): TRUE if any element equals x, NULL if none
// does but some element (or x) is NULL.
type InList struct {
	X    Expr
	List []Expr
	Not  bool
}

func (in *InList) Type() types.Type { return types.TypeBit }
func (in *InList) Eval(e *Env) (types.Value, error) {
	xv, err := in.X.Eval(e)
	if err != nil || xv == nil {
		return nil, err
	}
	sawNull := false
	for _, el := range in.List {
		v, err := el.Eval(e)
		if err != nil {
			return nil, err
		}
		if v == nil {
			sawNull = true
			continue
		}
		if types.Compare(xv, v) == 0 {
			return !in.Not, nil
		}
	}
	if sawNull {
		return nil, nil
	}
	return in.Not, nil
}

// Case is a searched CASE (simple CASE is bound into this form).
type Case struct {
	Conds   []Expr
	Results []Expr
	Else    Expr
	T       types.Type
}

func (c *Case) Type() types.Type { return c.T }
func (c *Case) Eval(e *Env) (types.Value, error) {
	for i, cond := range c.Conds {
		v, err := cond.Eval(e)
		if err != nil {
			return nil, err
		}
		if b, ok := v.(bool); ok && b {
			return c.Results[i].Eval(e)
		}
	}
	if c.Else == nil {
		return nil, nil
	}
	return c.Else.Eval(e)
}

// Like is x [NOT] LIKE pattern [ESCAPE c].
type Like struct {
	X, Pattern, Escape Expr
	Not                bool
	Cached             *builtins.LikePattern // when the pattern is constant
}

func (l *Like) Type() types.Type { return types.TypeBit }
func (l *Like) Eval(e *Env) (types.Value, error) {
	xv, err := l.X.Eval(e)
	if err != nil || xv == nil {
		return nil, err
	}
	m := l.Cached
	if m == nil {
		pv, err := l.Pattern.Eval(e)
		if err != nil || pv == nil {
			return nil, err
		}
		esc := rune(0)
		if l.Escape != nil {
			ev, err := l.Escape.Eval(e)
			if err != nil || ev == nil {
				return nil, err
			}
			es := []rune(ev.(string))
			if len(es) != 1 {
				return nil, sqlerr.New(506, ev.(string))
			}
			esc = es[0]
		}
		m = builtins.CompileLike(pv.(string), esc)
	}
	s := xv.(string)
	// Trailing spaces of the value do not prevent a match (CHAR padding).
	matched, err := m.Match(e.Gov, s)
	if t := strings.TrimRight(s, " "); err == nil && !matched && len(t) < len(s) {
		matched, err = m.Match(e.Gov, t)
	}
	if err != nil {
		return nil, err
	}
	return matched != l.Not, nil
}

// Truth reports whether a condition's value is TRUE (NULL counts as false).
func Truth(v types.Value) bool {
	b, ok := v.(bool)
	return ok && b
}
