package wire

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/jackc/pgproto3/v2"
)

// TestPgtest runs the protocol scripts in testdata/pgtest (the idea of
// CockroachDB's pkg/testutils/pgtest, rewritten here). Each file gets a
// fresh server and connection, already past startup. Directives:
//
//	send             one frontend message per line: Type {json fields}
//	until [ignore=T] one backend message type per line; reads messages
//	                 until each appears in turn and prints them all as JSON
//	                 (ErrorResponse and NoticeResponse reduced to
//	                 Type/Severity/Code); ignore drops those types
//	closed           reads until the server closes the connection, printing
//	                 the messages and then <closed>
//	reconnect        a new connection (past startup)
//
// Run with -rewrite to regenerate the expectations.
func TestPgtest(t *testing.T) {
	datadriven.Walk(t, "testdata/pgtest", func(t *testing.T, path string) {
		ts := startServer(t, Config{})
		conn := dialRaw(t, ts)
		conn.startup(nil)
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			switch d.Cmd {
			case "send":
				for _, line := range strings.Split(d.Input, "\n") {
					if line = strings.TrimSpace(line); line == "" {
						continue
					}
					msg, err := frontendMessage(line)
					if err != nil {
						d.Fatalf(t, "%s: %v", line, err)
					}
					conn.send(msg)
				}
				return ""
			case "until":
				ignore := map[string]bool{}
				for _, a := range d.CmdArgs {
					if a.Key == "ignore" {
						for _, v := range a.Vals {
							ignore[v] = true
						}
					}
				}
				var out []string
				for _, want := range strings.Fields(d.Input) {
					for {
						s, _, err := conn.receive()
						if err != nil {
							d.Fatalf(t, "waiting for %s after %v: %v", want, out, err)
						}
						typ := typeName(s)
						if !ignore[typ] {
							out = append(out, s)
						}
						if typ == want {
							break
						}
					}
				}
				return strings.Join(out, "\n")
			case "closed":
				return strings.Join(append(conn.readToEOF(), "<closed>"), "\n")
			case "reconnect":
				conn.nc.Close()
				conn = dialRaw(t, ts)
				conn.startup(nil)
				return ""
			}
			d.Fatalf(t, "unknown directive %s", d.Cmd)
			return ""
		})
	})
}

// frontendMessage parses "Type {json}".
func frontendMessage(line string) (pgproto3.FrontendMessage, error) {
	typ, body, _ := strings.Cut(line, " ")
	var msg pgproto3.FrontendMessage
	switch typ {
	case "Query":
		msg = &pgproto3.Query{}
	case "Parse":
		msg = &pgproto3.Parse{}
	case "Bind":
		msg = &pgproto3.Bind{}
	case "Describe":
		msg = &pgproto3.Describe{}
	case "Execute":
		msg = &pgproto3.Execute{}
	case "Sync":
		msg = &pgproto3.Sync{}
	case "Flush":
		msg = &pgproto3.Flush{}
	case "Close":
		msg = &pgproto3.Close{}
	case "Terminate":
		msg = &pgproto3.Terminate{}
	case "FunctionCall":
		msg = &pgproto3.FunctionCall{}
	case "CopyData":
		msg = &pgproto3.CopyData{}
	case "CopyDone":
		msg = &pgproto3.CopyDone{}
	case "CopyFail":
		msg = &pgproto3.CopyFail{}
	default:
		return nil, fmt.Errorf("unknown message type %q", typ)
	}
	if body = strings.TrimSpace(body); body != "" {
		if err := json.Unmarshal([]byte(body), msg); err != nil {
			return nil, err
		}
	}
	return msg, nil
}
