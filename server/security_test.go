package server_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"mirrordb/internal/testutil"
	"mirrordb/server"
	"mirrordb/server/servertest"
)

// TestClientTLSFiles: --tls-cert / --tls-key / --require-tls (as
// server.Config) give pgx and psql with sslmode=verify-full an encrypted
// session and refuse plain text with Msg 18456.
func TestClientTLSFiles(t *testing.T) {
	cert := testutil.NewServerCert(t, t.TempDir(), "127.0.0.1")
	srv := servertest.StartWith(t, servertest.Options{Configure: func(c *server.Config) {
		c.TLSCertFile, c.TLSKeyFile, c.RequireTLS = cert.CertFile, cert.KeyFile, true
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, fmt.Sprintf("postgres://tester@%s/master?sslmode=verify-full&sslrootcert=%s", srv.Addr(), cert.CertFile))
	if err != nil {
		t.Fatalf("verify-full: %v", err)
	}
	defer conn.Close(ctx)
	if _, ok := conn.PgConn().Conn().(*tls.Conn); !ok {
		t.Fatalf("connection is %T, not TLS", conn.PgConn().Conn())
	}
	if _, err := pgx.Connect(ctx, servertest.URL(srv, "master")); testutil.MsgNumber(err) != 18456 {
		t.Fatalf("plain text against --require-tls: %v, want Msg 18456", err)
	}
	host, port, _ := strings.Cut(srv.Addr(), ":")
	out, err := exec.Command("psql", "-X", "-A", "-t", "-c", "SELECT 40 + 2",
		fmt.Sprintf("host=%s port=%s user=tester dbname=master sslmode=verify-full sslrootcert=%s", host, port, cert.CertFile)).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "42" {
		t.Fatalf("psql verify-full: %v\n%s", err, out)
	}
}

// TestClientTLSConfigErrors: half a key pair, or --require-tls without
// one, is refused at start.
func TestClientTLSConfigErrors(t *testing.T) {
	cert := testutil.NewServerCert(t, t.TempDir(), "127.0.0.1")
	for _, c := range []server.Config{
		{TLSCertFile: cert.CertFile},
		{RequireTLS: true},
		{TLSCertFile: cert.KeyFile, TLSKeyFile: cert.KeyFile},
	} {
		c.DataDir, c.Listen, c.Logger = t.TempDir(), "127.0.0.1:0", servertest.Logger()
		if srv, err := server.Start(c); err == nil {
			srv.Close()
			t.Errorf("server.Start(%+v) succeeded", c)
		}
	}
}

// TestClientLimits: server.Config's MaxConnections and StartupTimeout
// reach the wire front end: a second session gets Msg 17809, a client
// that sends nothing is dropped.
func TestClientLimits(t *testing.T) {
	srv := servertest.StartWith(t, servertest.Options{Configure: func(c *server.Config) {
		c.MaxConnections, c.StartupTimeout = 1, 200*time.Millisecond
	}})
	servertest.Connect(t, srv, "master")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := pgx.Connect(ctx, servertest.URL(srv, "master")); testutil.MsgNumber(err) != 17809 {
		t.Fatalf("second session: %v, want Msg 17809", err)
	}
	nc, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := nc.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
		t.Fatalf("silent client: read %d bytes, %v; want EOF", n, err)
	}
}
