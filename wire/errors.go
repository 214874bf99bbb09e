package wire

import (
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/jackc/pgproto3/v2"

	"mirrordb/sqlerr"
)

// SQLSTATEs wire needs that sqlerr does not name.
const (
	duplicateCursor = "42P03"
)

// Errors wire raises itself.
var (
	errMessageTooLarge = sqlerr.Protocol(sqlerr.ProtocolViolation, "message too large")
	errAdminShutdown   = &sqlerr.Error{Severity: 14, State: 1, Code: sqlerr.AdminShutdown,
		Message: "terminating connection due to administrator command", Fatal: true}
	errTooManyStartups = sqlerr.Protocol(sqlerr.TooManyConnections,
		"too many connections are in startup; this one waited longest")
)

// errorResponse renders err as the ErrorResponse a client sees. The
// message is the SQL Server form "Msg N, Level L, State S: text" (SPEC D6)
// so psql users see the number; Code carries the SQLSTATE.
func errorResponse(e *sqlerr.Error, fatal bool) *pgproto3.ErrorResponse {
	sev := "ERROR"
	if fatal || e.Fatal {
		sev = "FATAL"
	}
	code := e.Code
	if code == "" {
		code = sqlerr.Internal
	}
	return &pgproto3.ErrorResponse{
		Severity:            sev,
		SeverityUnlocalized: sev,
		Code:                code,
		Message:             e.Text(),
		Detail:              e.Detail,
		Hint:                e.Hint,
		Where:               e.Where,
		Position:            int32(max(e.Position, 0)),
	}
}

// noticeResponse renders an informational message (severity <= 10).
func noticeResponse(e *sqlerr.Error) *pgproto3.NoticeResponse {
	code := e.Code
	if code == "" {
		code = sqlerr.SuccessfulCompletion
	}
	return &pgproto3.NoticeResponse{
		Severity:            "NOTICE",
		SeverityUnlocalized: "NOTICE",
		Code:                code,
		Message:             e.Text(),
		Detail:              e.Detail,
		Hint:                e.Hint,
		Position:            int32(max(e.Position, 0)),
	}
}

// connEnd ends a connection. When reason is set it is sent to the client
// as a FATAL ErrorResponse first.
type connEnd struct {
	reason *sqlerr.Error
	cause  error // for the log
}

func (e *connEnd) Error() string {
	if e.reason != nil {
		return e.reason.Text()
	}
	if e.cause != nil {
		return e.cause.Error()
	}
	return "connection closed"
}

func (e *connEnd) Unwrap() error { return e.cause }

// fatal ends the connection after telling the client why.
func fatal(reason *sqlerr.Error) error { return &connEnd{reason: reason} }

// isDisconnect reports errors that mean the peer went away or the socket
// was closed under us: nothing more can be said to the client.
func isDisconnect(err error) bool {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, io.ErrClosedPipe) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
