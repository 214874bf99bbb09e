package parser

import (
	"strconv"
	"strings"
)

// Printing of queries and DML (see format.go).

func (s *Select) String() string { return nodeString(s) }
func (s *Select) format(b *strings.Builder) {
	writeWith(b, s.With)
	if s.SetOp != nil {
		s.SetOp.format(b)
	} else {
		s.formatCore(b)
	}
	s.formatTail(b)
}

// formatCore prints SELECT ... HAVING.
func (s *Select) formatCore(b *strings.Builder) {
	b.WriteString("SELECT ")
	if s.Distinct {
		b.WriteString("DISTINCT ")
	}
	if s.Top != nil {
		s.Top.format(b)
		b.WriteByte(' ')
	}
	writeSelectItems(b, s.Items)
	if len(s.From) > 0 {
		b.WriteString(" FROM ")
		writeFrom(b, s.From)
	}
	if s.Where != nil {
		b.WriteString(" WHERE ")
		writeExpr(b, s.Where)
	}
	if len(s.GroupBy) > 0 {
		b.WriteString(" GROUP BY ")
		writeExprs(b, s.GroupBy)
	}
	if s.Having != nil {
		b.WriteString(" HAVING ")
		writeExpr(b, s.Having)
	}
}

// formatTail prints ORDER BY and what follows it.
func (s *Select) formatTail(b *strings.Builder) {
	if len(s.OrderBy) > 0 {
		b.WriteString(" ORDER BY ")
		for i, o := range s.OrderBy {
			if i > 0 {
				b.WriteString(", ")
			}
			o.format(b)
		}
	}
	switch {
	case s.Limit:
		b.WriteString(" LIMIT ")
		if s.Fetch == nil {
			b.WriteString("ALL")
		} else {
			writeExpr(b, s.Fetch)
		}
		if s.Offset != nil {
			b.WriteString(" OFFSET ")
			writeExpr(b, s.Offset)
		}
	default:
		if s.Offset != nil {
			b.WriteString(" OFFSET ")
			writeExpr(b, s.Offset)
			b.WriteString(" ROWS")
		}
		if s.Fetch != nil {
			b.WriteString(" FETCH NEXT ")
			writeExpr(b, s.Fetch)
			b.WriteString(" ROWS ONLY")
		}
	}
	hints := s.Hints
	if s.MaxRecursion >= 0 {
		hints = append(hints[:len(hints):len(hints)], "MAXRECURSION "+strconv.Itoa(s.MaxRecursion))
	}
	if len(hints) > 0 {
		b.WriteString(" OPTION (" + strings.Join(hints, ", ") + ")")
	}
}

func writeSelectItems(b *strings.Builder, items []*SelectItem) {
	for i, it := range items {
		if i > 0 {
			b.WriteString(", ")
		}
		it.format(b)
	}
}

func writeFrom(b *strings.Builder, from []TableExpr) {
	for i, t := range from {
		if i > 0 {
			b.WriteString(", ")
		}
		t.(formatter).format(b)
	}
}

func (t *Top) String() string { return nodeString(t) }
func (t *Top) format(b *strings.Builder) {
	b.WriteString("TOP (")
	writeExpr(b, t.Count)
	b.WriteByte(')')
	if t.Percent {
		b.WriteString(" PERCENT")
	}
}

func (it *SelectItem) String() string { return nodeString(it) }
func (it *SelectItem) format(b *strings.Builder) {
	if it.Star {
		if len(it.StarOf) > 0 {
			writeParts(b, it.StarOf)
			b.WriteByte('.')
		}
		b.WriteByte('*')
		return
	}
	if it.Var != "" {
		b.WriteString("@" + it.Var + " " + it.VarOp + "= ")
	}
	writeExpr(b, it.Expr)
	if it.Alias != "" {
		b.WriteString(" AS ")
		writeIdent(b, it.Alias)
	}
}

func (o *OrderItem) String() string { return nodeString(o) }
func (o *OrderItem) format(b *strings.Builder) {
	writeExpr(b, o.Expr)
	if o.Desc {
		b.WriteString(" DESC")
	}
}

func writeAlias(b *strings.Builder, alias string) {
	if alias != "" {
		b.WriteString(" AS ")
		writeIdent(b, alias)
	}
}

func (t *TableRef) String() string { return nodeString(t) }
func (t *TableRef) format(b *strings.Builder) {
	t.Name.format(b)
	writeAlias(b, t.Alias)
}

func (t *TableFunc) String() string { return nodeString(t) }
func (t *TableFunc) format(b *strings.Builder) {
	t.Name.format(b)
	b.WriteByte('(')
	writeExprs(b, t.Args)
	b.WriteByte(')')
	writeAlias(b, t.Alias)
	if len(t.Columns) > 0 {
		b.WriteString(" (")
		writeNames(b, t.Columns)
		b.WriteByte(')')
	}
}

var joinKeywords = [...]string{
	InnerJoin:  " INNER JOIN ",
	LeftJoin:   " LEFT JOIN ",
	RightJoin:  " RIGHT JOIN ",
	FullJoin:   " FULL JOIN ",
	CrossJoin:  " CROSS JOIN ",
	CrossApply: " CROSS APPLY ",
	OuterApply: " OUTER APPLY ",
}

func (j *Join) String() string { return nodeString(j) }
func (j *Join) format(b *strings.Builder) {
	j.Left.(formatter).format(b)
	if int(j.Kind) < len(joinKeywords) {
		b.WriteString(joinKeywords[j.Kind])
	} else {
		b.WriteString(" JOIN ")
	}
	j.Right.(formatter).format(b)
	if j.On != nil {
		b.WriteString(" ON ")
		writeExpr(b, j.On)
	}
}

func (s *Insert) String() string { return nodeString(s) }
func (s *Insert) format(b *strings.Builder) {
	b.WriteString("INSERT INTO ")
	s.Table.format(b)
	if len(s.Columns) > 0 {
		b.WriteString(" (")
		writeNames(b, s.Columns)
		b.WriteByte(')')
	}
	writeOutput(b, s.Output, false)
	switch {
	case s.DefaultValues:
		b.WriteString(" DEFAULT VALUES")
	case s.Select != nil:
		b.WriteByte(' ')
		s.Select.format(b)
	default:
		b.WriteString(" VALUES ")
		for i, row := range s.Rows {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			writeExprs(b, row)
			b.WriteByte(')')
		}
	}
	writeOutput(b, s.Output, true)
}

func (s *Update) String() string { return nodeString(s) }
func (s *Update) format(b *strings.Builder) {
	b.WriteString("UPDATE ")
	if s.Top != nil {
		s.Top.format(b)
		b.WriteByte(' ')
	}
	s.Table.format(b)
	b.WriteString(" SET ")
	for i, a := range s.Set {
		if i > 0 {
			b.WriteString(", ")
		}
		a.format(b)
	}
	writeOutput(b, s.Output, false)
	if len(s.From) > 0 {
		b.WriteString(" FROM ")
		writeFrom(b, s.From)
	}
	if s.Where != nil {
		b.WriteString(" WHERE ")
		writeExpr(b, s.Where)
	}
	writeOutput(b, s.Output, true)
}

func (a *Assignment) String() string { return nodeString(a) }
func (a *Assignment) format(b *strings.Builder) {
	writeIdent(b, a.Column)
	b.WriteString(" = ")
	writeExpr(b, a.Value)
}

func (s *Delete) String() string { return nodeString(s) }
func (s *Delete) format(b *strings.Builder) {
	b.WriteString("DELETE ")
	if s.Top != nil {
		s.Top.format(b)
		b.WriteByte(' ')
	}
	b.WriteString("FROM ")
	s.Table.format(b)
	writeOutput(b, s.Output, false)
	if s.Where != nil {
		b.WriteString(" WHERE ")
		writeExpr(b, s.Where)
	}
	writeOutput(b, s.Output, true)
}
