package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"mirrordb/internal/netproxy"
)

// TestExchange sends messages both ways at once from several goroutines
// per side and checks that each sender's messages arrive in order.
func TestExchange(t *testing.T) {
	a := newNode(t, "127.0.0.1", idA, "A")
	b := newNode(t, "127.0.0.2", idB, "B")
	pa := a.dial(b)
	pb := b.up()
	if pa.Info().ConnectionID != pb.Info().ConnectionID {
		t.Fatalf("connection ids differ: %s %s", pa.Info().ConnectionID, pb.Info().ConnectionID)
	}
	const senders, per = 4, 500
	var wg sync.WaitGroup
	for _, side := range []struct {
		name string
		p    *Peer
	}{{"a", pa}, {"b", pb}} {
		for s := range senders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range per {
					if err := side.p.Send('m', fmt.Appendf(nil, "%s%d:%d", side.name, s, i)); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	for _, n := range []*node{a, b} {
		next := map[string]int{}
		for range senders * per {
			m := n.recv()
			sender, seq, _ := strings.Cut(m.payload, ":")
			i, _ := strconv.Atoi(seq)
			if m.kind != 'm' || i != next[sender] {
				t.Fatalf("%s: got %q (kind %q), want %s:%d", n.name, m.payload, m.kind, sender, next[sender])
			}
			next[sender]++
		}
	}
	ia, ib := pa.Info(), pb.Info()
	if ia.IsAccept || !ib.IsAccept || ia.State != StateLoggedIn || ib.State != StateLoggedIn {
		t.Errorf("directions/states: %+v %+v", ia, ib)
	}
	if ia.Remote.InstanceID != idB || ia.Remote.ServerName != "B" || ia.Remote.ServiceAccount != "svc_B" ||
		ia.Remote.Address != b.addr() || ib.Remote.InstanceID != idA || ib.Role != RoleAll {
		t.Errorf("remote identities: %+v / %+v", ia.Remote, ib.Remote)
	}
	if !ia.Encrypted || ia.Algorithm != AlgorithmAES || ib.AuthenticationMethod != AuthWindows {
		t.Errorf("negotiation: %+v", ia)
	}
	if ia.MessagesSent != senders*per || ia.MessagesReceived != senders*per || ia.BytesSent == 0 || ia.BytesReceived == 0 {
		t.Errorf("counters: %+v", ia)
	}
	if ia.LoginTime.Before(ia.ConnectTime) || ia.LastActivity.Before(ia.LoginTime) {
		t.Errorf("times: %+v", ia)
	}
	mustContain(t, "log", a.logs.String(), "mirroring connection established", "peer=B", "direction=dial")
	mustContain(t, "log", b.logs.String(), "direction=accept", "peer=A")
}

// TestDialReuse: dialing again, concurrently, or from the other side
// returns the one connection.
func TestDialReuse(t *testing.T) {
	a := newNode(t, "127.0.0.1", idA, "A")
	b := newNode(t, "127.0.0.2", idB, "B")
	var wg sync.WaitGroup
	got := make([]*Peer, 10)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Same address, different spelling of the scheme.
			got[i], _ = a.e.Dial(context.Background(), strings.Replace(b.addr(), "TCP", "tcp", 1))
		}()
	}
	wg.Wait()
	for _, p := range got {
		if p == nil || p != got[0] {
			t.Fatalf("concurrent dials returned different connections: %v", got)
		}
	}
	if again := a.dial(b); again != got[0] {
		t.Fatal("a second dial made a new connection")
	}
	// B dialing A's declared address finds the accepted connection.
	pb := b.dial(a)
	if !pb.Info().IsAccept || pb.Info().ConnectionID != got[0].Info().ConnectionID {
		t.Fatalf("reverse dial: %+v", pb.Info())
	}
	if n, m := len(a.e.Peers()), len(b.e.Peers()); n != 1 || m != 1 {
		t.Fatalf("peers: %d and %d", n, m)
	}
	if err := pb.Send('x', []byte("hi")); err != nil {
		t.Fatal(err)
	}
	if m := a.recv(); m.payload != "hi" || m.from != got[0] {
		t.Fatalf("got %+v", m)
	}
}

// TestSimultaneousDial: both instances dial each other at once, many
// times. Each time both converge on one connection, which both Dials
// returned; whenever two came up, the one kept is the one dialed by the
// smaller InstanceID (A), on both sides. Messages then flow both ways.
func TestSimultaneousDial(t *testing.T) {
	duplicates := 0
	defer func() { t.Logf("%d duplicate connections replaced", duplicates) }()
	for round := range 15 {
		a := newNode(t, "127.0.0.1", idA, "A")
		b := newNode(t, "127.0.0.2", idB, "B")
		var wg sync.WaitGroup
		start := make(chan struct{})
		var ea, eb error
		var da, db *Peer
		wg.Add(2)
		go func() { defer wg.Done(); <-start; da, ea = a.e.Dial(context.Background(), b.addr()) }()
		go func() { defer wg.Done(); <-start; db, eb = b.e.Dial(context.Background(), a.addr()) }()
		close(start)
		wg.Wait()
		if ea != nil || eb != nil {
			t.Fatalf("round %d: %v / %v", round, ea, eb)
		}
		eventually(t, "one connection on each side", func() bool {
			la, lb := live(a.e), live(b.e)
			return len(la) == 1 && len(lb) == 1 && len(a.e.Peers()) == 1 && len(b.e.Peers()) == 1 &&
				la[0].ConnectionID == lb[0].ConnectionID && la[0].IsAccept != lb[0].IsAccept
		})
		kept := live(a.e)[0]
		// Each Dial returned the kept connection, not a duplicate about to
		// be replaced (the welcome tells a dialer when to wait for it).
		if da.Info().ConnectionID != kept.ConnectionID || db.Info().ConnectionID != kept.ConnectionID {
			t.Fatalf("round %d: Dial returned a replaced duplicate", round)
		}
		// Every connection that went down was a duplicate dialed by B.
		for _, n := range []*node{a, b} {
			for len(n.downs) > 0 {
				d := <-n.downs
				duplicates++
				if !errors.Is(d.err, ErrReplaced) {
					t.Fatalf("round %d: %s: duplicate went down with %v", round, n.name, d.err)
				}
				if dialedByA := d.p.Info().IsAccept == (n == b); dialedByA {
					t.Fatalf("round %d: %s closed the connection A dialed", round, n.name)
				}
				if kept.IsAccept {
					t.Fatalf("round %d: a duplicate was replaced but the kept connection was dialed by B", round)
				}
			}
		}
		// Dialing now yields the kept connection, on both sides.
		pa, pb := a.dial(b), b.dial(a)
		if pa.Info().ConnectionID != kept.ConnectionID || pb.Info().ConnectionID != kept.ConnectionID {
			t.Fatalf("round %d: dial does not return the kept connection", round)
		}
		if err := pa.Send('p', []byte("ping")); err != nil {
			t.Fatal(err)
		}
		if err := pb.Send('q', []byte("pong")); err != nil {
			t.Fatal(err)
		}
		if m := b.recv(); m.payload != "ping" || m.from != pb {
			t.Fatalf("round %d: B got %+v", round, m)
		}
		if m := a.recv(); m.payload != "pong" || m.from != pa {
			t.Fatalf("round %d: A got %+v", round, m)
		}
		a.close()
		b.close()
	}
}

// TestDuplicateTieBreak makes the two-connection case deterministic by
// dialing a second address of the same endpoint (localhost for
// 127.0.0.1), from each side in turn.
func TestDuplicateTieBreak(t *testing.T) {
	alias := func(n *node) string {
		return strings.Replace(n.addr(), "127.0.0.1", "localhost", 1)
	}
	t.Run("larger id dials second", func(t *testing.T) {
		a := newNode(t, "127.0.0.1", idA, "A")
		b := newNode(t, "127.0.0.2", idB, "B")
		kept := a.dial(b)
		a.up()
		b.up()
		// B dials A under another name: the handshake shows it is A, and
		// A's own connection is kept on both sides.
		pb, err := b.e.Dial(context.Background(), alias(a))
		if err != nil {
			t.Fatal(err)
		}
		if pb.Info().ConnectionID != kept.Info().ConnectionID {
			t.Fatalf("B's Dial returned %+v, want the connection A dialed", pb.Info())
		}
		for _, n := range []*node{a, b} {
			up := n.up() // the duplicate came up ...
			if d := n.down(); d.p != up || !errors.Is(d.err, ErrReplaced) {
				t.Fatalf("%s: duplicate down: %v", n.name, d.err) // ... and went
			}
		}
		if len(a.e.Peers()) != 1 || len(b.e.Peers()) != 1 {
			t.Fatalf("peers: %v / %v", a.e.Peers(), b.e.Peers())
		}
		// The alias now maps to the kept connection.
		if again, _ := b.e.Dial(context.Background(), alias(a)); again != pb {
			t.Fatal("dial by alias made another connection")
		}
	})
	t.Run("smaller id dials second", func(t *testing.T) {
		a := newNode(t, "127.0.0.2", idA, "A")
		b := newNode(t, "127.0.0.1", idB, "B")
		old := b.dial(a)
		a.up()
		b.up()
		pa, err := a.e.Dial(context.Background(), alias(b))
		if err != nil {
			t.Fatal(err)
		}
		if pa.Info().IsAccept {
			t.Fatal("A's Dial did not return its own connection")
		}
		for _, n := range []*node{a, b} {
			if d := n.down(); !errors.Is(d.err, ErrReplaced) || d.p.Info().ConnectionID != old.Info().ConnectionID {
				t.Fatalf("%s: old connection down: %v", n.name, d.err)
			}
		}
		if err := old.Send('x', nil); !errors.Is(err, ErrReplaced) {
			t.Fatalf("send on replaced connection: %v", err)
		}
		pb := b.dial(a)
		if pb.Info().ConnectionID != pa.Info().ConnectionID {
			t.Fatal("B does not use the kept connection")
		}
		if err := pb.Send('x', []byte("after")); err != nil {
			t.Fatal(err)
		}
		if m := a.recv(); m.payload != "after" || m.from != pa {
			t.Fatalf("got %+v", m)
		}
	})
}

// TestReconnectPastHalfOpenConnection (fault campaign finding 2): A, the
// smaller InstanceID, dialed B, so both kept A's connection. Then the path
// failed silently and B gave up on the connection (as a session does
// after TIMEOUT), but its goodbye never reached A, which still holds it.
// B dials again, and again whenever its new connection is replaced, as a
// session does: the first new connection must be kept, at once — not
// replaced by A's dead one (dialed by the smaller InstanceID) every time
// until A's own TCP retransmissions find out.
func TestReconnectPastHalfOpenConnection(t *testing.T) {
	a := newNode(t, "127.0.0.1", idA, "A")
	b := newNode(t, "127.0.0.2", idB, "B")
	toB, err := netproxy.Start("127.0.0.2:0", b.e.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer toB.Close()
	corpse, err := a.e.Dial(context.Background(), "TCP://"+toB.Addr())
	if err != nil {
		t.Fatal(err)
	}
	a.up()
	gaveUp := b.up()
	toB.Sever(netproxy.AnySource)
	gaveUp.Close()
	b.down()

	rounds := 0
	var kept *Peer
	var aDowns []downEvent
	for deadline := time.Now().Add(3 * time.Second); kept == nil && time.Now().Before(deadline); {
		p := b.dial(a)
		rounds++
		b.up()
		select {
		case d := <-b.downs:
			if d.p != p || !errors.Is(d.err, ErrReplaced) {
				t.Fatalf("B's new connection went down: %v", d.err)
			}
		case <-time.After(time.Second):
			kept = p
		}
		for len(a.ups) > 0 {
			<-a.ups
		}
		for len(a.downs) > 0 {
			aDowns = append(aDowns, <-a.downs)
		}
	}
	t.Logf("B dialed %d times", rounds)
	if kept == nil || rounds != 1 {
		t.Fatalf("B dialed %d times and kept %v: A kept preferring the connection B had closed", rounds, kept != nil)
	}
	if len(aDowns) != 1 || aDowns[0].p != corpse || !errors.Is(aDowns[0].err, ErrReplaced) {
		t.Fatalf("A's connections down: %v, want only the dead one, replaced", aDowns)
	}
	if la := live(a.e); len(la) != 1 || la[0].ConnectionID != kept.Info().ConnectionID {
		t.Fatalf("A's live connections %+v, want B's new one", la)
	}
	if err := kept.Send('x', []byte("hello")); err != nil {
		t.Fatal(err)
	}
	for {
		if m := a.recv(); m.payload == "hello" {
			break
		}
	}
}

// TestRejections: each refused handshake gives the dialer a DialError
// that says why, and the acceptor logs it.
func TestRejections(t *testing.T) {
	cases := []struct {
		name         string
		dialer, acc  func(*Config)
		dialerHook   func(*Endpoint)
		reason       []string
		rejectedByUs bool
	}{
		{
			name:       "version",
			dialerHook: func(e *Endpoint) { e.version = [2]uint16{2, 0} },
			reason:     []string{"unsupported mirroring protocol version 2.0", fmt.Sprintf("speaks %d.%d", protoMajor, protoMinor)},
		},
		{
			name:   "disabled dials required",
			dialer: func(c *Config) { c.Encryption = EncryptionDisabled },
			reason: []string{"encryption mismatch", "accepting endpoint has ENCRYPTION = REQUIRED", "connecting endpoint has ENCRYPTION = DISABLED"},
		},
		{
			name:   "required dials disabled",
			acc:    func(c *Config) { c.Encryption = EncryptionDisabled },
			reason: []string{"encryption mismatch", "accepting endpoint has ENCRYPTION = DISABLED"},
		},
		{
			name:   "no common algorithm",
			dialer: func(c *Config) { c.Algorithms = []string{"rc4"} },
			acc:    func(c *Config) { c.Encryption = EncryptionSupported },
			reason: []string{"no common encryption algorithm", "accepting endpoint allows AES", "connecting endpoint allows RC4"},
		},
		{
			name: "authorize",
			acc: func(c *Config) {
				c.Authorize = func(pi PeerInfo) error {
					if pi.Remote.ServiceAccount == "svc_A" && pi.IsAccept && pi.Encrypted {
						return fmt.Errorf("login %s has no CONNECT permission on the endpoint", pi.Remote.ServiceAccount)
					}
					return nil
				}
			},
			reason: []string{"not authorized: login svc_A has no CONNECT permission"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := newNode(t, "127.0.0.1", idA, "A", opt(tc.dialer))
			b := newNode(t, "127.0.0.2", idB, "B", opt(tc.acc))
			if tc.dialerHook != nil {
				tc.dialerHook(a.e)
			}
			_, err := a.e.Dial(context.Background(), b.addr())
			var de *DialError
			if !errors.As(err, &de) || !de.Rejected || de.Address != b.addr() {
				t.Fatalf("want a rejection DialError, got %#v", err)
			}
			mustContain(t, "reason", de.Reason, tc.reason...)
			mustContain(t, "error", err.Error(), "cannot connect to "+b.addr())
			eventually(t, "acceptor log", func() bool { return strings.Contains(b.logs.String(), tc.reason[0]) })
			mustContain(t, "acceptor log", b.logs.String(), "mirroring connection refused")
			eventually(t, "no connections left", func() bool { return len(a.e.Peers())+len(b.e.Peers()) == 0 })
		})
	}
}

func opt(f func(*Config)) func(*Config) {
	if f == nil {
		return func(*Config) {}
	}
	return f
}

// TestNegotiatedOutcome: accepted combinations record what was agreed.
func TestNegotiatedOutcome(t *testing.T) {
	a := newNode(t, "127.0.0.1", idA, "A", func(c *Config) {
		c.Encryption = EncryptionSupported
		c.Algorithms = []string{"RC4", "AES"}
	})
	b := newNode(t, "127.0.0.2", idB, "B", func(c *Config) { c.Algorithms = []string{"AES", "RC4"} })
	c := newNode(t, "127.0.0.3", idC, "C", func(c *Config) { c.Encryption = EncryptionDisabled })
	if pi := a.dial(b).Info(); !pi.Encrypted || pi.Algorithm != AlgorithmAES {
		t.Errorf("SUPPORTED(RC4,AES) → REQUIRED(AES,RC4): %v %s, want the acceptor's AES", pi.Encrypted, pi.Algorithm)
	}
	if pi := a.dial(c).Info(); pi.Encrypted || pi.Algorithm != AlgorithmNone {
		t.Errorf("SUPPORTED → DISABLED: %v %s", pi.Encrypted, pi.Algorithm)
	}
	if pi := c.up().Info(); pi.Encrypted || pi.Algorithm != AlgorithmNone {
		t.Errorf("acceptor side: %v %s", pi.Encrypted, pi.Algorithm)
	}
}

func TestDialErrors(t *testing.T) {
	a := newNode(t, "127.0.0.1", idA, "A", func(c *Config) { c.HandshakeTimeout = 300 * time.Millisecond })
	check := func(address string, subs ...string) {
		t.Helper()
		_, err := a.e.Dial(context.Background(), address)
		var de *DialError
		if !errors.As(err, &de) || de.Rejected {
			t.Fatalf("dial %s: %#v", address, err)
		}
		mustContain(t, "reason", de.Reason, subs...)
	}
	check("http://127.0.0.1:1", "does not start with TCP://")
	check("TCP://127.0.0.1:1", "cannot reach 127.0.0.1:1", "refused")
	_, err := a.e.Dial(context.Background(), a.addr())
	if de := (*DialError)(nil); !errors.As(err, &de) || !strings.Contains(de.Reason, "own InstanceID") {
		t.Fatalf("dial to itself: %v", err)
	}

	// A listener that accepts and never answers.
	silent := "TCP://" + listenSilent(t).Addr().String()
	start := time.Now()
	check(silent, "no answer to the handshake within 300ms")
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("handshake timeout took %v", d)
	}

	// A caller's context bounds its wait, not the attempt.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = a.e.Dial(ctx, silent)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("dial with expiring context: %v", err)
	}
	// Close ends the attempt still waiting on the silent listener.
	a.close()
	_, err = a.e.Dial(context.Background(), silent)
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("dial after close: %v", err)
	}
}

func TestListenErrors(t *testing.T) {
	a := newNode(t, "127.0.0.1", idA, "A")
	_, err := Listen(a.e.Addr().String(), Config{Identity: Identity{InstanceID: idB}, Role: RolePartner})
	if !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("port in use: %v", err)
	}
	for _, cfg := range []Config{
		{Role: RolePartner},
		{Identity: Identity{InstanceID: idB}, Role: "MIRROR"},
		{Identity: Identity{InstanceID: idB}, Role: RolePartner, Encryption: "OPTIONAL"},
		{Identity: Identity{InstanceID: idB}, Role: RolePartner, Algorithms: []string{"DES"}},
		{Identity: Identity{InstanceID: idB}, Role: RolePartner, Algorithms: []string{"AES", "aes"}},
		{Identity: Identity{InstanceID: idB, Address: "host:1"}, Role: RolePartner},
	} {
		if e, err := Listen("127.0.0.1:0", cfg); err == nil {
			e.Close()
			t.Errorf("config %+v accepted", cfg)
		}
	}
}

// TestPeerKilled: a connection that dies without goodbye is reported at
// once on both sides.
func TestPeerKilled(t *testing.T) {
	a := newNode(t, "127.0.0.1", idA, "A")
	b := newNode(t, "127.0.0.2", idB, "B")
	pa := a.dial(b)
	b.up()
	start := time.Now()
	pa.cc.Conn.Close() // the socket dies under the transport
	for _, n := range []*node{b, a} {
		d := n.down()
		if errors.Is(d.err, ErrPeerClosed) || errors.Is(d.err, ErrClosed) || errors.Is(d.err, ErrReplaced) {
			t.Errorf("%s: a killed connection reported as %v", n.name, d.err)
		}
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("PeerDown took %v", d)
	}
	mustContain(t, "B's reason", b.logs.String(), "without goodbye")
	if err := pa.Send('x', nil); err == nil {
		t.Error("send on a dead connection succeeded")
	}
	<-pa.Done()
	// A new Dial makes a new connection.
	if p := a.dial(b); p == pa {
		t.Fatal("dial returned the dead connection")
	}
}

// TestClose: closing one side says goodbye (ErrPeerClosed on the other
// side); closing an endpoint with live connections and traffic in flight
// ends every goroutine.
func TestClose(t *testing.T) {
	defer goleak.VerifyNone(t)
	a := newNode(t, "127.0.0.1", idA, "A")
	b := newNode(t, "127.0.0.2", idB, "B")
	c := newNode(t, "127.0.0.3", idC, "C")

	pab := a.dial(b)
	b.up()
	if err := pab.Close(); err != nil {
		t.Fatal(err)
	}
	if d := a.down(); !errors.Is(d.err, ErrClosed) {
		t.Fatalf("closing side: %v", d.err)
	}
	if d := b.down(); !errors.Is(d.err, ErrPeerClosed) {
		t.Fatalf("other side: %v", d.err)
	}
	<-pab.Done()
	if err := pab.Send('x', nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("send after close: %v", err)
	}

	// Live connections with traffic, then Close of every endpoint.
	var wg sync.WaitGroup
	for _, pair := range [][2]*node{{a, b}, {b, c}, {c, a}} {
		p := pair[0].dial(pair[1])
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p.Send('f', make([]byte, 1000)) == nil {
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	a.close()
	b.close()
	c.close()
	wg.Wait()
	for _, n := range []*node{a, b, c} {
		if len(n.e.Peers()) != 0 {
			t.Errorf("%s still lists %v", n.name, n.e.Peers())
		}
	}
}

func TestSendLimits(t *testing.T) {
	a := newNode(t, "127.0.0.1", idA, "A")
	b := newNode(t, "127.0.0.2", idB, "B", func(c *Config) { c.MaxMessage = 1000 })
	p := a.dial(b)
	if err := p.Send('H', nil); err == nil {
		t.Error("reserved kind accepted")
	}
	if err := p.Send('x', make([]byte, 1001)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized message: %v", err)
	}
	if err := p.Send('x', make([]byte, 1000)); err != nil {
		t.Error(err)
	}
	if m := b.recv(); len(m.payload) != 1000 {
		t.Errorf("got %d bytes", len(m.payload))
	}
}

// stuckPeer starts endpoint B (a send queue of 4, writes timing out
// after writeTimeout) and returns its connection from a raw peer that
// never reads.
func stuckPeer(t *testing.T, writeTimeout time.Duration) (*node, *Peer) {
	t.Helper()
	b := newNode(t, "127.0.0.2", idB, "B", func(c *Config) {
		c.WriteTimeout = writeTimeout
		c.SendQueue = 4
	})
	rawHandshake(t, b, idA)
	return b, b.up()
}

// TestWriteTimeout: a peer that stops reading cannot block Send forever.
func TestWriteTimeout(t *testing.T) {
	b, p := stuckPeer(t, 200*time.Millisecond)
	start := time.Now()
	big := make([]byte, 256<<10)
	var err error
	for err == nil && time.Since(start) < 20*time.Second {
		err = p.Send('x', big)
	}
	if err == nil {
		t.Fatal("Send never failed")
	}
	if d := b.down(); !strings.Contains(d.err.Error(), "has not read for 200ms") {
		t.Fatalf("down: %v", d.err)
	}
}

// TestPostNeverWaits: with Send's queue full towards a peer that stopped
// reading, Post still queues at once (behind the bulk messages, in
// order), SendContext gives up when its context ends, and a Post that
// finds even the reserve full ends the connection (ErrBacklog).
func TestPostNeverWaits(t *testing.T) {
	b, p := stuckPeer(t, 30*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var err error
	for err == nil {
		err = p.SendContext(ctx, 'x', make([]byte, 256<<10))
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("SendContext on a full queue: %v, want the context's error", err)
	}
	start := time.Now()
	for i := range postReserve {
		if err := p.Post('y', []byte("ping")); err != nil {
			t.Fatalf("Post %d: %v", i, err)
		}
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("%d Posts took %v", postReserve, d)
	}
	if err := p.Post('y', []byte("one too many")); !errors.Is(err, ErrBacklog) {
		t.Fatalf("Post beyond the reserve: %v, want ErrBacklog", err)
	}
	if d := b.down(); !errors.Is(d.err, ErrBacklog) {
		t.Fatalf("down: %v", d.err)
	}
}

// TestCloseStuckPeer: Close does not wait for a peer that stopped reading
// longer than the goodbye's grace period.
func TestCloseStuckPeer(t *testing.T) {
	b, p := stuckPeer(t, 30*time.Second)
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		for p.Send('x', make([]byte, 256<<10)) == nil {
		}
	}()
	// Wait until the socket is full: nothing more goes out.
	for last := int64(-1); ; {
		time.Sleep(100 * time.Millisecond)
		n := p.Info().MessagesSent
		if n == last {
			break
		}
		last = n
	}
	start := time.Now()
	b.close()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v", d)
	}
	<-sent
	if d := b.down(); !errors.Is(d.err, ErrClosed) {
		t.Errorf("down: %v", d.err)
	}
}

// TestDialLeavesFromTheEndpointIP: an endpoint on a specific loopback IP
// dials from that IP, so a peer (or a fault-test proxy) can tell
// instances on one machine apart by source address.
func TestDialLeavesFromTheEndpointIP(t *testing.T) {
	a := newNode(t, "127.0.0.3", idA, "A")
	ln, err := net.Listen("tcp", "127.0.0.4:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	from := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		from <- c.RemoteAddr().(*net.TCPAddr).IP.String()
		c.Close()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _ = a.e.Dial(ctx, "TCP://"+ln.Addr().String()) // the handshake fails; the source is what counts
	select {
	case ip := <-from:
		if ip != "127.0.0.3" {
			t.Fatalf("dialed from %s, want the endpoint's 127.0.0.3", ip)
		}
	case <-ctx.Done():
		t.Fatal("no connection arrived")
	}
}

// TestPingRoundTrip: both sides of a connection measure round trips with
// pings the other echoes, report them, and show the last in PeerInfo; a
// peer of protocol minor 0 is never pinged, and a pong it did not ask for
// is ignored.
func TestPingRoundTrip(t *testing.T) {
	rtts := make(chan time.Duration, 100)
	ping := func(c *Config) {
		c.Encryption = EncryptionSupported // the minor-0 peer below cannot encrypt
		c.PingInterval = 10 * time.Millisecond
		c.RoundTrip = func(_ *Peer, rtt time.Duration) {
			select {
			case rtts <- rtt:
			default:
			}
		}
	}
	a := newNode(t, "127.0.0.1", idA, "A", ping)
	b := newNode(t, "127.0.0.2", idB, "B", opt(func(c *Config) { c.PingInterval = 10 * time.Millisecond }))
	pa := a.dial(b)
	pb := b.up()
	for range 5 {
		select {
		case rtt := <-rtts:
			if rtt <= 0 || rtt > 5*time.Second {
				t.Fatalf("round trip %v", rtt)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no round trip measured")
		}
	}
	eventually(t, "both sides show a round trip", func() bool {
		return pa.Info().RoundTrip > 0 && pb.Info().RoundTrip > 0
	})
	if pa.Info().MessagesSent != 0 || pb.Info().MessagesReceived != 0 {
		t.Errorf("pings counted as messages: %+v", pa.Info())
	}

	// A minor-0 peer: no ping arrives, and a stray pong changes nothing.
	minor0 := testHello("raw-minor0")
	minor0.minor, minor0.encryption = 0, EncryptionDisabled
	r := rawHandshakeWith(t, a, minor0)
	r.write(kindPong, make([]byte, 8))
	r.write('m', []byte("after the pong"))
	if m := a.recv(); m.payload != "after the pong" {
		t.Fatalf("got %q", m.payload)
	}
	_ = r.c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if kind, _, err := r.fr.Next(); err == nil {
		t.Fatalf("a minor-0 peer was sent frame %q", kind)
	}
}
