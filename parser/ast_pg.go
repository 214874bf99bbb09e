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

// PostgreSQL type names accepted in x::type and, where T-SQL has no type of
// that name, in CAST(x AS type). The engine maps them onto its types:
//
//	int2, smallint → smallint;  int4, int, integer → int;  int8, bigint → bigint
//	numeric(p,s), decimal(p,s) → decimal(p,s); numeric → decimal sized to the value
//	real, float4 → real;  float8, float, double precision → float
//	text, varchar(n), character varying(n), char(n), bpchar, name → nvarchar / nchar
//	bool, boolean → bit;  bytea → varbinary(max) ('\x..' hex or escape format)
//	date → date;  timestamp [without time zone] → datetime2(6) (a zone is ignored)
//	timestamptz, timestamp with time zone → datetime2(6) in UTC
//	time [without time zone] → varchar holding hh:mm:ss[.ffffff]
//	uuid → uniqueidentifier;  json, jsonb → nvarchar(max)
