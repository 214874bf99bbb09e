package bind

import (
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
	"strings"
)

// CastTarget resolves the type of a cast. x::type tries PostgreSQL's names
// first and then T-SQL's (x::nvarchar(10) works too); CAST tries T-SQL's
// first, then PostgreSQL's for a name T-SQL does not know, except
// TIMESTAMP, which T-SQL reserves for rowversion.
func CastTarget(tn parser.TypeName, pg bool) (types.Type, types.PGInput, error) {
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

// NumericTarget sizes numeric without (p,s) by its operand, as
// PostgreSQL's unconstrained numeric keeps every digit: an exact operand
// keeps its own precision and scale, a text constant its digits, anything
// else gets 38 digits with 10 after the point.
func NumericTarget(v exec.Expr) types.Type {
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
