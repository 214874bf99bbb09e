package parser

import "strings"

// Output is T-SQL's OUTPUT clause of INSERT, UPDATE and DELETE, or
// PostgreSQL's RETURNING (Returning set), which mirrordb reads as OUTPUT.
// In OUTPUT, columns are qualified inserted.c / deleted.c; in RETURNING an
// unqualified column (or one qualified by the table's name) is the row as
// the statement left it: inserted for INSERT and UPDATE, deleted for
// DELETE.
type Output struct {
	Pos
	Items     []*SelectItem
	Returning bool
}

func (o *Output) String() string { return nodeString(o) }
func (o *Output) format(b *strings.Builder) {
	kw := "OUTPUT "
	if o.Returning {
		kw = "RETURNING "
	}
	b.WriteString(kw)
	writeSelectItems(b, o.Items)
}

// writeOutput prints o before the clause it precedes (OUTPUT) or at the end
// (RETURNING, end set).
func writeOutput(b *strings.Builder, o *Output, end bool) {
	if o != nil && o.Returning == end {
		b.WriteByte(' ')
		o.format(b)
	}
}
