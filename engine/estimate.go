package engine

import (
	"sync"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/keys"
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

// scanRows is the committed row count of the table a scan reads.
func scanRows(ts *exec.TableScan) float64 { return tableRows(storeOf(ts), ts.Def) }
