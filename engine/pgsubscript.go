package engine

import (
	"strings"

	"mirrordb/engine/bind"
	"mirrordb/engine/exec"
	"mirrordb/engine/pgcatalog"
	"mirrordb/parser"
	"mirrordb/types"
)

// PostgreSQL's array subscripts and array casts as catalog queries write
// them (indkey[0], prattrs[s], x::int2[]). Arrays are their text form
// here (pgarray.go); the catalogs' vectors (int2vector, oidvector) are
// space-separated numbers, subscripted from 0 as PostgreSQL does, and a
// {..} array from 1.

// subscriptExpr is x[i].
type subscriptExpr struct {
	x, index exec.Expr
}

func (s *subscriptExpr) Type() types.Type { return textMax }

func (s *subscriptExpr) Eval(e *exec.Env) (types.Value, error) {
	v, err := s.x.Eval(e)
	if err != nil || v == nil {
		return nil, err
	}
	iv, err := s.index.Eval(e)
	if err != nil || iv == nil {
		return nil, err
	}
	i, ok := iv.(int64)
	if !ok {
		return nil, nil
	}
	elems, base := arrayElems(types.ToText(v, s.x.Type()))
	i -= base
	if i < 0 || i >= int64(len(elems)) {
		return nil, nil
	}
	return elems[i], nil
}

func (s *subscriptExpr) Explain(x *exec.Explainer, n *exec.Names) string {
	return x.Text(s.x, n) + "[" + x.Text(s.index, n) + "]"
}

// arrayElems reads array text: {a,b} (subscripts from 1) or a vector
// "1 2" (from 0).
func arrayElems(s string) ([]types.Value, int64) {
	if elems, ok := pgcatalog.ParseArray(s); ok {
		return elems, 1
	}
	var out []types.Value
	for _, f := range strings.Fields(s) {
		out = append(out, f)
	}
	return out, 0
}

// arrayCastExpr is x::type[]: a vector becomes {..} text, an array stays.
type arrayCastExpr struct{ x exec.Expr }

func (a *arrayCastExpr) Type() types.Type { return textMax }

func (a *arrayCastExpr) Eval(e *exec.Env) (types.Value, error) {
	v, err := a.x.Eval(e)
	if err != nil || v == nil {
		return nil, err
	}
	elems, _ := arrayElems(types.ToText(v, a.x.Type()))
	return pgcatalog.ArrayText(elems), nil
}

func (a *arrayCastExpr) Explain(x *exec.Explainer, n *exec.Names) string { return x.Text(a.x, n) }

func (b *binder) bindSubscript(x *parser.Subscript, sc *bind.Scope, agg *bind.AggContext) (exec.Expr, error) {
	arr, err := b.BindExpr(x.X, sc, agg, types.TypeUnknown)
	if err != nil {
		return nil, err
	}
	idx, err := b.BindExpr(x.Index, sc, agg, types.TypeBigInt)
	if err != nil {
		return nil, err
	}
	return &subscriptExpr{x: arr, index: exec.Coerce(idx, types.TypeBigInt)}, nil
}

// bindPGTextCast binds the casts to types mirrordb holds as text: arrays
// (x::int2[]) and regproc, a function's name ('pg_catalog.array_in'::
// regproc is array_in, as pg_type.typinput holds it); ok is false for any
// other cast.
func (b *binder) bindPGTextCast(x parser.Expr, tn parser.TypeName, sc *bind.Scope, agg *bind.AggContext) (exec.Expr, bool, error) {
	regproc := strings.EqualFold(tn.Name, "regproc")
	if !tn.Array && !regproc {
		return nil, false, nil
	}
	v, err := b.BindExpr(x, sc, agg, types.TypeUnknown)
	if err != nil {
		return nil, true, err
	}
	if regproc {
		return &procNameExpr{x: v}, true, nil
	}
	return &arrayCastExpr{x: v}, true, nil
}

// procNameExpr is x::regproc: the function's name without pg_catalog.
type procNameExpr struct{ x exec.Expr }

func (p *procNameExpr) Type() types.Type { return types.TypeSysname }

func (p *procNameExpr) Eval(e *exec.Env) (types.Value, error) {
	v, err := p.x.Eval(e)
	if err != nil || v == nil {
		return nil, err
	}
	s := types.ToText(v, p.x.Type())
	if len(s) > len("pg_catalog.") && strings.EqualFold(s[:len("pg_catalog.")], "pg_catalog.") {
		s = s[len("pg_catalog."):]
	}
	return s, nil
}

func (p *procNameExpr) Explain(x *exec.Explainer, n *exec.Names) string { return x.Text(p.x, n) }

// trimExpr is TRIM([LEADING | TRAILING | BOTH] [characters] FROM string).
type trimExpr struct {
	mode     string
	chars, x exec.Expr
}

func (t *trimExpr) Type() types.Type { return t.x.Type() }

func (t *trimExpr) Eval(e *exec.Env) (types.Value, error) {
	v, err := t.x.Eval(e)
	if err != nil || v == nil {
		return nil, err
	}
	cut := " "
	if t.chars != nil {
		c, err := t.chars.Eval(e)
		if err != nil || c == nil {
			return nil, err
		}
		cut = types.ToText(c, t.chars.Type())
	}
	s := types.ToText(v, t.x.Type())
	switch t.mode {
	case "LEADING":
		return strings.TrimLeft(s, cut), nil
	case "TRAILING":
		return strings.TrimRight(s, cut), nil
	}
	return strings.Trim(s, cut), nil
}

func (t *trimExpr) Explain(x *exec.Explainer, n *exec.Names) string {
	return "trim(" + x.Text(t.x, n) + ")"
}

func (b *binder) bindTrim(x *parser.Trim, sc *bind.Scope, agg *bind.AggContext) (exec.Expr, error) {
	v, err := b.BindExpr(x.X, sc, agg, types.TypeUnknown)
	if err != nil {
		return nil, err
	}
	t := &trimExpr{mode: x.Mode, x: v}
	if v.Type().Kind == types.Unknown || !v.Type().Kind.IsString() {
		t.x = exec.Coerce(v, textMax)
	}
	if x.Chars != nil {
		if t.chars, err = b.BindExpr(x.Chars, sc, agg, textMax); err != nil {
			return nil, err
		}
	}
	return t, nil
}
