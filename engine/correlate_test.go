package engine

import (
	"context"
	"testing"

	"mirrordb/engine/govern"
	"mirrordb/session"
)

// TestCorrelatedSubqueryMemory: a correlated subquery holds the rows of one
// outer row at a time, so a statement whose runs together keep more than
// its budget (1,000 rows of 1,200 bytes against 1 MB) still runs.
func TestCorrelatedSubqueryMemory(t *testing.T) {
	in := openTestInstance(t)
	pool := govern.NewPool(64<<20, 1<<20)
	s, err := in.OpenWith(context.Background(), session.Startup{User: "t", Database: "master", ProcessID: 1}, pool)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sess := s.(*Session)
	setup := openSession(t, in, "master")
	mustQuery(t, setup, "CREATE TABLE ten (n INT PRIMARY KEY) INSERT ten VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)")
	mustQuery(t, setup, "CREATE TABLE wide (id INT PRIMARY KEY, v VARCHAR(MAX))")
	mustQuery(t, setup, "INSERT wide SELECT a.n*100 + b.n*10 + c.n, REPLICATE('v', 1200) FROM ten a, ten b, ten c")
	got := mustQuery(t, sess, "SELECT COUNT(*) FROM wide w WHERE EXISTS (SELECT v FROM wide x WHERE x.id = w.id)").text()
	if got != "[[1000]]" {
		t.Fatalf("got %s", got)
	}
	if n := pool.InUse(); n != 0 {
		t.Errorf("the pool still lends %d bytes", n)
	}
}
