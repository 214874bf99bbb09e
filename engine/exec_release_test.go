package engine

import (
	"context"
	"mirrordb/types"
	"testing"
)

// TestCorrelatedChainGivesBack: a correlated subquery runs its chain once
// per outer row; a node that holds rows (sort, distinct, hash groups,
// window rows, TOP PERCENT, a distinct aggregate's values, STRING_AGG's
// text, a set operation's rows) gives their memory back when its run ends, so
// ten runs of 400 rows of 500 bytes (200 kB each) fit a 1 MB budget that
// their sum would exceed (Msg 701).
func TestCorrelatedChainGivesBack(t *testing.T) {
	in := openTestInstance(t)
	sess, pool := openBudgeted(t, in, 1<<20)
	setup := openSession(t, in, "master")
	createBig(t, setup)
	for _, q := range []string{
		"SELECT COUNT(*) FROM ten t WHERE 'x' = (SELECT TOP 1 v FROM big x WHERE x.id % 10 = t.n ORDER BY v + CONVERT(VARCHAR(10), id))",                                                  // sort
		"SELECT COUNT(*) FROM ten t WHERE 0 = (SELECT COUNT(*) FROM (SELECT DISTINCT v + CONVERT(VARCHAR(10), id) AS w FROM big x WHERE x.id % 10 = t.n) d)",                              // distinct
		"SELECT COUNT(*) FROM ten t WHERE 0 = (SELECT COUNT(*) FROM (SELECT v + CONVERT(VARCHAR(10), id) AS w FROM big x WHERE x.id % 10 = t.n GROUP BY v + CONVERT(VARCHAR(10), id)) g)", // hash groups
		"SELECT COUNT(*) FROM ten t WHERE 0 = (SELECT MAX(r) FROM (SELECT ROW_NUMBER() OVER (ORDER BY v, id) AS r FROM big x WHERE x.id % 10 = t.n) w)",                                   // window rows
		"SELECT COUNT(*) FROM ten t WHERE 0 = (SELECT COUNT(*) FROM (SELECT TOP 100 PERCENT v FROM big x WHERE x.id % 10 = t.n) p)",
		"SELECT COUNT(*) FROM ten t WHERE 0 = (SELECT COUNT(DISTINCT v + CONVERT(VARCHAR(10), id)) FROM big x WHERE x.id % 10 = t.n)", // a distinct aggregate's values
		"SELECT COUNT(*) FROM ten t WHERE 0 = (SELECT LEN(STRING_AGG(v, ',')) FROM big x WHERE x.id % 10 = t.n)",
		"SELECT COUNT(*) FROM ten t WHERE 0 = (SELECT COUNT(*) FROM (SELECT v + CONVERT(VARCHAR(10), id) AS w FROM big x WHERE x.id % 10 = t.n UNION SELECT 'x') u)",  // UNION's set
		"SELECT COUNT(*) FROM ten t WHERE 0 = (SELECT COUNT(*) FROM (SELECT 'x' AS w EXCEPT SELECT v + CONVERT(VARCHAR(10), id) FROM big x WHERE x.id % 10 = t.n) u)", // EXCEPT's right side                      // STRING_AGG's text                                                       // TOP PERCENT
	} {
		w := &collect{}
		if err := sess.Query(context.Background(), q, w); err != nil || w.text() != "[[0]]" {
			t.Errorf("%s: %s, %v", q, w.text(), err)
		}
		if n := pool.InUse(); n != 0 {
			t.Errorf("%s: the pool still lends %d bytes", q, n)
		}
	}
}

// TestSeriesInSelectListGivesBack: generate_series in a select list makes
// one list per row, and in FROM one per run (per left row of APPLY); each
// is given back once its rows have been passed on, so ten lists of 20,000
// values (320 kB each) fit a 1 MB budget.
func TestSeriesInSelectListGivesBack(t *testing.T) {
	in := openTestInstance(t)
	sess, pool := openBudgeted(t, in, 1<<20)
	createTen(t, openSession(t, in, "master"))
	for _, q := range []string{
		"SELECT COUNT(*) FROM (SELECT generate_series(1, 20000) AS s FROM ten) x",
		"SELECT COUNT(*) FROM ten CROSS APPLY generate_series(1, 20000 + n) s", // in FROM, once per left row
	} {
		w := &collect{}
		if err := sess.Query(context.Background(), q, w); err != nil || len(w.rows) != 1 || w.rows[0][0].(int64) < 200000 {
			t.Errorf("%s: %s, %v", q, w.text(), err)
		}
		if n := pool.InUse(); n != 0 {
			t.Errorf("%s: the pool still lends %d bytes", q, n)
		}
	}
}

// cancelAtFirstRow cancels its statement when the first row arrives and
// counts the rows that still come.
type cancelAtFirstRow struct {
	collect
	sess   *Session
	cancel func()
	n      int
	seen   error // what the statement's governor said once it saw the cancel
}

func (c *cancelAtFirstRow) Row([]types.Value) error {
	if c.n++; c.n == 1 {
		c.seen = cancelSeen(c.sess, c.cancel)
	}
	return nil
}

// TestSetReturningExpansionStops: a statement cancelled while a select
// list's set-returning function expands one row into many stops there
// instead of passing on every element.
func TestSetReturningExpansionStops(t *testing.T) {
	in := openTestInstance(t)
	s := openSession(t, in, "master")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &cancelAtFirstRow{sess: s, cancel: cancel}
	err := s.Query(ctx, "SELECT generate_series(1, 200000)", w)
	if w.seen == nil {
		t.Fatal("the statement's governor never saw the cancel")
	}
	if err == nil || w.n > 1 {
		t.Fatalf("cancelled at the first row: %v after %d rows", err, w.n)
	}
}
