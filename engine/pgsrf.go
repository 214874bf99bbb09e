package engine

import (
	"strconv"
	"strings"

	"mirrordb/engine/plan"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// PostgreSQL's set-returning functions in a select list, as SQLAlchemy's
// reflection writes them: SELECT unnest(ix.indkey) attnum,
// generate_subscripts(ix.indkey, 1) ord FROM pg_index ix. Each such item
// yields a list, and the row is repeated once per element, the lists
// advancing together (shorter ones give NULL), as in PostgreSQL.

// srfValues is the list a set-returning item yields for one row.
type srfValues []types.Value

// srfExpr is unnest(array), generate_subscripts(array, dim) or
// information_schema._pg_expandarray(array), whose rows are records (x, n):
// an element and its position from 1, as record text "(x,n)"; field, when
// set, takes one of them ((_pg_expandarray(k)).n).
type srfExpr struct {
	name  string
	arr   expr
	t     types.Type
	field string
}

func (s *srfExpr) typ() types.Type { return s.t }

func (s *srfExpr) eval(e *env) (types.Value, error) {
	v, err := s.arr.eval(e)
	if err != nil || v == nil {
		return srfValues(nil), err
	}
	elems, base := arrayElems(types.ToText(v, s.arr.typ()))
	switch s.name {
	case "UNNEST":
		return srfValues(elems), nil
	case "_PG_EXPANDARRAY":
		out := make(srfValues, len(elems))
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
	subs := make(srfValues, len(elems))
	for i := range elems {
		subs[i] = int64(i) + base
	}
	return subs, nil
}

func (s *srfExpr) explain(x *explainer, n *names) string {
	return strings.ToLower(s.name) + "(" + x.text(s.arr, n) + ")"
}

// isSelectListSRF says whether a call is one of the set-returning
// functions a select list may hold.
func isSelectListSRF(x *parser.FuncCall, name string) bool {
	n := x.Name.Parts
	if name == "_PG_EXPANDARRAY" {
		return len(n) == 1 || len(n) == 2 && strings.EqualFold(n[0], "information_schema")
	}
	return (name == "UNNEST" || name == "GENERATE_SUBSCRIPTS") &&
		(len(n) == 1 || len(n) == 2 && strings.EqualFold(n[0], "pg_catalog"))
}

// expandArrayFields are the fields of _pg_expandarray's records.
var expandArrayFields = map[string]int{"x": 0, "n": 1}

// bindFieldSelect binds (record).field: a field of _pg_expandarray's rows,
// straight from the function or from its record text.
func (b *binder) bindFieldSelect(x *parser.FieldSelect, sc *scope, agg *aggContext) (expr, error) {
	field := strings.ToLower(x.Field)
	i, ok := expandArrayFields[field]
	if !ok {
		return nil, b.errAt(x, sqlerr.New(207, x.Field))
	}
	v, err := b.bindExpr(x.X.X, sc, agg, types.TypeUnknown)
	if err != nil {
		return nil, err
	}
	if s, ok := v.(*srfExpr); ok && s.name == "_PG_EXPANDARRAY" && s.field == "" {
		t := s.t
		if field == "n" {
			t = types.TypeInt
		}
		return &srfExpr{name: s.name, arr: s.arr, t: t, field: field}, nil
	}
	return &recordFieldExpr{x: v, i: i}, nil
}

// recordFieldExpr reads field i of record text "(a,b)".
type recordFieldExpr struct {
	x expr
	i int
}

func (r *recordFieldExpr) typ() types.Type { return textMax }

func (r *recordFieldExpr) eval(e *env) (types.Value, error) {
	v, err := r.x.eval(e)
	if err != nil || v == nil {
		return nil, err
	}
	s := strings.TrimSuffix(strings.TrimPrefix(types.ToText(v, r.x.typ()), "("), ")")
	fields := strings.Split(s, ",")
	if r.i >= len(fields) {
		return nil, nil
	}
	return fields[r.i], nil
}

func (r *recordFieldExpr) explain(x *explainer, n *names) string {
	return "(" + x.text(r.x, n) + ")." + []string{"x", "n"}[r.i]
}

func (b *binder) bindSelectListSRF(x *parser.FuncCall, name string, sc *scope, agg *aggContext) (expr, error) {
	want := 1
	t := textMax
	if name == "GENERATE_SUBSCRIPTS" {
		want, t = 2, types.TypeInt
	}
	if len(x.Args) != want {
		return nil, b.errAt(x, sqlerr.New(174, strings.ToLower(name), want))
	}
	arr, err := b.bindExpr(x.Args[0], sc, agg, types.TypeUnknown)
	if err != nil {
		return nil, err
	}
	return &srfExpr{name: name, arr: arr, t: t}, nil
}

// containsSRF says whether an expression calls a select-list
// set-returning function outside a subquery.
func containsSRF(n parser.Expr) bool {
	found := false
	walkExpr(n, func(x parser.Expr) bool {
		if f, ok := x.(*parser.FuncCall); ok && f.Over == nil && isSelectListSRF(f, strings.ToUpper(f.Name.Object())) {
			found = true
		}
		return !found
	})
	return found
}

// refuseSRF is PostgreSQL's error for a set-returning function in a
// clause that filters rows (WHERE, HAVING).
func (b *binder) refuseSRF(x parser.Expr, clause string) error {
	if containsSRF(x) {
		return b.errAt(x, sqlerr.New(50140, clause))
	}
	return nil
}

// hasSRF says whether a select list yields lists to expand.
func hasSRF(project []expr) bool {
	for _, x := range project {
		if _, ok := x.(*srfExpr); ok {
			return true
		}
	}
	return false
}

// srfOp expands the lists of a select list's set-returning functions
// right after the projection, before DISTINCT, ORDER BY and TOP see the
// rows (PostgreSQL's order): each row is repeated once per element, the
// lists advancing together (shorter ones give NULL); a row whose lists
// are all empty yields none.
type srfOp struct{ in operator }

func (s *srfOp) run(e *env, emit func([]types.Value) error) error {
	var out []types.Value
	return s.in.run(e, func(row []types.Value) error {
		n := 0
		for _, v := range row {
			if l, ok := v.(srfValues); ok {
				n = max(n, len(l))
			}
		}
		for i := 0; i < n; i++ {
			out = append(out[:0], row...)
			for j, v := range row {
				if l, ok := v.(srfValues); ok {
					out[j] = nil
					if i < len(l) {
						out[j] = l[i]
					}
				}
			}
			if err := emit(out); err != nil {
				return err
			}
		}
		return nil
	})
}

// explain shows the expansion as PostgreSQL's plans name it.
func (s *srfOp) explain(x *explainer, nm *names) *plan.Node {
	return x.node("Project Set", "Project Set", "", s.in.explain(x, nm))
}
