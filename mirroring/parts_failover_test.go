package mirroring_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"mirrordb/engine/storage"
	"mirrordb/internal/netproxy"
)

// smallParts makes every database of the test write a transaction in
// parts of 64 kB, so that a load of a few MB has many.
func smallParts(t *testing.T) {
	storage.SetDefaultPartBytes(64 << 10)
	t.Cleanup(func() { storage.SetDefaultPartBytes(0) })
}

// startEndlessLoad runs a COPY into db.dbo.t on n that never ends by
// itself and waits until it has written many parts (n's end of log moved
// by 30 records, none of them a commit), so that many were shipped. The
// channel gets the COPY's error.
func startEndlessLoad(t *testing.T, n *node, db string) <-chan error {
	t.Helper()
	done, _ := startEndlessLoadCancel(t, n, db)
	return done
}

// startEndlessLoadCancel is startEndlessLoad, also returning what ends
// the load from the client's side.
func startEndlessLoadCancel(t *testing.T, n *node, db string) (<-chan error, context.CancelFunc) {
	t.Helper()
	conn := n.conn(db)
	ctx, cancel := context.WithCancel(context.Background())
	done, ended := make(chan error, 1), make(chan struct{})
	t.Cleanup(func() { cancel(); <-ended }) // before conn closes
	start := endLSN(n, db)
	go func() {
		defer close(ended)
		i := 0
		_, err := conn.CopyFrom(ctx, pgx.Identifier{"t"}, []string{"id", "worker"}, pgx.CopyFromFunc(func() ([]any, error) {
			i++
			return []any{int32(1000000 + i), int32(i % 7)}, nil
		}))
		done <- err
	}()
	deadline := time.Now().Add(time.Minute)
	for endLSN(n, db) < start+30 {
		if time.Now().After(deadline) {
			t.Fatal("the load wrote no 30 parts within a minute")
		}
		sleep()
	}
	return done, cancel
}

// checkNoLoad checks that n, principal of db, has exactly the committed
// rows 1..10 (none of the load's) and passes DBCC CHECKDB.
func checkNoLoad(t *testing.T, n *node, db string) {
	t.Helper()
	if got := n.row(fmt.Sprintf(`SELECT COUNT(*), MAX(id) FROM %s.dbo.t`, db)); fmt.Sprint(got) != "[10 10]" {
		t.Fatalf("%s holds %v, want the 10 committed rows and none of the load's", n.name, got)
	}
	n.exec(`USE ` + db + ` DBCC CHECKDB`)
}

// TestManualFailoverMidLoad: SET PARTNER FAILOVER while a COPY written in
// parts runs ends the load (its abort is shipped before the roles
// switch); the new principal has none of its rows, and the old principal,
// now mirror, follows the new one.
func TestManualFailoverMidLoad(t *testing.T) {
	smallParts(t)
	a, b := pairedNodes(t, "Loaded")
	insertRange(a, "Loaded", 1, 10)
	load := startEndlessLoad(t, a, "Loaded")
	a.exec(`ALTER DATABASE Loaded SET PARTNER FAILOVER`)
	if err := <-load; err == nil {
		t.Fatal("the load committed across a failover")
	}
	b.waitState("Loaded", "PRINCIPAL", "SYNCHRONIZED")
	checkNoLoad(t, b, "Loaded")
	insertRange(b, "Loaded", 11, 11)
	a.waitState("Loaded", "MIRROR", "SYNCHRONIZED")
	waitSameEnd(t, a, b, "Loaded")
	failBack(t, a, b)
}

// TestAutomaticFailoverMidLoad: the principal's disk stalls while a COPY
// written in parts runs, so it falls silent with its transaction open and
// the mirror, holding many of its parts, takes over with the witness. The
// new principal undid the open tail before serving: none of the load's
// rows, DBCC CHECKDB clean, writes go on. The old principal returns as
// mirror, undoes its log past the failover LSN and converges.
func TestAutomaticFailoverMidLoad(t *testing.T) {
	smallParts(t)
	a, b, disk := principalOnFaultyDisk(t, "Loaded")
	insertRange(a, "Loaded", 1, 10)
	waitSameEnd(t, a, b, "Loaded")
	load := startEndlessLoad(t, a, "Loaded")
	disk.Stall(true)
	b.waitState("Loaded", "PRINCIPAL", "DISCONNECTED")
	checkNoLoad(t, b, "Loaded")
	insertRange(b, "Loaded", 11, 11)
	disk.Stall(false)
	<-load
	a.waitState("Loaded", "MIRROR", "SYNCHRONIZED")
	b.waitState("Loaded", "PRINCIPAL", "SYNCHRONIZED")
	waitSameEnd(t, a, b, "Loaded")
	failBack(t, a, b)
}

// failBack makes a, the old principal now a synchronized mirror holding
// the 10 rows from before the load and row 11 written on b, principal
// again, and checks that it holds exactly those rows, consistently.
func failBack(t *testing.T, a, b *node) {
	t.Helper()
	b.exec(`ALTER DATABASE Loaded SET PARTNER FAILOVER`)
	a.waitState("Loaded", "PRINCIPAL", "SYNCHRONIZED")
	if got := a.row(`SELECT COUNT(*), MAX(id) FROM Loaded.dbo.t`); fmt.Sprint(got) != "[11 11]" {
		t.Fatalf("the old principal after failing back holds %v, want 11 rows up to 11", got)
	}
	a.exec(`USE Loaded DBCC CHECKDB`)
}

// TestForcedServiceMidLoad: the link fails while a COPY written in parts
// runs, after many of its parts reached the mirror; the mirror is forced
// into service (FORCE_SERVICE_ALLOW_DATA_LOSS) holding that open tail, and
// undoes it before serving: none of the load's rows, DBCC CHECKDB clean,
// writes go on. The old principal, which went on writing parts alone, is
// stopped mid-load and returns as a suspended mirror; RESUME undoes its
// log past the failover LSN (parts, and the rollback it wrote as it
// stopped) and it converges.
func TestForcedServiceMidLoad(t *testing.T) {
	smallParts(t)
	a, b, toA, toB := proxiedPair(t, "Loaded")
	insertRange(a, "Loaded", 1, 10)
	waitSameEnd(t, a, b, "Loaded")
	load, loadCancel := startEndlessLoadCancel(t, a, "Loaded")
	toA.RefuseFrom(netproxy.AnySource)
	toB.RefuseFrom(netproxy.AnySource)
	b.waitState("Loaded", "MIRROR", "DISCONNECTED")
	if mb, _ := strconv.ParseFloat(b.row(`SELECT active_log_size_mb FROM sys.dm_db_log_stats(DB_ID('Loaded'))`)[0], 64); mb < 1 {
		t.Fatalf("the mirror holds no parts of the load (active log %.2f MB)", mb)
	}
	end := endLSN(a, "Loaded")
	for deadline := time.Now().Add(time.Minute); endLSN(a, "Loaded") < end+10; sleep() {
		if time.Now().After(deadline) {
			t.Fatal("the principal wrote no more parts alone")
		}
	}
	b.exec(`ALTER DATABASE Loaded SET PARTNER FORCE_SERVICE_ALLOW_DATA_LOSS`)
	b.waitState("Loaded", "PRINCIPAL", "SUSPENDED")
	checkNoLoad(t, b, "Loaded")
	insertRange(b, "Loaded", 11, 11)

	// The old principal's load ends (its client gives up): the rollback,
	// compensation for every part and the abort, stays on the old
	// principal, cut off. (Not a shutdown mid-load: that leaves the parts
	// to the undo at the next open, TestPrincipalStoppedMidLoad.)
	loadCancel()
	if err := <-load; err == nil {
		t.Fatal("the load committed")
	}
	// A write on the old principal waits for the writer lock, held until
	// the rollback is written; forcing service lost it too.
	rolling := time.Now()
	insertRange(a, "Loaded", 50, 50)
	t.Logf("the old principal rolled back its load (end of log %d) in %v", endLSN(a, "Loaded"), time.Since(rolling))
	a.stop()
	toA.Heal()
	toB.Heal()
	a.start()
	a.waitState("Loaded", "MIRROR", "SUSPENDED")
	b.exec(`ALTER DATABASE Loaded SET PARTNER RESUME`)
	a.waitState("Loaded", "MIRROR", "SYNCHRONIZED")
	b.waitState("Loaded", "PRINCIPAL", "SYNCHRONIZED")
	waitSameEnd(t, a, b, "Loaded")
	failBack(t, a, b)
}
