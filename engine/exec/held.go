package exec

import "mirrordb/engine/govern"

// Holding is what one run of a node holds against the statement's memory.
// The node releases it when its run ends, so a chain run once per outer
// row (a correlated subquery, the inner side of APPLY) holds one run's
// worth instead of the sum over every run.
type Holding struct {
	Gov *govern.Statement
	n   int64
}

// Grow counts n more bytes (nothing when the statement refuses them).
func (h *Holding) Grow(n int64) error {
	if err := h.Gov.Grow(n); err != nil {
		return err
	}
	h.n += n
	return nil
}

// Adopt takes over n bytes another function counted for the node.
func (h *Holding) Adopt(n int64) { h.n += n }

// Give returns n of the bytes held before the run ends.
func (h *Holding) Give(n int64) {
	h.Gov.Shrink(n)
	h.n -= n
}

// Release returns everything still held.
func (h *Holding) Release() { h.Give(h.n) }
