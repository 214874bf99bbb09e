package wire

import (
	"context"
	"encoding/binary"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgproto3/v2"

	"mirrordb/internal/testutil"
)

func message(typ byte, body []byte) []byte {
	b := []byte{typ, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[1:], uint32(len(body)+4))
	return append(b, body...)
}

const fatalProtocolViolation = `{"Type":"ErrorResponse","Severity":"FATAL","Code":"08P01"}`

func TestHugeDeclaredLength(t *testing.T) {
	ts := startServer(t, Config{})
	r := dialRaw(t, ts)
	r.startup(nil)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r.sendRaw([]byte{'Q', 0x80, 0, 0, 0}) // 2 GiB
	out := r.readToEOF()
	runtime.ReadMemStats(&after)
	if len(out) != 1 || out[0] != fatalProtocolViolation {
		t.Fatalf("got %v", out)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
		t.Fatalf("allocated %d bytes", grew)
	}
}

// TestDeclaredLengthNotAllocated: lengths under MaxMessageSize are
// believed only as far as the bytes arrive. Clients that each declare a
// message near the limit and send a few bytes of it must not make the
// server allocate the declared sizes; a message really sent that large is
// still read.
func TestDeclaredLengthNotAllocated(t *testing.T) {
	ts := startServer(t, Config{MaxMessageSize: 64 << 20})
	const clients = 8
	conns := make([]*rawConn, clients)
	for i := range conns {
		conns[i] = dialRaw(t, ts)
		conns[i].startup(nil)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for _, r := range conns {
		r.sendRaw([]byte{'Q', 0x03, 0xff, 0xff, 0xf0}) // 64 MiB - 16
		r.sendRaw([]byte("select 1" + strings.Repeat(" ", 1000)))
		r.nc.(*net.TCPConn).CloseWrite()
	}
	for _, r := range conns {
		if out := r.readToEOF(); len(out) != 0 {
			t.Fatalf("truncated message: got %v", out)
		}
	}
	waitFor(t, "the connections to end", func() bool { return ts.srv.NumConns() == 0 })
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 32<<20 {
		t.Fatalf("%d clients declaring 64 MiB made the server allocate %d MiB", clients, grew>>20)
	}

	r := dialRaw(t, ts)
	r.startup(nil)
	r.send(&pgproto3.Query{String: "select 1" + strings.Repeat(" ", 3<<20)})
	if out := r.until("ReadyForQuery"); len(out) != 4 || typeName(out[1]) != "DataRow" {
		t.Fatalf("3 MiB query: %v", out)
	}
}

func TestMaxMessageSize(t *testing.T) {
	ts := startServer(t, Config{MaxMessageSize: 1000})
	r := dialRaw(t, ts)
	r.startup(nil)
	r.send(&pgproto3.Query{String: "select 1" + strings.Repeat(" ", 900)})
	r.until("ReadyForQuery")
	r.send(&pgproto3.Query{String: "select 1" + strings.Repeat(" ", 1000)})
	if out := r.readToEOF(); len(out) != 1 || out[0] != fatalProtocolViolation {
		t.Fatalf("got %v", out)
	}
}

// TestMalformedMessages sends the inputs known to panic pgproto3/v2 (and
// other garbage): each ends only its own connection with FATAL 08P01.
func TestMalformedMessages(t *testing.T) {
	logs := &testutil.SyncBuffer{}
	ts := startServer(t, Config{Logger: slog.New(slog.NewTextHandler(logs, nil))})
	other := dialRaw(t, ts)
	other.startup(nil)

	bind := []byte{0, 0} // portal "", statement ""
	bind = binary.BigEndian.AppendUint16(bind, 0)
	bind = binary.BigEndian.AppendUint16(bind, 1)
	bind = binary.BigEndian.AppendUint32(bind, 0xfffffffe) // parameter length -2

	cases := []struct {
		name  string
		input []byte
		panic bool // pgproto3/v2 panics decoding it
	}{
		{"Query with empty body", message('Q', nil), true},
		{"CopyFail with empty body", message('f', nil), true},
		{"FunctionCall with 1-byte body", message('F', []byte{0}), true},
		{"Bind with bogus length", message('B', bind), true},
		{"garbage", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), false},
		{"negative length", []byte{'Q', 0, 0, 0, 2}, false},
		{"password after startup", message('p', []byte("secret\x00")), false},
		{"unterminated Query", message('Q', []byte("select 1")), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := dialRaw(t, ts)
			r.startup(nil)
			r.sendRaw(c.input)
			if out := r.readToEOF(); len(out) != 1 || out[0] != fatalProtocolViolation {
				t.Fatalf("got %v", out)
			}
			other.send(&pgproto3.Query{String: "select 1"})
			if out := other.until("ReadyForQuery"); len(out) != 4 {
				t.Fatalf("other connection: %v", out)
			}
		})
	}
	if n := strings.Count(logs.String(), "malformed message"); n < 4 {
		t.Errorf("expected the panics to be logged as malformed messages; log:\n%s", logs)
	}
}

func TestBadStartup(t *testing.T) {
	ts := startServer(t, Config{})
	v2 := binary.BigEndian.AppendUint32([]byte{0, 0, 0, 8}, 2<<16)
	noUser := (&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber,
		Parameters: map[string]string{"database": "db"}})
	noUserBytes, _ := noUser.Encode(nil)
	for _, c := range []struct {
		name  string
		input []byte
		want  string
	}{
		{"garbage", []byte("GET / HTTP/1.1\r\n\r\n"), fatalProtocolViolation},
		{"too short", []byte{0, 0, 0, 5, 1}, fatalProtocolViolation},
		{"too long", []byte{0, 0, 0x27, 0x15, 0, 3, 0, 0}, fatalProtocolViolation}, // 10,005 bytes
		{"2 GiB", []byte{0x7f, 0xff, 0xff, 0xff, 0, 3, 0, 0}, fatalProtocolViolation},
		{"protocol 2.0", v2, `{"Type":"ErrorResponse","Severity":"FATAL","Code":"0A000"}`},
		{"no user", noUserBytes, `{"Type":"ErrorResponse","Severity":"FATAL","Code":"28000"}`},
		{"unknown database", mustEncode(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber,
			Parameters: map[string]string{"user": "u", "database": "nodb"}}), `{"Type":"ErrorResponse","Severity":"FATAL","Code":"3D000"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := dialRaw(t, ts)
			r.sendRaw(c.input)
			if out := r.readToEOF(); len(out) != 1 || out[0] != c.want {
				t.Fatalf("got %v, want %s", out, c.want)
			}
		})
	}
	waitFor(t, "connections to close", func() bool { return ts.srv.NumConns() == 0 })
}

func mustEncode(m interface{ Encode([]byte) ([]byte, error) }) []byte {
	b, err := m.Encode(nil)
	if err != nil {
		panic(err)
	}
	return b
}

// TestHostileInputInEveryPhase sends a huge declared length, garbage and
// a truncated message in the phases the tests above do not reach: in the
// middle of an extended-protocol exchange and inside TLS, before and after
// startup. Each ends only its own connection: FATAL 08P01 for the first
// two (after any replies still buffered), nothing for the third; a
// handshake that is not TLS at all closes the connection.
func TestHostileInputInEveryPhase(t *testing.T) {
	checkLeaks(t)
	cert, _ := testCert(t, t.TempDir())
	ts := startServer(t, Config{TLS: cert})
	sm := &pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber,
		Parameters: map[string]string{"user": "tester", "database": "db"}}
	phases := []struct {
		name    string
		open    func(t *testing.T) *rawConn
		startup bool // the next message is a startup packet
	}{
		{"mid extended", func(t *testing.T) *rawConn {
			r := dialRaw(t, ts)
			r.startup(nil)
			r.send(&pgproto3.Parse{Query: "select 1"}, &pgproto3.Bind{})
			return r
		}, false},
		{"TLS before startup", func(t *testing.T) *rawConn { return dialTLS(t, ts) }, true},
		{"TLS after startup", func(t *testing.T) *rawConn {
			r := dialTLS(t, ts)
			r.startup(nil)
			return r
		}, false},
		{"TLS mid extended", func(t *testing.T) *rawConn {
			r := dialTLS(t, ts)
			r.startup(nil)
			r.send(&pgproto3.Parse{Query: "select 1"}, &pgproto3.Bind{}, &pgproto3.Describe{ObjectType: 'P'})
			return r
		}, false},
	}
	for _, ph := range phases {
		huge, truncated := []byte{'Q', 0x7f, 0xff, 0xff, 0xff}, mustEncode(&pgproto3.Execute{})
		if ph.startup {
			huge, truncated = []byte{0x7f, 0xff, 0xff, 0xff, 0, 3, 0, 0}, mustEncode(sm)
		}
		for _, in := range []struct {
			name  string
			input []byte
			want  string // the last message; "" for none
		}{
			{"huge length", huge, fatalProtocolViolation},
			{"garbage", []byte("GET / HTTP/1.1\r\n\r\n"), fatalProtocolViolation},
			{"truncated", truncated[:len(truncated)-2], ""},
		} {
			t.Run(ph.name+"/"+in.name, func(t *testing.T) {
				r := ph.open(t)
				r.sendRaw(in.input)
				if in.want == "" {
					r.closeWrite()
				}
				out := r.readToEOF()
				errs := 0
				for _, m := range out {
					if typeName(m) == "ErrorResponse" || strings.HasPrefix(m, "error: ") {
						errs++
					}
				}
				if in.want == "" && errs != 0 || in.want != "" && (errs != 1 || out[len(out)-1] != in.want) {
					t.Fatalf("got %v, want %q last", out, in.want)
				}
			})
		}
	}
	t.Run("not TLS after S", func(t *testing.T) {
		r := dialRaw(t, ts)
		r.send(&pgproto3.SSLRequest{})
		if b := make([]byte, 1); func() error { _, err := io.ReadFull(r.nc, b); return err }() != nil || b[0] != 'S' {
			t.Fatalf("SSLRequest answered %q", b)
		}
		r.sendRaw(mustEncode(sm)) // plain text where a ClientHello belongs
		_ = r.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.Copy(io.Discard, r.nc); err != nil && !isDisconnect(err) {
			t.Fatalf("connection not closed: %v", err)
		}
	})
	waitFor(t, "the connections to close", func() bool { return ts.srv.NumConns() == 0 })
	c := connect(t, ts, "")
	if _, err := c.Exec(context.Background(), "select 1"); err != nil {
		t.Fatal(err)
	}
}

// TestSSLAndGSSRequestsDeclined: both get 'N', then startup proceeds.
func TestSSLAndGSSRequestsDeclined(t *testing.T) {
	ts := startServer(t, Config{})
	r := dialRaw(t, ts)
	for _, req := range []pgproto3.FrontendMessage{&pgproto3.SSLRequest{}, &pgproto3.GSSEncRequest{}} {
		r.send(req)
		b := make([]byte, 1)
		if _, err := io.ReadFull(r.nc, b); err != nil || b[0] != 'N' {
			t.Fatalf("%T: %q %v", req, b, err)
		}
	}
	r.startup(nil)
}

// TestProtocolNegotiation: a 3.2 StartupMessage with a _pq_ option gets
// NegotiateProtocolVersion (3.0, option unknown) and a working session.
func TestProtocolNegotiation(t *testing.T) {
	ts := startServer(t, Config{})
	r := dialRaw(t, ts)
	sm := &pgproto3.StartupMessage{ProtocolVersion: 3<<16 | 2,
		Parameters: map[string]string{"user": "u", "database": "db", "_pq_.fancy": "on"}}
	r.sendRaw(mustEncode(sm))
	hdr := make([]byte, 5)
	if _, err := io.ReadFull(r.nc, hdr); err != nil || hdr[0] != 'v' {
		t.Fatalf("want NegotiateProtocolVersion, got %q %v", hdr, err)
	}
	body := make([]byte, binary.BigEndian.Uint32(hdr[1:])-4)
	if _, err := io.ReadFull(r.nc, body); err != nil {
		t.Fatal(err)
	}
	if minor, n := binary.BigEndian.Uint32(body), binary.BigEndian.Uint32(body[4:]); minor != 0 || n != 1 || string(body[8:]) != "_pq_.fancy\x00" {
		t.Fatalf("body % x", body)
	}
	r.until("ReadyForQuery")
	r.send(&pgproto3.Query{String: "select 1"})
	r.until("ReadyForQuery")
}

// fuzzServer is shared by the fuzz iterations; its backend never blocks.
var (
	fuzzOnce sync.Once
	fuzzSrv  *Server
)

// FuzzConnection feeds arbitrary bytes to a server connection over
// net.Pipe: no panic may escape and the connection's goroutines must end
// once the client hangs up.
func FuzzConnection(f *testing.F) {
	startup := mustEncode(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber,
		Parameters: map[string]string{"user": "u", "database": "db"}})
	with := func(msgs ...pgproto3.FrontendMessage) []byte {
		b := append([]byte{}, startup...)
		for _, m := range msgs {
			b = append(b, mustEncode(m)...)
		}
		return b
	}
	f.Add([]byte{})
	f.Add(startup)
	f.Add(with(&pgproto3.Query{String: "select 1"}, &pgproto3.Terminate{}))
	f.Add(with(&pgproto3.Query{String: "types; rows 3; error 2627"}))
	f.Add(with(&pgproto3.Parse{Name: "s", Query: "echo int $1, varchar(5) $2"}, &pgproto3.Describe{ObjectType: 'S', Name: "s"},
		&pgproto3.Bind{PreparedStatement: "s", ParameterFormatCodes: []int16{1, 0}, Parameters: [][]byte{{0, 0, 0, 1}, []byte("x")}, ResultFormatCodes: []int16{1}},
		&pgproto3.Execute{MaxRows: 1}, &pgproto3.Execute{}, &pgproto3.Sync{}))
	f.Add(with(&pgproto3.Parse{Query: "prepare-error"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{}))
	f.Add(with(&pgproto3.Query{String: "panic"}))
	f.Add(mustEncode(&pgproto3.SSLRequest{}))
	f.Add(mustEncode(&pgproto3.CancelRequest{ProcessID: 1, SecretKey: 2}))
	f.Add(append(with(), message('Q', nil)...))
	f.Add(append(with(), message('f', nil)...))
	f.Add(append(with(), message('F', []byte{0})...))
	f.Add(append(with(), message('B', []byte{0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe})...))
	f.Add(append(with(), 'Q', 0x80, 0, 0, 0))
	f.Add(append(with(), []byte("garbage after startup")...))

	fuzzOnce.Do(func() {
		b := newTestBackend()
		b.fuzz = true
		fuzzSrv = NewServer(b, Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), StartupTimeout: 5 * time.Second})
	})
	f.Fuzz(func(t *testing.T, data []byte) {
		client, server := net.Pipe()
		fuzzSrv.start(server)
		served := make(chan struct{})
		go func() {
			defer close(served)
			fuzzSrv.wg.Wait() // iterations run one at a time
		}()
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, _ = io.Copy(io.Discard, client)
		}()
		go func() {
			defer wg.Done()
			_, _ = client.Write(data)
			// Give the server a moment to answer before hanging up.
			time.Sleep(time.Millisecond)
			client.Close()
		}()
		select {
		case <-served:
		case <-time.After(10 * time.Second):
			t.Fatal("connection goroutine still running after the client hung up")
		}
		client.Close()
		wg.Wait()
		fuzzSrv.mu.Lock()
		defer fuzzSrv.mu.Unlock()
		if len(fuzzSrv.conns) != 0 || fuzzSrv.pending.Len() != 0 || fuzzSrv.sessions != 0 {
			t.Fatalf("ended connection still counted: %d conns, %d pending, %d sessions",
				len(fuzzSrv.conns), fuzzSrv.pending.Len(), fuzzSrv.sessions)
		}
	})
}
