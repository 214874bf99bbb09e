package netproxy

import (
	"io"
	"net"
	"testing"
	"time"
)

// echoServer answers every byte with itself.
func echoServer(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	return ln.Addr().String()
}

func roundTrip(c net.Conn, timeout time.Duration) error {
	c.SetDeadline(time.Now().Add(timeout))
	if _, err := c.Write([]byte("ping")); err != nil {
		return err
	}
	buf := make([]byte, 4)
	_, err := io.ReadFull(c, buf)
	return err
}

func TestForwardSilenceHealReset(t *testing.T) {
	p, err := Start("127.0.0.1:0", echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := roundTrip(c, 5*time.Second); err != nil {
		t.Fatalf("forwarding: %v", err)
	}

	p.Silence()
	err = roundTrip(c, 200*time.Millisecond)
	if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Fatalf("a silent link must time out, got %v", err)
	}

	p.Heal() // resets the connection that lost bytes
	if err := roundTrip(c, 5*time.Second); err == nil {
		t.Fatal("the connection that lived through the silence still works")
	}
	c2, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if err := roundTrip(c2, 5*time.Second); err != nil {
		t.Fatalf("after heal: %v", err)
	}
	p.Reset()
	if err := roundTrip(c2, 5*time.Second); err == nil {
		t.Fatal("reset connection still works")
	}
}

// dialFrom connects to addr from the local IP from.
func dialFrom(t *testing.T, from, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestFaultsBySourceAndDirection: a fault for one source leaves the others
// alone; a one-way silence lets the other direction through; refusing
// resets current and new connections from that source until Heal.
func TestFaultsBySourceAndDirection(t *testing.T) {
	p, err := Start("127.0.0.1:0", echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	a, b := dialFrom(t, "127.0.0.2", p.Addr()), dialFrom(t, "127.0.0.3", p.Addr())
	for _, c := range []net.Conn{a, b} {
		if err := roundTrip(c, 5*time.Second); err != nil {
			t.Fatalf("forwarding: %v", err)
		}
	}

	p.SilenceFrom("127.0.0.2", FromTarget)
	if err := roundTrip(b, 5*time.Second); err != nil {
		t.Fatalf("another source is affected: %v", err)
	}
	// The echo server receives what a sends (ToTarget flows) but its
	// answers vanish.
	if err := roundTrip(a, 200*time.Millisecond); err == nil {
		t.Fatal("answers reach a silenced source")
	}

	p.Heal()
	p.RefuseFrom("127.0.0.3")
	if err := roundTrip(b, 2*time.Second); err == nil {
		t.Fatal("a refused source's connection still works")
	}
	// The reset may even beat the connect's return under load.
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.3")}, Timeout: 5 * time.Second}
	if c, err := d.Dial("tcp", p.Addr()); err == nil {
		defer c.Close()
		if err := roundTrip(c, 2*time.Second); err == nil {
			t.Fatal("a refused source could connect again")
		}
	}
	if err := roundTrip(dialFrom(t, "127.0.0.2", p.Addr()), 5*time.Second); err != nil {
		t.Fatalf("the other source after heal: %v", err)
	}
	p.Heal()
	if err := roundTrip(dialFrom(t, "127.0.0.3", p.Addr()), 5*time.Second); err != nil {
		t.Fatalf("after heal: %v", err)
	}
}

// TestOneWayToTarget: bytes to the target vanish while the target's own
// bytes still arrive.
func TestOneWayToTarget(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan []byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.Write([]byte("hello"))
		buf := make([]byte, 4)
		c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		n, _ := io.ReadFull(c, buf)
		got <- buf[:n]
	}()
	p, err := Start("127.0.0.1:0", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.SilenceFrom(AnySource, ToTarget)
	c := dialFrom(t, "127.0.0.1", p.Addr())
	c.SetDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 5)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "hello" {
		t.Fatalf("the target's bytes: %q, %v", buf, err)
	}
	c.Write([]byte("ping"))
	if b := <-got; len(b) != 0 {
		t.Fatalf("the target received %q through a one-way silence", b)
	}
}

// TestRecord: once recording, the proxy keeps what it forwards, by
// direction; bytes it drops are not recorded.
func TestRecord(t *testing.T) {
	p, err := Start("127.0.0.1:0", echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c := dialFrom(t, "127.0.0.1", p.Addr())
	if err := roundTrip(c, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if got := p.Captured(Both); len(got) != 0 {
		t.Fatalf("recorded %q before Record", got)
	}
	p.Record()
	if err := roundTrip(c, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if to, from := string(p.Captured(ToTarget)), string(p.Captured(FromTarget)); to != "ping" || from != "ping" {
		t.Fatalf("captured %q to the target, %q from it", to, from)
	}
	if both := string(p.Captured(Both)); both != "pingping" {
		t.Fatalf("captured %q both ways", both)
	}
	p.SilenceFrom(AnySource, FromTarget)
	_ = roundTrip(c, 200*time.Millisecond)
	if from := string(p.Captured(FromTarget)); from != "ping" {
		t.Fatalf("dropped bytes recorded: %q", from)
	}
}

// TestStall: a stalled direction is not read, so a sender that keeps
// writing blocks (its write times out) instead of losing bytes; the other
// sources are not affected; Heal resets the stalled connection.
func TestStall(t *testing.T) {
	p, err := Start("127.0.0.1:0", echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	a, b := dialFrom(t, "127.0.0.2", p.Addr()), dialFrom(t, "127.0.0.3", p.Addr())
	p.StallFrom("127.0.0.2", ToTarget)
	a.SetWriteDeadline(time.Now().Add(2 * time.Second))
	chunk := make([]byte, 64<<10)
	var err2 error
	for sent := 0; sent < 1<<30 && err2 == nil; sent += len(chunk) {
		_, err2 = a.Write(chunk)
	}
	if ne, ok := err2.(net.Error); !ok || !ne.Timeout() {
		t.Fatalf("writes into a stalled link must block until their deadline, got %v", err2)
	}
	if err := roundTrip(b, 5*time.Second); err != nil {
		t.Fatalf("another source is affected: %v", err)
	}
	p.Heal()
	if err := roundTrip(a, 5*time.Second); err == nil {
		t.Fatal("the stalled connection still works after Heal")
	}
	if err := roundTrip(dialFrom(t, "127.0.0.2", p.Addr()), 5*time.Second); err != nil {
		t.Fatalf("after heal: %v", err)
	}
}

// TestSever: a severed connection forwards nothing and its target never
// hears that the client closed it; new connections work.
func TestSever(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ended := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(time.Second))
		_, err = c.Read(make([]byte, 1))
		ended <- err
		for {
			if c, err := ln.Accept(); err == nil {
				go func() { io.Copy(c, c); c.Close() }()
			} else {
				return
			}
		}
	}()
	p, err := Start("127.0.0.1:0", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c := dialFrom(t, "127.0.0.1", p.Addr())
	time.Sleep(100 * time.Millisecond) // the proxy has connected to the target
	p.Sever(AnySource)
	c.Write([]byte("x"))
	c.Close()
	if err := <-ended; err == nil {
		t.Fatal("the target received a byte over a severed connection")
	} else if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Fatalf("the target learned that the client left: %v", err)
	}
	if err := roundTrip(dialFrom(t, "127.0.0.1", p.Addr()), 5*time.Second); err != nil {
		t.Fatalf("a new connection after Sever: %v", err)
	}
}
