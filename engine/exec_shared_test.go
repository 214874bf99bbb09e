package engine

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// TestChainSharedPlansConcurrent runs SELECTs through the nodes of the
// operator chain from several sessions at once, those that qualify taking
// their plan from the cache with their own literal. A cached entry lends
// each running statement a plan of its own, so no node is run by two
// sessions at once (run it with -race); every answer must be the one its
// literal asks for, and each entry must serve every run.
func TestChainSharedPlansConcurrent(t *testing.T) {
	in := openTestInstance(t)
	setup := openSession(t, in, "master")
	mustQuery(t, setup, "CREATE DATABASE ch USE ch CREATE TABLE g (id INT PRIMARY KEY, k INT, v INT) CREATE INDEX gk ON g (k)")
	mustQuery(t, setup, "INSERT g VALUES (1, 1, 10), (2, 1, 20), (3, 2, 30), (4, 2, 40), (5, 3, 50), (6, 4, 60)")
	queries := []struct{ sql, want string }{
		{"SELECT COUNT(*), SUM(v) FROM g WHERE id < %d", "[[6 210]]"},                                                     // scalar aggregate
		{"SELECT SUM(v) FROM g WHERE id < %d HAVING COUNT(*) > 1", "[[210]]"},                                             // HAVING
		{"SELECT id, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC) FROM g WHERE k = 1 AND id < %d", "[[1 2] [2 1]]"}, // window
		{"SELECT DISTINCT k FROM g WHERE k < 3 AND id < %d", "[[1] [2]]"},                                                 // distinct
		{"SELECT k, unnest('{a,b}') FROM g WHERE k = 4 AND id < %d", "[[4 a] [4 b]]"},                                     // srf
		{"SELECT k, generate_series(1, 2) FROM g WHERE k = 4 AND id < %d", "[[4 1] [4 2]]"},                               // series
	}
	const sessions, rounds = 4, 25
	warm := openSession(t, in, "ch") // each entry made once, before the sessions share it
	for _, q := range queries {
		mustQuery(t, warm, fmt.Sprintf(q.sql, 99))
	}
	var wg sync.WaitGroup
	errs := make(chan error, sessions)
	for w := range sessions {
		s := openSession(t, in, "ch")
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				for _, q := range queries {
					sql := fmt.Sprintf(q.sql, 100+w*rounds+i) // each its own literal: the cached plan's parameter
					out := &collect{}
					if err := s.Query(context.Background(), sql, out); err != nil {
						errs <- fmt.Errorf("%s: %v", sql, err)
						return
					}
					if got := out.text(); got != q.want {
						errs <- fmt.Errorf("%s: %s, want %s", sql, got, q.want)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Four of them are parameterized (HAVING and DISTINCT are not), and
	// each of those took its one entry every time.
	plans := preparedPlans(t, setup)
	if used, all := strings.Count(plans, fmt.Sprintf(" %d ", 1+sessions*rounds)), strings.Count(plans, "Prepared"); used != 4 || all != used {
		t.Errorf("%d of %d entries used every time, want 4 of 4: %s", used, all, plans)
	}
}
