package mirroring_test

import (
	"fmt"
	"testing"
)

// TestEstablishChecks: SET PARTNER on the principal refuses a mirror copy
// that cannot continue the principal's log (SPEC §5.2, §12.1), and the
// reasons reach the principal's client with SQL Server's numbers.
func TestEstablishChecks(t *testing.T) {
	nodes := newNodes(t, "CHECKP", "CHECKM")
	p, m := nodes[0], nodes[1]
	p.createEndpoint()
	m.createEndpoint()
	shared := t.TempDir()
	file := func(name string) string { return backupPath(t, shared, name) }
	setPartner := func(n *node, addr string) string {
		return fmt.Sprintf(`ALTER DATABASE Chk SET PARTNER = '%s'`, addr)
	}

	setupDB(p, "Chk")
	insertRange(p, "Chk", 1, 5)
	p.exec(fmt.Sprintf(`BACKUP DATABASE Chk TO DISK = '%s' WITH FORMAT`, file("full1.bak")))
	p.exec(fmt.Sprintf(`BACKUP LOG Chk TO DISK = '%s'`, file("log1.bak")))

	// The mirror lacks the database: 1448.
	p.expectError(1448, setPartner(p, m.address()))

	// Restored WITH RECOVERY: not a mirror copy (1464).
	m.exec(fmt.Sprintf(`RESTORE DATABASE Chk FROM DISK = '%s'`, file("full1.bak")))
	p.expectError(1464, setPartner(p, m.address()))

	// Only a full backup taken after the log backups: the mirror could not
	// continue the principal's log-backup chain (1478).
	insertRange(p, "Chk", 6, 10)
	p.exec(fmt.Sprintf(`BACKUP DATABASE Chk TO DISK = '%s' WITH FORMAT`, file("full2.bak")))
	m.exec(fmt.Sprintf(`RESTORE DATABASE Chk FROM DISK = '%s' WITH REPLACE, NORECOVERY`, file("full2.bak")))
	m.exec(setPartner(m, p.address()))
	p.expectError(1478, setPartner(p, m.address()))

	// Full + log restored, but the principal backed up and truncated more
	// log since: the mirror's point is no longer in the principal's log
	// (1412).
	m.exec(`ALTER DATABASE Chk SET PARTNER OFF`)
	m.exec(fmt.Sprintf(`RESTORE DATABASE Chk FROM DISK = '%s' WITH REPLACE, NORECOVERY`, file("full1.bak")))
	m.exec(fmt.Sprintf(`RESTORE LOG Chk FROM DISK = '%s' WITH NORECOVERY`, file("log1.bak")))
	p.exec(fmt.Sprintf(`BACKUP LOG Chk TO DISK = '%s'`, file("log2.bak")))
	p.exec(`USE Chk; CHECKPOINT`)
	m.exec(setPartner(m, p.address()))
	p.expectError(1412, setPartner(p, m.address()))

	// Another database under the same name: 1407.
	m.exec(`ALTER DATABASE Chk SET PARTNER OFF`)
	m.exec(`RESTORE DATABASE Chk WITH RECOVERY`)
	m.exec(`DROP DATABASE Chk`)
	setupDB(m, "Chk")
	m.exec(fmt.Sprintf(`BACKUP DATABASE Chk TO DISK = '%s' WITH FORMAT`, file("other.bak")))
	m.exec(`DROP DATABASE Chk`)
	m.exec(fmt.Sprintf(`RESTORE DATABASE Chk FROM DISK = '%s' WITH NORECOVERY`, file("other.bak")))
	m.exec(setPartner(m, p.address()))
	p.expectError(1407, setPartner(p, m.address()))

	// The principal in SIMPLE recovery: 1465.
	m.exec(`ALTER DATABASE Chk SET PARTNER OFF`)
	p.exec(`ALTER DATABASE Chk SET RECOVERY SIMPLE`)
	p.expectError(1465, setPartner(p, m.address()))
	p.exec(`ALTER DATABASE Chk SET RECOVERY FULL`)

	// The right copy: full, then every log backup since.
	m.exec(`RESTORE DATABASE Chk WITH RECOVERY`)
	m.exec(`DROP DATABASE Chk`)
	p.exec(fmt.Sprintf(`BACKUP DATABASE Chk TO DISK = '%s' WITH FORMAT`, file("full3.bak")))
	p.exec(fmt.Sprintf(`BACKUP LOG Chk TO DISK = '%s'`, file("log3.bak")))
	m.exec(fmt.Sprintf(`RESTORE DATABASE Chk FROM DISK = '%s' WITH NORECOVERY`, file("full3.bak")))
	m.exec(fmt.Sprintf(`RESTORE LOG Chk FROM DISK = '%s' WITH NORECOVERY`, file("log3.bak")))
	m.exec(setPartner(m, p.address()))
	p.exec(setPartner(p, m.address()))
	p.waitState("Chk", "PRINCIPAL", "SYNCHRONIZED")
	m.waitState("Chk", "MIRROR", "SYNCHRONIZED")
}
