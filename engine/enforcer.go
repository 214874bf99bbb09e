package engine

import (
	"mirrordb/engine/exec"
	"mirrordb/engine/plan"
	"mirrordb/types"
)

// A statement's rowWriter is the exec.Enforcer of its INSERT, UPDATE or
// DELETE (exec/dml.go): what exec's run methods leave to the engine. The
// foreign keys and cascades, the CHECK constraints and computed columns
// (bound from their text by rulesFor) are in constraints.go, the identity
// rules in identity.go; they work on the engine's transaction, which is
// the Writes every statement runs with.
var _ exec.Enforcer = (*rowWriter)(nil)

func (w *rowWriter) BeginInsert(e *exec.Env, ws exec.Writes, listed, explicitID bool) error {
	if err := w.checkIdentityTargets(sessionOf(e), listed, explicitID); err != nil {
		return err
	}
	t := ws.(*txn)
	t.selfRefs = new([]selfRef)
	return nil
}

func (w *rowWriter) EndInsert(e *exec.Env, ws exec.Writes, err error) error {
	t := ws.(*txn)
	refs := t.selfRefs
	t.selfRefs = nil
	if err == nil && refs != nil && len(*refs) > 0 {
		err = w.checkSelfRefs(e, t, *refs)
	}
	return err
}

func (w *rowWriter) Identity(e *exec.Env, v int64) { sessionOf(e).lastIdentity = &v }

func (w *rowWriter) CheckRow(e *exec.Env, ws exec.Writes, row []types.Value) error {
	return w.checkRow(e, ws.(*txn), row)
}

func (w *rowWriter) Inserted(e *exec.Env, ws exec.Writes, row []types.Value) error {
	return w.checkParents(e, ws.(*txn), nil, row)
}

func (w *rowWriter) Updated(e *exec.Env, ws exec.Writes, changes []exec.RowChange) error {
	return w.afterUpdate(e, ws.(*txn), changes)
}

func (w *rowWriter) Deleted(e *exec.Env, ws exec.Writes, rows [][]types.Value) error {
	t := ws.(*txn)
	def, _, err := liveDef(t, w.Table)
	if err != nil {
		return err
	}
	return referencedChange(e, t, w.db, def, w.Verb, rows, nil, 0)
}

func (w *rowWriter) Explain(x *exec.Explainer, verb string, set []int, write *plan.Node) *plan.Node {
	return constraintAssert(x, w.db, w.Table, verb, set, write)
}
