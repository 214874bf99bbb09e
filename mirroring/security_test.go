package mirroring_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"mirrordb/internal/netproxy"
	"mirrordb/internal/testutil"
)

// The seed's step 2 with certificates (SPEC §2.5): every instance gets a
// master key, its own certificate and a certificate endpoint, and trusts
// each peer through a login, a user owning the peer's certificate, and
// CONNECT on its endpoint.

const testSAPassword = "Sa!Passw0rd-mirror"

// securedNodes starts instances whose sa has a password (clients
// authenticate; the test helpers log in as sa).
func securedNodes(t *testing.T, names ...string) []*node {
	t.Helper()
	return newNodesWith(t, func(n *node) { n.saPassword = testSAPassword }, names...)
}

// certificateEndpoint gives n a master key, a certificate named
// <name>_cert backed up to shared, and an endpoint authenticating with it.
func (n *node) certificateEndpoint(shared, role, encryption string) {
	n.t.Helper()
	n.exec(`CREATE MASTER KEY ENCRYPTION BY PASSWORD = 'Mk!Passw0rd-1'`)
	n.exec(fmt.Sprintf(`CREATE CERTIFICATE %s_cert WITH SUBJECT = '%s certificate'`, n.name, n.name))
	n.exec(fmt.Sprintf(`BACKUP CERTIFICATE %s_cert TO FILE = '%s/%s_cert.cer'`, n.name, shared, n.name))
	n.exec(fmt.Sprintf(`CREATE ENDPOINT Endpoint_Mirroring STATE = STARTED AS TCP (LISTENER_PORT = %d)
		FOR DATABASE_MIRRORING (AUTHENTICATION = CERTIFICATE %s_cert, ENCRYPTION = %s ALGORITHM AES, ROLE = %s)`,
		n.port, n.name, encryption, role))
}

// trustPeer lets peer's certificate in: login, user, certificate from the
// file peer backed up, CONNECT on the endpoint.
func (n *node) trustPeer(peer *node, shared string) {
	n.t.Helper()
	n.exec(fmt.Sprintf(`CREATE LOGIN %s_login WITH PASSWORD = 'Peer!Passw0rd-1'`, peer.name))
	n.exec(fmt.Sprintf(`CREATE USER %s_user FOR LOGIN %s_login`, peer.name, peer.name))
	n.exec(fmt.Sprintf(`CREATE CERTIFICATE %s_cert AUTHORIZATION %s_user FROM FILE = '%s/%s_cert.cer'`, peer.name, peer.name, shared, peer.name))
	n.exec(fmt.Sprintf(`GRANT CONNECT ON ENDPOINT::Endpoint_Mirroring TO [%s_login]`, peer.name))
}

// TestCertificateEndpoints: partners and a witness authenticated by
// certificates mirror over TLS (the proxied stream holds no row data);
// an instance with an unknown certificate, an expired one, a revoked
// CONNECT, or ENCRYPTION = DISABLED is refused (1418 on its SET PARTNER,
// with the reason) while the session keeps running; revoking a connected
// witness's CONNECT cuts it off until CONNECT is granted again.
func TestCertificateEndpoints(t *testing.T) {
	nodes := securedNodes(t, "ALPHA", "BRAVO", "WIT", "EVE")
	a, b, w, eve := nodes[0], nodes[1], nodes[2], nodes[3]
	shared := t.TempDir()
	a.certificateEndpoint(shared, "ALL", "REQUIRED")
	b.certificateEndpoint(shared, "ALL", "REQUIRED")
	w.certificateEndpoint(shared, "WITNESS", "REQUIRED")
	for _, n := range []*node{a, b, w} {
		for _, peer := range []*node{a, b, w} {
			if peer != n {
				n.trustPeer(peer, shared)
			}
		}
	}

	// A and B reach each other through recording proxies. The database's
	// name is long enough that TLS's random bytes never hold it by chance
	// (a three-letter name did, about once in a thousand runs).
	const db = "SecuredMirrorDb"
	setupDB(a, db)
	toA, toB := startProxy(t, a), startProxy(t, b)
	toA.Record()
	toB.Record()
	mirrorPairVia(t, a, b, db, "TCP://"+toA.Addr(), "TCP://"+toB.Addr())
	a.exec(fmt.Sprintf(`ALTER DATABASE %s SET WITNESS = '%s'`, db, w.address()))
	a.waitWitness(db, "CONNECTED")
	b.waitWitness(db, "CONNECTED")
	const secret = "row-data-nobody-may-read"
	c := a.conn(db)
	for i := range 20 {
		if _, err := c.Exec(t.Context(), fmt.Sprintf(`INSERT INTO dbo.t VALUES (%d, 0)`, i+100)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Exec(t.Context(), `CREATE TABLE dbo.s (v varchar(100)); INSERT INTO dbo.s VALUES ('`+secret+`')`); err != nil {
		t.Fatal(err)
	}
	waitRows(t, a, `SELECT mirroring_state_desc FROM sys.database_mirroring WHERE database_id = DB_ID('`+db+`')`, "SYNCHRONIZED")
	captured := append(toA.Captured(netproxy.Both), toB.Captured(netproxy.Both)...)
	if len(captured) < 1000 || bytes.Contains(captured, []byte(secret)) || bytes.Contains(captured, []byte(db)) {
		t.Fatalf("captured endpoint stream (%d bytes) shows the data or is too short to hold it", len(captured))
	}
	for _, r := range rowsOf(a, `SELECT authentication_method, encryption_algorithm_desc, principal_name FROM sys.dm_db_mirroring_connections`) {
		if r[0] != "CERTIFICATE" || r[1] != "AES" || !strings.HasSuffix(r[2], "_login") {
			t.Fatalf("ALPHA's connection %v, want CERTIFICATE, AES, a peer login", r)
		}
	}

	// EVE tries to mirror a database of her own with ALPHA.
	setupDB(eve, "Evil")
	tryEve := func(want string) {
		t.Helper()
		err := eve.try(fmt.Sprintf(`ALTER DATABASE Evil SET PARTNER = '%s'`, a.address()))
		if testutil.MsgNumber(err) != 1418 || !strings.Contains(err.Error()+detailOf(err), want) {
			t.Fatalf("EVE's SET PARTNER: %v (%s), want 1418 saying %q", err, detailOf(err), want)
		}
	}
	eve.certificateEndpoint(shared, "ALL", "REQUIRED")
	tryEve("no certificate in master") // EVE does not know ALPHA's certificate either
	eve.trustPeer(a, shared)
	tryEve("endpoint refused the connection: the certificate presented by EVE") // ALPHA refuses it

	// ALPHA trusts EVE's certificate, but not its CONNECT.
	a.trustPeer(eve, shared)
	a.exec(`REVOKE CONNECT ON ENDPOINT::Endpoint_Mirroring FROM EVE_login`)
	tryEve("no CONNECT permission")

	// An expired certificate, even a trusted one.
	eve.exec(`CREATE CERTIFICATE EVE_old WITH SUBJECT = 'EVE old', START_DATE = '2020-01-01', EXPIRY_DATE = '2021-01-01'`)
	eve.exec(fmt.Sprintf(`BACKUP CERTIFICATE EVE_old TO FILE = '%s/EVE_old.cer'`, shared))
	a.exec(fmt.Sprintf(`CREATE CERTIFICATE EVE_old AUTHORIZATION EVE_user FROM FILE = '%s/EVE_old.cer'`, shared))
	a.exec(`GRANT CONNECT ON ENDPOINT::Endpoint_Mirroring TO EVE_login`)
	eve.exec(`ALTER ENDPOINT Endpoint_Mirroring FOR DATABASE_MIRRORING (AUTHENTICATION = CERTIFICATE EVE_old)`)
	tryEve("expired")

	// Plain text against ENCRYPTION = REQUIRED.
	eve.exec(`ALTER ENDPOINT Endpoint_Mirroring FOR DATABASE_MIRRORING (AUTHENTICATION = CERTIFICATE EVE_cert, ENCRYPTION = DISABLED)`)
	tryEve("encryption")

	// Through all of it the session ran on.
	if _, err := c.Exec(t.Context(), `INSERT INTO dbo.t VALUES (1, 1)`); err != nil {
		t.Fatalf("principal after the intruders: %v", err)
	}
	if role, state, _ := a.mirroring(db); role != "PRINCIPAL" || state != "SYNCHRONIZED" {
		t.Fatalf("ALPHA: %s %s", role, state)
	}

	// Revoking the witness's CONNECT on ALPHA cuts it off from ALPHA (the
	// session keeps its mirror); granting it again lets it back.
	a.exec(`REVOKE CONNECT ON ENDPOINT::Endpoint_Mirroring FROM WIT_login`)
	a.waitWitness(db, "DISCONNECTED")
	if _, err := c.Exec(t.Context(), `INSERT INTO dbo.t VALUES (2, 1)`); err != nil {
		t.Fatalf("principal without its witness: %v", err)
	}
	time.Sleep(300 * time.Millisecond) // the witness retries meanwhile, and is refused
	if got := a.row(`SELECT mirroring_witness_state_desc FROM sys.database_mirroring WHERE database_id = DB_ID('` + db + `')`)[0]; got != "DISCONNECTED" {
		t.Fatalf("revoked witness is %s", got)
	}
	a.exec(`GRANT CONNECT ON ENDPOINT::Endpoint_Mirroring TO WIT_login`)
	a.waitWitness(db, "CONNECTED")
}

// rowsOf runs sql in master on n and returns its rows.
func rowsOf(n *node, sql string) [][]string {
	rows, _ := n.query(sql)
	return rows
}

// detailOf is a server error's DETAIL ("" for other errors).
func detailOf(err error) string { return testutil.Detail(err) }

// TestWindowsAuthenticationServiceAccounts (SPEC D7): instances under one
// service account need nothing more; under different ones each needs a
// login for the other's account (FROM WINDOWS) with CONNECT on its
// endpoint, and the refusal says so.
func TestWindowsAuthenticationServiceAccounts(t *testing.T) {
	accounts := map[string]string{"ONE": `CORP\svc_one`, "TWO": `CORP\svc_two`}
	nodes := newNodesWith(t, func(n *node) { n.serviceAccount = accounts[n.name] }, "ONE", "TWO")
	a, b := nodes[0], nodes[1]
	a.createEndpoint()
	b.createEndpoint()
	setupDB(a, "Win")
	shared := t.TempDir()
	a.exec(fmt.Sprintf(`BACKUP DATABASE Win TO DISK = '%s/win.bak' WITH FORMAT`, shared))
	b.exec(fmt.Sprintf(`RESTORE DATABASE Win FROM DISK = '%s/win.bak' WITH NORECOVERY`, shared))
	b.exec(fmt.Sprintf(`ALTER DATABASE Win SET PARTNER = '%s'`, a.address()))
	err := a.try(fmt.Sprintf(`ALTER DATABASE Win SET PARTNER = '%s'`, b.address()))
	if testutil.MsgNumber(err) != 1418 || !strings.Contains(detailOf(err)+err.Error(), `login 'CORP\svc_`) {
		t.Fatalf("different service accounts without logins: %v (%s)", err, detailOf(err))
	}
	for _, n := range []*node{a, b} {
		other := accounts["ONE"]
		if n == a {
			other = accounts["TWO"]
		}
		n.exec(fmt.Sprintf(`CREATE LOGIN [%s] FROM WINDOWS`, other))
		n.exec(fmt.Sprintf(`GRANT CONNECT ON ENDPOINT::Endpoint_Mirroring TO [%s]`, other))
	}
	a.exec(fmt.Sprintf(`ALTER DATABASE Win SET PARTNER = '%s'`, b.address()))
	a.waitState("Win", "PRINCIPAL", "SYNCHRONIZED")
	for _, r := range rowsOf(a, `SELECT authentication_method, principal_name FROM sys.dm_db_mirroring_connections`) {
		if r[0] != "WINDOWS" || r[1] != accounts["TWO"] {
			t.Fatalf("ONE's connection %v", r)
		}
	}
	if got := a.row(`SELECT type_desc FROM sys.server_principals WHERE name = $1`, accounts["TWO"])[0]; got != "WINDOWS_LOGIN" {
		t.Fatalf("login type %s", got)
	}
}
