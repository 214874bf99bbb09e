package engine

import (
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/plan"
)

// A statement's rowWriter is the exec.Enforcer of its INSERT, UPDATE or
// DELETE (exec/dml.go): what exec's run methods, which check the
// constraints themselves (exec/foreignkeys.go), leave to the engine. The
// session's identity state (identity.go), the database's tables as the
// session's transaction reads them (storedTable), the computed columns,
// CHECK constraints and DEFAULTs bound from their text (rulesFor), and the
// CHECKs' printed definitions in the Assert of plans.
var _ exec.Enforcer = (*rowWriter)(nil)

func (w *rowWriter) IdentityInsert(e *exec.Env, listed, explicitID bool) error {
	return w.checkIdentityTargets(sessionOf(e), listed, explicitID)
}

func (w *rowWriter) Identity(e *exec.Env, v int64) { sessionOf(e).lastIdentity = &v }

func (w *rowWriter) Store(def *catalog.TableDef) exec.Table { return storedTable{w.db, def} }

func (w *rowWriter) Rules(e *exec.Env, def *catalog.TableDef) (*exec.RowRules, error) {
	return rulesFor(e, w.db, def)
}

// Explain prints the write's constraint work (exec.ConstraintAssert) as
// the committed schema has it, with the CHECKs' definitions printed as
// SQL Server stores them (which takes the parser).
func (w *rowWriter) Explain(x *exec.Explainer, verb string, set []int, write *plan.Node) *plan.Node {
	schema := w.db.schema.Load()
	if schema == nil {
		return write
	}
	var checks []string
	if verb != "Delete" {
		for i := range w.Table.Checks {
			if ck := &w.Table.Checks[i]; !ck.Disabled {
				checks = append(checks, printedDefinition(ck.Expr))
			}
		}
	}
	return exec.ConstraintAssert(x, w.db.Name(), schema, w.Table, verb, set, checks, write)
}
