package security

import (
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"mirrordb/sqlerr"
)

func TestEndpointGrants(t *testing.T) {
	now := time.Now().UTC()
	c := NewCatalog(now)
	alice := &Login{Name: "alice", ID: c.NewID(), Type: LoginSQL}
	bob := &Login{Name: "bob", ID: c.NewID(), Type: LoginSQL}
	c.Logins = append(c.Logins, alice, bob)
	if err := c.AuthorizeEndpoint("ALICE", ""); err == nil || !strings.Contains(err.Error(), "no CONNECT") {
		t.Fatalf("a login without CONNECT: %v", err)
	}
	if err := c.AuthorizeEndpoint("sa", ""); err != nil {
		t.Errorf("sa is a sysadmin: %v", err)
	}
	if err := c.AuthorizeEndpoint("bob", "bob"); err != nil {
		t.Errorf("the endpoint's owner: %v", err)
	}
	c.Grants = ApplyGrant(c.Grants, "GRANT", false, "CONNECT", PublicID, SAID)
	if err := c.AuthorizeEndpoint("alice", ""); err != nil {
		t.Errorf("CONNECT granted to public: %v", err)
	}
	c.Grants = ApplyGrant(c.Grants, "DENY", false, "CONNECT", alice.ID, SAID)
	if err := c.AuthorizeEndpoint("alice", ""); err == nil || !strings.Contains(err.Error(), "denied") {
		t.Errorf("DENY beats public's GRANT: %v", err)
	}
	c.Grants = ApplyGrant(c.Grants, "REVOKE", false, "CONNECT", alice.ID, SAID)
	if len(c.Grants) != 1 || c.AuthorizeEndpoint("alice", "") != nil {
		t.Errorf("REVOKE removes the DENY: %+v", c.Grants)
	}
	if err := c.AuthorizeEndpoint("nobody", ""); err == nil {
		t.Error("a login that does not exist was let in")
	}
}

func TestPasswordPolicy(t *testing.T) {
	if e := CheckPasswordPolicy("short1A"); e == nil || e.Number != 15118 {
		t.Errorf("a short password: %v", e)
	}
	if e := CheckPasswordPolicy("alllowercase1"); e == nil {
		t.Error("lower case and digits are only two classes of three")
	}
	if e := CheckPasswordPolicy("lowercase1!"); e != nil {
		t.Errorf("lower case, digits and symbols: %v", e)
	}
	l := &Login{Name: "x"}
	if err := SetPassword(l, "Str0ng!pass", time.Now()); err != nil {
		t.Fatal(err)
	}
	if !VerifierMatches(l.Verifier, "Str0ng!pass") || VerifierMatches(l.Verifier, "other") || VerifierMatches("", "") {
		t.Error("the verifier does not match its password alone")
	}
}

// A certificate's private key survives BACKUP CERTIFICATE's file and
// CREATE CERTIFICATE FROM FILE's reading, and only with its password.
func TestCertificateFiles(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	der, pkcs8, err := GenerateCertificate("test", now, now.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	smk := RandomBytes(keySize)
	mk, err := NewMasterKey(smk, "Str0ng!pass", now)
	if err != nil {
		t.Fatal(err)
	}
	dmk, err := mk.Open(smk)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mk.Open(RandomBytes(keySize)); err == nil {
		t.Error("the master key opened with another service key")
	}
	cert, err := NewCertificate("c1", 256, DboUserID, der, pkcs8, dmk, now)
	if err != nil {
		t.Fatal(err)
	}
	if w := ValidityWarning(cert, now); w != nil {
		t.Errorf("a valid certificate warns %v", w)
	}
	keyFile, err := PrivateKeyFile(cert, dmk, "file pass")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadCertificateFiles(der, keyFile, "wrong"); !sqlerr.Is(err, 15465) {
		t.Errorf("a wrong password: %v, want 15465", err)
	}
	gotDER, gotKey, err := ReadCertificateFiles(der, keyFile, "file pass")
	if err != nil || string(gotDER) != string(der) || string(gotKey) != string(pkcs8) {
		t.Fatalf("reading the files back: %v", err)
	}
	if _, _, err := ReadCertificateFiles([]byte("not a certificate"), nil, ""); !sqlerr.Is(err, 15208) {
		t.Errorf("a file that is not a certificate: %v, want 15208", err)
	}
	if _, err := TLSCertificate(cert, dmk); err != nil {
		t.Errorf("presenting the certificate: %v", err)
	}
	c := NewCatalog(now)
	c.Certificates = append(c.Certificates, cert)
	peer, _ := x509.ParseCertificate(der)
	if login, err := c.CertificateLogin(peer); err != nil || login != "sa" {
		t.Errorf("a certificate owned by dbo maps to %q, %v; want sa", login, err)
	}
}

func TestPrincipals(t *testing.T) {
	now := time.Now().UTC()
	c := NewCatalog(now)
	if err := c.CreateLogin(LoginSpec{Name: "app", Password: "Str0ng!pass", CheckPolicy: true}, now); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateLogin(LoginSpec{Name: "APP", FromWindows: true}, now); !sqlerr.Is(err, 15025) {
		t.Errorf("a second login of the same name: %v, want 15025", err)
	}
	if err := c.CreateLogin(LoginSpec{Name: "peer", Certificate: "nope"}, now); !sqlerr.Is(err, 15151) {
		t.Errorf("a certificate master does not hold: %v, want 15151", err)
	}
	if err := c.CreateUser("app_user", "app", false, now); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateUser("second", "app", false, now); !sqlerr.Is(err, 15063) {
		t.Errorf("a login mapped twice: %v, want 15063", err)
	}
	if err := c.CreateUser("ghost", "", false, now); !sqlerr.Is(err, 15007) {
		t.Errorf("a user whose login does not exist: %v, want 15007", err)
	}
	if err := c.DropLogin("sa", func(string) bool { return false }); !sqlerr.Is(err, 15405) {
		t.Errorf("dropping sa: %v, want 15405", err)
	}
	c.Grants = ApplyGrant(c.Grants, "GRANT", false, "CONNECT", c.Login("app").ID, SAID)
	if err := c.DropLogin("app", func(string) bool { return true }); !sqlerr.Is(err, 15434) {
		t.Errorf("dropping a login in use: %v, want 15434", err)
	}
	if err := c.DropLogin("app", func(string) bool { return false }); err != nil || c.Login("app") != nil || len(c.Grants) != 0 {
		t.Errorf("dropping app: %v; its grants must go with it: %+v", err, c.Grants)
	}
	if err := c.DropUser("dbo"); !sqlerr.Is(err, 15151) {
		t.Errorf("dropping dbo: %v, want 15151", err)
	}
	if err := c.DropUser("app_user"); err != nil || c.User("app_user") != nil {
		t.Errorf("dropping app_user: %v", err)
	}
}
