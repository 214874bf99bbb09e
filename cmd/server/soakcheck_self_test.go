package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestSoakCheckerFindsDamage shows that the soak's invariants can fail: after
// a short load it damages the database by hand in the ways the soak looks
// for — an acknowledged commit lost, half a transaction, a rolled-back
// transaction visible, a hole in the cut, totals out of step, a stray
// scratch table — and each damage must be reported by its invariant, then
// undone. (Scans disagreeing with point lookups need a damaged store, which
// SQL cannot make.)
func TestSoakCheckerFindsDamage(t *testing.T) {
	s := newSoak(t, false)
	n := s.single("CHECKER")
	s.cycle = 1
	l := s.startLoad(n)
	time.Sleep(time.Second)
	l.halt(t)

	var acked, rolledBack, early *txnRec
	var gone item
	var goneID int64
	// The last acknowledged insert with an item still there: later
	// transactions may have deleted the items of the very last ones.
	left := func(r *txnRec) (item, int64) {
		for id, it := range s.clients[r.client].st.items {
			if it.txn == r.id {
				return it, id
			}
		}
		return item{}, 0
	}
	for _, r := range s.hist.txns {
		switch {
		case r.state == txnRolledBack && rolledBack == nil:
			rolledBack = r
		case r.state == txnAcked && early == nil:
			early = r
		case r.state == txnAcked && len(r.ops) > 0 && r.ops[0].kind == opPut:
			if it, id := left(r); id != 0 {
				acked, gone, goneID = r, it, id
			}
		}
	}
	if acked == nil || rolledBack == nil {
		t.Fatalf("the load left no item of an acknowledged insert or made no rollback (%d transactions)", len(s.hist.txns))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	check := func(b bounds, want string) {
		t.Helper()
		problems, _, err := s.verify(ctx, n, soakDB, b)
		if err != nil {
			t.Fatal(err)
		}
		found := strings.Join(problems, "\n")
		if want == "" && found != "" || !strings.Contains(found, want) {
			t.Fatalf("want a problem with %q, found:\n%s", want, found)
		}
	}
	now := bounds{after: time.Now()}
	check(now, "")
	db := "USE " + soakDB + "\n"
	for _, d := range []struct {
		damage, undo string
		b            bounds
		want         string
	}{
		{fmt.Sprintf("DELETE FROM dbo.ledger WHERE txn = %d", acked.id),
			fmt.Sprintf("INSERT INTO dbo.ledger VALUES (%d, %d)", acked.id, acked.client), now, acked.String() + " is missing"},
		{fmt.Sprintf("DELETE FROM dbo.ledger WHERE txn = %d", early.id),
			fmt.Sprintf("INSERT INTO dbo.ledger VALUES (%d, %d)", early.id, early.client), bounds{}, "sent after it was acknowledged, is there"},
		{fmt.Sprintf("INSERT INTO dbo.ledger VALUES (%d, %d)", rolledBack.id, rolledBack.client),
			fmt.Sprintf("DELETE FROM dbo.ledger WHERE txn = %d", rolledBack.id), now, rolledBack.String() + " is there"},
		{fmt.Sprintf("DELETE FROM dbo.items WHERE id = %d", goneID),
			fmt.Sprintf("INSERT INTO dbo.items VALUES (%d, %d, %d, %d, %d, REPLICATE('p', %d))", goneID, gone.worker, gone.grp, gone.val, gone.txn, gone.pad),
			now, fmt.Sprintf("item %d", goneID)},
		{fmt.Sprintf("UPDATE dbo.items SET val = val + 1 WHERE id = %d", goneID),
			fmt.Sprintf("UPDATE dbo.items SET val = val - 1 WHERE id = %d", goneID), now, "totals say"},
		{fmt.Sprintf("UPDATE dbo.totals SET cnt = cnt + 1 WHERE k = %d", totalsKey(gone.worker, gone.grp)),
			fmt.Sprintf("UPDATE dbo.totals SET cnt = cnt - 1 WHERE k = %d", totalsKey(gone.worker, gone.grp)), now, "totals say"},
		{"CREATE TABLE dbo.scratch_stray (id INT PRIMARY KEY)", "DROP TABLE dbo.scratch_stray", now, "scratch_stray"},
	} {
		n.exec(db + d.damage)
		check(d.b, d.want)
		n.exec(db + d.undo)
	}
	check(now, "")
}
