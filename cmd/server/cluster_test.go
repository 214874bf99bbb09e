package main

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"mirrordb/internal/netproxy"
	"mirrordb/internal/testutil"
	"mirrordb/server/servertest"
)

// instance is one server process of a fault test: a data directory, a
// loopback address and an endpoint port that survive restarts, and a
// proxy in front of the endpoint through which its peers reach it (so
// the test can cut links by source address).
type instance struct {
	t     testing.TB
	name  string
	host  string
	dir   string
	port  int // the endpoint's port (the proxy forwards to it)
	proxy *netproxy.Proxy
	log   *testutil.SyncBuffer

	mu   sync.Mutex // guards proc, which writers read while the test restarts the process
	proc *serverProcess
}

func newInstance(t testing.TB, name, host string) *instance {
	t.Helper()
	n := &instance{t: t, name: name, host: host, dir: t.TempDir(), port: servertest.FreePort(t, host),
		log: &testutil.SyncBuffer{}}
	p, err := netproxy.Start(net.JoinHostPort(host, "0"), net.JoinHostPort(host, strconv.Itoa(n.port)))
	if err != nil {
		t.Fatal(err)
	}
	n.proxy = p
	t.Cleanup(func() { p.Close() })
	t.Cleanup(func() {
		if t.Failed() {
			var lines []string // without the clients' comings and goings
			for _, l := range strings.Split(strings.TrimSpace(n.log.String()), "\n") {
				if !strings.Contains(l, `msg="wire: connection`) {
					lines = append(lines, l)
				}
			}
			t.Logf("last lines of %s's log:\n%s", n.name, strings.Join(lines[max(0, len(lines)-150):], "\n"))
		}
	})
	n.start()
	return n
}

// start runs the server process (again).
func (n *instance) start() {
	n.t.Helper()
	p := startServerWith(n.t, serverOptions{dir: n.dir, listen: net.JoinHostPort(n.host, "0"), name: n.name, log: n.log})
	n.mu.Lock()
	n.proc = p
	n.mu.Unlock()
}

func (n *instance) process() *serverProcess {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.proc
}

// kill is kill -9.
func (n *instance) kill() { n.process().kill() }

// signal sends sig (SIGSTOP, SIGCONT) to the process.
func (n *instance) signal(sig syscall.Signal) {
	n.t.Helper()
	if err := n.process().cmd.Process.Signal(sig); err != nil {
		n.t.Fatalf("%s: %v: %v", n.name, sig, err)
	}
}

// address is the server network address peers are given: its proxy's.
func (n *instance) address() string { return "TCP://" + n.proxy.Addr() }

func (n *instance) url(db string) string {
	return "postgres://fault@" + n.process().addr + "/" + db + "?sslmode=disable&connect_timeout=5"
}

// try runs sql on a fresh connection to master, giving up after 10 s.
func (n *instance) try(sql string) error { return n.tryFor(sql, 10*time.Second) }

// tryFor runs sql on a fresh connection to master, giving up after limit.
func (n *instance) tryFor(sql string, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	c, err := pgx.Connect(ctx, n.url("master"))
	if err != nil {
		return err
	}
	defer c.Close(context.Background())
	_, err = c.Exec(ctx, sql)
	return err
}

// connect opens a connection to db. A new principal opens its database
// once it has quorum, a few milliseconds after it reports its role: until
// then (Msg 955) it tries again, as long as ctx lasts.
func (n *instance) connect(ctx context.Context, db string) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, n.url(db))
	for testutil.MsgNumber(err) == 955 && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
		conn, err = pgx.Connect(ctx, n.url(db))
	}
	return conn, err
}

func (n *instance) exec(sql string) {
	n.t.Helper()
	if err := n.try(sql); err != nil {
		n.t.Fatalf("%s: %s: %v", n.name, sql, err)
	}
}

// status reads db's mirroring row, giving up after a second (the
// process may be paused or gone).
func (n *instance) status(db string) (mirroring, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return mirroringStatus(ctx, n.url("master"), db)
}

// cluster is a principal, a mirror and a witness in three processes,
// mirroring db (table dbo.t) with SAFETY FULL and a witness.
type cluster struct {
	t       testing.TB
	db      string
	a, b, w *instance
	probes  atomic.Int64 // keys used by serving's probe commits
}

// newCluster starts the three instances and sets the session up as the
// seed document does, with every peer address a proxy's and TIMEOUT
// timeout (0 keeps the default).
func newCluster(t testing.TB, db string, timeout int) *cluster {
	t.Helper()
	hosts := servertest.LoopbackHosts(3)
	c := &cluster{t: t, db: db, a: newInstance(t, "ALPHA", hosts[0]), b: newInstance(t, "BRAVO", hosts[1]),
		w: newInstance(t, "WITNESS", hosts[2])}
	for _, n := range []*instance{c.a, c.b, c.w} {
		role := "ALL"
		if n == c.w {
			role = "WITNESS"
		}
		n.exec(fmt.Sprintf(`CREATE ENDPOINT Endpoint_Mirroring STATE=STARTED AS TCP (LISTENER_PORT=%d)
			FOR DATABASE_MIRRORING (ROLE=%s)`, n.port, role))
	}
	c.a.exec(fmt.Sprintf(`CREATE DATABASE %s`, db))
	c.a.exec(fmt.Sprintf(`CREATE TABLE %s.dbo.t (id bigint PRIMARY KEY, worker int)`, db))
	c.a.exec(fmt.Sprintf(`ALTER DATABASE %s SET RECOVERY FULL`, db))
	shared := t.TempDir()
	full, logb := shared+"/"+db+".bak", shared+"/"+db+"_log.bak"
	c.a.exec(fmt.Sprintf(`BACKUP DATABASE %s TO DISK = '%s' WITH FORMAT`, db, full))
	c.a.exec(fmt.Sprintf(`BACKUP LOG %s TO DISK = '%s'`, db, logb))
	c.b.exec(fmt.Sprintf(`RESTORE DATABASE %s FROM DISK = '%s' WITH NORECOVERY`, db, full))
	c.b.exec(fmt.Sprintf(`RESTORE LOG %s FROM DISK = '%s' WITH NORECOVERY`, db, logb))
	c.b.exec(fmt.Sprintf(`ALTER DATABASE %s SET PARTNER = '%s'`, db, c.a.address()))
	c.a.exec(fmt.Sprintf(`ALTER DATABASE %s SET PARTNER = '%s'`, db, c.b.address()))
	if timeout > 0 {
		c.a.exec(fmt.Sprintf(`ALTER DATABASE %s SET PARTNER TIMEOUT %d`, db, timeout))
	}
	// SET WITNESS right after SET PARTNER waits for the mirror to catch up.
	c.a.exec(fmt.Sprintf(`ALTER DATABASE %s SET WITNESS = '%s'`, db, c.w.address()))
	c.steady()
	return c
}

// partners are the two partners, in the writers' server order.
func (c *cluster) partners() []*instance { return []*instance{c.a, c.b} }

// writers starts writers on whichever partner is principal; a batch
// gives up after 3 s so that writers leave a paused server.
func (c *cluster) writers(workers int) *testutil.Writers {
	return testutil.StartWriters(c.t, testutil.WriterOptions{DB: c.db, Workers: workers, Servers: 2,
		Timeout: 3 * time.Second, URL: func(i int) string { return c.partners()[i].url(c.db) }})
}

// server is n's index among the writers' servers.
func (c *cluster) server(n *instance) int {
	if n == c.a {
		return 0
	}
	return 1
}

// steady waits (up to a minute) for a principal and a mirror, both
// SYNCHRONIZED with the witness CONNECTED, and returns them.
func (c *cluster) steady() (p, m *instance) {
	c.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		sa, ea := c.a.status(c.db)
		sb, eb := c.b.status(c.db)
		if ea == nil && eb == nil && sa.state == "SYNCHRONIZED" && sb.state == "SYNCHRONIZED" &&
			sa.witness == "CONNECTED" && sb.witness == "CONNECTED" && sa.seq == sb.seq {
			switch {
			case sa.role == "PRINCIPAL" && sb.role == "MIRROR":
				return c.a, c.b
			case sb.role == "PRINCIPAL" && sa.role == "MIRROR":
				return c.b, c.a
			}
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("no steady session within a minute: %s %+v (%v), %s %+v (%v)", c.a.name, sa, ea, c.b.name, sb, eb)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitRole waits (up to limit) until n reports role and returns how long
// that took.
func (c *cluster) waitRole(n *instance, role string, limit time.Duration) time.Duration {
	c.t.Helper()
	start := time.Now()
	for {
		s, err := n.status(c.db)
		if err == nil && s.role == role {
			return time.Since(start)
		}
		if time.Since(start) > limit {
			c.t.Fatalf("%s did not become %s within %s: %+v (%v)", n.name, role, limit, s, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cut silences the link between x and y, both ways, whoever dialed.
func cut(x, y *instance) {
	x.proxy.SilenceFrom(y.host, netproxy.Both)
	y.proxy.SilenceFrom(x.host, netproxy.Both)
}

// cutOneWay drops what from sends to to, whoever dialed; the other
// direction still flows.
func cutOneWay(from, to *instance) {
	to.proxy.SilenceFrom(from.host, netproxy.ToTarget)
	from.proxy.SilenceFrom(to.host, netproxy.FromTarget)
}

// heal clears every link fault.
func (c *cluster) heal() {
	for _, n := range []*instance{c.a, c.b, c.w} {
		n.proxy.Heal()
	}
}

// firstAck waits (up to limit) for a commit acknowledged by n after t.
func (c *cluster) firstAck(w *testutil.Writers, n *instance, t time.Time, limit time.Duration) time.Time {
	c.t.Helper()
	for {
		for _, a := range w.Since(t) {
			if a.Server == c.server(n) {
				return a.At
			}
		}
		if time.Since(t) > limit {
			c.t.Fatalf("%s acknowledged no commit within %s", n.name, limit)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// serving polls n with a commit every 10 ms (each given a second) and
// returns how long after start the first one was acknowledged: when n
// served writes, apart from how soon the writers' own retries found it.
func (c *cluster) serving(n *instance, start time.Time, limit time.Duration) time.Duration {
	c.t.Helper()
	for {
		key := -c.probes.Add(1) // negative: the writers' keys are positive
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, n.url(c.db))
		if err == nil {
			_, err = conn.Exec(ctx, fmt.Sprintf(`INSERT INTO dbo.t (id, worker) VALUES (%d, -1)`, key))
			conn.Close(context.Background())
		}
		cancel()
		if err == nil {
			return time.Since(start)
		}
		if time.Since(start) > limit {
			c.t.Fatalf("%s served no write within %s: %v", n.name, limit, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// finish stops the writers and checks, on the principal, every
// acknowledged commit and that no two principals served at once; then
// fails over by hand and checks the other partner has them all too.
func (c *cluster) finish(w *testutil.Writers) {
	c.t.Helper()
	acks := w.Finish()
	p, m := c.steady()
	testutil.CheckOnePrincipal(c.t, acks)
	check := func(n *instance) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := n.connect(ctx, c.db)
		if err != nil {
			c.t.Fatalf("%s: %v", n.name, err)
		}
		defer conn.Close(context.Background())
		testutil.CheckAcked(c.t, conn, acks)
	}
	check(p)
	p.exec(fmt.Sprintf(`ALTER DATABASE %s SET PARTNER FAILOVER`, c.db))
	c.waitRole(m, "PRINCIPAL", 30*time.Second)
	check(m)
	c.t.Logf("%d commits acknowledged, %d batches failed (in doubt) during the faults", len(acks), w.Fails())
}
