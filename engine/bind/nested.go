package bind

import (
	"strings"

	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
)

// The rules of the queries nested in another (set operations' operands,
// derived tables, common table expressions) that need nothing but their
// syntax and their bound columns.

// CheckInnerOrder refuses ORDER BY in a query nested in another (an
// operand, derived table, common table expression) unless TOP or OFFSET
// gives it a meaning (1033).
func (b *Binder) CheckInnerOrder(sel *parser.Select) error {
	if len(sel.OrderBy) > 0 && sel.Top == nil && sel.Offset == nil && sel.Fetch == nil {
		return b.ErrAt(sel.OrderBy[0], sqlerr.New(1033))
	}
	return nil
}

// CheckSetOpOrder refuses ORDER BY items of a compound query that are not
// one of its columns, by name or position (104).
func (b *Binder) CheckSetOpOrder(sel *parser.Select) error {
	for _, o := range sel.OrderBy {
		switch x := o.Expr.(type) {
		case *parser.ColumnRef:
			continue
		case *parser.Literal:
			if x.Kind == parser.LitInt {
				continue
			}
		}
		return b.ErrAt(o, sqlerr.New(104))
	}
	return nil
}

// DerivedColumns names a derived table's columns: by its column list when
// it has one, else by the query's own names, which must exist and differ.
func (b *Binder) DerivedColumns(n Positioned, inner []session.Column, names []string, object string) ([]session.Column, error) {
	cols := make([]session.Column, len(inner))
	copy(cols, inner)
	if len(names) > 0 {
		switch {
		case len(names) < len(inner):
			return nil, b.ErrAt(n, sqlerr.New(8158, object))
		case len(names) > len(inner):
			return nil, b.ErrAt(n, sqlerr.New(8159, object))
		}
		for i := range cols {
			cols[i].Name = names[i]
		}
	}
	seen := map[string]bool{}
	for i, c := range cols {
		if c.Name == "" {
			return nil, b.ErrAt(n, sqlerr.New(8155, i+1, object))
		}
		k := strings.ToLower(c.Name)
		if seen[k] {
			return nil, b.ErrAt(n, sqlerr.New(8156, c.Name, object))
		}
		seen[k] = true
	}
	return cols, nil
}
