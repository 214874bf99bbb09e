package server_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgproto3/v2"
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

const saPassword = "Sa!Passw0rd-test"

// startSecured starts an instance whose sa login has a password, with a
// short login failure delay.
func startSecured(t *testing.T, dir string) *server.Server {
	t.Helper()
	return servertest.StartWith(t, servertest.Options{Dir: dir, Configure: func(c *server.Config) {
		c.SAPassword, c.LoginFailureDelay = saPassword, 50*time.Millisecond
	}})
}

func loginURL(srv *server.Server, user, password string) string {
	return fmt.Sprintf("postgres://%s:%s@%s/master?sslmode=disable", url.PathEscape(user), url.PathEscape(password), srv.Addr())
}

func connectAs(t *testing.T, srv *server.Server, user, password string) (*pgx.Conn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, loginURL(srv, user, password))
	if err == nil {
		t.Cleanup(func() { c.Close(context.Background()) })
	}
	return c, err
}

func mustConnectAs(t *testing.T, srv *server.Server, user, password string) *pgx.Conn {
	t.Helper()
	c, err := connectAs(t, srv, user, password)
	if err != nil {
		t.Fatalf("login %s: %v", user, err)
	}
	return c
}

func execOK(t *testing.T, c *pgx.Conn, sql string) {
	t.Helper()
	if _, err := c.Exec(context.Background(), sql, pgx.QueryExecModeSimpleProtocol); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// execFails runs sql and requires the error Msg number with SQLSTATE.
func execFails(t *testing.T, c *pgx.Conn, sql string, number int, state string) {
	t.Helper()
	_, err := c.Exec(context.Background(), sql, pgx.QueryExecModeSimpleProtocol)
	if testutil.MsgNumber(err) != number || testutil.SQLState(err) != state {
		t.Fatalf("%s: %v, want Msg %d / %s", sql, err, number, state)
	}
}

func queryText(t *testing.T, c *pgx.Conn, sql string) string {
	t.Helper()
	var v any
	if err := c.QueryRow(context.Background(), sql, pgx.QueryExecModeSimpleProtocol).Scan(&v); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return fmt.Sprint(v)
}

// TestLoginsAndSCRAM: with the sa password set, clients authenticate with
// SCRAM-SHA-256 (pgx and psql); every failed login is the same 18456 /
// 28P01 after the delay; logins are created, disabled, re-enabled, have
// their own password changed and dropped; the password survives a restart.
func TestLoginsAndSCRAM(t *testing.T) {
	dir := t.TempDir()
	srv := startSecured(t, dir)
	sa := mustConnectAs(t, srv, "sa", saPassword)
	if got := queryText(t, sa, "SELECT SUSER_SNAME() + '/' + CAST(IS_SRVROLEMEMBER('sysadmin') AS varchar(1))"); got != "sa/1" {
		t.Fatalf("sa is %q", got)
	}

	for _, c := range []struct{ user, password string }{
		{"sa", "wrong"}, {"nobody", saPassword}, {"SA", ""},
	} {
		start := time.Now()
		_, err := connectAs(t, srv, c.user, c.password)
		if testutil.MsgNumber(err) != 18456 || testutil.SQLState(err) != "28P01" {
			t.Fatalf("login %s/%q: %v, want Msg 18456 / 28P01", c.user, c.password, err)
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("Login failed for user '%s'", c.user)) {
			t.Errorf("login %s: message %v", c.user, err)
		}
		if time.Since(start) < 50*time.Millisecond {
			t.Errorf("login %s failed without the failure delay", c.user)
		}
	}

	execFails(t, sa, "CREATE LOGIN weak WITH PASSWORD = 'short'", 15118, "28P01")
	execOK(t, sa, "CREATE LOGIN bob WITH PASSWORD = 'Bob!Passw0rd1'")
	execFails(t, sa, "CREATE LOGIN BOB WITH PASSWORD = 'Bob!Passw0rd1'", 15025, "42710")
	execOK(t, sa, "CREATE LOGIN simple WITH PASSWORD = 'simple', CHECK_POLICY = OFF")
	if got := queryText(t, sa, "SELECT COUNT(*) FROM sys.server_principals WHERE name IN ('bob', 'simple') AND type_desc = 'SQL_LOGIN' AND is_disabled = 0"); got != "2" {
		t.Fatalf("sys.server_principals has %s of the new logins", got)
	}
	if got := queryText(t, sa, "SELECT LEFT(CAST(password_hash AS varchar(100)), 14) FROM sys.sql_logins WHERE name = 'bob'"); got != "SCRAM-SHA-256$" {
		t.Fatalf("sa sees bob's password_hash as %q", got)
	}

	bob := mustConnectAs(t, srv, "BOB", "Bob!Passw0rd1")
	if got := queryText(t, bob, "SELECT SUSER_SNAME() + '/' + CAST(IS_SRVROLEMEMBER('sysadmin') AS varchar(1)) + '/' + USER_NAME()"); got != "bob/0/guest" {
		t.Fatalf("bob is %q", got)
	}
	if got := queryText(t, bob, "SELECT COUNT(*) FROM sys.sql_logins WHERE password_hash IS NOT NULL"); got != "0" {
		t.Fatalf("bob sees %s password hashes", got)
	}
	if _, err := exec.Command("psql", "-X", "-A", "-t", "-c", "SELECT 1", loginURL(srv, "bob", "wrong")).CombinedOutput(); err == nil {
		t.Fatal("psql logged in with a wrong password")
	}
	cmd := exec.Command("psql", "-X", "-A", "-t", "-c", "SELECT SUSER_SNAME()", strings.Replace(loginURL(srv, "bob", ""), "bob:@", "bob@", 1))
	cmd.Env = append(cmd.Environ(), "PGPASSWORD=Bob!Passw0rd1")
	if out, err := cmd.CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "bob" {
		t.Fatalf("psql as bob: %v\n%s", err, out)
	}

	// Own password: only with the right old one.
	execFails(t, bob, "ALTER LOGIN bob WITH PASSWORD = 'Bob!Passw0rd2' OLD_PASSWORD = 'nope'", 15151, "42704")
	execFails(t, bob, "ALTER LOGIN bob WITH PASSWORD = 'Bob!Passw0rd2'", 15151, "42704")
	execOK(t, bob, "ALTER LOGIN bob WITH PASSWORD = 'Bob!Passw0rd2' OLD_PASSWORD = 'Bob!Passw0rd1'")
	if _, err := connectAs(t, srv, "bob", "Bob!Passw0rd1"); testutil.MsgNumber(err) != 18456 {
		t.Fatalf("old password still works: %v", err)
	}
	mustConnectAs(t, srv, "bob", "Bob!Passw0rd2")

	execOK(t, sa, "ALTER LOGIN bob DISABLE")
	if _, err := connectAs(t, srv, "bob", "Bob!Passw0rd2"); testutil.MsgNumber(err) != 18456 {
		t.Fatalf("disabled login: %v", err)
	}
	execOK(t, sa, "ALTER LOGIN bob ENABLE")
	mustConnectAs(t, srv, "bob", "Bob!Passw0rd2")

	execFails(t, sa, "DROP LOGIN bob", 15434, "55006")
	execFails(t, sa, "DROP LOGIN sa", 15405, "42501")
	execFails(t, sa, "DROP LOGIN nobody", 15151, "42704")
	execOK(t, sa, "DROP LOGIN simple")

	// The password is in master: a restart without --sa-password-file
	// still requires it.
	srv.Close()
	srv2 := servertest.StartWith(t, servertest.Options{Dir: dir, Configure: func(c *server.Config) { c.LoginFailureDelay = time.Millisecond }})
	if _, err := pgx.Connect(context.Background(), servertest.URL(srv2, "master")); testutil.MsgNumber(err) != 18456 {
		t.Fatalf("after a restart, no password: %v", err)
	}
	mustConnectAs(t, srv2, "sa", saPassword)
}

// TestSysadminOnly: a login outside sysadmin may read and write tables but
// gets 262 or 15247 (42501) for what reconfigures the server, until
// sp_addsrvrolemember makes it a sysadmin.
func TestSysadminOnly(t *testing.T) {
	srv := startSecured(t, "")
	sa := mustConnectAs(t, srv, "sa", saPassword)
	execOK(t, sa, "CREATE DATABASE shop")
	execOK(t, sa, "CREATE TABLE shop.dbo.t (id int PRIMARY KEY)")
	execOK(t, sa, "CREATE LOGIN carol WITH PASSWORD = 'Carol!Passw0rd'")
	carol := mustConnectAs(t, srv, "carol", "Carol!Passw0rd")
	execOK(t, carol, "INSERT INTO shop.dbo.t VALUES (1)")
	for _, c := range []struct {
		sql    string
		number int
	}{
		{"CREATE ENDPOINT m STATE = STARTED AS TCP (LISTENER_PORT = 1) FOR DATABASE_MIRRORING (ROLE = ALL)", 262},
		{"ALTER ENDPOINT m STATE = STOPPED", 15247},
		{"DROP ENDPOINT m", 15247},
		{"ALTER DATABASE shop SET PARTNER = 'TCP://127.0.0.1:1'", 15247},
		{"ALTER DATABASE shop SET WITNESS = 'TCP://127.0.0.1:1'", 15247},
		{"ALTER DATABASE shop SET RECOVERY SIMPLE", 15247},
		{"BACKUP DATABASE shop TO DISK = 'x.bak'", 262},
		{"BACKUP LOG shop TO DISK = 'x.trn'", 262},
		{"RESTORE DATABASE shop FROM DISK = 'x.bak'", 262},
		{"CREATE DATABASE other", 262},
		{"DROP DATABASE shop", 15247},
		{"CREATE LOGIN eve WITH PASSWORD = 'Eve!Passw0rd1'", 262},
		{"ALTER LOGIN sa WITH PASSWORD = 'Eve!Passw0rd1'", 15151},
		{"ALTER LOGIN carol DISABLE", 15151},
		{"DROP LOGIN sa", 15247},
		{"CREATE MASTER KEY ENCRYPTION BY PASSWORD = 'Mk!Passw0rd1'", 262},
		{"CREATE CERTIFICATE c WITH SUBJECT = 'c'", 262},
		{"CREATE USER carol FOR LOGIN carol", 262},
		{"GRANT CONNECT ON ENDPOINT::m TO carol", 15247},
		{"EXEC sp_addsrvrolemember 'carol', 'sysadmin'", 15247},
		{"EXEC msdb.dbo.sp_dbmmonitoraddmonitoring", 15247},
		{"EXEC sp_dbmmonitorchangealert shop, 1, 5, 1", 15247},
		{"BULK INSERT shop.dbo.t FROM '/etc/hostname'", 4834},
		{"COPY shop.dbo.t FROM '/etc/hostname'", 4834},
		{"COPY shop.dbo.t TO '/tmp/mirrordb-copy.csv'", 4834},
	} {
		_, err := carol.Exec(context.Background(), c.sql, pgx.QueryExecModeSimpleProtocol)
		if testutil.MsgNumber(err) != c.number || (c.number != 15151 && testutil.SQLState(err) != "42501") {
			t.Errorf("%s: %v, want Msg %d", c.sql, err, c.number)
		}
	}
	execOK(t, carol, "EXEC sp_dbmmonitorhelpmonitoring")
	execOK(t, sa, "EXEC sp_addsrvrolemember 'carol', 'sysadmin'")
	execOK(t, carol, "BACKUP DATABASE shop TO DISK = 'carol.bak'")
	if got := queryText(t, sa, "SELECT COUNT(*) FROM sys.server_role_members WHERE role_principal_id = 3"); got != "2" {
		t.Fatalf("sysadmin has %s members, want sa and carol", got)
	}
	execOK(t, sa, "EXEC sp_dropsrvrolemember 'carol', 'sysadmin'")
	execFails(t, carol, "BACKUP DATABASE shop TO DISK = 'carol2.bak'", 262, "42501")
}

// TestTrustOnlyOnLoopback: while sa has no password an instance refuses to
// listen beyond loopback, even when another login has one.
func TestTrustOnlyOnLoopback(t *testing.T) {
	_, err := server.Start(server.Config{DataDir: t.TempDir(), Listen: "0.0.0.0:0", Logger: servertest.Logger()})
	if !errors.Is(err, server.ErrNotLoopback) {
		t.Fatalf("non-loopback listen without a password: %v", err)
	}
	dir := t.TempDir()
	srv := servertest.Start(t, dir)
	execOK(t, servertest.Connect(t, srv, "master"), "CREATE LOGIN app WITH PASSWORD = 'App!Passw0rd1'")
	srv.Close()
	_, err = server.Start(server.Config{DataDir: dir, Listen: "0.0.0.0:0", Logger: servertest.Logger()})
	if !errors.Is(err, server.ErrNotLoopback) {
		t.Fatalf("non-loopback listen with a login's password but none for sa: %v", err)
	}
}

// TestLoginsBeforeSAPassword: SQL Server's set-up scripts create logins
// with passwords before (or without) giving sa one. On a loopback instance
// a client naming such a login authenticates as it; any other client is
// still trusted as sa, until sa gets a password.
func TestLoginsBeforeSAPassword(t *testing.T) {
	srv := servertest.StartWith(t, servertest.Options{Configure: func(c *server.Config) { c.LoginFailureDelay = time.Millisecond }})
	trusted := mustConnectAs(t, srv, "someone", "")
	execOK(t, trusted, "CREATE LOGIN early WITH PASSWORD = 'Early!Passw0rd'")
	for _, c := range []struct{ user, password string }{{"early", ""}, {"EARLY", "wrong"}} {
		if _, err := connectAs(t, srv, c.user, c.password); testutil.MsgNumber(err) != 18456 {
			t.Fatalf("login %s/%q: %v, want Msg 18456", c.user, c.password, err)
		}
	}
	early := mustConnectAs(t, srv, "early", "Early!Passw0rd")
	if got := queryText(t, early, "SELECT SUSER_SNAME() + '/' + CAST(IS_SRVROLEMEMBER('sysadmin') AS varchar(1))"); got != "early/0" {
		t.Fatalf("early is %q", got)
	}
	for _, user := range []string{"sa", "someone"} {
		c := mustConnectAs(t, srv, user, "")
		if got := queryText(t, c, "SELECT SUSER_SNAME()"); got != "sa" {
			t.Fatalf("trusted client %s runs as %q, want sa", user, got)
		}
	}

	execOK(t, trusted, "ALTER LOGIN sa WITH PASSWORD = '"+saPassword+"'")
	for _, user := range []string{"sa", "someone"} {
		if _, err := connectAs(t, srv, user, ""); testutil.MsgNumber(err) != 18456 {
			t.Fatalf("%s without a password after sa got one: %v, want Msg 18456", user, err)
		}
	}
	mustConnectAs(t, srv, "sa", saPassword)
	mustConnectAs(t, srv, "early", "Early!Passw0rd")
}

// TestSCRAMProtocolViolations: a client that answers the SASL request
// with something else gets a protocol-violation FATAL, and the server
// goes on serving.
func TestSCRAMProtocolViolations(t *testing.T) {
	srv := startSecured(t, "")
	for name, answer := range map[string]pgproto3.FrontendMessage{
		"cleartext password":    &pgproto3.PasswordMessage{Password: saPassword},
		"another mechanism":     &pgproto3.SASLInitialResponse{AuthMechanism: "SCRAM-SHA-1", Data: []byte("n,,n=,r=abc")},
		"garbage first message": &pgproto3.SASLInitialResponse{AuthMechanism: "SCRAM-SHA-256", Data: []byte("\x00\xff")},
	} {
		nc, err := net.Dial("tcp", srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
		fe := pgproto3.NewFrontend(pgproto3.NewChunkReader(nc), nc)
		if err := fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber,
			Parameters: map[string]string{"user": "sa", "database": "master"}}); err != nil {
			t.Fatal(err)
		}
		if msg, err := fe.Receive(); err != nil {
			t.Fatal(err)
		} else if m, ok := msg.(*pgproto3.AuthenticationSASL); !ok || len(m.AuthMechanisms) != 1 || m.AuthMechanisms[0] != "SCRAM-SHA-256" {
			t.Fatalf("%s: first answer %#v, want AuthenticationSASL SCRAM-SHA-256", name, msg)
		}
		if err := fe.Send(answer); err != nil {
			t.Fatal(err)
		}
		msg, err := fe.Receive()
		if e, ok := msg.(*pgproto3.ErrorResponse); err != nil || !ok || e.Severity != "FATAL" || (e.Code != "08P01" && e.Code != "28P01") {
			t.Errorf("%s: %#v %v, want FATAL 08P01 or 28P01", name, msg, err)
		}
		nc.Close()
	}
	mustConnectAs(t, srv, "sa", saPassword)
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

// TestRelativeDataDir: the default --data is relative (./data); BACKUP
// and RESTORE work there (RESTORE once failed with Msg 3241: the restore
// built the database aside under a relative path).
func TestRelativeDataDir(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	bak := filepath.Join(dir, "shop.bak")
	a := servertest.StartWith(t, servertest.Options{Dir: "a"})
	b := servertest.StartWith(t, servertest.Options{Dir: "./b"})
	ca, cb := servertest.Connect(t, a, "master"), servertest.Connect(t, b, "master")
	execOK(t, ca, "CREATE DATABASE Shop")
	execOK(t, ca, "CREATE TABLE Shop.dbo.t (id int PRIMARY KEY)")
	execOK(t, ca, "INSERT INTO Shop.dbo.t VALUES (7)")
	execOK(t, ca, "BACKUP DATABASE Shop TO DISK = '"+bak+"' WITH FORMAT")
	execOK(t, cb, "RESTORE DATABASE Shop FROM DISK = '"+bak+"' WITH NORECOVERY")
	execOK(t, cb, "RESTORE DATABASE Shop WITH RECOVERY")
	if got := queryText(t, cb, "SELECT id FROM Shop.dbo.t"); got != "7" {
		t.Fatalf("restored copy holds %q", got)
	}
}

// TestServiceAccountIsALogin: the instance's own service account is a
// Windows login from the start, as SQL Server's set-up makes it, so the
// documentation's `GRANT CONNECT ON ENDPOINT::... TO [domain\account]`
// works without a CREATE LOGIN; it cannot log in over SQL, holds no server
// role, and a CREATE LOGIN for it fails as for any existing login.
func TestServiceAccountIsALogin(t *testing.T) {
	const account = `CORP\svc_sql`
	dir := t.TempDir()
	start := func() *server.Server {
		return servertest.StartWith(t, servertest.Options{Dir: dir, Configure: func(c *server.Config) {
			c.SAPassword, c.LoginFailureDelay, c.ServiceAccount = saPassword, time.Millisecond, account
		}})
	}
	srv := start()
	sa := mustConnectAs(t, srv, "sa", saPassword)
	if got := queryText(t, sa, `SELECT type_desc + '/' + CAST(IS_SRVROLEMEMBER('sysadmin', name) AS varchar(1)) FROM sys.server_principals WHERE name = 'CORP\svc_sql'`); got != "WINDOWS_LOGIN/0" {
		t.Fatalf("the service account's login is %q", got)
	}
	execOK(t, sa, "CREATE ENDPOINT mirroring STATE = STOPPED AS TCP (LISTENER_PORT = 7022) FOR DATABASE_MIRRORING (ROLE = ALL)")
	execOK(t, sa, `GRANT CONNECT ON ENDPOINT::mirroring TO [CORP\svc_sql]`)
	execFails(t, sa, `CREATE LOGIN [CORP\svc_sql] FROM WINDOWS`, 15025, "42710")
	if _, err := connectAs(t, srv, account, ""); testutil.MsgNumber(err) != 18456 {
		t.Fatalf("logging in over SQL as the service account: %v, want Msg 18456", err)
	}

	// A restart keeps the one login (and its grant); a dropped one is back.
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	srv = start()
	sa = mustConnectAs(t, srv, "sa", saPassword)
	if got := queryText(t, sa, `SELECT COUNT(*) FROM sys.server_principals p JOIN sys.server_permissions g ON g.grantee_principal_id = p.principal_id WHERE p.name = 'CORP\svc_sql' AND g.permission_name = 'CONNECT'`); got != "1" {
		t.Fatalf("after a restart the service account has %s CONNECT grants", got)
	}
	execOK(t, sa, `REVOKE CONNECT ON ENDPOINT::mirroring TO [CORP\svc_sql]`)
	execOK(t, sa, `DROP LOGIN [CORP\svc_sql]`)
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	srv = start()
	sa = mustConnectAs(t, srv, "sa", saPassword)
	if got := queryText(t, sa, `SELECT COUNT(*) FROM sys.server_principals WHERE name = 'CORP\svc_sql'`); got != "1" {
		t.Fatalf("after DROP LOGIN and a restart the service account has %s logins", got)
	}
}
