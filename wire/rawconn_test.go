package wire

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgproto3/v2"
)

// rawConn is a protocol-level client on pgproto3/v2's Frontend, for tests
// that need exact message sequences or malformed input.
type rawConn struct {
	t  testing.TB
	nc net.Conn
	fe *pgproto3.Frontend
}

func dialRaw(t testing.TB, ts *testServer) *rawConn {
	t.Helper()
	nc, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &rawConn{t: t, nc: nc, fe: pgproto3.NewFrontend(pgproto3.NewChunkReader(nc), nc)}
}

// startup sends a StartupMessage and reads up to ReadyForQuery.
func (r *rawConn) startup(params map[string]string) []string {
	r.t.Helper()
	if params == nil {
		params = map[string]string{"user": "tester", "database": "db"}
	}
	r.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: params})
	return r.until("ReadyForQuery")
}

func (r *rawConn) send(msgs ...pgproto3.FrontendMessage) {
	r.t.Helper()
	for _, m := range msgs {
		if err := r.fe.Send(m); err != nil {
			r.t.Fatalf("send %T: %v", m, err)
		}
	}
}

func (r *rawConn) sendRaw(b []byte) {
	r.t.Helper()
	if _, err := r.nc.Write(b); err != nil {
		r.t.Fatalf("write: %v", err)
	}
}

// closeWrite tells the server the client will send nothing more.
func (r *rawConn) closeWrite() {
	r.t.Helper()
	if err := r.nc.(interface{ CloseWrite() error }).CloseWrite(); err != nil {
		r.t.Fatalf("close write: %v", err)
	}
}

// receive reads one message and renders it as JSON (ErrorResponse and
// NoticeResponse reduced to Type, Severity and Code).
func (r *rawConn) receive() (string, pgproto3.BackendMessage, error) {
	_ = r.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	msg, err := r.fe.Receive()
	if err != nil {
		return "", nil, err
	}
	return renderMessage(msg), msg, nil
}

func renderMessage(msg pgproto3.BackendMessage) string {
	var v any = msg
	switch m := msg.(type) {
	case *pgproto3.ErrorResponse:
		v = struct{ Type, Severity, Code string }{"ErrorResponse", m.Severity, m.Code}
	case *pgproto3.NoticeResponse:
		v = struct{ Type, Severity, Code string }{"NoticeResponse", m.Severity, m.Code}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// typeName is the JSON Type of a rendered message.
func typeName(rendered string) string {
	var x struct{ Type string }
	_ = json.Unmarshal([]byte(rendered), &x)
	return x.Type
}

// until reads messages up to and including one of type want.
func (r *rawConn) until(want string) []string {
	r.t.Helper()
	var out []string
	for {
		s, _, err := r.receive()
		if err != nil {
			r.t.Fatalf("waiting for %s after %v: %v", want, out, err)
		}
		out = append(out, s)
		if typeName(s) == want {
			return out
		}
	}
}

// readToEOF reads messages until the server closes the connection; it
// fails the test if that takes longer than the read deadline.
func (r *rawConn) readToEOF() []string {
	r.t.Helper()
	var out []string
	for {
		s, _, err := r.receive()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				r.t.Fatalf("connection still open after %v", out)
			}
			if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !isDisconnect(err) {
				out = append(out, "error: "+err.Error())
			}
			return out
		}
		out = append(out, s)
	}
}
