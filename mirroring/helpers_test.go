package mirroring_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/vfs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"mirrordb/internal/testutil"
	"mirrordb/server"
	"mirrordb/server/servertest"
)

// node is one real instance in a mirroring test, on its own loopback
// address, with a data directory that survives restarts.
type node struct {
	t    testing.TB
	name string
	host string
	dir  string
	port int    // its mirroring endpoint port
	fs   vfs.FS // the stores' file system at the next start (nil: the OS's)
	sql  int    // a fixed SQL port, kept across restarts (0: a free one each start)
	http bool   // serve monitoring over HTTP (srv.HTTPAddr)
	// minute is the monitor job's minute (0: a real one).
	minute time.Duration
	// saPassword, when set, is the sa password: clients authenticate.
	saPassword string
	// serviceAccount is the identity declared to peers ("" the default).
	serviceAccount string
	mu             sync.Mutex // guards srv, which writers read while the test restarts the node
	srv            *server.Server
}

// newNodes starts n instances on distinct 127.x.y.z addresses, all with
// the same free endpoint port (as in the seed's setup).
func newNodes(t testing.TB, names ...string) []*node {
	t.Helper()
	return newNodesWith(t, nil, names...)
}

// newNodesWith is newNodes with tweak applied to each node before it
// starts (fixed ports, monitoring...).
func newNodesWith(t testing.TB, tweak func(*node), names ...string) []*node {
	t.Helper()
	hosts := servertest.LoopbackHosts(len(names))
	port := servertest.FreePort(t, hosts...)
	var out []*node
	for i, name := range names {
		n := &node{t: t, name: name, host: hosts[i], dir: t.TempDir(), port: port}
		if tweak != nil {
			tweak(n)
		}
		n.start()
		out = append(out, n)
	}
	return out
}

func (n *node) start() {
	n.t.Helper()
	srv := servertest.StartWith(n.t, servertest.Options{Dir: n.dir, Host: n.host, Name: n.name, StoreFS: n.fs, Port: n.sql, HTTP: n.http,
		MonitorMinute: n.minute, SAPassword: n.saPassword,
		Configure: func(c *server.Config) { c.ServiceAccount = n.serviceAccount }})
	n.mu.Lock()
	n.srv = srv
	n.mu.Unlock()
}

// stop shuts the instance down (its partner sees the connection end).
func (n *node) stop() {
	n.t.Helper()
	if err := n.srv.Close(); err != nil {
		n.t.Fatalf("%s: shutdown: %v", n.name, err)
	}
}

func (n *node) restart() {
	n.t.Helper()
	n.stop()
	n.start()
}

// address is the node's server network address.
func (n *node) address() string { return fmt.Sprintf("TCP://%s:%d", n.host, n.port) }

// backupPath is a path both nodes can read (the "copied" backup file).
func backupPath(t testing.TB, dir, file string) string { return filepath.Join(dir, file) }

// url is the connection string for db on the node as it runs now.
func (n *node) url(db string) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return servertest.URL(n.srv, db)
}

// conn opens a connection to db on the node.
func (n *node) conn(db string) *pgx.Conn {
	n.t.Helper()
	return servertest.Connect(n.t, n.srv, db)
}

// exec runs SQL on a fresh connection to master and fails the test on error.
func (n *node) exec(sql string, args ...any) {
	n.t.Helper()
	if err := n.try(sql, args...); err != nil {
		n.t.Fatalf("%s: %s: %v", n.name, oneLine(sql), err)
	}
}

// try runs SQL on a fresh connection to master and returns its error.
func (n *node) try(sql string, args ...any) error {
	n.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, servertest.URL(n.srv, "master"))
	if err != nil {
		return err
	}
	defer c.Close(context.Background())
	_, err = c.Exec(ctx, sql, args...)
	return err
}

// expectError runs SQL and checks the SQL Server message number.
func (n *node) expectError(number int, sql string) {
	n.t.Helper()
	err := n.try(sql)
	if got := testutil.MsgNumber(err); got != number {
		n.t.Fatalf("%s: %s: want Msg %d, got %v", n.name, oneLine(sql), number, err)
	}
}

// query runs sql in master on n and returns its rows as text (NULL as
// "NULL") and the message numbers of the notices it raised.
func (n *node) query(sql string, args ...any) (rows [][]string, notices []int) {
	n.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg, err := pgx.ParseConfig(servertest.URL(n.srv, "master"))
	if err != nil {
		n.t.Fatal(err)
	}
	cfg.OnNotice = func(_ *pgconn.PgConn, x *pgconn.Notice) {
		notices = append(notices, testutil.MsgNumber((*pgconn.PgError)(x)))
	}
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		n.t.Fatalf("%s: connect: %v", n.name, err)
	}
	defer c.Close(context.Background())
	res, err := c.Query(ctx, sql, args...)
	if err != nil {
		n.t.Fatalf("%s: %s: %v", n.name, oneLine(sql), err)
	}
	defer res.Close()
	for res.Next() {
		vals, err := res.Values()
		if err != nil {
			n.t.Fatalf("%s: %v", n.name, err)
		}
		row := make([]string, len(vals))
		for i, v := range vals {
			row[i] = "NULL"
			if v != nil {
				row[i] = fmt.Sprint(v)
			}
		}
		rows = append(rows, row)
	}
	if err := res.Err(); err != nil {
		n.t.Fatalf("%s: %s: %v", n.name, oneLine(sql), err)
	}
	return rows, notices
}

// row reads one row of strings from master.
func (n *node) row(sql string, args ...any) []string {
	n.t.Helper()
	rows, _ := n.query(sql, args...)
	if len(rows) == 0 {
		n.t.Fatalf("%s: %s: no row", n.name, oneLine(sql))
	}
	return rows[0]
}

// mirroring returns role, state and safety of db in sys.database_mirroring.
func (n *node) mirroring(db string) (role, state, safety string) {
	n.t.Helper()
	r := n.row(`SELECT m.mirroring_role_desc, m.mirroring_state_desc, m.mirroring_safety_level_desc
		FROM sys.database_mirroring m JOIN sys.databases d ON d.database_id = m.database_id WHERE d.name = $1`, db)
	return r[0], r[1], r[2]
}

// waitState waits until db on the node has the role and state.
func (n *node) waitState(db, role, state string) {
	n.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r, s, _ := n.mirroring(db)
		if r == role && s == state {
			return
		}
		if time.Now().After(deadline) {
			n.t.Fatalf("%s: %s is %s/%s, want %s/%s", n.name, db, r, s, role, state)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// endOfLog is mirroring_end_of_log_lsn of db.
func (n *node) endOfLog(db string) string {
	n.t.Helper()
	return n.row(`SELECT m.mirroring_end_of_log_lsn FROM sys.database_mirroring m
		JOIN sys.databases d ON d.database_id = m.database_id WHERE d.name = $1`, db)[0]
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return s
}

// createEndpoint creates the seed's endpoint on the node.
func (n *node) createEndpoint() { n.createEndpointEncrypted("REQUIRED") }

// createEndpointEncrypted creates the seed's endpoint with an ENCRYPTION
// setting (REQUIRED, the default, runs TLS; DISABLED does not).
func (n *node) createEndpointEncrypted(encryption string) {
	n.t.Helper()
	n.exec(fmt.Sprintf(`CREATE ENDPOINT Endpoint_Mirroring STATE=STARTED AS TCP (LISTENER_PORT=%d)
		FOR DATABASE_MIRRORING (ENCRYPTION = %s, ROLE=ALL)`, n.port, encryption))
}

// mirrorPair prepares db on p, restores it on m and starts a session, as
// the seed does; it returns when the session is SYNCHRONIZED.
func mirrorPair(t testing.TB, p, m *node, db string) {
	t.Helper()
	mirrorPairVia(t, p, m, db, p.address(), m.address())
}

// mirrorPairVia is mirrorPair with the addresses each partner is given for
// the other (a proxy's, to put a faulty link between them).
func mirrorPairVia(t testing.TB, p, m *node, db, principalAddr, mirrorAddr string) {
	t.Helper()
	shared := t.TempDir()
	full, logb := backupPath(t, shared, db+".bak"), backupPath(t, shared, db+"_log.bak")
	p.exec(fmt.Sprintf(`BACKUP DATABASE %s TO DISK = '%s' WITH FORMAT`, db, full))
	p.exec(fmt.Sprintf(`BACKUP LOG %s TO DISK = '%s'`, db, logb))
	m.exec(fmt.Sprintf(`RESTORE DATABASE %s FROM DISK = '%s' WITH NORECOVERY`, db, full))
	m.exec(fmt.Sprintf(`RESTORE LOG %s FROM DISK = '%s' WITH FILE=1, NORECOVERY`, db, logb))
	m.exec(fmt.Sprintf(`ALTER DATABASE %s SET PARTNER = '%s'`, db, principalAddr))
	p.exec(fmt.Sprintf(`ALTER DATABASE %s SET PARTNER = '%s'`, db, mirrorAddr))
	p.waitState(db, "PRINCIPAL", "SYNCHRONIZED")
	m.waitState(db, "MIRROR", "SYNCHRONIZED")
}

func sleep() { time.Sleep(20 * time.Millisecond) }

// startWriters runs n writers (testutil.Writers) on db, on whichever of
// nodes is principal.
func startWriters(t testing.TB, db string, n int, nodes ...*node) *testutil.Writers {
	return testutil.StartWriters(t, testutil.WriterOptions{DB: db, Workers: n, Servers: len(nodes),
		URL: func(i int) string { return nodes[i].url(db) }})
}

// checkAcked verifies on n, the principal, that every acknowledged commit
// is in db.dbo.t and that no two principals ever served at once.
func checkAcked(t testing.TB, n *node, db string, acks []testutil.Ack) {
	t.Helper()
	testutil.CheckAcked(t, n.conn(db), acks)
	testutil.CheckOnePrincipal(t, acks)
}

// setupDB creates db with table dbo.t on p, in FULL recovery.
func setupDB(p *node, db string) {
	p.exec(fmt.Sprintf(`CREATE DATABASE %s`, db))
	p.exec(fmt.Sprintf(`CREATE TABLE %s.dbo.t (id int PRIMARY KEY, worker int)`, db))
	p.exec(fmt.Sprintf(`ALTER DATABASE %s SET RECOVERY FULL`, db))
}

// events lists the §6.5 state ids of db's rows of
// sys.dm_db_mirroring_state_changes on n, oldest first, checking that
// each row's previous_state is the state before it.
func (n *node) events(db string) []int {
	n.t.Helper()
	rows, _ := n.query(`SELECT previous_state, state, state_desc FROM sys.dm_db_mirroring_state_changes WHERE database_name = $1`, db)
	var out []int
	for _, r := range rows {
		prev, _ := strconv.Atoi(r[0])
		state, _ := strconv.Atoi(r[1])
		if len(out) > 0 && prev != out[len(out)-1] {
			n.t.Fatalf("%s: state change %d (%s) says the previous state was %d, history %v", n.name, state, r[2], prev, out)
		}
		out = append(out, state)
	}
	return out
}

// waitEvents waits until db's state change history on n ends with want.
func (n *node) waitEvents(db string, want ...int) []int {
	n.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := n.events(db)
		if len(got) >= len(want) && slices.Equal(got[len(got)-len(want):], want) {
			return got
		}
		if time.Now().After(deadline) {
			n.t.Fatalf("%s: state changes of %s are %v, want them to end with %v", n.name, db, got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// rowTexts runs a query on c and returns each row's values as fmt.Sprint
// prints them, failing the test on an error.
func rowTexts(t testing.TB, c *pgx.Conn, sql string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rows, err := c.Query(ctx, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(vals))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}

// insertRows inserts rows rows into table (a name usable from master),
// 500 per statement; row gives the i-th row's parenthesised values.
func (n *node) insertRows(table string, rows int, row func(i int) string) {
	n.t.Helper()
	for i := 0; i < rows; i += 500 {
		var sql strings.Builder
		sql.WriteString("INSERT " + table + " VALUES ")
		for j := i; j < min(i+500, rows); j++ {
			if j > i {
				sql.WriteString(", ")
			}
			sql.WriteString(row(j))
		}
		n.exec(sql.String())
	}
}
