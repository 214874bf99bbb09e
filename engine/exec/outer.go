package exec

import "mirrordb/types"

// OuterRef reads column Idx of an enclosing query's row (Env.Outer) at
// stack Level: a correlated subquery's reference to the row it runs for.
type OuterRef struct {
	Level int
	Idx   int
	T     types.Type
	Name  string // as written, for plans
}

func (c *OuterRef) Explain(*Explainer, *Names) string { return c.Name }

func (c *OuterRef) Type() types.Type { return c.T }

func (c *OuterRef) Eval(e *Env) (types.Value, error) {
	return e.Outer[c.Level][c.Idx], nil
}
