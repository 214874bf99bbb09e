package core

import (
	"encoding/binary"
	"fmt"
	"reflect"
	"testing"
	"time"

	"mirrordb/sqlerr"
)

func wantErrNumber(t *testing.T, err error, number int) {
	t.Helper()
	if !sqlerr.Is(err, number) {
		t.Fatalf("got %v, want Msg %d", err, number)
	}
}

// TestSynchronizeAndGate: the mirror catches up from its end, the session
// becomes SYNCHRONIZED, and from then on SAFETY FULL commits wait for the
// mirror; a lost link releases them (no witness: the principal runs
// exposed).
func TestSynchronizeAndGate(t *testing.T) {
	p, m := sessionConfigs()
	e := newEnv(t, p, 1000, m, 400)
	e.wantState(e.a, Disconnected)
	e.connect()
	if e.b.end != 1000 {
		t.Fatalf("mirror caught up to %d, want 1000", e.b.end)
	}
	e.wantState(e.a, Synchronized)
	e.tick(time.Second) // a ping carries the principal's verdict
	e.wantState(e.b, Synchronized)

	e.commit(e.a, 1)
	if !e.a.waits(1001) {
		t.Fatal("a FULL commit does not wait for the synchronized mirror")
	}
	e.settle()
	if e.a.waits(1001) || e.b.end != 1001 {
		t.Fatalf("after the ack: waits=%v mirror end %d", e.a.waits(1001), e.b.end)
	}

	e.commit(e.a, 1)
	e.cut()
	if e.a.waits(1002) {
		t.Fatal("commits still wait after the mirror was lost")
	}
	e.wantState(e.a, Disconnected)
	e.wantState(e.b, Disconnected)

	e.commit(e.a, 50) // running exposed
	e.connect()
	if e.b.end != e.a.end {
		t.Fatalf("after reconnect the mirror has %d of %d", e.b.end, e.a.end)
	}
	e.wantState(e.a, Synchronized)
}

// TestSynchronizedMeansEverythingAckedIsHardened checks the rule that makes
// SYNCHRONIZED honest while a far-behind mirror catches up under load:
// whenever the principal reports SYNCHRONIZED, every record the mirror has
// not hardened is still waiting at the commit gate (never acknowledged).
func TestSynchronizedMeansEverythingAckedIsHardened(t *testing.T) {
	p, m := sessionConfigs()
	e := newEnv(t, p, 5000, m, 100)
	check := func() {
		t.Helper()
		if e.a.s.State() == Synchronized && e.a.acked > e.b.end {
			t.Fatalf("SYNCHRONIZED, yet LSN %d was acknowledged and the mirror has only %d", e.a.acked, e.b.end)
		}
	}
	e.up = true
	e.step(e.a, LinkUp{})
	e.step(e.b, LinkUp{})
	sawSync := false
	for round := 0; round < 200; round++ {
		e.commit(e.a, 3) // keep committing while the mirror catches up
		check()
		for i := 0; i < 3 && len(e.queue) > 0; i++ { // deliver a little at a time
			d := e.queue[0]
			e.queue = e.queue[1:]
			e.step(d.to, Received{Msg: d.msg})
			check()
		}
		if e.a.shipFrom > 0 && e.a.shipFrom <= e.a.end {
			e.queue = append(e.queue, delivery{to: e.b, msg: &LogBlock{Header: e.a.s.header(),
				Records: records(e.a.shipFrom, min(e.a.end, e.a.shipFrom+400))}})
			e.a.shipFrom = min(e.a.end, e.a.shipFrom+400) + 1
		}
		sawSync = sawSync || e.a.s.State() == Synchronized
	}
	e.settle()
	check()
	if !sawSync || e.a.s.State() != Synchronized {
		t.Fatalf("never synchronized (state %s, mirror %d of %d)", e.a.s.State(), e.b.end, e.a.end)
	}
}

func records(from, to LSN) [][]byte {
	var out [][]byte
	for l := from; l <= to; l++ {
		out = append(out, binary.BigEndian.AppendUint64(nil, l))
	}
	return out
}

// TestSafetyOffNeverWaits: high-performance mode acknowledges at once.
func TestSafetyOffNeverWaits(t *testing.T) {
	p, m := sessionConfigs()
	e := newEnv(t, p, 10, m, 10)
	e.connect()
	if err := e.command(e.a, Command{Kind: CmdSafety, Safety: SafetyOff}); err != nil {
		t.Fatal(err)
	}
	if e.b.s.Config().Safety != SafetyOff || e.b.persisted.SafetySeq != 2 {
		t.Fatalf("mirror did not adopt SAFETY OFF: %+v", e.b.s.Config())
	}
	e.commit(e.a, 5)
	if e.a.waits(15) {
		t.Fatal("SAFETY OFF commit waits")
	}
	wantErrNumber(t, e.command(e.b, Command{Kind: CmdSafety, Safety: SafetyFull}), 1470)
	wantErrNumber(t, e.command(e.a, Command{Kind: CmdFailover}), 1477)
}

// TestSafetyOffStateHysteresis (lag.go): under SAFETY OFF a mirror that
// keeps up stays SYNCHRONIZED however fast the commits come; one that
// lacks log durable for more than AsyncBehind makes the session
// SYNCHRONIZING (the mirror too, from the principal's word), once; it is
// SYNCHRONIZED again, once, when it lacks nothing older than AsyncCaughtUp.
func TestSafetyOffStateHysteresis(t *testing.T) {
	p, m := sessionConfigs()
	e := newEnv(t, p, 10, m, 10)
	e.connect()
	if err := e.command(e.a, Command{Kind: CmdSafety, Safety: SafetyOff}); err != nil {
		t.Fatal(err)
	}
	e.wantState(e.a, Synchronized)
	e.a.states, e.b.states = nil, nil
	for range 2000 { // 2000 commits/s, each acknowledged within 1 ms
		e.commit(e.a, 1)
		e.tick(500 * time.Microsecond)
		e.tick(500 * time.Microsecond)
	}
	if len(e.a.states) != 0 || len(e.b.states) != 0 {
		t.Fatalf("a mirror that keeps up: %d state changes on the principal, %d on the mirror", len(e.a.states), len(e.b.states))
	}

	// The mirror stops acknowledging (its link stays up: it still pings).
	behind := func(d time.Duration) {
		for end := e.now.Add(d); e.now.Before(end); {
			e.commit(e.a, 1)
			e.now = e.now.Add(10 * time.Millisecond)
			e.step(e.a, Tick{Now: e.now})
			e.step(e.a, Received{Msg: roundTrip(t, &Ping{Header: e.b.s.header()})})
		}
	}
	behind(AsyncBehind - 50*time.Millisecond)
	e.wantState(e.a, Synchronized)
	behind(100 * time.Millisecond)
	e.wantState(e.a, Synchronizing)
	e.settle() // the mirror catches up at once
	e.wantState(e.a, Synchronized)
	e.tick(time.Second) // the mirror hears it with the next ping
	e.wantState(e.b, Synchronized)
	if fmt.Sprint(e.a.states) != "[SYNCHRONIZING SYNCHRONIZED]" || fmt.Sprint(e.b.states) != "[SYNCHRONIZING SYNCHRONIZED]" {
		t.Fatalf("state changes %v on the principal, %v on the mirror; want one each way", e.a.states, e.b.states)
	}

	// Caught up to within AsyncCaughtUp is caught up.
	behind(AsyncBehind + time.Second)
	e.wantState(e.a, Synchronizing)
	e.settle()
	behind(AsyncCaughtUp / 2)
	e.wantState(e.a, Synchronized)
}

// TestTimeoutDetectsSilence: a partner that stops talking is declared lost
// after TIMEOUT (a soft error), not before.
func TestTimeoutDetectsSilence(t *testing.T) {
	p, m := sessionConfigs()
	e := newEnv(t, p, 10, m, 10)
	e.connect()
	e.queue = nil
	e.up = false // the network silently drops everything
	e.now = e.now.Add(9 * time.Second)
	e.step(e.a, Tick{Now: e.now})
	e.wantState(e.a, Synchronized)
	e.now = e.now.Add(2 * time.Second)
	e.step(e.a, Tick{Now: e.now})
	e.wantState(e.a, Disconnected)
	if err := e.command(e.a, Command{Kind: CmdTimeout, Timeout: 2}); err != nil || e.a.s.Config().Timeout != 5 {
		t.Fatalf("TIMEOUT 2 → %d (%v), want 5", e.a.s.Config().Timeout, err)
	}
}

// TestSuspendResume: SUSPEND from either partner, recorded while apart and
// settled by sequence numbers; RESUME catches the mirror up.
func TestSuspendResume(t *testing.T) {
	p, m := sessionConfigs()
	e := newEnv(t, p, 10, m, 10)
	e.connect()
	if err := e.command(e.b, Command{Kind: CmdSuspend}); err != nil {
		t.Fatal(err)
	}
	e.wantState(e.a, Suspended)
	e.wantState(e.b, Suspended)
	e.commit(e.a, 20)
	e.settle()
	if e.b.end != 10 || e.a.waits(30) {
		t.Fatalf("suspended: mirror end %d, waits %v", e.b.end, e.a.waits(30))
	}
	if err := e.command(e.b, Command{Kind: CmdResume}); err != nil {
		t.Fatal(err)
	}
	e.wantState(e.a, Synchronized)
	if e.b.end != 30 {
		t.Fatalf("resumed mirror end %d", e.b.end)
	}
	// Suspended on the mirror while apart: the principal learns it.
	e.cut()
	if err := e.command(e.b, Command{Kind: CmdSuspend}); err != nil {
		t.Fatal(err)
	}
	wantErrNumber(t, e.command(e.b, Command{Kind: CmdResume}), 1447)
	e.connect()
	e.wantState(e.a, Suspended)
	if err := e.command(e.a, Command{Kind: CmdResume}); err != nil {
		t.Fatal(err)
	}
	e.wantState(e.b, Synchronizing) // until the next ping says synchronized
	e.tick(time.Second)
	e.wantState(e.b, Synchronized)
}

// TestManualFailover swaps the roles with no data loss and back again.
func TestManualFailover(t *testing.T) {
	p, m := sessionConfigs()
	e := newEnv(t, p, 100, m, 100)
	e.connect()
	e.commit(e.a, 5)
	e.settle()
	if err := e.command(e.a, Command{Kind: CmdFailover}); err != nil {
		t.Fatal(err)
	}
	if e.a.role != Mirror || e.b.role != Principal || e.a.blocked {
		t.Fatalf("after failover: A %s (blocked %v), B %s", e.a.role, e.a.blocked, e.b.role)
	}
	if e.a.s.cfg.RoleSeq != 2 || e.b.s.cfg.RoleSeq != 2 || e.b.s.cfg.FailoverLSN != 105 {
		t.Fatalf("role sequences %d/%d, failover LSN %d", e.a.s.cfg.RoleSeq, e.b.s.cfg.RoleSeq, e.b.s.cfg.FailoverLSN)
	}
	if len(e.a.undos) != 0 {
		t.Fatal("a clean manual failover undid log")
	}
	e.wantState(e.b, Synchronized)
	e.commit(e.b, 3)
	e.settle()
	if e.a.end != 108 {
		t.Fatalf("new mirror end %d", e.a.end)
	}
	wantErrNumber(t, e.command(e.a, Command{Kind: CmdFailover}), 1470)
	if err := e.command(e.b, Command{Kind: CmdFailover}); err != nil {
		t.Fatal(err)
	}
	if e.a.role != Principal || e.a.s.cfg.RoleSeq != 3 {
		t.Fatalf("failback: A %s seq %d", e.a.role, e.a.s.cfg.RoleSeq)
	}
}

// TestFailoverRefusedWhenNotSynchronized checks the preconditions.
func TestFailoverRefusedWhenNotSynchronized(t *testing.T) {
	p, m := sessionConfigs()
	e := newEnv(t, p, 10, m, 10)
	wantErrNumber(t, e.command(e.a, Command{Kind: CmdFailover}), 1447)
	e.connect()
	if err := e.command(e.a, Command{Kind: CmdSuspend}); err != nil {
		t.Fatal(err)
	}
	wantErrNumber(t, e.command(e.a, Command{Kind: CmdFailover}), 1422)
}

// TestFailoverInDoubt: the link dies after the failover request went out.
// Writes stay blocked until the partners meet; their role sequences then
// say whether the mirror took over.
func TestFailoverInDoubt(t *testing.T) {
	for _, tookOver := range []bool{true, false} {
		p, m := sessionConfigs()
		e := newEnv(t, p, 50, m, 50)
		e.connect()
		e.nextCmd++
		id := e.nextCmd
		e.step(e.a, Command{ID: id, Kind: CmdFailover})
		// The request is queued; cut the link before (or after) the mirror
		// sees it.
		if tookOver {
			for len(e.queue) > 0 && e.a.role == Principal {
				d := e.queue[0]
				e.queue = e.queue[1:]
				e.step(d.to, Received{Msg: d.msg})
				if e.b.role == Principal {
					break // the reply is lost
				}
			}
		}
		e.cut()
		wantErrNumber(t, e.a.replies[id], 1421)
		if !e.a.blocked {
			t.Fatal("in doubt, the old principal accepts writes")
		}
		e.wantState(e.a, PendingFailover)
		e.connect()
		if tookOver {
			if e.a.role != Mirror || e.b.role != Principal || e.a.blocked {
				t.Fatalf("took over: A %s blocked=%v, B %s", e.a.role, e.a.blocked, e.b.role)
			}
		} else if e.a.role != Principal || e.b.role != Mirror || e.a.blocked {
			t.Fatalf("did not take over: A %s blocked=%v, B %s", e.a.role, e.a.blocked, e.b.role)
		}
	}
}

// TestForcedServiceAndResume: the mirror forces service while the
// principal is away; the principal returns with log the mirror never got,
// becomes mirror SUSPENDED with that log intact, and RESUME undoes it and
// resynchronizes (SPEC D3, T12–T14).
func TestForcedServiceAndResume(t *testing.T) {
	p, m := sessionConfigs()
	p.Safety, m.Safety = SafetyOff, SafetyOff
	e := newEnv(t, p, 100, m, 100)
	e.connect()
	e.cut()
	e.commit(e.a, 7) // A keeps writing: LSN 101..107, never sent
	wantErrNumber(t, e.command(e.a, Command{Kind: CmdForceService}), 1455)
	if err := e.command(e.b, Command{Kind: CmdForceService}); err != nil {
		t.Fatal(err)
	}
	if e.b.role != Principal || e.b.s.cfg.RoleSeq != 2 || e.b.forks != 1 {
		t.Fatalf("forced: B %s seq %d forks %d", e.b.role, e.b.s.cfg.RoleSeq, e.b.forks)
	}
	e.wantState(e.b, Suspended)
	e.commit(e.b, 3) // the new fork: 101..103 on B
	e.connect()
	if e.a.role != Mirror || len(e.a.undos) != 0 || e.a.end != 107 {
		t.Fatalf("returning principal: role %s, undos %v, end %d", e.a.role, e.a.undos, e.a.end)
	}
	e.wantState(e.a, Suspended)
	if err := e.command(e.b, Command{Kind: CmdResume}); err != nil {
		t.Fatal(err)
	}
	if len(e.a.undos) != 1 || e.a.undos[0] != 100 {
		t.Fatalf("RESUME undo: %v", e.a.undos)
	}
	if e.a.end != 103 {
		t.Fatalf("after RESUME the mirror has %d, want 103", e.a.end)
	}
	e.wantState(e.b, Synchronized)
}

// TestForceServiceRefusedWhileConnected: forcing needs the principal gone.
func TestForceServiceRefusedWhileConnected(t *testing.T) {
	p, m := sessionConfigs()
	e := newEnv(t, p, 10, m, 10)
	e.connect()
	wantErrNumber(t, e.command(e.b, Command{Kind: CmdForceService}), 1455)
}

// TestOffWhileApart: OFF on one partner; the other learns it at the next
// meeting (NoSession) and drops the session too.
func TestOffWhileApart(t *testing.T) {
	p, m := sessionConfigs()
	e := newEnv(t, p, 10, m, 10)
	e.connect()
	if err := e.command(e.a, Command{Kind: CmdOff}); err != nil {
		t.Fatal(err)
	}
	if !e.a.removed || !e.b.removed {
		t.Fatalf("OFF while connected: A removed %v, B removed %v", e.a.removed, e.b.removed)
	}

	e = newEnv(t, p, 10, m, 10)
	e.connect()
	e.cut()
	if err := e.command(e.b, Command{Kind: CmdOff}); err != nil {
		t.Fatal(err)
	}
	if e.a.removed {
		t.Fatal("the principal learned of OFF without a link")
	}
	// B's instance now has no such session: it answers NoSession.
	e.up = true
	e.step(e.a, LinkUp{})
	for len(e.queue) > 0 {
		d := e.queue[0]
		e.queue = e.queue[1:]
		if d.to == e.b {
			e.step(e.a, Received{Msg: &NoSession{Header: *HeaderOf(d.msg)}})
		}
	}
	if !e.a.removed {
		t.Fatal("the principal kept a session its partner removed")
	}
}

// TestStaleRoleSequenceIsFenced: a log block from an older role sequence
// never reaches a mirror's database.
func TestStaleRoleSequenceIsFenced(t *testing.T) {
	p, m := sessionConfigs()
	m.RoleSeq = 2
	e := newEnv(t, p, 10, m, 10)
	e.connect() // A (seq 1) meets B at seq 2: B is... a mirror at 2, A principal at 1: no link
	before := e.b.end
	e.step(e.b, Received{Msg: &LogBlock{Header: Header{DB: "db", GUID: "guid-1", RoleSeq: 1, From: Principal},
		Records: [][]byte{{0, 0, 0, 0, 0, 0, 0, 11}}}})
	if e.b.end != before {
		t.Fatal("a mirror applied log from a stale role sequence")
	}
}

func TestMessagesRoundTrip(t *testing.T) {
	msgs := []Message{
		&Hello{Header: Header{DB: "d", GUID: "g", RoleSeq: 3, From: Mirror}, End: 7, PendingUndo: true, Forced: true},
		&LogBlock{Header: Header{DB: "d"}, Records: [][]byte{{1, 2}, {}, {3}}, Durable: 9},
		&LogBlock{Header: Header{DB: "db", GUID: "g-1", RoleSeq: -2, From: Principal, Seq: 1 << 40, Echo: 3}, Durable: 1 << 50, Synchronized: true},
		&Ack{Hardened: 4}, &Ack{Header: Header{DB: "d", GUID: "g", RoleSeq: 9, From: Mirror, Seq: 2, Echo: 8}, Hardened: 1 << 62},
		&Ping{Durable: 1}, &ConfigChange{Safety: SafetyOff}, &Request{Command: CmdResume},
		&FailoverRequest{NewRoleSeq: 2, FailoverLSN: 5}, &FailoverReply{Done: true}, &NoSession{},
	}
	for _, m := range msgs {
		got := roundTrip(t, m)
		k1, p1 := Encode(m)
		k2, p2 := Encode(got)
		if k1 != k2 || string(p1) != string(p2) {
			t.Errorf("%T does not round-trip", m)
		}
	}
	for _, bad := range [][]byte{nil, {0xff}, {5, '{'}} {
		if _, err := Decode('l', bad); err == nil {
			t.Errorf("log block %v decoded", bad)
		}
	}
	good := appendAck(nil, &Ack{Header: Header{DB: "d"}, Hardened: 4})
	for _, bad := range [][]byte{nil, good[:len(good)-1], append(good, 0), {200, 1}} {
		if _, err := Decode('a', bad); err == nil {
			t.Errorf("ack %v decoded", bad)
		}
	}
	if _, err := Decode('h', []byte("not json")); err == nil {
		t.Error("bad hello decoded")
	}
}

// FuzzDecode: no panic on any payload of any kind, and a binary message
// (log block, acknowledgement) that decodes encodes back to one that
// decodes to the same message: every field round-trips.
func FuzzDecode(f *testing.F) {
	k, p := Encode(&LogBlock{Header: Header{DB: "d"}, Records: [][]byte{{1}}})
	f.Add(k, p)
	k, p = Encode(&Hello{End: 5})
	f.Add(k, p)
	k, p = Encode(&Ack{Header: Header{DB: "d", GUID: "g"}, Hardened: 5})
	f.Add(k, p)
	f.Fuzz(func(t *testing.T, kind byte, payload []byte) {
		m, err := Decode(kind, payload)
		if err != nil || kind != kindLog && kind != kindAck {
			return
		}
		k, p := Encode(m)
		again, err := Decode(k, p)
		if k != kind || err != nil || !reflect.DeepEqual(again, m) {
			t.Fatalf("%#v encoded as %q %x decodes to %#v, %v", m, k, p, again, err)
		}
	})
}

// TestLostHellosHeal: both Hellos are lost (they went on a connection the
// transport then replaced) while the link stays up; the partners' pings
// make each say Hello again, and the session links without a timeout.
func TestLostHellosHeal(t *testing.T) {
	p, m := sessionConfigs()
	e := newEnv(t, p, 10, m, 10)
	e.up = true
	e.step(e.a, LinkUp{})
	e.step(e.b, LinkUp{})
	e.queue = nil // the Hellos are gone
	for range 3 {
		e.tick(time.Second)
	}
	e.wantState(e.a, Synchronized)
	e.wantState(e.b, Synchronized)
}
