package main

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"mirrordb/engine"
	"mirrordb/server"
	"mirrordb/sqlcmd"
)

// demoScript is the set-up --demo runs, the same T-SQL a DBA would type;
// it is embedded so that the binary runs exactly what the README shows.
//
//go:embed demo.sql
var demoScript string

const demoDB = "AdventureWorks"

// demoHosts are the addresses of the README's walk-through (PARTNERHOST1,
// PARTNERHOST5, WITNESSHOST4 on loopback). Systems that route only
// 127.0.0.1 (macOS without aliases) get the three on 127.0.0.1 instead.
var demoHosts = []string{"127.0.0.11", "127.0.0.15", "127.0.0.17"}

// Well-known ports the demo takes when they are free: SQL, endpoint, HTTP.
// Three instances sharing 127.0.0.1 take these plus 0, 1 and 2.
const (
	demoSQLPort      = 5432
	demoEndpointPort = 7022
	demoHTTPPort     = 8080
)

// demoNode is one instance of the demo. Its addresses are fixed once it
// first starts, so that a stop and start (SIGUSR1) finds it where clients
// and its partners expect it.
type demoNode struct {
	name     string // @@SERVERNAME and its :CONNECT name in demo.sql
	role     string // what the set-up makes it
	host     string
	endpoint int // the mirroring endpoint's port
	cfg      server.Config
	log      *os.File
	srv      *server.Server // nil while stopped
}

func (n *demoNode) url(db string) string {
	return "postgres://demo@" + n.cfg.Listen + "/" + db + "?sslmode=disable&connect_timeout=5"
}

// address is the server network address the others are given.
func (n *demoNode) address() string {
	return "TCP://" + net.JoinHostPort(n.host, strconv.Itoa(n.endpoint))
}

func (n *demoNode) sqlPort() string {
	_, port, _ := net.SplitHostPort(n.cfg.Listen)
	return port
}

func (n *demoNode) httpURL() string { return "http://" + n.cfg.HTTPListen + "/" }

// start starts the instance, then pins the ports it was given.
func (n *demoNode) start() error {
	srv, err := server.Start(n.cfg)
	if err != nil {
		return fmt.Errorf("%s: %w", n.name, err)
	}
	n.srv, n.cfg.Listen, n.cfg.HTTPListen = srv, srv.Addr(), srv.HTTPAddr()
	return nil
}

func (n *demoNode) stop(grace time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := n.srv.Shutdown(ctx)
	n.srv = nil
	return err
}

// status reads the demo database's mirroring row, giving up after a
// second.
func (n *demoNode) status(ctx context.Context) (mirroring, error) {
	if n.srv == nil {
		return mirroring{}, errors.New("stopped")
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	return mirroringStatus(ctx, n.url("master"), demoDB)
}

// demo is a principal, a mirror and a witness in this process, in
// subdirectories of one directory.
type demo struct {
	o     *options
	level slog.Level
	out   io.Writer
	dir   string
	nodes []*demoNode // principal, mirror, witness as set up
}

// runDemo runs --demo until SIGINT or SIGTERM; SIGUSR1 stops the
// principal (automatic failover) or starts the stopped partner again.
func runDemo(o *options, level slog.Level, out io.Writer) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sig := make(chan os.Signal, 1)
	usr1 := make(chan struct{}, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM, syscall.SIGUSR1)
	defer signal.Stop(sig)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case s := <-sig:
				if s != syscall.SIGUSR1 {
					cancel()
					return
				}
				select {
				case usr1 <- struct{}{}:
				default:
				}
			}
		}
	}()

	dir, err := filepath.Abs(o.demoDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mirrordb --demo:", err)
		return 1
	}
	d := &demo{o: o, level: level, out: out, dir: dir, nodes: []*demoNode{
		{name: "PARTNERHOST1", role: "principal"}, {name: "PARTNERHOST5", role: "mirror"}, {name: "WITNESSHOST4", role: "witness"}}}
	lock, err := d.prepareDir()
	if err != nil {
		fmt.Fprintln(os.Stderr, "mirrordb --demo:", err)
		return 1
	}
	defer lock.Close() // releases the lock
	err = d.start()
	if err == nil {
		err = d.setUp(ctx)
	}
	code := 0
	if err != nil {
		fmt.Fprintln(os.Stderr, "mirrordb --demo:", err)
		code = 1
	}
	for code == 0 && ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-usr1:
			d.toggle(ctx)
		}
	}
	fmt.Fprintln(out, "\nStopping the three instances...")
	if err := d.shutdown(); err != nil {
		fmt.Fprintln(os.Stderr, "mirrordb --demo: shutdown:", err)
		return 1
	}
	if code == 0 {
		fmt.Fprintln(out, "Stopped.")
	}
	return code
}

// demoLock marks a directory as the demo's and keeps two demos out of it.
const demoLock = "demo.lock"

// prepareDir makes the demo directory fresh: it removes what an earlier
// run left (only the names the demo makes, and only in a directory that
// holds nothing else, so a mistyped --demo-dir cannot wipe anyone's files).
func (d *demo) prepareDir() (*os.File, error) {
	known := map[string]bool{demoLock: true, "backup": true}
	for _, n := range d.nodes {
		known[n.name], known[n.name+".log"] = true, true
	}
	if err := os.MkdirAll(d.dir, 0o755); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(d.dir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if !known[e.Name()] {
			return nil, fmt.Errorf("%s holds %s, which the demo did not make; choose another --demo-dir", d.dir, e.Name())
		}
	}
	lock, err := os.OpenFile(filepath.Join(d.dir, demoLock), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		return nil, fmt.Errorf("another demo is running in %s", d.dir)
	}
	for _, e := range entries {
		if e.Name() != demoLock {
			if err := os.RemoveAll(filepath.Join(d.dir, e.Name())); err != nil {
				lock.Close()
				return nil, err
			}
		}
	}
	if err := os.Mkdir(filepath.Join(d.dir, "backup"), 0o755); err != nil {
		lock.Close()
		return nil, err
	}
	return lock, nil
}

// start starts the three instances, each on its own loopback address if
// the system routes them, on the well-known ports when free.
func (d *demo) start() error {
	hosts := demoHosts
	for _, h := range demoHosts {
		l, err := net.Listen("tcp", net.JoinHostPort(h, "0"))
		if err != nil {
			hosts = []string{"127.0.0.1", "127.0.0.1", "127.0.0.1"}
			break
		}
		l.Close()
	}
	shared := hosts[0] == hosts[1]
	for i, n := range d.nodes {
		offset := 0
		if shared {
			offset = i
		}
		f, err := os.Create(filepath.Join(d.dir, n.name+".log"))
		if err != nil {
			return err
		}
		n.host, n.log = hosts[i], f
		n.cfg = server.Config{DataDir: filepath.Join(d.dir, n.name), Name: n.name,
			Listen:         net.JoinHostPort(n.host, strconv.Itoa(d.port(n.host, demoSQLPort+offset))),
			HTTPListen:     net.JoinHostPort(n.host, strconv.Itoa(d.port(n.host, demoHTTPPort+offset))),
			Logger:         slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: d.level})),
			MaxMessageSize: d.o.maxMessageSize, ServiceAccount: d.o.serviceAccount}
		if err := n.start(); err != nil {
			return err
		}
	}
	// Endpoint ports are chosen last, so that no listener above can take
	// one; the probes stay open until all are chosen, so that instances
	// sharing a host never get the same one.
	for i, n := range d.nodes {
		offset := 0
		if shared {
			offset = i
		}
		n.endpoint = d.port(n.host, demoEndpointPort+offset)
		if n.endpoint != 0 {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort(n.host, "0"))
		if err != nil {
			return err
		}
		defer l.Close()
		n.endpoint = l.Addr().(*net.TCPAddr).Port
	}
	fmt.Fprintf(d.out, "mirrordb %s demo: a principal, a mirror and a witness in this process, data and logs in %s\n\n",
		engine.Version, d.dir)
	for _, n := range d.nodes {
		fmt.Fprintf(d.out, "  %-9s %s  SQL %s  endpoint %s  HTTP %s\n", n.role, n.name, n.cfg.Listen, n.address(), n.cfg.HTTPListen)
	}
	return nil
}

// port is want when it is free on host and free ports were not asked
// for; else 0.
func (d *demo) port(host string, want int) int {
	if d.o.demoFreePorts {
		return 0
	}
	l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(want)))
	if err != nil {
		return 0
	}
	l.Close()
	return want
}

func (d *demo) node(name string) *demoNode {
	for _, n := range d.nodes {
		if strings.EqualFold(n.name, name) {
			return n
		}
	}
	return nil
}

// setUp runs demo.sql, waits for the session to be synchronized with the
// witness connected, and prints how to use the cluster.
func (d *demo) setUp(ctx context.Context) error {
	p, m, w := d.nodes[0], d.nodes[1], d.nodes[2]
	vars := map[string]string{
		"PrincipalPort": strconv.Itoa(p.endpoint), "MirrorPort": strconv.Itoa(m.endpoint), "WitnessPort": strconv.Itoa(w.endpoint),
		"PrincipalAddress": p.address(), "MirrorAddress": m.address(), "WitnessAddress": w.address(),
		"FullBackup": filepath.Join(d.dir, "backup", "AdvWorks_dbmirror.bak"),
		"LogBackup":  filepath.Join(d.dir, "backup", "AdventureWorks.bak"),
	}
	fmt.Fprintf(d.out, "\nSetting up mirroring with demo.sql (cmd/server/demo.sql):\n")
	if err := d.runScript(ctx, "demo.sql", demoScript, vars); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "\nWaiting for SYNCHRONIZED on both partners and the witness CONNECTED... ")
	start := time.Now()
	if _, _, err := d.waitSteady(ctx, time.Minute); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "%.1fs\n", time.Since(start).Seconds())
	d.printUsage()
	return nil
}

// runScript runs a sqlcmd-mode script with mirrordb sqlcmd (package
// sqlcmd), as sqlcmd -b would: :CONNECT names an instance of the demo,
// each batch is printed before it runs (its comment, then the statements
// after the instance's name), the server's messages indented under it,
// and the first error stops the set-up.
func (d *demo) runScript(ctx context.Context, name, script string, vars map[string]string) error {
	aliases := map[string]string{}
	for _, n := range d.nodes {
		aliases[n.name] = n.cfg.Listen
	}
	out := &indented{w: d.out, prefix: "    "}
	last := ""
	s, err := sqlcmd.New(sqlcmd.Config{Vars: vars, ExitOnError: true, Aliases: aliases, Stdout: out, Stderr: out,
		Echo: func(_ io.Writer, server, batch string) {
			last = server
			echoBatch(d.out, server, batch)
			out.start = true
		}})
	if err != nil {
		return err
	}
	defer s.Close()
	stop := context.AfterFunc(ctx, func() { s.Cancel() })
	defer stop()
	if !s.RunScript(name, script) || s.ExitCode() != 0 {
		return fmt.Errorf("the set-up stopped at the error above (%s, on %s)", name, last)
	}
	return nil
}

// echoBatch prints a batch as the demo shows it: the comment lines just
// before its statements, then the statements after the instance's name.
func echoBatch(w io.Writer, server, batch string) {
	lines := strings.Split(batch, "\n")
	var note []string
	i := 0
	for ; i < len(lines); i++ {
		t := strings.TrimSpace(lines[i])
		if t == "" {
			note = nil // only the paragraph next to the statements
			continue
		}
		if !strings.HasPrefix(t, "--") {
			break
		}
		note = append(note, t)
	}
	if len(note) > 0 {
		fmt.Fprintf(w, "\n%s\n", strings.Join(note, "\n"))
	}
	prompt := server + "> "
	fmt.Fprintln(w, prompt+strings.Join(lines[i:], "\n"+strings.Repeat(" ", len(prompt))))
}

// indented writes its lines each after a prefix: the server's messages
// under the statement that caused them.
type indented struct {
	w      io.Writer
	prefix string
	start  bool // the next byte begins a line
}

func (o *indented) Write(p []byte) (int, error) {
	for _, line := range bytes.SplitAfter(p, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		if o.start {
			if _, err := io.WriteString(o.w, o.prefix); err != nil {
				return 0, err
			}
		}
		if _, err := o.w.Write(line); err != nil {
			return 0, err
		}
		o.start = line[len(line)-1] == '\n'
	}
	return len(p), nil
}

// waitSteady waits until the partners are a principal and a mirror with
// one role sequence, both SYNCHRONIZED with the witness CONNECTED.
func (d *demo) waitSteady(ctx context.Context, limit time.Duration) (p, m *demoNode, err error) {
	a, b := d.nodes[0], d.nodes[1]
	rows, err := d.poll(ctx, limit, func(r [2]mirroring) bool {
		return r[0].state == "SYNCHRONIZED" && r[1].state == "SYNCHRONIZED" && r[0].witness == "CONNECTED" &&
			r[1].witness == "CONNECTED" && r[0].seq == r[1].seq && r[0].role != r[1].role
	})
	if err != nil {
		return nil, nil, fmt.Errorf("the session did not settle: %w", err)
	}
	if rows[0].role == "PRINCIPAL" {
		return a, b, nil
	}
	return b, a, nil
}

// poll reads both partners' rows every 50 ms until done holds, ctx ends
// or limit passes.
func (d *demo) poll(ctx context.Context, limit time.Duration, done func([2]mirroring) bool) ([2]mirroring, error) {
	deadline := time.Now().Add(limit)
	for {
		var rows [2]mirroring
		var errs [2]error
		for i := range rows {
			rows[i], errs[i] = d.nodes[i].status(ctx)
		}
		if done(rows) {
			return rows, nil
		}
		if time.Now().After(deadline) {
			return rows, fmt.Errorf("after %s: %s %+v (%v), %s %+v (%v)", limit,
				d.nodes[0].name, rows[0], errs[0], d.nodes[1].name, rows[1], errs[1])
		}
		select {
		case <-ctx.Done():
			return rows, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// printUsage prints the connection strings, the monitor's URLs and what to
// try. Tests parse the psql and http lines.
func (d *demo) printUsage() {
	p, m, w := d.nodes[0], d.nodes[1], d.nodes[2]
	fmt.Fprintf(d.out, "\nConnect with psql, to each instance:\n")
	for _, n := range d.nodes {
		fmt.Fprintf(d.out, "  %-9s psql \"host=%s port=%s dbname=master\"\n", n.role, n.host, n.sqlPort())
	}
	fmt.Fprintf(d.out, "  principal, whichever partner it is (libpq and pgx skip the mirror):\n")
	fmt.Fprintf(d.out, "  any       psql \"host=%s,%s port=%s,%s dbname=%s target_session_attrs=read-write\"\n",
		p.host, m.host, p.sqlPort(), m.sqlPort(), demoDB)
	fmt.Fprintf(d.out, "\nMonitor over HTTP (/healthz, /principal, /mirror, /metrics):\n")
	for _, n := range d.nodes {
		fmt.Fprintf(d.out, "  %-9s %s\n", n.role, n.httpURL())
	}
	fmt.Fprintf(d.out, "  all three %s?peers=%s,%s\n", p.httpURL(),
		strings.TrimSuffix(m.httpURL(), "/"), strings.TrimSuffix(w.httpURL(), "/"))
	pid := os.Getpid()
	fmt.Fprintf(d.out, `
Try this:
  * Write on the principal with the "any" string, and read it back:
      INSERT INTO dbo.Person VALUES (4, N'Gail'); SELECT * FROM dbo.Person;
  * See the session, on either partner:
      SELECT mirroring_role_desc, mirroring_state_desc, mirroring_witness_state_desc
      FROM sys.database_mirroring WHERE database_id = DB_ID('%[1]s');
  * Fail over by hand, connected to the principal's instance (master); the
    "any" string then reaches the other partner, where the same statement
    fails back:
      ALTER DATABASE %[1]s SET PARTNER FAILOVER;
  * Automatic failover: kill -USR1 %[2]d stops the principal's instance,
    and the mirror takes over with the witness's vote; the same command
    again starts it back, and it rejoins as the mirror.
Ctrl-C stops all three.
`, demoDB, pid)
}

// toggle is SIGUSR1: start the partner stopped last, or else stop the
// principal and report the automatic failover.
func (d *demo) toggle(ctx context.Context) {
	for _, n := range d.nodes[:2] {
		if n.srv != nil {
			continue
		}
		fmt.Fprintf(d.out, "\nSIGUSR1: starting %s again...\n", n.name)
		start := time.Now()
		if err := n.start(); err != nil {
			fmt.Fprintf(d.out, "could not start it: %v\n", err)
			return
		}
		p, m, err := d.waitSteady(ctx, time.Minute)
		if err != nil {
			fmt.Fprintf(d.out, "%v\n", err)
			return
		}
		fmt.Fprintf(d.out, "%s rejoined: %s is PRINCIPAL, %s MIRROR, SYNCHRONIZED, witness CONNECTED (%.1fs)\n",
			n.name, p.name, m.name, time.Since(start).Seconds())
		return
	}
	p, m, err := d.waitSteady(ctx, 0)
	if err != nil {
		fmt.Fprintf(d.out, "\nSIGUSR1: the session is not synchronized with its witness, so there is no automatic failover to show: %v\n", err)
		return
	}
	fmt.Fprintf(d.out, "\nSIGUSR1: stopping the principal %s...\n", p.name)
	start := time.Now()
	if err := p.stop(d.o.shutdownGrace); err != nil {
		fmt.Fprintf(d.out, "%s stopped with an error: %v\n", p.name, err)
	}
	i := 0 // m's index among the partners
	if d.nodes[1] == m {
		i = 1
	}
	rows, err := d.poll(ctx, time.Minute, func(r [2]mirroring) bool { return r[i].role == "PRINCIPAL" })
	if err != nil {
		fmt.Fprintf(d.out, "%s did not take over: %v\n", m.name, err)
		return
	}
	r := rows[i]
	fmt.Fprintf(d.out, "%s is PRINCIPAL after %.1fs (%s, witness %s); kill -USR1 %d starts %s again\n",
		m.name, time.Since(start).Seconds(), r.state, r.witness, os.Getpid(), p.name)
}

// shutdown stops every running instance at once, each given the grace
// period, and closes the logs.
func (d *demo) shutdown() error {
	var wg sync.WaitGroup
	errs := make([]error, len(d.nodes))
	for i, n := range d.nodes {
		if n.srv != nil {
			wg.Go(func() { errs[i] = n.stop(d.o.shutdownGrace) })
		}
	}
	wg.Wait()
	for _, n := range d.nodes {
		if n.log != nil {
			n.log.Close()
		}
	}
	return errors.Join(errs...)
}
