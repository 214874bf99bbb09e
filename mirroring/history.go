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

// noteSituation records a state change event when the session's situation
// moved to another §6.5 state: one structured log line and one row of
// sys.dm_db_mirroring_state_changes. A mirror that became principal is a
// failover: automatic when the witness's verdict made it one (forced
// service, which also asks the witness, leaves the session SUSPENDED).
func (r *runner) noteSituation(before, after situation) {
	id := after.event()
	if before.role == core.Mirror && after.role == core.Principal {
		id = evManualFailover
		if r.verdict && after.state != core.Suspended {
			id = evAutomaticFailover
		}
	}
	if id == r.lastEvent && before.role == after.role {
		return
	}
	prev := r.lastEvent
	r.lastEvent = id
	change := engine.MirrorStateChange{Time: time.Now(), DatabaseID: r.d.ID(), Database: r.d.Name(),
		Previous: prev, State: id, Description: eventNames[id], Role: after.role.String(),
		MirroringState: after.state.String()}
	r.log.Info("database mirroring state change", "event", id, "description", eventNames[id],
		"previous", prev, "role", change.Role, "mirroring_state", change.MirroringState)
	r.m.histMu.Lock()
	r.m.history = append(r.m.history, change)
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
