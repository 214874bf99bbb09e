package engine

import (
	"strings"

	"mirrordb/engine/exec"
	"mirrordb/engine/govern"
	"mirrordb/engine/keys"
	"mirrordb/engine/plan"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// Window functions: ROW_NUMBER, RANK, DENSE_RANK, NTILE, LAG, LEAD and the
// aggregates with OVER (PARTITION BY ... ORDER BY ... [frame]). They run
// after WHERE, GROUP BY and HAVING, over the rows the query would return:
// windowOp keeps each row's context (its source row, or its group's keys
// and aggregates), computes every window function over all rows, then
// passes each row on to the projection with its values in env.win. The
// kept rows count against the statement's memory.

// windowOnly are the functions that need OVER.
var windowOnly = map[string]bool{"ROW_NUMBER": true, "RANK": true, "DENSE_RANK": true, "NTILE": true, "LAG": true, "LEAD": true}

// windowContext collects the window functions of one query's select list
// and ORDER BY; nested marks the arguments of one, where another is 4109.
type windowContext struct {
	specs  []*windowSpec
	nested bool
}

// windowSpec is one window function call.
type windowSpec struct {
	name      string
	args      []exec.Expr
	partition []exec.Expr
	order     []exec.OrderKey // x and desc
	// whole: the frame is the whole partition (no ORDER BY, or a frame to
	// UNBOUNDED FOLLOWING); rows: ROWS frame, where peers are not included
	// together as RANGE's are.
	whole, rows bool
	agg         *exec.AggSpec // for the aggregates
	t           types.Type
	text        string
}

// bindWindow binds a call with OVER (or one of the functions that need it).
func (b *binder) bindWindow(x *parser.FuncCall, name string, sc *scope, agg *aggContext) (exec.Expr, error) {
	if x.Over == nil {
		return nil, b.errAt(x, sqlerr.New(10753, strings.ToLower(name)))
	}
	isAggregate := aggregateNames[name] && len(x.Name.Parts) == 1
	switch {
	case !windowOnly[name] && !isAggregate:
		return nil, b.errAt(x, sqlerr.New(4113, x.Name.Object()))
	case x.Distinct:
		return nil, b.errAt(x, sqlerr.New(10759))
	}
	wc := b.win
	switch {
	case wc == nil:
		return nil, b.errAt(x, sqlerr.New(4108))
	case wc.nested:
		return nil, b.errAt(x, sqlerr.New(4109))
	}
	text := x.String()
	for i, s := range wc.specs {
		if s.text == text {
			return &exec.WinRef{Idx: i, T: s.t}, nil
		}
	}
	b.win = &windowContext{nested: true}
	defer func() { b.win = wc }()
	w := &windowSpec{name: name, text: text, whole: len(x.Over.OrderBy) == 0}
	for _, p := range x.Over.PartitionBy {
		v, err := b.bindExpr(p, sc, agg, types.TypeUnknown)
		if err != nil {
			return nil, err
		}
		w.partition = append(w.partition, v)
	}
	for _, o := range x.Over.OrderBy {
		v, err := b.bindExpr(o.Expr, sc, agg, types.TypeUnknown)
		if err != nil {
			return nil, err
		}
		w.order = append(w.order, exec.OrderKey{Col: -1, X: v, Desc: o.Desc})
	}
	switch frame := x.Over.Frame; frame {
	case "":
	case "ROWS UNBOUNDED PRECEDING", "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW":
		w.rows = true
	case "RANGE UNBOUNDED PRECEDING", "RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW":
	case "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING", "RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING":
		w.whole = true
	default:
		return nil, b.errAt(x.Over, sqlerr.New(40517, frame))
	}
	if windowOnly[name] {
		if len(x.Over.OrderBy) == 0 {
			return nil, b.errAt(x, sqlerr.New(4112, strings.ToLower(name)))
		}
		if err := b.bindWindowArgs(x, name, w, sc, agg); err != nil {
			return nil, err
		}
	} else {
		spec, err := b.windowAggregate(x, name, sc, agg)
		if err != nil {
			return nil, err
		}
		w.agg, w.t = spec, spec.T
	}
	wc.specs = append(wc.specs, w)
	return &exec.WinRef{Idx: len(wc.specs) - 1, T: w.t}, nil
}

// windowAggregate binds an aggregate used with OVER. Its argument is
// bound like a select item's: over a grouped query it may itself hold
// aggregates (SUM(SUM(x)) OVER ()).
func (b *binder) windowAggregate(x *parser.FuncCall, name string, sc *scope, agg *aggContext) (*exec.AggSpec, error) {
	return b.aggregateSpec(x, name, func(a parser.Expr) (exec.Expr, error) {
		return b.bindExpr(a, sc, agg, types.TypeUnknown)
	})
}

// bindWindowArgs binds the arguments of the ranking and offset functions.
func (b *binder) bindWindowArgs(x *parser.FuncCall, name string, w *windowSpec, sc *scope, agg *aggContext) error {
	want := map[string][2]int{"ROW_NUMBER": {0, 0}, "RANK": {0, 0}, "DENSE_RANK": {0, 0}, "NTILE": {1, 1}, "LAG": {1, 3}, "LEAD": {1, 3}}[name]
	if len(x.Args) < want[0] || len(x.Args) > want[1] {
		if want[0] == want[1] {
			return b.errAt(x, sqlerr.New(174, strings.ToLower(name), want[0]))
		}
		return b.errAt(x, sqlerr.New(189, strings.ToLower(name), want[0], want[1]))
	}
	w.t = types.TypeBigInt
	for i, a := range x.Args {
		hint := types.TypeBigInt
		if i == 0 && name != "NTILE" || i == 2 {
			hint = types.TypeUnknown
		}
		v, err := b.bindExpr(a, sc, agg, hint)
		if err != nil {
			return err
		}
		if hint == types.TypeBigInt {
			v = exec.Coerce(v, types.TypeBigInt)
		}
		w.args = append(w.args, v)
	}
	if name == "LAG" || name == "LEAD" {
		w.t = w.args[0].Type()
		if len(w.args) == 3 {
			d, err := b.coerceChecked(x, w.args[2], w.t)
			if err != nil {
				return err
			}
			w.args[2] = d
		}
	}
	return nil
}

// rowContext is what a kept row's expressions read: its source row, or
// its group's keys and aggregate values.
type rowContext struct {
	row, keys, aggs []types.Value
}

func (c *rowContext) enter(e *exec.Env) { e.Row, e.Keys, e.Aggs = c.row, c.keys, c.aggs }

// keepContext copies the current row's context.
func keepContext(e *exec.Env, h *exec.Holding) (rowContext, error) {
	c := rowContext{row: append([]types.Value(nil), e.Row...), keys: e.Keys, aggs: e.Aggs}
	return c, h.Grow(govern.RowSize(c.row) + 3*8)
}

// computeWindows returns each kept row's window function values.
func computeWindows(e *exec.Env, h *exec.Holding, specs []*windowSpec, ctxs []rowContext) ([][]types.Value, error) {
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
func (w *windowSpec) compute(e *exec.Env, ctxs []rowContext, set func(i int, v types.Value)) error {
	type keyed struct {
		i    int
		part string
		ord  []types.Value
	}
	rows := make([]keyed, len(ctxs))
	for i := range ctxs {
		ctxs[i].enter(e)
		var enc []byte
		for _, p := range w.partition {
			v, err := p.Eval(e)
			if err != nil {
				return err
			}
			enc = keys.AppendValue(enc, v, types.TypeUnknown)
		}
		ord := make([]types.Value, len(w.order))
		for j, o := range w.order {
			v, err := o.X.Eval(e)
			if err != nil {
				return err
			}
			ord[j] = v
		}
		rows[i] = keyed{i: i, part: string(enc), ord: ord}
	}
	cmpOrd := func(a, b []types.Value) int {
		for j, o := range w.order {
			c := exec.CompareNullsFirst(a[j], b[j])
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
func (w *windowSpec) partitionValues(e *exec.Env, ctxs []rowContext, idx []int, peers func(int) bool, set func(int, types.Value)) error {
	n := int64(len(idx))
	switch w.name {
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
			if w.name == "RANK" {
				set(i, rank)
			} else {
				set(i, dense)
			}
		}
		return nil
	case "NTILE":
		ctxs[idx[0]].enter(e)
		v, err := w.args[0].Eval(e)
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
			if len(w.args) > 1 {
				v, err := w.args[1].Eval(e)
				if err != nil {
					return err
				}
				if off, _ = v.(int64); v == nil || off < 0 {
					return sqlerr.New(8730)
				}
			}
			j := int64(k) - off
			if w.name == "LEAD" {
				j = int64(k) + off
			}
			var val types.Value
			if j >= 0 && j < n {
				ctxs[idx[j]].enter(e)
				v, err := w.args[0].Eval(e)
				if err != nil {
					return err
				}
				val = v
			} else if len(w.args) == 3 {
				v, err := w.args[2].Eval(e)
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
func (w *windowSpec) aggregateValues(e *exec.Env, ctxs []rowContext, idx []int, peers func(int) bool, set func(int, types.Value)) error {
	acc := exec.NewAccumulators([]*exec.AggSpec{w.agg})[0]
	defer exec.ReleaseAccumulators(e, []*exec.Accumulator{acc})
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
	if w.whole {
		return step(0, len(idx))
	}
	for k := 0; k < len(idx); {
		end := k + 1
		if !w.rows {
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

// windowOp computes the window functions over every row its input
// gives, then emits each row again with its values in env.win. It holds
// each row's context (counted against the statement's memory).
type windowOp struct {
	in    exec.Operator
	specs []*windowSpec
}

func (w *windowOp) Run(e *exec.Env, emit func([]types.Value) error) error {
	var kept []rowContext
	h := exec.Holding{Gov: e.Gov}
	defer h.Release()
	err := w.in.Run(e, func(row []types.Value) error {
		e.Row = row
		c, err := keepContext(e, &h)
		kept = append(kept, c)
		return err
	})
	if err != nil {
		return err
	}
	vals, err := computeWindows(e, &h, w.specs, kept)
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
func (op *windowOp) Explain(x *exec.Explainer, nm *exec.Names) *plan.Node {
	n := op.in.Explain(x, nm)
	for _, w := range op.specs {
		var keys, groups []string
		for _, e := range w.partition {
			t := x.Text(e, nm)
			groups = append(groups, t)
			keys = append(keys, t+" ASC")
		}
		for _, o := range w.order {
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
		if w.agg != nil {
			arg := "*"
			if w.agg.Arg != nil {
				arg = x.Text(w.agg.Arg, nm)
			}
			call = strings.ToUpper(w.agg.Name[:1]) + strings.ToLower(w.agg.Name[1:]) + "(" + arg + ")"
			n = x.Node("Window Spool", "Window Spool", "", n)
			def := name + "=" + call
			n = x.Node("Stream Aggregate", "Aggregate", "DEFINE:("+def+")", n)
			n.DefinedValues = def
			continue
		}
		args := make([]string, len(w.args))
		for i, a := range w.args {
			args[i] = x.Text(a, nm)
		}
		call = strings.ToLower(w.name)
		if len(args) > 0 {
			call += "(" + strings.Join(args, ",") + ")"
		}
		def := name + "=" + call
		n = x.Node("Sequence Project", "Compute Scalar", "DEFINE:("+def+")", n)
		n.DefinedValues = def
	}
	return n
}
