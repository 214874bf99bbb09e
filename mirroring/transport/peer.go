package transport

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"mirrordb/internal/frame"
)

// Connection states, as sys.dm_db_mirroring_connections.state_desc shows
// them.
const (
	StateNew        = "NEW"        // created, nothing done yet
	StateConnecting = "CONNECTING" // dialing: TCP connect in progress
	StateConnected  = "CONNECTED"  // TCP up, handshake in progress
	StateLoggedIn   = "LOGGED_IN"  // handshake done: the connection carries messages
	StateClosed     = "CLOSED"     // closing or closed
)

// PeerInfo describes one connection (a row of
// sys.dm_db_mirroring_connections).
type PeerInfo struct {
	ConnectionID string   // GUID, the same on both sides of the connection
	Remote       Identity // what the peer declared in its handshake
	Role         string   // the peer endpoint's ROLE
	IsAccept     bool     // accepted from the peer (true) or dialed by us (false)
	State        string   // NEW, CONNECTING, CONNECTED, LOGGED_IN, CLOSED

	ConnectTime, LoginTime, LastActivity time.Time

	// AuthenticationMethod is the method used, WINDOWS or CERTIFICATE.
	AuthenticationMethod string
	// Login is who the peer is: the login its certificate maps to
	// (CERTIFICATE, Config.VerifyCertificate), or the service account it
	// declares (WINDOWS). Empty until known.
	Login string
	// CertificateThumbprint is the thumbprint (see Thumbprint) of the
	// certificate the peer presented (CERTIFICATE only).
	CertificateThumbprint string
	// Encrypted reports that the connection runs TLS 1.3: negotiated
	// encryption, or CERTIFICATE authentication, which always runs TLS.
	Encrypted bool
	// Algorithm is the negotiated algorithm name, "NONE" when ENCRYPTION
	// negotiated not to encrypt (even if CERTIFICATE runs TLS).
	Algorithm string

	// RoundTrip is the last round-trip time a ping measured (0: none yet).
	RoundTrip time.Duration

	// Bytes count everything on the wire, handshake and framing included;
	// messages count the upper layers' messages ('a'..'z') only.
	BytesSent, BytesReceived, MessagesSent, MessagesReceived int64
}

// Peer is one connection to another instance's endpoint, usable in both
// directions whichever side dialed it.
type Peer struct {
	e        *Endpoint
	id       string
	isAccept bool
	dialKey  string // address key we dialed ("" when accepted)
	// cc is the socket (counting its bytes). Closing the connection always
	// closes cc, never a TLS connection over it: tls.Conn.Close first
	// writes a close_notify alert, which can block for seconds on a peer
	// that stopped reading. The bye frame is the protocol's own end of
	// stream, authenticated by TLS like any frame.
	cc *countingConn
	// conn is the connection frames travel on: cc, or TLS over it once
	// upgrade has run. Written under e.mu during the handshake; fixed
	// before the read and write goroutines start.
	conn *readConn

	// Guarded by e.mu.
	state       string
	started     bool // the read and write goroutines run; PeerDown will fire
	remote      Identity
	remoteKey   string
	role        string
	auth        string
	login       string
	thumbprint  string
	encrypted   bool
	algorithm   string
	connectTime time.Time
	loginTime   time.Time
	pendingID   string // instance id counted in e.pending during an inbound handshake

	// Set during the handshake, read-only once the peer is published.
	epoch, seq uint64   // the dialer's endpoint incarnation and dial number
	maxSend    int      // the peer's MaxMessage
	pings      bool     // the peer answers pings (protocol minor ≥ pingMinor)
	peerEnded  []string // connections to us the peer had ended when this one began

	bytesSent, bytesRecv, msgsSent, msgsRecv atomic.Int64
	lastActivity                             atomic.Int64 // unix nanoseconds
	rtt                                      atomic.Int64 // last round trip, nanoseconds

	pongs chan []byte // pings to echo, sent by the writer ahead of the queue

	// sendq holds what Send and Post queued, in order; bulk holds a token
	// per message of Send's among them (at most SendQueue).
	sendq      chan message
	bulk       chan struct{}
	closeMu    sync.Mutex
	cause      error // why the connection ends; set once
	graceful   bool  // flush the queue and say goodbye before closing
	closing    chan struct{}
	writerDone chan struct{}
	done       chan struct{}
}

type message struct {
	kind    byte
	payload []byte
	bulk    bool // queued by Send: holds a token of Peer.bulk
}

// postReserve is how many messages Post may queue beyond SendQueue.
const postReserve = 1024

func newPeer(e *Endpoint, accept bool) *Peer {
	now := time.Now()
	p := &Peer{
		e:           e,
		id:          newGUID(),
		isAccept:    accept,
		state:       StateNew,
		connectTime: now,
		algorithm:   AlgorithmNone,
		auth:        AuthWindows,
		sendq:       make(chan message, e.cfg.SendQueue+postReserve),
		bulk:        make(chan struct{}, e.cfg.SendQueue),
		pongs:       make(chan []byte, 4),
		closing:     make(chan struct{}),
		writerDone:  make(chan struct{}),
		done:        make(chan struct{}),
	}
	p.lastActivity.Store(now.UnixNano())
	return p
}

// attach wraps c in the byte counter and makes it the peer's connection.
func (p *Peer) attach(c net.Conn) {
	p.cc = &countingConn{Conn: c, p: p}
	p.conn = &readConn{Conn: p.cc}
}

// Send queues one message of kind 'a'..'z' (the other kinds are the
// transport's). Messages to a peer are delivered in the order Send and
// Post accepted them. Send copies payload, does not wait for the peer,
// and blocks only while SendQueue messages queued by Send are waiting: the
// back-pressure of bulk traffic (log blocks). It returns an error once the
// connection is down (wrapping the reason PeerDown reports). Safe for
// concurrent use.
func (p *Peer) Send(kind byte, payload []byte) error {
	return p.SendContext(context.Background(), kind, payload)
}

// SendContext is Send that gives up, returning ctx's error, when ctx ends
// while it waits for room in the queue.
func (p *Peer) SendContext(ctx context.Context, kind byte, payload []byte) error {
	m, err := p.message(kind, payload)
	if err != nil {
		return err
	}
	m.bulk = true
	select {
	case p.bulk <- struct{}{}:
	case <-p.closing:
		return p.downError()
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case p.sendq <- m:
		return nil
	case <-p.closing:
		return p.downError()
	case <-ctx.Done():
		<-p.bulk
		return ctx.Err()
	}
}

// Post queues one message like Send, but never waits: it is for the
// small messages of a loop that must keep running whatever the peer does
// (pings, acknowledgements, answers), which then queue behind the bulk
// traffic, in order. A peer that has let postReserve messages pile up
// beyond the bulk ones has stopped reading long ago: Post ends the
// connection (ErrBacklog) rather than wait.
func (p *Peer) Post(kind byte, payload []byte) error {
	m, err := p.message(kind, payload)
	if err != nil {
		return err
	}
	select {
	case p.sendq <- m:
		return nil
	case <-p.closing:
		return p.downError()
	default:
	}
	p.shutdown(fmt.Errorf("%w (%d messages queued)", ErrBacklog, len(p.sendq)), false)
	return p.downError()
}

// message checks an upper layer's message and copies its payload.
func (p *Peer) message(kind byte, payload []byte) (message, error) {
	if !isDataKind(kind) {
		return message{}, fmt.Errorf("transport: message kind %q is reserved for the transport (use 'a'..'z')", kind)
	}
	if len(payload) > p.maxSend {
		return message{}, fmt.Errorf("%w: %d bytes, the peer accepts at most %d", ErrTooLarge, len(payload), p.maxSend)
	}
	select {
	case <-p.closing:
		return message{}, p.downError()
	default:
	}
	return message{kind: kind, payload: bytes.Clone(payload)}, nil
}

func (p *Peer) downError() error {
	return fmt.Errorf("transport: connection %s to %s is down: %w", p.id, p.remote.ServerName, p.err())
}

func (p *Peer) err() error {
	p.closeMu.Lock()
	defer p.closeMu.Unlock()
	return p.cause
}

// Info describes the connection now.
func (p *Peer) Info() PeerInfo {
	p.e.mu.Lock()
	defer p.e.mu.Unlock()
	return p.infoLocked()
}

func (p *Peer) infoLocked() PeerInfo {
	return PeerInfo{
		ConnectionID:          p.id,
		Remote:                p.remote,
		Role:                  p.role,
		IsAccept:              p.isAccept,
		State:                 p.state,
		ConnectTime:           p.connectTime,
		LoginTime:             p.loginTime,
		LastActivity:          time.Unix(0, p.lastActivity.Load()),
		AuthenticationMethod:  p.auth,
		Login:                 p.login,
		CertificateThumbprint: p.thumbprint,
		Encrypted:             p.encrypted,
		Algorithm:             p.algorithm,
		BytesSent:             p.bytesSent.Load(),
		BytesReceived:         p.bytesRecv.Load(),
		MessagesSent:          p.msgsSent.Load(),
		MessagesReceived:      p.msgsRecv.Load(),
		RoundTrip:             time.Duration(p.rtt.Load()),
	}
}

// Close closes the connection: what is queued is still sent, the peer is
// told goodbye, and PeerDown fires with ErrClosed. It does not wait; see
// Done.
func (p *Peer) Close() error {
	p.shutdown(ErrClosed, true)
	return nil
}

// Done is closed when the connection has ended: its goroutines are gone
// and PeerDown has returned.
func (p *Peer) Done() <-chan struct{} { return p.done }

// shutdown starts the end of the connection; the first cause wins. A
// graceful end lets the writer flush the queue and say goodbye (bounded
// by closeGrace); a hard one closes the socket at once, and turns a
// graceful end in progress into a hard one.
func (p *Peer) shutdown(cause error, graceful bool) {
	p.closeMu.Lock()
	first := p.cause == nil
	if first {
		p.cause, p.graceful = cause, graceful
		close(p.closing)
	} else if !graceful {
		p.graceful = false
	}
	p.closeMu.Unlock()

	e := p.e
	e.mu.Lock()
	if first {
		e.unregisterLocked(p)
	}
	c := p.cc
	e.mu.Unlock()
	switch {
	case c == nil:
	case !graceful:
		c.Close()
	case first:
		// Bound the goodbye, including a write already blocked on a peer
		// that stopped reading. The writer renews its deadline only while
		// no cause is set, so this one stays.
		_ = c.SetWriteDeadline(time.Now().Add(closeGrace))
	}
}

// abort ends a connection hard, without goodbye (a failed handshake, or
// Close during one).
func (p *Peer) abort() { p.shutdown(ErrClosed, false) }

func (p *Peer) closingGracefully() (closing, graceful bool) {
	p.closeMu.Lock()
	defer p.closeMu.Unlock()
	return p.cause != nil, p.graceful
}

func (p *Peer) touch() { p.lastActivity.Store(time.Now().UnixNano()) }

func (p *Peer) direction() string {
	if p.isAccept {
		return "accept"
	}
	return "dial"
}

// run is the read loop of a connection whose handshake is done; it calls
// PeerUp, delivers messages to the Handler, and ends the connection.
// REQUIRES: the endpoint's wait group counts this goroutine, and the
// writer goroutine has been started.
func (p *Peer) run(br *bufio.Reader) {
	defer p.finish()
	e := p.e
	e.log.Info("mirroring connection established", "peer", p.remote.ServerName, "address", p.remote.Address,
		"remote", p.cc.RemoteAddr().String(), "direction", p.direction(), "connection_id", p.id,
		"encrypted", p.encrypted, "algorithm", p.algorithm, "authentication", p.auth, "login", p.login)
	if up := e.cfg.PeerUp; up != nil {
		up(p)
	}
	fr := frame.NewReader(br, e.cfg.MaxMessage, 0)
	saidBye := false
	for {
		kind, payload, err := fr.Next()
		if err != nil {
			if closing, graceful := p.closingGracefully(); closing && graceful {
				return // the expected end of a goodbye: EOF, or the grace deadline
			}
			p.shutdown(p.readError(err), false)
			return
		}
		switch {
		case saidBye:
			p.shutdown(fmt.Errorf("%w: frame %q after goodbye", ErrProtocol, kind), false)
			return
		case isDataKind(kind):
			p.msgsRecv.Add(1)
			p.touch()
			if h := e.cfg.Handler; h != nil {
				h(p, kind, bytes.Clone(payload))
			}
		case kind == kindBye:
			saidBye = true
			p.shutdown(decodeBye(payload), true)
		case kind == kindPing && len(payload) == 8:
			select {
			case p.pongs <- bytes.Clone(payload):
			default: // a peer pinging faster than we answer gets fewer answers
			}
		case kind == kindPong && len(payload) == 8:
			p.touch()
			p.pong(payload)
		default:
			p.shutdown(fmt.Errorf("%w: unexpected frame kind %q", ErrProtocol, kind), false)
			return
		}
	}
}

// readError turns a read failure into the reason the connection ends.
// internal/frame reports any failure inside a frame as ErrTruncated, so
// the cause is taken from the socket (reset, timeout) or, when the socket
// is fine, from TLS above it (a bad record: the peer's fault).
func (p *Peer) readError(err error) error {
	sock, top := p.cc.readErr, p.conn.err
	switch {
	case errors.Is(err, io.EOF):
		return fmt.Errorf("transport: the peer closed the connection without goodbye: %w", io.EOF)
	case errors.Is(err, frame.ErrTooLarge) || errors.Is(err, frame.ErrChecksum):
		return fmt.Errorf("%w: %w", ErrProtocol, err)
	case sock != nil:
		if errors.Is(sock, os.ErrDeadlineExceeded) {
			return fmt.Errorf("transport: read timed out: %w", sock)
		}
		return fmt.Errorf("transport: read: %w", sock)
	case errors.Is(err, frame.ErrTruncated) && (top == nil || errors.Is(top, io.ErrUnexpectedEOF)):
		return fmt.Errorf("transport: the peer closed the connection inside a frame: %w", err)
	case top != nil: // the socket is fine: TLS refused what the peer sent
		return fmt.Errorf("%w: TLS: %w", ErrProtocol, top)
	default:
		return fmt.Errorf("%w: %w", ErrProtocol, err)
	}
}

// writeLoop drains the send queue into a buffered writer and flushes when
// the queue is momentarily empty, so that a burst of small messages
// shares system calls. Every write has a deadline (WriteTimeout, renewed
// as writes make progress). Pings go out every PingInterval and pongs
// ahead of queued messages, so a round trip measures the network and the
// peer's reader, not the depth of our queue.
func (p *Peer) writeLoop() {
	defer close(p.writerDone)
	timeout := p.e.cfg.WriteTimeout
	bw := bufio.NewWriterSize(p.conn, 64<<10)
	fw := frame.NewWriter(bw, 0)
	var renewed time.Time
	var tick <-chan time.Time
	if p.pings {
		t := time.NewTicker(p.e.cfg.PingInterval)
		defer t.Stop()
		tick = t.C
	}
	write := func(kind byte, payload []byte) error {
		var err error
		if now := time.Now(); now.Sub(renewed) > timeout/4 {
			renewed = now
			err = p.renewWriteDeadline(now.Add(timeout))
		}
		if err == nil {
			err = fw.Write(kind, payload)
		}
		if err == nil && isDataKind(kind) {
			p.msgsSent.Add(1)
			p.touch()
		}
		if err == nil && len(p.sendq) == 0 {
			err = bw.Flush()
		}
		return err
	}
	for {
		var err error
		select {
		case b := <-p.pongs:
			err = write(kindPong, b)
		case <-tick:
			err = write(kindPing, binary.BigEndian.AppendUint64(nil, uint64(time.Since(p.e.born))))
		case m := <-p.sendq:
			if m.bulk {
				<-p.bulk
			}
			err = write(m.kind, m.payload)
		case <-p.closing:
			if _, graceful := p.closingGracefully(); graceful {
				p.goodbye(bw, fw)
			}
			return
		}
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				err = fmt.Errorf("transport: the peer has not read for %v: %w", timeout, err)
			} else {
				err = fmt.Errorf("transport: write: %w", err)
			}
			p.shutdown(err, false)
			return
		}
	}
}

// pong records the round trip of one of our pings.
func (p *Peer) pong(payload []byte) {
	rtt := time.Since(p.e.born) - time.Duration(binary.BigEndian.Uint64(payload))
	if rtt < 0 || rtt > time.Hour { // not a ping of this endpoint's
		return
	}
	p.rtt.Store(int64(rtt))
	if f := p.e.cfg.RoundTrip; f != nil {
		f(p, rtt)
	}
}

// renewWriteDeadline extends the write deadline unless the connection is
// ending (shutdown has set the goodbye's deadline).
func (p *Peer) renewWriteDeadline(t time.Time) error {
	p.closeMu.Lock()
	defer p.closeMu.Unlock()
	if p.cause != nil {
		return nil
	}
	return p.conn.SetWriteDeadline(t)
}

// goodbye ends a connection gracefully: it sends what is still queued and
// a bye frame, closes the write side, and gives the reader closeGrace to
// see the peer's end of stream. On any failure it closes the socket. The
// write deadline is the one shutdown set, closeGrace after it began.
func (p *Peer) goodbye(bw *bufio.Writer, fw *frame.Writer) {
	var err error
drain:
	for err == nil {
		select {
		case m := <-p.sendq:
			if err = fw.Write(m.kind, m.payload); err == nil {
				p.msgsSent.Add(1)
			}
		default:
			break drain
		}
	}
	if err == nil {
		code := byte(byeClosing)
		cause := p.err()
		if errors.Is(cause, ErrReplaced) {
			code = byeReplaced
		}
		err = fw.Write(kindBye, encodeBye(code, strings.TrimPrefix(cause.Error(), "transport: ")))
	}
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = p.cc.CloseWrite() // without TLS's close_notify: see Peer.cc
	}
	if err == nil {
		err = p.cc.SetReadDeadline(time.Now().Add(closeGrace))
	}
	if err != nil {
		p.cc.Close()
	}
}

// finish ends a started connection once its reader has stopped: it waits
// for the writer, closes the socket, and reports PeerDown.
func (p *Peer) finish() {
	<-p.writerDone
	p.cc.Close()
	e := p.e
	e.forget(p)
	cause := p.err()
	e.log.Info("mirroring connection closed", "peer", p.remote.ServerName, "address", p.remote.Address,
		"direction", p.direction(), "connection_id", p.id, "reason", cause.Error(),
		"messages_sent", p.msgsSent.Load(), "messages_received", p.msgsRecv.Load())
	if down := e.cfg.PeerDown; down != nil {
		down(p, cause)
	}
	close(p.done)
}

type closeWriter interface{ CloseWrite() error }

// countingConn counts the bytes of a socket and remembers its last read
// error other than EOF, for readError (read by the reading goroutine
// only).
type countingConn struct {
	net.Conn
	p       *Peer
	readErr error
}

func (c *countingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.p.bytesRecv.Add(int64(n))
	if err != nil && err != io.EOF {
		c.readErr = err
	}
	return n, err
}

func (c *countingConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.p.bytesSent.Add(int64(n))
	return n, err
}

// CloseWrite half-closes a TCP connection; other connections (net.Pipe in
// tests) are closed.
func (c *countingConn) CloseWrite() error {
	if cw, ok := c.Conn.(closeWriter); ok {
		return cw.CloseWrite()
	}
	return c.Conn.Close()
}

// readConn is the connection frames are read from (the socket, or TLS
// over it); it remembers the last read error other than EOF, for
// readError. Only the goroutine reading the connection touches err.
type readConn struct {
	net.Conn
	err error
}

func (c *readConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if err != nil && err != io.EOF {
		c.err = err
	}
	return n, err
}

// writeFrame writes one frame in a single Write (handshake frames).
func writeFrame(w io.Writer, kind byte, payload []byte) error {
	var b bytes.Buffer
	b.Grow(len(payload) + frame.Overhead)
	_ = frame.NewWriter(&b, 0).Write(kind, payload)
	_, err := w.Write(b.Bytes())
	return err
}

// newGUID returns a random (version 4) GUID in its usual text form.
func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%X-%X-%X-%X-%X", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
