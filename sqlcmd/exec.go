package sqlcmd

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Message is an error or informational message as sqlcmd prints it. The
// server sends SQL Server's fields in the text of its ErrorResponse and
// NoticeResponse ("Msg N, Level L, State S, Line X: text", see
// sqlerr.Error.Text); Number is 0 for sqlcmd's own errors.
type Message struct {
	Number, Level, State, Line int
	Server                     string
	Text                       string
}

var msgPrefix = regexp.MustCompile(`^Msg (\d+), Level (\d+), State (\d+)(?:, Line (\d+))?: `)

// parseMessage splits the server's message text into its fields; a
// message without them (a protocol error) gets the level of its
// PostgreSQL severity.
func parseMessage(text, severity, server string) *Message {
	m := &Message{Server: server, Text: text, State: 1}
	if p := msgPrefix.FindStringSubmatch(text); p != nil {
		m.Number, _ = strconv.Atoi(p[1])
		m.Level, _ = strconv.Atoi(p[2])
		m.State, _ = strconv.Atoi(p[3])
		m.Line, _ = strconv.Atoi(p[4])
		m.Text = text[len(p[0]):]
		return m
	}
	switch severity {
	case "ERROR":
		m.Level = 16
	case "FATAL", "PANIC":
		m.Level = 20
	}
	return m
}

// clientErrorLevel is the level of the errors sqlcmd raises itself (no
// connection, a query timeout, a lost connection): they count as errors
// for -b.
const clientErrorLevel = 16

// batchResult is what running a batch tells the caller.
type batchResult struct {
	worst int     // the highest level among the batch's errors; 0 when none
	last  *string // the first column of the last row, for :exit(query)
}

// account applies -b, -V and :on error to a batch's result: an error of
// the level counted (11 and up, or -V's) sets the exit code under -V and
// ends the run under -b or :on error exit.
func (s *Session) account(res batchResult) error {
	threshold := 11
	if s.cfg.ErrorSeverity > 0 {
		threshold = s.cfg.ErrorSeverity
	}
	if res.worst < threshold {
		return nil
	}
	if s.cfg.ErrorSeverity > 0 {
		s.exitCode = res.worst
	}
	if !s.exitOnError {
		return nil
	}
	if s.cfg.ErrorSeverity == 0 {
		s.exitCode = 1
	}
	return errStop
}

// execute sends one batch and prints what comes back in order: result
// sets, row counts, PRINT and informational messages (as the notice
// handler receives them), then the error that ended the batch.
func (s *Session) execute(text string) batchResult {
	c := s.conn
	if c == nil || c.pg.IsClosed() {
		s.printError(&Message{Text: "Sqlcmd: Error: Not connected: use :CONNECT server."})
		return batchResult{worst: clientErrorLevel}
	}
	if s.cfg.Echo != nil {
		s.cfg.Echo(s.out, c.name, text)
	} else if s.cfg.EchoInput {
		fmt.Fprintln(s.out, text)
	}
	res, msg := s.executeOnce(c, text)
	if msg != nil {
		s.printError(msg)
	}
	if s.interrupted.Swap(false) && !s.interactive() {
		s.cmdError("Sqlcmd: Warning: The last operation was terminated because the user pressed CTRL+C.")
		s.exitOnError, s.exitCode = true, 1
		res.worst = max(res.worst, clientErrorLevel)
	}
	return res
}

func (s *Session) interactive() bool { return s.cfg.Prompt != nil }

func (s *Session) executeOnce(c *conn, text string) (batchResult, *Message) {
	var res batchResult
	var timedOut atomic.Bool
	if secs := s.vars.int(varStatTimeout, 0); secs > 0 {
		t := time.AfterFunc(time.Duration(secs)*time.Second, func() {
			timedOut.Store(true)
			c.cancel()
		})
		defer t.Stop()
	}
	s.running.Store(c)
	defer s.running.Store(nil)
	mrr := c.pg.Exec(context.Background(), text)
	for mrr.NextResult() {
		rr := mrr.ResultReader()
		var rs *resultSet
		if fds := rr.FieldDescriptions(); len(fds) > 0 {
			rs = s.beginResultSet(fds)
		}
		for rr.NextRow() {
			if rs != nil {
				first := rs.row(rr.Values())
				res.last = &first
			}
		}
		tag, err := rr.Close()
		if rs != nil {
			rs.end()
		}
		if err == nil {
			s.rowsAffected(tag.String())
		}
	}
	err := mrr.Close()
	if err == nil {
		return res, nil
	}
	var msg *Message
	var pe *pgconn.PgError
	switch {
	case timedOut.Load():
		msg = &Message{Level: clientErrorLevel, Text: "Timeout expired"}
	case errors.As(err, &pe):
		msg = parseMessage(pe.Message, pe.Severity, c.name)
	default:
		msg = &Message{Level: clientErrorLevel, Text: "Sqlcmd: Error: " + err.Error()}
	}
	res.worst = max(msg.Level, 11)
	return res, msg
}

// rowsAffected prints "(N rows affected)" for a command tag that carries
// a count (none under SET NOCOUNT ON, none for DDL).
func (s *Session) rowsAffected(tag string) {
	f := strings.Fields(tag)
	if len(f) < 2 {
		return
	}
	n, err := strconv.ParseInt(f[len(f)-1], 10, 64)
	if err != nil {
		return
	}
	if n == 1 {
		fmt.Fprintln(s.msgOut(), "(1 row affected)")
	} else {
		fmt.Fprintf(s.msgOut(), "(%d rows affected)\n", n)
	}
}

// notice prints a NoticeResponse when it arrives, between the rows and
// result sets around it: PRINT and informational messages as their text.
func (s *Session) notice(n *pgconn.Notice) {
	m := parseMessage(n.Message, n.Severity, "")
	fmt.Fprintln(s.msgOut(), m.Text)
}

// printError prints an error as sqlcmd does: a header with the number,
// level, state, server and line within the batch, then the text.
func (s *Session) printError(m *Message) {
	w := s.sqlErr()
	if m.Number == 0 {
		fmt.Fprintln(w, m.Text)
		return
	}
	fmt.Fprintf(w, "Msg %d, Level %d, State %d, Server %s, Line %d\n%s\n", m.Number, m.Level, m.State, m.Server, max(m.Line, 1), m.Text)
}
