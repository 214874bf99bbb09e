package security

import (
	"testing"
	"time"

	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// fakeSession and fakeInstance stand for the engine: the statements need
// nothing else of it.
type fakeSession struct {
	login    string
	sysadmin bool
}

func (f fakeSession) OptionValue(opt *parser.BackupOption) (types.Value, error) {
	if lit, ok := opt.Value.(*parser.Literal); ok {
		return lit.Value, nil // the text of a string or number
	}
	return nil, sqlerr.New(40517, "a non-literal option")
}
func (f fakeSession) At(_ parser.Pos, err error) error { return err }
func (f fakeSession) Login() string                    { return f.login }
func (f fakeSession) IsSysadmin() bool                 { return f.sysadmin }
func (f fakeSession) InMaster() bool                   { return true }

type fakeInstance struct {
	c        *Catalog
	endpoint string
}

func (f fakeInstance) Security() *Catalog                { return f.c }
func (f fakeInstance) Now() time.Time                    { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
func (f fakeInstance) LoginInUse(string) bool            { return false }
func (f fakeInstance) Endpoint() (string, string)        { return f.endpoint, "" }
func (f fakeInstance) ServiceMasterKey() ([]byte, error) { return make([]byte, 32), nil }
func (f fakeInstance) Path(file string) string           { return file }

// run binds sql for s and applies it to in's catalog.
func run(t *testing.T, sql string, s Session, in fakeInstance) error {
	t.Helper()
	st, err := parser.ParseStatement(sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	change, err := Bind(st, s, in)
	if err != nil {
		return err
	}
	_, err = change(in.c)
	return err
}

func TestLoginStatements(t *testing.T) {
	in := fakeInstance{c: NewCatalog(time.Now()), endpoint: "mirroring"}
	admin := fakeSession{login: "sa", sysadmin: true}
	if err := run(t, `CREATE LOGIN alice WITH PASSWORD = 'weak'`, admin, in); !sqlerr.Is(err, 15118) {
		t.Errorf("a password against the policy: %v, want 15118", err)
	}
	if err := run(t, `CREATE LOGIN alice WITH PASSWORD = 'weak', CHECK_POLICY = OFF`, admin, in); err != nil {
		t.Fatalf("CHECK_POLICY = OFF: %v", err)
	}
	if l := in.c.Login("alice"); l == nil || l.CheckPolicy {
		t.Fatalf("alice is %+v", l)
	}
	if err := run(t, `CREATE LOGIN bob WITH PASSWORD = 'x', FROBNICATE = ON`, admin, in); !sqlerr.Is(err, 155) {
		t.Errorf("an unknown option: %v, want 155", err)
	}
	alice := fakeSession{login: "alice"}
	if err := run(t, `ALTER LOGIN sa DISABLE`, alice, in); !sqlerr.Is(err, 15151) {
		t.Errorf("a non-sysadmin disabling sa: %v, want 15151", err)
	}
	if err := run(t, `ALTER LOGIN alice WITH PASSWORD = 'other' OLD_PASSWORD = 'wrong'`, alice, in); !sqlerr.Is(err, 15151) {
		t.Errorf("changing one's password with the wrong old one: %v, want 15151", err)
	}
	if err := run(t, `ALTER LOGIN alice WITH PASSWORD = 'other' OLD_PASSWORD = 'weak'`, alice, in); err != nil {
		t.Errorf("changing one's own password: %v", err)
	}
	if !VerifierMatches(in.c.Login("alice").Verifier, "other") {
		t.Error("the new password does not verify")
	}
	if err := run(t, `GRANT CONNECT ON ENDPOINT::other TO alice`, admin, in); !sqlerr.Is(err, 15151) {
		t.Errorf("GRANT on an endpoint that does not exist: %v, want 15151", err)
	}
	if err := run(t, `GRANT CONNECT ON ENDPOINT::Mirroring TO alice`, admin, in); err != nil || len(in.c.Grants) != 1 {
		t.Errorf("GRANT CONNECT: %v, grants %+v", err, in.c.Grants)
	}
	if err := run(t, `GRANT SELECT ON ENDPOINT::mirroring TO alice`, admin, in); !sqlerr.Is(err, 40517) {
		t.Errorf("a permission an endpoint does not have: %v, want 40517", err)
	}
}

func TestServerRoles(t *testing.T) {
	now := time.Now()
	c := NewCatalog(now)
	if err := c.CreateLogin(LoginSpec{Name: "carol", Password: "Str0ng!pass", CheckPolicy: true}, now); err != nil {
		t.Fatal(err)
	}
	if err := c.SetServerRole("carol", "dbcreator", true, now); !sqlerr.Is(err, 15151) {
		t.Errorf("a role other than sysadmin: %v, want 15151", err)
	}
	if err := c.SetServerRole("nobody", "sysadmin", true, now); !sqlerr.Is(err, 15007) {
		t.Errorf("a login that does not exist: %v, want 15007", err)
	}
	if err := c.SetServerRole("sa", "SYSADMIN", false, now); !sqlerr.Is(err, 15405) {
		t.Errorf("dropping sa from sysadmin: %v, want 15405", err)
	}
	if err := c.SetServerRole("CAROL", "sysadmin", true, now); err != nil || !c.Login("carol").Sysadmin {
		t.Errorf("carol made a sysadmin: %v, %+v", err, c.Login("carol"))
	}
}
