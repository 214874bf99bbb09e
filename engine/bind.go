package engine

import (
	"mirrordb/engine/bind"
)

// binder turns syntax into bound expressions and plans for one statement:
// it resolves names against the session's databases, computes static types,
// inserts SQL Server's implicit conversions and infers parameter types.
type binder struct {
	bind.Binder // expressions; Engine is the binder itself (binder.go)
	s           *Session
	corr        correlation   // the scopes around the subquery being bound (correlate.go)
	ctes        []*cteBinding // common table expressions in scope (derived.go)
	srfs        *srfContext   // where set-returning functions may appear (pgsrf.go)
}
