package mirroring

import (
	"mirrordb/engine/txlog"
)

// Transactions written in parts (docs/ARCHITECTURE.md). A mirror redoes
// parts as they come, but what it hardened of a transaction that has not
// committed acknowledges nothing and cannot be failed over to: the end it
// reports (its acknowledgements, its Hello, hence its failover LSN) is
// its committed end, and a mirror becoming principal undoes its open tail
// before it serves.
//
// A mirror that reconnects while a transaction in parts is open is sent
// its parts again, from its committed end on (Redo skips the records it
// holds, and storage's dropDivergentTail undoes them from the first one
// that differs). Shipping from the parts it hardened instead would need
// more than their end in the Hello: nothing says they are still the
// principal's log. A principal that restarts undoes its own open tail and
// reuses those LSNs; its Rewind (core/rewind.go) is its end after that
// undo, which is the mirror's committed end, so the Rewind clears at the
// first Hello while the mirror still holds the undone parts. Should the
// link drop again before anything is shipped, the next Hello would offer
// those parts with no Rewind pending, and new log would be shipped on top
// of them. Doing it safely means the Rewind check (and the mirror's undo)
// counting the hardened parts, or a digest of them in the Hello that the
// principal checks against its own log, both changes to the core's
// protocol and its simulation.

// hardenedEnd is the end of log a mirror reports: hardened and committed.
func (r *runner) hardenedEnd() txlog.LSN { return min(r.d.DurableLSN(), r.d.CommittedEnd()) }

// undoOpenTail undoes the parts of a transaction of the former principal
// before this copy serves as principal. It runs in the runner, before the
// role changes: nothing may read or write the copy meanwhile. A failed
// undo takes the database out of service (storage fails its store), and
// the undo happens at its recovery.
func (r *runner) undoOpenTail() {
	if err := r.d.UndoOpenTail(r.ctx); err != nil {
		r.log.Error("undoing the open transaction's parts before serving as principal", "err", err)
	}
}
