package engine

import (
	"strings"

	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// The PostgreSQL forms drivers and ORMs generate, bound onto mirrordb's
// T-SQL meanings (docs/ARCHITECTURE.md, "What drivers send"): x::type with
// PostgreSQL's type names, true and false, and RETURNING (as OUTPUT, in
// output.go).

// castTarget resolves the type of a cast. x::type tries PostgreSQL's names
// first and then T-SQL's (x::nvarchar(10) works too); CAST tries T-SQL's
// first, then PostgreSQL's for a name T-SQL does not know, except
// TIMESTAMP, which T-SQL reserves for rowversion.
func castTarget(tn parser.TypeName, pg bool) (types.Type, types.PGInput, error) {
	if pg {
		if t, in, ok, err := types.FromPGName(tn.Name, tn.Args); ok {
			return t, in, err
		}
		return tsqlCastType(tn)
	}
	t, _, err := tsqlCastType(tn)
	if sqlerr.Is(err, 2715) && !strings.EqualFold(tn.Name, "TIMESTAMP") {
		if pt, in, ok, perr := types.FromPGName(tn.Name, tn.Args); ok {
			return pt, in, perr
		}
	}
	return t, types.PGPlain, err
}

// tsqlCastType is T-SQL's reading of a cast's type, where a character or
// binary type without a length means 30.
func tsqlCastType(tn parser.TypeName) (types.Type, types.PGInput, error) {
	args := tn.Args
	switch strings.ToUpper(tn.Name) {
	case "CHAR", "VARCHAR", "NCHAR", "NVARCHAR", "BINARY", "VARBINARY", "CHARACTER":
		if len(args) == 0 && !tn.Max {
			args = []int{30} // CAST(x AS VARCHAR) means VARCHAR(30)
		}
	}
	t, err := types.FromName(tn.Name, args, tn.Max)
	return t, types.PGPlain, err
}

// numericTarget sizes numeric without (p,s) by its operand, as
// PostgreSQL's unconstrained numeric keeps every digit: an exact operand
// keeps its own precision and scale, a text constant its digits, anything
// else gets 38 digits with 10 after the point.
func numericTarget(v exec.Expr) types.Type {
	t := v.Type()
	switch {
	case t.Kind == types.Decimal:
		return t
	case t.Kind.IsInteger() || t.Kind == types.Bit:
		p, _ := t.PrecisionScale()
		return types.DecimalType(p, 0)
	}
	if c, ok := v.(*exec.Const); ok {
		if s, ok := c.V.(string); ok {
			if d, ok := types.ParseDec(strings.TrimSpace(s)); ok && d.Digits() <= types.MaxDecPrecision {
				return types.DecimalType(max(d.Digits(), int(d.Scale), 1), int(d.Scale))
			}
		}
	}
	return types.DecimalType(types.MaxDecPrecision, 10)
}

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

// boolLiteral reads PostgreSQL's true and false where no column of that
// name is in scope (a column named true wins, as T-SQL reads the word): a
// bit constant, 1 or 0. T-SQL has no boolean type, so SELECT true returns
// a bit column and WHERE flag = true compares a bit column with 1.
func boolLiteral(ref *parser.ColumnRef) (exec.Expr, bool) {
	if len(ref.Parts) != 1 {
		return nil, false
	}
	switch strings.ToLower(ref.Parts[0]) {
	case "true":
		return &exec.Const{V: true, T: types.TypeBit}, true
	case "false":
		return &exec.Const{V: false, T: types.TypeBit}, true
	}
	return nil, false
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
