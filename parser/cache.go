package parser

import (
	"strings"
	"sync"
)

// The batch cache. Clients send the same texts again and again (pgx
// prepares each query text, ORMs and monitoring loops repeat theirs), so
// parsed batches are kept by text. The cache holds at most cacheEntries
// batches in two generations: lookups hit the current generation or
// promote from the previous one; when the current one is full it becomes
// the previous one and the old previous one is dropped. That approximates
// LRU with two map operations and no per-entry bookkeeping.
//
// Cached statement slices and trees are shared by every caller and are
// never modified after parsing.

const (
	cacheEntries    = 4096
	maxCachedText   = 16 << 10 // bytes; longer batches (bulk scripts) are not cached
	cacheGeneration = cacheEntries / 2
)

type parseCache struct {
	mu       sync.RWMutex
	cur, old map[string][]Statement
}

var batchCache = newParseCache()

func newParseCache() *parseCache {
	return &parseCache{cur: make(map[string][]Statement, cacheGeneration)}
}

func (c *parseCache) get(text string) ([]Statement, bool) {
	if len(text) > maxCachedText {
		return nil, false
	}
	c.mu.RLock()
	s, ok := c.cur[text]
	c.mu.RUnlock()
	if ok {
		return s, true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.old[text]; ok {
		c.insertLocked(text, s)
		return s, true
	}
	return nil, false
}

func (c *parseCache) put(text string, stmts []Statement) {
	if len(text) > maxCachedText {
		return
	}
	text = strings.Clone(text) // don't pin the whole query string
	c.mu.Lock()
	defer c.mu.Unlock()
	c.insertLocked(text, stmts)
}

func (c *parseCache) insertLocked(text string, stmts []Statement) {
	if len(c.cur) >= cacheGeneration {
		c.old, c.cur = c.cur, make(map[string][]Statement, cacheGeneration)
	}
	c.cur[text] = stmts
}

// len returns the number of cached batches (for tests).
func (c *parseCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.cur) + len(c.old)
}
