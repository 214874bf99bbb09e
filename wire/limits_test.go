package wire

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgproto3/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"mirrordb/internal/testutil"
	"mirrordb/session"
	"mirrordb/sqlerr"
)

// passwordAuth asks for a cleartext password and admits "secret".
type passwordAuth struct{}

func (passwordAuth) Authenticate(_ context.Context, ex AuthExchange, s session.Startup) (string, error) {
	if err := ex.Request(&pgproto3.AuthenticationCleartextPassword{}); err != nil {
		return "", err
	}
	msg, err := ex.Receive()
	if err != nil {
		return "", err
	}
	if pm, ok := msg.(*pgproto3.PasswordMessage); !ok || pm.Password != "secret" {
		return "", sqlerr.New(18456, s.User)
	}
	return s.User, nil
}

// stallPhases are the points where stall leaves a client in startup.
var stallPhases = []string{"silent", "half packet", "after SSLRequest", "password"}

// stall opens a connection and stops in phase (see stallConn).
func stall(t testing.TB, ts *testServer, phase string) *rawConn {
	t.Helper()
	r := dialRaw(t, ts)
	if err := stallConn(r.nc, phase); err != nil {
		t.Fatalf("%s: %v", phase, err)
	}
	return r
}

// stallConn takes a fresh connection to phase and stops there: "silent"
// sends nothing, "half packet" half a StartupMessage, "after SSLRequest"
// nothing after the server's answer (with a certificate configured, the
// server waits in the TLS handshake), "password" never answers the
// password request (the server needs passwordAuth).
func stallConn(nc net.Conn, phase string) error {
	sm := mustEncode(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber,
		Parameters: map[string]string{"user": "tester", "database": "db"}})
	var err error
	switch phase {
	case "silent":
	case "half packet":
		_, err = nc.Write(sm[:len(sm)/2])
	case "after SSLRequest":
		if _, err = nc.Write(mustEncode(&pgproto3.SSLRequest{})); err == nil {
			_, err = io.ReadFull(nc, make([]byte, 1))
		}
	case "password":
		if _, err = nc.Write(sm); err == nil {
			b := make([]byte, 9) // AuthenticationCleartextPassword
			if _, err = io.ReadFull(nc, b); err == nil && (b[0] != 'R' || binary.BigEndian.Uint32(b[5:]) != pgproto3.AuthTypeCleartextPassword) {
				err = fmt.Errorf("want AuthenticationCleartextPassword, got % x", b)
			}
		}
	default:
		err = fmt.Errorf("no stall phase %q", phase)
	}
	return err
}

// TestStartupTimeout: a client that stops anywhere in startup, or sends
// its startup packet a byte at a time, is dropped after StartupTimeout.
func TestStartupTimeout(t *testing.T) {
	checkLeaks(t)
	cert, _ := testCert(t, t.TempDir())
	ts := startServer(t, Config{StartupTimeout: 300 * time.Millisecond, TLS: cert, Authenticator: passwordAuth{}})
	for _, phase := range stallPhases {
		t.Run(phase, func(t *testing.T) {
			r := stall(t, ts, phase)
			if out := r.readToEOF(); len(out) != 0 {
				t.Fatalf("got %v", out)
			}
		})
	}
	t.Run("trickle", func(t *testing.T) {
		r := dialRaw(t, ts)
		sm := mustEncode(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber,
			Parameters: map[string]string{"user": "tester", "database": "db", "application_name": "slow loris"}})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, b := range sm {
				if _, err := r.nc.Write([]byte{b}); err != nil {
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
		}()
		out := r.readToEOF()
		r.nc.Close()
		wg.Wait()
		if len(out) != 0 {
			t.Fatalf("got %v", out)
		}
	})
	waitFor(t, "the connections to close", func() bool { return ts.srv.NumConns() == 0 })
}

// TestShutdownDuringStartup: Shutdown closes connections stalled anywhere
// in startup at once; it does not wait for StartupTimeout or its own
// deadline.
func TestShutdownDuringStartup(t *testing.T) {
	checkLeaks(t)
	cert, _ := testCert(t, t.TempDir())
	ts := startServer(t, Config{TLS: cert, Authenticator: passwordAuth{}})
	var stalled []*rawConn
	for _, phase := range stallPhases {
		stalled = append(stalled, stall(t, ts, phase))
	}
	waitFor(t, "the connections", func() bool { return ts.srv.NumConns() == len(stallPhases) })
	if err := <-shutdown(ts, 5*time.Second); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	for i, r := range stalled {
		if out := r.readToEOF(); len(out) != 0 {
			t.Fatalf("%s: got %v", stallPhases[i], out)
		}
	}
}

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestConnectionFlood: hundreds of connections opened at once and left
// in startup (silent, half a packet, in the TLS handshake, at the
// password) do not exhaust the server: it keeps MaxPendingStartups of
// them, closing the oldest as new ones come, with a rate-limited log line;
// its heap stays small; a session opened before keeps working and new
// pgx clients connect and run queries while the flood holds every startup
// slot. Afterwards no goroutine is left.
func TestConnectionFlood(t *testing.T) {
	checkLeaks(t)
	cert, _ := testCert(t, t.TempDir())
	logs := &testutil.SyncBuffer{}
	const maxPending, flood, workers = 16, 600, 8
	ts := startServer(t, Config{MaxPendingStartups: maxPending, TLS: cert, Authenticator: passwordAuth{},
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	query := func(c *pgx.Conn) {
		t.Helper()
		var n int32
		if err := c.QueryRow(context.Background(), "select 1").Scan(&n); err != nil || n != 1 {
			t.Fatalf("select 1: %d, %v", n, err)
		}
	}
	early := connect(t, ts, "password=secret")
	heap0 := heapInUse()
	start := time.Now()

	var mu sync.Mutex
	var conns []net.Conn
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < flood; i += workers {
				nc, err := net.Dial("tcp", ts.addr)
				if err != nil {
					continue // counted below
				}
				mu.Lock()
				conns = append(conns, nc)
				mu.Unlock()
				// A newer connection may close this one mid-phase.
				_ = stallConn(nc, stallPhases[i%len(stallPhases)])
			}
		}()
	}
	wg.Wait()
	t.Cleanup(func() {
		for _, nc := range conns {
			nc.Close()
		}
	})
	if len(conns) != flood {
		t.Fatalf("only %d of %d connections dialled", len(conns), flood)
	}
	waitFor(t, "the server to shed the stalled connections", func() bool {
		return ts.srv.NumConns() <= maxPending+1
	})
	if grew := int64(heapInUse()) - int64(heap0); grew > 32<<20 {
		t.Errorf("heap grew by %d MiB during a flood of %d connections", grew>>20, flood)
	}

	query(early)
	for range 3 {
		query(connect(t, ts, "password=secret"))
	}

	closed := 0
	for _, nc := range conns {
		_ = nc.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
		var ne net.Error
		if _, err := io.Copy(io.Discard, nc); !errors.As(err, &ne) || !ne.Timeout() {
			closed++
		}
	}
	if closed < flood-maxPending {
		t.Errorf("the server closed %d of %d stalled connections, want at least %d", closed, flood, flood-maxPending)
	}
	lines := strings.Count(logs.String(), "too many connections in startup")
	if limit := 2 + int(time.Since(start)/time.Second); lines < 1 || lines > limit {
		t.Errorf("%d log lines about closing stalled connections, want 1 to %d (one a second)", lines, limit)
	}

	for _, nc := range conns {
		nc.Close()
	}
	waitFor(t, "the flood's connections to go", func() bool { return ts.srv.NumConns() == 4 })
	if grew := int64(heapInUse()) - int64(heap0); grew > 8<<20 {
		t.Errorf("heap grew by %d MiB after the flood ended", grew>>20)
	}
}

// TestMaxConnections: beyond MaxConnections a client gets FATAL 53300,
// Msg 17809, after its startup message; a closed session frees its slot
// and refused clients hold none.
func TestMaxConnections(t *testing.T) {
	checkLeaks(t)
	ts := startServer(t, Config{MaxConnections: 2})
	first := connect(t, ts, "")
	second := dialRaw(t, ts)
	second.startup(nil)
	for range 3 {
		_, err := pgx.Connect(context.Background(), ts.connString(""))
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != sqlerr.TooManyConnections || pgErr.Severity != "FATAL" ||
			testutil.MsgNumber(err) != 17809 {
			t.Fatalf("third connection: %v, want FATAL 53300 Msg 17809", err)
		}
	}
	r := dialRaw(t, ts)
	r.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber,
		Parameters: map[string]string{"user": "tester", "database": "db"}})
	if out := r.readToEOF(); len(out) != 1 || out[0] != `{"Type":"ErrorResponse","Severity":"FATAL","Code":"53300"}` {
		t.Fatalf("raw third connection: %v", out)
	}

	second.send(&pgproto3.Terminate{})
	second.readToEOF()
	waitFor(t, "the session to close", func() bool { return ts.srv.NumConns() == 1 })
	third := connect(t, ts, "")
	for _, c := range []*pgx.Conn{first, third} {
		if _, err := c.Exec(context.Background(), "select 1"); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLogLimiter(t *testing.T) {
	var l logLimiter
	t0 := time.Unix(1000, 0)
	for _, step := range []struct {
		at      time.Duration
		ok      bool
		dropped int
	}{
		{0, true, 0},
		{300 * time.Millisecond, false, 0},
		{999 * time.Millisecond, false, 0},
		{time.Second, true, 2},
		{1500 * time.Millisecond, false, 0},
		{5 * time.Second, true, 1},
		{7 * time.Second, true, 0},
	} {
		if ok, dropped := l.allow(t0.Add(step.at), time.Second); ok != step.ok || dropped != step.dropped {
			t.Fatalf("at %v: allow = %v, %d; want %v, %d", step.at, ok, dropped, step.ok, step.dropped)
		}
	}
}

// TestClientNotReading: a client that stops reading a large result is
// dropped after WriteTimeout; its statement stops producing rows instead
// of piling them up in memory, and Shutdown is not held up.
func TestClientNotReading(t *testing.T) {
	checkLeaks(t)
	const rows = 100000 // 100 MiB of DataRows
	ts := startServer(t, Config{WriteTimeout: 300 * time.Millisecond})
	other := connect(t, ts, "")
	r := dialRaw(t, ts)
	r.startup(nil)
	r.send(&pgproto3.Query{String: fmt.Sprintf("big %d", rows)})
	waitFor(t, "the reluctant client to be dropped", func() bool { return ts.srv.NumConns() == 1 })
	if n := ts.backend.openSessions(); n != 1 {
		t.Fatalf("%d sessions open, want 1", n)
	}
	if n := ts.backend.produced.Load(); n > rows/4 {
		t.Fatalf("the statement produced %d of %d rows for a client that read none", n, rows)
	}
	if _, err := other.Exec(context.Background(), "select 1"); err != nil {
		t.Fatal(err)
	}
}
