package engine

// sessionOf is the session an expression runs in. Env carries it as an
// opaque value, so that Env can leave the engine (engine/exec knows
// nothing of sessions); the engine's own expressions and operators
// recover it here, and only here.
func sessionOf(e *Env) *Session {
	s, _ := e.Sess.(*Session) // nil where no session runs (index recovery)
	return s
}
