package wire

import (
	"container/list"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sort"
	"sync"
	"time"

	"mirrordb/session"
)

// Config configures a Server. The zero value is usable.
type Config struct {
	// MaxMessageSize caps the length a client may declare for one
	// protocol message; a larger one ends the connection with FATAL 08P01
	// before anything is allocated. Below it, a message's buffer grows as
	// its bytes arrive. Default 64 MiB.
	MaxMessageSize int
	// Logger receives one line per connection opened and closed, and
	// protocol trouble. Default slog.Default().
	Logger *slog.Logger
	// StartupTimeout bounds the handshake (SSL negotiation, startup
	// message, authentication, Backend.Open). Default 60 s, as
	// PostgreSQL's authentication_timeout.
	StartupTimeout time.Duration
	// MaxPendingStartups caps the connections in their handshake. A
	// connection accepted beyond it closes the oldest of them, the one
	// likeliest to be stalled: clients that open connections and never
	// finish startup are pushed out by newcomers instead of locking them
	// out. Default 128.
	MaxPendingStartups int
	// MaxConnections caps the sessions (connections past their startup
	// message, authenticating included). A client beyond it gets FATAL
	// 53300, Msg 17809, as PostgreSQL answers "too many clients". Default
	// 1000.
	MaxConnections int
	// WriteTimeout ends a connection whose client takes none of the
	// output waiting for it (up to 64 KiB) for this long: a client that
	// stops reading a result cannot hold its statement and session for
	// ever. PostgreSQL and SQL Server wait without limit; this default is
	// generous for slow consumers. Default 5 minutes.
	WriteTimeout time.Duration
	// ShutdownGrace is how long connections whose statements Shutdown
	// cancelled (because its context ended) get to report and close before
	// their sockets are closed under them. Default 2 s.
	ShutdownGrace time.Duration
	// Authenticator checks each client's identity. Nil means trust: any
	// user name is accepted.
	Authenticator Authenticator
	// TLS, when set, answers SSLRequest with 'S' and encrypts the
	// connection; nil answers 'N' (plain text).
	TLS *tls.Config
	// RequireTLS refuses a startup message on a connection that is not
	// encrypted.
	RequireTLS bool
	// Memory, when set, accounts the rows a portal buffers (an Execute
	// with a row limit runs the statement to completion first): past the
	// per-statement budget or the pool the statement fails with Msg 701.
	Memory session.Memory
}

const (
	defaultMaxMessageSize = 64 << 20
	defaultStartupTimeout = 60 * time.Second
	defaultMaxPending     = 128
	defaultMaxConnections = 1000
	defaultShutdownGrace  = 2 * time.Second
	defaultWriteTimeout   = 5 * time.Minute
)

// ErrServerClosed is returned by Serve after Shutdown.
var ErrServerClosed = errors.New("wire: server closed")

// Server accepts PostgreSQL protocol connections and runs each in its own
// goroutine against sessions of a Backend.
type Server struct {
	backend session.Backend
	cfg     Config
	log     *slog.Logger

	// ctx is the parent of every connection's context; cancelled when
	// Shutdown gives up waiting.
	ctx       context.Context
	cancelAll context.CancelFunc

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[uint32]*conn // by process id
	pending   list.List        // of *conn in their handshake, oldest first
	sessions  int              // connections holding a MaxConnections slot
	evictLog  logLimiter
	closing   bool
	drain     chan struct{} // closed when Shutdown begins
	hard      chan struct{} // closed when Shutdown's context ends
	hardOnce  sync.Once
	wg        sync.WaitGroup // one per connection goroutine
}

// NewServer returns a server that opens sessions on backend.
func NewServer(backend session.Backend, cfg Config) *Server {
	if cfg.MaxMessageSize <= 0 {
		cfg.MaxMessageSize = defaultMaxMessageSize
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.StartupTimeout <= 0 {
		cfg.StartupTimeout = defaultStartupTimeout
	}
	if cfg.MaxPendingStartups <= 0 {
		cfg.MaxPendingStartups = defaultMaxPending
	}
	if cfg.MaxConnections <= 0 {
		cfg.MaxConnections = defaultMaxConnections
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = defaultWriteTimeout
	}
	if cfg.ShutdownGrace <= 0 {
		cfg.ShutdownGrace = defaultShutdownGrace
	}
	if cfg.Authenticator == nil {
		cfg.Authenticator = Trust{}
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{
		backend:   backend,
		cfg:       cfg,
		log:       cfg.Logger,
		ctx:       ctx,
		cancelAll: cancel,
		listeners: make(map[net.Listener]struct{}),
		conns:     make(map[uint32]*conn),
		drain:     make(chan struct{}),
		hard:      make(chan struct{}),
	}
}

// Serve accepts connections on l until Shutdown, then returns
// ErrServerClosed. It may be called for several listeners. Serve closes l.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		l.Close()
		return ErrServerClosed
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
		l.Close()
	}()

	var backoff time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			s.mu.Lock()
			closing := s.closing
			s.mu.Unlock()
			if closing {
				return ErrServerClosed
			}
			if retryableAccept(err) {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.log.Warn("wire: accept failed; retrying", "err", err, "delay", backoff)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		s.start(nc)
	}
}

// retryableAccept reports an Accept failure worth retrying: a timeout, or
// a condition the net package still marks Temporary (EMFILE, ENFILE, ...).
func retryableAccept(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// start registers a new connection under a fresh process id and runs it.
// When MaxPendingStartups connections are already in their handshake,
// the oldest of them is closed.
func (s *Server) start(nc net.Conn) {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		nc.Close()
		return
	}
	var evicted *conn
	if s.pending.Len() >= s.cfg.MaxPendingStartups {
		evicted = s.pending.Remove(s.pending.Front()).(*conn)
		evicted.pendingAt = nil
	}
	c := newConn(s, nc, s.newProcessID(), randomNonZero())
	s.conns[c.pid] = c
	c.pendingAt = s.pending.PushBack(c)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer s.forget(c)
		c.serve()
	}()
	s.mu.Unlock()
	if evicted != nil {
		evicted.abortStartup(errTooManyStartups)
		if ok, dropped := s.evictLog.allow(time.Now(), time.Second); ok {
			s.log.Warn("wire: too many connections in startup; closing the oldest",
				"max_pending_startups", s.cfg.MaxPendingStartups, "closed", dropped+1,
				"remote", evicted.nc.RemoteAddr().String())
		}
	}
}

// forget removes an ended connection.
func (s *Server) forget(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c.pid)
	s.startedLocked(c)
	if c.slot {
		c.slot = false
		s.sessions--
	}
}

// started notes that c is past its handshake.
func (s *Server) started(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.startedLocked(c)
}

func (s *Server) startedLocked(c *conn) {
	if c.pendingAt != nil {
		s.pending.Remove(c.pendingAt)
		c.pendingAt = nil
	}
}

// takeSlot reserves one of MaxConnections for c.
func (s *Server) takeSlot(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sessions >= s.cfg.MaxConnections {
		return false
	}
	s.sessions++
	c.slot = true
	return true
}

// logLimiter lets one log line through per interval and counts the ones
// it held back.
type logLimiter struct {
	mu      sync.Mutex
	last    time.Time
	dropped int
}

// allow reports whether a line may be logged at now, and how many were
// held back since the last one.
func (l *logLimiter) allow(now time.Time, every time.Duration) (bool, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.last.IsZero() && now.Sub(l.last) < every {
		l.dropped++
		return false, 0
	}
	n := l.dropped
	l.last, l.dropped = now, 0
	return true, n
}

// newProcessID picks a random positive 31-bit id not in use. s.mu held.
func (s *Server) newProcessID() uint32 {
	for {
		pid := randomNonZero() & 0x7fffffff
		if _, taken := s.conns[pid]; pid != 0 && !taken {
			return pid
		}
	}
}

func randomNonZero() uint32 {
	var b [4]byte
	for {
		_, _ = rand.Read(b[:])
		if v := binary.BigEndian.Uint32(b[:]); v != 0 {
			return v
		}
	}
}

// ErrShutdownIncomplete is returned by Shutdown when connections were
// still running after their sockets were closed (a statement wedged in a
// call that ignores its context); their goroutines are left behind.
var ErrShutdownIncomplete = errors.New("wire: connections did not end")

// Shutdown stops the server. It closes the listeners at once; idle
// connections receive FATAL 57P01 and close; a connection running a
// statement finishes it (and its ReadyForQuery) and then closes. When ctx
// ends first, running statements are cancelled, their connections get
// FATAL 57P01, and after ShutdownGrace any socket still open is closed.
// Shutdown returns once every connection goroutine has ended: nil, or
// ctx.Err() when it had to cancel statements; or, when some have not
// ended ShutdownGrace after their sockets closed, ErrShutdownIncomplete,
// so that Shutdown always returns within ctx's deadline and twice
// ShutdownGrace.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if !s.closing {
		s.closing = true
		close(s.drain)
		for l := range s.listeners {
			l.Close()
		}
	}
	conns := s.snapshot()
	s.mu.Unlock()
	for _, c := range conns {
		c.abortStartup(errAdminShutdown)
	}

	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	s.hardOnce.Do(func() {
		close(s.hard)
		s.cancelAll()
	})
	grace := time.NewTimer(s.cfg.ShutdownGrace)
	defer grace.Stop()
	select {
	case <-done:
	case <-grace.C:
		s.mu.Lock()
		conns = s.snapshot()
		s.mu.Unlock()
		for _, c := range conns {
			c.nc.Close()
		}
		grace.Reset(s.cfg.ShutdownGrace)
		select {
		case <-done:
		case <-grace.C:
			n := s.NumConns()
			s.log.Error("wire: connections still running after their sockets closed; leaving them", "connections", n)
			return fmt.Errorf("%w: %d still running", ErrShutdownIncomplete, n)
		}
	}
	return ctx.Err()
}

func (s *Server) snapshot() []*conn {
	out := make([]*conn, 0, len(s.conns))
	for _, c := range s.conns {
		out = append(out, c)
	}
	return out
}

// ConnInfo describes one open connection.
type ConnInfo struct {
	ProcessID       uint32
	User            string
	Database        string
	ApplicationName string
	Remote          net.Addr
	Started         time.Time
	// Busy reports a statement running.
	Busy bool
}

// Conns lists the open connections, ordered by process id.
func (s *Server) Conns() []ConnInfo {
	s.mu.Lock()
	conns := s.snapshot()
	s.mu.Unlock()
	out := make([]ConnInfo, 0, len(conns))
	for _, c := range conns {
		out = append(out, c.info())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ProcessID < out[j].ProcessID })
	return out
}

// NumConns returns the number of open connections.
func (s *Server) NumConns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}
