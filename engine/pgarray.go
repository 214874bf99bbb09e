package engine

import (
	"strings"

	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// PostgreSQL's arrays as catalog queries use them: ARRAY(subquery) and
// x = ANY (array). mirrordb has no array type, so an array is its
// PostgreSQL text form, {a,b,"c d"}: what psql prints, and what
// array_to_string and ANY read back.

// arraySubqueryExpr is ARRAY(subquery): the first column of its rows.
type arraySubqueryExpr struct{ sub *subqueryExpr }

func (a *arraySubqueryExpr) typ() types.Type { return textMax }

func (a *arraySubqueryExpr) eval(e *env) (types.Value, error) {
	rows, err := a.sub.rows(e)
	if err != nil {
		return nil, err
	}
	elems := make([]types.Value, len(rows))
	t := a.sub.typ()
	for i, r := range rows {
		elems[i] = r[0]
		if r[0] != nil {
			elems[i] = types.ToText(r[0], t)
		}
	}
	return formatArray(elems), nil
}

// formatArray writes elements (strings or nil) as PostgreSQL array text.
func formatArray(elems []types.Value) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, v := range elems {
		if i > 0 {
			b.WriteByte(',')
		}
		s, ok := v.(string)
		switch {
		case !ok:
			b.WriteString("NULL")
		case s == "" || strings.EqualFold(s, "NULL") || strings.ContainsAny(s, "{},\"\\ \t\n"):
			b.WriteByte('"')
			b.WriteString(strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s))
			b.WriteByte('"')
		default:
			b.WriteString(s)
		}
	}
	b.WriteByte('}')
	return b.String()
}

// parseArray reads PostgreSQL array text into its elements (nil for
// NULL); ok is false when s is not an array.
func parseArray(s string) ([]types.Value, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, false
	}
	body := s[1 : len(s)-1]
	if strings.TrimSpace(body) == "" {
		return nil, true
	}
	var out []types.Value
	for i := 0; i <= len(body); {
		var b strings.Builder
		quoted := false
		for i < len(body) && body[i] == ' ' {
			i++
		}
		if i < len(body) && body[i] == '"' {
			quoted = true
			for i++; i < len(body) && body[i] != '"'; i++ {
				if body[i] == '\\' && i+1 < len(body) {
					i++
				}
				b.WriteByte(body[i])
			}
			i++
		}
		for ; i < len(body) && body[i] != ','; i++ {
			if !quoted {
				b.WriteByte(body[i])
			}
		}
		el := strings.TrimSpace(b.String())
		if !quoted && strings.EqualFold(el, "NULL") {
			out = append(out, nil)
		} else if quoted {
			out = append(out, b.String())
		} else {
			out = append(out, el)
		}
		i++ // the comma
	}
	return out, true
}

func (b *binder) bindArraySubquery(x *parser.ArraySubquery, sc *scope) (expr, error) {
	sub, err := b.bindSubquery(x, x.Select, false, sc)
	if err != nil {
		return nil, err
	}
	return &arraySubqueryExpr{sub: sub.(*subqueryExpr)}, nil
}

// arrayCompareExpr is x = ANY (array) or x <> ALL (array): each element
// is compared with x as text, as the catalogs' arrays hold OIDs and names.
type arrayCompareExpr struct {
	x, arr expr
	all    bool
}

func (a *arrayCompareExpr) typ() types.Type { return types.TypeBit }

func (a *arrayCompareExpr) eval(e *env) (types.Value, error) {
	v, err := a.x.eval(e)
	if err != nil {
		return nil, err
	}
	av, err := a.arr.eval(e)
	if err != nil || av == nil || v == nil {
		return nil, err
	}
	elems, ok := parseArray(types.ToText(av, a.arr.typ()))
	if !ok {
		return nil, sqlerr.New(245, "nvarchar", types.ToText(av, a.arr.typ()), "array")
	}
	want := types.ToText(v, a.x.typ())
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

func (b *binder) bindArrayCompare(x *parser.ArrayCompare, sc *scope, agg *aggContext) (expr, error) {
	if !(x.Op == "=" && !x.All) && !((x.Op == "<>" || x.Op == "!=") && x.All) {
		return nil, b.errAt(x, sqlerr.New(40517, x.Op+" ANY/ALL (array)"))
	}
	v, err := b.bindExpr(x.X, sc, agg, types.TypeUnknown)
	if err != nil {
		return nil, err
	}
	arr, err := b.bindExpr(x.Array, sc, agg, textMax)
	if err != nil {
		return nil, err
	}
	return &arrayCompareExpr{x: v, arr: arr, all: x.All}, nil
}
