package sqlerr

import (
	"errors"
	"fmt"
	"strings"
)

// Error is the one error type of mirrordb. It is created where the error
// arises (parser, engine, mirroring) and translated once, in wire, into a
// PostgreSQL ErrorResponse or NoticeResponse.
type Error struct {
	// Number is the SQL Server message number; 0 for protocol-level errors
	// that have no SQL Server equivalent.
	Number int
	// Severity is the SQL Server level: 0-10 informational (sent as a
	// notice), 11-16 user errors, 17+ resource and system errors.
	Severity int
	// State is the SQL Server state number (1 unless said otherwise).
	State int
	// Code is the SQLSTATE sent to PostgreSQL clients.
	Code string
	// Message is the message text, without the "Msg N" prefix.
	Message string
	// Line is the 1-based line of the statement within its batch (0 = unknown).
	Line int
	// Position is the 1-based character (rune) offset into the query text
	// the client sent, for syntax errors and other positioned errors
	// (0 = unknown).
	Position int
	// Detail and Hint are optional extra lines for the client.
	Detail, Hint string
	// Where is the context PostgreSQL reports in its CONTEXT line, such as
	// the line and column of a COPY's data ("COPY t, line 3, column b:
	// \"x\"").
	Where string
	// Fatal asks wire to end the connection after sending the error.
	Fatal bool
}

// Error returns the message as SQL Server tools print it, on one line.
func (e *Error) Error() string { return e.Text() }

// Text renders "Msg N, Level L, State S[, Line X]: message", the form psql
// users see (SPEC D6). Protocol errors without a number render as the bare
// message.
func (e *Error) Text() string {
	if e.Number == 0 {
		return e.Message
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Msg %d, Level %d, State %d", e.Number, e.Severity, e.State)
	if e.Line > 0 {
		fmt.Fprintf(&b, ", Line %d", e.Line)
	}
	b.WriteString(": ")
	b.WriteString(e.Message)
	return b.String()
}

// IsNotice reports whether the message is informational (severity <= 10)
// and must travel as a NoticeResponse rather than an ErrorResponse.
func (e *Error) IsNotice() bool { return e.Severity <= 10 }

// New builds the error for a catalogued SQL Server message number, filling
// severity, SQLSTATE and the message text from the catalogue; args fill the
// message's format verbs. An unknown number is a programming error and yields
// an internal error that still names the number.
func New(number int, args ...any) *Error {
	def, ok := catalog[number]
	if !ok {
		return &Error{Number: number, Severity: 16, State: 1, Code: Internal,
			Message: fmt.Sprintf("internal error: message %d is not catalogued %v", number, args)}
	}
	msg := def.format
	if len(args) > 0 || strings.Contains(msg, "%%") {
		msg = fmt.Sprintf(def.format, args...)
	}
	return &Error{Number: number, Severity: def.severity, State: 1, Code: def.code, Message: msg}
}

// Protocol builds an error that has no SQL Server number (protocol
// violations, unsupported client features).
func Protocol(code, format string, args ...any) *Error {
	return &Error{Severity: 16, State: 1, Code: code, Message: fmt.Sprintf(format, args...)}
}

// WithPosition returns a copy of e positioned at the given 1-based character
// offset and line.
func (e *Error) WithPosition(pos, line int) *Error {
	c := *e
	c.Position, c.Line = pos, line
	return &c
}

// WithState returns a copy of e with another SQL Server state number.
func (e *Error) WithState(state int) *Error {
	c := *e
	c.State = state
	return &c
}

// As extracts a *Error from err, wrapping anything else as an internal
// error so callers always have a number, a severity and a SQLSTATE.
func As(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		if e == nil { // a typed nil in an error interface: a bug, but never a crash
			return &Error{Severity: 16, State: 1, Code: Internal, Message: "internal error: nil error value"}
		}
		return e
	}
	return &Error{Severity: 16, State: 1, Code: Internal, Message: err.Error()}
}

// Is reports whether err carries the given SQL Server message number.
func Is(err error, number int) bool {
	var e *Error
	return errors.As(err, &e) && e.Number == number
}
