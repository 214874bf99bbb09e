package core

import (
	"time"

	"mirrordb/sqlerr"
)

// GateLag is how close (in log records) a SAFETY FULL mirror must be before
// commits start waiting for it: far behind, it catches up without slowing
// the workload; close, it is brought into step (SPEC §9.2).
const GateLag = 256

// Events.
type (
	// Event is an input to Step.
	Event interface{ event() }
	// Tick is the passage of time.
	Tick struct{ Now time.Time }
	// LinkUp: a transport connection to the partner exists (a new one:
	// when it replaces one never reported down, that one is over).
	LinkUp struct{}
	// LinkDown: the connection to the partner is gone (a hard error).
	LinkDown struct{ Reason string }
	// Received is a session message from the partner.
	Received struct{ Msg Message }
	// Durable is the principal's durable end of log.
	Durable struct{ LSN LSN }
	// Hardened is the mirror's end of log after applying shipped records
	// (and, at start, its end of log).
	Hardened struct{ LSN LSN }
	// Undone reports that an Undo finished: the log now ends at LSN.
	Undone struct{ LSN LSN }
	// WritesBlocked reports that the principal's database takes no more
	// commits; its log ends at End (manual failover).
	WritesBlocked struct{ End LSN }
	// WitnessUp: a connection to the witness exists.
	WitnessUp struct{}
	// WitnessDown: the connection to the witness is gone.
	WitnessDown struct{ Reason string }
	// DiskStalled reports whether the local disk has stopped completing
	// durable writes for longer than the timeout. A stalled partner falls
	// silent, so that the others treat it as failed (and a principal stops
	// acknowledging) instead of hanging behind it.
	DiskStalled struct{ Stalled bool }
	// Demoted answers SetRole{Mirror} on a former principal: the database
	// takes no more commits and its log ends at End. Commits applied but
	// not yet durable when the role changed are in the log too (their
	// Durable events may still be on the way), so only this End tells
	// whether there is log past the failover LSN to undo.
	Demoted struct{ End LSN }
	// Reloaded reports that the principal's store was reopened from its
	// WAL after a storage failure, with its log ending at End: what was
	// applied and not yet durable is gone, and may have been shipped
	// (rewind.go).
	Reloaded struct{ End LSN }
)

func (Tick) event()          {}
func (LinkUp) event()        {}
func (LinkDown) event()      {}
func (Received) event()      {}
func (Durable) event()       {}
func (Hardened) event()      {}
func (Undone) event()        {}
func (WritesBlocked) event() {}
func (WitnessUp) event()     {}
func (WitnessDown) event()   {}
func (DiskStalled) event()   {}
func (Demoted) event()       {}
func (Reloaded) event()      {}
func (Command) event()       {}

// CommandKind is an ALTER DATABASE ... SET PARTNER option.
type CommandKind string

const (
	CmdSuspend      CommandKind = "SUSPEND"
	CmdResume       CommandKind = "RESUME"
	CmdOff          CommandKind = "OFF"
	CmdSafety       CommandKind = "SAFETY"
	CmdTimeout      CommandKind = "TIMEOUT"
	CmdFailover     CommandKind = "FAILOVER"
	CmdForceService CommandKind = "FORCE_SERVICE_ALLOW_DATA_LOSS"
	CmdWitness      CommandKind = "WITNESS"
	CmdWitnessOff   CommandKind = "WITNESS OFF"
)

// Command is an ALTER DATABASE ... SET PARTNER command issued on this
// instance; its outcome comes back as a Reply action with the same ID.
type Command struct {
	ID      uint64
	Kind    CommandKind
	Safety  Safety
	Timeout int
	Address string // WITNESS: the witness, already registered there
}

// Actions.
type (
	// Action is an output of Step for the driver to carry out, in order.
	Action interface{ action() }
	// Send a message to the partner.
	Send struct{ Msg Message }
	// Persist the configuration (before anything that depends on it).
	Persist struct{ Config Config }
	// Remove the session: mirroring is off for this database.
	Remove struct{}
	// SetRole puts the database in its role: a principal's copy is
	// ONLINE, a mirror's RESTORING (its users are disconnected).
	SetRole struct{ Role Role }
	// Ship log records to the mirror from From on (0: stop shipping).
	Ship struct{ From LSN }
	// Apply (harden) shipped records, then report Hardened.
	Apply struct{ Records [][]byte }
	// Gate tells the commit gate which commits may be acknowledged: a
	// commit at LSN l once l ≤ Acked (the mirror hardened it) or l ≤
	// Unhardened (it may go without the mirror), and only before Until
	// when that is set (the principal's lease); with Offline (no quorum)
	// waiting commits fail instead.
	Gate struct {
		Acked      LSN
		Unhardened LSN
		Until      time.Time
		Offline    bool
	}
	// SendWitness sends a message to the witness.
	SendWitness struct{ Msg Message }
	// DropWitness closes the connection to the witness (it fell silent,
	// or the disk stalled). A partner whose configuration no longer names
	// a witness just stops using its connection.
	DropWitness struct{ Reason string }
	// Serve opens (On) or closes the principal's database to users: a
	// principal with a witness serves only while it has quorum (955).
	Serve struct{ On bool }
	// BlockWrites stops (true) or allows (false) commits on the principal.
	BlockWrites struct{ Block bool }
	// Undo removes the local log past To (with its effects), then reports
	// Undone.
	Undo struct{ To LSN }
	// NewFork starts a new recovery fork (after forced service).
	NewFork struct{}
	// DropLink closes the connection to the partner.
	DropLink struct{ Reason string }
	// Reply completes a command.
	Reply struct {
		ID  uint64
		Err error
	}
	// StateChanged reports a mirroring_state change (for the log and the
	// history view).
	StateChanged struct{ From, To State }
)

func (Send) action()         {}
func (Persist) action()      {}
func (Remove) action()       {}
func (SetRole) action()      {}
func (Ship) action()         {}
func (Apply) action()        {}
func (Gate) action()         {}
func (BlockWrites) action()  {}
func (Undo) action()         {}
func (NewFork) action()      {}
func (DropLink) action()     {}
func (Reply) action()        {}
func (StateChanged) action() {}
func (SendWitness) action()  {}
func (DropWitness) action()  {}
func (Serve) action()        {}

// Session is one database's mirroring session on this instance.
type Session struct {
	cfg Config
	now time.Time

	linkUp    bool // a transport connection to the partner exists
	linked    bool // and the partners' Hellos agree
	lastHello time.Time
	lastHeard time.Time
	lastSent  time.Time
	removed   bool

	end LSN // principal: durable end of log; mirror: hardened end

	// Principal.
	durableAt         []logStamp // when the log the mirror lacks became durable (lag.go)
	mirrorEnd         LSN
	mirrorPendingUndo bool
	shipping          bool
	gating            bool
	syncPoint         LSN
	synced            bool
	failover          *failoverRun
	lastPersist       time.Time
	persistedMirror   LSN

	mirrorRewind bool // the mirror holds log past cfg.Rewind it must undo first (rewind.go)

	// Mirror.
	principalSynced bool
	undoing         bool
	rewindTo        *LSN // the principal's Rewind, while this mirror holds log past it

	// Sequence numbers and leases (quorum.go).
	seq          uint64  // last Seq sent, to the partner or the witness
	stamps       []stamp // send times of recent Seqs
	echoPartner  uint64  // highest Seq received from the partner
	echoWitness  uint64  // highest Seq received from the witness
	partnerHeard time.Time
	mLease       time.Time // principal: lease from the mirror's answers

	// The witness (quorum.go).
	w witnessView

	// Principal with a witness: exposure (DESIGN rule 2).
	exposedFlag    bool   // what the witness is told
	exposedFlagSeq uint64 // Seq of the first ping carrying exposedFlag
	exposedOK      bool   // the witness confirmed exposedFlag = true
	exposedMax     LSN    // highest LSN let through unhardened while exposed

	// Mirror with a witness: automatic failover.
	syncedAtLoss bool      // the principal's last verdict before the link was lost
	lostHard     bool      // the link ended with an error, not silence
	askedAt      time.Time // a FailoverAsk is outstanding since then
	askAfter     time.Time // no new FailoverAsk before (after a refusal)
	// demoting: a former principal waits for Demoted before it tells the
	// new principal where its log ends.
	demoting bool
	// askSince: when this mirror first asked the witness for the principal
	// role since it lost its principal.
	askSince time.Time
	// holdUntil: a new principal serves only from then on, when leases it
	// gave the former principal as its mirror may still run (see
	// leaseHold).
	holdUntil time.Time
	forceCmd  uint64 // FORCE_SERVICE command waiting for the witness

	diskStalled bool
	serveSent   *bool
	gateSent    Gate
	out         []Action
}

// failoverRun is a manual failover in progress on the principal.
type failoverRun struct {
	id      uint64
	started time.Time
	blocked bool
	end     LSN
	sent    bool
	sentAt  time.Time
	replied bool
}

// NewSession starts a session from its persisted configuration. end is the
// local end of log (durable on a principal, hardened on a mirror).
func NewSession(cfg Config, end LSN, now time.Time) *Session {
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Safety == 0 {
		cfg.Safety = SafetyFull
	}
	s := &Session{cfg: cfg, now: now, end: end, mirrorEnd: cfg.MirrorEnd, persistedMirror: cfg.MirrorEnd}
	if cfg.Role == Principal {
		// Whatever the last incarnation applied past end and shipped is
		// gone here (rewind.go). The caller persists the configuration
		// before the first commit.
		s.noteRewind(end)
	}
	return s
}

// Config returns the session's current configuration.
func (s *Session) Config() Config {
	c := s.cfg
	c.MirrorEnd = s.mirrorEnd
	return c
}

// End is the local end of log as the session knows it.
func (s *Session) End() LSN { return s.end }

// MirrorEnd is the mirror's acknowledged end of log (principal).
func (s *Session) MirrorEnd() LSN { return s.mirrorEnd }

// Linked reports whether the partners are connected and agree.
func (s *Session) Linked() bool { return s.linked }

// Synced is what the principal tells the mirror about synchronization
// (the Synchronized flag of its messages), whatever State reports.
func (s *Session) Synced() bool { return s.synced }

// Undoing reports whether an Undo is under way (the session waits for
// Undone).
func (s *Session) Undoing() bool { return s.undoing }

// Removed reports whether mirroring was turned off.
func (s *Session) Removed() bool { return s.removed }

// State is the session's mirroring_state. A principal that has lost
// quorum reports DISCONNECTED even before its link times out: it has
// closed the database (SPEC §8.4 step 1) and no longer hears anyone.
func (s *Session) State() State {
	switch {
	case s.cfg.Suspended:
		return Suspended
	case s.cfg.Role == Principal && (s.failover != nil || s.cfg.PendingFailover != nil):
		return PendingFailover
	case !s.linked, s.cfg.Role == Principal && !s.serving():
		return Disconnected
	case s.cfg.Role == Principal && s.synced:
		return Synchronized
	case s.cfg.Role == Mirror && s.principalSynced && !s.cfg.PendingUndo:
		return Synchronized
	}
	return Synchronizing
}

func (s *Session) timeout() time.Duration { return EffectiveTimeout(s.cfg.Timeout) }

func (s *Session) emit(a Action) { s.out = append(s.out, a) }

func (s *Session) header() Header {
	return Header{DB: s.cfg.Database, GUID: s.cfg.GUID, RoleSeq: s.cfg.RoleSeq, From: s.cfg.Role}
}

// send sends a message to the partner, numbered for leases. A partner
// whose disk has stalled sends nothing (see DiskStalled).
func (s *Session) send(m Message) {
	if s.diskStalled {
		return
	}
	h := HeaderOf(m)
	h.Seq, h.Echo = s.nextSeq(), s.echoPartner
	s.emit(Send{Msg: m})
	s.lastSent = s.now
}

func (s *Session) persist() {
	s.emit(Persist{Config: s.Config()})
	s.lastPersist = s.now
	s.persistedMirror = s.mirrorEnd
}

func (s *Session) reply(id uint64, err error) {
	if id != 0 {
		s.emit(Reply{ID: id, Err: err})
	}
}

// Step feeds one event to the session and returns the actions to carry out.
func (s *Session) Step(ev Event) []Action {
	s.out = nil
	if s.removed {
		if c, ok := ev.(Command); ok {
			s.reply(c.ID, sqlerr.New(1416, s.cfg.Database))
		}
		return s.out
	}
	before := s.State()
	switch e := ev.(type) {
	case Tick:
		s.tick(e.Now)
	case LinkUp:
		if s.diskStalled {
			s.linkUp = true
			s.dropIfStalled()
			break
		}
		if s.linkUp {
			// A new connection replaces one never reported down: what was
			// in flight on the old one may be lost, so start over.
			s.linkDown("replaced by a new connection", false)
		}
		s.linkUp, s.lastHeard = true, s.now
		// The partner may be a new incarnation numbering from 1: echo only
		// what arrives on this connection (a stale, higher echo would hand
		// it a lease for messages we never answered).
		s.echoPartner = 0
		if s.cfg.GUID != "" {
			s.sendHello(false)
		}
	case LinkDown:
		s.linkDown(e.Reason, true)
	case Received:
		if isFromWitness(e.Msg) {
			s.fromWitness(e.Msg)
		} else {
			s.received(e.Msg)
		}
	case Durable:
		// Only a principal's own commits count: on a mirror the end is
		// what it hardened (a late report from its days as principal
		// may name log that has since been undone, see Demoted).
		if s.cfg.Role == Principal && e.LSN > s.end {
			s.noteDurable(s.end + 1)
			s.end = e.LSN
			s.maybeRequestFailover()
		}
		s.updateSync()
	case Hardened:
		s.end = e.LSN
		if s.cfg.Role == Mirror && s.linked && !s.cfg.PendingUndo && !s.demoting && !s.undoing {
			s.send(&Ack{Header: s.header(), Hardened: e.LSN})
		}
	case Undone:
		s.end, s.cfg.PendingUndo, s.undoing, s.rewindTo = e.LSN, false, false, nil
		if r := s.cfg.Rewind; r != nil && s.cfg.Role == Mirror && e.LSN <= *r {
			s.cfg.Rewind = nil
		}
		s.persist()
		s.sendHello(false)
	case WritesBlocked:
		s.writesBlocked(e.End)
	case WitnessUp:
		s.w.up = true
		if s.dropIfStalled() {
			break
		}
		s.witnessUp()
	case WitnessDown:
		s.witnessDown()
	case DiskStalled:
		s.diskStalled = e.Stalled
		s.dropIfStalled()
	case Demoted:
		if s.demoting {
			s.demoting = false
			if s.cfg.Role == Mirror {
				was := s.cfg
				s.settleDemotedUndo(e.End)
				if s.cfg.PendingUndo != was.PendingUndo || s.cfg.Rewind != was.Rewind {
					s.persist()
				}
			}
			s.maybeUndo()
			s.sendHello(false)
		}
	case Reloaded:
		s.reloaded(e.End)
	case Command:
		s.command(e)
	}
	if !s.removed {
		s.updateQuorum()
		s.updateGate()
		if after := s.State(); after != before {
			s.emit(StateChanged{From: before, To: after})
		}
	}
	return s.out
}

func (s *Session) tick(now time.Time) {
	s.now = now
	if s.linkUp && s.now.Sub(s.lastHeard) > s.timeout() {
		s.emit(DropLink{Reason: "no message from the partner within the timeout"})
		s.linkDown("timeout", false)
	}
	s.tickWitness()
	if !s.linkUp {
		return
	}
	if s.linkUp && s.cfg.GUID != "" && s.now.Sub(s.lastSent) >= PingInterval(s.timeout()) {
		s.send(&Ping{Header: s.header(), Durable: s.end, Synchronized: s.synced})
	}
	if f := s.failover; f != nil && !f.replied && s.now.Sub(f.started) > s.timeout() {
		if f.sent {
			s.failoverInDoubt()
		} else {
			s.abortFailover(sqlerr.New(1422))
		}
	}
	if s.cfg.Role == Principal && s.mirrorEnd != s.persistedMirror && s.now.Sub(s.lastPersist) >= time.Second {
		s.persist()
	}
	s.updateSync() // under SAFETY OFF, the mirror's lag grows with time
}

func (s *Session) linkDown(reason string, hard bool) {
	if s.linked && s.cfg.Role == Mirror {
		s.syncedAtLoss, s.lostHard = s.principalSynced && !s.cfg.PendingUndo, hard
		s.askSince = time.Time{}
	}
	s.linkUp, s.linked = false, false
	s.principalSynced = false
	s.mLease = time.Time{}
	if s.cfg.Role == Principal {
		s.stopShipping()
		s.gating, s.synced = false, false
		if f := s.failover; f != nil && !f.replied {
			if f.sent {
				s.failoverInDoubt()
			} else {
				s.abortFailover(sqlerr.New(1447, s.cfg.Database))
			}
		}
	}
}

// sendHello sends our view to the partner. A Hello that is not itself a
// reply is always answered with one, so a Hello lost with a replaced
// connection on either side is made up for.
func (s *Session) sendHello(reply bool) {
	if s.cfg.GUID == "" || !s.linkUp || s.demoting {
		return
	}
	s.lastHello = s.now
	s.send(&Hello{Header: s.header(), End: s.end, Safety: s.cfg.Safety, SafetySeq: s.cfg.SafetySeq,
		Suspended: s.cfg.Suspended, SuspendSeq: s.cfg.SuspendSeq, Timeout: s.cfg.Timeout, Witness: s.cfg.Witness,
		FailoverLSN: s.cfg.FailoverLSN, Forced: s.cfg.Forced, PendingUndo: s.cfg.PendingUndo, Synchronized: s.synced,
		Reply: reply, Rewind: s.helloRewind()})
}

func (s *Session) received(msg Message) {
	h := HeaderOf(msg)
	if h.DB != s.cfg.Database || s.cfg.GUID == "" {
		return
	}
	if h.GUID != s.cfg.GUID {
		if _, none := msg.(*NoSession); !none {
			s.send(&NoSession{Header: *h}) // names their session, which we do not have
		}
		return
	}
	s.lastHeard, s.partnerHeard = s.now, s.now
	if s.asking() && h.RoleSeq == s.cfg.RoleSeq {
		// The witness is deciding whether we take over: do not answer the
		// principal (an echo would extend its lease) until it has.
		return
	}
	if h.Seq > s.echoPartner {
		s.echoPartner = h.Seq
	}
	s.mirrorLease(h)
	switch m := msg.(type) {
	case *NoSession:
		s.remove() // the partner removed mirroring while we were apart
		return
	case *Hello:
		s.onHello(m)
		s.mirrorLease(h) // the Hello that links us counts too: serve at once
		return
	case *FailoverReply: // carries the mirror's new role sequence
		s.onFailoverReply(m)
		return
	}
	switch {
	case h.RoleSeq < s.cfg.RoleSeq:
		s.sendHello(false) // the partner is behind: our Hello brings it up to date
		return
	case h.RoleSeq > s.cfg.RoleSeq:
		s.sendHello(false) // we are behind: the partner answers with its Hello
		return
	case h.From == s.cfg.Role:
		return
	case !s.linked:
		// The partner talks as if linked but its Hello never reached us,
		// or ours never reached it (lost with a connection the transport
		// replaced): say ours again, at most once per ping interval.
		if s.now.Sub(s.lastHello) >= PingInterval(s.timeout()) {
			s.sendHello(false)
		}
		return
	}
	switch m := msg.(type) {
	case *Ping:
		if s.cfg.Role == Mirror {
			s.principalSynced = m.Synchronized
		}
	case *LogBlock:
		if s.cfg.Role == Mirror && !s.cfg.PendingUndo && !s.cfg.Suspended && !s.undoing {
			s.principalSynced = m.Synchronized
			s.emit(Apply{Records: m.Records})
		}
	case *Ack:
		if s.cfg.Role == Principal {
			if m.Hardened > s.mirrorEnd && s.trustsMirrorTo(m.Hardened) {
				s.mirrorEnd = m.Hardened
			}
			s.updateSync()
			s.maybeRequestFailover()
		}
	case *ConfigChange:
		if s.cfg.Role == Mirror {
			s.adoptConfig(m.Safety, m.SafetySeq, m.Suspended, m.SuspendSeq, m.Timeout, m.Witness, true)
			s.maybeUndo()
		}
	case *Request:
		if s.cfg.Role == Principal {
			switch m.Command {
			case CmdOff:
				s.remove()
			case CmdSuspend, CmdResume:
				s.command(Command{Kind: m.Command})
			case CmdWitnessOff:
				if s.cfg.Witness != "" {
					s.removeWitness()
				}
			}
		} else if m.Command == CmdOff {
			s.remove()
		}
	case *FailoverRequest:
		s.onFailoverRequest(m)
	}
}

// mirrorLease takes the lease a linked mirror's message gives the
// principal (its echo names our message it answers).
func (s *Session) mirrorLease(h *Header) {
	if s.cfg.Role == Principal && s.linked && h.RoleSeq == s.cfg.RoleSeq && h.From == Mirror {
		s.mLease = later(s.mLease, s.leaseFrom(h.Echo))
	}
}

// onHello settles roles by role sequence and links the session.
func (s *Session) onHello(m *Hello) {
	switch {
	case m.RoleSeq > s.cfg.RoleSeq:
		if m.From == Principal {
			s.followNewPrincipal(m)
		}
		return
	case m.RoleSeq < s.cfg.RoleSeq:
		s.sendHello(false)
		return
	case m.From == s.cfg.Role:
		return // both claim the same role at the same sequence: never linked
	}
	s.linked = true
	s.adoptConfig(m.Safety, m.SafetySeq, m.Suspended, m.SuspendSeq, m.Timeout, m.Witness, m.From == Principal)
	if s.cfg.Role == Principal {
		s.mirrorEnd, s.mirrorPendingUndo = m.End, m.PendingUndo
		s.checkMirrorRewind()
		if s.cfg.PendingFailover != nil {
			// The mirror is still the mirror at our role sequence: the
			// failover never happened. Carry on as principal.
			s.cfg.PendingFailover = nil
			s.persist()
			s.emit(BlockWrites{Block: false})
			if f := s.failover; f != nil {
				if !f.replied {
					s.reply(f.id, sqlerr.New(1422)) // the mirror did not take over
				}
				s.failover = nil
			}
		}
		s.stopShipping()
		s.maybeShip()
		s.updateSync()
	} else {
		s.principalSynced = m.Synchronized
		s.rewindTo = nil
		if m.Rewind != nil && s.end > *m.Rewind {
			s.rewindTo = m.Rewind
		}
		s.maybeUndo()
	}
	if !m.Reply {
		s.sendHello(true)
	}
}

// followNewPrincipal makes this partner the mirror of a partner that took
// the principal role at a newer role sequence.
func (s *Session) followNewPrincipal(m *Hello) {
	wasPrincipal := s.cfg.Role == Principal
	s.cfg.Role, s.cfg.RoleSeq, s.cfg.FailoverLSN, s.cfg.Forced = Mirror, m.RoleSeq, m.FailoverLSN, m.Forced
	s.cfg.PendingFailover = nil
	s.cfg.Safety, s.cfg.SafetySeq, s.cfg.Witness = m.Safety, m.SafetySeq, m.Witness
	s.setTimeout(m.Timeout)
	s.cfg.Suspended, s.cfg.SuspendSeq = m.Suspended, m.SuspendSeq
	s.linked = true
	s.principalSynced = m.Synchronized
	s.cfg.PendingUndo = false
	s.settleDemotedUndo(s.end)
	s.persist()
	s.becameMirror(wasPrincipal)
}

// becameMirror finishes a switch to the mirror role, decided and persisted
// by the caller: a former principal stops shipping and gating and answers a
// FAILOVER it was running; the log past the failover LSN is undone if need
// be, and the new principal hears from us.
func (s *Session) becameMirror(wasPrincipal bool) {
	if wasPrincipal {
		s.stopShipping()
		s.gating, s.synced = false, false
		s.emit(SetRole{Role: Mirror})
		s.demoting = true // the undo and the Hello wait for Demoted
		if s.failover != nil {
			s.emit(BlockWrites{Block: false})
			if !s.failover.replied {
				s.reply(s.failover.id, nil)
			}
			s.failover = nil
		}
	}
	s.maybeUndo()
	s.sendHello(false)
}

// maybeUndo starts the owed undo of a mirror, unless it must wait for RESUME
// (after forced service, SPEC D3).
func (s *Session) maybeUndo() {
	if s.cfg.Role != Mirror || s.undoing || s.demoting {
		return
	}
	switch {
	case s.cfg.PendingUndo:
		if s.cfg.Forced && s.cfg.Suspended {
			return
		}
	case s.rewindTo == nil:
		return
	}
	s.undoing = true
	s.emit(Undo{To: s.undoTarget()})
}

// adoptConfig takes the partner's values where they are newer (by
// sequence), and the principal's timeout and witness.
func (s *Session) adoptConfig(safety Safety, safetySeq int64, suspended bool, suspendSeq int64, timeout int, witness string, fromPrincipal bool) {
	changed := false
	if safetySeq > s.cfg.SafetySeq || (safetySeq == s.cfg.SafetySeq && fromPrincipal && safety != s.cfg.Safety) {
		s.cfg.Safety, s.cfg.SafetySeq, changed = safety, safetySeq, true
	}
	if suspendSeq > s.cfg.SuspendSeq || (suspendSeq == s.cfg.SuspendSeq && fromPrincipal && suspended != s.cfg.Suspended) {
		s.cfg.Suspended, s.cfg.SuspendSeq, changed = suspended, suspendSeq, true
	}
	if fromPrincipal && (timeout != s.cfg.Timeout || witness != s.cfg.Witness) {
		if witness != s.cfg.Witness {
			s.w = witnessView{}
		}
		s.cfg.Witness, changed = witness, true
		s.setTimeout(timeout)
	}
	if changed {
		s.persist()
		if s.cfg.Role == Principal && s.cfg.Suspended {
			s.stopShipping()
		}
	}
}

func (s *Session) maybeShip() {
	if s.cfg.Role != Principal || !s.linked || s.cfg.Suspended || s.mirrorPendingUndo || s.mirrorRewind || s.shipping {
		return
	}
	s.shipping = true
	s.emit(Ship{From: s.mirrorEnd + 1})
}

func (s *Session) stopShipping() {
	if s.shipping {
		s.shipping = false
		s.emit(Ship{From: 0})
	}
}

// updateSync recomputes whether commits wait for the mirror and whether
// the session is SYNCHRONIZED (principal).
func (s *Session) updateSync() {
	if s.cfg.Role != Principal {
		s.durableAt = nil
		return
	}
	if !s.linked || s.cfg.Suspended || s.mirrorPendingUndo || s.mirrorRewind {
		s.gating, s.synced = false, false
		return
	}
	if s.cfg.Safety == SafetyOff {
		s.gating = false
		s.updateAsyncSync() // lag.go
		return
	}
	if !s.gating && s.end <= s.mirrorEnd+GateLag {
		s.gating, s.syncPoint = true, s.end
	}
	if s.gating && s.mirrorEnd >= s.syncPoint {
		s.synced = true
	}
}

// waitsForMirror reports whether commits wait for the mirror's hardening
// (SAFETY FULL, linked, caught up close enough to gate).
func (s *Session) waitsForMirror() bool {
	return s.cfg.Role == Principal && s.linked && s.gating && s.cfg.Safety == SafetyFull && !s.cfg.Suspended
}

// updateGate recomputes which commits may be acknowledged (Gate).
func (s *Session) updateGate() {
	g := Gate{Acked: s.mirrorEnd, Unhardened: MaxLSN}
	if s.cfg.Role != Principal {
		// A partner that is not principal takes no commits; any still
		// waiting from before a role switch must fail, not be released.
		g = Gate{Offline: true}
	} else {
		if s.waitsForMirror() {
			g.Unhardened = 0
		}
		if s.cfg.Witness != "" {
			// Without the mirror only what the witness knows may be
			// missing from it (exposure confirmed), and only up to the
			// end of log known now: the witness is told "synchronized"
			// once the mirror has everything let through (exposedMax).
			if g.Unhardened != 0 {
				g.Unhardened = 0
				if s.exposedOK {
					g.Unhardened = s.end
					s.exposedMax = max(s.exposedMax, s.end)
				}
			}
			g.Until = s.leaseUntil()
			g.Offline = !s.serving()
		}
		if s.diskStalled {
			g.Offline = true
		}
	}
	if g != s.gateSent {
		s.gateSent = g
		s.emit(g)
	}
}

func (s *Session) remove() {
	if s.cfg.Witness != "" {
		s.sendWitness(&WitnessDrop{Header: s.header()})
	}
	s.removed = true
	s.stopShipping()
	s.emit(Gate{Acked: s.mirrorEnd, Unhardened: MaxLSN})
	if s.cfg.Role == Principal {
		s.emit(Serve{On: true})
	}
	if s.failover != nil {
		s.emit(BlockWrites{Block: false})
		s.failover = nil
	}
	s.emit(Remove{})
}

func (s *Session) command(c Command) {
	principal := s.cfg.Role == Principal
	if principal && s.cfg.Witness != "" && !s.linked && !s.w.linked && c.Kind != CmdForceService && c.Kind != CmdOff {
		// Without quorum the principal cannot change the session: nobody
		// would hear of it (SPEC §12, 1431).
		s.reply(c.ID, sqlerr.New(1431, s.cfg.Database))
		return
	}
	switch c.Kind {
	case CmdSuspend:
		switch {
		case s.cfg.Suspended:
		case principal:
			s.cfg.Suspended, s.cfg.SuspendSeq = true, s.cfg.SuspendSeq+1
			s.persist()
			s.stopShipping()
			s.updateSync()
			s.sendConfig()
		case s.linked:
			s.send(&Request{Header: s.header(), Command: CmdSuspend})
		default: // recorded here, told to the principal when the partners meet
			s.cfg.Suspended, s.cfg.SuspendSeq = true, s.cfg.SuspendSeq+1
			s.persist()
		}
		s.reply(c.ID, nil)
	case CmdResume:
		switch {
		case principal:
			if s.cfg.Suspended {
				s.cfg.Suspended, s.cfg.SuspendSeq = false, s.cfg.SuspendSeq+1
				s.persist()
				s.sendConfig()
				s.maybeShip()
				s.updateSync()
			}
			s.reply(c.ID, nil)
		case s.linked:
			s.send(&Request{Header: s.header(), Command: CmdResume})
			s.reply(c.ID, nil)
		default:
			s.reply(c.ID, sqlerr.New(1447, s.cfg.Database))
		}
	case CmdSafety:
		switch {
		case !principal:
			s.reply(c.ID, sqlerr.New(1470, s.cfg.Database))
		case !s.linked && c.Safety != s.cfg.Safety:
			s.reply(c.ID, sqlerr.New(1456, s.cfg.Partner))
		default:
			if c.Safety != s.cfg.Safety {
				s.cfg.Safety, s.cfg.SafetySeq = c.Safety, s.cfg.SafetySeq+1
				s.gating, s.synced = false, false
				s.persist()
				s.sendConfig()
				s.updateSync()
			}
			s.reply(c.ID, nil)
		}
	case CmdTimeout:
		if !principal {
			s.reply(c.ID, sqlerr.New(1470, s.cfg.Database))
			return
		}
		s.setTimeout(max(c.Timeout, 5))
		s.persist()
		s.sendConfig()
		s.reply(c.ID, nil)
	case CmdFailover:
		switch {
		case !principal:
			s.reply(c.ID, sqlerr.New(1470, s.cfg.Database))
		case s.cfg.Safety == SafetyOff:
			s.reply(c.ID, sqlerr.New(1477, s.cfg.Database))
		case !s.linked:
			s.reply(c.ID, sqlerr.New(1447, s.cfg.Database))
		case s.failover != nil || s.cfg.PendingFailover != nil:
			s.reply(c.ID, sqlerr.New(1404, s.cfg.Database))
		case !s.synced:
			s.reply(c.ID, sqlerr.New(1422))
		default:
			s.failover = &failoverRun{id: c.ID, started: s.now}
			s.emit(BlockWrites{Block: true})
		}
	case CmdForceService:
		switch {
		case principal:
			s.reply(c.ID, sqlerr.New(1455, s.cfg.Database))
		case s.linked || s.linkUp && s.now.Sub(s.lastHeard) < s.timeout():
			s.reply(c.ID, sqlerr.New(1455, s.cfg.Database))
		case s.cfg.PendingUndo || s.demoting || s.undoing:
			s.reply(c.ID, sqlerr.New(1455, s.cfg.Database))
		case s.cfg.Witness != "" && !s.w.linked:
			// With a witness, service can be forced only with the
			// witness's agreement (SPEC §8.6, C6).
			s.reply(c.ID, sqlerr.New(1406, s.cfg.Database))
		case s.cfg.Witness != "":
			if s.forceCmd != 0 {
				s.reply(c.ID, sqlerr.New(1404, s.cfg.Database))
				return
			}
			s.forceCmd = c.ID
			s.sendWitness(&FailoverAsk{Header: s.header(), End: s.end, SilentFor: s.now.Sub(s.partnerHeard), Force: true})
		default:
			s.cfg.Role, s.cfg.RoleSeq, s.cfg.Forced = Principal, s.cfg.RoleSeq+1, true
			s.cfg.FailoverLSN, s.mirrorEnd = s.end, s.end
			s.cfg.Suspended, s.cfg.SuspendSeq = true, s.cfg.SuspendSeq+1
			s.cfg.PendingFailover = nil
			s.persist()
			s.emit(SetRole{Role: Principal})
			s.emit(NewFork{})
			s.reply(c.ID, nil)
		}
	case CmdWitness:
		switch {
		case !principal:
			s.reply(c.ID, sqlerr.New(1470, s.cfg.Database))
		case !s.linked || !s.synced:
			s.reply(c.ID, sqlerr.New(1426))
		default:
			s.cfg.Witness = c.Address
			s.w = witnessView{}
			s.exposedFlag, s.exposedOK = false, false
			s.persist()
			s.sendConfig()
			s.reply(c.ID, nil)
		}
	case CmdWitnessOff:
		switch {
		case s.cfg.Witness == "":
			s.reply(c.ID, sqlerr.New(1439, s.cfg.Database))
		case !principal && s.linked:
			s.send(&Request{Header: s.header(), Command: CmdWitnessOff})
			s.reply(c.ID, nil)
		case !principal:
			s.reply(c.ID, sqlerr.New(1470, s.cfg.Database))
		default:
			s.removeWitness()
			s.reply(c.ID, nil)
		}
	case CmdOff:
		if s.linkUp {
			s.send(&Request{Header: s.header(), Command: CmdOff})
		}
		s.remove()
		s.reply(c.ID, nil)
	default:
		s.reply(c.ID, sqlerr.New(1423))
	}
}

// removeWitness ends the witness's part in the session (principal).
func (s *Session) removeWitness() {
	s.sendWitness(&WitnessDrop{Header: s.header()})
	s.cfg.Witness = ""
	s.w = witnessView{}
	s.exposedFlag, s.exposedOK = false, false
	s.persist()
	s.sendConfig()
}

func (s *Session) sendConfig() {
	if s.linked {
		s.send(&ConfigChange{Header: s.header(), Safety: s.cfg.Safety, SafetySeq: s.cfg.SafetySeq,
			Suspended: s.cfg.Suspended, SuspendSeq: s.cfg.SuspendSeq, Timeout: s.cfg.Timeout, Witness: s.cfg.Witness})
	}
}

// Manual failover.

func (s *Session) writesBlocked(end LSN) {
	f := s.failover
	if f == nil {
		return
	}
	f.blocked, f.end = true, end
	s.maybeRequestFailover()
}

// maybeRequestFailover asks the mirror to take over once writes are
// blocked and both partners hold the log up to where they stopped: the
// mirror hardened it and, since log is shipped before this partner's own
// fsync, this partner made it durable. Until then a commit may still be
// waiting for its local fsync and be let through by the gate; after the
// request nothing may be acknowledged here any more.
func (s *Session) maybeRequestFailover() {
	f := s.failover
	if f == nil || !f.blocked || f.sent || s.mirrorEnd < f.end || s.end < f.end {
		return
	}
	s.cfg.PendingFailover = &PendingSwitch{NewRoleSeq: s.cfg.RoleSeq + 1, FailoverLSN: f.end}
	s.persist() // before the request: the outcome may be in doubt from here on
	f.sent, f.sentAt = true, s.now
	s.send(&FailoverRequest{Header: s.header(), NewRoleSeq: s.cfg.RoleSeq + 1, FailoverLSN: f.end})
}

func (s *Session) abortFailover(err error) {
	f := s.failover
	s.failover = nil
	s.emit(BlockWrites{Block: false})
	s.reply(f.id, err)
}

// failoverInDoubt: the request went out and no answer came. Writes stay
// blocked (the mirror may have taken over) until the partners meet again.
func (s *Session) failoverInDoubt() {
	f := s.failover
	f.replied = true
	s.reply(f.id, sqlerr.New(1421))
}

func (s *Session) onFailoverRequest(m *FailoverRequest) {
	if s.cfg.Role != Mirror || m.NewRoleSeq != s.cfg.RoleSeq+1 || s.end < m.FailoverLSN || s.cfg.PendingUndo || s.demoting {
		s.send(&FailoverReply{Header: s.header(), NewRoleSeq: m.NewRoleSeq, Done: false})
		return
	}
	s.cfg.Role, s.cfg.RoleSeq, s.cfg.FailoverLSN, s.cfg.Forced = Principal, m.NewRoleSeq, m.FailoverLSN, false
	s.mirrorEnd, s.mirrorPendingUndo = m.FailoverLSN, false
	s.linked, s.shipping, s.gating, s.synced = false, false, false, false // until the new mirror's Hello
	s.persist()
	s.emit(SetRole{Role: Principal})
	s.send(&FailoverReply{Header: s.header(), NewRoleSeq: m.NewRoleSeq, Done: true})
}

func (s *Session) onFailoverReply(m *FailoverReply) {
	p := s.cfg.PendingFailover
	if s.cfg.Role != Principal || p == nil || m.NewRoleSeq != p.NewRoleSeq {
		if s.failover != nil && !m.Done && !s.failover.sent {
			s.abortFailover(sqlerr.New(1422))
		}
		return
	}
	if !m.Done {
		s.cfg.PendingFailover = nil
		s.persist()
		if s.failover != nil {
			s.abortFailover(sqlerr.New(1422))
		} else {
			s.emit(BlockWrites{Block: false})
		}
		return
	}
	// The mirror took over: this partner is its mirror now.
	s.cfg.Role, s.cfg.RoleSeq, s.cfg.FailoverLSN, s.cfg.Forced = Mirror, p.NewRoleSeq, p.FailoverLSN, false
	s.cfg.PendingFailover = nil
	s.stopShipping()
	s.gating, s.synced = false, false
	s.linked = true
	s.persist()
	s.emit(SetRole{Role: Mirror})
	s.emit(BlockWrites{Block: false})
	if f := s.failover; f != nil && !f.replied {
		s.reply(f.id, nil)
	}
	s.failover = nil
	s.settleDemotedUndo(s.end)
	s.persist()
	s.maybeUndo()
	s.sendHello(false)
}
