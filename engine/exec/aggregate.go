package exec

import (
	"strings"

	"mirrordb/engine/govern"
	"mirrordb/engine/keys"
	"mirrordb/engine/plan"
	"mirrordb/types"
)

// Aggregate groups its input by the GROUP BY values and emits one row
// per group, with Env.Keys and Env.Aggs holding the group's values (and
// no source row). Groups are found by hashing their encoded keys (one
// integer column: by its value, without encoding), or, when the rows of
// a group arrive together (a stream aggregate, opt.PlanSelect), each group is
// emitted as soon as the next begins, so a TOP above stops the read and
// only one group is held. Without GROUP BY there is one group, even over
// no rows. Held groups count against the statement's memory.
type Aggregate struct {
	In           Operator
	GroupBy      []Expr
	Aggs         []*AggSpec
	GroupsArrive bool
}

// aggGroup is one group: its GROUP BY values and its running aggregates.
type aggGroup struct {
	keys []types.Value
	accs []*Accumulator
}

// groupSize is what a held group counts against the statement's memory.
func groupSize(enc []byte, gr *aggGroup) int64 {
	return int64(len(enc)) + govern.EntrySize + govern.RowSize(gr.keys) + accumulatorSize*int64(len(gr.accs))
}

func (a *Aggregate) Run(e *Env, emit func([]types.Value) error) error {
	groups := map[string]*aggGroup{}
	intGroups := map[int64]*aggGroup{} // one integer GROUP BY column: no encoding
	var small [256]*aggGroup           // and its values 0..255 without hashing
	oneInt := len(a.GroupBy) == 1 && a.GroupBy[0].Type().Kind.IsInteger() && !a.GroupsArrive
	var order []*aggGroup // the hashed groups in the order they began
	var cur *aggGroup     // the stream aggregate's group
	var curSize int64
	var enc, last []byte // a row's group key encoded; the current group's (stream aggregate)
	kv := make([]types.Value, len(a.GroupBy))
	h := Holding{Gov: e.Gov}
	defer h.Release()
	defer func() { // and what the groups' aggregates hold
		for _, gr := range order {
			ReleaseAccumulators(e, gr.accs)
		}
		if cur != nil {
			ReleaseAccumulators(e, cur.accs)
		}
	}()
	err := a.In.Run(e, func(row []types.Value) error {
		e.Row = row
		enc = enc[:0]
		for i, g := range a.GroupBy {
			v, err := g.Eval(e)
			if err != nil {
				return err
			}
			kv[i] = v
			if !oneInt {
				enc = keys.AppendValue(enc, v, g.Type())
			}
		}
		var n int64
		isInt := false
		if oneInt {
			if n, isInt = kv[0].(int64); !isInt {
				enc = keys.AppendValue(enc, kv[0], a.GroupBy[0].Type()) // NULL
			}
		}
		var gr *aggGroup
		switch {
		case isInt:
			if uint64(n) < uint64(len(small)) {
				gr = small[n]
			} else {
				gr = intGroups[n]
			}
		case a.GroupsArrive:
			if cur != nil && string(last) == string(enc) {
				gr = cur
			}
		default:
			gr = groups[string(enc)]
		}
		if gr == nil {
			if a.GroupsArrive && cur != nil {
				if err := a.emitGroup(e, cur, emit); err != nil {
					return err
				}
				h.Give(curSize)
				ReleaseAccumulators(e, cur.accs)
				e.Row = row
			}
			gr = &aggGroup{keys: append([]types.Value(nil), kv...), accs: NewAccumulators(a.Aggs)}
			size := groupSize(enc, gr)
			switch {
			case isInt:
				if uint64(n) < uint64(len(small)) {
					small[n] = gr
				} else {
					intGroups[n] = gr
				}
				order = append(order, gr)
			case a.GroupsArrive:
				last = append(last[:0], enc...)
				cur, curSize = gr, size
			default:
				groups[string(enc)] = gr
				order = append(order, gr)
			}
			if err := h.Grow(size); err != nil {
				return err
			}
		}
		for _, acc := range gr.accs {
			if err := acc.Add(e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if cur != nil {
		order = append(order, cur)
	}
	if len(order) == 0 && len(a.GroupBy) == 0 { // aggregate over no rows: one group
		order = append(order, &aggGroup{accs: NewAccumulators(a.Aggs)})
	}
	for _, gr := range order {
		if err := a.emitGroup(e, gr, emit); err != nil {
			return err
		}
	}
	return nil
}

// emitGroup finishes a group's aggregates and emits it.
func (a *Aggregate) emitGroup(e *Env, gr *aggGroup, emit func([]types.Value) error) error {
	if err := e.Gov.Check(); err != nil {
		return err
	}
	e.Row, e.Keys = nil, gr.keys
	e.Aggs = make([]types.Value, len(gr.accs))
	for i, acc := range gr.accs {
		v, err := acc.Result()
		if err != nil {
			return err
		}
		e.Aggs[i] = v
	}
	return emit(nil)
}

// Explain describes the grouping as it runs: with GROUP BY, a hash table
// of groups, or a stream aggregate when the groups arrive in order;
// without, one running group (a stream aggregate).
func (a *Aggregate) Explain(x *Explainer, nm *Names) *plan.Node {
	in := a.In.Explain(x, nm)
	for _, g := range a.GroupBy {
		nm.Groups = append(nm.Groups, x.Text(g, nm))
	}
	var defined []string
	for _, ag := range a.Aggs {
		name := x.NewExpr()
		nm.Aggs = append(nm.Aggs, name)
		call := ag.Name
		if call == "COUNT" {
			call = "Count" // as SQL Server prints it
		}
		switch {
		case ag.Arg == nil:
			call += "(*)"
		case ag.Distinct:
			call += "(DISTINCT " + x.Text(ag.Arg, nm) + ")"
		default:
			call += "(" + x.Text(ag.Arg, nm) + ")"
		}
		defined = append(defined, name+"="+call)
	}
	var n *plan.Node
	if len(a.GroupBy) == 0 {
		arg := ""
		if len(defined) > 0 {
			arg = "DEFINE:(" + strings.Join(defined, ", ") + ")"
		}
		n = x.Node("Stream Aggregate", "Aggregate", arg, in)
		n.EstimateRows, n.Estimated = 1, true
	} else if a.GroupsArrive {
		arg := "GROUP BY:(" + strings.Join(nm.Groups, ", ") + ")"
		if len(defined) > 0 {
			arg += " DEFINE:(" + strings.Join(defined, ", ") + ")"
		}
		n = x.Node("Stream Aggregate", "Aggregate", arg, in)
	} else {
		arg := "HASH:(" + strings.Join(nm.Groups, ", ") + ")"
		if len(defined) > 0 {
			arg += ", DEFINE:(" + strings.Join(defined, ", ") + ")"
		}
		n = x.Node("Hash Match", "Aggregate", arg, in)
		n.NamesLogical = true
	}
	n.DefinedValues = strings.Join(defined, ", ")
	return n
}
