package bind

import (
	"mirrordb/parser"
	"mirrordb/types"
)

// LiteralArgs gives each literal simple parameterization replaced its
// value and parameter type (appended to ts); false when one does not
// convert, and the statement must run with its literals.
func LiteralArgs(lits []parser.Literal, ts []types.Type) ([]types.Value, []types.Type, bool) {
	if len(lits) == 0 {
		return nil, ts, true
	}
	args := make([]types.Value, len(lits))
	for i := range lits {
		v, t, err := LiteralValue(&lits[i])
		if err != nil {
			return nil, nil, false
		}
		switch t.Kind {
		case types.VarChar:
			t = types.VarCharType(widen(t.Length, 8000))
		case types.NVarChar:
			t = types.NVarCharType(widen(t.Length, 4000))
		}
		args[i] = v
		ts = append(ts, t)
	}
	return args, ts, true
}

// widen is SQL Server's parameter width for a string literal of n
// characters: the type's largest non-MAX length, or MAX beyond it.
func widen(n int32, limit int) int {
	if int(n) > limit {
		return types.MaxLength
	}
	return limit
}

// ParamChecks collects, while a parameterized statement binds, the
// conversions of its parameters that binding a literal in their place
// would have checked at once: the plan cache checks them against each
// execution's values, so a cached plan fails where the literal would have.
type ParamChecks struct{ byParam [][]types.Type }

// Record notes that parameter n (0-based) is converted to t.
func (c *ParamChecks) Record(n int, t types.Type) {
	for len(c.byParam) <= n {
		c.byParam = append(c.byParam, nil)
	}
	for _, x := range c.byParam[n] {
		if x == t {
			return
		}
	}
	c.byParam[n] = append(c.byParam[n], t)
}

// ByParam lists, per parameter, the types it is converted to.
func (c *ParamChecks) ByParam() [][]types.Type { return c.byParam }
