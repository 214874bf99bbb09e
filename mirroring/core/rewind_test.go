package core

import (
	"fmt"
	"testing"
	"time"
)

// TestSimulationMirrorAhead: with overlapped shipping the mirror hardens
// log before the principal's own fsync; the principal then loses that log
// (a crash, or its store reloaded from the WAL) with the mirror ahead. On
// its return the partners must converge — the mirror's tail undone when
// the principal carries on, kept when the mirror took over — with no
// acknowledged commit lost (but for forced service), with and without a
// witness, under SAFETY FULL and OFF.
func TestSimulationMirrorAhead(t *testing.T) {
	for _, witness := range []bool{true, false} {
		for _, safety := range []Safety{SafetyFull, SafetyOff} {
			for _, outage := range []string{"restart", "reload", "takeover"} {
				t.Run(fmt.Sprintf("witness=%v/safety=%s/%s", witness, safety, outage), func(t *testing.T) {
					t.Parallel()
					mirrorAhead(t, witness, safety, outage)
				})
			}
		}
	}
}

func mirrorAhead(t *testing.T, witness bool, safety Safety, outage string) {
	s := newSim(t, 7, witness)
	a, b := s.nodes[nodeA], s.nodes[nodeB]
	s.clients(5 * time.Millisecond)
	s.run(5 * time.Second)
	if safety == SafetyOff {
		s.command(nodeA, Command{Kind: CmdSafety, Safety: SafetyOff})
		s.run(3 * time.Second)
	}
	// A slow disk on the principal: the mirror hardens first.
	s.slowSync = 50 * time.Millisecond
	s.run(time.Second)
	for i := 0; i < 1000 && len(b.log) <= int(a.durable); i++ {
		s.run(10 * time.Millisecond) // a slow message now and then
	}
	if len(b.log) <= int(a.durable) {
		s.fail("the mirror is not ahead: it has %d records, the principal %d durable", len(b.log), a.durable)
	}
	s.logf("the mirror holds %d records past the principal's durable %d", len(b.log)-int(a.durable), a.durable)
	acked := len(s.acks)
	switch outage {
	case "restart": // back before anyone takes over: it stays principal
		s.crashKeeping(nodeA, int(a.durable))
		s.slowSync = 0
		s.at(300*time.Millisecond, func() { s.restart(nodeA) })
	case "reload":
		s.reloadKeeping(nodeA, int(a.durable))
		s.slowSync = 0
	case "takeover": // the mirror becomes principal, with the tail
		s.crashKeeping(nodeA, int(a.durable))
		s.slowSync = 0
		if !witness || safety == SafetyOff {
			s.at(12*time.Second, func() { s.command(nodeB, Command{Kind: CmdForceService}) })
		}
		s.at(25*time.Second, func() {
			s.command(nodeB, Command{Kind: CmdResume})
			s.restart(nodeA)
		})
	}
	s.run(40 * time.Second)
	s.settle()
	if len(s.acks) <= acked {
		s.fail("no commit acknowledged after the outage")
	}
	if witness && safety == SafetyFull && outage == "restart" {
		// A crash is a hard error: the witness hands B the principal
		// role at once (B holds the tail), whatever A does next.
		outage = "takeover"
	}
	switch {
	case outage != "takeover" && a.role != Principal:
		s.fail("A is %s after its %s; it should have stayed principal", a.role, outage)
	case outage != "takeover" && s.undos[nodeB] == 0:
		s.fail("the mirror never undid the tail it held past the principal's log")
	case outage == "takeover" && b.role != Principal:
		s.fail("B did not take over")
	}
}
