package engine

import (
	"strings"

	"mirrordb/engine/bind"
	"mirrordb/engine/exec"
	"mirrordb/engine/pgcatalog"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// PostgreSQL's arrays as catalog queries use them: ARRAY(subquery) and
// x = ANY (array). mirrordb has no array type, so an array is its
// PostgreSQL text form, {a,b,"c d"}: what psql prints, and what
// array_to_string and ANY read back.

// arraySubqueryExpr is ARRAY(subquery): the first column of its rows.
type arraySubqueryExpr struct{ sub *exec.Subquery }

func (a *arraySubqueryExpr) Type() types.Type { return textMax }

func (a *arraySubqueryExpr) Eval(e *exec.Env) (types.Value, error) {
	rows, err := a.sub.Rows(e)
	if err != nil {
		return nil, err
	}
	elems := make([]types.Value, len(rows))
	t := a.sub.Type()
	for i, r := range rows {
		elems[i] = r[0]
		if r[0] != nil {
			elems[i] = types.ToText(r[0], t)
		}
	}
	return pgcatalog.ArrayText(elems), nil
}

func (b *binder) bindArraySubquery(x *parser.ArraySubquery, sc *bind.Scope, agg *bind.AggContext) (exec.Expr, error) {
	sub, err := b.BindSubquery(x, x.Select, false, sc, agg)
	if err != nil {
		return nil, err
	}
	return &arraySubqueryExpr{sub: sub}, nil
}

// arrayCompareExpr is x = ANY (array) or x <> ALL (array): each element
// is compared with x as text, as the catalogs' arrays hold OIDs and names.
type arrayCompareExpr struct {
	x, arr exec.Expr
	all    bool
}

func (a *arrayCompareExpr) Type() types.Type { return types.TypeBit }

func (a *arrayCompareExpr) Eval(e *exec.Env) (types.Value, error) {
	v, err := a.x.Eval(e)
	if err != nil {
		return nil, err
	}
	av, err := a.arr.Eval(e)
	if err != nil || av == nil || v == nil {
		return nil, err
	}
	elems, ok := pgcatalog.ParseArray(types.ToText(av, a.arr.Type()))
	if !ok {
		// int2vector and oidvector (pg_index.indkey) print as "1 2".
		for _, f := range strings.Fields(types.ToText(av, a.arr.Type())) {
			elems = append(elems, f)
		}
	}
	want := types.ToText(v, a.x.Type())
	sawNull := false
	for _, el := range elems {
		if el == nil {
			sawNull = true
			continue
		}
		if (el.(string) == want) != a.all {
			return !a.all, nil
		}
	}
	if sawNull {
		return nil, nil
	}
	return a.all, nil
}

func (b *binder) bindArrayCompare(x *parser.ArrayCompare, sc *bind.Scope, agg *bind.AggContext) (exec.Expr, error) {
	if !(x.Op == "=" && !x.All) && !((x.Op == "<>" || x.Op == "!=") && x.All) {
		return nil, b.ErrAt(x, sqlerr.New(40517, x.Op+" ANY/ALL (array)"))
	}
	v, err := b.BindExpr(x.X, sc, agg, types.TypeUnknown)
	if err != nil {
		return nil, err
	}
	arr, err := b.BindExpr(x.Array, sc, agg, textMax)
	if err != nil {
		return nil, err
	}
	return &arrayCompareExpr{x: v, arr: arr, all: x.All}, nil
}

func (a *arraySubqueryExpr) Explain(x *exec.Explainer, _ *exec.Names) string {
	return "ARRAY(" + a.sub.Explain(x, nil) + ")"
}

func (a *arrayCompareExpr) Explain(x *exec.Explainer, n *exec.Names) string {
	if a.all {
		return x.Text(a.x, n) + "<>ALL(" + x.Text(a.arr, n) + ")"
	}
	return x.Text(a.x, n) + "=ANY(" + x.Text(a.arr, n) + ")"
}
