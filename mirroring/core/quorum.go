package core

import (
	"sort"
	"time"

	"mirrordb/sqlerr"
)

// Quorum, leases and the witness, on a partner (docs/ARCHITECTURE.md,
// "Mirroring and the quorum rules"). The witness's side is witness.go.
//
// Leases. Every message carries a sequence number and echoes the highest
// one received from its addressee. When an answer from the mirror or the
// witness echoes a message the principal sent at time t, the principal
// holds a lease until t + TIMEOUT − margin. The mirror and the witness
// promise not to let the mirror take over until they have heard nothing
// from the principal for TIMEOUT, counted from when they received its
// messages (never earlier than t). So a lease always ends before the
// principal can have been replaced, and with a witness set a principal
// acknowledges commits, and serves the database, only while it holds one
// (rules 1 and 4).
//
// Exposure (rule 2). With a witness, a principal lets a commit through
// without the mirror's hardening only once the witness has confirmed the
// principal is exposed; the witness then refuses automatic failover. The
// principal withdraws exposure only when the mirror is SYNCHRONIZED and
// holds everything it let through.

// MaxLSN lets every commit through (Gate.Unhardened).
const MaxLSN = ^LSN(0)

// Lets reports whether the gate lets a commit at lsn be acknowledged now.
func (g Gate) Lets(lsn LSN, now time.Time) bool {
	if g.Offline || (!g.Until.IsZero() && !now.Before(g.Until)) {
		return false
	}
	return lsn <= g.Acked || lsn <= g.Unhardened
}

// leaseMargin is how long before TIMEOUT a lease ends: it covers a tick of
// staleness in the driver's clock and drift between machines.
func leaseMargin(timeout time.Duration) time.Duration { return timeout / 5 }

// leaseLength is how long an answered message lets the principal serve,
// from when it was sent.
func (s *Session) leaseLength() time.Duration { return s.timeout() - leaseMargin(s.timeout()) }

// stamp is the send time of the messages from Seq on (until the next),
// and the lease length then in force.
type stamp struct {
	seq   uint64
	at    time.Time
	lease time.Duration
}

// nextSeq numbers a message about to be sent and notes when.
func (s *Session) nextSeq() uint64 {
	s.seq++
	if n := len(s.stamps); n == 0 || !s.stamps[n-1].at.Equal(s.now) || s.stamps[n-1].lease != s.leaseLength() {
		s.stamps = append(s.stamps, stamp{seq: s.seq, at: s.now, lease: s.leaseLength()})
	}
	// Stamps older than a timeout can no longer give a lease.
	cut := 0
	for cut < len(s.stamps)-1 && s.now.Sub(s.stamps[cut+1].at) > s.timeout() {
		cut++
	}
	s.stamps = s.stamps[cut:]
	return s.seq
}

// leaseFrom is the lease an answer echoing seq gives: from the send time
// of that message (a stamp at or before it: earlier is only safer), for
// the shorter of the lease lengths then and now. A message sent before
// TIMEOUT was raised reached a mirror or witness that still judged
// silence by the old value; one sent before it was lowered is judged by
// the new value once they learn it.
func (s *Session) leaseFrom(seq uint64) time.Time {
	i := sort.Search(len(s.stamps), func(i int) bool { return s.stamps[i].seq > seq }) - 1
	if seq == 0 || seq > s.seq || i < 0 { // never sent by this incarnation
		return time.Time{}
	}
	return s.stamps[i].at.Add(min(s.stamps[i].lease, s.leaseLength()))
}

// setTimeout changes TIMEOUT. A shorter one shortens the leases already
// held by as much: the mirror and the witness judge silence by the new
// value as soon as they learn it, so a lease must not outlast it.
func (s *Session) setTimeout(seconds int) {
	before := s.leaseLength()
	s.cfg.Timeout = seconds
	if d := s.leaseLength() - before; d < 0 {
		for _, l := range []*time.Time{&s.mLease, &s.w.lease, &s.w.answered} {
			if !l.IsZero() {
				*l = l.Add(d)
			}
		}
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// leaseUntil is when the principal's quorum ends: its lease from the
// mirror while linked, or from the witness while it answers.
func (s *Session) leaseUntil() time.Time {
	var l time.Time
	if s.linked {
		l = s.mLease
	}
	if s.w.linked && s.w.principal {
		l = later(l, s.w.lease)
	}
	return l
}

// serving reports whether the principal may serve its database: always
// without a witness (no quorum needed), else while it holds a lease.
func (s *Session) serving() bool {
	if s.cfg.Role != Principal || s.diskStalled || s.now.Before(s.holdUntil) {
		return false
	}
	return s.cfg.Witness == "" || s.now.Before(s.leaseUntil())
}

// Serving reports whether the database is open to users (principal).
func (s *Session) Serving() bool { return s.serving() }

// witnessView is the partner's connection to the witness.
type witnessView struct {
	up        bool // a connection exists
	linked    bool // the witness answered at our role sequence
	principal bool // and names us principal
	contacted bool // since start (UNKNOWN before)
	heard     time.Time
	sent      time.Time
	lease     time.Time
	// answered is when the witness's latest answer stops counting: the
	// lease it would give (from the send time of the message it answers),
	// whatever our role.
	answered time.Time
}

// Witness states of sys.database_mirroring.mirroring_witness_state.
const (
	WitnessUnknown      = 0
	WitnessConnected    = 1
	WitnessDisconnected = 2
)

// WitnessState is mirroring_witness_state (meaningful when a witness is
// set). The witness counts as CONNECTED while its latest answer could
// still give a lease: silent for longer, it is not dropped before TIMEOUT,
// but the session no longer counts on it.
func (s *Session) WitnessState() int {
	switch {
	case s.w.linked && s.now.Before(s.w.answered):
		return WitnessConnected
	case s.w.contacted:
		return WitnessDisconnected
	}
	return WitnessUnknown
}

// dropIfStalled cuts both links while the disk is stalled: the partner
// and the witness see the connections end and this partner stay silent,
// so they act as if it had failed (and it cannot promise anything it
// cannot write). It reports whether it did.
func (s *Session) dropIfStalled() bool {
	if !s.diskStalled {
		return false
	}
	if s.linkUp {
		s.emit(DropLink{Reason: "the local disk has stalled"})
		s.linkDown("disk stalled", false)
	}
	if s.w.up {
		s.emit(DropWitness{Reason: "the local disk has stalled"})
		s.witnessDown()
	}
	return true
}

func (s *Session) witnessUp() {
	s.w.up, s.w.contacted, s.w.heard = true, true, s.now
	s.pingWitness()
}

func (s *Session) witnessDown() {
	s.w.up, s.w.linked, s.w.principal, s.w.contacted = false, false, false, true
	s.w.lease = time.Time{}
}

// sendWitness sends a message to the witness (numbered like send).
func (s *Session) sendWitness(m Message) {
	if s.diskStalled || !s.w.up {
		return
	}
	h := HeaderOf(m)
	h.Seq, h.Echo = s.nextSeq(), s.echoWitness
	s.emit(SendWitness{Msg: m})
	s.w.sent = s.now
}

func (s *Session) pingWitness() {
	if s.cfg.GUID == "" || s.cfg.Witness == "" {
		return
	}
	s.sendWitness(&WitnessPing{Header: s.header(), Exposed: s.exposedFlag, Safety: s.cfg.Safety,
		SafetySeq: s.cfg.SafetySeq, Suspended: s.cfg.Suspended, SuspendSeq: s.cfg.SuspendSeq,
		Timeout: s.cfg.Timeout, End: s.end, FailoverLSN: s.cfg.FailoverLSN})
}

// tickWitness pings the witness, notices a silent one, and drives a
// mirror's request for automatic failover.
func (s *Session) tickWitness() {
	if s.cfg.Witness == "" || !s.w.up {
		return
	}
	if s.now.Sub(s.w.heard) > s.timeout() {
		s.emit(DropWitness{Reason: "no message from the witness within the timeout"})
		s.witnessDown()
		return
	}
	if s.now.Sub(s.w.sent) >= PingInterval(s.timeout()) {
		s.pingWitness()
	}
	s.maybeAskFailover()
}

func isFromWitness(m Message) bool {
	switch m.(type) {
	case *WitnessPong, *FailoverVerdict:
		return true
	}
	return false
}

// fromWitness handles the witness's answers.
func (s *Session) fromWitness(msg Message) {
	h := HeaderOf(msg)
	if h.DB != s.cfg.Database || h.GUID != s.cfg.GUID || s.cfg.GUID == "" || s.cfg.Witness == "" {
		return
	}
	s.w.heard = s.now
	s.w.answered = later(s.w.answered, s.leaseFrom(h.Echo))
	if h.Seq > s.echoWitness {
		s.echoWitness = h.Seq
	}
	switch m := msg.(type) {
	case *WitnessPong:
		s.onPong(m)
	case *FailoverVerdict:
		s.onVerdict(m)
	}
}

func (s *Session) onPong(m *WitnessPong) {
	switch {
	case !m.Known:
		s.w.linked, s.w.principal = false, false
	case m.RoleSeq > s.cfg.RoleSeq:
		// The witness appointed a principal we have not heard of.
		s.adoptWitnessRole(m.RoleSeq, m.Principal, m.FailoverLSN, m.Forced, m.Suspended, m.SuspendSeq, m.Echo)
	case m.RoleSeq == s.cfg.RoleSeq:
		s.w.linked = true
		s.w.principal = m.Principal && s.cfg.Role == Principal
		if s.w.principal {
			s.w.lease = later(s.w.lease, s.leaseFrom(m.Echo))
			if m.Exposed && s.exposedFlag && m.Echo >= s.exposedFlagSeq {
				s.exposedOK = true
			}
		}
	}
	// m.RoleSeq below ours: the witness learns ours from our next ping.
}

// adoptWitnessRole takes a role the witness recorded at a newer role
// sequence: the principal role it granted us (our answer was lost), or
// the mirror role because it appointed our partner.
func (s *Session) adoptWitnessRole(seq int64, principal bool, failoverLSN LSN, forced, suspended bool, suspendSeq int64, echo uint64) {
	if principal {
		// The witness appointed us a while ago and the verdict was lost;
		// meanwhile we may have served the former principal as its mirror.
		hold := s.leaseHold(true)
		s.takeOver(seq, failoverLSN, forced, echo)
		s.holdUntil = hold
		return
	}
	wasPrincipal := s.cfg.Role == Principal
	s.cfg.Role, s.cfg.RoleSeq, s.cfg.FailoverLSN, s.cfg.Forced = Mirror, seq, failoverLSN, forced
	s.cfg.PendingFailover = nil
	if suspendSeq > s.cfg.SuspendSeq {
		s.cfg.Suspended, s.cfg.SuspendSeq = suspended, suspendSeq
	}
	s.linked, s.principalSynced = false, false
	s.cfg.PendingUndo = s.end > failoverLSN
	s.askedAt = time.Time{}
	s.w.linked, s.w.principal, s.w.lease = true, false, time.Time{}
	s.persist()
	s.becameMirror(wasPrincipal)
}

// takeOver makes this mirror the principal at role sequence seq, as the
// witness recorded (automatic failover or forced service); the witness's
// answer echoed echo, which starts our lease.
func (s *Session) takeOver(seq int64, failoverLSN LSN, forced bool, echo uint64) {
	s.cfg.Role, s.cfg.RoleSeq, s.cfg.FailoverLSN, s.cfg.Forced = Principal, seq, failoverLSN, forced
	s.cfg.PendingFailover = nil
	if forced {
		s.cfg.Suspended, s.cfg.SuspendSeq = true, s.cfg.SuspendSeq+1
	}
	s.mirrorEnd, s.mirrorPendingUndo = failoverLSN, false
	s.linked, s.shipping, s.gating, s.synced = false, false, false, false
	s.cfg.PendingUndo, s.undoing, s.demoting = false, false, false
	s.askedAt = time.Time{}
	// The witness recorded us exposed (we have no mirror yet).
	s.exposedFlag, s.exposedFlagSeq, s.exposedOK = true, 0, true
	s.w.linked, s.w.principal = true, true
	s.w.lease = later(s.w.lease, s.leaseFrom(echo))
	s.persist()
	s.emit(SetRole{Role: Principal})
	if forced {
		s.emit(NewFork{})
	}
	s.sendHello(false)
}

// asking reports whether a FailoverAsk is outstanding (a verdict is due
// within two ping intervals).
func (s *Session) asking() bool {
	return !s.askedAt.IsZero() && s.now.Sub(s.askedAt) < 2*PingInterval(s.timeout())
}

// maybeAskFailover asks the witness for the principal role when this
// SYNCHRONIZED mirror has lost its principal (SPEC §8.4) — no connection
// to it at all — every ping interval until the witness answers or things
// change.
func (s *Session) maybeAskFailover() {
	if s.cfg.Role != Mirror || s.cfg.GUID == "" || s.linkUp || !s.syncedAtLoss || s.cfg.Suspended ||
		s.cfg.Safety != SafetyFull || !s.w.linked || s.cfg.PendingUndo || s.diskStalled || s.asking() ||
		s.now.Before(s.askAfter) {
		return
	}
	s.askedAt = s.now
	if s.askSince.IsZero() {
		s.askSince = s.now
	}
	s.sendWitness(&FailoverAsk{Header: s.header(), End: s.end, SilentFor: s.now.Sub(s.partnerHeard), Hard: s.lostHard})
}

func (s *Session) onVerdict(v *FailoverVerdict) {
	if v.Force {
		if s.forceCmd != 0 {
			id := s.forceCmd
			s.forceCmd = 0
			if v.Granted && v.RoleSeq == s.cfg.RoleSeq+1 && s.cfg.Role == Mirror {
				s.takeOver(v.RoleSeq, v.FailoverLSN, true, v.Echo)
				s.reply(id, nil)
			} else {
				s.reply(id, sqlerr.New(1455, s.cfg.Database))
			}
		}
		return
	}
	s.askedAt = time.Time{}
	s.askAfter = s.now.Add(PingInterval(s.timeout()) / 2)
	if v.Granted && v.RoleSeq == s.cfg.RoleSeq+1 && s.cfg.Role == Mirror {
		// A verdict can arrive late: if we have heard from the principal
		// since we asked, we have been its mirror again.
		hold := s.leaseHold(s.partnerHeard.After(s.askSince))
		s.takeOver(v.RoleSeq, v.FailoverLSN, false, v.Echo)
		s.holdUntil = hold
	}
}

// leaseHold is until when a mirror that takes over must not serve: as the
// former principal's mirror it answered that principal's messages, and
// each answer lets it serve (a lease) until TIMEOUT, less a margin, after
// it sent the message answered — so before TIMEOUT after we last heard
// it. Needed only when we may have answered it after the witness stopped
// hearing it (relinked): otherwise the witness granted the role after
// both had heard nothing for TIMEOUT, or after its process was found gone.
func (s *Session) leaseHold(relinked bool) time.Time {
	if !relinked {
		return time.Time{}
	}
	return s.partnerHeard.Add(s.timeout())
}

// updateQuorum keeps the witness told about exposure and opens or closes
// the principal's database as quorum comes and goes.
func (s *Session) updateQuorum() {
	if s.cfg.Role == Principal && s.cfg.Witness != "" && s.cfg.GUID != "" {
		settled := s.waitsForMirror() && s.synced && s.mirrorEnd >= s.exposedMax
		if want := !settled; want != s.exposedFlag {
			s.exposedFlag = want
			if !want {
				s.exposedOK = false // before the witness can allow failover
			}
			s.exposedFlagSeq = s.seq + 1
			s.pingWitness()
		}
	}
	if s.cfg.Role != Principal {
		s.serveSent = nil
		return
	}
	on := s.serving()
	if s.serveSent == nil || *s.serveSent != on {
		s.serveSent = &on
		s.emit(Serve{On: on})
	}
}
