// Package sqlerr holds mirrordb's one error type. An Error carries what a
// SQL Server user expects (message number, severity level, state, and a
// line for statement errors) and what a PostgreSQL client needs (SQLSTATE,
// a character position for syntax errors). Errors are built from the
// catalogue of SQL Server messages (New), created where they arise and
// translated once, in wire, into ErrorResponse or NoticeResponse
// (severity 10 and below). A test checks that every number raised in the
// repository has a catalogue row.
package sqlerr
