package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/sqlerr"
)

// Interrupted index builds. A CREATE INDEX or DROP INDEX that a crash
// (or a failover) interrupted leaves its index building or dropping, with
// some of its entries: no statement will finish it, writes keep
// maintaining a building one, and sys.indexes shows it disabled. The
// instance removes such indexes in the background, as a statement would
// have on failure: marked dropping, emptied in steps, removed, each step
// an ordinary logged transaction (so a mirror follows). It does so only
// where users may write (not on a mirror, nor without quorum, nor on a
// mirrored database whose session has not resumed yet), and leaves alone
// the indexes that statements of this instance are building or removing.

// errIndexBusy stops the removal of an index a statement is working on.
var errIndexBusy = errors.New("index in use by a running statement")

// mirroringMetaKey is the local key where mirroring keeps a database's
// session (mirroring/manager.go's metaKey): a database that has one and
// no role yet waits for its session to resume before it is written.
const mirroringMetaKey = "mirroring"

// removeInterruptedIndexes removes the interrupted builds and drops of
// every database that takes writes; the instance calls it periodically.
func (in *Instance) removeInterruptedIndexes() bool {
	for _, d := range in.Databases() {
		if d.checkOpen() != nil {
			continue
		}
		if !d.Mirrored() {
			if _, ok, err := d.MetaGet(mirroringMetaKey); err != nil || ok {
				continue
			}
		}
		if err := d.removeInterruptedIndexes(in.ctx); err != nil && !errors.Is(err, errIndexBusy) && in.ctx.Err() == nil {
			in.log.Warn("removing an interrupted index build", "db", d.Name(), "err", err)
		}
	}
	return false
}

// interruptedIndex is an index a crash left building or dropping.
type interruptedIndex struct {
	table string
	name  string
	store uint32
}

// removeInterruptedIndexes removes the interrupted builds and drops of one
// database.
func (d *Database) removeInterruptedIndexes(ctx context.Context) error {
	var found []interruptedIndex
	for _, def := range d.schema.Load().Tables() {
		for _, ix := range def.Indexes {
			if ix.State != catalog.IndexReady && !d.builds.running(def.StoreID(), ix.StoreID()) {
				found = append(found, interruptedIndex{def.Name, ix.Name, ix.StoreID()})
			}
		}
	}
	if len(found) == 0 {
		return nil
	}
	e := &exec.Env{Ctx: ctx, CommitCtx: ctx}
	var steps int
	step := func(fn func(t *txn) error) error {
		if err := d.checkOpen(); err != nil {
			return err
		}
		// Each step is bounded, not the removal: a slow machine takes
		// longer to remove a big index but does not give up half-way
		// and start again at the next tick.
		ctx, cancel := context.WithTimeout(ctx, removalStepTimeout)
		defer cancel()
		e.Ctx, e.CommitCtx = ctx, ctx
		t, err := d.beginWrite(ctx, time.Second) // users first: tried again later
		if err != nil {
			return err
		}
		if err := fn(t); err != nil {
			t.Rollback()
			return err
		}
		_, err = t.Commit(ctx)
		steps++
		return err
	}
	for _, ix := range found {
		start := time.Now()
		steps = 0
		d.inst.log.Info("removing an index whose build or drop was interrupted", "db", d.Name(), "table", ix.table, "index", ix.name)
		err := removeIndexInSteps(e, d, ix.table, ix.store, true, step)
		if err != nil && !sqlerr.Is(err, 208) { // 208: the table went meanwhile
			return fmt.Errorf("index %s.%s after %d steps: %w", ix.table, ix.name, steps, err)
		}
		d.inst.log.Info("removed an index whose build or drop was interrupted", "db", d.Name(), "table", ix.table, "index", ix.name,
			"steps", steps, "took", time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// removalStepTimeout bounds one step of a removal (a step deletes up to
// indexChunkRows entries); a step that times out is tried again at the
// next tick.
const removalStepTimeout = time.Minute
