package mirroring_test

import (
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
