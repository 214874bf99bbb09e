package builtins

import (
	"fmt"
	"testing"
)

// TestRegexCacheBounded: patterns come from clients; past regexCacheMax
// they are compiled and used but no longer kept.
func TestRegexCacheBounded(t *testing.T) {
	for i := 0; i < int(regexCacheMax)+100; i++ {
		re, err := compileRegex(fmt.Sprintf("^bounded%d$", i), false)
		if err != nil || !re.MatchString(fmt.Sprintf("bounded%d", i)) {
			t.Fatalf("pattern %d: %v", i, err)
		}
	}
	n := 0
	regexCache.Range(func(any, any) bool { n++; return true })
	if n > int(regexCacheMax) || regexCached.Load() > regexCacheMax {
		t.Fatalf("the cache holds %d patterns (counted %d), at most %d allowed", n, regexCached.Load(), regexCacheMax)
	}
}
