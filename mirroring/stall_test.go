package mirroring_test

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"mirrordb/internal/faultfs"
	"mirrordb/internal/testutil"
)

// TestStalledDiskLetsFailoverHappen (SPEC §8.9): the principal's disk
// stops completing writes for longer than TIMEOUT. It must stop
// acknowledging and fall silent, so that the mirror takes over with the
// witness, instead of hanging clients; when its disk recovers, it returns
// as mirror and no acknowledged commit is lost.
func TestStalledDiskLetsFailoverHappen(t *testing.T) {
	a, b, _ := witnessed(t, "Stall")
	a.exec(`ALTER DATABASE Stall SET PARTNER TIMEOUT 5`)
	disk := faultfs.New(1)
	a.stop()
	a.fs = disk
	a.start()
	// The witness may have let the mirror take over while a restarted:
	// then a manual failover gives a the principal role back.
	for deadline := time.Now().Add(20 * time.Second); ; sleep() {
		role, state, _ := a.mirroring("Stall")
		if state == "SYNCHRONIZED" {
			if role == "MIRROR" {
				b.exec(`ALTER DATABASE Stall SET PARTNER FAILOVER`)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ALPHA did not resynchronize after its restart: %s/%s", role, state)
		}
	}
	a.waitState("Stall", "PRINCIPAL", "SYNCHRONIZED")
	a.waitWitness("Stall", "CONNECTED")

	wr := startWriters(t, "Stall", 6, a, b)
	wr.WaitFor(200)
	start := time.Now()
	disk.Stall(true)
	b.waitState("Stall", "PRINCIPAL", "DISCONNECTED")
	wr.WaitFor(200)
	t.Logf("the mirror took over %s after the principal's disk stalled (TIMEOUT 5 s)", time.Since(start))
	for _, ack := range wr.Since(start) {
		if ack.Server == 0 && ack.Sent.After(start) {
			t.Fatalf("the principal acknowledged a commit sent after its disk stalled (at %s)", ack.At.Format("15:04:05.000"))
		}
	}

	// A client of the stalled principal gets an answer, not a hang.
	if err := a.try(`INSERT INTO Stall.dbo.t (id, worker) VALUES (-1, -1)`); testutil.MsgNumber(err) != 955 {
		t.Fatalf("a write on the stalled former principal: %v, want Msg 955", err)
	}

	disk.Stall(false)
	a.waitState("Stall", "MIRROR", "SYNCHRONIZED")
	b.waitState("Stall", "PRINCIPAL", "SYNCHRONIZED")
	wr.WaitFor(100)
	checkAcked(t, b, "Stall", wr.Finish())
}

// TestPrincipalDiskFailureFailsOver (SPEC §8.9, hard error): the
// principal's disk fails a WAL write. It stops acknowledging at once (the
// failing commit gets Msg 823, the database is out of service), so the
// mirror takes over with the witness; once the DBA brings the old
// principal's database back (ALTER DATABASE ... SET ONLINE), it returns as
// mirror and no acknowledged commit is lost.
func TestPrincipalDiskFailureFailsOver(t *testing.T) {
	a, b, _ := witnessed(t, "DiskFail")
	a.exec(`ALTER DATABASE DiskFail SET PARTNER TIMEOUT 5`)
	disk := faultfs.New(1)
	a.stop()
	a.fs = disk
	a.start()
	for deadline := time.Now().Add(20 * time.Second); ; sleep() {
		role, state, _ := a.mirroring("DiskFail")
		if state == "SYNCHRONIZED" {
			if role == "MIRROR" {
				b.exec(`ALTER DATABASE DiskFail SET PARTNER FAILOVER`)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ALPHA did not resynchronize after its restart: %s/%s", role, state)
		}
	}
	a.waitState("DiskFail", "PRINCIPAL", "SYNCHRONIZED")
	a.waitWitness("DiskFail", "CONNECTED")

	wr := startWriters(t, "DiskFail", 6, a, b)
	wr.WaitFor(200)
	start := time.Now()
	// The database's own disk (master's is another): a WAL write fails.
	disk.Inject(faultfs.Rule{Op: faultfs.Write, Match: faultfs.And(faultfs.Under(filepath.Join(a.dir, "DiskFail")), faultfs.Suffix(".log")), Err: syscall.EIO})
	b.waitState("DiskFail", "PRINCIPAL", "DISCONNECTED")
	t.Logf("the mirror took over %s after the principal's disk failed", time.Since(start).Round(time.Millisecond))
	wr.WaitFor(200)
	for _, ack := range wr.Since(start.Add(100 * time.Millisecond)) {
		if ack.Server == 0 {
			t.Fatalf("the principal acknowledged a commit after its disk failed (at %s)", ack.At.Format("15:04:05.000"))
		}
	}

	disk.Clear()
	a.exec(`ALTER DATABASE DiskFail SET ONLINE`)
	a.waitState("DiskFail", "MIRROR", "SYNCHRONIZED")
	b.waitState("DiskFail", "PRINCIPAL", "SYNCHRONIZED")
	wr.WaitFor(100)
	checkAcked(t, b, "DiskFail", wr.Finish())
}

// TestMirrorDiskFailure: the mirror's disk fails while it hardens log. The
// mirror drops out of the session (its database out of service), the
// principal runs exposed with the witness and keeps acknowledging, and
// once the mirror's database is back the session resynchronizes.
func TestMirrorDiskFailure(t *testing.T) {
	a, b, _ := witnessed(t, "MirrorFail")
	disk := faultfs.New(1)
	b.stop()
	b.fs = disk
	b.start()
	a.waitState("MirrorFail", "PRINCIPAL", "SYNCHRONIZED")
	a.waitWitness("MirrorFail", "CONNECTED")

	wr := startWriters(t, "MirrorFail", 4, a, b)
	wr.WaitFor(100)
	disk.Inject(faultfs.Rule{Op: faultfs.Sync, Match: faultfs.And(faultfs.Under(filepath.Join(b.dir, "MirrorFail")), faultfs.Suffix(".log")), Err: syscall.EIO})
	a.waitState("MirrorFail", "PRINCIPAL", "DISCONNECTED")
	start := time.Now()
	wr.WaitFor(200) // the principal serves exposed
	t.Logf("the principal acknowledged 200 commits %s after the mirror's disk failed", time.Since(start).Round(time.Millisecond))

	disk.Clear()
	b.exec(`ALTER DATABASE MirrorFail SET ONLINE`)
	a.waitState("MirrorFail", "PRINCIPAL", "SYNCHRONIZED")
	b.waitState("MirrorFail", "MIRROR", "SYNCHRONIZED")
	wr.WaitFor(100)
	checkAcked(t, a, "MirrorFail", wr.Finish())
}
