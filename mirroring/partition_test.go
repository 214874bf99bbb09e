package mirroring_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"mirrordb/internal/netproxy"
	"mirrordb/internal/testutil"
)

// proxiedTrio is a witnessed session for db between principal a and
// mirror b, witness w, where every connection to a, to b and to w passes
// through the proxy in front of it (toA, toB, toW), so the test can cut
// any instance off the network.
type proxiedTrio struct {
	a, b, w       *node
	toA, toB, toW *netproxy.Proxy
}

func newProxiedTrio(t *testing.T, db string) *proxiedTrio {
	t.Helper()
	nodes := newNodes(t, "ALPHA", "BRAVO", "WITNESS")
	return proxiedTrioOf(t, db, nodes[0], nodes[1], nodes[2])
}

// proxiedTrioOf sets the session up on running nodes a, b and w.
func proxiedTrioOf(t *testing.T, db string, a, b, w *node) *proxiedTrio {
	t.Helper()
	x := &proxiedTrio{a: a, b: b, w: w}
	x.a.createEndpoint()
	x.b.createEndpoint()
	x.w.exec(fmt.Sprintf(`CREATE ENDPOINT Endpoint_Mirroring STATE=STARTED AS TCP (LISTENER_PORT=%d) FOR DATABASE_MIRRORING (ROLE=WITNESS)`, x.w.port))
	setupDB(x.a, db)
	x.a.exec(fmt.Sprintf(`CREATE TABLE %s.dbo.blob (id int PRIMARY KEY, data varbinary(max))`, db))
	x.toA, x.toB, x.toW = startProxy(t, x.a), startProxy(t, x.b), startProxy(t, x.w)
	mirrorPairVia(t, x.a, x.b, db, "TCP://"+x.toA.Addr(), "TCP://"+x.toB.Addr())
	x.a.exec(fmt.Sprintf(`ALTER DATABASE %s SET PARTNER TIMEOUT 5`, db))
	x.a.exec(fmt.Sprintf(`ALTER DATABASE %s SET WITNESS = 'TCP://%s'`, db, x.toW.Addr()))
	for _, n := range []*node{x.a, x.b} {
		n.waitWitness(db, "CONNECTED")
	}
	return x
}

// isolateA stalls every link of a, both ways: its peers stop reading what
// it sends (its socket buffers fill and its writes block, as in a real
// partition) and it hears nothing.
func (x *proxiedTrio) isolateA() {
	x.toA.StallFrom(netproxy.AnySource, netproxy.Both)
	x.toB.StallFrom(x.a.host, netproxy.Both)
	x.toW.StallFrom(x.a.host, netproxy.Both)
}

// closedToUsers polls n until a new session to db is refused with Msg 955
// and returns when that happened (zero after limit).
func closedToUsers(n *node, db string, limit time.Duration) time.Time {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		c, err := pgx.Connect(ctx, n.url(db))
		if err == nil {
			_, err = c.Exec(ctx, `SELECT 1`)
			c.Close(context.Background())
		}
		cancel()
		if testutil.MsgNumber(err) == 955 {
			return time.Now()
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Time{}
}

// blobLoad commits 256 KB rows on a from workers connections until stopped;
// it reports when each worker's last statement returned.
type blobLoad struct {
	stop    chan struct{}
	wg      sync.WaitGroup
	commits atomic.Int64
	mu      sync.Mutex
	ended   []time.Time // when each worker's statement in flight returned an error
}

func startBlobLoad(t *testing.T, n *node, db string, workers int) *blobLoad {
	l := &blobLoad{stop: make(chan struct{})}
	payload := randomBytes(256 << 10)
	var next atomic.Int64
	for range workers {
		c := n.conn(db)
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			defer c.Close(context.Background())
			for {
				select {
				case <-l.stop:
					return
				default:
				}
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				_, err := c.Exec(ctx, `INSERT INTO dbo.blob VALUES ($1, $2)`, next.Add(1), payload)
				cancel()
				if err != nil {
					l.mu.Lock()
					l.ended = append(l.ended, time.Now())
					l.mu.Unlock()
					return
				}
				l.commits.Add(1)
			}
		}()
	}
	t.Cleanup(l.finish)
	return l
}

// waitEnded waits until n workers have ended with an error, or for d.
func (l *blobLoad) waitEnded(n int, d time.Duration) {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		l.mu.Lock()
		done := len(l.ended) >= n
		l.mu.Unlock()
		if done {
			return
		}
	}
}

// finish stops the workers and waits for them.
func (l *blobLoad) finish() {
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
	l.wg.Wait()
}

// TestCutPrincipalClosesOnTime (SPEC §8.2 rule 1, T17): a principal with a
// witness whose links all go silent — packets dropped, no reset, while
// it has log in flight — loses its lease within TIMEOUT; it must then
// close the database to users at once (new sessions get 955, the
// sessions waiting on their commits end), and its row of
// sys.database_mirroring must stop claiming a partner and a witness it
// no longer hears. It must not wait for the transport's write timeout.
func TestCutPrincipalClosesOnTime(t *testing.T) {
	const timeout = 5 * time.Second
	// The lease ends a fifth of TIMEOUT before it (4 s after the last
	// answered message, sent before the cut); a tick later the database
	// closes. The margin covers a loaded machine under -race.
	const bound = timeout + time.Second
	check := func(t *testing.T, x *proxiedTrio, cut time.Time, released func() (time.Time, bool)) {
		t.Helper()
		closed := closedToUsers(x.a, "Cut", 30*time.Second)
		if closed.IsZero() {
			t.Fatalf("the isolated principal still lets users in 30 s after the cut")
		}
		t.Logf("closed to users %s after the cut", closed.Sub(cut).Round(time.Millisecond))
		if d := closed.Sub(cut); d > bound {
			t.Errorf("the isolated principal closed the database %s after the cut, want within %s (its lease)", d.Round(time.Millisecond), bound)
		}
		if at, ok := released(); !ok {
			t.Errorf("a session waiting on its commit was not ended")
		} else if d := at.Sub(cut); d > bound {
			t.Errorf("a session waiting on its commit ended %s after the cut, want within %s", d.Round(time.Millisecond), bound)
		}
		r := x.a.row(`SELECT mirroring_role_desc, mirroring_state_desc, mirroring_witness_state_desc FROM sys.database_mirroring WHERE database_id = DB_ID('Cut')`)
		if fmt.Sprint(r) != "[PRINCIPAL DISCONNECTED DISCONNECTED]" {
			t.Errorf("the principal without quorum shows %v, want [PRINCIPAL DISCONNECTED DISCONNECTED]", r)
		}
	}

	t.Run("safety-off-under-load", func(t *testing.T) {
		x := newProxiedTrio(t, "Cut")
		x.a.exec(`ALTER DATABASE Cut SET PARTNER SAFETY OFF`)
		load := startBlobLoad(t, x.a, "Cut", 4)
		for load.commits.Load() < 40 {
			time.Sleep(10 * time.Millisecond)
		}
		cut := time.Now()
		x.isolateA()
		check(t, x, cut, func() (time.Time, bool) {
			// Every worker's session is ended when the database closes: wait
			// (bounded) for all four to see it before stopping the rest, or
			// one between an acknowledged commit and its next statement
			// would be stopped before it could.
			load.waitEnded(4, 10*time.Second)
			load.finish()
			load.mu.Lock()
			defer load.mu.Unlock()
			last := time.Time{}
			for _, e := range load.ended {
				if e.After(last) {
					last = e
				}
			}
			return last, len(load.ended) == 4
		})
		t.Logf("%d commits acknowledged", load.commits.Load())
	})

	t.Run("safety-full-large-transaction", func(t *testing.T) {
		x := newProxiedTrio(t, "Cut")
		c := x.a.conn("Cut")
		payload := randomBytes(1 << 20)
		ctx := context.Background()
		if _, err := c.Exec(ctx, `BEGIN TRAN`); err != nil {
			t.Fatal(err)
		}
		for i := range 16 {
			if _, err := c.Exec(ctx, `INSERT INTO dbo.blob VALUES ($1, $2)`, i, payload); err != nil {
				t.Fatal(err)
			}
		}
		before := x.a.endOfLog("Cut")
		committed := make(chan error, 1)
		var at time.Time
		go func() {
			_, err := c.Exec(ctx, `COMMIT`)
			at = time.Now()
			committed <- err
		}()
		// Cut once the commit is durable here: its log is on its way to
		// the mirror and the commit waits for the mirror's hardening.
		for x.a.endOfLog("Cut") == before {
			time.Sleep(2 * time.Millisecond)
		}
		cut := time.Now()
		x.isolateA()
		check(t, x, cut, func() (time.Time, bool) {
			select {
			case err := <-committed:
				if err == nil {
					t.Errorf("the large commit was acknowledged although the mirror never hardened it")
				}
				return at, !errors.Is(err, context.DeadlineExceeded)
			case <-time.After(30 * time.Second):
				return time.Time{}, false
			}
		})
	})
}

// instanceID is the node's InstanceID as its endpoint declares it.
func (n *node) instanceID() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.srv.Instance().InstanceID().String()
}

// TestWitnessReconnectsPastHalfOpenConnection (fault campaign finding 2):
// the witness has the smaller InstanceID, so the connection it dialed to
// the mirror when SET WITNESS registered the session is the one both keep.
// Then that path fails silently and stays dead (the mirror gives up on
// the connection after TIMEOUT, but the witness never hears of it: a
// half-open connection, as after a real partition until TCP finds out).
// The mirror's new connection must be kept at once, so that the mirror
// sees the witness CONNECTED again within a round, and stays so — before,
// the witness preferred its dead connection and replaced every new one.
func TestWitnessReconnectsPastHalfOpenConnection(t *testing.T) {
	nodes := newNodes(t, "NODE1", "NODE2", "NODE3")
	slices.SortFunc(nodes, func(x, y *node) int { return strings.Compare(x.instanceID(), y.instanceID()) })
	x := proxiedTrioOf(t, "Half", nodes[1], nodes[2], nodes[0]) // the witness first in tie-break order
	for _, c := range x.b.connections() {
		if c.server == x.w.name && !c.accepted {
			t.Fatalf("the mirror dialed its connection to the witness: the witness's registration connection was not kept")
		}
	}
	// The mirror's own dial to the witness was replaced by that one; the
	// witness must answer on the connection kept, or the mirror hears no
	// pong and loses the witness after a lease's length (4 s).
	x.stayConnected(x.b, "Half", 5*time.Second)

	cut := time.Now()
	x.toB.Sever(x.w.host)
	x.b.waitWitness("Half", "DISCONNECTED")
	lost := time.Now()
	deadline := lost.Add(10 * time.Second)
	for x.witnessState(x.b, "Half") != "CONNECTED" {
		if time.Now().After(deadline) {
			t.Fatalf("the mirror saw the witness DISCONNECTED for 10 s after dropping its dead connection")
		}
		time.Sleep(20 * time.Millisecond)
	}
	back := time.Now()
	t.Logf("witness lost by the mirror %s after the cut, back %s later", lost.Sub(cut).Round(time.Millisecond), back.Sub(lost).Round(time.Millisecond))
	x.stayConnected(x.b, "Half", 2*time.Second)
}

// stayConnected checks that n sees the witness CONNECTED all along for d.
func (x *proxiedTrio) stayConnected(n *node, db string, d time.Duration) {
	n.t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if st := x.witnessState(n, db); st != "CONNECTED" {
			n.t.Fatalf("%s: the witness went %s", n.name, st)
		}
	}
}

func (x *proxiedTrio) witnessState(n *node, db string) string {
	return n.row(`SELECT mirroring_witness_state_desc FROM sys.database_mirroring WHERE database_id = DB_ID($1)`, db)[0]
}

type connection struct {
	server   string
	accepted bool
}

// connections lists the node's logged-in mirroring connections.
func (n *node) connections() []connection {
	rows, _ := n.query(`SELECT remote_server_name, is_accept FROM sys.dm_db_mirroring_connections WHERE state_desc = 'LOGGED_IN'`)
	var out []connection
	for _, r := range rows {
		out = append(out, connection{server: r[0], accepted: r[1] == "true"})
	}
	return out
}
