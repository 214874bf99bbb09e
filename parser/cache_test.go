package parser

import (
	"fmt"
	"sync"
	"testing"
)

func TestCacheBounded(t *testing.T) {
	c := newParseCache()
	for i := 0; i < 3*cacheEntries; i++ {
		c.put(fmt.Sprint("SELECT ", i), nil)
		if n := c.len(); n > cacheEntries {
			t.Fatalf("cache holds %d entries", n)
		}
	}
	if _, ok := c.get(fmt.Sprint("SELECT ", 3*cacheEntries-1)); !ok {
		t.Error("most recent entry missing")
	}
	if _, ok := c.get("SELECT 0"); ok {
		t.Error("oldest entry still cached")
	}
	big := make([]byte, maxCachedText+1)
	c.put(string(big), nil)
	if _, ok := c.get(string(big)); ok {
		t.Error("oversized text cached")
	}
}

func TestCacheShares(t *testing.T) {
	b := BatchText{Text: "SELECT 1 AS cached_test", Line: 1, Count: 1}
	s1, err := ParseBatch(b)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := ParseBatch(b)
	if err != nil {
		t.Fatal(err)
	}
	if s1[0] != s2[0] {
		t.Error("second parse did not come from the cache")
	}
	if cap(s1) != len(s1) {
		t.Error("cached slice can be appended to in place")
	}
}

// TestConcurrentParse runs parses in parallel (run with -race): parser
// instances and the cache are shared.
func TestConcurrentParse(t *testing.T) {
	queries := []string{
		"SELECT id, name FROM dbo.accounts WHERE id = 42",
		"INSERT INTO t (a) VALUES (1), (2)",
		"UPDATE t SET a = (SELECT MAX(a) FROM u) WHERE b IN (SELECT b FROM v)",
		"SELECT * FROM",
		"BEGIN TRAN; COMMIT",
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				q := queries[(g+i)%len(queries)]
				if i%3 == 0 {
					q = fmt.Sprintf("%s -- %d %d", q, g, i) // uncached text
				}
				stmts, err := ParseBatch(BatchText{Text: q, Line: 1, Count: 1})
				if err == nil {
					for _, s := range stmts {
						_ = s.String()
					}
				}
			}
		}(g)
	}
	wg.Wait()
}
