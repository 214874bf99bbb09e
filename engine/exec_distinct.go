package engine

import (
	"strings"

	"mirrordb/engine/exec"
	"mirrordb/engine/govern"
	"mirrordb/engine/keys"
	"mirrordb/engine/plan"
	"mirrordb/types"
)

// distinctOp passes the first of each set of equal output rows as it
// arrives (a flow distinct); the keys it has seen count against the
// statement's memory.
type distinctOp struct {
	in    operator
	exprs []exec.Expr // the select list: the compared columns, and their text in plans
}

func (d *distinctOp) run(e *exec.Env, emit func([]types.Value) error) error {
	seen := map[string]struct{}{}
	var enc []byte
	width := len(d.exprs)
	h := holding{gov: e.Gov}
	defer h.release()
	return d.in.run(e, func(row []types.Value) error {
		if err := e.Gov.Check(); err != nil {
			return err
		}
		enc = enc[:0]
		for _, v := range row[:width] {
			enc = keys.AppendValue(enc, v, types.TypeUnknown)
		}
		if _, ok := seen[string(enc)]; ok {
			return nil
		}
		if err := h.grow(int64(len(enc)) + govern.EntrySize); err != nil {
			return err // before the key is copied into the set
		}
		seen[string(enc)] = struct{}{}
		return emit(row)
	})
}

func (d *distinctOp) explain(x *explainer, nm *names) *plan.Node {
	in := d.in.explain(x, nm)
	cols := make([]string, len(d.exprs))
	for i, e := range d.exprs {
		cols[i] = x.text(e, nm)
	}
	n := x.node("Hash Match", "Flow Distinct", "HASH:("+strings.Join(cols, ", ")+")", in)
	n.NamesLogical = true
	return n
}
