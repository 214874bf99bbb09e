package server_test

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mirrordb/server/servertest"
)

// TestCertificates walks SPEC §2.5's certificate set-up between two
// instances: master key, own certificate, BACKUP CERTIFICATE, the peer's
// login, user and certificate FROM FILE, CONNECT on the endpoint; the
// catalog views; and every refusal on the way.
func TestCertificates(t *testing.T) {
	dirA := t.TempDir()
	a := servertest.Start(t, dirA)
	b := servertest.StartWith(t, servertest.Options{SAPassword: "Sa!Passw0rd-B"})
	sa, sb := servertest.Connect(t, a, "master"), servertest.Connect(t, b, "master")

	execFails(t, sa, "CREATE CERTIFICATE host_a WITH SUBJECT = 'HOST_A certificate'", 15581, "55000")
	execFails(t, sa, "CREATE MASTER KEY ENCRYPTION BY PASSWORD = 'weak'", 15118, "28P01")
	execOK(t, sa, "CREATE MASTER KEY ENCRYPTION BY PASSWORD = 'Mk!Passw0rd-A'")
	execFails(t, sa, "CREATE MASTER KEY ENCRYPTION BY PASSWORD = 'Mk!Passw0rd-A'", 15578, "42710")
	execOK(t, sa, "CREATE CERTIFICATE host_a WITH SUBJECT = 'HOST_A certificate', EXPIRY_DATE = '2099-01-01'")
	execFails(t, sa, "CREATE CERTIFICATE HOST_A WITH SUBJECT = 'again'", 15232, "42710")
	if got := queryText(t, sa, `SELECT subject + '|' + pvt_key_encryption_type_desc + '|' + CONVERT(varchar(10), expiry_date, 120)
		+ '|' + CAST(DATALENGTH(thumbprint) AS varchar(5)) FROM sys.certificates WHERE name = 'host_a'`); got != "HOST_A certificate|ENCRYPTED_BY_MASTER_KEY|2099-01-01|20" {
		t.Fatalf("sys.certificates: %q", got)
	}
	if got := queryText(t, sa, "SELECT name FROM sys.symmetric_keys"); got != "##MS_DatabaseMasterKey##" {
		t.Fatalf("sys.symmetric_keys: %q", got)
	}

	// The public part goes to the peer; the private key backup needs a password.
	execOK(t, sa, "BACKUP CERTIFICATE host_a TO FILE = 'host_a.cer' WITH PRIVATE KEY (FILE = 'host_a.pvk', ENCRYPTION BY PASSWORD = 'Pvk!Passw0rd')")
	execFails(t, sa, "BACKUP CERTIFICATE host_a TO FILE = 'host_a.cer'", 15240, "58030")
	cer := filepath.Join(dirA, "backup", "host_a.cer")
	der, err := os.ReadFile(cer)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := x509.ParseCertificate(der); err != nil || c.Subject.CommonName != "HOST_A certificate" {
		t.Fatalf("host_a.cer: %v %v", c, err)
	}
	if pvk, _ := os.ReadFile(filepath.Join(dirA, "backup", "host_a.pvk")); !strings.Contains(string(pvk), "MIRRORDB ENCRYPTED PRIVATE KEY") || strings.Contains(string(pvk), "PRIVATE KEY-----\nMIG") {
		t.Fatalf("host_a.pvk is not sealed:\n%s", pvk)
	}
	if got := queryText(t, sa, "SELECT CASE WHEN pvt_key_last_backup_date IS NULL THEN 'no' ELSE 'yes' END FROM sys.certificates"); got != "yes" {
		t.Fatalf("pvt_key_last_backup_date not set")
	}

	// On B: login, user, the peer's certificate owned by that user.
	execOK(t, sb, "CREATE LOGIN host_a_login WITH PASSWORD = 'HostA!Passw0rd'")
	execOK(t, sb, "CREATE USER host_a_user FOR LOGIN host_a_login")
	execFails(t, sb, "CREATE USER again FOR LOGIN host_a_login", 15063, "42710")
	execFails(t, sb, "CREATE CERTIFICATE x FROM FILE = '/nonexistent.cer'", 15208, "58P01")
	execFails(t, sb, "CREATE CERTIFICATE host_a_cert AUTHORIZATION nobody FROM FILE = '"+cer+"'", 15151, "42704")
	execOK(t, sb, "CREATE CERTIFICATE host_a_cert AUTHORIZATION host_a_user FROM FILE = '"+cer+"'")
	if got, want := queryText(t, sb, "SELECT pvt_key_encryption_type + CONVERT(varchar(60), thumbprint, 2) FROM sys.certificates"),
		"NA"+queryText(t, sa, "SELECT CONVERT(varchar(60), thumbprint, 2) FROM sys.certificates"); got != want {
		t.Fatalf("peer certificate on B: %q, want %q", got, want)
	}
	execFails(t, sb, "DROP USER host_a_user", 15138, "2BP01")

	peer, _ := x509.ParseCertificate(der)
	inB := b.Instance()
	if login, err := inB.CertificateLogin(peer); err != nil || login != "host_a_login" {
		t.Fatalf("CertificateLogin: %q, %v", login, err)
	}
	if err := inB.AuthorizeEndpointLogin("host_a_login"); err == nil {
		t.Fatal("a login without CONNECT was authorized")
	}
	execFails(t, sb, "GRANT CONNECT ON ENDPOINT::Mirroring TO host_a_login", 15151, "42704")
	execOK(t, sb, "CREATE MASTER KEY ENCRYPTION BY PASSWORD = 'Mk!Passw0rd-B'")
	execOK(t, sb, "CREATE CERTIFICATE host_b WITH SUBJECT = 'HOST_B certificate'")
	execFails(t, sb, "CREATE ENDPOINT mirroring STATE = STOPPED AS TCP (LISTENER_PORT = 7022) FOR DATABASE_MIRRORING (AUTHENTICATION = CERTIFICATE nope, ROLE = ALL)", 15151, "42704")
	execOK(t, sb, "CREATE ENDPOINT mirroring STATE = STOPPED AS TCP (LISTENER_PORT = 7022) FOR DATABASE_MIRRORING (AUTHENTICATION = CERTIFICATE host_b, ROLE = ALL)")
	if got, want := queryText(t, sb, "SELECT CAST(certificate_id AS varchar(9)) + connection_auth_desc FROM sys.database_mirroring_endpoints"),
		queryText(t, sb, "SELECT CAST(certificate_id AS varchar(9)) FROM sys.certificates WHERE name = 'host_b'")+"CERTIFICATE"; got != want {
		t.Fatalf("endpoint certificate: %q, want %q", got, want)
	}
	execFails(t, sb, "DROP CERTIFICATE host_b", 3729, "2BP01")
	if own, err := inB.EndpointCertificate("host_b"); err != nil || own.PrivateKey == nil || own.Leaf.Subject.CommonName != "HOST_B certificate" {
		t.Fatalf("EndpointCertificate: %v", err)
	}
	if _, err := inB.EndpointCertificate("host_a_cert"); err == nil {
		t.Fatal("a peer's public certificate served as the endpoint's own")
	}

	execFails(t, sb, "GRANT CONNECT ON ENDPOINT::mirroring TO nobody", 15151, "42704")
	execOK(t, sb, "GRANT CONNECT ON ENDPOINT::mirroring TO host_a_login")
	if err := inB.AuthorizeEndpointLogin("host_a_login"); err != nil {
		t.Fatalf("after GRANT CONNECT: %v", err)
	}
	if got := queryText(t, sb, "SELECT class_desc + ' ' + permission_name + ' ' + state_desc FROM sys.server_permissions"); got != "ENDPOINT CONNECT GRANT" {
		t.Fatalf("sys.server_permissions: %q", got)
	}
	execOK(t, sb, "DENY CONNECT ON ENDPOINT::mirroring TO host_a_login")
	if err := inB.AuthorizeEndpointLogin("host_a_login"); err == nil || !strings.Contains(err.Error(), "denied") {
		t.Fatalf("after DENY: %v", err)
	}
	execOK(t, sb, "REVOKE CONNECT ON ENDPOINT::mirroring FROM host_a_login")
	if err := inB.AuthorizeEndpointLogin("host_a_login"); err == nil || !strings.Contains(err.Error(), "no CONNECT") {
		t.Fatalf("after REVOKE: %v", err)
	}
	execOK(t, sb, "GRANT CONNECT ON ENDPOINT::mirroring TO host_a_login")
	execOK(t, sb, "ALTER LOGIN host_a_login DISABLE")
	if err := inB.AuthorizeEndpointLogin("host_a_login"); err == nil || !strings.Contains(err.Error(), "disabled") {
		t.Fatalf("disabled login: %v", err)
	}
	execOK(t, sb, "DROP ENDPOINT mirroring")
	if got := queryText(t, sb, "SELECT COUNT(*) FROM sys.server_permissions"); got != "0" {
		t.Fatalf("permissions outlived their endpoint: %s", got)
	}
	execOK(t, sb, "DROP CERTIFICATE host_b")

	// A certificate with its private key moves to a third instance only
	// with the password it was backed up with.
	c := servertest.Start(t, "")
	sc := servertest.Connect(t, c, "master")
	pvk := filepath.Join(dirA, "backup", "host_a.pvk")
	restore := "CREATE CERTIFICATE host_a FROM FILE = '" + cer + "' WITH PRIVATE KEY (FILE = '" + pvk + "', DECRYPTION BY PASSWORD = '%s')"
	execFails(t, sc, strings.Replace(restore, "%s", "Pvk!Passw0rd", 1), 15581, "55000")
	execOK(t, sc, "CREATE MASTER KEY ENCRYPTION BY PASSWORD = 'Mk!Passw0rd-C'")
	execFails(t, sc, strings.Replace(restore, "%s", "wrong", 1), 15465, "28P01")
	execOK(t, sc, strings.Replace(restore, "%s", "Pvk!Passw0rd", 1))
	if own, err := c.Instance().EndpointCertificate("host_a"); err != nil || !own.Leaf.Equal(peer) {
		t.Fatalf("imported certificate with its key: %v", err)
	}

	// The master key opens by itself after a restart.
	a.Close()
	a2 := servertest.Start(t, dirA)
	if _, err := a2.Instance().EndpointCertificate("host_a"); err != nil {
		t.Fatalf("after a restart: %v", err)
	}
	sa2 := servertest.Connect(t, a2, "master")
	execFails(t, sa2, "CREATE USER u FOR LOGIN nobody", 15007, "42704")
	execOK(t, sa2, "CREATE DATABASE other")
	sa2o := servertest.Connect(t, a2, "other")
	execFails(t, sa2o, "CREATE CERTIFICATE elsewhere WITH SUBJECT = 'x'", 40517, "0A000")
}
