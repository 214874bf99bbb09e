package mirroring_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// pairedNodes starts two instances with endpoints and a SYNCHRONIZED
// session for db (table dbo.t) with a as principal.
func pairedNodes(t *testing.T, db string) (a, b *node) {
	t.Helper()
	return pairedNodesWith(t, db, nil)
}

// pairedNodesWith is pairedNodes with tweak applied to each node first.
func pairedNodesWith(t *testing.T, db string, tweak func(*node)) (a, b *node) {
	t.Helper()
	nodes := newNodesWith(t, tweak, "ALPHA", "BRAVO")
	a, b = nodes[0], nodes[1]
	a.createEndpoint()
	b.createEndpoint()
	setupDB(a, db)
	mirrorPair(t, a, b, db)
	return a, b
}

var failovers = flag.Int("mirroring.failovers", 2, "role switches in TestManualFailoverUnderLoadLosesNoAcknowledgedCommit (a soak: 100)")

func TestManualFailoverUnderLoadLosesNoAcknowledgedCommit(t *testing.T) {
	a, b := pairedNodes(t, "Sales")
	w := startWriters(t, "Sales", 8, a, b)
	w.WaitFor(300)
	b.expectError(1470, `ALTER DATABASE Sales SET PARTNER FAILOVER`)

	nodes := []*node{a, b}
	for i := range *failovers {
		p, m := nodes[i%2], nodes[(i+1)%2]
		p.exec(`ALTER DATABASE Sales SET PARTNER FAILOVER`)
		m.waitState("Sales", "PRINCIPAL", "SYNCHRONIZED")
		p.waitState("Sales", "MIRROR", "SYNCHRONIZED")
		w.WaitFor(300) // the writers found the new principal
	}
	acked := w.Finish()
	t.Logf("%d role switches, %d commits acknowledged, %d statements failed during the switches", *failovers, len(acked), w.Fails())

	p, m := nodes[*failovers%2], nodes[(*failovers+1)%2]
	checkAcked(t, p, "Sales", acked)
	for _, n := range nodes {
		if seq := n.row(`SELECT mirroring_role_sequence FROM sys.database_mirroring WHERE database_id = DB_ID('Sales')`)[0]; seq != fmt.Sprint(*failovers+1) {
			t.Errorf("%s: role sequence %s, want %d", n.name, seq, *failovers+1)
		}
	}
	// The mirror has every acknowledged commit too.
	waitSameEnd(t, p, m, "Sales")
	p.exec(`ALTER DATABASE Sales SET PARTNER FAILOVER`)
	m.waitState("Sales", "PRINCIPAL", "SYNCHRONIZED")
	checkAcked(t, m, "Sales", acked)
}

func TestFailoverRefusals(t *testing.T) {
	a, b := pairedNodes(t, "Shop")
	a.expectError(1416, `ALTER DATABASE master SET PARTNER FAILOVER`)
	a.exec(`CREATE DATABASE Plain`)
	a.expectError(1416, `ALTER DATABASE Plain SET PARTNER FAILOVER`)
	a.expectError(1416, `ALTER DATABASE Plain SET PARTNER SUSPEND`)
	a.expectError(3743, `DROP DATABASE Shop`)
	a.expectError(1468, `ALTER DATABASE Shop SET RECOVERY SIMPLE`)
	b.expectError(3104, `RESTORE DATABASE Shop WITH RECOVERY`)
	b.expectError(1470, `ALTER DATABASE Shop SET PARTNER SAFETY OFF`)
	b.expectError(1470, `ALTER DATABASE Shop SET PARTNER TIMEOUT 20`)
	a.expectError(1476, `ALTER DATABASE Shop SET PARTNER TIMEOUT 40000`)
	a.expectError(226, `BEGIN TRAN; ALTER DATABASE Shop SET PARTNER SUSPEND; COMMIT`)

	a.exec(`ALTER DATABASE Shop SET PARTNER SAFETY OFF`)
	a.expectError(1477, `ALTER DATABASE Shop SET PARTNER FAILOVER`)
	for _, n := range []*node{a, b} {
		got := n.row(`SELECT mirroring_safety_level_desc, mirroring_safety_sequence FROM sys.database_mirroring WHERE database_id = DB_ID('Shop')`)
		if fmt.Sprint(got) != "[OFF 2]" {
			waitSafety(t, n, "Shop", "[OFF 2]")
		}
	}
	a.exec(`ALTER DATABASE Shop SET PARTNER TIMEOUT 3`) // raised to 5, as SQL Server does
	if got := a.row(`SELECT mirroring_connection_timeout FROM sys.database_mirroring WHERE database_id = DB_ID('Shop')`)[0]; got != "5" {
		t.Errorf("timeout 3 shows as %s, want 5", got)
	}
	a.exec(`ALTER DATABASE Shop SET PARTNER SAFETY FULL`)
	a.waitState("Shop", "PRINCIPAL", "SYNCHRONIZED")

	// The mirror down: failover needs both partners.
	b.stop()
	a.waitState("Shop", "PRINCIPAL", "DISCONNECTED")
	a.expectError(1447, `ALTER DATABASE Shop SET PARTNER FAILOVER`)
}

func waitSafety(t *testing.T, n *node, db, want string) {
	t.Helper()
	for i := 0; ; i++ {
		got := fmt.Sprint(n.row(`SELECT mirroring_safety_level_desc, mirroring_safety_sequence FROM sys.database_mirroring WHERE database_id = DB_ID($1)`, db))
		if got == want {
			return
		}
		if i > 1500 {
			t.Fatalf("%s: safety %s, want %s", n.name, got, want)
		}
		sleep()
	}
}

// TestForcedServiceThenResume: the principal dies with log the mirror
// never received; the mirror is forced into service; the old principal
// returns as a SUSPENDED mirror, and RESUME rolls it back to the failover
// LSN (its unsent commits are lost, as FORCE_SERVICE_ALLOW_DATA_LOSS says).
func TestForcedServiceThenResume(t *testing.T) {
	a, b := pairedNodes(t, "Ledger")
	insertRange(a, "Ledger", 1, 10)
	waitSameEnd(t, a, b, "Ledger")

	b.stop()
	a.waitState("Ledger", "PRINCIPAL", "DISCONNECTED")
	insertRange(a, "Ledger", 11, 20) // never reaches b
	a.stop()
	b.start()
	b.waitState("Ledger", "MIRROR", "DISCONNECTED")
	b.exec(`ALTER DATABASE Ledger SET PARTNER FORCE_SERVICE_ALLOW_DATA_LOSS`)
	b.waitState("Ledger", "PRINCIPAL", "SUSPENDED")
	b.expectError(1455, `ALTER DATABASE Ledger SET PARTNER FORCE_SERVICE_ALLOW_DATA_LOSS`)
	if got := b.row(`SELECT COUNT(*), MAX(id) FROM Ledger.dbo.t`); fmt.Sprint(got) != "[10 10]" {
		t.Fatalf("forced principal holds %v, want 10 rows up to id 10", got)
	}
	insertRange(b, "Ledger", 100, 110)

	a.start() // returns as a mirror, suspended, its extra log kept until RESUME
	a.waitState("Ledger", "MIRROR", "SUSPENDED")
	b.waitState("Ledger", "PRINCIPAL", "SUSPENDED")
	b.exec(`ALTER DATABASE Ledger SET PARTNER RESUME`)
	a.waitState("Ledger", "MIRROR", "SYNCHRONIZED")
	b.waitState("Ledger", "PRINCIPAL", "SYNCHRONIZED")
	waitSameEnd(t, a, b, "Ledger")

	b.exec(`ALTER DATABASE Ledger SET PARTNER FAILOVER`)
	a.waitState("Ledger", "PRINCIPAL", "SYNCHRONIZED")
	got := a.row(`SELECT COUNT(*), SUM(CASE WHEN id BETWEEN 11 AND 20 THEN 1 ELSE 0 END), MAX(id) FROM Ledger.dbo.t`)
	if fmt.Sprint(got) != "[21 0 110]" {
		t.Fatalf("old principal after RESUME and failover holds %v, want 21 rows, none of 11..20, max 110", got)
	}
}

func insertRange(n *node, db string, from, to int) {
	n.t.Helper()
	for id := from; id <= to; id++ {
		n.exec(fmt.Sprintf(`INSERT INTO %s.dbo.t (id, worker) VALUES (%d, 0)`, db, id))
	}
}

// TestStateChangeHistory: every move of a session between the states of
// SPEC §6.5 is a row of sys.dm_db_mirroring_state_changes, numbered as
// SQL Server's trace event: synchronized principal/mirror without witness,
// a manual failover, suspension and its end.
func TestStateChangeHistory(t *testing.T) {
	a, b := pairedNodes(t, "Hist")
	a.waitEvents("Hist", 2)
	b.waitEvents("Hist", 4)

	a.exec(`ALTER DATABASE Hist SET PARTNER FAILOVER`)
	got := b.waitEvents("Hist", 2)
	if i := slices.Index(got, 7); i < 0 || slices.Index(got[:i], 4) < 0 {
		t.Fatalf("new principal: no synchronized mirror (4) then manual failover (7) in %v", got)
	}
	a.waitEvents("Hist", 4)

	b.exec(`ALTER DATABASE Hist SET PARTNER SUSPEND`)
	b.waitEvents("Hist", 9)
	a.waitEvents("Hist", 9)
	b.exec(`ALTER DATABASE Hist SET PARTNER RESUME`)
	b.waitEvents("Hist", 2)
	a.waitEvents("Hist", 4)
}

// TestManualFailoverEndsOpenTransaction: a transaction holding the writer
// lock when SET PARTNER FAILOVER runs is ended with 1480's text as FATAL
// 57P01, the SQLSTATE of a session a role change ends. With 1480's own
// SQLSTATE (00000) a driver would read the ended session as a success.
func TestManualFailoverEndsOpenTransaction(t *testing.T) {
	a, b := pairedNodes(t, "Ledger")
	c := a.conn("Ledger")
	defer c.Close(context.Background())
	if _, err := c.Exec(context.Background(), `BEGIN TRAN; INSERT INTO dbo.t VALUES (1, 1)`); err != nil {
		t.Fatal(err)
	}
	a.exec(`ALTER DATABASE Ledger SET PARTNER FAILOVER`)
	b.waitState("Ledger", "PRINCIPAL", "SYNCHRONIZED")
	_, err := c.Exec(context.Background(), `COMMIT`)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "57P01" || pe.Severity != "FATAL" || !strings.Contains(pe.Message, "manual failover") {
		t.Fatalf("the open transaction's COMMIT after the failover: %v (%#v), want FATAL 57P01 with 1480's text", err, pe)
	}
	if got := b.row(`SELECT COUNT(*) FROM Ledger.dbo.t`)[0]; got != "0" {
		t.Errorf("the new principal has %s rows of the ended transaction, want 0", got)
	}
}
