package mirroring_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"mirrordb/internal/faultfs"
)

// TestMirrorAheadOfPrincipal: the principal ships log before its own fsync
// (the two flushes overlap), so the mirror can harden log that the
// principal then loses. Here the principal's WAL write hangs while eight
// commits are applied, shipped and hardened by the mirror, then fails:
// the commits get an error (never acknowledged) and the database leaves
// service with less log than its mirror. Once the DBA brings it back
// (ALTER DATABASE ... SET ONLINE) the partners must converge on one log:
// the principal's, the mirror undoing its tail, when the principal kept
// its role; the new principal's, with the tail, when the witness let the
// mirror take over (SAFETY FULL with a witness). No acknowledged commit
// is lost, and both copies end up with the same rows.
func TestMirrorAheadOfPrincipal(t *testing.T) {
	for _, witness := range []bool{false, true} {
		for _, safety := range []string{"FULL", "OFF"} {
			t.Run(fmt.Sprintf("witness=%v/safety=%s", witness, safety), func(t *testing.T) {
				mirrorAheadOfPrincipal(t, witness, safety)
			})
		}
	}
}

func mirrorAheadOfPrincipal(t *testing.T, witness bool, safety string) {
	const db = "Ahead"
	var a, b *node
	if witness {
		a, b, _ = witnessed(t, db)
		a.exec(`ALTER DATABASE ` + db + ` SET PARTNER TIMEOUT 5`)
	} else {
		nodes := newNodes(t, "ALPHA", "BRAVO")
		a, b = nodes[0], nodes[1]
		a.createEndpoint()
		b.createEndpoint()
		setupDB(a, db)
		mirrorPair(t, a, b, db)
	}
	disk := restartOnFaultyDisk(t, a, b, db)
	if safety == "OFF" {
		a.exec(`ALTER DATABASE ` + db + ` SET PARTNER SAFETY OFF`)
		a.waitState(db, "PRINCIPAL", "SYNCHRONIZED")
	}
	wr := startWriters(t, db, 4, a, b)
	wr.WaitFor(100)
	acks := wr.Finish()
	durable := endLSN(a, db)

	// The principal's next WAL write hangs, then fails.
	hang := make(chan struct{})
	disk.Inject(faultfs.Rule{Op: faultfs.Write, Match: faultfs.And(faultfs.Store(a.dir, db), faultfs.Suffix(".log", "COMMITLOG")),
		Err: syscall.EIO, Hang: hang})
	const lost = 8
	var wg sync.WaitGroup
	errs := make(chan error, lost)
	for i := range lost {
		c := a.conn(db)
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Exec(context.Background(), `INSERT INTO dbo.t (id, worker) VALUES ($1, -1)`, -1-i)
			errs <- err
		}()
	}
	for deadline := time.Now().Add(20 * time.Second); endLSN(b, db) < durable+lost; sleep() {
		if time.Now().After(deadline) {
			t.Fatalf("the mirror hardened up to %s, want %d: the log is not shipped before the principal's fsync", b.endOfLog(db), durable+lost)
		}
	}
	t.Logf("the mirror hardened LSN %d; the principal's log is durable to %d", endLSN(b, db), durable)
	close(hang)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err == nil {
			t.Fatal("a commit whose WAL write failed was acknowledged")
		}
	}

	takeover := witness && safety == "FULL"
	if takeover {
		b.waitState(db, "PRINCIPAL", "DISCONNECTED")
	}
	disk.Clear()
	a.exec(`ALTER DATABASE ` + db + ` SET ONLINE`)
	p, m := a, b
	if takeover {
		p, m = b, a
	}
	p.waitState(db, "PRINCIPAL", "SYNCHRONIZED")
	m.waitState(db, "MIRROR", "SYNCHRONIZED")

	wr = startWriters(t, db, 4, a, b)
	wr.WaitFor(100)
	acks = append(acks, wr.Finish()...)
	checkAcked(t, p, db, acks)
	tail := p.row(`SELECT COUNT(*) FROM ` + db + `.dbo.t WHERE worker = -1`)[0]
	if want := map[bool]string{true: strconv.Itoa(lost), false: "0"}[takeover]; tail != want {
		t.Fatalf("the principal holds %s of the %d commits whose WAL write failed, want %s", tail, lost, want)
	}

	// The same rows on both copies: switch roles (under FULL) and compare.
	if safety == "OFF" {
		p.exec(`ALTER DATABASE ` + db + ` SET PARTNER SAFETY FULL`)
	}
	p.waitState(db, "PRINCIPAL", "SYNCHRONIZED")
	m.waitState(db, "MIRROR", "SYNCHRONIZED")
	const digest = `SELECT COUNT(*), SUM(CAST(id AS bigint)), SUM(CAST(worker AS bigint)) FROM ` + db + `.dbo.t`
	before := fmt.Sprint(p.row(digest))
	p.exec(`ALTER DATABASE ` + db + ` SET PARTNER FAILOVER`)
	m.waitState(db, "PRINCIPAL", "SYNCHRONIZED")
	if after := fmt.Sprint(m.row(digest)); after != before {
		t.Fatalf("the copies differ after convergence: %s on %s, %s on %s", before, p.name, after, m.name)
	}
}

// endLSN is mirroring_end_of_log_lsn of db on n, as a number.
func endLSN(n *node, db string) int64 {
	n.t.Helper()
	v := n.row(`SELECT CAST(m.mirroring_end_of_log_lsn AS bigint) FROM sys.database_mirroring m
		JOIN sys.databases d ON d.database_id = m.database_id WHERE d.name = $1`, db)[0]
	lsn, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		n.t.Fatalf("%s: end of log %q: %v", n.name, v, err)
	}
	return lsn
}
