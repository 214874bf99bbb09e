package transport

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// listenSilent accepts connections and never says anything.
func listenSilent(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln
}

// TestHostileInput: garbage, oversized, truncated and unknown frames
// close the offending connection (logged, PeerDown for handshaken ones)
// and leave the others working.
func TestHostileInput(t *testing.T) {
	a := newNode(t, "127.0.0.1", idA, "A")
	b := newNode(t, "127.0.0.2", idB, "B", func(c *Config) { c.MaxMessage = 4096 })
	good := a.dial(b)
	b.up()

	huge := make([]byte, 5)
	huge[0] = 'x'
	binary.BigEndian.PutUint32(huge[1:], 1<<30)
	badCRC := frameBytes('x', []byte("payload"))
	badCRC[len(badCRC)-1] ^= 1

	before := []struct {
		name  string
		bytes []byte
	}{
		{"http request", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")},
		{"postgres startup", []byte{0, 0, 0, 8, 4, 210, 22, 47}},
		{"huge first frame", huge},
		{"data before hello", frameBytes('x', []byte("hi"))},
		{"hello without magic", frameBytes(kindHello, []byte("HELLO THERE, ENDPOINT"))},
		{"bad checksum", badCRC},
	}
	for _, tc := range before {
		r := rawDial(t, b)
		if _, err := r.c.Write(tc.bytes); err != nil {
			t.Fatal(err)
		}
		if !r.closedWithin(time.Second) {
			t.Errorf("%s: connection not closed", tc.name)
		}
	}

	after := []struct {
		name  string
		bytes []byte
		want  error
	}{
		{"oversized frame", frameBytes('x', make([]byte, 4097)), ErrProtocol},
		{"declared gigabyte", huge, ErrProtocol},
		{"garbage", []byte("\x00\x01garbage garbage garbage"), ErrProtocol},
		{"bad checksum", badCRC, ErrProtocol},
		{"unknown reserved kind", frameBytes('Q', nil), ErrProtocol},
		{"second hello", frameBytes(kindHello, testHello(idC).encode()), ErrProtocol},
		{"frame after goodbye", append(frameBytes(kindBye, encodeBye(byeClosing, "bye")), frameBytes('x', nil)...), ErrPeerClosed},
		{"truncated frame", frameBytes('x', make([]byte, 100))[:50], nil},
	}
	for _, tc := range after {
		r := rawHandshake(t, b, idC)
		p := b.up()
		// TLS splits the bytes into several records; the endpoint may hang
		// up after the first, failing the write of the others.
		_, _ = r.c.Write(tc.bytes)
		if tc.want == nil {
			r.c.(interface{ CloseWrite() error }).CloseWrite()
		}
		d := b.down()
		if d.p != p || (tc.want != nil && !errors.Is(d.err, tc.want)) {
			t.Errorf("%s: down %v", tc.name, d.err)
		}
		if !r.closedWithin(time.Second) {
			t.Errorf("%s: connection not closed", tc.name)
		}
	}

	// The good connection still works both ways.
	if err := good.Send('x', []byte("still here")); err != nil {
		t.Fatal(err)
	}
	if m := b.recv(); m.payload != "still here" {
		t.Fatalf("got %q", m.payload)
	}
	pb := b.dial(a)
	if err := pb.Send('y', []byte("and back")); err != nil {
		t.Fatal(err)
	}
	if m := a.recv(); m.payload != "and back" {
		t.Fatalf("got %q", m.payload)
	}
	mustContain(t, "B's log", b.logs.String(), "mirroring connection refused", "frame larger than allowed", "unexpected frame kind")
}

// TestSilentAndSlowPeers: a dialer that says nothing, or trickles its
// hello, is dropped at the handshake timeout.
func TestSilentAndSlowPeers(t *testing.T) {
	b := newNode(t, "127.0.0.2", idB, "B", func(c *Config) { c.HandshakeTimeout = 300 * time.Millisecond })
	silent := rawDial(t, b)
	eventually(t, "the silent connection listed", func() bool {
		ps := b.e.Peers()
		return len(ps) == 1 && ps[0].State == StateConnected && ps[0].IsAccept
	})
	slow := rawDial(t, b)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for _, c := range frameBytes(kindHello, testHello(idA).encode()) {
			if _, err := slow.c.Write([]byte{c}); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	start := time.Now()
	for _, r := range []*rawPeer{silent, slow} {
		if !r.closedWithin(2 * time.Second) {
			t.Fatal("not dropped")
		}
	}
	if d := time.Since(start); d < 250*time.Millisecond || d > 1500*time.Millisecond {
		t.Errorf("dropped after %v, want about 300ms", d)
	}
	wg.Wait()
	eventually(t, "nothing listed", func() bool { return len(b.e.Peers()) == 0 })
}

// TestConnectionFlood: beyond MaxPendingHandshakes, new connections are
// closed at once; once the handshakes time out, a real peer gets in.
func TestConnectionFlood(t *testing.T) {
	b := newNode(t, "127.0.0.2", idB, "B", func(c *Config) {
		c.MaxPendingHandshakes = 4
		c.HandshakeTimeout = time.Second
	})
	var raws []*rawPeer
	for range 12 {
		raws = append(raws, rawDial(t, b))
	}
	eventually(t, "4 handshakes listed", func() bool { return len(b.e.Peers()) == 4 })
	var dropped atomic.Int32
	var wg sync.WaitGroup
	for _, r := range raws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r.closedWithin(300 * time.Millisecond) {
				dropped.Add(1)
			}
		}()
	}
	wg.Wait()
	if dropped := dropped.Load(); dropped != 8 {
		t.Fatalf("%d of 12 dropped at once, want 8", dropped)
	}
	mustContain(t, "log", b.logs.String(), "too many handshakes in progress")
	eventually(t, "slots free again", func() bool { return len(b.e.Peers()) == 0 })
	a := newNode(t, "127.0.0.1", idA, "A")
	if err := a.dial(b).Send('x', []byte("in")); err != nil {
		t.Fatal(err)
	}
	if m := b.recv(); m.payload != "in" {
		t.Fatal(m)
	}
}

// TestRawPeerGone: a handshaken peer that vanishes is reported.
func TestRawPeerGone(t *testing.T) {
	b := newNode(t, "127.0.0.2", idB, "B")
	r := rawHandshake(t, b, idA)
	p := b.up()
	r.write('x', []byte("last words"))
	r.c.Close()
	if m := b.recv(); m.payload != "last words" || m.from != p {
		t.Fatalf("got %+v", m)
	}
	if d := b.down(); d.p != p || d.err == nil {
		t.Fatalf("down %+v", d)
	}
}

// TestHostileTLS: dialers that break or stall the TLS handshake after the
// welcome are dropped (at once, or at the handshake timeout), are never
// reported up, and do not disturb a live connection; a flood of stalled
// TLS handshakes is bounded by MaxPendingHandshakes and clears at the
// timeout, after which a real peer gets in.
func TestHostileTLS(t *testing.T) {
	const timeout = time.Second
	a := newNode(t, "127.0.0.1", idA, "A")
	b := newNode(t, "127.0.0.2", idB, "B", func(c *Config) {
		c.HandshakeTimeout = timeout
		c.MaxPendingHandshakes = 8
	})
	good := a.dial(b)
	pb := b.up()
	ch := clientHello(t)
	corrupt := bytes.Clone(ch)
	corrupt[5] = 0xff // the handshake message type, after the record header

	broken := []struct {
		name   string
		after  []byte // sent after the welcome
		eof    bool   // then close the write side
		reason string // in B's log
	}{
		{"garbage instead of TLS", []byte("garbage garbage garbage garbage"), false, "TLS handshake failed"},
		{"a frame instead of TLS", frameBytes('x', []byte("in clear")), false, "TLS handshake failed"},
		{"truncated TLS record", ch[:len(ch)/2], true, "TLS handshake failed"},
		{"corrupted ClientHello", corrupt, false, "TLS handshake failed"},
	}
	for _, tc := range broken {
		r := rawWelcomed(t, b, testHello(idC))
		if _, err := r.c.Write(tc.after); err != nil {
			t.Fatal(err)
		}
		if tc.eof {
			r.c.(*net.TCPConn).CloseWrite()
		}
		if !r.closedWithin(timeout * 7 / 10) {
			t.Errorf("%s: not dropped before the handshake timeout", tc.name)
		}
	}
	// Data sent with the hello, before the TLS handshake.
	r := rawDial(t, b)
	if _, err := r.c.Write(append(frameBytes(kindHello, testHello(idC).encode()), ch...)); err != nil {
		t.Fatal(err)
	}
	if !r.closedWithin(timeout * 7 / 10) {
		t.Error("data before the TLS handshake: not dropped")
	}

	// A TLS record that does not decrypt, after the handshake.
	r = rawHandshake(t, b, idC)
	p := b.up()
	if _, err := r.sock.Write(append([]byte{23, 3, 3, 0, 32}, make([]byte, 32)...)); err != nil {
		t.Fatal(err)
	}
	if d := b.down(); d.p != p || !errors.Is(d.err, ErrProtocol) || !strings.Contains(d.err.Error(), "TLS") {
		t.Errorf("a bad TLS record: down %v", d.err)
	}

	// Stalls: nothing after the welcome, or nothing after the ClientHello.
	start := time.Now()
	silent := rawWelcomed(t, b, testHello(idC))
	stalled := rawWelcomed(t, b, testHello(idC))
	if _, err := stalled.c.Write(ch); err != nil {
		t.Fatal(err)
	}
	for _, r := range []*rawPeer{silent, stalled} {
		if !r.closedWithin(3 * timeout) {
			t.Fatal("a stalled TLS handshake was not dropped")
		}
	}
	if d := time.Since(start); d < timeout*8/10 {
		t.Errorf("stalled handshakes dropped after %v, before the %v timeout", d, timeout)
	}

	// A flood of stalled TLS handshakes fills the slots; more connections
	// are dropped at once; the live connection keeps working meanwhile.
	var flood []*rawPeer
	for range 8 {
		r := rawWelcomed(t, b, testHello(idC))
		if _, err := r.c.Write(ch); err != nil {
			t.Fatal(err)
		}
		flood = append(flood, r)
	}
	if !rawDial(t, b).closedWithin(timeout / 2) {
		t.Error("a connection beyond MaxPendingHandshakes was not dropped at once")
	}
	exchange(t, good, a, pb, b, "during the flood")
	for _, r := range flood {
		if !r.closedWithin(3 * timeout) {
			t.Fatal("a flooding connection was not dropped")
		}
	}
	eventually(t, "only the live connection left", func() bool { return len(b.e.Peers()) == 1 })
	c := newNode(t, "127.0.0.3", idC, "C")
	pc := c.dial(b)
	exchange(t, pc, c, b.up(), b, "after the flood")
	exchange(t, good, a, pb, b, "after the flood")

	logs := b.logs.String()
	mustContain(t, "B's log", logs, "TLS handshake failed", "data before the TLS handshake", "timeout",
		"too many handshakes in progress")
	if len(b.ups) != 0 {
		t.Error("a broken handshake was reported up")
	}
	for _, n := range []*node{a, b, c} {
		n.close()
	}
	goleak.VerifyNone(t)
}

// exchange sends one message each way between p (of node n) and its
// other end q (of node m).
func exchange(t *testing.T, p *Peer, n *node, q *Peer, m *node, what string) {
	t.Helper()
	if err := p.Send('m', []byte(what)); err != nil {
		t.Fatal(err)
	}
	if got := m.recv(); got.payload != what || got.from != q {
		t.Fatalf("%s: %s got %+v", what, m.name, got)
	}
	if err := q.Send('m', []byte(what)); err != nil {
		t.Fatal(err)
	}
	if got := n.recv(); got.payload != what || got.from != p {
		t.Fatalf("%s: %s got %+v", what, n.name, got)
	}
}
