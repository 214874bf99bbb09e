package mirroring_test

import (
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"mirrordb/internal/netproxy"
)

// proxiedPair mirrors db between two instances that reach each other only
// through proxies, so the test can fail the link.
func proxiedPair(t *testing.T, db string) (a, b *node, toA, toB *netproxy.Proxy) {
	t.Helper()
	nodes := newNodes(t, "NORTH", "SOUTH")
	a, b = nodes[0], nodes[1]
	a.createEndpoint()
	b.createEndpoint()
	setupDB(a, db)
	toA = startProxy(t, a)
	toB = startProxy(t, b)
	mirrorPairVia(t, a, b, db, "TCP://"+toA.Addr(), "TCP://"+toB.Addr())
	return a, b, toA, toB
}

// startProxy forwards a port on the node's own address to its endpoint.
func startProxy(t *testing.T, n *node) *netproxy.Proxy {
	t.Helper()
	p, err := netproxy.Start(net.JoinHostPort(n.host, "0"), net.JoinHostPort(n.host, strconv.Itoa(n.port)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// TestSilentLinkDetectedAfterTimeout (SPEC D2): when the link goes silent
// nothing happens at once; after TIMEOUT each partner declares the other
// lost, the principal's waiting commit is acknowledged (running exposed,
// no witness), and the session recovers when the link heals.
func TestSilentLinkDetectedAfterTimeout(t *testing.T) {
	a, b, toA, toB := proxiedPair(t, "Ping")
	a.exec(`ALTER DATABASE Ping SET PARTNER TIMEOUT 5`)
	insertRange(a, "Ping", 1, 5)

	toA.Silence()
	toB.Silence()
	committed := make(chan error, 1)
	go func() { committed <- a.try(`INSERT INTO Ping.dbo.t (id, worker) VALUES (6, 0)`) }()
	time.Sleep(time.Second) // well inside the 5 s timeout
	if _, state, _ := a.mirroring("Ping"); state == "DISCONNECTED" {
		t.Fatalf("a silent link was declared lost before TIMEOUT")
	}
	select {
	case err := <-committed:
		t.Fatalf("a SAFETY FULL commit was acknowledged while the mirror was silent (err %v)", err)
	default:
	}
	a.waitState("Ping", "PRINCIPAL", "DISCONNECTED")
	b.waitState("Ping", "MIRROR", "DISCONNECTED")
	if err := <-committed; err != nil {
		t.Fatalf("the waiting commit failed: %v", err)
	}

	toA.Heal()
	toB.Heal()
	a.waitState("Ping", "PRINCIPAL", "SYNCHRONIZED")
	b.waitState("Ping", "MIRROR", "SYNCHRONIZED")
	waitSameEnd(t, a, b, "Ping")
}

// TestResetLinkDetectedAtOnce: a hard error (connection reset) acts at once
// and the partners reconnect by themselves.
func TestResetLinkDetectedAtOnce(t *testing.T) {
	a, b, toA, toB := proxiedPair(t, "Reset")
	for i := range 5 {
		toA.Reset()
		toB.Reset()
		insertRange(a, "Reset", i*10+1, i*10+10)
	}
	a.waitState("Reset", "PRINCIPAL", "SYNCHRONIZED")
	b.waitState("Reset", "MIRROR", "SYNCHRONIZED")
	waitSameEnd(t, a, b, "Reset")
	a.exec(`ALTER DATABASE Reset SET PARTNER FAILOVER`)
	b.waitState("Reset", "PRINCIPAL", "SYNCHRONIZED")
	if got := b.row(`SELECT COUNT(*) FROM Reset.dbo.t`)[0]; got != fmt.Sprint(50) {
		t.Fatalf("after resets: %s rows, want 50", got)
	}
}
