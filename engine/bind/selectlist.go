package bind

import (
	"strconv"
	"strings"

	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// A SELECT's select list and ORDER BY: the result columns, their names
// and the sort keys, which need nothing of the engine but what binding an
// expression does.

// BindItem binds one select item: a star expands to its columns.
func (b *Binder) BindItem(it *parser.SelectItem, sc *Scope, agg *AggContext) ([]exec.Expr, []session.Column, error) {
	if it.Star {
		stars, err := b.expandStar(it, sc, agg)
		if err != nil {
			return nil, nil, err
		}
		xs := make([]exec.Expr, len(stars))
		cols := make([]session.Column, len(stars))
		for i, c := range stars {
			xs[i], cols[i] = c.x, resultColumn(c.name, c.x)
		}
		return xs, cols, nil
	}
	x, err := b.BindExpr(it.Expr, sc, agg, types.TypeUnknown)
	if err != nil {
		return nil, nil, err
	}
	name := it.Alias
	if name == "" {
		name = defaultColumnName(it.Expr)
	}
	return []exec.Expr{x}, []session.Column{resultColumn(name, x)}, nil
}

// defaultColumnName is the name SQL Server gives an unaliased select item:
// the column name for a column reference, none otherwise.
func defaultColumnName(x parser.Expr) string {
	switch e := x.(type) {
	case *parser.ColumnRef:
		return e.Name()
	case *parser.Paren:
		return defaultColumnName(e.X)
	}
	return ""
}

type starCol struct {
	name string
	x    exec.Expr
}

func (b *Binder) expandStar(it *parser.SelectItem, sc *Scope, agg *AggContext) ([]starCol, error) {
	var out []starCol
	found := false
	for _, src := range sc.Sources {
		if len(it.StarOf) > 0 && !strings.EqualFold(it.StarOf[len(it.StarOf)-1], src.Name) {
			continue
		}
		found = true
		for i, c := range src.Cols {
			if agg != nil {
				ref := &parser.ColumnRef{Pos: it.Pos, Parts: []string{src.Name, c.Name}}
				x, err := b.BindExpr(ref, sc, agg, types.TypeUnknown)
				if err != nil {
					return nil, err
				}
				out = append(out, starCol{c.Name, x})
				continue
			}
			out = append(out, starCol{c.Name, &exec.ColRef{Idx: src.Offset + i, T: c.Type, Origin: src.Origin(i)}})
		}
	}
	if !found {
		if len(it.StarOf) > 0 {
			return nil, b.ErrAt(it, sqlerr.New(4104, strings.Join(it.StarOf, ".")))
		}
		return nil, b.ErrAt(it, sqlerr.New(263))
	}
	return out, nil
}

// BindOrderKey binds one ORDER BY item of p: a select list alias or
// position names a result column; under DISTINCT the item must be one of
// the select list's (145); anything else is an expression over the
// source (or, grouped, over the groups: 8127 names the item).
func (b *Binder) BindOrderKey(o *parser.OrderItem, sel *parser.Select, p *exec.Select, sc *Scope, agg *AggContext, aliases map[string]int) (exec.OrderKey, error) {
	if ref, ok := o.Expr.(*parser.ColumnRef); ok && len(ref.Parts) == 1 {
		if i, ok := aliases[strings.ToLower(ref.Parts[0])]; ok {
			return exec.OrderKey{Col: i, Desc: o.Desc}, nil
		}
	}
	if lit, ok := o.Expr.(*parser.Literal); ok && lit.Kind == parser.LitInt {
		n, _ := strconv.Atoi(lit.Value)
		if n < 1 || n > len(p.Project) {
			return exec.OrderKey{}, b.ErrAt(o, sqlerr.New(108, n))
		}
		return exec.OrderKey{Col: n - 1, Desc: o.Desc}, nil
	}
	if p.Distinct {
		text := o.Expr.String()
		for i, it := range sel.Items {
			if it.Expr != nil && it.Expr.String() == text {
				return exec.OrderKey{Col: i, Desc: o.Desc}, nil
			}
		}
		return exec.OrderKey{}, b.ErrAt(o, sqlerr.New(145))
	}
	x, err := b.BindExpr(o.Expr, sc, agg, types.TypeUnknown)
	if err != nil {
		if agg != nil && sqlerr.Is(err, 8120) {
			return exec.OrderKey{}, b.ErrAt(o, sqlerr.New(8127, o.Expr.String()))
		}
		return exec.OrderKey{}, err
	}
	return exec.OrderKey{Col: -1, X: x, Desc: o.Desc}, nil
}

// resultColumn describes a result column; one that reads a table column
// unchanged carries the table's object_id and the column's number.
func resultColumn(name string, x exec.Expr) session.Column {
	c := session.Column{Name: name, Type: x.Type()}
	if col, ok := x.(*exec.ColRef); ok {
		c.TableOID, c.Attr = col.Origin.Table, col.Origin.Attr
	}
	return c
}
