package wire

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgproto3/v2"
	"github.com/jackc/pgx/v5"

	"mirrordb/internal/testutil"
)

// testCert makes a self-signed certificate for 127.0.0.1 (its PEM file is
// the client's root) and the server's TLS configuration with it.
func testCert(t *testing.T, dir string) (*tls.Config, string) {
	t.Helper()
	c := testutil.NewServerCert(t, dir, "127.0.0.1")
	pair, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}}, c.CertFile
}

// TestTLS: with a certificate, pgx and psql with sslmode=verify-full get an
// encrypted session; with RequireTLS a plain-text client is refused with
// Msg 18456 / 28000 and an encrypted one is served.
func TestTLS(t *testing.T) {
	cfg, root := testCert(t, t.TempDir())
	ts := startServer(t, Config{TLS: cfg, RequireTLS: true})
	url := fmt.Sprintf("postgres://tester@127.0.0.1:%d/db?sslmode=verify-full&sslrootcert=%s", ts.port, root)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("verify-full: %v", err)
	}
	if _, ok := c.PgConn().Conn().(*tls.Conn); !ok {
		t.Fatalf("pgx's connection is %T, not TLS", c.PgConn().Conn())
	}
	var v string
	if err := c.QueryRow(ctx, "SELECT 1").Scan(&v); err != nil {
		t.Fatalf("query over TLS: %v", err)
	}
	c.Close(ctx)

	_, err = pgx.Connect(ctx, ts.connString(""))
	if err == nil || !strings.Contains(err.Error(), "18456") || !strings.Contains(err.Error(), "28000") {
		t.Fatalf("plain text with RequireTLS: %v, want Msg 18456 / 28000", err)
	}

	out, err := exec.Command("psql", "-X", "-A", "-t", "-c", "SELECT 1",
		fmt.Sprintf("host=127.0.0.1 port=%d user=tester dbname=db sslmode=verify-full sslrootcert=%s", ts.port, root)).CombinedOutput()
	if err != nil {
		t.Fatalf("psql verify-full: %v\n%s", err, out)
	}
}

// dialTLS opens a connection, asks for TLS and completes the handshake
// (without checking the server's certificate).
func dialTLS(t testing.TB, ts *testServer) *rawConn {
	t.Helper()
	r := dialRaw(t, ts)
	r.send(&pgproto3.SSLRequest{})
	b := make([]byte, 1)
	if _, err := io.ReadFull(r.nc, b); err != nil || b[0] != 'S' {
		t.Fatalf("SSLRequest answered %q, %v", b, err)
	}
	tc := tls.Client(r.nc, &tls.Config{InsecureSkipVerify: true})
	_ = tc.SetDeadline(time.Now().Add(5 * time.Second))
	if err := tc.Handshake(); err != nil {
		t.Fatalf("TLS handshake: %v", err)
	}
	_ = tc.SetDeadline(time.Time{})
	return &rawConn{t: t, nc: tc, fe: pgproto3.NewFrontend(pgproto3.NewChunkReader(tc), tc)}
}
