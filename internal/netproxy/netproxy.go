// Package netproxy is a TCP proxy for fault tests: put it in front of an
// instance and it forwards traffic until told to fail the link, either
// silently (bytes vanish, the sockets stay open: only a timeout can tell)
// or hard (connections are reset). A silence comes in two kinds: Silence
// reads and discards (the senders' writes keep succeeding), Stall stops
// reading (the senders' socket buffers fill and their writes block, as
// when a real partition drops packets and TCP keeps the unacknowledged
// data queued). Sever leaves connections as corpses whose ends never
// hear of each other again. Faults can be limited to connections from
// one source address and to one direction, so one proxy in front of an
// instance can cut it off from one peer only, or one way only. It can
// also record what it forwards, for tests of what crosses the wire.
package netproxy

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Direction is a direction of traffic, seen from the connecting side.
type Direction uint8

const (
	// ToTarget is traffic from the connecting side to the proxied target.
	ToTarget Direction = 1 << iota
	// FromTarget is traffic from the target back to the connecting side.
	FromTarget
	// Both directions.
	Both = ToTarget | FromTarget
)

// AnySource makes a fault apply to connections from every address.
const AnySource = ""

// fault is what the proxy does to connections from one source.
type fault struct {
	drop   Direction // bytes dropped in these directions
	stall  Direction // bytes not read in these directions
	refuse bool      // new connections are reset at once
}

// link is one forwarded connection: the accepted socket and the one to
// the target.
type link struct {
	src     string
	in, out net.Conn
	severed atomic.Bool // nothing forwarded, ends not passed on
	closed  atomic.Bool // the proxy closed its sockets
}

// Proxy forwards connections made to its address to a target.
type Proxy struct {
	ln     net.Listener
	target string

	mu     sync.Mutex
	faults map[string]fault    // by source IP, AnySource for all
	conns  map[net.Conn]string // every open socket → its source IP
	links  map[*link]bool      // every forwarded connection
	closed bool
	// changed is closed and replaced when faults change or sockets are
	// closed: stalled pipes look again.
	changed chan struct{}
	// recording: forwarded bytes are appended to captured, by direction.
	recording bool
	captured  map[Direction][]byte
	wg        sync.WaitGroup
}

// Start listens on listenAddr ("host:0" picks a port) and forwards every
// connection to target.
func Start(listenAddr, target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", listenAddr)
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, target: target, faults: map[string]fault{}, conns: map[net.Conn]string{},
		links: map[*link]bool{}, changed: make(chan struct{})}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the proxy's listening address (host:port).
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Silence makes the link drop every byte, in both directions, on current
// and new connections, without closing anything.
func (p *Proxy) Silence() { p.SilenceFrom(AnySource, Both) }

// SilenceFrom drops the bytes going in dir on current and new connections
// from the source IP from (AnySource: all), without closing anything.
func (p *Proxy) SilenceFrom(from string, dir Direction) {
	p.mu.Lock()
	f := p.faults[from]
	f.drop |= dir
	p.faults[from] = f
	p.mu.Unlock()
}

// StallFrom stops reading the bytes going in dir on current and new
// connections from the source IP from (AnySource: all), without closing
// anything: the sender's writes block once the socket buffers are full,
// as when a partition drops packets and TCP holds the unacknowledged
// data. Heal resets the stalled connections, like any silence.
func (p *Proxy) StallFrom(from string, dir Direction) {
	p.mu.Lock()
	f := p.faults[from]
	f.stall |= dir
	p.faults[from] = f
	p.broadcastLocked()
	p.mu.Unlock()
}

// Sever makes the current connections from the source IP from (AnySource:
// all) corpses: nothing is forwarded on them any more, either way, and
// neither end hears when the other closes, so each finds out only by its
// own timeouts — a path lost with its state, like a partition during
// which one end gave up while the other still holds the connection. New
// connections are not affected; Reset, Heal and Close end the corpses.
func (p *Proxy) Sever(from string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for l := range p.links {
		if from == AnySource || l.src == from {
			l.severed.Store(true)
		}
	}
}

// RefuseFrom resets current and new connections from the source IP from
// (AnySource: all) until Heal: a hard failure of the link.
func (p *Proxy) RefuseFrom(from string) {
	p.mu.Lock()
	f := p.faults[from]
	f.refuse = true
	p.faults[from] = f
	p.mu.Unlock()
	p.reset(from)
}

// Heal clears every fault. Bytes dropped while silent stay lost, so a
// connection that lived through a silence is usually broken: Heal also
// resets the current connections, and new ones work.
func (p *Proxy) Heal() {
	p.mu.Lock()
	clear(p.faults)
	p.broadcastLocked()
	p.mu.Unlock()
	p.Reset()
}

func (p *Proxy) broadcastLocked() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// Reset closes every current connection (the peers see a hard error).
func (p *Proxy) Reset() { p.reset(AnySource) }

// reset closes the current connections from the source IP from (all for
// AnySource) with a TCP reset, not a FIN.
func (p *Proxy) reset(from string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c, src := range p.conns {
		if from != AnySource && src != from {
			continue
		}
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		c.Close()
	}
	for l := range p.links {
		if from == AnySource || l.src == from {
			l.closed.Store(true)
		}
	}
	p.broadcastLocked()
}

// Close stops the proxy and closes every connection.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	p.broadcastLocked()
	p.mu.Unlock()
	err := p.ln.Close()
	p.Reset()
	p.wg.Wait()
	return err
}

// Record makes the proxy keep a copy of every byte it forwards from now
// on (what it drops is not forwarded, so not recorded). Meant for tests:
// the copy grows without bound.
func (p *Proxy) Record() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.recording = true
	if p.captured == nil {
		p.captured = map[Direction][]byte{}
	}
}

// Captured returns a copy of the bytes forwarded in dir since Record, in
// the order forwarded (connections interleave; Both is ToTarget's bytes
// followed by FromTarget's).
func (p *Proxy) Captured(dir Direction) []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []byte
	for _, d := range []Direction{ToTarget, FromTarget} {
		if dir&d != 0 {
			out = append(out, p.captured[d]...)
		}
	}
	return out
}

// record keeps a copy of b, forwarded in dir, if recording.
func (p *Proxy) record(dir Direction, b []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.recording {
		p.captured[dir] = append(p.captured[dir], b...)
	}
}

// faultFor is what applies to connections from src.
func (p *Proxy) faultFor(src string) fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	all, one := p.faults[AnySource], p.faults[src]
	return fault{drop: all.drop | one.drop, stall: all.stall | one.stall, refuse: all.refuse || one.refuse}
}

// await waits while traffic of l in dir is stalled; false once l's
// sockets are closed.
func (p *Proxy) await(l *link, dir Direction) bool {
	for {
		p.mu.Lock()
		ch, closed := p.changed, p.closed
		p.mu.Unlock()
		if closed || l.closed.Load() {
			return false
		}
		if p.faultFor(l.src).stall&dir == 0 {
			return true
		}
		<-ch
	}
}

func (p *Proxy) track(c net.Conn, src string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		c.Close()
		return false
	}
	p.conns[c] = src
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		in, err := p.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		src := ""
		if a, ok := in.RemoteAddr().(*net.TCPAddr); ok {
			src = a.IP.String()
		}
		if !p.track(in, src) {
			return
		}
		p.wg.Add(1)
		go p.serve(in, src)
	}
}

func (p *Proxy) serve(in net.Conn, src string) {
	defer p.wg.Done()
	defer p.untrack(in)
	if p.faultFor(src).refuse {
		if tc, ok := in.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		return
	}
	out, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		return
	}
	if !p.track(out, src) {
		return
	}
	defer p.untrack(out)
	l := &link{src: src, in: in, out: out}
	p.mu.Lock()
	p.links[l] = true
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.links, l)
		p.mu.Unlock()
	}()
	done := make(chan struct{}, 2)
	go func() { p.pipe(l, out, in, ToTarget); done <- struct{}{} }()
	go func() { p.pipe(l, in, out, FromTarget); done <- struct{}{} }()
	<-done // either side ended: end both, unless the link is a corpse
	if !l.severed.Load() {
		l.closed.Store(true)
		in.Close()
		out.Close()
		p.mu.Lock()
		p.broadcastLocked()
		p.mu.Unlock()
	}
	<-done
}

// pipe copies src to dst in direction dir of l, dropping what arrives
// while that traffic is silenced or l is severed, and reading nothing
// while it is stalled.
func (p *Proxy) pipe(l *link, dst io.Writer, src io.Reader, dir Direction) {
	from := l.src
	buf := make([]byte, 64<<10)
	for {
		if !p.await(l, dir) {
			return
		}
		n, err := src.Read(buf)
		// A stall that began while the read waited holds its bytes too.
		if n > 0 && !p.await(l, dir) {
			return
		}
		if n > 0 && p.faultFor(from).drop&dir == 0 && !l.severed.Load() {
			p.record(dir, buf[:n])
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
