package exec

import (
	"strings"

	"mirrordb/engine/govern"
	"mirrordb/engine/plan"
	"mirrordb/types"
)

// Distinct passes the first of each set of equal output rows as it
// arrives (a flow distinct); the keys it has seen count against the
// statement's memory.
type Distinct struct {
	In    Operator
	Exprs []Expr // the select list: the compared columns, and their text in plans
}

func (d *Distinct) Run(e *Env, emit func([]types.Value) error) error {
	seen := map[string]struct{}{}
	var enc []byte
	width := len(d.Exprs)
	h := Holding{Gov: e.Gov}
	defer h.Release()
	return d.In.Run(e, func(row []types.Value) error {
		if err := e.Gov.Check(); err != nil {
			return err
		}
		enc = encodeRow(enc[:0], row[:width])
		if _, ok := seen[string(enc)]; ok {
			return nil
		}
		if err := h.Grow(int64(len(enc)) + govern.EntrySize); err != nil {
			return err // before the key is copied into the set
		}
		seen[string(enc)] = struct{}{}
		return emit(row)
	})
}

func (d *Distinct) Explain(x *Explainer, nm *Names) *plan.Node {
	in := d.In.Explain(x, nm)
	cols := make([]string, len(d.Exprs))
	for i, e := range d.Exprs {
		cols[i] = x.Text(e, nm)
	}
	n := x.Node("Hash Match", "Flow Distinct", "HASH:("+strings.Join(cols, ", ")+")", in)
	n.NamesLogical = true
	return n
}
