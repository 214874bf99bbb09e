package engine

import "mirrordb/engine/govern"

// holding is what one run of a node holds against the statement's memory.
// The node releases it when its run ends, so a chain run once per outer
// row (a correlated subquery, the inner side of APPLY) holds one run's
// worth instead of the sum over every run.
type holding struct {
	gov *govern.Statement
	n   int64
}

// grow counts n more bytes (nothing when the statement refuses them).
func (h *holding) grow(n int64) error {
	if err := h.gov.Grow(n); err != nil {
		return err
	}
	h.n += n
	return nil
}

// adopt takes over n bytes another function counted for the node.
func (h *holding) adopt(n int64) { h.n += n }

// give returns n of the bytes held before the run ends.
func (h *holding) give(n int64) {
	h.gov.Shrink(n)
	h.n -= n
}

// release returns everything still held.
func (h *holding) release() { h.give(h.n) }
