package engine

import (
	"strings"

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

// srfExpr is unnest(array) or generate_subscripts(array, dim).
type srfExpr struct {
	name string
	arr  expr
	t    types.Type
}

func (s *srfExpr) typ() types.Type { return s.t }

func (s *srfExpr) eval(e *env) (types.Value, error) {
	v, err := s.arr.eval(e)
	if err != nil || v == nil {
		return srfValues(nil), err
	}
	elems, base := arrayElems(types.ToText(v, s.arr.typ()))
	if s.name == "UNNEST" {
		return srfValues(elems), nil
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
	return (name == "UNNEST" || name == "GENERATE_SUBSCRIPTS") &&
		(len(n) == 1 || len(n) == 2 && strings.EqualFold(n[0], "pg_catalog"))
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

// hasSRF says whether a select list yields lists to expand.
func hasSRF(project []expr) bool {
	for _, x := range project {
		if _, ok := x.(*srfExpr); ok {
			return true
		}
	}
	return false
}

// expandSRF wraps emit to repeat each row once per element of its lists.
func expandSRF(emit func([]types.Value) error) func([]types.Value) error {
	var out []types.Value
	return func(row []types.Value) error {
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
	}
}
