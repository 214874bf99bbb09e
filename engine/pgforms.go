package engine

import (
	"mirrordb/engine/exec"
	"mirrordb/session"
	"mirrordb/types"
)

// The PostgreSQL forms drivers and ORMs generate, bound onto mirrordb's
// T-SQL meanings (docs/ARCHITECTURE.md, "What drivers send"): x::type with
// PostgreSQL's type names, true and false, and RETURNING (as OUTPUT, in
// output.go).

// pgInputExpr applies a PostgreSQL type's text input (bytea's hex form, a
// timestamptz's zone, a time of day) before the cast converts the value.
type pgInputExpr struct {
	x  exec.Expr
	in types.PGInput
}

func (p *pgInputExpr) Type() types.Type {
	if k := p.x.Type().Kind; !k.IsString() && k != types.Unknown {
		return p.x.Type()
	}
	switch p.in {
	case types.PGBytea:
		return types.VarBinaryType(types.MaxLength)
	case types.PGTimestampTZ:
		return types.DateTime2Type(7)
	}
	return p.x.Type() // PGBool: a string that may have become a bool, which converts to bit alike
}

func (p *pgInputExpr) Eval(e *exec.Env) (types.Value, error) {
	v, err := p.x.Eval(e)
	if err != nil || v == nil {
		return v, err
	}
	return types.PGInputValue(v, p.in)
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
