package bind

import "mirrordb/engine/catalog"

// What the statement binders read outside the statement comes in two
// parts: the databases as the session sees them (Catalog), and the
// session itself, its login and the SET options that change how a
// statement binds (Settings). The engine implements both over its session
// (engine/bindcatalog.go).

// Catalog is what binding reads of the databases. D is the engine's
// handle on a database: binding compares it and hands it to the plans it
// builds (which read and write through it), never looks inside.
type Catalog[D comparable] interface {
	// Current is the session's current database (USE).
	Current() D
	// Database is the database of that name, whatever its state; ok is
	// false if there is none.
	Database(name string) (d D, ok bool)
	// DatabaseByID is the database of that id (DB_ID), whatever its state.
	DatabaseByID(id int32) (d D, ok bool)
	// Available is nil if d can be read now, else why not (restoring,
	// offline, a mirror: SQL Server's errors).
	Available(d D) error
	// Schema is d's tables and views as the session sees them: with the
	// uncommitted DDL of the session's own transaction.
	Schema(d D) (*catalog.Schema, error)
	// UserType is the alias type (CREATE TYPE ... FROM) of that name in d,
	// as the session sees it; nil if there is none.
	UserType(d D, name string) (*catalog.UserType, error)
}

// Settings is what binding reads of the session itself.
type Settings interface {
	// Login is the session's login name ("sa" where the server trusts
	// every client).
	Login() string
	// IsSysadmin says whether the login is in the sysadmin role now: some
	// statements and procedures are the role's alone.
	IsSysadmin() bool
	// IdentityInsert says whether SET IDENTITY_INSERT is ON for the table
	// of that id, so an INSERT may name its identity column.
	IdentityInsert(table uint32) bool
	// OldJoins plans joins as nested loops without pushing predicates
	// down (the join planning's tests compare against it).
	OldJoins() bool
	// Showplan is the session's SET SHOWPLAN_TEXT/SHOWPLAN_ALL mode:
	// statements return their plans instead of running.
	Showplan() ShowplanMode
	// NextShowplanStatement numbers a statement shown under SHOWPLAN
	// (StmtId, from 1 in each batch).
	NextShowplanStatement() int64
}

// ShowplanMode is the session's SHOWPLAN setting.
type ShowplanMode uint8

// The SHOWPLAN modes.
const (
	ShowplanOff  ShowplanMode = iota
	ShowplanText              // SET SHOWPLAN_TEXT ON
	ShowplanAll               // SET SHOWPLAN_ALL ON
)
