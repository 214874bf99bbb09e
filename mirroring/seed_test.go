package mirroring_test

import (
	"fmt"
	"testing"
)

// TestSeedExample runs the seed document's set-up end to end, with hosts
// and paths adapted, including its two documentation slips.
func TestSeedExample(t *testing.T) {
	nodes := newNodes(t, "PARTNERHOST1", "PARTNERHOST5")
	p, m := nodes[0], nodes[1]
	shared := t.TempDir()

	p.exec(`CREATE DATABASE AdventureWorks`)
	p.exec(`CREATE TABLE AdventureWorks.dbo.Person (id int PRIMARY KEY, name nvarchar(50))`)
	p.exec(`INSERT INTO AdventureWorks.dbo.Person VALUES (1, N'Ken'), (2, N'Terri')`)
	p.exec(`ALTER DATABASE AdventureWorks SET RECOVERY FULL`)
	p.createEndpoint()
	m.createEndpoint()
	if got := p.row(`SELECT role_desc, state_desc FROM sys.database_mirroring_endpoints`); got[0] != "ALL" || got[1] != "STARTED" {
		t.Fatalf("sys.database_mirroring_endpoints: %v", got)
	}

	full := backupPath(t, shared, "AdvWorks_dbmirror.bak")
	logb := backupPath(t, shared, "AdventureWorks.bak")
	p.exec(fmt.Sprintf(`BACKUP DATABASE AdventureWorks TO DISK = '%s' WITH FORMAT`, full))
	p.exec(fmt.Sprintf(`BACKUP LOG AdventureWorks TO DISK = '%s'`, logb))
	m.exec(fmt.Sprintf(`RESTORE DATABASE AdventureWorks FROM DISK = '%s' WITH NORECOVERY`, full))

	// Slip 1 (prepare-mirror page): the log backed up into the full
	// backup's file and restored WITH FILE=1 selects the database backup.
	same := backupPath(t, shared, "same.bak")
	p.exec(fmt.Sprintf(`BACKUP DATABASE AdventureWorks TO DISK = '%s' WITH FORMAT`, same))
	p.exec(fmt.Sprintf(`BACKUP LOG AdventureWorks TO DISK = '%s'`, same))
	m.expectError(3135, fmt.Sprintf(`RESTORE LOG AdventureWorks FROM DISK = '%s' WITH FILE=1, NORECOVERY`, same))

	m.exec(fmt.Sprintf(`RESTORE LOG AdventureWorks FROM DISK = '%s' WITH FILE=1, NORECOVERY`, logb))
	m.exec(fmt.Sprintf(`RESTORE LOG AdventureWorks FROM DISK = '%s' WITH FILE=2, NORECOVERY`, same))

	// SET PARTNER on the principal before the mirror knows it: 1416.
	p.expectError(1416, fmt.Sprintf(`ALTER DATABASE AdventureWorks SET PARTNER = '%s'`, m.address()))

	m.exec(fmt.Sprintf(`ALTER DATABASE AdventureWorks SET PARTNER = '%s'`, p.address()))
	if role, state, _ := m.mirroring("AdventureWorks"); role != "MIRROR" || state != "DISCONNECTED" {
		t.Fatalf("waiting mirror: %s/%s", role, state)
	}

	// Slip 2 (configure page): the prose's port 7025 is not the endpoint's.
	p.expectError(1418, fmt.Sprintf(`ALTER DATABASE AdventureWorks SET PARTNER = 'TCP://%s:7025'`, m.host))
	p.expectError(1449, `ALTER DATABASE AdventureWorks SET PARTNER = 'TCP//nowhere'`)
	p.expectError(1452, fmt.Sprintf(`ALTER DATABASE AdventureWorks SET PARTNER = '%s'`, p.address()))

	p.exec(fmt.Sprintf(`ALTER DATABASE AdventureWorks SET PARTNER = '%s'`, m.address()))
	p.waitState("AdventureWorks", "PRINCIPAL", "SYNCHRONIZED")
	m.waitState("AdventureWorks", "MIRROR", "SYNCHRONIZED")
	p.expectError(1405, fmt.Sprintf(`ALTER DATABASE AdventureWorks SET PARTNER = '%s'`, m.address()))

	// The mirror refuses users; the principal serves them.
	m.expectError(954, `SELECT * FROM AdventureWorks.dbo.Person`)
	p.exec(`INSERT INTO AdventureWorks.dbo.Person VALUES (3, N'Rob')`)

	// Both copies reach the same end of log; then mirroring is removed and
	// the mirror recovered, to read what it received.
	waitSameEnd(t, p, m, "AdventureWorks")
	// Idle and synchronized, both copies agree on every LSN they show.
	var lsns []string
	for _, n := range []*node{p, m} {
		r := n.row(`SELECT mirroring_failover_lsn, mirroring_end_of_log_lsn, mirroring_replication_lsn, mirroring_guid
			FROM sys.database_mirroring WHERE database_id = DB_ID('AdventureWorks')`)
		if r[0] != r[1] || r[1] != r[2] || r[0] == "NULL" {
			t.Fatalf("%s: failover / end of log / replication LSNs %v", n.name, r)
		}
		lsns = append(lsns, fmt.Sprint(r))
	}
	if lsns[0] != lsns[1] {
		t.Fatalf("the partners disagree: %s vs %s", lsns[0], lsns[1])
	}
	got := p.row(`SELECT mirroring_partner_name, mirroring_partner_instance, mirroring_role_sequence,
		mirroring_safety_level_desc, mirroring_connection_timeout FROM sys.database_mirroring WHERE database_id = DB_ID('AdventureWorks')`)
	if want := []string{m.address(), "PARTNERHOST5", "1", "FULL", "10"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("principal's row: %v, want %v", got, want)
	}
	p.exec(`ALTER DATABASE AdventureWorks SET PARTNER OFF`)
	waitNotMirrored(t, m, "AdventureWorks")
	m.exec(`RESTORE DATABASE AdventureWorks WITH RECOVERY`)
	if got := m.row(`SELECT COUNT(*), MAX(name) FROM AdventureWorks.dbo.Person`); got[0] != "3" || got[1] != "Terri" {
		t.Fatalf("mirror copy after recovery: %v", got)
	}
}

// waitSameEnd waits until both copies report the same end of log.
func waitSameEnd(t testing.TB, a, b *node, db string) {
	t.Helper()
	for i := 0; ; i++ {
		ea, eb := a.endOfLog(db), b.endOfLog(db)
		if ea == eb {
			return
		}
		if i > 1500 {
			t.Fatalf("end of log: %s %s, %s %s", a.name, ea, b.name, eb)
		}
		sleep()
	}
}

// waitNotMirrored waits until db's mirroring columns are NULL.
func waitNotMirrored(t testing.TB, n *node, db string) {
	t.Helper()
	for i := 0; ; i++ {
		if role, _, _ := n.mirroring(db); role == "NULL" {
			return
		}
		if i > 1500 {
			t.Fatalf("%s: %s still mirrored", n.name, db)
		}
		sleep()
	}
}
