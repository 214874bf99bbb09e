// Package servertest starts real mirrordb instances for tests: on a free
// loopback port, in a temporary data directory, shut down and checked for
// a clean close when the test ends.
package servertest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/vfs"
	"github.com/jackc/pgx/v5"

	"mirrordb/server"
)

// Logger is quiet unless MIRRORDB_TEST_LOG is set.
func Logger() *slog.Logger {
	if os.Getenv("MIRRORDB_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// Start starts an instance on 127.0.0.1 in dir (a fresh temporary
// directory when dir is ""). It is shut down at the end of the test.
func Start(t testing.TB, dir string) *server.Server {
	t.Helper()
	return StartWith(t, Options{Dir: dir})
}

// URL returns a connection string for database db: as sa with its
// password when the instance was started with Options.SAPassword, else
// as "tester", whom an instance without passwords trusts.
func URL(srv *server.Server, db string) string {
	user := "tester"
	if pw, ok := saPasswords.Load(srv); ok {
		user = "sa:" + url.PathEscape(pw.(string))
	}
	return "postgres://" + user + "@" + srv.Addr() + "/" + db + "?sslmode=disable"
}

// saPasswords remembers Options.SAPassword per running server, for URL.
var saPasswords sync.Map

// Connect opens a pgx connection to database db, closed at the end of the
// test.
func Connect(t testing.TB, srv *server.Server, db string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, URL(srv, db))
	if err != nil {
		t.Fatalf("connect to %s: %v", db, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// Options starts an instance somewhere other than the defaults.
type Options struct {
	Dir  string // data directory; a fresh temporary one when ""
	Host string // listen host; 127.0.0.1 when ""
	Name string // @@SERVERNAME; "mirrordb-test" when ""
	Port int    // SQL port; a free one when 0
	HTTP bool   // serve monitoring over HTTP on a free port of Host
	// StoreFS is the databases' file system (fault injection); the
	// operating system's when nil.
	StoreFS vfs.FS
	// MonitorMinute shortens the minute of the monitor job's update
	// period (sp_dbmmonitoraddmonitoring).
	MonitorMinute time.Duration
	// SAPassword sets the sa password: clients then authenticate, and URL
	// logs in as sa. Failed logins wait only a millisecond.
	SAPassword string
	// Configure, if set, adjusts the configuration last (TLS files, ...).
	Configure func(*server.Config)
}

// StartWith starts an instance with opts; it is shut down at the end of
// the test unless the test closed it first.
func StartWith(t testing.TB, opts Options) *server.Server {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	srv, err := server.Start(Config(opts))
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	if opts.SAPassword != "" {
		saPasswords.Store(srv, opts.SAPassword)
		t.Cleanup(func() { saPasswords.Delete(srv) })
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("server shutdown: %v", err)
		}
	})
	return srv
}

// LoopbackHosts returns n distinct random addresses in 127.0.0.0/8 (not
// 127.0.0.1), so that tests running at once rarely share an address.
func LoopbackHosts(n int) []string {
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		h := fmt.Sprintf("127.%d.%d.%d", rand.IntN(250)+1, rand.IntN(250)+1, rand.IntN(250)+2)
		if !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	return out
}

// FreePort returns a TCP port free on every one of hosts (as the seed's
// setup uses one port number on several addresses). It is drawn below the
// kernel's ephemeral range (32768 and up on Linux), so that a listener
// started on port 0 afterwards (every test server's SQL port) cannot be
// handed the same port before the caller binds it.
func FreePort(t testing.TB, hosts ...string) int {
	t.Helper()
	port, err := PickPort(hosts...)
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// PickPort is FreePort for callers without a testing.TB (script tests'
// commands).
func PickPort(hosts ...string) (int, error) {
	for range 200 {
		port := 10000 + rand.IntN(22000)
		ok := true
		for _, h := range hosts {
			l, err := net.Listen("tcp", net.JoinHostPort(h, fmt.Sprint(port)))
			if err != nil {
				ok = false
				break
			}
			l.Close()
		}
		if ok {
			return port, nil
		}
	}
	return 0, fmt.Errorf("no port free on all of %v", hosts)
}

// Config is the configuration StartWith starts an instance with, for
// harnesses that start and stop instances themselves (script tests);
// opts.Dir must be set.
func Config(opts Options) server.Config {
	if opts.Host == "" {
		opts.Host = "127.0.0.1"
	}
	if opts.Name == "" {
		opts.Name = "mirrordb-test"
	}
	cfg := server.Config{DataDir: opts.Dir, Listen: net.JoinHostPort(opts.Host, strconv.Itoa(opts.Port)), Name: opts.Name, Logger: Logger(),
		StoreFS: opts.StoreFS, HTTPListen: httpListen(opts), MonitorMinute: opts.MonitorMinute}
	if opts.SAPassword != "" {
		cfg.SAPassword, cfg.LoginFailureDelay = opts.SAPassword, time.Millisecond
	}
	if opts.Configure != nil {
		opts.Configure(&cfg)
	}
	return cfg
}

func httpListen(o Options) string {
	if !o.HTTP {
		return ""
	}
	return net.JoinHostPort(o.Host, "0")
}
