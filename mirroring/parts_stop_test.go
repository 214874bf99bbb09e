package mirroring_test

import (
	"fmt"
	"testing"
)

// TestPrincipalStoppedMidLoad: the principal is shut down while a COPY
// written in parts runs, many of whose parts the mirror redid. The
// shutdown does not wait for the load's rollback (its parts stay the open
// tail) and reports no error; the restarted principal undoes them at open,
// and the mirror, whose tail's abort never comes, drops it when the
// principal's log goes on differently: both converge on the committed
// rows, and a failover finds the same.
func TestPrincipalStoppedMidLoad(t *testing.T) {
	smallParts(t)
	a, b := pairedNodes(t, "Loaded")
	insertRange(a, "Loaded", 1, 10)
	load := startEndlessLoad(t, a, "Loaded")
	a.stop()
	if err := <-load; err == nil {
		t.Fatal("the load committed across the shutdown")
	}
	a.start()
	a.waitState("Loaded", "PRINCIPAL", "SYNCHRONIZED")
	checkNoLoad(t, a, "Loaded")
	insertRange(a, "Loaded", 11, 11)
	waitSameEnd(t, a, b, "Loaded")
	a.exec(`ALTER DATABASE Loaded SET PARTNER FAILOVER`)
	b.waitState("Loaded", "PRINCIPAL", "SYNCHRONIZED")
	if got := b.row(`SELECT COUNT(*), MAX(id) FROM Loaded.dbo.t`); fmt.Sprint(got) != "[11 11]" {
		t.Fatalf("the mirror, failed over to, holds %v, want 11 rows up to 11", got)
	}
	b.exec(`USE Loaded DBCC CHECKDB`)
}
