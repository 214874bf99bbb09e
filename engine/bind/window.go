package bind

import (
	"strings"

	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// Window functions: ROW_NUMBER, RANK, DENSE_RANK, NTILE, LAG, LEAD and the
// aggregates with OVER (PARTITION BY ... ORDER BY ... [frame]). They run
// after WHERE, GROUP BY and HAVING, over the rows the query would return:
// exec.Window keeps each row's context (its source row, or its group's
// keys and aggregates), computes every window function over all rows,
// then passes each row on to the projection with its values in Env.Win.
// The kept rows count against the statement's memory.

// WindowOnly are the functions that need OVER.
var WindowOnly = map[string]bool{"ROW_NUMBER": true, "RANK": true, "DENSE_RANK": true, "NTILE": true, "LAG": true, "LEAD": true}

// WindowContext collects the window functions of one query's select list
// and ORDER BY; nested marks the arguments of one, where another is 4109.
type WindowContext struct {
	Specs  []*exec.WindowSpec
	nested bool
}

// bindWindow binds a call with OVER (or one of the functions that need it).
func (b *Binder) bindWindow(x *parser.FuncCall, name string, sc *Scope, agg *AggContext) (exec.Expr, error) {
	if x.Over == nil {
		return nil, b.ErrAt(x, sqlerr.New(10753, strings.ToLower(name)))
	}
	isAggregate := IsAggregateName(name) && len(x.Name.Parts) == 1
	switch {
	case !WindowOnly[name] && !isAggregate, name == "STRING_AGG": // SQL Server has no STRING_AGG ... OVER
		return nil, b.ErrAt(x, sqlerr.New(4113, x.Name.Object()))
	case x.Distinct:
		return nil, b.ErrAt(x, sqlerr.New(10759))
	}
	wc := b.Win
	switch {
	case wc == nil:
		return nil, b.ErrAt(x, sqlerr.New(4108))
	case wc.nested:
		return nil, b.ErrAt(x, sqlerr.New(4109))
	}
	text := x.String()
	for i, s := range wc.Specs {
		if s.Text == text {
			return &exec.WinRef{Idx: i, T: s.T}, nil
		}
	}
	b.Win = &WindowContext{nested: true}
	defer func() { b.Win = wc }()
	w := &exec.WindowSpec{Name: name, Text: text, Whole: len(x.Over.OrderBy) == 0}
	for _, p := range x.Over.PartitionBy {
		v, err := b.BindExpr(p, sc, agg, types.TypeUnknown)
		if err != nil {
			return nil, err
		}
		w.Partition = append(w.Partition, v)
	}
	for _, o := range x.Over.OrderBy {
		v, err := b.BindExpr(o.Expr, sc, agg, types.TypeUnknown)
		if err != nil {
			return nil, err
		}
		w.Order = append(w.Order, exec.OrderKey{Col: -1, X: v, Desc: o.Desc})
	}
	switch frame := x.Over.Frame; frame {
	case "":
	case "ROWS UNBOUNDED PRECEDING", "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW":
		w.Rows = true
	case "RANGE UNBOUNDED PRECEDING", "RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW":
	case "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING", "RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING":
		w.Whole = true
	default:
		return nil, b.ErrAt(x.Over, sqlerr.New(40517, frame))
	}
	if WindowOnly[name] {
		if len(x.Over.OrderBy) == 0 {
			return nil, b.ErrAt(x, sqlerr.New(4112, strings.ToLower(name)))
		}
		if err := b.bindWindowArgs(x, name, w, sc, agg); err != nil {
			return nil, err
		}
	} else {
		spec, err := b.windowAggregate(x, name, sc, agg)
		if err != nil {
			return nil, err
		}
		w.Agg, w.T = spec, spec.T
	}
	wc.Specs = append(wc.Specs, w)
	return &exec.WinRef{Idx: len(wc.Specs) - 1, T: w.T}, nil
}

// windowAggregate binds an aggregate used with OVER. Its argument is
// bound like a select item's: over a grouped query it may itself hold
// aggregates (SUM(SUM(x)) OVER ()).
func (b *Binder) windowAggregate(x *parser.FuncCall, name string, sc *Scope, agg *AggContext) (*exec.AggSpec, error) {
	return b.aggregateSpec(x, name, func(a parser.Expr) (exec.Expr, error) {
		return b.BindExpr(a, sc, agg, types.TypeUnknown)
	})
}

// bindWindowArgs binds the arguments of the ranking and offset functions.
func (b *Binder) bindWindowArgs(x *parser.FuncCall, name string, w *exec.WindowSpec, sc *Scope, agg *AggContext) error {
	want := map[string][2]int{"ROW_NUMBER": {0, 0}, "RANK": {0, 0}, "DENSE_RANK": {0, 0}, "NTILE": {1, 1}, "LAG": {1, 3}, "LEAD": {1, 3}}[name]
	if len(x.Args) < want[0] || len(x.Args) > want[1] {
		if want[0] == want[1] {
			return b.ErrAt(x, sqlerr.New(174, strings.ToLower(name), want[0]))
		}
		return b.ErrAt(x, sqlerr.New(189, strings.ToLower(name), want[0], want[1]))
	}
	w.T = types.TypeBigInt
	for i, a := range x.Args {
		hint := types.TypeBigInt
		if i == 0 && name != "NTILE" || i == 2 {
			hint = types.TypeUnknown
		}
		v, err := b.BindExpr(a, sc, agg, hint)
		if err != nil {
			return err
		}
		if hint == types.TypeBigInt {
			v = exec.Coerce(v, types.TypeBigInt)
		}
		w.Args = append(w.Args, v)
	}
	if name == "LAG" || name == "LEAD" {
		w.T = w.Args[0].Type()
		if len(w.Args) == 3 {
			d, err := b.CoerceChecked(x, w.Args[2], w.T)
			if err != nil {
				return err
			}
			w.Args[2] = d
		}
	}
	return nil
}
