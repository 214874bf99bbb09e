package mirroring_test

import (
	"testing"
	"time"
)

// TestSafetyOffStateSteadyUnderLoad (fault campaign finding 3): under
// SAFETY OFF at full write load a mirror that keeps up stays SYNCHRONIZED
// on both partners, in every poll of the view, and the state change
// history (and its log lines) gains nothing. Before, every commit moved
// the principal to SYNCHRONIZING and its acknowledgement back.
func TestSafetyOffStateSteadyUnderLoad(t *testing.T) {
	a, b := pairedNodes(t, "Async")
	a.exec(`ALTER DATABASE Async SET PARTNER SAFETY OFF`)
	waitSafety(t, b, "Async", "[OFF 2]")
	a.waitState("Async", "PRINCIPAL", "SYNCHRONIZED")
	b.waitState("Async", "MIRROR", "SYNCHRONIZED")
	before := [2]int{len(a.events("Async")), len(b.events("Async"))}

	w := startWriters(t, "Async", 8, a, b)
	w.WaitFor(100)
	start, acked := time.Now(), w.Count()
	polls, off := 0, map[string]int{}
	for time.Since(start) < 3*time.Second {
		for _, n := range []*node{a, b} {
			if _, state, _ := n.mirroring("Async"); state != "SYNCHRONIZED" {
				off[n.name+" "+state]++
			}
		}
		polls++
		time.Sleep(20 * time.Millisecond)
	}
	rate := float64(w.Count()-acked) / time.Since(start).Seconds()
	w.Finish()
	added := [2]int{len(a.events("Async")) - before[0], len(b.events("Async")) - before[1]}
	t.Logf("%.0f commits/s; %d polls of each partner, not SYNCHRONIZED: %v; state changes recorded: principal %d, mirror %d",
		rate, polls, off, added[0], added[1])
	if len(off) > 0 || added != [2]int{} {
		t.Fatalf("a mirror that keeps up under SAFETY OFF: polls not SYNCHRONIZED %v, state changes recorded %v (principal, mirror)", off, added)
	}
}
