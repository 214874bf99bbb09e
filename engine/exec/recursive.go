package exec

import (
	"mirrordb/engine/govern"
	"mirrordb/engine/plan"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// Recursive common table expressions: anchor members UNION ALL recursive
// members. The anchors run once; each recursive member then runs over the
// rows the previous round produced (the work table), until a round
// produces none. More rounds than OPTION (MAXRECURSION n) allows end the
// statement with Msg 530, as in SQL Server, after the rows produced so far.

// DefaultMaxRecursion is SQL Server's limit without OPTION (MAXRECURSION).
const DefaultMaxRecursion = 100

// WorkTable is the self-reference inside a recursive member; its rows for
// the running round live in the execution's cache (plans are shared).
type WorkTable struct {
	Name string
	Cols []session.Column
}

func (w *WorkTable) Run(e *Env, fn func(row []types.Value) error) error {
	rows, _ := e.Cache[w].([][]types.Value)
	return ScanRows(e, rows, fn)
}

func (w *WorkTable) Explain(x *Explainer, _ *Names) *plan.Node {
	return x.Node("Table Spool", "Lazy Spool", "")
}

// RecursiveUnion runs a recursive common table expression: Anchors once,
// then Members over Work's rows, round after round. Max is the number of
// recursion levels allowed, 0 for no limit.
type RecursiveUnion struct {
	Anchors, Members []*Select
	Work             *WorkTable
	Max              int
}

func (r *RecursiveUnion) Run(e *Env, fn func(row []types.Value) error) error {
	if e.Cache == nil {
		e.Cache = map[any]any{}
	}
	var held int64
	defer func() { e.Gov.Shrink(held) }()
	var round [][]types.Value
	level := 0 // the recursion level of the rows being made: 0 for the anchors
	keep := func(row []types.Value) error {
		if r.Max > 0 && level > r.Max {
			// MAXRECURSION n allows n levels: a row at level n+1 fails
			return sqlerr.New(530, r.Max)
		}
		c := append([]types.Value{}, row...)
		round = append(round, c)
		n := govern.RowSize(c) + 8
		held += n
		if err := e.Gov.Grow(n); err != nil {
			return err
		}
		return fn(c)
	}
	sub := *e
	sub.Row, sub.Aggs, sub.Keys = nil, nil, nil
	for _, p := range r.Anchors {
		if err := p.Run(&sub, keep); err != nil {
			return err
		}
	}
	for level = 1; len(round) > 0; level++ {
		e.Cache[r.Work] = round
		prev := round
		round = nil
		for _, p := range r.Members {
			if err := p.Run(&sub, keep); err != nil {
				return err
			}
		}
		for _, row := range prev {
			n := govern.RowSize(row) + 8
			held -= n
			e.Gov.Shrink(n)
		}
	}
	delete(e.Cache, r.Work)
	return nil
}

func (r *RecursiveUnion) Explain(x *Explainer, _ *Names) *plan.Node {
	var parts []*plan.Node
	for _, p := range r.Anchors {
		parts = append(parts, p.Explain(x))
	}
	for _, p := range r.Members {
		parts = append(parts, p.Explain(x))
	}
	return x.Node("Index Spool", "Lazy Spool", "", x.Node("Concatenation", "Concatenation", "", parts...))
}
