package engine

import (
	"strings"

	"mirrordb/engine/exec"
	"mirrordb/engine/govern"
	"mirrordb/engine/plan"
	"mirrordb/types"
)

// sortOp orders its input by the ORDER BY values that follow the output
// columns of each row (NULLs first, as in SQL Server), and emits the
// output columns alone. The rows it holds count against the statement's
// memory; the sort stops when the statement must.
type sortOp struct {
	in    operator
	keys  []orderKey // their directions; the values sit at width+i
	width int
}

func (s *sortOp) run(e *exec.Env, emit func([]types.Value) error) error {
	var rows [][]types.Value
	h := holding{gov: e.Gov}
	defer h.release()
	err := s.in.run(e, func(row []types.Value) error {
		r := append([]types.Value(nil), row...)
		rows = append(rows, r)
		return h.grow(govern.RowSize(r) + 8) // and its slot in rows
	})
	if err != nil {
		return err
	}
	base := s.width
	err = govern.SortStable(e.Gov, rows, func(a, b []types.Value) int {
		for i, k := range s.keys {
			c := compareNullsFirst(a[base+i], b[base+i])
			if k.desc {
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

func (s *sortOp) explain(x *explainer, nm *names) *plan.Node {
	in := s.in.explain(x, nm)
	keys := make([]string, len(s.keys))
	for i, k := range s.keys {
		dir := " ASC"
		if k.desc {
			dir = " DESC"
		}
		keys[i] = nm.orderNames[i] + dir
	}
	return x.node("Sort", "Sort", "ORDER BY:("+strings.Join(keys, ", ")+")", in)
}
