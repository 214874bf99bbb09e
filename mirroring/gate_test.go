package mirroring

import (
	"context"
	"errors"
	"testing"
	"time"

	"mirrordb/engine/txlog"
	"mirrordb/mirroring/core"
	"mirrordb/sqlerr"
)

// waitingAt waits (at most 5 s) until n commits wait at g and returns
// their LSNs' channels.
func waitingAt(t *testing.T, g *gate, n int) map[txlog.LSN]chan struct{} {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		g.mu.Lock()
		got := make(map[txlog.LSN]chan struct{}, len(g.waiters))
		for _, w := range g.waiters {
			got[w.lsn] = w.woken
		}
		g.mu.Unlock()
		if len(got) == n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d commits wait at the gate, want %d", len(got), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestGateWakesOnlyTheCommitsItLets: an acknowledgement wakes the commits
// it covers and leaves the later ones asleep (a commit woken for nothing
// would wait again on a new channel); a commit whose statement stops
// leaves the gate; going offline ends every wait with Msg 955.
func TestGateWakesOnlyTheCommitsItLets(t *testing.T) {
	g := newGate("d", func(time.Duration) {})
	g.set(core.Gate{}) // SAFETY FULL, nothing hardened yet
	results := make(map[txlog.LSN]chan error)
	for _, lsn := range []txlog.LSN{5, 10, 15} {
		res := make(chan error, 1)
		results[lsn] = res
		go func() { res <- g.wait(context.Background(), lsn) }()
	}
	ctx, stop := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- g.wait(ctx, 20) }()
	before := waitingAt(t, g, 4)

	g.set(core.Gate{Acked: 10})
	for _, lsn := range []txlog.LSN{5, 10} {
		if err := <-results[lsn]; err != nil {
			t.Fatalf("commit %d after the mirror hardened 10: %v", lsn, err)
		}
	}
	after := waitingAt(t, g, 2)
	for _, lsn := range []txlog.LSN{15, 20} {
		if after[lsn] != before[lsn] {
			t.Fatalf("commit %d was woken by an acknowledgement that does not cover it", lsn)
		}
	}

	stop()
	if err := <-stopped; !errors.Is(err, context.Canceled) {
		t.Fatalf("stopped commit: %v", err)
	}
	waitingAt(t, g, 1)

	g.set(core.Gate{Acked: 10, Offline: true})
	var e *sqlerr.Error
	if err := <-results[15]; !errors.As(err, &e) || e.Number != 955 {
		t.Fatalf("commit 15 when the gate went offline: %v, want Msg 955", err)
	}
	waitingAt(t, g, 0)
}
