package exec

import (
	"strings"

	"mirrordb/engine/govern"
	"mirrordb/engine/plan"
	"mirrordb/types"
)

// Sort orders its input by the ORDER BY values that follow the output
// columns of each row (NULLs first, as in SQL Server), and emits the
// output columns alone. The rows it holds count against the statement's
// memory; the sort stops when the statement must.
type Sort struct {
	In    Operator
	Keys  []OrderKey // their directions; the values sit at width+i
	Width int
}

func (s *Sort) Run(e *Env, emit func([]types.Value) error) error {
	var rows [][]types.Value
	h := Holding{Gov: e.Gov}
	defer h.Release()
	err := s.In.Run(e, func(row []types.Value) error {
		r := append([]types.Value(nil), row...)
		rows = append(rows, r)
		return h.Grow(govern.RowSize(r) + 8) // and its slot in rows
	})
	if err != nil {
		return err
	}
	base := s.Width
	err = govern.SortStable(e.Gov, rows, func(a, b []types.Value) int {
		for i, k := range s.Keys {
			c := CompareNullsFirst(a[base+i], b[base+i])
			if k.Desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := e.Gov.Check(); err != nil {
			return err
		}
		if err := emit(r[:base]); err != nil {
			return err
		}
	}
	return nil
}

func (s *Sort) Explain(x *Explainer, nm *Names) *plan.Node {
	in := s.In.Explain(x, nm)
	keys := make([]string, len(s.Keys))
	for i, k := range s.Keys {
		dir := " ASC"
		if k.Desc {
			dir = " DESC"
		}
		keys[i] = nm.OrderNames[i] + dir
	}
	return x.Node("Sort", "Sort", "ORDER BY:("+strings.Join(keys, ", ")+")", in)
}

// CompareNullsFirst orders values as ORDER BY does: NULLs first.
func CompareNullsFirst(x, y types.Value) int {
	switch {
	case x == nil && y == nil:
		return 0
	case x == nil:
		return -1
	case y == nil:
		return 1
	}
	return types.Compare(x, y)
}
