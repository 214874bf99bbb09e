package core

import (
	"container/heap"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// A deterministic simulator for the session and quorum cores: two
// partners and a witness on a simulated network and clock. Everything —
// delays, partitions, crashes, the clients' commits — comes from one seed,
// so a failure reproduces exactly (go test -run TestSimulation -sim.seed N).
//
// The network behaves like the real transport: one connection per pair of
// nodes, messages in order, never lost or duplicated within a connection;
// a connection ends with an error (seen at once on both sides unless the
// path is silent) or by one side closing it; a silent partition holds the
// bytes until it heals. Log shipping resends after reconnection, so a
// mirror sees records twice.
//
// Invariants checked on every acknowledgement and role switch:
//   - at most one node acknowledges commits for any role sequence;
//   - acknowledgements of an older role sequence all come before those of
//     a newer one (never two principals at once);
//   - a partner taking the principal role (other than by forced service)
//     holds every commit acknowledged so far;
//   - a mirror's log never disagrees with what it is shipped;
//   - after the faults stop, the partners converge: one principal serving,
//     both SYNCHRONIZED, identical logs holding every acknowledged commit.

const simDB = "db"

type simNode struct {
	sim     *sim
	id      int
	name    string
	alive   bool
	witness bool

	// Partner.
	s         *Session
	log       []uint64 // commit ids; log[i] is LSN i+1
	durable   LSN      // the log is on disk up to here (the rest awaits its fsync)
	life      int      // incarnation: events scheduled for an earlier one are dropped
	persisted Config
	role      Role
	gate      Gate
	serving   bool
	blocked   bool
	shipFrom  LSN
	pending   []LSN // commits waiting at the gate, in LSN order
	replies   map[uint64]error
	lastTick  time.Time
	stalled   bool
	// pausedUntil: the process is stopped (SIGSTOP) until then; what
	// happens to it waits, in order.
	pausedUntil time.Time

	// Witness.
	w    *Witness
	recs map[string]WitnessRecord
}

func (n *simNode) inst() string { return "instance-" + n.name }
func (n *simNode) addr() string { return "TCP://" + strings.ToLower(n.name) + ":7022" }

type simConn struct {
	open   bool
	gen    int
	lastAt [2]time.Time // last delivery scheduled, per direction (FIFO)
	held   [2][]Message // bytes held by a silent partition, per direction
}

type simAck struct {
	id      uint64
	lsn     LSN
	node    int
	roleSeq int64
	at      time.Time
}

type sim struct {
	t       testing.TB
	seed    uint64
	rng     *rand.Rand
	now     time.Time
	nodes   [3]*simNode // A, B: partners; W: witness
	conns   map[[2]int]*simConn
	silent  [3][3]bool // i→j bytes held
	hard    [3][3]bool // i–j connections refused
	queue   eventQueue
	evSeq   int
	nextID  uint64
	acks    []simAck
	ackedBy map[int64]int
	maxAck  int64 // highest role sequence that acknowledged a commit
	forced  bool  // forced service happened: data loss is allowed
	quiet   bool  // the clients have stopped
	// slowSync is added to every fsync (a slow disk: the mirror hardens
	// before the principal's own flush is done).
	slowSync time.Duration
	undos    [2]int // undos done, per partner
	trace    []string
	nextCmd  uint64
}

const (
	nodeA, nodeB, nodeW = 0, 1, 2
)

// newSim builds a synchronized FULL session between A (principal) and B,
// witnessed by W unless noWitness.
func newSim(t testing.TB, seed uint64, witness bool) *sim {
	s := &sim{t: t, seed: seed, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		now: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC), conns: map[[2]int]*simConn{}, ackedBy: map[int64]int{}}
	for i, name := range []string{"A", "B", "W"} {
		s.nodes[i] = &simNode{sim: s, id: i, name: name, alive: true, witness: i == nodeW,
			replies: map[uint64]error{}, recs: map[string]WitnessRecord{}}
	}
	base := Config{Database: simDB, GUID: "guid-sim", RoleSeq: 1, Safety: SafetyFull, SafetySeq: 1, Timeout: 10}
	if witness {
		base.Witness = s.nodes[nodeW].addr()
	}
	pc, mc := base, base
	pc.Role, pc.Partner, pc.PartnerName = Principal, s.nodes[nodeB].addr(), "B"
	mc.Role, mc.Partner, mc.PartnerName = Mirror, s.nodes[nodeA].addr(), "A"
	s.nodes[nodeA].persisted, s.nodes[nodeB].persisted = pc, mc
	if witness {
		rec := WitnessRecord{DB: simDB, GUID: base.GUID, Principal: 0, RoleSeq: 1, Safety: SafetyFull, SafetySeq: 1, Timeout: 10,
			Exposed: true, Partners: [2]WitnessPartner{
				{Instance: s.nodes[nodeA].inst(), Name: "A", Address: s.nodes[nodeA].addr()},
				{Instance: s.nodes[nodeB].inst(), Name: "B", Address: s.nodes[nodeB].addr()}}}
		s.nodes[nodeW].recs[rec.GUID] = rec
	}
	for _, n := range s.nodes {
		s.boot(n)
	}
	return s
}

// boot starts (or restarts) a node from what it persisted.
func (s *sim) boot(n *simNode) {
	n.alive, n.lastTick = true, s.now
	if n.witness {
		var recs []WitnessRecord
		for _, r := range n.recs {
			recs = append(recs, r)
		}
		n.w = NewWitness(recs, s.now)
	} else {
		n.life++
		n.durable = LSN(len(n.log))
		n.s = NewSession(n.persisted, LSN(len(n.log)), s.now)
		n.persisted = n.s.Config() // the driver persists it before serving
		n.role, n.gate, n.serving, n.blocked, n.shipFrom, n.pending = n.persisted.Role, Gate{Offline: true}, false, false, 0, nil
		if n.persisted.Role == Principal && n.persisted.PendingFailover != nil {
			n.blocked = true
		}
		s.step(n, Tick{Now: s.now})
	}
	s.scheduleTick(n)
}

func (s *sim) logf(format string, args ...any) {
	s.trace = append(s.trace, fmt.Sprintf("%8.3fs ", s.now.Sub(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)).Seconds())+fmt.Sprintf(format, args...))
}

func (s *sim) fail(format string, args ...any) {
	s.t.Helper()
	tail := s.trace
	if len(tail) > *simTrace {
		tail = tail[len(tail)-*simTrace:]
	}
	s.t.Fatalf("seed %d at %s: %s\nlast events:\n%s", s.seed, s.now.Format("15:04:05.000"), fmt.Sprintf(format, args...), strings.Join(tail, "\n"))
}

// Events.

type simEvent struct {
	at  time.Time
	seq int
	fn  func()
}

type eventQueue []*simEvent

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(*simEvent)) }
func (q *eventQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// asleep defers fn until a paused node wakes, and reports whether it did.
func (s *sim) asleep(n *simNode, fn func()) bool {
	if !s.now.Before(n.pausedUntil) {
		return false
	}
	s.at(n.pausedUntil.Sub(s.now), fn)
	return true
}

// pause stops node i's process for d: it handles nothing, its peers hear
// nothing, its connections stay open.
func (s *sim) pause(i int, d time.Duration) {
	n := s.nodes[i]
	if !n.alive || s.now.Before(n.pausedUntil) {
		return
	}
	s.logf("%s paused for %s", n.name, d)
	n.pausedUntil = s.now.Add(d)
}

func (s *sim) at(d time.Duration, fn func()) {
	s.evSeq++
	heap.Push(&s.queue, &simEvent{at: s.now.Add(d), seq: s.evSeq, fn: fn})
}

// run processes events until the clock reaches end.
func (s *sim) run(d time.Duration) {
	end := s.now.Add(d)
	for s.queue.Len() > 0 && !s.queue[0].at.After(end) {
		e := heap.Pop(&s.queue).(*simEvent)
		s.now = e.at
		e.fn()
	}
	s.now = end
}

func (s *sim) jitter(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(s.rng.Int64N(int64(hi-lo)+1))
}

func (s *sim) scheduleTick(n *simNode) {
	s.at(s.jitter(90*time.Millisecond, 110*time.Millisecond), func() {
		if !n.alive {
			return
		}
		if !s.now.Before(n.pausedUntil) {
			s.tick(n)
		}
		s.scheduleTick(n)
	})
}

// tick advances a node's clock, reconnects its links and ships log.
func (s *sim) tick(n *simNode) {
	n.lastTick = s.now
	if n.witness {
		s.wstep(n, WTick{Now: s.now})
		return
	}
	s.step(n, Tick{Now: s.now})
	s.reconnect(n)
	s.ship(n)
	s.processAcks(n)
}

// freshen ticks a node before it handles an event, as the driver does.
func (s *sim) freshen(n *simNode) {
	if s.now.Sub(n.lastTick) >= 10*time.Millisecond {
		n.lastTick = s.now
		if n.witness {
			s.wstep(n, WTick{Now: s.now})
		} else {
			s.step(n, Tick{Now: s.now})
		}
	}
}

// Partners.

func (s *sim) step(n *simNode, ev Event) {
	if !n.alive || n.s.Removed() {
		return
	}
	for _, a := range n.s.Step(ev) {
		s.do(n, a)
	}
	s.processAcks(n)
}

func (s *sim) partnerOf(n *simNode) *simNode { return s.nodes[1-n.id] }

func (s *sim) do(n *simNode, a Action) {
	switch x := a.(type) {
	case Send:
		s.send(n, s.partnerOf(n), x.Msg)
	case SendWitness:
		s.send(n, s.nodes[nodeW], x.Msg)
	case Persist:
		n.persisted = x.Config
	case Remove:
		s.logf("%s: mirroring removed", n.name)
	case SetRole:
		s.logf("%s: role %s at %d", n.name, x.Role, n.s.Config().RoleSeq)
		n.role = x.Role
		if x.Role == Principal {
			s.checkTakeover(n)
		} else {
			// The driver reports where the log ends once no commit is in
			// flight; commits awaiting their fsync are in it already.
			life := n.life
			var demoted func()
			demoted = func() {
				if n.alive && n.life == life && !s.asleep(n, demoted) {
					s.freshen(n)
					s.step(n, Demoted{End: LSN(len(n.log))})
				}
			}
			s.at(s.jitter(0, 5*time.Millisecond), demoted)
		}
	case Ship:
		n.shipFrom = x.From
	case Apply:
		s.apply(n, x.Records)
	case Gate:
		n.gate = x
	case BlockWrites:
		n.blocked = x.Block
		if x.Block {
			var blocked func()
			blocked = func() {
				if n.alive && n.blocked && !s.asleep(n, blocked) {
					s.freshen(n)
					s.step(n, WritesBlocked{End: LSN(len(n.log))})
				}
			}
			s.at(s.jitter(0, 5*time.Millisecond), blocked)
		}
	case Undo:
		// The driver undoes in the background and reports Undone later.
		life := n.life
		var undo func()
		undo = func() {
			if !n.alive || n.life != life || s.asleep(n, undo) {
				return
			}
			s.logf("%s: undo %d → %d", n.name, len(n.log), x.To)
			if LSN(len(n.log)) > x.To {
				s.undos[n.id]++
			}
			n.log = n.log[:min(LSN(len(n.log)), x.To)]
			n.durable = min(n.durable, x.To)
			s.freshen(n)
			s.step(n, Undone{LSN: LSN(len(n.log))})
		}
		s.at(s.jitter(0, 5*time.Millisecond), undo)
	case NewFork:
	case DropLink:
		s.close(n, s.partnerOf(n), "dropped by "+n.name)
	case DropWitness:
		s.close(n, s.nodes[nodeW], "dropped by "+n.name)
	case Reply:
		n.replies[x.ID] = x.Err
	case StateChanged:
		s.logf("%s: %s → %s", n.name, x.From, x.To)
	case Serve:
		n.serving = x.On
	default:
		s.fail("unexpected action %T", a)
	}
}

// record encodes a log record: its LSN and commit id.
func record(lsn LSN, id uint64) []byte {
	return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, lsn), id)
}

func (s *sim) apply(n *simNode, recs [][]byte) {
	for _, r := range recs {
		lsn, id := LSN(binary.BigEndian.Uint64(r)), binary.BigEndian.Uint64(r[8:])
		switch {
		case lsn == LSN(len(n.log))+1:
			n.log = append(n.log, id)
			n.durable = LSN(len(n.log)) // a mirror hardens before it acknowledges
		case lsn <= LSN(len(n.log)):
			if n.log[lsn-1] != id {
				s.fail("%s: record %d is commit %d here but %d shipped: the histories diverged", n.name, lsn, n.log[lsn-1], id)
			}
		default:
			s.fail("%s: record %d applied after %d (gap)", n.name, lsn, len(n.log))
		}
	}
	s.step(n, Hardened{LSN: LSN(len(n.log))})
}

// ship sends the principal's new log, as the driver's shipper does: what
// is applied, durable or not (the two flushes overlap, see rewind.go).
func (s *sim) ship(n *simNode) {
	end := LSN(len(n.log))
	if !n.alive || n.role != Principal || n.shipFrom == 0 || n.shipFrom > end {
		return
	}
	c := s.conn(n.id, 1-n.id)
	if !c.open {
		return
	}
	var recs [][]byte
	for l := n.shipFrom; l <= end; l++ {
		recs = append(recs, record(l, n.log[l-1]))
	}
	s.send(n, s.partnerOf(n), &LogBlock{Header: n.s.header(), Records: recs, Durable: n.durable,
		Synchronized: n.s.Synced()})
	n.shipFrom = end + 1
}

// commit is a client's write on whichever node serves the database.
func (s *sim) commit() {
	for _, n := range s.nodes[:2] {
		if n.alive && n.role == Principal && n.serving && !n.blocked && !n.stalled && !s.now.Before(n.pausedUntil) {
			s.freshen(n)
			if !n.serving || n.role != Principal {
				return
			}
			s.nextID++
			n.log = append(n.log, s.nextID)
			lsn := LSN(len(n.log))
			n.pending = append(n.pending, lsn)
			s.ship(n)
			// The fsync takes a moment, now and then a long one.
			delay := s.slowSync + s.jitter(100*time.Microsecond, 3*time.Millisecond)
			if s.rng.IntN(40) == 0 {
				delay += s.jitter(0, 200*time.Millisecond)
			}
			life := n.life
			s.at(delay, func() { s.synced(n, life, lsn) })
			return
		}
	}
}

// synced reports a commit's fsync done (in order, as the engine does).
func (s *sim) synced(n *simNode, life int, lsn LSN) {
	if !n.alive || n.life != life {
		return
	}
	if s.now.Before(n.pausedUntil) {
		// After a pause the fsync's completion races with what the
		// network brought meanwhile.
		s.at(n.pausedUntil.Sub(s.now)+s.jitter(0, 500*time.Millisecond), func() { s.synced(n, life, lsn) })
		return
	}
	if lsn > LSN(len(n.log)) || lsn <= n.durable {
		return // undone meanwhile, or already covered
	}
	n.durable = lsn
	s.freshen(n)
	s.step(n, Durable{LSN: lsn})
	s.ship(n)
}

// processAcks acknowledges the commits the gate lets through, and fails
// those waiting when the gate goes offline.
func (s *sim) processAcks(n *simNode) {
	for len(n.pending) > 0 {
		lsn := n.pending[0]
		switch {
		case lsn > LSN(len(n.log)): // undone: the commit failed
		case lsn > n.durable: // not on disk yet
			return
		case n.gate.Offline:
		case n.gate.Lets(lsn, s.now):
			s.ack(n, lsn)
		default:
			return
		}
		n.pending = n.pending[1:]
	}
}

func (s *sim) ack(n *simNode, lsn LSN) {
	seq := n.s.Config().RoleSeq
	if n.role != Principal {
		s.fail("%s acknowledged LSN %d while %s", n.name, lsn, n.role)
	}
	if by, ok := s.ackedBy[seq]; ok && by != n.id {
		s.fail("two nodes acknowledged commits at role sequence %d: %s and %s", seq, s.nodes[by].name, n.name)
	}
	// Forced service is the DBA accepting data loss: a former principal
	// without a witness serves alone until it meets its partner (SPEC
	// §8.2), so only with a witness is its acknowledgement a split brain.
	if seq < s.maxAck && !(s.forced && n.s.Config().Witness == "") {
		s.fail("%s acknowledged LSN %d at role sequence %d after role sequence %d had acknowledged: two principals at once",
			n.name, lsn, seq, s.maxAck)
	}
	s.ackedBy[seq], s.maxAck = n.id, seq
	s.acks = append(s.acks, simAck{id: n.log[lsn-1], lsn: lsn, node: n.id, roleSeq: seq, at: s.now})
}

// checkTakeover: a partner becoming principal holds every acknowledged
// commit, and the former principal can no longer acknowledge.
func (s *sim) checkTakeover(n *simNode) {
	cfg := n.s.Config()
	if cfg.Forced {
		s.forced = true
		return
	}
	if !s.forced {
		have := map[uint64]bool{}
		for _, id := range n.log {
			have[id] = true
		}
		for _, a := range s.acks {
			if !have[a.id] {
				s.fail("%s became principal at role sequence %d without acknowledged commit %d (LSN %d, acknowledged by %s at %d)",
					n.name, cfg.RoleSeq, a.id, a.lsn, s.nodes[a.node].name, a.roleSeq)
			}
		}
	}
	// Taken (not handed over by a manual failover, where the former
	// principal has blocked its writes): the former principal's lease must
	// have ended, or the new principal must hold off serving until it has.
	o := s.partnerOf(n)
	if lease := o.s.leaseUntil(); o.alive && o.role == Principal && !o.blocked && o.s.Config().Witness != "" &&
		o.s.Config().RoleSeq < cfg.RoleSeq && lease.After(s.now) && n.s.holdUntil.Before(lease) {
		s.fail("%s became principal while %s still holds a lease until %s", n.name, o.name, lease.Format("15:04:05.000"))
	}
}

// Witness.

func (s *sim) wstep(w *simNode, ev WitnessEvent) {
	if !w.alive {
		return
	}
	for _, a := range w.w.Step(ev) {
		switch x := a.(type) {
		case WSend:
			for _, p := range s.nodes[:2] {
				if p.inst() == x.Instance {
					s.send(w, p, x.Msg)
				}
			}
		case WPersist:
			w.recs[x.Record.GUID] = x.Record
			s.logf("W: record role %d principal %s exposed %v", x.Record.RoleSeq, x.Record.Partners[x.Record.Principal].Name, x.Record.Exposed)
		case WForget:
			delete(w.recs, x.GUID)
		case WProbe:
			refused := false
			for _, p := range s.nodes[:2] {
				if p.addr() == x.Address {
					refused = !p.alive
				}
			}
			guid := x.GUID
			var probed func()
			probed = func() {
				if !s.asleep(w, probed) {
					s.freshen(w)
					s.wstep(w, WProbed{GUID: guid, Refused: refused})
				}
			}
			s.at(s.jitter(time.Millisecond, 3*time.Millisecond), probed)
		}
	}
}

// Network.

func key(i, j int) [2]int {
	if i > j {
		i, j = j, i
	}
	return [2]int{i, j}
}

func (s *sim) conn(i, j int) *simConn {
	k := key(i, j)
	c := s.conns[k]
	if c == nil {
		c = &simConn{}
		s.conns[k] = c
	}
	return c
}

func dir(i, j int) int {
	if i < j {
		return 0
	}
	return 1
}

// send puts a message on the connection from n to to.
func (s *sim) send(n, to *simNode, m Message) {
	c := s.conn(n.id, to.id)
	if !c.open {
		return
	}
	k, p := Encode(m)
	msg, err := Decode(k, p)
	if err != nil {
		s.fail("message %T does not decode: %v", m, err)
	}
	d := dir(n.id, to.id)
	if s.silent[n.id][to.id] {
		c.held[d] = append(c.held[d], msg)
		return
	}
	s.deliverLater(n.id, to.id, c, msg)
}

func (s *sim) deliverLater(from, to int, c *simConn, m Message) {
	d := dir(from, to)
	at := s.now.Add(s.jitter(200*time.Microsecond, 3*time.Millisecond))
	if s.rng.IntN(50) == 0 {
		at = at.Add(s.jitter(0, 300*time.Millisecond)) // a slow moment
	}
	if !at.After(c.lastAt[d]) {
		at = c.lastAt[d].Add(time.Microsecond)
	}
	c.lastAt[d] = at
	gen := c.gen
	s.at(at.Sub(s.now), func() {
		if !c.open || c.gen != gen {
			return
		}
		s.deliver(from, to, m)
	})
}

func (s *sim) deliver(from, to int, m Message) {
	n := s.nodes[to]
	if !n.alive || s.asleep(n, func() { s.deliver(from, to, m) }) {
		return
	}
	switch x := m.(type) {
	case *FailoverRequest, *FailoverReply, *FailoverAsk, *FailoverVerdict:
		s.logf("%s → %s: %T %+v", s.nodes[from].name, n.name, m, x)
	}
	s.freshen(n)
	if n.witness {
		s.wstep(n, WReceived{Instance: s.nodes[from].inst(), Msg: m})
		return
	}
	s.step(n, Received{Msg: m})
}

// reconnect opens the links a partner wants: to its partner, and to the
// witness when one is set.
func (s *sim) reconnect(n *simNode) {
	s.open(n.id, 1-n.id)
	if n.s.Config().Witness != "" {
		s.open(n.id, nodeW)
	}
}

func (s *sim) open(i, j int) {
	c := s.conn(i, j)
	a, b := s.nodes[i], s.nodes[j]
	if c.open || !a.alive || !b.alive || s.hard[i][j] || s.hard[j][i] || s.silent[i][j] || s.silent[j][i] {
		return
	}
	// A connection needs both processes for its handshake: with one of
	// them paused it completes (if nothing changed) when that one wakes.
	for _, n := range []*simNode{a, b} {
		if s.asleep(n, func() { s.open(i, j) }) {
			return
		}
	}
	c.open, c.gen, c.held = true, c.gen+1, [2][]Message{}
	s.logf("link %s–%s up", a.name, b.name)
	s.linkEvent(a, b, true, false)
	s.linkEvent(b, a, true, false)
}

// close ends the connection between i and j; the other side hears of it
// at once unless the path to it is silent (then only its timeout tells).
func (s *sim) close(n, other *simNode, why string) {
	c := s.conn(n.id, other.id)
	if !c.open {
		return
	}
	c.open, c.held = false, [2][]Message{}
	s.logf("link %s–%s down (%s)", n.name, other.name, why)
	if !s.silent[n.id][other.id] {
		s.linkEvent(other, n, false, true)
	}
}

// breakLink ends a connection with an error on both sides (a crash or a
// reset), each side hearing of it unless its inbound path is silent.
func (s *sim) breakLink(i, j int, why string) {
	c := s.conn(i, j)
	if !c.open {
		return
	}
	c.open, c.held = false, [2][]Message{}
	s.logf("link %s–%s broken (%s)", s.nodes[i].name, s.nodes[j].name, why)
	if !s.silent[i][j] {
		s.linkEvent(s.nodes[j], s.nodes[i], false, true)
	}
	if !s.silent[j][i] {
		s.linkEvent(s.nodes[i], s.nodes[j], false, true)
	}
}

// linkEvent tells node n that its link to peer came up or went down.
func (s *sim) linkEvent(n, peer *simNode, up, hard bool) {
	if !n.alive || s.asleep(n, func() { s.linkEvent(n, peer, up, hard) }) {
		return
	}
	s.freshen(n)
	switch {
	case n.witness:
		s.wstep(n, WLink{Instance: peer.inst(), Up: up, Hard: hard})
	case peer.witness && up:
		s.step(n, WitnessUp{})
	case peer.witness:
		s.step(n, WitnessDown{Reason: "link down"})
	case up:
		s.step(n, LinkUp{})
	default:
		s.step(n, LinkDown{Reason: "link down"})
	}
}

// Faults.

func (s *sim) crash(i int) {
	n := s.nodes[i]
	if !n.alive {
		return
	}
	// Log written but not yet synced may or may not survive (the
	// operating system may have written it).
	s.crashKeeping(i, int(n.durable)+s.rng.IntN(len(n.log)-int(n.durable)+1))
}

// crashKeeping crashes node i with the first keep records of its log
// surviving (at least what is durable).
func (s *sim) crashKeeping(i, keep int) {
	n := s.nodes[i]
	s.logf("%s crashes, keeping %d of %d records (%d durable)", n.name, keep, len(n.log), n.durable)
	n.log = n.log[:keep]
	for j := range s.nodes {
		if j != i {
			s.breakLink(i, j, n.name+" crashed")
		}
	}
	n.alive = false
}

// reload is a principal's store failing and reopened from its WAL in
// the same process: log applied and not yet durable may be lost, and the
// commits waiting on it fail.
func (s *sim) reload(i int) {
	n := s.nodes[i]
	if !n.alive || n.role != Principal || s.now.Before(n.pausedUntil) {
		return
	}
	s.reloadKeeping(i, int(n.durable)+s.rng.IntN(len(n.log)-int(n.durable)+1))
}

// reloadKeeping reloads node i's store with the first keep records of its
// log surviving (at least what is durable).
func (s *sim) reloadKeeping(i, keep int) {
	n := s.nodes[i]
	synced := n.durable
	n.log = n.log[:keep]
	n.durable = LSN(len(n.log)) // what was recovered from the WAL is on disk
	s.logf("%s: store reloaded, log ends at %d", n.name, len(n.log))
	kept := n.pending[:0]
	for _, lsn := range n.pending { // those awaiting their fsync fail
		if lsn <= synced {
			kept = append(kept, lsn)
		}
	}
	n.pending = kept
	n.life++ // fsyncs of the lost log never report
	s.freshen(n)
	s.step(n, Reloaded{End: LSN(len(n.log))})
}

func (s *sim) restart(i int) {
	n := s.nodes[i]
	if n.alive {
		return
	}
	s.logf("%s restarts", n.name)
	s.boot(n)
}

// partition makes i→j silent (and j→i when both).
func (s *sim) partition(i, j int, both bool) {
	s.logf("partition %s→%s (both ways %v)", s.nodes[i].name, s.nodes[j].name, both)
	s.silent[i][j] = true
	if both {
		s.silent[j][i] = true
	}
}

// heal ends every silent partition; held bytes flow again, in order.
func (s *sim) heal() {
	s.logf("network healed")
	for i := range s.nodes {
		for j := range s.nodes {
			if !s.silent[i][j] {
				continue
			}
			s.silent[i][j] = false
			c := s.conn(i, j)
			d := dir(i, j)
			held := c.held[d]
			c.held[d] = nil
			for _, m := range held {
				s.deliverLater(i, j, c, m)
			}
		}
	}
	s.hard = [3][3]bool{}
}

// cutHard resets the i–j connection and refuses new ones until heal.
func (s *sim) cutHard(i, j int) {
	s.hard[i][j] = true
	s.breakLink(i, j, "reset")
}

// command runs an ALTER DATABASE option on a partner.
func (s *sim) command(i int, c Command) {
	n := s.nodes[i]
	if !n.alive || s.now.Before(n.pausedUntil) {
		return
	}
	s.nextCmd++
	c.ID = s.nextCmd
	s.logf("%s: command %s", n.name, c.Kind)
	s.freshen(n)
	s.step(n, c)
}

// Workload.

func (s *sim) clients(every time.Duration) {
	var loop func()
	loop = func() {
		if s.quiet {
			return
		}
		s.commit()
		s.at(s.jitter(every/2, every*3/2), loop)
	}
	s.at(every, loop)
}

// settle heals everything, restarts what is down, undoes suspensions and
// lets the session run without faults; then the partners must agree.
func (s *sim) settle() {
	s.heal()
	for i := range s.nodes {
		s.restart(i)
	}
	for _, n := range s.nodes[:2] {
		n.stalled = false
		s.step(n, DiskStalled{Stalled: false})
	}
	s.run(30 * time.Second)
	for _, n := range s.nodes[:2] {
		if n.role == Principal {
			s.command(n.id, Command{Kind: CmdResume})
			s.command(n.id, Command{Kind: CmdSafety, Safety: SafetyFull})
		}
	}
	s.run(60 * time.Second)
	s.quiet = true // the clients stop; what is in flight arrives
	s.run(5 * time.Second)
	s.checkConverged()
}

func (s *sim) checkConverged() {
	var p, m *simNode
	for _, n := range s.nodes[:2] {
		switch n.role {
		case Principal:
			if p != nil {
				s.fail("both partners are principal")
			}
			p = n
		case Mirror:
			m = n
		}
	}
	if p == nil || m == nil {
		s.fail("no principal/mirror pair after the faults (A %s, B %s)", s.nodes[0].role, s.nodes[1].role)
	}
	if !p.serving {
		s.fail("the principal %s does not serve after the faults", p.name)
	}
	if p.s.State() != Synchronized || m.s.State() != Synchronized {
		s.fail("not synchronized after the faults: %s %s, %s %s", p.name, p.s.State(), m.name, m.s.State())
	}
	if len(p.log) != len(m.log) {
		s.fail("logs differ in length: %s %d, %s %d", p.name, len(p.log), m.name, len(m.log))
	}
	have := map[uint64]bool{}
	for i, id := range p.log {
		if m.log[i] != id {
			s.fail("logs differ at LSN %d: %s %d, %s %d", i+1, p.name, id, m.name, m.log[i])
		}
		have[id] = true
	}
	if !s.forced {
		for _, a := range s.acks {
			if !have[a.id] {
				s.fail("acknowledged commit %d (LSN %d at role sequence %d) is missing after the faults", a.id, a.lsn, a.roleSeq)
			}
		}
	}
}
