package mirroring

import (
	"testing"
	"time"

	"mirrordb/mirroring/core"
)

// TestStateLogLimit: a situation that flaps every millisecond gives
// stateLineBurst lines, then one a second that records the net change
// and how many changes it stands for; the lines form a chain (each one's
// previous state is the one recorded before it); a role change is never
// held back.
func TestStateLogLimit(t *testing.T) {
	synced := situation{role: core.Principal, state: core.Synchronized}
	syncing := situation{role: core.Principal, state: core.Synchronizing}
	var l stateLog
	var lines []change
	write := func(c change, ok bool) {
		if ok {
			if len(lines) > 0 && c.prev != lines[len(lines)-1].id {
				t.Fatalf("line %+v does not follow %+v", c, lines[len(lines)-1])
			}
			lines = append(lines, c)
		}
	}
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	write(l.note(situation{}, synced, false, now))
	cur := synced
	for i := range 900 {
		now = now.Add(time.Millisecond)
		next := syncing
		if i%2 == 1 {
			next = synced
		}
		write(l.note(cur, next, false, now))
		cur = next
		write(l.flush(cur, now))
	}
	if len(lines) != stateLineBurst {
		t.Fatalf("%d lines for 901 changes in 0.9 s, want %d", len(lines), stateLineBurst)
	}
	held := l.folded
	now = now.Add(stateLineEvery)
	write(l.flush(cur, now))
	last := lines[len(lines)-1]
	if len(lines) != stateLineBurst+1 || last.folded != held || last.id != cur.event() {
		t.Fatalf("after a second: lines %+v, want one more for the %d changes held back, ending %d", lines, held, cur.event())
	}
	write(l.flush(cur, now.Add(stateLineEvery)))
	if len(lines) != stateLineBurst+1 {
		t.Fatalf("a line with nothing held back: %+v", lines[len(lines)-1])
	}

	// Out of lines, a role change still goes out at once.
	for range stateLineBurst {
		write(l.note(cur, syncing, false, now))
		write(l.note(syncing, synced, false, now))
	}
	mirror := situation{role: core.Mirror, state: core.Synchronizing}
	n := len(lines)
	write(l.note(synced, mirror, false, now))
	if len(lines) != n+1 || lines[n].id != evSynchronizing {
		t.Fatalf("the role change was held back: %+v", lines[n-1:])
	}
}
