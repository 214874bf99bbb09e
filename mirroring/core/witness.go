package core

import (
	"sort"
	"time"
)

// Witness is an instance's witness role: its record of every session it
// witnesses and the arbitration of automatic failover (DESIGN rules 2 and
// 3). Like Session it is pure: events in, actions out; the driver owns
// the connections, the clock and the disk.
//
// The witness grants the principal role to a mirror only when
//   - the session is SAFETY FULL, not suspended, and the principal has not
//     declared itself exposed (rule 2: it may have acknowledged commits
//     the mirror lacks);
//   - the mirror and the principal were in contact with the witness at
//     the same time: the mirror's contact (no gap longer than TIMEOUT)
//     began before the principal's could have ended, TIMEOUT after the
//     witness last heard it — so the mirror was part of the configuration
//     when the principal was lost, not one that came back after everyone
//     lost contact (SPEC §8.2 rule 3);
//   - the principal cannot be serving: both the witness and the mirror
//     have heard nothing from it for TIMEOUT (its leases, which run from
//     the send time of answered messages and end a margin before TIMEOUT,
//     have expired), or its connections ended with an error and its
//     endpoint refuses connections (the process is gone).
//
// The new role sequence is persisted before the answer goes out, so a
// restarted witness never forgets a principal it appointed.
type Witness struct {
	now   time.Time
	recs  map[string]*witnessSession // by GUID
	links map[string]*witnessLink    // by instance id
	seq   uint64
	out   []WitnessAction
}

// WitnessRecord is the persisted state of one witnessed session.
type WitnessRecord struct {
	DB          string            `json:"db"`
	GUID        string            `json:"guid"`
	FamilyGUID  string            `json:"family_guid"`
	Partners    [2]WitnessPartner `json:"partners"`
	Principal   int               `json:"principal"` // index into Partners
	RoleSeq     int64             `json:"role_seq"`
	Safety      Safety            `json:"safety"`
	SafetySeq   int64             `json:"safety_seq"`
	Suspended   bool              `json:"suspended"`
	SuspendSeq  int64             `json:"suspend_seq"`
	Timeout     int               `json:"timeout"`
	Exposed     bool              `json:"exposed"`
	FailoverLSN LSN               `json:"failover_lsn"`
	Forced      bool              `json:"forced"`
}

// WitnessPartner identifies a partner instance of a witnessed session.
type WitnessPartner struct {
	Instance string `json:"instance"` // instance id
	Name     string `json:"name"`     // server name
	Address  string `json:"address"`  // endpoint address
}

type witnessSession struct {
	rec   WitnessRecord
	heard [2]time.Time // last message from each partner
	// contact is since when each partner has been heard without a gap
	// longer than the timeout (zero: not in contact).
	contact [2]time.Time
	probe   *pendingAsk // a failover waiting for a probe of the principal
}

type pendingAsk struct {
	asker int
	ask   FailoverAsk
}

type witnessLink struct {
	since time.Time // when the current connection came up; zero when down
	hard  bool      // the last connection ended with an error
}

// Witness events.
type (
	// WitnessEvent is an input to Witness.Step.
	WitnessEvent interface{ witnessEvent() }
	// WTick is the passage of time.
	WTick struct{ Now time.Time }
	// WLink reports a connection to a partner instance coming up or going
	// down (Hard: with an error rather than a goodbye or a timeout).
	WLink struct {
		Instance string
		Up, Hard bool
	}
	// WReceived is a message from a partner instance.
	WReceived struct {
		Instance string
		Msg      Message
	}
	// WProbed reports whether the principal's endpoint refused a
	// connection (its process is gone).
	WProbed struct {
		GUID    string
		Refused bool
	}
	// WRegister adds (or replaces) a session: SET WITNESS on its principal,
	// once the driver has checked that the witness reaches both partners.
	WRegister struct{ Record WitnessRecord }
)

func (WTick) witnessEvent()     {}
func (WLink) witnessEvent()     {}
func (WReceived) witnessEvent() {}
func (WProbed) witnessEvent()   {}
func (WRegister) witnessEvent() {}

// Witness actions.
type (
	// WitnessAction is an output of Witness.Step.
	WitnessAction interface{ witnessAction() }
	// WSend sends a message to a partner instance.
	WSend struct {
		Instance string
		Msg      Message
	}
	// WPersist stores a record durably (before anything that follows).
	WPersist struct{ Record WitnessRecord }
	// WForget deletes a record.
	WForget struct{ GUID string }
	// WProbe asks the driver to connect to a principal's endpoint and
	// report whether it refused (WProbed).
	WProbe struct{ GUID, Address string }
)

func (WSend) witnessAction()    {}
func (WPersist) witnessAction() {}
func (WForget) witnessAction()  {}
func (WProbe) witnessAction()   {}

// NewWitness starts the witness role from its persisted records. Nothing
// has been heard from anyone yet, so no failover is granted until the
// principal has been heard again (SPEC §8.2 rule 3).
func NewWitness(records []WitnessRecord, now time.Time) *Witness {
	w := &Witness{now: now, recs: map[string]*witnessSession{}, links: map[string]*witnessLink{}}
	for _, r := range records {
		w.recs[r.GUID] = &witnessSession{rec: r}
	}
	return w
}

// Records returns the witnessed sessions, by database name.
func (w *Witness) Records() []WitnessRecord {
	out := make([]WitnessRecord, 0, len(w.recs))
	for _, s := range w.recs {
		out = append(out, s.rec)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].DB < out[j].DB })
	return out
}

// Step feeds one event to the witness and returns the actions to carry out.
func (w *Witness) Step(ev WitnessEvent) []WitnessAction {
	w.out = nil
	switch e := ev.(type) {
	case WTick:
		w.now = e.Now
	case WLink:
		l := w.link(e.Instance)
		if e.Up {
			l.since, l.hard = w.now, false // a new connection
		} else {
			l.since, l.hard = time.Time{}, e.Hard
			for _, s := range w.recs {
				if i := s.partner(e.Instance); i >= 0 {
					s.contact[i] = time.Time{}
				}
			}
		}
	case WReceived:
		w.received(e.Instance, e.Msg)
	case WProbed:
		w.probed(e.GUID, e.Refused)
	case WRegister:
		s := &witnessSession{rec: e.Record}
		if old := w.recs[e.Record.GUID]; old != nil {
			s.heard = old.heard
		}
		w.recs[e.Record.GUID] = s
		w.out = append(w.out, WPersist{Record: s.rec})
	}
	return w.out
}

func (w *Witness) link(instance string) *witnessLink {
	l := w.links[instance]
	if l == nil {
		l = &witnessLink{}
		w.links[instance] = l
	}
	return l
}

func (w *Witness) send(instance string, m Message) {
	w.seq++
	HeaderOf(m).Seq = w.seq
	w.out = append(w.out, WSend{Instance: instance, Msg: m})
}

func (w *Witness) persist(s *witnessSession) {
	w.out = append(w.out, WPersist{Record: s.rec})
}

func (s *witnessSession) partner(instance string) int {
	for i, p := range s.rec.Partners {
		if p.Instance == instance {
			return i
		}
	}
	return -1
}

func (s *witnessSession) timeout() time.Duration { return EffectiveTimeout(s.rec.Timeout) }

func (w *Witness) received(instance string, msg Message) {
	h := HeaderOf(msg)
	s := w.recs[h.GUID]
	if s == nil {
		if _, ping := msg.(*WitnessPing); ping {
			w.send(instance, &WitnessPong{Header: Header{DB: h.DB, GUID: h.GUID, Echo: h.Seq}})
		}
		return
	}
	idx := s.partner(instance)
	if idx < 0 {
		return // not one of this session's partners
	}
	if s.contact[idx].IsZero() || w.now.Sub(s.heard[idx]) > s.timeout() {
		s.contact[idx] = w.now
	}
	s.heard[idx] = w.now
	if ping, ok := msg.(*WitnessPing); ok && h.RoleSeq > s.rec.RoleSeq {
		// A role switch the witness did not arbitrate (manual failover):
		// the partners agreed on it, so adopt it. Exposure is unknown
		// until the new principal reports it.
		s.rec.RoleSeq, s.rec.Forced, s.rec.Exposed = h.RoleSeq, false, true
		s.rec.FailoverLSN = ping.FailoverLSN
		s.rec.Principal = idx
		if h.From != Principal {
			s.rec.Principal = 1 - idx
		}
		w.persist(s)
	}
	switch m := msg.(type) {
	case *WitnessPing:
		if idx == s.rec.Principal && h.RoleSeq == s.rec.RoleSeq && h.From == Principal {
			w.adoptPrincipalReport(s, m)
		}
		w.pong(s, idx, h.Seq)
	case *FailoverAsk:
		w.ask(s, idx, m)
	case *WitnessDrop:
		if h.RoleSeq >= s.rec.RoleSeq {
			delete(w.recs, h.GUID)
			w.out = append(w.out, WForget{GUID: h.GUID})
		}
	}
}

// adoptPrincipalReport takes the principal's exposure and configuration.
func (w *Witness) adoptPrincipalReport(s *witnessSession, m *WitnessPing) {
	r := &s.rec
	changed := r.Exposed != m.Exposed || r.Timeout != m.Timeout
	r.Exposed, r.Timeout = m.Exposed, m.Timeout
	if m.SafetySeq > r.SafetySeq || (m.SafetySeq == r.SafetySeq && m.Safety != r.Safety) {
		r.Safety, r.SafetySeq, changed = m.Safety, m.SafetySeq, true
	}
	if m.SuspendSeq > r.SuspendSeq || (m.SuspendSeq == r.SuspendSeq && m.Suspended != r.Suspended) {
		r.Suspended, r.SuspendSeq, changed = m.Suspended, m.SuspendSeq, true
	}
	if changed {
		w.persist(s) // before the answer that confirms it
	}
}

func (w *Witness) pong(s *witnessSession, idx int, echo uint64) {
	r := s.rec
	w.send(r.Partners[idx].Instance, &WitnessPong{Header: Header{DB: r.DB, GUID: r.GUID, RoleSeq: r.RoleSeq, Echo: echo},
		Known: true, Principal: idx == r.Principal, Exposed: r.Exposed, FailoverLSN: r.FailoverLSN,
		Forced: r.Forced, Suspended: r.Suspended, SuspendSeq: r.SuspendSeq})
}

func (w *Witness) verdict(s *witnessSession, idx int, ask *FailoverAsk, granted bool, reason string) {
	r := s.rec
	w.send(r.Partners[idx].Instance, &FailoverVerdict{Header: Header{DB: r.DB, GUID: r.GUID, RoleSeq: r.RoleSeq, Echo: ask.Seq},
		Granted: granted, FailoverLSN: r.FailoverLSN, Force: ask.Force, Reason: reason})
}

// ask arbitrates a mirror's request for the principal role.
func (w *Witness) ask(s *witnessSession, idx int, a *FailoverAsk) {
	r := &s.rec
	if idx == r.Principal {
		// A retry after the grant was lost: answer it again.
		w.verdict(s, idx, a, a.RoleSeq == r.RoleSeq, "the asker is already principal")
		return
	}
	if a.RoleSeq != r.RoleSeq {
		w.verdict(s, idx, a, false, "role sequence mismatch")
		return
	}
	p := r.Partners[r.Principal].Instance
	pl := w.link(p)
	pSilent := s.heard[r.Principal].IsZero() || w.now.Sub(s.heard[r.Principal]) >= s.timeout()
	if a.Force {
		// Forced service needs the mirror to have quorum with the witness:
		// the principal must be gone from the witness too (SPEC §8.6).
		if !pl.since.IsZero() && !pSilent {
			w.verdict(s, idx, a, false, "the principal is connected to the witness")
			return
		}
		w.appoint(s, idx, a, true)
		return
	}
	if reason := w.refusal(s, idx); reason != "" {
		w.verdict(s, idx, a, false, reason)
		return
	}
	switch {
	case pSilent && a.SilentFor >= s.timeout():
		w.appoint(s, idx, a, false)
	case a.Hard && pl.since.IsZero() && pl.hard:
		// Both lost the principal with an error: if its endpoint refuses
		// connections its process is gone and cannot be serving.
		if s.probe == nil {
			w.out = append(w.out, WProbe{GUID: r.GUID, Address: r.Partners[r.Principal].Address})
		}
		s.probe = &pendingAsk{asker: idx, ask: *a}
	default:
		w.verdict(s, idx, a, false, "the principal may still be serving")
	}
}

// refusal says why automatic failover to partner idx is not allowed now
// ("" when it is, subject to the principal being gone).
func (w *Witness) refusal(s *witnessSession, idx int) string {
	r := &s.rec
	contact, pHeard := s.contact[idx], s.heard[r.Principal]
	switch {
	case r.Safety != SafetyFull:
		return "SAFETY is OFF"
	case r.Suspended:
		return "the session is suspended"
	case r.Exposed:
		return "the principal is running exposed"
	case contact.IsZero() || pHeard.IsZero() || contact.After(pHeard.Add(s.timeout())):
		return "the mirror was not in contact with the witness when the principal was lost"
	}
	return ""
}

func (w *Witness) probed(guid string, refused bool) {
	s := w.recs[guid]
	if s == nil || s.probe == nil {
		return
	}
	pa := s.probe
	s.probe = nil
	if pa.ask.RoleSeq != s.rec.RoleSeq {
		return
	}
	pl := w.link(s.rec.Partners[s.rec.Principal].Instance)
	switch {
	case !refused:
		w.verdict(s, pa.asker, &pa.ask, false, "the principal's endpoint still answers")
	case !pl.since.IsZero():
		w.verdict(s, pa.asker, &pa.ask, false, "the principal reconnected")
	default:
		if reason := w.refusal(s, pa.asker); reason != "" {
			w.verdict(s, pa.asker, &pa.ask, false, reason)
			return
		}
		w.appoint(s, pa.asker, &pa.ask, false)
	}
}

// appoint makes partner idx the principal at the next role sequence,
// persisted before the verdict is sent.
func (w *Witness) appoint(s *witnessSession, idx int, a *FailoverAsk, forced bool) {
	r := &s.rec
	r.RoleSeq++
	r.Principal = idx
	r.FailoverLSN = a.End
	r.Forced = forced
	r.Exposed = true // the new principal has no mirror yet
	if forced {
		r.Suspended, r.SuspendSeq = true, r.SuspendSeq+1
	}
	w.persist(s)
	w.verdict(s, idx, a, true, "")
}
