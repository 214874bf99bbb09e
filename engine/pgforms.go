package engine

import (
	"mirrordb/engine/exec"
	"mirrordb/session"
)

// The PostgreSQL forms drivers and ORMs generate, bound onto mirrordb's
// T-SQL meanings (docs/ARCHITECTURE.md, "What drivers send"): x::type with
// PostgreSQL's type names, true and false, and RETURNING (as OUTPUT, in
// output.go).

// resultColumn describes a result column; one that reads a table column
// unchanged carries the table's object_id and the column's number.
func resultColumn(name string, x exec.Expr) session.Column {
	c := session.Column{Name: name, Type: x.Type()}
	if col, ok := x.(*exec.ColRef); ok {
		c.TableOID, c.Attr = col.Origin.Table, col.Origin.Attr
	}
	return c
}
