package parser

import (
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// The relational forms of a query beyond one SELECT: set operations,
// derived tables, common table expressions and window functions.

// SetOp is left UNION [ALL] | EXCEPT | INTERSECT right. INTERSECT binds
// tighter than UNION and EXCEPT, which associate to the left.
type SetOp struct {
	Pos
	Op          string // "UNION", "EXCEPT" or "INTERSECT"
	All         bool
	Left, Right *Select
}

// CTE is one common table expression: name [(columns)] AS (query).
type CTE struct {
	Pos
	Name    string
	Columns []string
	Select  *Select
}

// DerivedTable is (query) [AS] alias [(columns)] in a FROM clause.
type DerivedTable struct {
	Pos
	Select  *Select
	Alias   string
	Columns []string
}

func (*DerivedTable) tableExprNode() {}

// Window is the OVER clause of a window function. Frame is "" (the
// default), or the frame as written upper case: "ROWS UNBOUNDED PRECEDING",
// "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW", ...
type Window struct {
	Pos
	PartitionBy []Expr
	OrderBy     []*OrderItem
	Frame       string
}

func (s *SetOp) format(b *strings.Builder) {
	if l := s.Left; l.SetOp != nil && !l.hasOwnClauses() && (s.Op != "INTERSECT" || l.SetOp.Op == "INTERSECT") {
		l.format(b) // the operators associate to the left
	} else {
		writeOperand(b, s.Left)
	}
	b.WriteString(" " + s.Op)
	if s.All {
		b.WriteString(" ALL")
	}
	b.WriteByte(' ')
	writeOperand(b, s.Right)
}

// writeOperand prints an operand of a set operation, parenthesised when it
// is itself compound or has clauses of its own that apply to it alone.
func writeOperand(b *strings.Builder, s *Select) {
	if s.SetOp != nil || s.hasOwnClauses() {
		b.WriteByte('(')
		s.format(b)
		b.WriteByte(')')
		return
	}
	s.format(b)
}

func writeWith(b *strings.Builder, ctes []*CTE) {
	for i, c := range ctes {
		if i == 0 {
			b.WriteString("WITH ")
		} else {
			b.WriteString(", ")
		}
		writeIdent(b, c.Name)
		if len(c.Columns) > 0 {
			b.WriteString(" (")
			writeNames(b, c.Columns)
			b.WriteByte(')')
		}
		b.WriteString(" AS (")
		c.Select.format(b)
		b.WriteByte(')')
	}
	if len(ctes) > 0 {
		b.WriteByte(' ')
	}
}

func (t *DerivedTable) String() string { return nodeString(t) }
func (t *DerivedTable) format(b *strings.Builder) {
	b.WriteByte('(')
	t.Select.format(b)
	b.WriteByte(')')
	writeAlias(b, t.Alias)
	if len(t.Columns) > 0 {
		b.WriteString(" (")
		writeNames(b, t.Columns)
		b.WriteByte(')')
	}
}

func (w *Window) format(b *strings.Builder) {
	b.WriteString(" OVER (")
	sep := ""
	if len(w.PartitionBy) > 0 {
		b.WriteString("PARTITION BY ")
		writeExprs(b, w.PartitionBy)
		sep = " "
	}
	if len(w.OrderBy) > 0 {
		b.WriteString(sep + "ORDER BY ")
		for i, o := range w.OrderBy {
			if i > 0 {
				b.WriteString(", ")
			}
			o.format(b)
		}
		sep = " "
	}
	if w.Frame != "" {
		b.WriteString(sep + w.Frame)
	}
	b.WriteByte(')')
}

// hasOwnClauses says whether an operand has clauses after its SELECT
// that parentheses must keep to it.
func (s *Select) hasOwnClauses() bool {
	return len(s.OrderBy) > 0 || s.Offset != nil || s.Fetch != nil || len(s.With) > 0 || len(s.Hints) > 0 || s.MaxRecursion >= 0
}

// withStart is the WITH that opens a query's common table expressions.
type withStart interface{ withStart() }

type withKeyword struct{}

func (withKeyword) withStart() {}

// parseWithStart takes WITH only where a common table expression follows
// (WITH name AS ( or WITH name (), and is no match otherwise, without an
// error of its own: a stray WITH (ALTER DATABASE ... SET PARTNER OFF WITH
// ROLLBACK) is then reported where it stands.
func parseWithStart(lex *lexer.PeekingLexer) (withStart, error) {
	if !isKeyword(lex.Peek(), "WITH") {
		return nil, participle.NextMatch
	}
	cp := lex.MakeCheckpoint()
	lex.Next()
	name := lex.Next()
	next := lex.Peek()
	lex.LoadCheckpoint(cp)
	if !isName(name) || !isPunct(next, "(") && !isKeyword(next, "AS") {
		return nil, participle.NextMatch
	}
	lex.Next()
	return withKeyword{}, nil
}

// Subscript is PostgreSQL's x[i] (indkey[0], prattrs[s]): an element of an
// array, which mirrordb holds as its text form.
type Subscript struct {
	Pos
	X     Expr
	Index Expr
}

func (*Subscript) exprNode() {}

func (e *Subscript) String() string { return nodeString(e) }
func (e *Subscript) format(b *strings.Builder) {
	writeExpr(b, e.X)
	b.WriteByte('[')
	writeExpr(b, e.Index)
	b.WriteByte(']')
}

// subscript parses [i] written right after x (no space between), where
// T-SQL cannot read it as an alias: anywhere but at the top of a select
// item. The bracket's text is parsed as an expression of its own.
func (p *exprParser) subscript(x Expr) (Expr, bool, error) {
	t := p.lex.Peek()
	if t.Type != tokQIdent || !strings.HasPrefix(t.Value, "[") || p.item && p.open == 0 && !isKeyword(peek2(p.lex), "AS") {
		return nil, false, nil // at the top of a select item, x [y] is x AS [y] unless AS follows
	}
	off := t.Pos.Offset
	if off == 0 || off > len(p.st.src) || !isIdentByte(p.st.src[off-1]) && p.st.src[off-1] != ']' && p.st.src[off-1] != ')' {
		return nil, false, nil
	}
	p.lex.Next()
	inner, err := lexer.Upgrade(newLexer(unquote(t.Value)))
	if err != nil {
		return nil, false, errAt(t)
	}
	sub := exprParser{st: p.st, lex: inner}
	idx, err := sub.operand(0)
	if err != nil {
		return nil, false, errAt(t)
	}
	if !inner.Peek().EOF() {
		return nil, false, errAt(t)
	}
	return &Subscript{Pos: x.Position(), X: x, Index: idx}, true, nil
}

// usingCondition is JOIN ... USING (a, b) as its ON condition: each column
// of the rightmost table of left equals the same column of right.
func usingCondition(left, right TableExpr, cols []string) Expr {
	var on Expr
	for _, c := range cols {
		eq := &Binary{Pos: right.Position(), Op: "=",
			L: &ColumnRef{Pos: right.Position(), Parts: []string{exposedName(left), c}},
			R: &ColumnRef{Pos: right.Position(), Parts: []string{exposedName(right), c}}}
		if on == nil {
			on = eq
		} else {
			on = &Binary{Pos: right.Position(), Op: "AND", L: on, R: eq}
		}
	}
	return on
}

// exposedName is the name a FROM entry's columns are qualified with.
func exposedName(te TableExpr) string {
	switch x := te.(type) {
	case *TableRef:
		if x.Alias != "" {
			return x.Alias
		}
		return x.Name.Object()
	case *TableFunc:
		if x.Alias != "" {
			return x.Alias
		}
		return x.Name.Object()
	case *DerivedTable:
		return x.Alias
	case *Join:
		return exposedName(x.Right)
	}
	return ""
}

// FieldSelect is PostgreSQL's (record).field: a field of a composite
// value, as pgjdbc reads (information_schema._pg_expandarray(k)).n.
type FieldSelect struct {
	Pos
	X     *Paren
	Field string
}

func (*FieldSelect) exprNode() {}

func (e *FieldSelect) String() string { return nodeString(e) }
func (e *FieldSelect) format(b *strings.Builder) {
	e.X.format(b)
	b.WriteByte('.')
	writeIdent(b, e.Field)
}

// fieldSelect parses .field right after a parenthesised expression (not
// .name( , a method call).
func (p *exprParser) fieldSelect(x *Paren) (Expr, bool) {
	if !isPunct(p.lex.Peek(), ".") || !isName(peek2(p.lex)) {
		return nil, false
	}
	cp := p.lex.MakeCheckpoint()
	p.lex.Next()
	name := p.lex.Next()
	if isPunct(p.lex.Peek(), "(") {
		p.lex.LoadCheckpoint(cp)
		return nil, false
	}
	return &FieldSelect{Pos: x.Pos, X: x, Field: unquote(name.Value)}, true
}

// Trim is TRIM([LEADING | TRAILING | BOTH] [characters] FROM string), the
// form SQL Server 2022 and PostgreSQL share (pgjdbc: trim(both '"' from
// pg_get_indexdef(...))). Mode is upper case, "BOTH" when omitted.
type Trim struct {
	Pos
	Mode  string
	Chars Expr // nil: spaces
	X     Expr
}

func (*Trim) exprNode() {}

func (e *Trim) String() string { return nodeString(e) }
func (e *Trim) format(b *strings.Builder) {
	b.WriteString("TRIM(" + e.Mode + " ")
	if e.Chars != nil {
		writeExpr(b, e.Chars)
		b.WriteByte(' ')
	}
	b.WriteString("FROM ")
	writeExpr(b, e.X)
	b.WriteByte(')')
}

// trimFrom parses the arguments of TRIM(... FROM ...) after "(" when f is
// TRIM and they take that form; ok is false otherwise (consuming nothing).
func (p *exprParser) trimFrom(f *FuncCall) (Expr, bool, error) {
	if len(f.Name.Parts) != 1 || !strings.EqualFold(f.Name.Parts[0], "TRIM") {
		return nil, false, nil
	}
	cp := p.lex.MakeCheckpoint()
	mode := "BOTH"
	if t := p.lex.Peek(); t.Type == tokIdent && (strings.EqualFold(t.Value, "BOTH") || strings.EqualFold(t.Value, "LEADING") || strings.EqualFold(t.Value, "TRAILING")) {
		mode = strings.ToUpper(t.Value)
		p.lex.Next()
	}
	var chars Expr
	if !isKeyword(p.lex.Peek(), "FROM") {
		x, err := p.operand(0)
		if err != nil || !isKeyword(p.lex.Peek(), "FROM") {
			p.lex.LoadCheckpoint(cp)
			return nil, false, nil
		}
		chars = x
	}
	p.lex.Next() // FROM
	x, err := p.operand(0)
	if err != nil {
		return nil, true, err
	}
	if _, err := p.expect(")"); err != nil {
		return nil, true, err
	}
	return &Trim{Pos: f.Pos, Mode: mode, Chars: chars, X: x}, true, nil
}
