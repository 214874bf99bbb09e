package engine

import (
	"mirrordb/engine/exec"
	"mirrordb/engine/plan"
)

// explainable is a bound statement whose operators can describe
// themselves as a plan (SET SHOWPLAN_TEXT / SHOWPLAN_ALL, plan tests).
// The description is built only when asked for, from the same operators
// the executor runs, so it costs a statement nothing when not shown.
type explainable interface {
	Explain(x *exec.Explainer) *plan.Node
}
