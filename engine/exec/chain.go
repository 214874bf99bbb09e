package exec

import (
	"mirrordb/engine/govern"
	"mirrordb/engine/plan"
	"mirrordb/types"
)

// JoinMethod is how a chain's step joins its input to the rows so far.
type JoinMethod uint8

const (
	MethodLoop JoinMethod = iota // nested loops over the input held in memory
	MethodHash                   // hash match
	MethodSeek                   // a seek of the input per row so far
)

// ChainStep joins one more input to the rows so far.
type ChainStep struct {
	In        ChainInput
	Method    JoinMethod
	Cond      Expr       // every conjunct this step applies
	Pairs     []JoinPair // its equalities: L over the rows so far, R over In
	Rest      Expr       // hash: the conjuncts besides Pairs
	Floats    []bool     // hash: keys compared as float
	BuildLeft bool       // hash: build on the rows so far, stream In
	Est       float64    // rows after this step
}

// JoinChain is a left-deep run of inner joins over the columns [Base,
// Base+Width) of the combined row, in the order and with the methods the
// planner chose. Every input keeps its columns' place in the combined
// row: the chain fills one buffer of the statement's width, each input at
// its own offset, and every condition reads it there.
type JoinChain struct {
	First       ChainInput
	Steps       []ChainStep
	Base, Width int
	Est         float64
}

// ChainInput is one input of a chain: its source, its columns in the
// combined row and its estimated rows, drawn in plans.
type ChainInput struct {
	Src     Operator
	Base, W int
	Est     float64
	// Filtered: Src is a filter pushed down onto a scan, drawn with
	// ScanEst, the scan's estimate, when it has none of its own.
	Filtered bool
	ScanEst  float64
}

func (c *JoinChain) Run(e *Env, fn func(row []types.Value) error) error {
	buf := make([]types.Value, c.Base+c.Width)
	saved := e.Row
	defer func() { e.Row = saved }()
	var held int64
	defer func() { e.Gov.Shrink(held) }()
	return c.run(e, len(c.Steps), buf, &held, func() error { return fn(buf[c.Base:]) })
}

// run joins the first k+1 inputs into buf, calling emit for each row.
func (c *JoinChain) run(e *Env, k int, buf []types.Value, held *int64, emit func() error) error {
	if k == 0 {
		in := c.First
		return in.Src.Run(e, func(r []types.Value) error {
			copy(buf[in.Base:in.Base+in.W], Pad(r, in.W))
			return emit()
		})
	}
	s := &c.Steps[k-1]
	in := s.In
	cols := buf[in.Base : in.Base+in.W]
	// emitIf emits the row in buf when cond holds for it.
	emitIf := func(cond Expr) error {
		if err := e.Gov.Check(); err != nil {
			return err
		}
		if cond != nil {
			e.Row = buf
			if v, err := cond.Eval(e); err != nil || !Truth(v) {
				return err
			}
		}
		return emit()
	}
	grow := func(n int64) error {
		*held += n
		return e.Gov.Grow(n)
	}
	switch s.Method {
	case MethodSeek:
		return c.run(e, k-1, buf, held, func() error {
			e.Row = buf // the seek's key values read the rows so far
			return in.Src.Run(e, func(r []types.Value) error {
				copy(cols, Pad(r, in.W))
				return emitIf(s.Cond)
			})
		})
	case MethodLoop:
		var rows []types.Value // the input's rows, one after another
		if err := in.Src.Run(e, func(r []types.Value) error {
			rows = append(rows, Pad(r, in.W)...)
			n := 16 * int64(in.W)
			for _, v := range r {
				n += govern.ValueSize(v)
			}
			return grow(n)
		}); err != nil {
			return err
		}
		return c.run(e, k-1, buf, held, func() error {
			for i := 0; i < len(rows); i += in.W {
				copy(cols, rows[i:i+in.W])
				if err := emitIf(s.Cond); err != nil {
					return err
				}
			}
			return nil
		})
	}
	lkeys, rkeys := PairSides(s.Pairs)
	kv := make([]types.Value, len(s.Pairs))
	// keyed evaluates keys over buf into kv and calls fn unless one is NULL.
	keyed := func(keys []Expr, fn func() error) error {
		e.Row = buf
		if ok, err := EvalKeys(e, keys, kv); err != nil || !ok {
			return err
		}
		return fn()
	}
	// build reads the build side into a hash table of rows width wide,
	// taken from held when it is in buf.
	build := func(width int, keys []Expr, scan func(func() error) error, held []types.Value) (*HashTable, error) {
		t := NewHashTable(s.Floats, width)
		err := scan(func() error {
			return keyed(keys, func() error { return grow(t.Add(held, kv)) })
		})
		if err == nil {
			err = grow(t.Link())
		}
		return t, err
	}
	scanInput := func(fn func() error) error {
		return in.Src.Run(e, func(r []types.Value) error {
			copy(cols, Pad(r, in.W))
			return fn()
		})
	}
	scanSoFar := func(fn func() error) error { return c.run(e, k-1, buf, held, fn) }
	if !s.BuildLeft {
		t, err := build(in.W, rkeys, scanInput, cols)
		if err != nil {
			return err
		}
		return scanSoFar(func() error {
			return keyed(lkeys, func() error {
				return t.Matches(kv, func(_ int, row []types.Value) error {
					copy(cols, row)
					return emitIf(s.Rest)
				})
			})
		})
	}
	// Build on the rows so far (the chain's whole width), stream the input.
	region := buf[c.Base : c.Base+c.Width]
	t, err := build(c.Width, lkeys, scanSoFar, region)
	if err != nil {
		return err
	}
	lo, hi := in.Base-c.Base, in.Base-c.Base+in.W // the input's place in a held row
	return scanInput(func() error {
		return keyed(rkeys, func() error {
			return t.Matches(kv, func(_ int, row []types.Value) error {
				copy(region[:lo], row[:lo])
				copy(region[hi:], row[hi:])
				return emitIf(s.Rest)
			})
		})
	})
}

// Explain draws the chain as SQL Server draws a left-deep join tree, each
// join over the rows so far and the next input, with its estimate.
func (c *JoinChain) Explain(x *Explainer, nm *Names) *plan.Node {
	n := c.First.explain(x, nm, c.First.Est)
	est := c.First.Est
	for _, s := range c.Steps {
		inEst := s.In.Est
		if s.Method == MethodSeek {
			inEst = max(s.Est/est, 1) // rows per seek
		}
		in := s.In.explain(x, nm, inEst)
		est = s.Est
		logical := InnerJoin.Logical()
		var j *plan.Node
		switch s.Method {
		case MethodSeek:
			j = x.Node("Nested Loops", logical, SeekArgument(x, nm, s.Pairs, s.Cond), n, in)
		case MethodLoop:
			arg := ""
			if s.Cond != nil {
				arg = "WHERE:(" + x.Text(s.Cond, nm) + ")"
			}
			j = x.Node("Nested Loops", logical, arg, n, in)
		default:
			l, r := PairSides(s.Pairs)
			arg := "HASH:(" + x.List(r, nm) + ")=(" + x.List(l, nm) + ")"
			first, second := in, n
			if s.BuildLeft {
				arg, first, second = "HASH:("+x.List(l, nm)+")=("+x.List(r, nm)+")", n, in
			}
			if s.Cond != nil {
				arg += ", RESIDUAL:(" + x.Text(s.Cond, nm) + ")"
			}
			j = x.Node("Hash Match", logical, arg, first, second)
		}
		j.NamesLogical = true
		j.EstimateRows, j.Estimated = s.Est, true
		n = j
	}
	return n
}

// explain draws an input with its estimate est (and its table's row
// count on the scan under its filters).
func (in ChainInput) explain(x *Explainer, nm *Names, est float64) *plan.Node {
	n := in.Src.Explain(x, nm)
	if !n.Estimated {
		n.EstimateRows, n.Estimated = est, true
	}
	if in.Filtered && len(n.Children) > 0 && !n.Children[0].Estimated {
		n.Children[0].EstimateRows, n.Children[0].Estimated = in.ScanEst, true
	}
	return n
}
