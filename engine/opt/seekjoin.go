package opt

import (
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
)

// innerSeekers are the ways an index nested-loop join can read its inner
// input by key: each returns a source that seeks with the outer row's
// values and the equalities it answers, or nil. The primary key's
// clustered index seek is the first; a secondary index adds its own.
var innerSeekers = []func(inner exec.Operator, base int, pairs []exec.JoinPair) (exec.Operator, []exec.JoinPair){pkSeek, secondarySeek}

// SeekInner finds a seek for a join's right input (at column base of the
// combined row), keeping a filter pushed onto it.
func SeekInner(inner exec.Operator, base int, pairs []exec.JoinPair) (exec.Operator, []exec.JoinPair) {
	if f, ok := inner.(*exec.InputFilter); ok {
		s, used := SeekInner(f.Src, base, pairs)
		if s == nil {
			return nil, nil
		}
		return &exec.InputFilter{Src: s, Cond: f.Cond, Base: f.Base, Width: f.Width}, used
	}
	for _, try := range innerSeekers {
		if s, used := try(inner, base, pairs); s != nil {
			return s, used
		}
	}
	return nil, nil
}

// pkSeek seeks a table on a prefix of its primary key: the columns a
// pushed-down constant already fixes, then those the join's equalities
// give, converted to the key column's type where that keeps equal values
// equal (KeyCompatible), as the top-level access path does.
func pkSeek(inner exec.Operator, base int, pairs []exec.JoinPair) (exec.Operator, []exec.JoinPair) {
	ts, ok := inner.(*exec.TableScan)
	if !ok || len(ts.Def.PK) == 0 || ts.Seek != nil {
		return nil, nil
	}
	eq, used := SeekValues(ts.Def, ts.Def.PK, append([]exec.Expr(nil), ts.Eq...), base, pairs)
	if len(used) == 0 {
		return nil, nil
	}
	return &exec.TableScan{Table: ts.Table, Def: ts.Def, Eq: eq}, used
}

// secondarySeek seeks a table through the ready, unfiltered secondary
// index whose leading columns the join's equalities give the most of.
func secondarySeek(inner exec.Operator, base int, pairs []exec.JoinPair) (exec.Operator, []exec.JoinPair) {
	ts, ok := inner.(*exec.TableScan)
	if !ok || len(ts.Eq) > 0 || ts.Seek != nil {
		return nil, nil
	}
	var best *exec.IndexSeek
	var bestUsed []exec.JoinPair
	for _, ix := range ts.Def.Indexes {
		if ix.State != catalog.IndexReady || ix.Filter != "" {
			continue
		}
		eq, used := SeekValues(ts.Def, ix.Columns, nil, base, pairs)
		if len(used) > len(bestUsed) {
			best, bestUsed = &exec.IndexSeek{Index: ix, KeySeek: exec.EqualKeySeek(ts.Def, ix.Columns, ix.Desc, eq)}, used
		}
	}
	if best == nil {
		return nil, nil
	}
	return &exec.TableScan{Table: ts.Table, Def: ts.Def, Seek: best}, bestUsed
}
