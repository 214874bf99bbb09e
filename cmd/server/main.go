// Command server runs one mirrordb instance: a data directory served to
// PostgreSQL clients (psql, pgx, pgbench) in a T-SQL dialect.
//
//	go run ./cmd/server                      # data in ./data, clients on 127.0.0.1:5432
//	go run ./cmd/server --data /var/lib/mdb --listen 127.0.0.1:6432 --name PARTNERHOST1
//	go run ./cmd/server --demo               # principal, mirror and witness, set up and mirroring
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"mirrordb/engine"
	"mirrordb/server"
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
	demo           bool
	demoDir        string
	demoFreePorts  bool
}

func parseFlags(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("mirrordb", flag.ContinueOnError)
	fs.StringVar(&o.dataDir, "data", "./data", "data directory (created if missing; one instance per directory)")
	fs.StringVar(&o.listen, "listen", "127.0.0.1:5432", "host:port for SQL clients (loopback only until logins exist)")
	fs.StringVar(&o.name, "name", "", "server name returned by @@SERVERNAME (default: the --listen address)")
	fs.StringVar(&o.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.IntVar(&o.maxMessageSize, "max-message-size", 64<<20, "largest client protocol message accepted, in bytes")
	fs.DurationVar(&o.shutdownGrace, "shutdown-grace", 10*time.Second, "on SIGINT/SIGTERM, how long running statements may finish")
	fs.StringVar(&o.serviceAccount, "service-account", "mirrordb", "identity declared to mirroring partners (AUTHENTICATION = WINDOWS)")
	fs.StringVar(&o.httpListen, "http", "", "host:port for monitoring over HTTP: /healthz, /principal, /mirror, /metrics (off when empty)")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "PEM certificate offered to SQL clients that ask for TLS (with --tls-key)")
	fs.StringVar(&o.tlsKey, "tls-key", "", "PEM private key of --tls-cert")
	fs.BoolVar(&o.requireTLS, "require-tls", false, "refuse SQL clients that do not use TLS")
	fs.BoolVar(&o.demo, "demo", false, "run a principal, a mirror and a witness in this process, mirroring a sample database (cmd/server/demo.sql)")
	fs.StringVar(&o.demoDir, "demo-dir", "./demo-data", "with --demo: the directory for the three instances' data and logs (emptied at each start)")
	fs.BoolVar(&o.demoFreePorts, "demo-free-ports", false, "with --demo: free ports chosen by the system rather than 5432, 7022 and 8080")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "mirrordb %s: SQL Server-style database mirroring over the PostgreSQL protocol\n\nUsage: server [flags]\n\n", engine.Version)
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

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
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
	if o.demo {
		return runDemo(o, level, os.Stdout)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	srv, err := server.Start(server.Config{DataDir: o.dataDir, Listen: o.listen, Name: o.name, Logger: logger,
		MaxMessageSize: o.maxMessageSize, ServiceAccount: o.serviceAccount, HTTPListen: o.httpListen,
		TLSCertFile: o.tlsCert, TLSKeyFile: o.tlsKey, RequireTLS: o.requireTLS})
	if err != nil {
		fmt.Fprintln(os.Stderr, "mirrordb:", err)
		return 1
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	s := <-sig
	logger.Info("shutting down", "signal", s.String(), "grace", o.shutdownGrace)
	ctx, cancel := context.WithTimeout(context.Background(), o.shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		logger.Error("shutdown", "err", err)
		return 1
	}
	return 0
}
