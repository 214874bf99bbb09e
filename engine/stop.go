package engine

import "mirrordb/sqlerr"

// Stopping the instance. A shutdown first cancels statements, then closes
// the stores; in between, a statement that was cancelled may still finish
// behind its session (a RESTORE's install, finishBehind), and a CREATE
// DATABASE may be on its way. Every database in service is told that the
// instance is stopping (BeginStop), and no database enters service after
// that (refuseWhenStopping): one that did would miss the mark, and a
// rollback of a load in it would compensate for as long as the load took,
// holding up the shutdown.

// BeginStop tells every database that the instance is stopping: a
// transaction written in parts that is rolled back from now on leaves its
// parts for the undo at the next open instead of compensating them
// (storage.DB.BeginStop), so that a shutdown during a big load does not
// wait for its rollback. Close calls it; a server calls it as soon as it
// cancels statements.
//
// The flag is set before the database list is read under in.mu, and
// databases enter the list under in.mu after refuseWhenStopping: a
// database either enters before the list is read, and is marked here, or
// after, and is refused.
func (in *Instance) BeginStop() {
	in.stopping.Store(true)
	in.mu.RLock()
	defer in.mu.RUnlock()
	for _, d := range in.dbs {
		d.storage.BeginStop()
	}
	if in.master != nil {
		in.master.storage.BeginStop()
	}
}

// refuseWhenStopping refuses to put a new database into service once the
// instance is stopping (Msg 6005, SHUTDOWN is in progress).
// REQUIRES: in.mu is held for writing.
func (in *Instance) refuseWhenStopping() error {
	if in.stopping.Load() {
		return sqlerr.New(6005)
	}
	return nil
}
