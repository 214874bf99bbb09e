package mirroring

import "sync"

// pendingCalls holds the requests sent to a peer that wait for an answer,
// by call number (SET PARTNER's establish, SET WITNESS's register).
type pendingCalls[T any] struct {
	mu sync.Mutex
	m  map[uint64]chan T
}

// wait registers call; done must be called when the caller stops waiting.
func (c *pendingCalls[T]) wait(call uint64) (answer <-chan T, done func()) {
	ch := make(chan T, 1)
	c.mu.Lock()
	if c.m == nil {
		c.m = map[uint64]chan T{}
	}
	c.m[call] = ch
	c.mu.Unlock()
	return ch, func() {
		c.mu.Lock()
		delete(c.m, call)
		c.mu.Unlock()
	}
}

// answer hands v to the caller waiting for call, if one still is.
func (c *pendingCalls[T]) answer(call uint64, v T) {
	c.mu.Lock()
	ch := c.m[call]
	delete(c.m, call)
	c.mu.Unlock()
	if ch != nil {
		ch <- v
	}
}
