package opt

import (
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
)

// Input is one input of a run of inner joins as the join order sees it:
// where its columns sit and its row estimates, which the engine makes
// from its row source.
type Input struct {
	Base, W int               // its columns in the combined row
	Est     float64           // rows it is estimated to return
	Reads   float64           // rows its scan reads (the table's rows for a scan)
	Table   *catalog.TableDef // the table it scans under its filters, or nil
}

// JoinOrder returns the order in which a run of inner joins joins its
// inputs: as written when forced (OPTION (FORCE ORDER)), else greedily,
// the input with the fewest estimated rows first, then each time the one
// the conditions connect that keeps the result smallest. masks[i] is the
// set of inputs conds[i] reads (bit k for inputs[k]); multi lists the
// conditions that read more than one.
func JoinOrder(inputs []Input, conds []exec.Expr, masks []uint64, multi []int, forced bool) []int {
	n := len(inputs)
	order := make([]int, 0, n)
	if forced {
		for i := range inputs {
			order = append(order, i)
		}
		return order
	}
	first := 0
	for i := range inputs {
		if inputs[i].Est < inputs[first].Est {
			first = i
		}
	}
	order = append(order, first)
	joined := uint64(1) << first
	est := inputs[first].Est
	for len(order) < n {
		// Joined by an equality first (a hash or a seek can do it), then
		// by another condition, then a cross product; the fewest rows
		// within each.
		best, bestEst, bestRank := -1, 0.0, 0
		for k := range inputs {
			if joined&(1<<k) != 0 {
				continue
			}
			now := joined | 1<<k
			rank := 0
			sel := 1.0
			var eqs []exec.Expr
			for _, i := range multi {
				m := masks[i]
				if m&(1<<k) != 0 && m&^now == 0 {
					rank = max(rank, 1)
					if cmp, ok := conds[i].(*exec.Compare); ok && cmp.Op == "=" {
						eqs, rank = append(eqs, conds[i]), 2
					} else {
						sel *= Selectivity(conds[i])
					}
				}
			}
			e := JoinedRows(est, inputs[k], eqs, inputs) * sel
			if best < 0 || rank > bestRank || rank == bestRank && e < bestEst {
				best, bestEst, bestRank = k, e, rank
			}
		}
		order = append(order, best)
		joined |= 1 << best
		est = bestEst
	}
	return order
}

// JoinedRows estimates the rows of joining rows so far (est of them) with
// input in on the equalities eqs: each row so far matches at most one of
// a unique key's rows, and otherwise the bigger side's count is the guess
// (a foreign key's); without equalities, every pair.
func JoinedRows(est float64, in Input, eqs []exec.Expr, inputs []Input) float64 {
	if len(eqs) == 0 {
		return max(est*in.Est, 1)
	}
	for _, c := range eqs {
		cmp := c.(*exec.Compare)
		for _, x := range []exec.Expr{cmp.L, cmp.R} {
			col, ok := x.(*exec.ColRef)
			if !ok {
				continue
			}
			for _, other := range inputs {
				if other.Table == nil || col.Idx < other.Base || col.Idx >= other.Base+other.W || !UniqueColumn(other.Table, col.Idx-other.Base) {
					continue
				}
				if other.Base == in.Base { // the new input's key: one match per row so far
					return max(est*min(1, in.Est/in.Reads), 1)
				}
				return max(in.Est*min(1, est/other.Reads), 1)
			}
		}
	}
	return max(est, in.Est)
}
