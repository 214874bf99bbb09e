package engine

import (
	"context"
	"testing"

	"mirrordb/engine/govern"
	"mirrordb/session"
	"mirrordb/sqlerr"
)

// TestStreamAggregateHoldsOneGroup: a stream aggregate passes each group on
// as the next begins and gives its memory back, so grouping 4,000 wide
// keys that arrive in key order fits a 1 MB budget that the same groups
// held by a hash aggregate exceed (Msg 701).
func TestStreamAggregateHoldsOneGroup(t *testing.T) {
	in := openTestInstance(t)
	sess, pool := openBudgeted(t, in, 1<<20)
	setup := openSession(t, in, "master")
	createTen(t, setup)
	mustQuery(t, setup, "CREATE TABLE wide (k VARCHAR(600) PRIMARY KEY, n INT)")
	mustQuery(t, setup, "INSERT wide SELECT REPLICATE('k', 500) + CONVERT(VARCHAR(10), a.n*1000 + b.n*100 + c.n*10 + d.n), d.n FROM ten a, ten b, ten c, ten d WHERE a.n < 4")

	err := sess.Query(context.Background(), "SELECT k + '', SUM(n) FROM wide GROUP BY k + ''", &collect{})
	if !sqlerr.Is(err, 701) {
		t.Fatalf("hash aggregate of 4,000 wide groups: %v, want Msg 701", err)
	}
	got := mustQuery(t, sess, "SELECT COUNT(*), SUM(s) FROM (SELECT k, SUM(n) AS s FROM wide GROUP BY k) g").text()
	if got != "[[4000 18000]]" {
		t.Fatalf("stream aggregate: %s", got)
	}
	// A group's aggregates give back what they hold with it: 2 MB of
	// STRING_AGG text and COUNT(DISTINCT) keys over the 4,000 groups.
	got = mustQuery(t, sess, "SELECT COUNT(*), SUM(LEN(s)), SUM(d) FROM (SELECT k, STRING_AGG(k, ',') AS s, COUNT(DISTINCT k) AS d FROM wide GROUP BY k) g").text()
	if got != "[[4000 2014890 4000]]" {
		t.Fatalf("stream aggregate's STRING_AGG: %s", got)
	}
	if n := pool.InUse(); n != 0 {
		t.Fatalf("the pool still lends %d bytes", n)
	}
}

// openBudgeted opens a session on master whose statements may hold budget
// bytes each (engine/govern), and returns its pool to check what is lent.
func openBudgeted(t *testing.T, in *Instance, budget int64) (*Session, *govern.Pool) {
	t.Helper()
	pool := govern.NewPool(64<<20, budget)
	s, err := in.OpenWith(context.Background(), session.Startup{User: "t", Database: "master", ProcessID: 1}, pool)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s.(*Session), pool
}

// createTen makes table ten: the digits, for cross joins that make rows.
func createTen(t *testing.T, s *Session) {
	t.Helper()
	mustQuery(t, s, "CREATE TABLE ten (n INT PRIMARY KEY) INSERT ten VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)")
}

// createBig makes table ten and table big: 4,000 rows of 500 bytes (2 MB),
// more than the 1 MB budget the memory tests give a statement.
func createBig(t *testing.T, s *Session) {
	t.Helper()
	createTen(t, s)
	mustQuery(t, s, "CREATE TABLE big (id INT PRIMARY KEY, v VARCHAR(MAX))")
	mustQuery(t, s, "INSERT big SELECT a.n*1000 + b.n*100 + c.n*10 + d.n, REPLICATE('v', 500) FROM ten a, ten b, ten c, ten d WHERE a.n < 4")
}
