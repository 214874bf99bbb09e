package engine

import (
	"sync"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/keys"
	"mirrordb/engine/opt"
	"mirrordb/engine/txlog"
)

// Row estimates for join planning: a table's row count, and fixed
// selectivity guesses for predicates, as SQL Server guesses without
// statistics (an equality on a unique key: one row; another equality:
// 10%; a range: 30%). They choose join order and method only; a wrong
// estimate makes a slower plan, never a wrong answer.

// rowCountCap is the most keys a count reads; a bigger table counts as
// this many (it is big, and that is all the planner needs to know).
const rowCountCap = 1 << 18

// rowCounts caches a database's table row counts, each valid while the
// database's log end stays where it was counted: any commit recounts, so
// an estimate is exact for the committed rows, and a read-only workload
// counts once.
type rowCounts struct {
	mu     sync.Mutex
	end    txlog.LSN
	byID   map[uint32]float64
	loaded bool
}

// tableRows returns the committed row count of a table (at most
// rowCountCap); 0 for an empty table or one that cannot be read.
func tableRows(d *Database, t *catalog.TableDef) float64 {
	c := &d.rowCounts
	c.mu.Lock()
	defer c.mu.Unlock()
	end := d.storage.EndLSN()
	if !c.loaded || c.end != end {
		c.byID, c.end, c.loaded = map[uint32]float64{}, end, true
	}
	if n, ok := c.byID[t.ID]; ok {
		return n
	}
	n := countRows(d.storage.Reader(), keys.TablePrefix(t.StoreID()))
	c.byID[t.ID] = n
	return n
}

func countRows(r pebble.Reader, prefix []byte) float64 {
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: keys.PrefixEnd(prefix)})
	if err != nil {
		return 0
	}
	defer it.Close()
	n := 0
	for it.First(); it.Valid() && n < rowCountCap; it.Next() {
		n++
	}
	return float64(n)
}

// estimateRows is an input's estimated row count (at least 1, as SQL
// Server shows it).
func estimateRows(src exec.Operator) float64 {
	switch s := src.(type) {
	case *exec.TableScan:
		n := scanRows(s)
		if len(s.Def.PK) > 0 && len(s.Eq) == len(s.Def.PK) {
			n = min(n, 1)
		}
		return max(n, 1)
	case *exec.InputFilter:
		var t *catalog.TableDef
		if ts, ok := s.Src.(*exec.TableScan); ok {
			t = ts.Def
		}
		return max(opt.FilteredRows(estimateRows(s.Src), t, s.Base, s.Cond), 1)
	case *exec.JoinChain:
		return s.Est
	case *exec.NestedLoops:
		return opt.JoinRows(s.Kind, estimateRows(s.Left), estimateRows(s.Right))
	case *exec.HashJoin:
		return estimateRows(&s.NestedLoops)
	case *exec.SeekJoin:
		return estimateRows(&s.NestedLoops)
	case *semiJoin:
		return max(estimateRows(s.src)*0.5, 1)
	case exec.OneRow:
		return 1
	}
	return 1000 // a catalog view, a derived input: a guess
}

// scanRows is the committed row count of the table a scan reads.
func scanRows(ts *exec.TableScan) float64 { return tableRows(storeOf(ts), ts.Def) }
