// Package sqlcmd is `mirrordb sqlcmd` (`server sqlcmd`): the client T-SQL
// scripts are written for, with Microsoft sqlcmd's options, commands,
// output and exit codes, over the PostgreSQL wire protocol.
//
// psql cannot run such scripts: it sends a file without semicolons as one
// query at its end, so its line numbers, \echo and ON_ERROR_STOP mean
// nothing for them. sqlcmd reads a script line by line instead. A line
// that starts outside a string or comment may be a command (GO [n],
// :setvar, :connect, :r, :on error, :out, :exit, !!, ...), run at once;
// every other line joins the batch, with its $(variables) replaced, and
// GO sends the batch as one simple Query. Whether a line starts inside a
// string or comment is decided by parser.TextState, the rules the server
// itself cuts GO batches by.
//
// What comes back is printed in the order it arrives: result sets with
// sqlcmd's column widths and "(N rows affected)", PRINT and informational
// messages (NoticeResponse) as their text, and errors with sqlcmd's
// "Msg N, Level L, State S, Server X, Line Y" header, read from the
// SQL Server fields the server puts in the message text (sqlerr.Error).
// The server stops a batch at its first error, as -b scripts expect.
//
// Exit codes are sqlcmd's: 0; 1 after an error under -b or :on error
// exit (its severity under -V); :exit(query)'s value (-100 error, -101 no
// row, -102 not a number); 1 for script errors (a command's syntax, a
// file that cannot be read, an undefined variable) and failed logins.
//
// The demo (server --demo) runs cmd/server/demo.sql through a Session
// with aliases for its instances' names, its own echo of each batch, and
// a retry of SET WITNESS while the mirror catches up (Msg 1426).
package sqlcmd
