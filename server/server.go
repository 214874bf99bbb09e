// Package server assembles one mirrordb instance: the engine on a data
// directory and the PostgreSQL wire front end on a TCP listener. cmd/server
// is a thin shell around it (flags and signals); tests start instances in
// process through it.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/vfs"

	"mirrordb/auth"
	"mirrordb/engine"
	"mirrordb/engine/govern"
	"mirrordb/mirroring"
	"mirrordb/mirroring/dbmmonitor"
	"mirrordb/mirroring/monitor"
	"mirrordb/session"
	"mirrordb/wire"
)

// Config configures an instance.
type Config struct {
	// DataDir is the data directory (created if missing).
	DataDir string
	// Listen is the SQL client address, host:port (port 0 picks a free one).
	Listen string
	// Name is @@SERVERNAME; default: the listen address.
	Name string
	// Logger receives structured logs; default slog.Default().
	Logger *slog.Logger
	// MaxMessageSize caps a client message (default 64 MiB).
	MaxMessageSize int
	// StartupTimeout, MaxPendingStartups, MaxConnections and WriteTimeout
	// bound what clients may hold; zero takes wire.Config's defaults
	// (60 s, 128, 1000, 5 min).
	StartupTimeout     time.Duration
	MaxPendingStartups int
	MaxConnections     int
	WriteTimeout       time.Duration
	// CheckpointInterval is how often logs are truncated (default 2 s).
	CheckpointInterval time.Duration
	// ServiceAccount is the identity the instance declares to mirroring
	// peers (default "mirrordb").
	ServiceAccount string
	// StoreFS lets tests inject storage faults (see engine.Config).
	StoreFS vfs.FS
	// HTTPListen, when set, serves /healthz, /principal, /mirror and
	// /metrics there (package monitor); port 0 picks a free one.
	HTTPListen string
	// MonitorMinute is the unit of the mirroring monitor job's update
	// period (sp_dbmmonitoraddmonitoring); default one minute, shorter in
	// tests.
	MonitorMinute time.Duration
	// TLSCertFile and TLSKeyFile (PEM) enable TLS for SQL clients: an
	// SSLRequest is answered 'S' (psql sslmode=require / verify-full).
	TLSCertFile, TLSKeyFile string
	// RequireTLS refuses clients that do not encrypt (needs a certificate).
	RequireTLS bool
	// SAPassword, when set, becomes the sa login's password at start
	// (--sa-password-file, MIRRORDB_SA_PASSWORD); from then on every
	// client authenticates with SCRAM-SHA-256.
	SAPassword string
	// LoginFailureDelay slows failed logins (default one second).
	LoginFailureDelay time.Duration
	// QueryMemory is what one statement's sorts, hash tables, join sides
	// and buffered results may hold, in bytes; QueryMemoryPool what all
	// statements together may (SQL Server's resource pool 'default').
	// Past either a statement fails with Msg 701 instead of the process
	// running out of memory. Zero takes DefaultQueryMemory.
	QueryMemory, QueryMemoryPool int64
}

// DefaultQueryMemory returns the default pool, a quarter of the machine's
// memory (1 GiB when unknown), and per-statement budget, a quarter of the
// pool. Buffers are counted approximately and Go's heap runs up to twice
// what is live, so the pool leaves room for both.
func DefaultQueryMemory() (perQuery, pool int64) {
	pool = 1 << 30
	if total := physicalMemory(); total > 0 {
		pool = total / 4
	}
	return pool / 4, pool
}

// Server is a running instance.
type Server struct {
	cfg    Config
	inst   *engine.Instance
	mirror *mirroring.Manager
	dbmmon *dbmmonitor.Monitor
	front  *wire.Server
	memory *govern.Pool
	ln     net.Listener
	served chan error
	http   *http.Server // nil without HTTPListen
	httpLn net.Listener

	stopOnce sync.Once
	stopErr  error
}

// ErrNotLoopback refuses a non-loopback listen address while clients are
// authenticated by trust (sa has no password yet).
var ErrNotLoopback = errors.New("refusing to listen on a non-loopback address while sa has no password (clients would be trusted, or sa locked out): set the sa password (--sa-password-file or MIRRORDB_SA_PASSWORD) or listen on 127.0.0.1, ::1 or localhost")

// Start opens the data directory and starts serving clients.
func Start(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	loopback, err := isLoopback(cfg.Listen)
	if err != nil {
		return nil, err
	}
	clientTLS, err := loadClientTLS(cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	if cfg.Name == "" {
		cfg.Name = ln.Addr().String()
	}
	inst, err := engine.Open(engine.Config{DataDir: cfg.DataDir, ServerName: cfg.Name, Logger: cfg.Logger,
		CheckpointInterval: cfg.CheckpointInterval, ListenAddr: ln.Addr().String(), StoreFS: cfg.StoreFS})
	if err != nil {
		ln.Close()
		return nil, err
	}
	if cfg.ServiceAccount == "" {
		cfg.ServiceAccount = mirroring.DefaultServiceAccount
	}
	if err := setUpLogins(inst, cfg.SAPassword, cfg.ServiceAccount, loopback); err != nil {
		inst.Close()
		ln.Close()
		return nil, err
	}
	host, _, _ := net.SplitHostPort(ln.Addr().String())
	mirror, err := mirroring.Start(mirroring.Config{Instance: inst, ListenHost: host,
		ServiceAccount: cfg.ServiceAccount, Logger: cfg.Logger})
	if err != nil {
		inst.Close()
		ln.Close()
		return nil, err
	}
	dbmmon := dbmmonitor.Start(inst, cfg.Logger, dbmmonitor.Options{Minute: cfg.MonitorMinute})
	authn := &auth.Authenticator{Logins: logins{inst}, Loopback: loopback, FailureDelay: cfg.LoginFailureDelay, Logger: cfg.Logger}
	memory := memoryPool(cfg)
	front := wire.NewServer(backend{inst, memory}, wire.Config{MaxMessageSize: cfg.MaxMessageSize, Logger: cfg.Logger, Memory: memory,
		TLS: clientTLS, RequireTLS: cfg.RequireTLS, Authenticator: authn,
		StartupTimeout: cfg.StartupTimeout, MaxPendingStartups: cfg.MaxPendingStartups,
		MaxConnections: cfg.MaxConnections, WriteTimeout: cfg.WriteTimeout, ShutdownGrace: cancelGrace})
	s := &Server{cfg: cfg, inst: inst, mirror: mirror, dbmmon: dbmmon, front: front, memory: memory, ln: ln, served: make(chan error, 1)}
	if cfg.HTTPListen != "" {
		hl, err := net.Listen("tcp", cfg.HTTPListen)
		if err != nil {
			ln.Close()
			dbmmon.Close()
			return nil, errors.Join(fmt.Errorf("--http %s: %w", cfg.HTTPListen, err), mirror.Close(), inst.Close())
		}
		s.http, s.httpLn = &http.Server{Handler: monitor.Handler(inst), ReadHeaderTimeout: 10 * time.Second}, hl
		go s.http.Serve(hl)
		cfg.Logger.Info("serving monitoring over HTTP", "listen", hl.Addr().String())
	}
	go func() { s.served <- front.Serve(ln) }()
	cfg.Logger.Info("accepting SQL clients", "listen", ln.Addr().String(), "server", cfg.Name)
	return s, nil
}

// memoryPool is the statements' memory by cfg.
func memoryPool(cfg Config) *govern.Pool {
	perQuery, pool := DefaultQueryMemory()
	if cfg.QueryMemoryPool > 0 {
		pool = cfg.QueryMemoryPool
	}
	if cfg.QueryMemory > 0 {
		perQuery = cfg.QueryMemory
	}
	return govern.NewPool(pool, perQuery)
}

// backend opens the engine's sessions on the server's memory pool.
type backend struct {
	*engine.Instance
	memory *govern.Pool
}

func (b backend) Open(ctx context.Context, st session.Startup) (session.Session, error) {
	return b.Instance.OpenWith(ctx, st, b.memory)
}

// Memory is the pool statements take their memory from.
func (s *Server) Memory() *govern.Pool { return s.memory }

// loadClientTLS reads the certificate SQL clients are offered, if any.
func loadClientTLS(cfg Config) (*tls.Config, error) {
	if cfg.TLSCertFile == "" && cfg.TLSKeyFile == "" {
		if cfg.RequireTLS {
			return nil, errors.New("--require-tls needs --tls-cert and --tls-key")
		}
		return nil, nil
	}
	if cfg.TLSCertFile == "" || cfg.TLSKeyFile == "" {
		return nil, errors.New("--tls-cert and --tls-key go together")
	}
	cert, err := tls.LoadX509KeyPair(cfg.TLSCertFile, cfg.TLSKeyFile)
	if err != nil {
		return nil, fmt.Errorf("client TLS certificate: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// isLoopback reports whether every interface addr listens on is loopback.
func isLoopback(addr string) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, fmt.Errorf("listen address %q: %w", addr, err)
	}
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback()), nil
}

// setUpLogins makes the service account a login, applies the sa password
// given at start and refuses to trust clients beyond loopback.
func setUpLogins(inst *engine.Instance, saPassword, serviceAccount string, loopback bool) error {
	if err := inst.EnsureServiceAccountLogin(serviceAccount); err != nil {
		return fmt.Errorf("service account login %q: %w", serviceAccount, err)
	}
	if saPassword != "" {
		if err := inst.SetLoginPassword("sa", saPassword); err != nil {
			return fmt.Errorf("sa password: %w", err)
		}
	}
	if !loopback && !inst.SAHasPassword() {
		return ErrNotLoopback
	}
	return nil
}

// logins shows the engine's logins to the authenticator.
type logins struct{ *engine.Instance }

func (l logins) LookupLogin(name string) (auth.Login, bool) {
	info, ok := l.Instance.LookupLogin(name)
	return auth.Login(info), ok
}

// Addr is the address clients connect to.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// HTTPAddr is the monitoring listener's address ("" without one).
func (s *Server) HTTPAddr() string {
	if s.httpLn == nil {
		return ""
	}
	return s.httpLn.Addr().String()
}

// Instance exposes the engine (for tests and wiring).
func (s *Server) Instance() *engine.Instance { return s.inst }

// cancelGrace is how long connections whose statements a shutdown
// cancelled get to report it and close before their sockets are closed:
// a cancelled statement stops within milliseconds (a load written in
// parts leaves its rollback to the next open, Instance.BeginStop).
const cancelGrace = 300 * time.Millisecond

// Shutdown stops accepting clients, lets running statements finish until
// ctx ends, then cancels them, disconnects everyone and closes the data
// directory cleanly. Cancelling statements is part of a clean shutdown
// (it is logged, not returned): Shutdown returns what failed to close.
// Past ctx's deadline it takes at most 2×cancelGrace plus what closing
// mirroring and the stores takes. Later calls return the first call's
// result.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopOnce.Do(func() {
		if s.http != nil {
			s.http.Close()
		}
		// Statements cancelled when ctx ends do not wait for the rollback
		// of a load written in parts: the next open undoes it.
		stopRollbacks := context.AfterFunc(ctx, s.inst.BeginStop)
		defer stopRollbacks()
		err := s.front.Shutdown(ctx)
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			s.cfg.Logger.Warn("shutdown: running statements were cancelled when the grace period ran out")
			err = nil
		}
		<-s.served
		s.dbmmon.Close()
		s.stopErr = errors.Join(err, s.mirror.Close(), s.inst.Close())
	})
	return s.stopErr
}

// Close shuts down with a short grace period.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.Shutdown(ctx)
}
