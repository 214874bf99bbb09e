// Command server runs one mirrordb instance: a data directory served to
// PostgreSQL clients (psql, pgx, pgbench) in a T-SQL dialect.
//
//	go run ./cmd/server                      # data in ./data, clients on 127.0.0.1:5432
//	go run ./cmd/server --data /var/lib/mdb --listen 127.0.0.1:6432 --name PARTNERHOST1
//	go run ./cmd/server --demo               # principal, mirror and witness, set up and mirroring
//	go run ./cmd/server sqlcmd -S 127.0.0.1,5432 -i setup.sql   # run a T-SQL script (package sqlcmd)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"mirrordb/engine"
	"mirrordb/engine/storage"
	"mirrordb/server"
	"mirrordb/sqlcmd"
)

// options holds every command-line flag; later features add theirs here.
type options struct {
	dataDir        string
	listen         string
	name           string
	logLevel       string
	maxMessageSize int
	shutdownGrace  time.Duration
	serviceAccount string
	httpListen     string
	tlsCert        string
	tlsKey         string
	requireTLS     bool
	saPasswordFile string
	queryMemory    byteSize
	queryPool      byteSize
	partSize       byteSize
	demo           bool
	demoDir        string
	demoFreePorts  bool
}

func parseFlags(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("mirrordb", flag.ContinueOnError)
	fs.StringVar(&o.dataDir, "data", "./data", "data directory (created if missing; one instance per directory)")
	fs.StringVar(&o.listen, "listen", "127.0.0.1:5432", "host:port for SQL clients (loopback only until sa has a password)")
	fs.StringVar(&o.name, "name", "", "server name returned by @@SERVERNAME (default: the --listen address)")
	fs.StringVar(&o.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.IntVar(&o.maxMessageSize, "max-message-size", 64<<20, "largest client protocol message accepted, in bytes")
	fs.DurationVar(&o.shutdownGrace, "shutdown-grace", 10*time.Second, "on SIGINT/SIGTERM, how long running statements may finish; then they are cancelled and the process exits within a second")
	fs.Var(&o.queryMemory, "query-memory", "memory one statement's sorts, hash tables, join sides and buffered results may hold, e.g. 512MB (default: a quarter of --query-memory-pool); past it Msg 701")
	fs.Var(&o.queryPool, "query-memory-pool", "memory all statements together may hold, e.g. 4GB (default: a quarter of the machine's memory); past it Msg 701")
	fs.StringVar(&o.serviceAccount, "service-account", "mirrordb", "identity declared to mirroring partners (AUTHENTICATION = WINDOWS)")
	fs.StringVar(&o.httpListen, "http", "", "host:port for monitoring over HTTP: /healthz, /principal, /mirror, /metrics (off when empty)")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "PEM certificate offered to SQL clients that ask for TLS (with --tls-key)")
	fs.StringVar(&o.tlsKey, "tls-key", "", "PEM private key of --tls-cert")
	fs.BoolVar(&o.requireTLS, "require-tls", false, "refuse SQL clients that do not use TLS")
	fs.StringVar(&o.saPasswordFile, "sa-password-file", "", "file holding the sa login's password (else $MIRRORDB_SA_PASSWORD); once set, clients authenticate with SCRAM-SHA-256")
	fs.BoolVar(&o.demo, "demo", false, "run a principal, a mirror and a witness in this process, mirroring a sample database (cmd/server/demo.sql)")
	fs.StringVar(&o.demoDir, "demo-dir", "./demo-data", "with --demo: the directory for the three instances' data and logs (emptied at each start)")
	fs.Var(&o.partSize, "part-size", "a write transaction holds this much of its changes in memory, then writes them to the log as a part before it commits, e.g. 4MB (the default)")
	fs.BoolVar(&o.demoFreePorts, "demo-free-ports", false, "with --demo: free ports chosen by the system rather than 5432, 7022 and 8080")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "mirrordb %s: SQL Server-style database mirroring over the PostgreSQL protocol\n\nUsage: server [flags]\n       server sqlcmd [options]   (run T-SQL scripts; server sqlcmd -? lists its options)\n\n", engine.Version)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	// The demo chooses its instances' directories, addresses and names.
	var clash error
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "data", "listen", "name", "http":
			if o.demo && clash == nil {
				clash = fmt.Errorf("--%s does not apply to --demo (see --demo-dir)", f.Name)
			}
		}
	})
	if clash != nil {
		return nil, clash
	}
	return o, nil
}

// readSAPassword reads the sa password from file (its first line), else
// from $MIRRORDB_SA_PASSWORD; "" when neither is given.
func readSAPassword(file string) (string, error) {
	if file == "" {
		return os.Getenv("MIRRORDB_SA_PASSWORD"), nil
	}
	pw, err := sqlcmd.ReadPasswordFile(file)
	if err != nil {
		return "", fmt.Errorf("--sa-password-file: %w", err)
	}
	return pw, nil
}

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) > 0 && args[0] == "sqlcmd" {
		return sqlcmd.Main(args[1:], os.Stdin, os.Stdout, os.Stderr)
	}
	o, err := parseFlags(args)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mirrordb:", err)
		return 2
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		fmt.Fprintln(os.Stderr, "mirrordb: --log-level:", err)
		return 2
	}
	storage.SetDefaultPartBytes(int(o.partSize))
	if o.demo {
		return runDemo(o, level, os.Stdout)
	}
	saPassword, err := readSAPassword(o.saPasswordFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mirrordb:", err)
		return 2
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	srv, err := server.Start(server.Config{SAPassword: saPassword, DataDir: o.dataDir, Listen: o.listen, Name: o.name, Logger: logger,
		MaxMessageSize: o.maxMessageSize, ServiceAccount: o.serviceAccount, HTTPListen: o.httpListen,
		TLSCertFile: o.tlsCert, TLSKeyFile: o.tlsKey, RequireTLS: o.requireTLS,
		QueryMemory: int64(o.queryMemory), QueryMemoryPool: int64(o.queryPool)})
	if err != nil {
		fmt.Fprintln(os.Stderr, "mirrordb:", err)
		return 1
	}
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	s := <-sig
	logger.Info("shutting down", "signal", s.String(), "grace", o.shutdownGrace)
	return shutdown(logger, srv.Shutdown, o.shutdownGrace, sig)
}

// exitMargin is kept from the second after the grace for the process to
// exit once shutdown has given up (and for the signal to reach us).
const exitMargin = 250 * time.Millisecond

// shutdown runs stop with the grace period and returns the exit code. The
// process exits within grace plus a second whatever happens: when stop
// has not returned by then (say a store wedged on a failed disk), or a
// second signal arrives, it logs that and gives up waiting. Nothing
// acknowledged is lost by exiting: commits are acknowledged after fsync.
func shutdown(logger *slog.Logger, stop func(context.Context) error, grace time.Duration, sig <-chan os.Signal) int {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- stop(ctx) }()
	limit := time.NewTimer(grace + time.Second - exitMargin)
	defer limit.Stop()
	select {
	case err := <-done:
		if err != nil {
			logger.Error("shutdown", "err", err)
			return 1
		}
		return 0
	case <-limit.C:
		logger.Error("shutdown did not complete in time; exiting anyway (acknowledged commits are durable); what still runs follows", "grace", grace)
		_ = pprof.Lookup("goroutine").WriteTo(os.Stderr, 1)
	case s := <-sig:
		logger.Error("second signal during shutdown; exiting now (acknowledged commits are durable)", "signal", s.String())
	}
	return 1
}

// byteSize is a flag holding a size in bytes: a number with an optional
// unit, B, KB, MB, GB or TB (powers of 1024; KiB, MiB, ... too).
type byteSize int64

func (b *byteSize) String() string {
	if *b == 0 {
		return ""
	}
	return strconv.FormatInt(int64(*b), 10)
}

func (b *byteSize) Set(s string) error {
	num := strings.TrimRight(s, "BbKkMmGgTtIi ")
	unit := strings.ToUpper(strings.TrimSpace(s[len(num):]))
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || n < 0 {
		return fmt.Errorf("%q is not a size (e.g. 512MB, 2GB)", s)
	}
	scale := map[string]float64{"": 1, "B": 1, "K": 1 << 10, "KB": 1 << 10, "KIB": 1 << 10, "M": 1 << 20, "MB": 1 << 20,
		"MIB": 1 << 20, "G": 1 << 30, "GB": 1 << 30, "GIB": 1 << 30, "T": 1 << 40, "TB": 1 << 40, "TIB": 1 << 40}[unit]
	if scale == 0 {
		return fmt.Errorf("%q: unknown unit %q (B, KB, MB, GB, TB)", s, unit)
	}
	*b = byteSize(n * scale)
	return nil
}
