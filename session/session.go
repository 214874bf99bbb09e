// Package session is the narrow contract between the wire front end and the
// engine. wire speaks the PostgreSQL protocol and knows nothing of SQL
// execution; engine executes T-SQL and knows nothing of sockets. Both
// depend only on this package (and on types and sqlerr), so neither imports
// the other and each can be tested and replaced on its own.
package session

import (
	"context"
	"io"
	"net"

	"mirrordb/sqlerr"
	"mirrordb/types"
)

// Startup is what a client asked for when it connected.
type Startup struct {
	User string
	// Login is the login the client authenticated as; empty when the
	// server trusts its clients (no password exists), when the session
	// acts as sa.
	Login    string
	Database string // empty when the client named none
	// ApplicationName is the client's application_name.
	ApplicationName string
	// ProcessID is the backend process id wire assigned (BackendKeyData);
	// the engine reports it as @@SPID.
	ProcessID uint32
	// Remote is the client's address.
	Remote net.Addr
	// Params holds every startup parameter as sent.
	Params map[string]string
}

// Backend opens sessions. The engine's instance implements it.
type Backend interface {
	// Open authenticates nothing (wire did that) and creates a session in
	// the requested database. An error is reported to the client as FATAL.
	Open(ctx context.Context, s Startup) (Session, error)
}

// Column describes one result column.
type Column struct {
	Name string
	Type types.Type
	// TableOID and Attr say which table column the result column reads
	// unchanged (the table's object_id and its 1-based column number);
	// zero for anything else. RowDescription carries them.
	TableOID uint32
	Attr     int16
}

// ResultWriter receives a statement's results as they are produced. A
// simple Query may produce several result sets; each is Columns (only for
// statements that return rows), then Row*, then Complete. Values passed to
// Row are valid only during the call.
type ResultWriter interface {
	Columns(cols []Column) error
	Row(values []types.Value) error
	// Complete ends one statement with its command tag ("SELECT 3",
	// "INSERT 0 1", "CREATE TABLE").
	Complete(tag string) error
	// Notice sends an informational message (severity <= 10).
	Notice(msg *sqlerr.Error) error
}

// CopyFormat is the format of a COPY's data: text (and csv, which the
// protocol also calls text) or PostgreSQL's binary COPY format.
type CopyFormat int8

const (
	CopyText   CopyFormat = 0
	CopyBinary CopyFormat = 1
)

// Copier is implemented by the ResultWriter of a front end that can run
// PostgreSQL's COPY sub-protocol (wire's does). A COPY statement asserts it
// from its ResultWriter.
type Copier interface {
	// CopyIn starts COPY ... FROM STDIN: the client is told to send data
	// for columns columns. The reader yields the bytes the client sends,
	// then io.EOF when it ends the copy; a client that abandons it
	// (CopyFail) makes Read fail with Msg 3980-class query_canceled. The
	// reader is valid until the statement completes; data the statement
	// does not read is discarded.
	CopyIn(format CopyFormat, columns int) (io.Reader, error)
	// CopyOut starts COPY ... TO STDOUT: each Write sends one CopyData
	// message (a row, by convention), Close ends the copy. The statement
	// then completes with "COPY n".
	CopyOut(format CopyFormat, columns int) (io.WriteCloser, error)
}

// TxStatus is the transaction state reported in ReadyForQuery.
type TxStatus byte

const (
	TxIdle   TxStatus = 'I' // not in a transaction
	TxActive TxStatus = 'T' // in a transaction (@@TRANCOUNT > 0)
	TxFailed TxStatus = 'E' // in an uncommittable transaction: only ROLLBACK works
)

// Session is one client's connection state: current database, open
// transaction, SET options. Methods are called from the connection's
// goroutine, except Killed and KillReason, which wire's watcher goroutine
// also calls: the engine sets the reason before closing the Killed channel.
type Session interface {
	// Query runs a simple-protocol query string: one or more T-SQL batches
	// separated by GO lines, each holding any number of statements. It stops
	// at the first error, which it returns (after results already written).
	// It returns ErrEmptyQuery when the text holds no statement at all.
	Query(ctx context.Context, sql string, w ResultWriter) error

	// Prepare parses and binds one statement for the extended protocol.
	// paramTypes holds the types the client declared (TypeUnknown where it
	// left the choice to the server); the prepared statement reports the
	// types it settled on.
	Prepare(ctx context.Context, sql string, paramTypes []types.Type) (Prepared, error)

	// TxStatus is the state to report in the next ReadyForQuery.
	TxStatus() TxStatus

	// Parameters returns the current values of the parameters reported
	// to the client through ParameterStatus (server_version,
	// in_hot_standby, default_transaction_read_only, ...). wire sends the
	// full set at startup and any changed value before each ReadyForQuery.
	// The map is not modified by either side: a session that returns the
	// same map again says that nothing changed.
	Parameters() map[string]string

	// Killed is closed when the server ends the session on its own
	// (shutdown, role change, KILL); KillReason then says why, and wire sends
	// it as a FATAL error and closes the connection.
	Killed() <-chan struct{}
	KillReason() *sqlerr.Error

	// Close ends the session, rolling back any open transaction.
	Close()
}

// Prepared is one parsed and bound statement (extended protocol).
type Prepared interface {
	// Params are the parameter types ($1..$n).
	Params() []types.Type
	// Columns describes the rows the statement returns; nil for
	// statements that return none.
	Columns() []Column
	// Execute runs the statement with the given arguments, writing Row*
	// and Complete to w. It never calls w.Columns: the client learnt them
	// from Describe. wire decodes each argument by the type it announced
	// for it (text or binary PostgreSQL format) into that type's Go
	// representation (nil for NULL; a string for parameters of unknown
	// type); the engine converts each to Params()[i] with the implicit
	// conversion rules.
	Execute(ctx context.Context, args []types.Value, w ResultWriter) error
}

// Memory is the server's memory for query work, shared by all statements.
// wire takes from it what it buffers for a portal (an Execute with a row
// limit), as the engine does for sorts and hash tables.
type Memory interface {
	// Reserve takes n more bytes for a buffer already holding held bytes;
	// it fails with Msg 701 past the per-statement budget or the pool.
	Reserve(held, n int64) error
	// Release gives back n bytes taken with Reserve.
	Release(n int64)
}

// ErrEmptyQuery is returned by Query for a query string with no statements.
var ErrEmptyQuery = &sqlerr.Error{Severity: 0, Code: sqlerr.SuccessfulCompletion, Message: "empty query"}
