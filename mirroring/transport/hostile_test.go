package transport

import (
	"encoding/binary"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
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
