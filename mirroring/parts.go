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
