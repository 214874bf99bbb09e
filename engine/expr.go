package engine

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

// env is what an expression is evaluated against.
type Env struct {
	Ctx context.Context
	// commitCtx is ctx without statement_timeout, for commits.
	CommitCtx context.Context
	// gov is checked in every loop over rows and counts the memory the
	// statement's buffers hold (engine/govern).
	Gov    *govern.Statement
	sess   *Session
	Row    []types.Value   // the current (combined) input row
	Params []types.Value   // $1.. already converted to their types
	Aggs   []types.Value   // aggregate results of the current group
	Keys   []types.Value   // GROUP BY values of the current group
	Now    time.Time       // statement start (GETDATE() is constant per statement)
	Cache  map[any]any     // per-execution results of uncorrelated subqueries
	Outer  [][]types.Value // rows of the queries around a correlated subquery (correlate.go)
	Output [][]types.Value // OUTPUT rows of the running statement (output.go)
	Win    []types.Value   // window function values of the current row (window.go)
	Srf    []types.Value   // set-returning functions' values of the current row (pgsrf.go)
}

type constExpr struct {
	v types.Value
	t types.Type
}

func (c *constExpr) Type() types.Type               { return c.t }
func (c *constExpr) Eval(*Env) (types.Value, error) { return c.v, nil }

// colExpr reads column idx of the current row.
type colExpr struct {
	idx    int
	t      types.Type
	origin columnOrigin // the table column it reads, if any
}

// columnOrigin is a base table's object_id and a 1-based column number,
// reported in RowDescription (JDBC's getTableName, isNullable).
type columnOrigin struct {
	table uint32
	attr  int16
}

func (c *colExpr) Type() types.Type                 { return c.t }
func (c *colExpr) Eval(e *Env) (types.Value, error) { return e.Row[c.idx], nil }

// paramExpr reads $n. Its type is settled during binding (inferred from
// context) and arguments are converted to it before execution.
type paramExpr struct {
	n      int // 0-based
	params *paramTypes
}

func (p *paramExpr) Type() types.Type { return p.params.get(p.n) }
func (p *paramExpr) Eval(e *Env) (types.Value, error) {
	if p.n >= len(e.Params) {
		return nil, sqlerr.Protocol(sqlerr.ProtocolViolation, "no value supplied for parameter $%d", p.n+1)
	}
	return e.Params[p.n], nil
}

// paramTypes collects the types of $1..$n for one statement.
type paramTypes struct{ t []types.Type }

func (p *paramTypes) get(n int) types.Type {
	if n < len(p.t) && p.t[n].Kind != types.Unknown {
		return p.t[n]
	}
	return types.NVarCharType(types.MaxLength)
}

// infer records t as the type of $n unless one is already known.
func (p *paramTypes) infer(n int, t types.Type) {
	for len(p.t) <= n {
		p.t = append(p.t, types.TypeUnknown)
	}
	if p.t[n].Kind == types.Unknown && t.Kind != types.Unknown {
		p.t[n] = t
	}
}

// aggRef reads aggregate slot idx of the current group.
type aggRef struct {
	idx int
	t   types.Type
}

func (a *aggRef) Type() types.Type                 { return a.t }
func (a *aggRef) Eval(e *Env) (types.Value, error) { return e.Aggs[a.idx], nil }

// groupKeyRef reads GROUP BY expression idx of the current group.
type groupKeyRef struct {
	idx int
	t   types.Type
}

func (g *groupKeyRef) Type() types.Type                 { return g.t }
func (g *groupKeyRef) Eval(e *Env) (types.Value, error) { return e.Keys[g.idx], nil }

// castExpr converts to a type: implicit coercions inserted by the binder,
// and CAST/CONVERT (explicit, optionally TRY_ returning NULL on failure).
type castExpr struct {
	x    Expr
	to   types.Type
	mode types.Mode
	try  bool
}

func (c *castExpr) Type() types.Type { return c.to }
func (c *castExpr) Eval(e *Env) (types.Value, error) {
	v, err := c.x.Eval(e)
	if err != nil || v == nil {
		return v, err
	}
	if n, ok := v.(int64); ok && c.to.Kind.IsInteger() && c.x.Type().Kind.IsInteger() && types.CheckIntRange(n, c.to.Kind) {
		return v, nil // an integer that fits: the same value, not boxed again
	}
	out, cerr := types.Convert(v, c.x.Type(), c.to, c.mode)
	if cerr != nil {
		if c.try {
			return nil, nil
		}
		return nil, cerr
	}
	return out, nil
}

// coerce wraps x in a conversion to t unless it already has that type.
func coerce(x Expr, t types.Type) Expr {
	xt := x.Type()
	if xt == t || t.Kind == types.Unknown {
		return x
	}
	if c, ok := x.(*constExpr); ok {
		if v, err := types.Convert(c.v, xt, t, types.Implicit); err == nil {
			return &constExpr{v: v, t: t}
		}
	}
	return &castExpr{x: x, to: t, mode: types.Implicit}
}

// arith is + - * / % & | ^ on numbers, + on strings (concatenation) and
// DATETIME ± number of days.
type arith struct {
	op   string
	l, r Expr
	t    types.Type // result type; operands are coerced to it first
}

func (a *arith) Type() types.Type { return a.t }

func (a *arith) Eval(e *Env) (types.Value, error) {
	lv, err := a.l.Eval(e)
	if err != nil || lv == nil {
		return nil, err
	}
	rv, err := a.r.Eval(e)
	if err != nil || rv == nil {
		return nil, err
	}
	switch l := lv.(type) {
	case int64:
		return intArith(a.op, l, rv.(int64), a.t.Kind)
	case types.Dec:
		return decArith(a.op, l, rv.(types.Dec), a.t)
	case float64:
		return floatArith(a.op, l, rv.(float64), a.t.Kind)
	case string:
		s := l + rv.(string)
		if a.t.Length != types.MaxLength && len([]rune(s)) > int(a.t.Length) {
			s = string([]rune(s)[:a.t.Length])
		}
		return s, nil
	case time.Time:
		days := rv.(float64)
		if a.op == "-" {
			days = -days
		}
		t, ok := types.NormalizeTime(l.Add(time.Duration(days*float64(24*time.Hour))), a.t)
		if !ok {
			return nil, sqlerr.New(517, "datetime")
		}
		return t, nil
	}
	return nil, sqlerr.New(8117, a.t.Kind.String(), opName(a.op))
}

func opName(op string) string {
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

func overflow(k types.Kind) error { return sqlerr.New(8115, "expression", k.String()) }

func intArith(op string, l, r int64, k types.Kind) (types.Value, error) {
	var v int64
	switch op {
	case "+":
		v = l + r
		if (v > l) != (r > 0) {
			return nil, overflow(k)
		}
	case "-":
		v = l - r
		if (v < l) != (r > 0) {
			return nil, overflow(k)
		}
	case "*":
		if l != 0 && r != 0 {
			v = l * r
			if v/r != l || (l == -1 && r == math.MinInt64) || (r == -1 && l == math.MinInt64) {
				return nil, overflow(k)
			}
		}
	case "/":
		if r == 0 {
			return nil, sqlerr.New(8134)
		}
		if l == math.MinInt64 && r == -1 {
			return nil, overflow(k)
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
		return nil, overflow(k)
	}
	return v, nil
}

func decArith(op string, l, r types.Dec, t types.Type) (types.Value, error) {
	if t.Kind.IsMoney() {
		return moneyArith(op, l, r, t.Kind)
	}
	v, err := decOp(op, l, r, int32(t.Scale), "numeric")
	if err != nil {
		return nil, err
	}
	v = v.Rescale(int32(t.Scale))
	if !v.FitsPrecision(int(t.Precision)) {
		return nil, sqlerr.New(8115, "expression", "numeric")
	}
	return v, nil
}

// decOp computes l op r exactly; quotients keep quoScale places. kind
// names the type in the error for an operator it does not have.
func decOp(op string, l, r types.Dec, quoScale int32, kind string) (types.Dec, error) {
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
	return types.Dec{}, sqlerr.New(8117, kind, opName(op))
}

func floatArith(op string, l, r float64, k types.Kind) (types.Value, error) {
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

// negate is unary minus (and ~ for integers).
type negate struct {
	x     Expr
	bitwi bool
}

func (n *negate) Type() types.Type { return n.x.Type() }
func (n *negate) Eval(e *Env) (types.Value, error) {
	v, err := n.x.Eval(e)
	if err != nil || v == nil {
		return v, err
	}
	switch x := v.(type) {
	case int64:
		if n.bitwi {
			if n.x.Type().Kind == types.TinyInt {
				return int64(^uint8(x)), nil
			}
			return ^x, nil
		}
		if !types.CheckIntRange(-x, n.x.Type().Kind) || x == math.MinInt64 {
			return nil, overflow(n.x.Type().Kind)
		}
		return -x, nil
	case bool:
		return !x, nil
	case types.Dec:
		return x.Neg(), nil
	case float64:
		return -x, nil
	}
	return nil, sqlerr.New(8117, n.x.Type().Kind.String(), "minus")
}

// compare is = <> < > <= >= !< !> on operands coerced to a common type;
// NULL on either side gives NULL (unknown).
type compare struct {
	op   string
	l, r Expr
}

func (c *compare) Type() types.Type { return types.TypeBit }
func (c *compare) Eval(e *Env) (types.Value, error) {
	lv, err := c.l.Eval(e)
	if err != nil || lv == nil {
		return nil, err
	}
	rv, err := c.r.Eval(e)
	if err != nil || rv == nil {
		return nil, err
	}
	return cmpResult(c.op, types.Compare(lv, rv)), nil
}

func cmpResult(op string, n int) bool {
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

// logic is AND / OR with three-valued logic.
type logic struct {
	and  bool
	l, r Expr
}

func (l *logic) Type() types.Type { return types.TypeBit }
func (l *logic) Eval(e *Env) (types.Value, error) {
	lv, err := l.l.Eval(e)
	if err != nil {
		return nil, err
	}
	if lb, ok := lv.(bool); ok && lb != l.and { // FALSE AND x, TRUE OR x
		return lb, nil
	}
	rv, err := l.r.Eval(e)
	if err != nil {
		return nil, err
	}
	if rb, ok := rv.(bool); ok && rb != l.and {
		return rb, nil
	}
	if lv == nil || rv == nil {
		return nil, nil
	}
	return l.and, nil
}

// not is NOT with three-valued logic.
type not struct{ x Expr }

func (n *not) Type() types.Type { return types.TypeBit }
func (n *not) Eval(e *Env) (types.Value, error) {
	v, err := n.x.Eval(e)
	if b, ok := v.(bool); ok {
		return !b, err
	}
	return nil, err
}

// isNull is x IS [NOT] NULL.
type isNull struct {
	x   Expr
	not bool
}

func (i *isNull) Type() types.Type { return types.TypeBit }
func (i *isNull) Eval(e *Env) (types.Value, error) {
	v, err := i.x.Eval(e)
	return (v == nil) != i.not, err
}

// inList is x [NOT] IN (list): TRUE if any element equals x, NULL if none
// does but some element (or x) is NULL.
type inList struct {
	x    Expr
	list []Expr
	not  bool
}

func (in *inList) Type() types.Type { return types.TypeBit }
func (in *inList) Eval(e *Env) (types.Value, error) {
	xv, err := in.x.Eval(e)
	if err != nil || xv == nil {
		return nil, err
	}
	sawNull := false
	for _, el := range in.list {
		v, err := el.Eval(e)
		if err != nil {
			return nil, err
		}
		if v == nil {
			sawNull = true
			continue
		}
		if types.Compare(xv, v) == 0 {
			return !in.not, nil
		}
	}
	if sawNull {
		return nil, nil
	}
	return in.not, nil
}

// caseExpr is a searched CASE (simple CASE is bound into this form).
type caseExpr struct {
	conds   []Expr
	results []Expr
	els     Expr
	t       types.Type
}

func (c *caseExpr) Type() types.Type { return c.t }
func (c *caseExpr) Eval(e *Env) (types.Value, error) {
	for i, cond := range c.conds {
		v, err := cond.Eval(e)
		if err != nil {
			return nil, err
		}
		if b, ok := v.(bool); ok && b {
			return c.results[i].Eval(e)
		}
	}
	if c.els == nil {
		return nil, nil
	}
	return c.els.Eval(e)
}

// likeExpr is x [NOT] LIKE pattern [ESCAPE c].
type likeExpr struct {
	x, pattern, escape Expr
	not                bool
	cached             *builtins.LikePattern // when the pattern is constant
}

func (l *likeExpr) Type() types.Type { return types.TypeBit }
func (l *likeExpr) Eval(e *Env) (types.Value, error) {
	xv, err := l.x.Eval(e)
	if err != nil || xv == nil {
		return nil, err
	}
	m := l.cached
	if m == nil {
		pv, err := l.pattern.Eval(e)
		if err != nil || pv == nil {
			return nil, err
		}
		esc := rune(0)
		if l.escape != nil {
			ev, err := l.escape.Eval(e)
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
	return matched != l.not, nil
}

// truth reports whether a condition's value is TRUE (NULL counts as false).
func truth(v types.Value) bool {
	b, ok := v.(bool)
	return ok && b
}
