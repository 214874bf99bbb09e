package engine

import (
	"mirrordb/engine/bind"
)

// binder turns syntax into bound expressions and plans for one statement:
// it resolves names against the session's databases, computes static types,
// inserts SQL Server's implicit conversions and infers parameter types.
type binder struct {
	bind.Binder // expressions; Engine is the binder itself (binder.go)
	// cat and set are what binding reads of the databases and of the
	// session (bind.Catalog, bind.Settings: bindcatalog.go); s is for the
	// plans of the statements that act on the session itself (SET, USE,
	// BACKUP, the security statements ...).
	cat bind.Catalog[*Database]
	set bind.Settings
	s   *Session
}
