package server_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"mirrordb/server"
	"mirrordb/server/servertest"
	"mirrordb/session"
)

// TestSQLScripts runs the datadriven scripts under testdata/sql against a
// real server over real pgx connections (simple protocol, so a directive's
// text travels exactly as psql would send it, GO lines included).
//
// The plan scripts under testdata/plan run the same way, in both modes
// (TestPlanScripts).
//
// Directives:
//
//	sql [conn=NAME] [mask]
//	                  run the text; print every result set, command tag,
//	                  notice and the error (number, SQLSTATE, line, position);
//	                  with mask, GUIDs, timestamps and timing figures print
//	                  as placeholders so the output is deterministic
//	plan              run the text under SET SHOWPLAN_TEXT ON (it is not
//	                  executed); print the operators and errors only
//	close conn=NAME   close a connection (its open transaction rolls back)
//	restart           shut the server down cleanly and start it again on
//	                  the same data directory (connections are reopened)
//
// Run with -rewrite to regenerate the expected output.
func TestSQLScripts(t *testing.T) {
	datadriven.Walk(t, "../testdata/sql", func(t *testing.T, path string) {
		h := &scriptHarness{t: t, dir: t.TempDir()}
		h.start()
		defer h.stop()
		datadriven.RunTest(t, path, h.run)
	})
}

// TestSQLScriptsInProcess runs the same scripts, with the same expected
// output, against the engine's sessions directly: no socket, no wire
// protocol (script_inprocess_test.go). What the two runs share is the
// engine's behaviour; a difference is the wire's doing.
func TestSQLScriptsInProcess(t *testing.T) {
	datadriven.Walk(t, "../testdata/sql", func(t *testing.T, path string) {
		h := &scriptHarness{t: t, dir: t.TempDir(), inProcess: true}
		h.start()
		defer h.stop()
		datadriven.RunTest(t, path, h.run)
	})
}

// TestSQLScriptsUnparameterized runs the scripts in process once more with
// simple parameterization off: the other two runs take the plan cache
// wherever a statement qualifies, this one never does, and all three must
// print the same.
func TestSQLScriptsUnparameterized(t *testing.T) {
	datadriven.Walk(t, "../testdata/sql", func(t *testing.T, path string) {
		h := &scriptHarness{t: t, dir: t.TempDir(), inProcess: true, unparameterized: true}
		h.start()
		defer h.stop()
		datadriven.RunTest(t, path, h.run)
	})
}

// TestPlanScripts runs the plan scripts of testdata/plan (statement in,
// plan out) over pgx and in process; both must print the same.
func TestPlanScripts(t *testing.T) {
	for _, inProcess := range []bool{false, true} {
		datadriven.Walk(t, "../testdata/plan", func(t *testing.T, path string) {
			h := &scriptHarness{t: t, dir: t.TempDir(), inProcess: inProcess}
			h.start()
			defer h.stop()
			datadriven.RunTest(t, path, h.run)
		})
	}
}

type scriptHarness struct {
	t       *testing.T
	dir     string
	srv     *server.Server
	conns   map[string]*pgx.Conn
	notices *strings.Builder
	// inProcess talks to the engine's sessions instead of pgx connections.
	inProcess bool
	sessions  map[string]session.Session
	// unparameterized turns the engine's simple parameterization off.
	unparameterized bool
}

func (h *scriptHarness) start() {
	srv, err := server.Start(server.Config{DataDir: h.dir, Listen: "127.0.0.1:0", Name: "mirrordb-test", Logger: servertest.Logger()})
	if err != nil {
		h.t.Fatal(err)
	}
	h.srv = srv
	if h.unparameterized {
		srv.Instance().SetSimpleParameterization(false)
	}
	h.conns = map[string]*pgx.Conn{}
	h.sessions = map[string]session.Session{}
	h.notices = &strings.Builder{}
}

func (h *scriptHarness) stop() {
	for _, c := range h.conns {
		c.Close(context.Background())
	}
	for _, s := range h.sessions {
		s.Close()
	}
	if err := h.srv.Close(); err != nil {
		h.t.Errorf("shutdown: %v", err)
	}
}

func (h *scriptHarness) conn(name string) *pgx.Conn {
	if c, ok := h.conns[name]; ok {
		return c
	}
	cfg, err := pgx.ParseConfig(servertest.URL(h.srv, "master"))
	if err != nil {
		h.t.Fatal(err)
	}
	notices := h.notices
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
		fmt.Fprintf(notices, "notice: %s\n", n.Message)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		h.t.Fatal(err)
	}
	h.conns[name] = c
	return c
}

func (h *scriptHarness) run(t *testing.T, d *datadriven.TestData) string {
	switch d.Cmd {
	case "close":
		var name string
		d.ScanArgs(t, "conn", &name)
		if c, ok := h.conns[name]; ok {
			c.Close(context.Background())
			delete(h.conns, name)
		}
		if s, ok := h.sessions[name]; ok {
			s.Close()
			delete(h.sessions, name)
		}
		return "ok"
	case "restart":
		h.stop()
		h.start()
		return "ok"
	case "sql":
		name := "a"
		if d.HasArg("conn") {
			d.ScanArgs(t, "conn", &name)
		}
		out := h.execOn(name, d.Input)
		if d.HasArg("mask") {
			out = mask(out)
		}
		return out
	case "plan":
		h.execOn("a", "SET SHOWPLAN_TEXT ON")
		out := h.execOn("a", d.Input)
		h.execOn("a", "SET SHOWPLAN_TEXT OFF")
		return planLines(out)
	}
	t.Fatalf("unknown directive %q", d.Cmd)
	return ""
}

// execOn runs sql on the named connection (or in-process session).
func (h *scriptHarness) execOn(name, sql string) string {
	if h.inProcess {
		return execInProcess(h.session(name), sql)
	}
	return h.exec(h.conn(name), sql)
}

// planLines keeps, of what SHOWPLAN_TEXT returned, the operators (the
// lines drawn with "|--") and errors.
func planLines(out string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(out, "\n") {
		if strings.HasPrefix(strings.TrimLeft(line, " |"), "--") || strings.HasPrefix(line, "error: ") {
			b.WriteString(line)
		}
	}
	return b.String()
}

func (h *scriptHarness) exec(c *pgx.Conn, sql string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out strings.Builder
	h.notices.Reset()
	mrr := c.PgConn().Exec(ctx, sql)
	for mrr.NextResult() {
		rr := mrr.ResultReader()
		fields := rr.FieldDescriptions()
		if len(fields) > 0 {
			names := make([]string, len(fields))
			for i, f := range fields {
				names[i] = f.Name
			}
			out.WriteString(strings.Join(names, " | ") + "\n")
		}
		for rr.NextRow() {
			vals := rr.Values()
			cells := make([]string, len(vals))
			for i, v := range vals {
				if v == nil {
					cells[i] = "NULL"
				} else {
					cells[i] = string(v)
				}
			}
			out.WriteString(strings.Join(cells, " | ") + "\n")
		}
		tag, err := rr.Close()
		out.WriteString(h.notices.String())
		h.notices.Reset()
		if err == nil {
			out.WriteString(tag.String() + "\n")
		}
	}
	err := mrr.Close()
	out.WriteString(h.notices.String())
	if err != nil {
		out.WriteString(describeError(err) + "\n")
	}
	return out.String()
}

var masks = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}`), "<guid>"},
	{regexp.MustCompile(`\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?`), "<time>"},
	{regexp.MustCompile(`in \d+\.\d+ seconds \(\d+\.\d+ MB/sec\)`), "in <secs> seconds (<rate> MB/sec)"},
	{regexp.MustCompile(`time = \d+ ms`), "time = <n> ms"}, // SET STATISTICS TIME
}

// mask replaces what differs from run to run.
func mask(s string) string {
	for _, m := range masks {
		s = m.re.ReplaceAllString(s, m.repl)
	}
	return s
}

// describeError prints what the tests assert about an error: its SQL
// Server number, SQLSTATE, line and position — not its wording.
func describeError(err error) string {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return "error: " + err.Error()
	}
	return errorLine(pe.Message, pe.Code, pe.Position)
}

// errorLine is describeError's text from an error's message ("Msg N,
// Level L, State S, Line X: ..."), SQLSTATE and position.
func errorLine(message, code string, position int32) string {
	num := "-"
	if strings.HasPrefix(message, "Msg ") {
		num = strings.Fields(message)[1]
		num = strings.TrimSuffix(num, ",")
	}
	s := fmt.Sprintf("error: Msg %s (%s)", num, code)
	if i := strings.Index(message, ", Line "); i >= 0 {
		line := strings.Fields(message[i+7:])[0]
		s += " line " + strings.TrimSuffix(line, ":")
	}
	if position > 0 {
		s += fmt.Sprintf(" position %d", position)
	}
	return s
}
