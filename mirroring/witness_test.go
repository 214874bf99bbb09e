package mirroring_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"mirrordb/internal/testutil"
)

// witnessed starts principal A, mirror B and witness W with a
// SYNCHRONIZED high-safety session for db that has automatic failover.
func witnessed(t *testing.T, db string) (a, b, w *node) {
	t.Helper()
	nodes := newNodes(t, "ALPHA", "BRAVO", "WITNESS")
	a, b, w = nodes[0], nodes[1], nodes[2]
	witnessedNodes(t, a, b, w, db)
	return a, b, w
}

// witnessedNodes sets the session up on running nodes.
func witnessedNodes(t *testing.T, a, b, w *node, db string) {
	t.Helper()
	a.createEndpoint()
	b.createEndpoint()
	w.exec(fmt.Sprintf(`CREATE ENDPOINT Endpoint_Mirroring STATE=STARTED AS TCP (LISTENER_PORT=%d) FOR DATABASE_MIRRORING (ROLE=WITNESS)`, w.port))
	setupDB(a, db)
	mirrorPair(t, a, b, db)
	a.exec(fmt.Sprintf(`ALTER DATABASE %s SET WITNESS = '%s'`, db, w.address()))
	for _, n := range []*node{a, b} {
		n.waitWitness(db, "CONNECTED")
	}
}

// waitWitness waits for mirroring_witness_state_desc.
func (n *node) waitWitness(db, want string) {
	n.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := n.row(`SELECT mirroring_witness_state_desc FROM sys.database_mirroring WHERE database_id = DB_ID($1)`, db)[0]
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			n.t.Fatalf("%s: witness state %s, want %s", n.name, got, want)
		}
		sleep()
	}
}

func TestSetWitness(t *testing.T) {
	a, b, w := witnessed(t, "Wit")
	got := w.row(`SELECT database_name, principal_server_name, mirror_server_name, safety_level_desc, role_sequence_number,
		partner_sync_state_desc FROM sys.database_mirroring_witnesses`)
	if fmt.Sprint(got) != "[Wit ALPHA BRAVO FULL 1 SYNCHRONIZED]" {
		t.Fatalf("sys.database_mirroring_witnesses: %v", got)
	}
	if got := a.row(`SELECT mirroring_witness_name FROM sys.database_mirroring WHERE database_id = DB_ID('Wit')`)[0]; got != w.address() {
		t.Fatalf("mirroring_witness_name %s, want %s", got, w.address())
	}
	b.expectError(1470, fmt.Sprintf(`ALTER DATABASE Wit SET WITNESS = '%s'`, w.address()))
	a.expectError(1429, fmt.Sprintf(`ALTER DATABASE Wit SET WITNESS = '%s'`, b.address()))
	a.expectError(1418, fmt.Sprintf(`ALTER DATABASE Wit SET WITNESS = 'TCP://%s:%d'`, w.host, w.port+1))

	a.exec(`ALTER DATABASE Wit SET WITNESS OFF`)
	a.expectError(1439, `ALTER DATABASE Wit SET WITNESS OFF`)
	// The principal at once; the mirror hears of it from the principal.
	if got := a.row(`SELECT mirroring_witness_name, mirroring_witness_state_desc FROM sys.database_mirroring WHERE database_id = DB_ID('Wit')`); fmt.Sprint(got) != "[NULL NULL]" {
		t.Fatalf("%s after WITNESS OFF: %v", a.name, got)
	}
	waitRows(t, b, `SELECT COALESCE(mirroring_witness_name, 'none') FROM sys.database_mirroring WHERE database_id = DB_ID('Wit')`, "none")
	waitRows(t, w, `SELECT COUNT(*) FROM sys.database_mirroring_witnesses`, "0")

	// A partner-only endpoint cannot witness.
	w.exec(`ALTER ENDPOINT Endpoint_Mirroring FOR DATABASE_MIRRORING (ROLE = PARTNER)`)
	a.expectError(1427, fmt.Sprintf(`ALTER DATABASE Wit SET WITNESS = '%s'`, w.address()))
}

func waitRows(t *testing.T, n *node, sql, want string) {
	t.Helper()
	for i := 0; ; i++ {
		if got := n.row(sql)[0]; got == want {
			return
		}
		if i > 1500 {
			t.Fatalf("%s: %s never returned %s", n.name, sql, want)
		}
		sleep()
	}
}

// TestAutomaticFailover: the principal goes away under concurrent writers;
// the mirror, with the witness, takes over in well under 2 s and no
// acknowledged commit is lost; the former principal returns as mirror.
func TestAutomaticFailover(t *testing.T) {
	a, b, _ := witnessed(t, "Auto")
	wr := startWriters(t, "Auto", 8, a, b)
	wr.WaitFor(300)
	start := time.Now()
	a.stop()
	b.waitState("Auto", "PRINCIPAL", "DISCONNECTED")
	took := time.Since(start)
	wr.WaitFor(300)
	t.Logf("automatic failover after the principal stopped: %s", took)
	if got := b.events("Auto"); slices.Index(got, 8) < 0 || slices.Index(got, 3) > slices.Index(got, 8) || slices.Index(got, 3) < 0 {
		t.Fatalf("new principal: no synchronized mirror with witness (3) then automatic failover (8) in %v", got)
	}

	a.start()
	a.waitState("Auto", "MIRROR", "SYNCHRONIZED")
	b.waitState("Auto", "PRINCIPAL", "SYNCHRONIZED")
	wr.WaitFor(200)
	acked := wr.Finish()
	checkAcked(t, b, "Auto", acked)
	if got := b.row(`SELECT mirroring_role_sequence, mirroring_witness_state_desc FROM sys.database_mirroring WHERE database_id = DB_ID('Auto')`); fmt.Sprint(got) != "[2 CONNECTED]" {
		t.Fatalf("new principal: %v", got)
	}
}

// TestQuorumLossTakesPrincipalOffline: without mirror and witness the
// principal closes the database (955) and acknowledges nothing; the
// witness's return reopens it.
func TestQuorumLossTakesPrincipalOffline(t *testing.T) {
	a, b, w := witnessed(t, "Q")
	w.stop()
	b.stop()
	err := waitErr(a, `INSERT INTO Q.dbo.t (id, worker) VALUES (1, 0)`, 955)
	t.Logf("principal without quorum: %v", err)
	a.expectError(1431, `ALTER DATABASE Q SET PARTNER TIMEOUT 20`)
	w.start()
	for i := 0; ; i++ {
		if err := a.try(`INSERT INTO Q.dbo.t (id, worker) VALUES (2, 0)`); err == nil {
			break
		} else if i > 1500 {
			t.Fatalf("the principal did not serve again with the witness back: %v", err)
		}
		sleep()
	}
	b.start()
	a.waitState("Q", "PRINCIPAL", "SYNCHRONIZED")
}

// waitErr retries sql until it fails with Msg number.
func waitErr(n *node, sql string, number int) error {
	n.t.Helper()
	for i := 0; ; i++ {
		err := n.try(sql)
		if testutil.MsgNumber(err) == number {
			return err
		}
		if i > 1500 {
			n.t.Fatalf("%s: %s never failed with Msg %d (last: %v)", n.name, sql, number, err)
		}
		sleep()
	}
}
