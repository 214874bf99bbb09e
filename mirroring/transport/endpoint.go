package transport

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Identity is what an instance declares about itself in the handshake.
type Identity struct {
	InstanceID     string // stable GUID of the instance
	ServerName     string // @@SERVERNAME of the instance
	Address        string // this instance's endpoint address as peers dial it: "TCP://host:port"
	ServiceAccount string // the identity AUTHENTICATION = WINDOWS declares (SPEC D7)
}

// Config configures an Endpoint. Zero durations and sizes take the
// defaults named on each field.
type Config struct {
	Identity
	// Role is the endpoint ROLE announced in the handshake: PARTNER,
	// WITNESS or ALL.
	Role string
	// Encryption is DISABLED, SUPPORTED or REQUIRED (empty: REQUIRED).
	Encryption string
	// MinMinor is the oldest protocol minor version a peer may speak. The
	// layers above raise it when they change their own messages: a peer
	// of an older build would connect, then drop every such message and
	// stall, so it is refused at the handshake with the reason instead.
	MinMinor uint16
	// Algorithms lists the acceptable algorithms in preference order, e.g.
	// ["AES"] or ["AES", "RC4"]; empty means ["AES"].
	Algorithms []string
	// Authentication lists the AUTHENTICATION methods this endpoint
	// accepts, in preference order: AuthWindows, AuthCertificate (empty:
	// WINDOWS). The accepting side's first method that the connecting side
	// also lists is used; none in common refuses the connection.
	Authentication []string
	// Certificate is this endpoint's own certificate and private key,
	// presented with AUTHENTICATION = CERTIFICATE (required then).
	Certificate *tls.Certificate
	// VerifyCertificate judges the certificate a peer presents with
	// AUTHENTICATION = CERTIFICATE, on both sides: the acceptor checks the
	// dialer's and the dialer the acceptor's (the far side must hold the
	// public key matching our private key). It returns the login the
	// certificate maps to (PeerInfo.Login), or an error whose text is the
	// reason for refusing. The transport has already refused a
	// certificate outside its validity period; trust comes from the
	// catalog holding the certificate, not from a CA chain. Required with
	// CERTIFICATE.
	VerifyCertificate func(cert *x509.Certificate) (owner string, err error)
	// Authorize decides whether an inbound peer may connect (CONNECT
	// permission of PeerInfo.Login); nil accepts everyone. It runs once the
	// peer is authenticated (after TLS when the connection runs it). A
	// refusal closes the connection after telling the peer why (its Dial
	// returns a DialError with that reason).
	Authorize func(PeerInfo) error
	// Handler receives every message from every peer, on that connection's
	// read goroutine, in order per connection. It must not block long, and
	// it owns payload.
	Handler func(p *Peer, kind byte, payload []byte)
	// PeerUp, if set, is called once per connection when its handshake has
	// completed, before any Handler call for it (added to the agreed API:
	// the driver learns of inbound connections without waiting for a
	// message).
	PeerUp func(p *Peer)
	// PeerDown is called once when a connection that completed its
	// handshake ends, after the last Handler call for it. err says why: a
	// hard error (EOF, reset, protocol violation, write timeout), the
	// peer's goodbye (ErrPeerClosed), a local Close (ErrClosed), or
	// ErrReplaced when the connection was a duplicate and another
	// connection to the same instance is kept.
	PeerDown func(p *Peer, err error)
	// MaxMessage is the largest payload accepted (default 64 MiB). A peer
	// sending more is disconnected; Send refuses to send more than the
	// peer declared as its own limit.
	MaxMessage int
	// DialTimeout bounds the TCP connect of Dial (default 5 s).
	DialTimeout time.Duration
	// HandshakeTimeout bounds the handshake on both sides (default 5 s).
	HandshakeTimeout time.Duration
	// WriteTimeout bounds every write once connected, so that a peer that
	// stops reading cannot block Send forever (default 10 s; added).
	WriteTimeout time.Duration
	// SendQueue is the number of messages Send may queue per connection
	// before it blocks (default 1024; added). Post may queue beyond it.
	SendQueue int
	// MaxPendingHandshakes caps inbound connections that have not finished
	// their handshake; more are closed at once (default 64; added).
	MaxPendingHandshakes int
	// PingInterval is how often a connection measures its round-trip time
	// with a ping the peer echoes at once (default 1 s).
	PingInterval time.Duration
	// RoundTrip, if set, receives every measured round-trip time, on the
	// connection's read goroutine.
	RoundTrip func(p *Peer, rtt time.Duration)
	Logger    *slog.Logger
}

const (
	defaultMaxMessage       = 64 << 20
	defaultDialTimeout      = 5 * time.Second
	defaultHandshakeTimeout = 5 * time.Second
	defaultWriteTimeout     = 10 * time.Second
	defaultSendQueue        = 1024
	defaultPendingHandshake = 64
	defaultPingInterval     = time.Second
	// closeGrace bounds a graceful close: flushing what is queued, the
	// goodbye, and waiting for the peer to close its side.
	closeGrace = 500 * time.Millisecond
)

// Errors reported through PeerDown, Send and DialError.Err. Test them
// with errors.Is.
var (
	// ErrClosed: the connection or the endpoint was closed locally.
	ErrClosed         = errors.New("transport: connection closed")
	errEndpointClosed = fmt.Errorf("%w: the endpoint is closing", ErrClosed)
	// ErrReplaced: the connection was a duplicate of another connection
	// to the same instance, which is kept; the peer is still reachable.
	ErrReplaced = errors.New("transport: replaced by another connection to the same instance")
	// ErrPeerClosed: the peer said goodbye (its endpoint is closing).
	ErrPeerClosed = errors.New("transport: the peer closed the connection")
	// ErrProtocol: the peer broke the protocol (bad frame, unknown kind).
	ErrProtocol = errors.New("transport: protocol violation")
	// ErrBacklog: Post found the queue full; the peer has not read what
	// was sent to it for a long time.
	ErrBacklog = errors.New("transport: the peer is not reading: send queue full")
	// ErrTooLarge: Send was given a payload above the peer's limit.
	ErrTooLarge = errors.New("transport: message larger than the peer accepts")
)

// Endpoint is an instance's database mirroring endpoint: a TCP listener
// plus the connections to peer instances, at most one kept per peer.
type Endpoint struct {
	cfg    Config
	policy policy
	log    *slog.Logger
	ln     net.Listener
	// localIP is the listener's own IP when it is a specific one: dials
	// leave from it (see sourceFor).
	localIP net.IP
	ctx     context.Context // canceled by Close
	cancel  context.CancelFunc
	slots   chan struct{} // one per inbound connection in handshake
	epoch   uint64        // this endpoint's incarnation, sent with every dial
	born    time.Time     // ping payloads are monotonic nanoseconds since then
	seq     atomic.Uint64 // dials made
	// ephemeral is the certificate presented as TLS server with WINDOWS
	// authentication, made at first use.
	ephemeral func() (tls.Certificate, error)

	// version is the protocol version this endpoint's hellos announce
	// (tests change it to exercise version rejection).
	version [2]uint16

	wg sync.WaitGroup // every goroutine of the endpoint

	mu         sync.Mutex
	closed     bool
	closeDone  chan struct{}
	conns      map[*Peer]struct{} // every connection, in handshake or not
	byInstance map[string]*Peer   // the kept live connection per remote instance
	addrs      map[string]string  // address key → instance id, learned from handshakes
	dialing    map[string]*dialCall
	pending    map[string]int // inbound handshakes per declared instance id
	changed    chan struct{}  // closed and replaced when byInstance or pending changes
	ended      []endedConn    // connections ended lately, oldest first (registry.go)

	dropped     atomic.Int64 // inbound connections dropped by the handshake cap
	lastDropLog atomic.Int64
}

// Listen binds addr ("host:port") and starts accepting. A port in use is
// an error wrapping syscall.EADDRINUSE (the caller reports Msg 7890).
// An empty cfg.Address becomes the bound address.
func Listen(addr string, cfg Config) (*Endpoint, error) {
	e, err := newEndpoint(cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		e.cancel()
		return nil, fmt.Errorf("transport: listen on %s: %w", addr, err)
	}
	e.ln = ln
	if a, ok := ln.Addr().(*net.TCPAddr); ok && !a.IP.IsUnspecified() {
		e.localIP = a.IP
	}
	if e.cfg.Address == "" {
		e.cfg.Address = formatAddress(ln.Addr())
	}
	e.log = e.log.With("endpoint", e.cfg.Address)
	e.wg.Add(1)
	go e.acceptLoop()
	return e, nil
}

// newEndpoint validates cfg and builds an endpoint that is not listening
// (Listen adds the listener; the fuzz target feeds connections directly).
func newEndpoint(cfg Config) (*Endpoint, error) {
	if cfg.InstanceID == "" {
		return nil, errors.New("transport: Config.InstanceID is empty")
	}
	var err error
	if cfg.Role, err = normalizeRole(cfg.Role); err != nil {
		return nil, fmt.Errorf("transport: %w", err)
	}
	if cfg.Encryption, err = normalizeEncryption(cfg.Encryption); err != nil {
		return nil, fmt.Errorf("transport: %w", err)
	}
	if cfg.Algorithms, err = algorithmList.normalize(cfg.Algorithms); err != nil {
		return nil, fmt.Errorf("transport: %w", err)
	}
	if cfg.Authentication, err = authenticationList.normalize(cfg.Authentication); err != nil {
		return nil, fmt.Errorf("transport: %w", err)
	}
	if err := checkCertificateConfig(cfg); err != nil {
		return nil, fmt.Errorf("transport: %w", err)
	}
	if cfg.Address != "" {
		if _, _, err := ParseAddress(cfg.Address); err != nil {
			return nil, fmt.Errorf("transport: Config.Address: %w", err)
		}
	}
	setDefault(&cfg.MaxMessage, defaultMaxMessage)
	setDefault(&cfg.DialTimeout, defaultDialTimeout)
	setDefault(&cfg.HandshakeTimeout, defaultHandshakeTimeout)
	setDefault(&cfg.WriteTimeout, defaultWriteTimeout)
	setDefault(&cfg.SendQueue, defaultSendQueue)
	setDefault(&cfg.MaxPendingHandshakes, defaultPendingHandshake)
	setDefault(&cfg.PingInterval, defaultPingInterval)
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	e := &Endpoint{
		cfg:        cfg,
		policy:     policy{cfg.Encryption, cfg.Algorithms, cfg.Authentication},
		log:        cfg.Logger,
		slots:      make(chan struct{}, cfg.MaxPendingHandshakes),
		epoch:      uint64(time.Now().UnixNano()),
		born:       time.Now(),
		version:    [2]uint16{protoMajor, protoMinor},
		closeDone:  make(chan struct{}),
		conns:      make(map[*Peer]struct{}),
		byInstance: make(map[string]*Peer),
		addrs:      make(map[string]string),
		dialing:    make(map[string]*dialCall),
		pending:    make(map[string]int),
		changed:    make(chan struct{}),
		ephemeral:  sync.OnceValues(ephemeralCertificate(cfg.Identity)),
	}
	e.ctx, e.cancel = context.WithCancel(context.Background())
	return e, nil
}

func setDefault[T int | time.Duration](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}

// Addr is the bound address.
func (e *Endpoint) Addr() net.Addr {
	if e.ln == nil {
		return nil
	}
	return e.ln.Addr()
}

// Identity is what this endpoint declares in its handshakes.
func (e *Endpoint) Identity() Identity { return e.cfg.Identity }

// Close stops listening and closes every connection (with a goodbye to
// peers that completed the handshake, PeerDown firing for each); when it
// returns, every goroutine of the endpoint has ended. It must not be
// called from Handler, PeerUp or PeerDown.
func (e *Endpoint) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		<-e.closeDone
		return nil
	}
	e.closed = true
	e.cancel()
	var live, handshaking []*Peer
	for p := range e.conns {
		if p.started {
			live = append(live, p)
		} else {
			handshaking = append(handshaking, p)
		}
	}
	e.mu.Unlock()
	var err error
	if e.ln != nil {
		err = e.ln.Close()
	}
	for _, p := range live {
		p.shutdown(errEndpointClosed, true)
	}
	for _, p := range handshaking {
		p.abort()
	}
	e.wg.Wait()
	close(e.closeDone)
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// CloseConnection closes the connection with the given ConnectionID, if
// it is open (its PeerDown reports ErrClosed); the peer may dial again.
func (e *Endpoint) CloseConnection(id string) {
	e.mu.Lock()
	var found *Peer
	for p := range e.conns {
		if p.id == id {
			found = p
		}
	}
	e.mu.Unlock()
	if found != nil {
		found.shutdown(ErrClosed, true)
	}
}

// Live returns the connection kept to the instance with the given
// InstanceID, or nil. A connection that PeerUp reported may already have
// been replaced by another: this is the one to send on.
func (e *Endpoint) Live(instanceID string) *Peer {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.byInstance[instanceID]
}

// Peers lists the endpoint's connections for sys.dm_db_mirroring_connections:
// those in handshake (State NEW, CONNECTING or CONNECTED), the live ones
// (LOGGED_IN) and those closing (CLOSED), oldest first.
func (e *Endpoint) Peers() []PeerInfo {
	e.mu.Lock()
	out := make([]PeerInfo, 0, len(e.conns))
	for p := range e.conns {
		out = append(out, p.infoLocked())
	}
	e.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if !out[i].ConnectTime.Equal(out[j].ConnectTime) {
			return out[i].ConnectTime.Before(out[j].ConnectTime)
		}
		return out[i].ConnectionID < out[j].ConnectionID
	})
	return out
}

func (e *Endpoint) acceptLoop() {
	defer e.wg.Done()
	for {
		c, err := e.ln.Accept()
		if err != nil {
			if e.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			// A transient failure (e.g. out of file descriptors): back off.
			e.log.Warn("mirroring endpoint accept failed", "err", err)
			select {
			case <-time.After(50 * time.Millisecond):
			case <-e.ctx.Done():
				return
			}
			continue
		}
		select {
		case e.slots <- struct{}{}:
		default:
			c.Close()
			e.noteDropped()
			continue
		}
		if !e.acceptConn(c) {
			<-e.slots
		}
	}
}

// acceptConn starts the handshake of an inbound connection on its own
// goroutine, which holds a handshake slot until the handshake ends.
func (e *Endpoint) acceptConn(c net.Conn) bool {
	p := newPeer(e, true)
	p.attach(c)
	p.state = StateConnected
	if !e.track(p, 1) {
		c.Close()
		return false
	}
	go func() {
		defer e.wg.Done()
		e.serveAccepted(p)
	}()
	return true
}

// track lists p as a connection of the endpoint and accounts
// for n goroutines, unless the endpoint is closed.
func (e *Endpoint) track(p *Peer, n int) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return false
	}
	e.conns[p] = struct{}{}
	e.wg.Add(n)
	return true
}

// noteDropped counts a connection dropped by the handshake cap and logs
// at most one line a second about it.
func (e *Endpoint) noteDropped() {
	n := e.dropped.Add(1)
	now := time.Now().UnixNano()
	last := e.lastDropLog.Load()
	if now-last > int64(time.Second) && e.lastDropLog.CompareAndSwap(last, now) {
		e.log.Warn("mirroring endpoint dropping connections: too many handshakes in progress",
			"limit", e.cfg.MaxPendingHandshakes, "dropped_total", n)
	}
}
