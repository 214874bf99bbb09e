package exec

import (
	"mirrordb/engine/govern"
	"mirrordb/engine/keys"
	"mirrordb/engine/plan"
	"mirrordb/sqlerr"
	"mirrordb/types"
	"strings"
)

// WindowSpec is one window function call.
type WindowSpec struct {
	Name      string
	Args      []Expr
	Partition []Expr
	Order     []OrderKey // x and desc
	// whole: the frame is the whole partition (no ORDER BY, or a frame to
	// UNBOUNDED FOLLOWING); rows: ROWS frame, where peers are not included
	// together as RANGE's are.
	Whole, Rows bool
	Agg         *AggSpec // for the aggregates
	T           types.Type
	Text        string
}

// rowContext is what a kept row's expressions read: its source row, or
// its group's keys and aggregate values.
type rowContext struct {
	row, keys, aggs []types.Value
}

func (c *rowContext) enter(e *Env) { e.Row, e.Keys, e.Aggs = c.row, c.keys, c.aggs }

// keepContext copies the current row's context.
func keepContext(e *Env, h *Holding) (rowContext, error) {
	c := rowContext{row: append([]types.Value(nil), e.Row...), keys: e.Keys, aggs: e.Aggs}
	return c, h.Grow(govern.RowSize(c.row) + 3*8)
}

// computeWindows returns each kept row's window function values.
func computeWindows(e *Env, h *Holding, specs []*WindowSpec, ctxs []rowContext) ([][]types.Value, error) {
	out := make([][]types.Value, len(ctxs))
	for i := range out {
		out[i] = make([]types.Value, len(specs))
	}
	if err := h.Grow(int64(len(ctxs)) * (int64(len(specs))*16 + 24)); err != nil {
		return nil, err
	}
	for si, w := range specs {
		if err := w.compute(e, ctxs, func(i int, v types.Value) { out[i][si] = v }); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// compute evaluates one window function over all rows, calling set with
// each row's value.
func (w *WindowSpec) compute(e *Env, ctxs []rowContext, set func(i int, v types.Value)) error {
	type keyed struct {
		i    int
		part string
		ord  []types.Value
	}
	rows := make([]keyed, len(ctxs))
	for i := range ctxs {
		ctxs[i].enter(e)
		var enc []byte
		for _, p := range w.Partition {
			v, err := p.Eval(e)
			if err != nil {
				return err
			}
			enc = keys.AppendValue(enc, v, types.TypeUnknown)
		}
		ord := make([]types.Value, len(w.Order))
		for j, o := range w.Order {
			v, err := o.X.Eval(e)
			if err != nil {
				return err
			}
			ord[j] = v
		}
		rows[i] = keyed{i: i, part: string(enc), ord: ord}
	}
	cmpOrd := func(a, b []types.Value) int {
		for j, o := range w.Order {
			c := CompareNullsFirst(a[j], b[j])
			if o.Desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	}
	if err := govern.SortStable(e.Gov, rows, func(a, b keyed) int {
		if c := strings.Compare(a.part, b.part); c != 0 {
			return c
		}
		return cmpOrd(a.ord, b.ord)
	}); err != nil {
		return err
	}
	for start := 0; start < len(rows); {
		end := start + 1
		for end < len(rows) && rows[end].part == rows[start].part {
			end++
		}
		part := rows[start:end]
		peers := func(k int) bool { return k > 0 && cmpOrd(part[k-1].ord, part[k].ord) == 0 }
		idx := make([]int, len(part))
		for k := range part {
			idx[k] = part[k].i
		}
		if err := w.partitionValues(e, ctxs, idx, peers, set); err != nil {
			return err
		}
		start = end
	}
	return nil
}

// partitionValues computes the function over one partition, its rows in
// window order (idx), peers(k) saying row k ties with row k-1.
func (w *WindowSpec) partitionValues(e *Env, ctxs []rowContext, idx []int, peers func(int) bool, set func(int, types.Value)) error {
	n := int64(len(idx))
	switch w.Name {
	case "ROW_NUMBER":
		for k, i := range idx {
			set(i, int64(k+1))
		}
		return nil
	case "RANK", "DENSE_RANK":
		var rank, dense int64
		for k, i := range idx {
			if !peers(k) {
				rank, dense = int64(k+1), dense+1
			}
			if w.Name == "RANK" {
				set(i, rank)
			} else {
				set(i, dense)
			}
		}
		return nil
	case "NTILE":
		ctxs[idx[0]].enter(e)
		v, err := w.Args[0].Eval(e)
		if err != nil {
			return err
		}
		buckets, _ := v.(int64)
		if buckets <= 0 {
			return sqlerr.New(4130)
		}
		size, extra := n/buckets, n%buckets
		bucket, left := int64(1), size
		if extra > 0 {
			left++
		}
		for _, i := range idx {
			if left == 0 {
				bucket++
				left = size
				if bucket <= extra {
					left++
				}
			}
			set(i, bucket)
			left--
		}
		return nil
	case "LAG", "LEAD":
		for k, i := range idx {
			ctxs[i].enter(e)
			off := int64(1)
			if len(w.Args) > 1 {
				v, err := w.Args[1].Eval(e)
				if err != nil {
					return err
				}
				if off, _ = v.(int64); v == nil || off < 0 {
					return sqlerr.New(8730)
				}
			}
			j := int64(k) - off
			if w.Name == "LEAD" {
				j = int64(k) + off
			}
			var val types.Value
			if j >= 0 && j < n {
				ctxs[idx[j]].enter(e)
				v, err := w.Args[0].Eval(e)
				if err != nil {
					return err
				}
				val = v
			} else if len(w.Args) == 3 {
				v, err := w.Args[2].Eval(e)
				if err != nil {
					return err
				}
				val = v
			}
			set(i, val)
		}
		return nil
	}
	return w.aggregateValues(e, ctxs, idx, peers, set)
}

// aggregateValues runs an aggregate over the frame: the whole partition,
// or from its start to the current row (and, for RANGE, its peers).
func (w *WindowSpec) aggregateValues(e *Env, ctxs []rowContext, idx []int, peers func(int) bool, set func(int, types.Value)) error {
	acc := NewAccumulators([]*AggSpec{w.Agg})[0]
	defer ReleaseAccumulators(e, []*Accumulator{acc})
	// step adds rows idx[k:end] and gives them the total so far.
	step := func(k, end int) error {
		for _, i := range idx[k:end] {
			ctxs[i].enter(e)
			if err := acc.Add(e); err != nil {
				return err
			}
		}
		v, err := acc.Result()
		if err != nil {
			return err
		}
		for _, i := range idx[k:end] {
			set(i, v)
		}
		return nil
	}
	if w.Whole {
		return step(0, len(idx))
	}
	for k := 0; k < len(idx); {
		end := k + 1
		if !w.Rows {
			for end < len(idx) && peers(end) {
				end++
			}
		}
		if err := step(k, end); err != nil {
			return err
		}
		k = end
	}
	return nil
}

// Window computes the window functions over every row its input
// gives, then emits each row again with its values in Env.Win. It holds
// each row's context (counted against the statement's memory).
type Window struct {
	In    Operator
	Specs []*WindowSpec
}

func (w *Window) Run(e *Env, emit func([]types.Value) error) error {
	var kept []rowContext
	h := Holding{Gov: e.Gov}
	defer h.Release()
	err := w.In.Run(e, func(row []types.Value) error {
		e.Row = row
		c, err := keepContext(e, &h)
		kept = append(kept, c)
		return err
	})
	if err != nil {
		return err
	}
	vals, err := computeWindows(e, &h, w.Specs, kept)
	if err != nil {
		return err
	}
	defer func() { e.Win = nil }()
	for i := range kept {
		if err := e.Gov.Check(); err != nil {
			return err
		}
		kept[i].enter(e)
		e.Win = vals[i]
		if err := emit(kept[i].row); err != nil {
			return err
		}
	}
	return nil
}

// explainWindows describes the window functions as SQL Server's plans do:
// a Sort by partition and order, a Segment per partition, then a Sequence
// Project for the ranking functions or a Window Spool and Stream Aggregate
// for the aggregates.
func (op *Window) Explain(x *Explainer, nm *Names) *plan.Node {
	n := op.In.Explain(x, nm)
	for _, w := range op.Specs {
		var keys, groups []string
		for _, e := range w.Partition {
			t := x.Text(e, nm)
			groups = append(groups, t)
			keys = append(keys, t+" ASC")
		}
		for _, o := range w.Order {
			dir := " ASC"
			if o.Desc {
				dir = " DESC"
			}
			keys = append(keys, x.Text(o.X, nm)+dir)
		}
		if len(keys) > 0 {
			n = x.Node("Sort", "Sort", "ORDER BY:("+strings.Join(keys, ", ")+")", n)
		}
		seg := ""
		if len(groups) > 0 {
			seg = "GROUP BY:(" + strings.Join(groups, ", ") + ")"
		}
		n = x.Node("Segment", "Segment", seg, n)
		name := x.NewExpr()
		nm.Wins = append(nm.Wins, name)
		var call string
		if w.Agg != nil {
			arg := "*"
			if w.Agg.Arg != nil {
				arg = x.Text(w.Agg.Arg, nm)
			}
			call = strings.ToUpper(w.Agg.Name[:1]) + strings.ToLower(w.Agg.Name[1:]) + "(" + arg + ")"
			n = x.Node("Window Spool", "Window Spool", "", n)
			def := name + "=" + call
			n = x.Node("Stream Aggregate", "Aggregate", "DEFINE:("+def+")", n)
			n.DefinedValues = def
			continue
		}
		args := make([]string, len(w.Args))
		for i, a := range w.Args {
			args[i] = x.Text(a, nm)
		}
		call = strings.ToLower(w.Name)
		if len(args) > 0 {
			call += "(" + strings.Join(args, ",") + ")"
		}
		def := name + "=" + call
		n = x.Node("Sequence Project", "Compute Scalar", "DEFINE:("+def+")", n)
		n.DefinedValues = def
	}
	return n
}
