package endpoint

import (
	"testing"
	"time"

	"mirrordb/parser"
	"mirrordb/sqlerr"
)

func statement(t *testing.T, sql string) parser.Statement {
	t.Helper()
	st, err := parser.ParseStatement(sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return st
}

func TestStatements(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	none := func(string) bool { return false }
	create := statement(t, `CREATE ENDPOINT m STATE = STARTED AS TCP (LISTENER_PORT = 5022)
		FOR DATABASE_MIRRORING (ROLE = PARTNER, ENCRYPTION = SUPPORTED ALGORITHM AES)`).(*parser.CreateEndpoint)
	ep, err := Create(nil, create, "sa", now, none)
	if err != nil {
		t.Fatal(err)
	}
	if ep.Owner != "sa" || ep.Port != 5022 || ep.State != "STARTED" || !ep.CanBePartner() || ep.CanBeWitness() {
		t.Errorf("created %+v", ep)
	}
	if got := ep.AlgorithmDesc(); got != "NONE, AES" {
		t.Errorf("SUPPORTED AES shows as %q", got)
	}
	if got := ep.AuthDesc(); got != "NEGOTIATE" || ep.AuthCode() != 3 {
		t.Errorf("the default authentication is %q (%d)", got, ep.AuthCode())
	}
	if _, err := Create(ep, create, "sa", now, none); !sqlerr.Is(err, 7862) {
		t.Errorf("a second endpoint: %v, want 7862", err)
	}
	same := statement(t, `ALTER ENDPOINT m STATE = STARTED`).(*parser.AlterEndpoint)
	if _, err := Alter(ep, same, now.Add(time.Hour), none); !sqlerr.Is(err, 7863) {
		t.Errorf("an ALTER that changes nothing: %v, want 7863", err)
	}
	stop := statement(t, `ALTER ENDPOINT m STATE = STOPPED`).(*parser.AlterEndpoint)
	next, err := Alter(ep, stop, now.Add(time.Hour), none)
	if err != nil || next.State != "STOPPED" || ep.State != "STARTED" || !next.Modified.Equal(now.Add(time.Hour)) {
		t.Errorf("ALTER ... STOPPED: %+v, %v (the current definition must not change)", next, err)
	}
	cert := statement(t, `ALTER ENDPOINT m FOR DATABASE_MIRRORING (AUTHENTICATION = CERTIFICATE c1)`).(*parser.AlterEndpoint)
	if _, err := Alter(ep, cert, now, none); !sqlerr.Is(err, 15151) {
		t.Errorf("a certificate master does not hold: %v, want 15151", err)
	}
	if err := Drop(ep, statement(t, `DROP ENDPOINT other`).(*parser.DropEndpoint)); !sqlerr.Is(err, 15151) {
		t.Errorf("dropping another name: %v, want 15151", err)
	}
}
