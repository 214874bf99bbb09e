package engine

import (
	"strconv"
	"strings"

	"mirrordb/engine/bind"
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// PostgreSQL's set-returning functions in a select list (unnest,
// generate_subscripts, _pg_expandarray, generate_series), as SQLAlchemy's
// reflection writes them: SELECT unnest(ix.indkey) attnum,
// generate_subscripts(ix.indkey, 1) ord FROM pg_index ix. Each such call
// yields a list, and the row is repeated once per element, the lists
// advancing together (shorter ones give NULL), as in PostgreSQL. The
// binder collects the calls of a select list and ORDER BY (bind.SRFContext)
// and leaves a reference (exec.SrfRef) in their place; exec.ProjectSet computes the lists
// and expands the row right before the projection, so an expression
// around a call (UPPER(unnest(a))) sees one element at a time and
// DISTINCT, ORDER BY, OFFSET/FETCH and TOP see the expanded rows.

// srfExpr is unnest(array), generate_subscripts(array, dim),
// information_schema._pg_expandarray(array), whose rows are records (x, n):
// an element and its position from 1, as record text "(x,n)" (field, when
// set, takes one of them: (_pg_expandarray(k)).n), or generate_series(start,
// stop [, step]), whose arguments are in series.
type srfExpr struct {
	name   string
	arr    exec.Expr
	t      types.Type
	field  string
	series []exec.Expr
}

func (s *srfExpr) Type() types.Type { return s.t }

func (s *srfExpr) Eval(e *exec.Env) (types.Value, error) {
	if s.series != nil {
		args := make([]types.Value, len(s.series))
		for i, a := range s.series {
			v, err := a.Eval(e)
			if err != nil {
				return nil, err
			}
			args[i] = v
		}
		vals, err := generateSeries(e, args) // pgsetfuncs.go
		return exec.SrfValues(vals), err
	}
	v, err := s.arr.Eval(e)
	if err != nil || v == nil {
		return exec.SrfValues(nil), err
	}
	elems, base := arrayElems(types.ToText(v, s.arr.Type()))
	switch s.name {
	case "UNNEST":
		return exec.SrfValues(elems), nil
	case "_PG_EXPANDARRAY":
		out := make(exec.SrfValues, len(elems))
		for i, el := range elems {
			x, _ := el.(string)
			n := strconv.Itoa(i + 1)
			switch s.field {
			case "x":
				out[i] = x
			case "n":
				out[i] = int64(i + 1)
			default:
				out[i] = "(" + x + "," + n + ")"
			}
		}
		return out, nil
	}
	subs := make(exec.SrfValues, len(elems))
	for i := range elems {
		subs[i] = int64(i) + base
	}
	return subs, nil
}

// Held is what a list of n elements holds against the statement's memory:
// a series generated here, not an array's elements the row already holds.
func (s *srfExpr) Held(n int) int64 {
	if s.series == nil {
		return 0
	}
	return seriesHeld(n)
}

func (s *srfExpr) Explain(x *exec.Explainer, n *exec.Names) string {
	if s.series != nil {
		args := make([]string, len(s.series))
		for i, a := range s.series {
			args[i] = x.Text(a, n)
		}
		return "generate_series(" + strings.Join(args, ",") + ")"
	}
	call := strings.ToLower(s.name) + "(" + x.Text(s.arr, n) + ")"
	if s.field != "" {
		return "(" + call + ")." + s.field
	}
	return call
}

// expandArrayFields are the fields of _pg_expandarray's records.
var expandArrayFields = map[string]int{"x": 0, "n": 1}

// bindFieldSelect binds (record).field: a field of _pg_expandarray's rows,
// straight from the function or from its record text.
func (b *binder) bindFieldSelect(x *parser.FieldSelect, sc *bind.Scope, agg *bind.AggContext) (exec.Expr, error) {
	field := strings.ToLower(x.Field)
	i, ok := expandArrayFields[field]
	if !ok {
		return nil, b.ErrAt(x, sqlerr.New(207, x.Field))
	}
	v, err := b.BindExpr(x.X.X, sc, agg, types.TypeUnknown)
	if err != nil {
		return nil, err
	}
	if r, ok := v.(*exec.SrfRef); ok {
		if s, ok := b.SRFs.List[r.Idx].(*srfExpr); ok && s.name == "_PG_EXPANDARRAY" && s.field == "" {
			t := s.t
			if field == "n" {
				t = types.TypeInt
			}
			b.SRFs.List[r.Idx] = &srfExpr{name: s.name, arr: s.arr, t: t, field: field}
			return &exec.SrfRef{Idx: r.Idx, T: t}, nil
		}
	}
	return &recordFieldExpr{x: v, i: i}, nil
}

// recordFieldExpr reads field i of record text "(a,b)".
type recordFieldExpr struct {
	x exec.Expr
	i int
}

func (r *recordFieldExpr) Type() types.Type { return textMax }

func (r *recordFieldExpr) Eval(e *exec.Env) (types.Value, error) {
	v, err := r.x.Eval(e)
	if err != nil || v == nil {
		return nil, err
	}
	s := strings.TrimSuffix(strings.TrimPrefix(types.ToText(v, r.x.Type()), "("), ")")
	fields := strings.Split(s, ",")
	if r.i >= len(fields) {
		return nil, nil
	}
	return fields[r.i], nil
}

func (r *recordFieldExpr) Explain(x *exec.Explainer, n *exec.Names) string {
	return "(" + x.Text(r.x, n) + ")." + []string{"x", "n"}[r.i]
}

func (b *binder) bindSelectListSRF(x *parser.FuncCall, name string, sc *bind.Scope, agg *bind.AggContext) (exec.Expr, error) {
	if name == "GENERATE_SERIES" {
		if len(x.Args) < 2 || len(x.Args) > 3 {
			return nil, b.ErrAt(x, sqlerr.New(189, "generate_series", 2, 3))
		}
		s := &srfExpr{name: name, t: types.TypeBigInt}
		for _, a := range x.Args {
			v, err := b.BindExpr(a, sc, agg, types.TypeBigInt)
			if err != nil {
				return nil, err
			}
			s.series = append(s.series, exec.Coerce(v, types.TypeBigInt))
		}
		return b.useSRF(x, s)
	}
	want := 1
	t := textMax
	if name == "GENERATE_SUBSCRIPTS" {
		want, t = 2, types.TypeInt
	}
	if len(x.Args) != want {
		return nil, b.ErrAt(x, sqlerr.New(174, strings.ToLower(name), want))
	}
	arr, err := b.BindExpr(x.Args[0], sc, agg, types.TypeUnknown)
	if err != nil {
		return nil, err
	}
	return b.useSRF(x, &srfExpr{name: name, arr: arr, t: t})
}

// useSRF records a set-returning function of the select list or ORDER BY
// and returns the reference that reads its current element.
func (b *binder) useSRF(x bind.Positioned, s *srfExpr) (exec.Expr, error) {
	if b.SRFs == nil {
		return nil, b.ErrAt(x, sqlerr.New(50140, "this context"))
	}
	b.SRFs.List = append(b.SRFs.List, s)
	return &exec.SrfRef{Idx: len(b.SRFs.List) - 1, T: s.t}, nil
}
