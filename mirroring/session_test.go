package mirroring_test

import (
	"fmt"
	"testing"
)

// TestSuspendResumeCatchUp: while suspended the principal serves alone and
// keeps the unsent log (DATABASE_MIRRORING); RESUME ships it all.
func TestSuspendResumeCatchUp(t *testing.T) {
	a, b := pairedNodes(t, "Orders")
	b.exec(`ALTER DATABASE Orders SET PARTNER SUSPEND`) // either partner may suspend
	a.waitState("Orders", "PRINCIPAL", "SUSPENDED")
	b.waitState("Orders", "MIRROR", "SUSPENDED")

	w := startWriters(t, "Orders", 4, a)
	w.WaitFor(500)
	acked := w.Finish()
	a.exec(`USE Orders; CHECKPOINT`)
	if got := a.row(`SELECT log_reuse_wait_desc FROM sys.databases WHERE name = 'Orders'`)[0]; got != "DATABASE_MIRRORING" {
		t.Errorf("log_reuse_wait_desc while suspended: %s, want DATABASE_MIRRORING", got)
	}
	if a.endOfLog("Orders") == b.endOfLog("Orders") {
		t.Fatalf("the mirror received log while suspended")
	}

	// Suspension survives restarts of both partners.
	a.restart()
	b.restart()
	a.waitState("Orders", "PRINCIPAL", "SUSPENDED")
	b.waitState("Orders", "MIRROR", "SUSPENDED")

	a.exec(`ALTER DATABASE Orders SET PARTNER RESUME`)
	a.waitState("Orders", "PRINCIPAL", "SYNCHRONIZED")
	b.waitState("Orders", "MIRROR", "SYNCHRONIZED")
	waitSameEnd(t, a, b, "Orders")
	a.exec(`ALTER DATABASE Orders SET PARTNER FAILOVER`)
	b.waitState("Orders", "PRINCIPAL", "SYNCHRONIZED")
	checkAcked(t, b, "Orders", acked)
}

// TestRestartEachSide: the session resumes from persisted state whichever
// partner restarts, and in either order.
func TestRestartEachSide(t *testing.T) {
	a, b := pairedNodes(t, "Stock")
	insertRange(a, "Stock", 1, 20)

	b.restart()
	b.waitState("Stock", "MIRROR", "SYNCHRONIZED")
	insertRange(a, "Stock", 21, 40)

	a.restart()
	a.waitState("Stock", "PRINCIPAL", "SYNCHRONIZED")
	insertRange(a, "Stock", 41, 60)

	// Both down, the mirror back first.
	a.stop()
	b.stop()
	b.start()
	b.waitState("Stock", "MIRROR", "DISCONNECTED")
	a.start()
	a.waitState("Stock", "PRINCIPAL", "SYNCHRONIZED")
	b.waitState("Stock", "MIRROR", "SYNCHRONIZED")
	waitSameEnd(t, a, b, "Stock")

	a.exec(`ALTER DATABASE Stock SET PARTNER FAILOVER`)
	b.waitState("Stock", "PRINCIPAL", "SYNCHRONIZED")
	if got := b.row(`SELECT COUNT(*), MAX(id) FROM Stock.dbo.t`); fmt.Sprint(got) != "[60 60]" {
		t.Fatalf("after restarts and failover: %v, want 60 rows", got)
	}
}

// TestSafetyOffReplicates: asynchronous mode ships all the same; commits
// never wait for the mirror (the mirror down does not slow them).
func TestSafetyOffReplicates(t *testing.T) {
	a, b := pairedNodes(t, "Clicks")
	a.exec(`ALTER DATABASE Clicks SET PARTNER SAFETY OFF`)
	waitSafety(t, b, "Clicks", "[OFF 2]")
	insertRange(a, "Clicks", 1, 50)
	waitSameEnd(t, a, b, "Clicks")
	a.waitState("Clicks", "PRINCIPAL", "SYNCHRONIZED")

	b.stop()
	insertRange(a, "Clicks", 51, 60)
	b.start()
	waitSameEnd(t, a, b, "Clicks")
	a.exec(`ALTER DATABASE Clicks SET PARTNER SAFETY FULL`)
	a.waitState("Clicks", "PRINCIPAL", "SYNCHRONIZED")
	a.exec(`ALTER DATABASE Clicks SET PARTNER FAILOVER`)
	b.waitState("Clicks", "PRINCIPAL", "SYNCHRONIZED")
	if got := b.row(`SELECT COUNT(*) FROM Clicks.dbo.t`)[0]; got != "60" {
		t.Fatalf("mirror after SAFETY OFF shipping: %s rows, want 60", got)
	}
}

// TestPrincipalAndMirrorAtOnce: one instance is principal for one database
// and mirror for another, over the same connection.
func TestPrincipalAndMirrorAtOnce(t *testing.T) {
	nodes := newNodes(t, "EAST", "WEST")
	a, b := nodes[0], nodes[1]
	a.createEndpoint()
	b.createEndpoint()
	setupDB(a, "EastDB")
	setupDB(b, "WestDB")
	mirrorPair(t, a, b, "EastDB")
	mirrorPair(t, b, a, "WestDB")
	insertRange(a, "EastDB", 1, 30)
	insertRange(b, "WestDB", 1, 40)
	waitSameEnd(t, a, b, "EastDB")
	waitSameEnd(t, a, b, "WestDB")

	a.exec(`ALTER DATABASE EastDB SET PARTNER OFF`)
	waitNotMirrored(t, b, "EastDB")
	if role, state, _ := a.mirroring("WestDB"); role != "MIRROR" || state != "SYNCHRONIZED" {
		t.Fatalf("removing one session disturbed the other: WestDB on %s is %s/%s", a.name, role, state)
	}
	b.exec(`RESTORE DATABASE EastDB WITH RECOVERY`)
	if got := b.row(`SELECT COUNT(*) FROM EastDB.dbo.t`)[0]; got != "30" {
		t.Fatalf("EastDB on %s: %s rows, want 30", b.name, got)
	}
	if got := a.row(`SELECT COUNT(*) FROM sys.dm_db_mirroring_connections WHERE state_desc = 'LOGGED_IN'`)[0]; got != "1" {
		t.Errorf("%s: %s live mirroring connections, want 1", a.name, got)
	}
}
