package mirroring_test

import (
	"syscall"
	"testing"
	"time"

	"mirrordb/internal/faultfs"
	"mirrordb/internal/testutil"
)

// principalOnFaultyDisk sets up a witnessed session on db (TIMEOUT 5)
// whose principal, ALPHA, runs on a fault-injecting file system, and
// waits until it is SYNCHRONIZED with the witness CONNECTED.
func principalOnFaultyDisk(t *testing.T, db string) (a, b *node, disk *faultfs.FS) {
	t.Helper()
	a, b, _ = witnessed(t, db)
	a.exec(`ALTER DATABASE ` + db + ` SET PARTNER TIMEOUT 5`)
	disk = restartOnFaultyDisk(t, a, b, db)
	a.waitWitness(db, "CONNECTED")
	return a, b, disk
}

// restartOnFaultyDisk restarts a, principal of db, on a fault-injecting
// file system and waits until it is principal and SYNCHRONIZED again.
func restartOnFaultyDisk(t *testing.T, a, b *node, db string) *faultfs.FS {
	t.Helper()
	disk := faultfs.New(1)
	a.stop()
	a.fs = disk
	a.start()
	// A witness may have let the mirror take over while a restarted: then
	// a manual failover gives a the principal role back.
	for deadline := time.Now().Add(20 * time.Second); ; sleep() {
		role, state, _ := a.mirroring(db)
		if state == "SYNCHRONIZED" {
			if role == "MIRROR" {
				b.exec(`ALTER DATABASE ` + db + ` SET PARTNER FAILOVER`)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ALPHA did not resynchronize after its restart: %s/%s", role, state)
		}
	}
	a.waitState(db, "PRINCIPAL", "SYNCHRONIZED")
	return disk
}

// TestPrincipalDiskTrouble (SPEC §8.9): the principal's disk stops
// completing writes for longer than TIMEOUT (a soft error), or fails a WAL
// write (a hard error: the failing commit gets Msg 823 and the database is
// out of service). Either way it must stop acknowledging and fall silent,
// so that the mirror takes over with the witness, instead of hanging
// clients; once its disk is back (and, after a failure, the DBA said ALTER
// DATABASE ... SET ONLINE) it returns as mirror and no acknowledged commit
// is lost.
func TestPrincipalDiskTrouble(t *testing.T) {
	for _, c := range []struct {
		name         string
		fail, repair func(a *node, disk *faultfs.FS)
	}{
		{"stall", func(_ *node, disk *faultfs.FS) { disk.Stall(true) }, func(_ *node, disk *faultfs.FS) { disk.Stall(false) }},
		{"failure", func(a *node, disk *faultfs.FS) {
			// The database's own disk (master's is another): a WAL write fails.
			disk.Inject(faultfs.Rule{Op: faultfs.Write, Match: faultfs.And(faultfs.Store(a.dir, "Troubled"), faultfs.Suffix(".log", "COMMITLOG")), Err: syscall.EIO})
		}, func(a *node, disk *faultfs.FS) {
			disk.Clear()
			a.exec(`ALTER DATABASE Troubled SET ONLINE`)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, b, disk := principalOnFaultyDisk(t, "Troubled")
			wr := startWriters(t, "Troubled", 6, a, b)
			wr.WaitFor(200)
			start := time.Now()
			c.fail(a, disk)
			b.waitState("Troubled", "PRINCIPAL", "DISCONNECTED")
			wr.WaitFor(200)
			t.Logf("the mirror took over %s after the principal's disk trouble (TIMEOUT 5 s)", time.Since(start).Round(time.Millisecond))
			for _, ack := range wr.Since(start) {
				if ack.Server == 0 && ack.Sent.After(start) {
					t.Fatalf("the principal acknowledged a commit sent after its disk trouble began (at %s)", ack.At.Format("15:04:05.000"))
				}
			}
			// A client of the former principal gets an answer, not a hang.
			if err := a.try(`INSERT INTO Troubled.dbo.t (id, worker) VALUES (-1, -1)`); testutil.MsgNumber(err) != 955 && testutil.MsgNumber(err) != 945 {
				t.Fatalf("a write on the former principal: %v, want Msg 955 or 945", err)
			}
			c.repair(a, disk)
			a.waitState("Troubled", "MIRROR", "SYNCHRONIZED")
			b.waitState("Troubled", "PRINCIPAL", "SYNCHRONIZED")
			wr.WaitFor(100)
			checkAcked(t, b, "Troubled", wr.Finish())
		})
	}
}

// TestMirrorDiskTrouble: the mirror's disk fails while it hardens log, or
// fills up. The mirror drops out of the session (its database out of
// service, or its redo refused for want of space), the principal keeps
// acknowledging (exposed, with the witness), and once the mirror's disk is
// back the session resynchronizes with nothing acknowledged lost.
func TestMirrorDiskTrouble(t *testing.T) {
	for _, c := range []struct {
		name         string
		fail, repair func(b *node, disk *faultfs.FS)
	}{
		{"failure", func(b *node, disk *faultfs.FS) {
			disk.Inject(faultfs.Rule{Op: faultfs.Sync, Match: faultfs.And(faultfs.Store(b.dir, "MirrorTrouble"), faultfs.Suffix(".log", "COMMITLOG")), Err: syscall.EIO})
		}, func(b *node, disk *faultfs.FS) {
			disk.Clear()
			b.exec(`ALTER DATABASE MirrorTrouble SET ONLINE`)
		}},
		{"full", func(_ *node, disk *faultfs.FS) { disk.SetAvailable(1 << 20) }, func(_ *node, disk *faultfs.FS) { disk.SetAvailable(-1) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, b, _ := witnessed(t, "MirrorTrouble")
			disk := faultfs.New(1)
			b.stop()
			b.fs = disk
			b.start()
			a.waitState("MirrorTrouble", "PRINCIPAL", "SYNCHRONIZED")
			a.waitWitness("MirrorTrouble", "CONNECTED")

			wr := startWriters(t, "MirrorTrouble", 4, a, b)
			wr.WaitFor(100)
			c.fail(b, disk)
			start := time.Now()
			wr.WaitFor(300) // the principal serves without the mirror
			t.Logf("the principal acknowledged 300 commits %s after the mirror's disk trouble began", time.Since(start).Round(time.Millisecond))
			if role, state, _ := b.mirroring("MirrorTrouble"); role == "MIRROR" && state == "SYNCHRONIZED" {
				t.Fatalf("the mirror reports %s/%s with its disk in trouble", role, state)
			}
			c.repair(b, disk)
			a.waitState("MirrorTrouble", "PRINCIPAL", "SYNCHRONIZED")
			b.waitState("MirrorTrouble", "MIRROR", "SYNCHRONIZED")
			wr.WaitFor(100)
			checkAcked(t, a, "MirrorTrouble", wr.Finish())
		})
	}
}
