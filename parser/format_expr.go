package parser

import (
	"strconv"
	"strings"
)

// Printing of expressions (see format.go). Binary operators print with one
// space around them, prefix operators without (except NOT, and a space
// where "- -1" would otherwise become a "--" comment).

func (e *Literal) String() string { return nodeString(e) }
func (e *Literal) format(b *strings.Builder) {
	switch e.Kind {
	case LitNull:
		b.WriteString("NULL")
	case LitString:
		writeString(b, e.Value)
	case LitNString:
		b.WriteByte('N')
		writeString(b, e.Value)
	case LitBinary:
		b.WriteString("0x")
		b.WriteString(e.Value)
	default:
		b.WriteString(e.Value)
	}
}

func (e *Default) String() string            { return "DEFAULT" }
func (e *Default) format(b *strings.Builder) { b.WriteString("DEFAULT") }

func (e *ColumnRef) String() string            { return nodeString(e) }
func (e *ColumnRef) format(b *strings.Builder) { writeParts(b, e.Parts) }

func (e *Param) String() string { return nodeString(e) }
func (e *Param) format(b *strings.Builder) {
	b.WriteByte('$')
	b.WriteString(strconv.Itoa(e.N))
}

func (e *Variable) String() string { return nodeString(e) }
func (e *Variable) format(b *strings.Builder) {
	b.WriteByte('@')
	b.WriteString(e.Name)
}

func (e *GlobalVar) String() string { return nodeString(e) }
func (e *GlobalVar) format(b *strings.Builder) {
	b.WriteString("@@")
	b.WriteString(e.Name)
}

func (e *Unary) String() string { return nodeString(e) }
func (e *Unary) format(b *strings.Builder) {
	b.WriteString(e.Op)
	if e.Op == "NOT" {
		b.WriteByte(' ')
		writeExpr(b, e.X)
		return
	}
	x := nodeString(e.X.(formatter))
	if strings.HasPrefix(x, "-") || strings.HasPrefix(x, "+") {
		b.WriteByte(' ')
	}
	b.WriteString(x)
}

func (e *Binary) String() string { return nodeString(e) }
func (e *Binary) format(b *strings.Builder) {
	writeExpr(b, e.L)
	b.WriteByte(' ')
	b.WriteString(e.Op)
	b.WriteByte(' ')
	writeExpr(b, e.R)
}

// niladic lists the functions written without parentheses.
var niladic = map[string]bool{
	"CURRENT_TIMESTAMP": true, "CURRENT_USER": true, "SESSION_USER": true,
	"SYSTEM_USER": true, "USER": true,
}

// keywordFuncs are the reserved words that are also function names.
var keywordFuncs = map[string]bool{"COALESCE": true, "NULLIF": true, "LEFT": true, "RIGHT": true}

func (e *FuncCall) String() string { return nodeString(e) }
func (e *FuncCall) format(b *strings.Builder) {
	parts := e.Name.Parts
	switch {
	case len(parts) == 1 && (e.NoParens && niladic[parts[0]] || !e.NoParens && keywordFuncs[parts[0]]):
		b.WriteString(parts[0])
	case len(parts) == 1 && (strings.EqualFold(parts[0], "CAST") || strings.EqualFold(parts[0], "TRY_CAST")):
		// Bracketed, or it would read back as CAST(x AS type).
		b.WriteString("[" + parts[0] + "]")
	default:
		writeParts(b, parts)
	}
	if e.NoParens {
		return
	}
	b.WriteByte('(')
	switch {
	case e.Star:
		b.WriteByte('*')
	case e.Distinct:
		b.WriteString("DISTINCT ")
		writeExprs(b, e.Args)
	default:
		writeExprs(b, e.Args)
	}
	b.WriteByte(')')
	if e.Over != nil {
		e.Over.format(b)
	}
}

func (e *Cast) String() string { return nodeString(e) }
func (e *Cast) format(b *strings.Builder) {
	if e.PG {
		writeExpr(b, e.X)
		b.WriteString("::")
		e.To.format(b)
		return
	}
	if e.Try {
		b.WriteString("TRY_CAST(")
	} else {
		b.WriteString("CAST(")
	}
	writeExpr(b, e.X)
	b.WriteString(" AS ")
	e.To.format(b)
	b.WriteByte(')')
}

func (e *Convert) String() string { return nodeString(e) }
func (e *Convert) format(b *strings.Builder) {
	if e.Try {
		b.WriteString("TRY_CONVERT(")
	} else {
		b.WriteString("CONVERT(")
	}
	e.To.format(b)
	b.WriteString(", ")
	writeExpr(b, e.X)
	if e.Style != nil {
		b.WriteString(", ")
		writeExpr(b, e.Style)
	}
	b.WriteByte(')')
}

func (e *Case) String() string { return nodeString(e) }
func (e *Case) format(b *strings.Builder) {
	b.WriteString("CASE")
	if e.Operand != nil {
		b.WriteByte(' ')
		writeExpr(b, e.Operand)
	}
	for _, w := range e.Whens {
		b.WriteByte(' ')
		w.format(b)
	}
	if e.Else != nil {
		b.WriteString(" ELSE ")
		writeExpr(b, e.Else)
	}
	b.WriteString(" END")
}

func (w *When) String() string { return nodeString(w) }
func (w *When) format(b *strings.Builder) {
	b.WriteString("WHEN ")
	writeExpr(b, w.Cond)
	b.WriteString(" THEN ")
	writeExpr(b, w.Result)
}

func writeNot(b *strings.Builder, not bool, op string) {
	if not {
		b.WriteString(" NOT")
	}
	b.WriteString(op)
}

func (e *InList) String() string { return nodeString(e) }
func (e *InList) format(b *strings.Builder) {
	writeExpr(b, e.X)
	writeNot(b, e.Not, " IN (")
	if e.Subquery != nil {
		e.Subquery.format(b)
	} else {
		writeExprs(b, e.List)
	}
	b.WriteByte(')')
}

func (e *Between) String() string { return nodeString(e) }
func (e *Between) format(b *strings.Builder) {
	writeExpr(b, e.X)
	writeNot(b, e.Not, " BETWEEN ")
	writeExpr(b, e.Lo)
	b.WriteString(" AND ")
	writeExpr(b, e.Hi)
}

func (e *Like) String() string { return nodeString(e) }
func (e *Like) format(b *strings.Builder) {
	writeExpr(b, e.X)
	writeNot(b, e.Not, " LIKE ")
	writeExpr(b, e.Pattern)
	if e.Escape != nil {
		b.WriteString(" ESCAPE ")
		writeExpr(b, e.Escape)
	}
}

func (e *IsNull) String() string { return nodeString(e) }
func (e *IsNull) format(b *strings.Builder) {
	writeExpr(b, e.X)
	if e.Not {
		b.WriteString(" IS NOT NULL")
	} else {
		b.WriteString(" IS NULL")
	}
}

func (e *Subquery) String() string { return nodeString(e) }
func (e *Subquery) format(b *strings.Builder) {
	b.WriteByte('(')
	e.Select.format(b)
	b.WriteByte(')')
}

func (e *Exists) String() string { return nodeString(e) }
func (e *Exists) format(b *strings.Builder) {
	b.WriteString("EXISTS (")
	e.Select.format(b)
	b.WriteByte(')')
}

func (e *Paren) String() string { return nodeString(e) }
func (e *Paren) format(b *strings.Builder) {
	b.WriteByte('(')
	writeExpr(b, e.X)
	b.WriteByte(')')
}
