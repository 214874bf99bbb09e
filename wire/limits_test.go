package wire

import (
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgproto3/v2"

	"mirrordb/session"
	"mirrordb/sqlerr"
)

// passwordAuth asks for a cleartext password and admits "secret".
type passwordAuth struct{}

func (passwordAuth) Authenticate(_ context.Context, ex AuthExchange, s session.Startup) error {
	if err := ex.Request(&pgproto3.AuthenticationCleartextPassword{}); err != nil {
		return err
	}
	msg, err := ex.Receive()
	if err != nil {
		return err
	}
	if pm, ok := msg.(*pgproto3.PasswordMessage); !ok || pm.Password != "secret" {
		return sqlerr.New(18456, s.User)
	}
	return nil
}

// stallPhases are the points where stall leaves a client in startup.
var stallPhases = []string{"silent", "half packet", "after SSLRequest", "password"}

// stall opens a connection and stops in phase: "silent" sends nothing,
// "half packet" half a StartupMessage, "after SSLRequest" nothing after
// the server's answer (with a certificate configured, the server waits in
// the TLS handshake), "password" never answers the password request (the
// server needs passwordAuth).
func stall(t testing.TB, ts *testServer, phase string) *rawConn {
	t.Helper()
	r := dialRaw(t, ts)
	sm := mustEncode(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber,
		Parameters: map[string]string{"user": "tester", "database": "db"}})
	switch phase {
	case "silent":
	case "half packet":
		r.sendRaw(sm[:len(sm)/2])
	case "after SSLRequest":
		r.send(&pgproto3.SSLRequest{})
		b := make([]byte, 1)
		if _, err := io.ReadFull(r.nc, b); err != nil {
			t.Fatalf("SSLRequest: %v", err)
		}
	case "password":
		r.sendRaw(sm)
		r.until("AuthenticationCleartextPassword")
	default:
		t.Fatalf("no stall phase %q", phase)
	}
	return r
}

// TestStartupTimeout: a client that stops anywhere in startup, or sends
// its startup packet a byte at a time, is dropped after StartupTimeout.
func TestStartupTimeout(t *testing.T) {
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
