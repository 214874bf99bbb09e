package engine

import "mirrordb/engine/exec"

// sessionOf is the session an expression runs in. exec.Env carries it as
// an opaque value (exec knows nothing of sessions); the engine's own
// expressions and operators recover it here, and only here.
func sessionOf(e *exec.Env) *Session {
	s, _ := e.Sess.(*Session) // nil where no session runs (index recovery)
	return s
}
