package exec

import (
	"strings"

	"mirrordb/engine/plan"
	"mirrordb/types"
)

// SrfValues is the list a set-returning item yields for one row.
type SrfValues []types.Value

// SetReturning is a set-returning function of a select list: its Eval
// gives the row's SrfValues.
type SetReturning interface {
	Expr
	// Held is what a list of n elements holds against the statement's
	// memory, adopted by ProjectSet until the row has been expanded.
	Held(n int) int64
}

// ProjectSet computes the lists of the select list's set-returning functions
// for each row and passes the row on once per element, with the elements
// in Env.Srf; a row whose lists are all empty yields none. A row's
// lists are given back once it has been expanded.
type ProjectSet struct {
	In   Operator
	Srfs []SetReturning
}

func (s *ProjectSet) Run(e *Env, emit func([]types.Value) error) error {
	lists := make([]SrfValues, len(s.Srfs))
	vals := make([]types.Value, len(s.Srfs))
	h := Holding{Gov: e.Gov}
	defer func() { e.Srf = nil; h.Release() }()
	return s.In.Run(e, func(row []types.Value) error {
		e.Row = row
		h.Release() // the previous row's lists
		n := 0
		for i, f := range s.Srfs {
			v, err := f.Eval(e)
			if err != nil {
				return err
			}
			lists[i], _ = v.(SrfValues)
			h.Adopt(f.Held(len(lists[i])))
			n = max(n, len(lists[i]))
		}
		e.Srf = vals
		for k := 0; k < n; k++ {
			if err := e.Gov.Check(); err != nil {
				return err // one row may expand into very many
			}
			for i, l := range lists {
				vals[i] = nil
				if k < len(l) {
					vals[i] = l[k]
				}
			}
			if err := emit(row); err != nil {
				return err
			}
		}
		return nil
	})
}

// Explain defines each function's element as PostgreSQL's ProjectSet does.
func (s *ProjectSet) Explain(x *Explainer, nm *Names) *plan.Node {
	in := s.In.Explain(x, nm)
	defs := make([]string, len(s.Srfs))
	for i, f := range s.Srfs {
		name := x.NewExpr()
		nm.Srfs = append(nm.Srfs, name)
		defs[i] = name + "=" + x.Text(f, nm)
	}
	n := x.Node("Project Set", "Project Set", "DEFINE:("+strings.Join(defs, ", ")+")", in)
	n.DefinedValues = strings.Join(defs, ", ")
	return n
}
