package opt

// seekCost is what one seek costs in rows read by a scan, and hashCost
// what building a hash table costs beyond its rows: a join seeks its
// inner input when the outer rows times seekCost is less than the inner
// scan's reads plus hashCost (a seek per row of 20,000 took about four
// times a 20,000-row hash match's time per row, BenchmarkJoin20k).
const (
	seekCost = 4
	hashCost = 64
)

// SeekCheaper reports whether seeking the inner input once per outer row
// (outer rows estimated) is estimated to cost less than hashing the inner
// input, whose scan reads innerReads rows.
func SeekCheaper(outer, innerReads float64) bool { return outer*seekCost < innerReads+hashCost }

// BuildLeft reports whether a hash join builds its table on the left
// input: only when it is estimated smaller, since probing with the left
// streams rows in the order nested loops give them.
func BuildLeft(left, right float64) bool { return left < right }
