package mirroring

import (
	"time"

	"mirrordb/engine"
	"mirrordb/mirroring/core"
)

// State change events, numbered as SQL Server's Database Mirroring State
// Change event (trace event class 167, SPEC §6.5).
const (
	evNull                    = 0
	evPrincipalSyncWitness    = 1
	evPrincipalSyncNoWitness  = 2
	evMirrorSyncWitness       = 3
	evMirrorSyncNoWitness     = 4
	evPrincipalLost           = 5
	evMirrorLost              = 6
	evManualFailover          = 7
	evAutomaticFailover       = 8
	evSuspended               = 9
	evNoQuorum                = 10
	evSynchronizing           = 11
	evPrincipalRunningExposed = 12
)

var eventNames = [...]string{
	"Null notification",
	"Synchronized principal with witness",
	"Synchronized principal without witness",
	"Synchronized mirror with witness",
	"Synchronized mirror without witness",
	"Connection with principal lost",
	"Connection with mirror lost",
	"Manual failover",
	"Automatic failover",
	"Mirroring suspended",
	"No quorum",
	"Synchronizing mirror",
	"Principal running exposed",
}

// historyLimit bounds the state changes an instance remembers.
const historyLimit = 1000

// situation is what a state change event describes.
type situation struct {
	role     core.Role
	state    core.State
	witness  bool // the session has a witness
	wOnline  bool // and it is connected
	noQuorum bool // a principal that closed the database
}

func (r *runner) situation(s snapshot) situation {
	return situation{role: s.cfg.Role, state: s.state, witness: s.cfg.Witness != "",
		wOnline: s.witnessState == 1, noQuorum: r.noQuorum}
}

// event is the §6.5 state a situation is in.
func (x situation) event() int {
	principal := x.role == core.Principal
	switch {
	case x.state == core.Suspended:
		return evSuspended
	case principal && x.noQuorum:
		return evNoQuorum
	case x.state == core.Synchronized:
		// 1/2 principal with/without witness, 3/4 mirror.
		id := evPrincipalSyncWitness
		if !principal {
			id = evMirrorSyncWitness
		}
		if !x.witness {
			id++
		}
		return id
	case x.state == core.Synchronizing:
		return evSynchronizing
	case x.state == core.PendingFailover:
		return evManualFailover
	case x.state == core.Disconnected && principal && x.witness && x.wOnline:
		return evPrincipalRunningExposed
	case x.state == core.Disconnected && principal:
		return evMirrorLost
	case x.state == core.Disconnected:
		return evPrincipalLost
	}
	return evNull
}

// stateLog decides which state changes become a line of the log and a
// row of sys.dm_db_mirroring_state_changes. However the situation moves,
// at most stateLineBurst lines go out at once and then one per
// stateLineEvery; changes beyond are folded into the next line, which
// records the net change and says how many it stands for (its previous
// state is the last one recorded, so the history stays a chain). A role
// change is never held back. The session's own hysteresis (core/lag.go)
// keeps real sessions far below the limit; the limit is for what still
// flaps (a link that keeps dropping).
type stateLog struct {
	last   int       // the event last recorded
	tokens int       // lines that may go out now
	refill time.Time // when tokens were last counted
	folded int       // changes held back since the last line
}

const (
	stateLineBurst = 10
	stateLineEvery = time.Second
)

// change is a line to write: event id after prev, standing for folded
// changes held back before it too. id == prev: the changes held back
// came back to where they started (a line, no row).
type change struct{ id, prev, folded int }

// note is told every step's situation before and after, and returns the
// line to write, if any. verdict: the step was the witness's failover
// verdict.
func (l *stateLog) note(before, after situation, verdict bool, now time.Time) (change, bool) {
	id := after.event()
	roleChanged := before.role != after.role
	if before.role == core.Mirror && after.role == core.Principal {
		// A failover: automatic when the witness's verdict made it one
		// (forced service, which also asks the witness, leaves the
		// session SUSPENDED).
		id = evManualFailover
		if verdict && after.state != core.Suspended {
			id = evAutomaticFailover
		}
	}
	if id == l.last && !roleChanged {
		return change{}, false
	}
	if !l.take(now) && !roleChanged {
		l.folded++
		return change{}, false
	}
	return l.emit(id), true
}

// flush is called every tick with the current situation: once a line may
// go out again, it returns the net change held back.
func (l *stateLog) flush(cur situation, now time.Time) (change, bool) {
	if l.folded == 0 || !l.take(now) {
		return change{}, false
	}
	return l.emit(cur.event()), true
}

func (l *stateLog) emit(id int) change {
	c := change{id: id, prev: l.last, folded: l.folded}
	l.last, l.folded = id, 0
	return c
}

// take spends a line if one is left (a token bucket).
func (l *stateLog) take(now time.Time) bool {
	switch {
	case l.refill.IsZero():
		l.tokens, l.refill = stateLineBurst, now
	case now.Sub(l.refill) >= stateLineEvery:
		n := now.Sub(l.refill) / stateLineEvery
		l.tokens = min(stateLineBurst, l.tokens+int(n))
		l.refill = l.refill.Add(n * stateLineEvery)
	}
	if l.tokens == 0 {
		return false
	}
	l.tokens--
	return true
}

// noteSituation writes the state change line the step from before to
// after calls for, if any (see stateLog).
func (r *runner) noteSituation(before, after situation) {
	if c, ok := r.states.note(before, after, r.verdict, time.Now()); ok {
		r.writeChange(c, after)
	}
}

// flushStateChanges writes the line of the changes held back, once the
// limit lets it (every tick).
func (r *runner) flushStateChanges(now time.Time) {
	cur := r.situation(r.snapshot())
	if c, ok := r.states.flush(cur, now); ok {
		r.writeChange(c, cur)
	}
}

// writeChange writes one structured log line and, for a change of state,
// one row of sys.dm_db_mirroring_state_changes.
func (r *runner) writeChange(c change, after situation) {
	if c.id == c.prev {
		r.log.Info("database mirroring state changes folded", "changes", c.folded, "event", c.id,
			"description", eventNames[c.id], "role", after.role.String(), "mirroring_state", after.state.String())
		return
	}
	ch := engine.MirrorStateChange{Time: time.Now(), DatabaseID: r.d.ID(), Database: r.d.Name(),
		Previous: c.prev, State: c.id, Description: eventNames[c.id], Role: after.role.String(),
		MirroringState: after.state.String()}
	args := []any{"event", c.id, "description", eventNames[c.id], "previous", c.prev, "role", ch.Role,
		"mirroring_state", ch.MirroringState}
	if c.folded > 0 {
		args = append(args, "folded", c.folded)
	}
	r.log.Info("database mirroring state change", args...)
	r.m.histMu.Lock()
	r.m.history = append(r.m.history, ch)
	if n := len(r.m.history); n > historyLimit {
		r.m.history = append(r.m.history[:0], r.m.history[n-historyLimit:]...)
	}
	r.m.histMu.Unlock()
}

// StateChanges implements engine.Mirroring: the instance's recent state
// change events, oldest first.
func (m *Manager) StateChanges() []engine.MirrorStateChange {
	m.histMu.Lock()
	defer m.histMu.Unlock()
	return append([]engine.MirrorStateChange(nil), m.history...)
}
