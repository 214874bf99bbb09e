package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"mirrordb/internal/testutil"
	"mirrordb/server"
	"mirrordb/server/servertest"
)

// demoProcess is `server --demo` in a child process, its output read line
// by line.
type demoProcess struct {
	t     *testing.T
	cmd   *exec.Cmd
	lines chan string
	out   *testutil.SyncBuffer // stdout and stderr, for failure messages
	done  chan error
}

func startDemo(t *testing.T, dir string) *demoProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "MIRRORDB_SERVER_ARGS=--demo --demo-dir "+dir+" --demo-free-ports")
	d := &demoProcess{t: t, cmd: cmd, lines: make(chan string, 1000), out: &testutil.SyncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = d.out
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			d.out.Write([]byte(sc.Text() + "\n"))
			d.lines <- sc.Text()
		}
		close(d.lines)
		err := cmd.Wait()
		close(exited)
		d.done <- err
	}()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("demo output:\n%s", d.out.String())
			for _, log := range []string{"PARTNERHOST1.log", "PARTNERHOST5.log"} {
				b, _ := os.ReadFile(filepath.Join(dir, log))
				t.Logf("last of %s:\n%s", log, b[max(0, len(b)-4000):])
			}
		}
	})
	return d
}

// expect reads output lines until one matches re, and returns its
// submatches; lines before it are kept in seen.
func (d *demoProcess) expect(re *regexp.Regexp, limit time.Duration, seen *[]string) []string {
	d.t.Helper()
	timer := time.After(limit)
	for {
		select {
		case line, ok := <-d.lines:
			if !ok {
				d.t.Fatalf("the demo ended before printing a line like %s", re)
			}
			if seen != nil {
				*seen = append(*seen, line)
			}
			if m := re.FindStringSubmatch(line); m != nil {
				return m
			}
		case <-timer:
			d.t.Fatalf("no line like %s within %s", re, limit)
		}
	}
}

func (d *demoProcess) signal(sig syscall.Signal) {
	d.t.Helper()
	if err := d.cmd.Process.Signal(sig); err != nil {
		d.t.Fatal(err)
	}
}

// onPrincipal connects with the multi-host string, retrying while the
// database opens after a role change, and returns @@SERVERNAME after an
// insert of id.
func onPrincipal(t *testing.T, conninfo string, id int) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		conn, err := pgx.Connect(ctx, conninfo)
		if err == nil {
			var name string
			if _, err = conn.Exec(ctx, "INSERT INTO dbo.Person VALUES ($1, N'demo test')", id); err == nil {
				err = conn.QueryRow(ctx, "SELECT @@SERVERNAME").Scan(&name)
			}
			conn.Close(context.Background())
			if err == nil {
				return name
			}
		}
		if ctx.Err() != nil {
			t.Fatalf("no write through %q: %v", conninfo, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDemo runs `server --demo` as a newcomer would and uses what it
// prints: the multi-host string reaches the principal and writes (with pgx
// and psql), both partners read SYNCHRONIZED with the witness CONNECTED,
// every monitor URL answers; SIGUSR1 stops the principal and the mirror
// takes over, SIGUSR1 again brings it back as mirror; SIGINT exits 0.
func TestDemo(t *testing.T) {
	if _, err := exec.LookPath("psql"); err != nil {
		t.Fatalf("psql not found (./test.sh installs what the tests need): %v", err)
	}
	dir := t.TempDir()
	d := startDemo(t, dir)
	var banner []string
	d.expect(regexp.MustCompile(`^Ctrl-C stops all three\.$`), 90*time.Second, &banner)
	psqlRE := regexp.MustCompile(`^\s+(\w+)\s+psql "([^"]+)"$`)
	httpRE := regexp.MustCompile(`^\s+(\w+|all three)\s+(http://\S+)$`)
	conninfo, monitor := map[string]string{}, map[string]string{}
	for _, line := range banner {
		if m := psqlRE.FindStringSubmatch(line); m != nil {
			conninfo[m[1]] = m[2]
		}
		if m := httpRE.FindStringSubmatch(line); m != nil {
			monitor[m[1]] = m[2]
		}
	}
	if len(conninfo) != 4 || len(monitor) != 4 {
		t.Fatalf("connection strings %v, monitor URLs %v", conninfo, monitor)
	}
	multi := conninfo["any"]
	if !strings.Contains(multi, "target_session_attrs=read-write") || !strings.Contains(multi, ",") {
		t.Fatalf("multi-host string: %q", multi)
	}

	if got := onPrincipal(t, multi, 100); got != "PARTNERHOST1" {
		t.Fatalf("the multi-host string reached %s, want the principal PARTNERHOST1", got)
	}
	ctx := context.Background()
	for role, want := range map[string]string{"principal": "PRINCIPAL", "mirror": "MIRROR"} {
		s, err := mirroringStatus(ctx, conninfo[role], demoDB)
		if err != nil || s.role != want || s.state != "SYNCHRONIZED" || s.witness != "CONNECTED" {
			t.Fatalf("%s: sys.database_mirroring %+v (%v)", role, s, err)
		}
	}
	out, err := exec.Command("psql", "-X", "-A", "-t", multi, "-c", "SELECT @@SERVERNAME").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "PARTNERHOST1" {
		t.Fatalf("psql %q: %v\n%s", multi, err, out)
	}

	for _, role := range []string{"principal", "mirror", "witness"} {
		base := monitor[role]
		if body := httpGet(t, base+"healthz"); strings.TrimSpace(body) != "ok" {
			t.Fatalf("%s /healthz: %q", role, body)
		}
		body := httpGet(t, base+"metrics")
		if role != "witness" && !strings.Contains(body, `mirrordb_mirroring_state{database="AdventureWorks"} 4`) {
			t.Fatalf("%s /metrics has no SYNCHRONIZED mirrordb_mirroring_state:\n%s", role, body)
		}
	}
	peers := monitor["principal"] + "?peers=" + strings.TrimSuffix(monitor["mirror"], "/") + "," + strings.TrimSuffix(monitor["witness"], "/")
	if monitor["all three"] != peers {
		t.Fatalf("monitor URL for all three: %s, want %s", monitor["all three"], peers)
	}

	d.signal(syscall.SIGUSR1)
	d.expect(regexp.MustCompile(`^PARTNERHOST5 is PRINCIPAL after`), 60*time.Second, nil)
	if got := onPrincipal(t, multi, 101); got != "PARTNERHOST5" {
		t.Fatalf("after SIGUSR1 the multi-host string reached %s, want PARTNERHOST5", got)
	}
	d.signal(syscall.SIGUSR1)
	d.expect(regexp.MustCompile(`^PARTNERHOST1 rejoined: PARTNERHOST5 is PRINCIPAL, PARTNERHOST1 MIRROR, SYNCHRONIZED`), 60*time.Second, nil)
	var n int
	conn, err := pgx.Connect(ctx, multi)
	if err == nil {
		err = conn.QueryRow(ctx, "SELECT COUNT(*) FROM dbo.Person WHERE BusinessEntityID >= 100").Scan(&n)
		conn.Close(ctx)
	}
	if err != nil || n != 2 {
		t.Fatalf("the new principal has %d of the 2 rows the test wrote (%v)", n, err)
	}

	d.signal(syscall.SIGINT)
	waitExit(t, d.done, 30*time.Second)
	if !strings.Contains(d.out.String(), "\nStopped.\n") {
		t.Fatal("no clean stop reported")
	}
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	client := http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %v", url, resp.Status, err)
	}
	return string(b)
}

// TestDemoDir: a re-run starts fresh, but the demo never empties a
// directory holding files it did not make, nor one another demo uses.
func TestDemoDir(t *testing.T) {
	dir := t.TempDir()
	d := &demo{dir: dir, nodes: []*demoNode{{name: "A"}, {name: "B"}}}
	for _, name := range []string{"A", "A.log", "backup"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	lock, err := d.prepareDir()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&demo{dir: dir, nodes: d.nodes}).prepareDir(); err == nil || !strings.Contains(err.Error(), "another demo") {
		t.Fatalf("a second demo on the directory: %v", err)
	}
	lock.Close()
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "backup demo.lock" {
		t.Fatalf("after prepareDir: %v", names)
	}
	if err := os.WriteFile(filepath.Join(dir, "precious"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := d.prepareDir(); err == nil || !strings.Contains(err.Error(), "precious") {
		t.Fatalf("a directory with someone's file: %v", err)
	}
	if code := run([]string{"--demo", "--demo-dir", dir}); code != 1 {
		t.Fatalf("--demo on a directory with someone's file: exit code %d", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "precious")); err != nil {
		t.Fatal(err)
	}
}

// TestDemoScriptError: a failing batch stops the set-up (as sqlcmd -b):
// the demo prints the batch with its comment and the server's error
// under it, runs nothing after it, and its error names the instance.
func TestDemoScriptError(t *testing.T) {
	srv := servertest.StartWith(t, servertest.Options{Name: "A"})
	var out strings.Builder
	d := &demo{out: &out, nodes: []*demoNode{{name: "A", cfg: server.Config{Listen: srv.Addr()}}}}
	err := d.runScript(context.Background(), "test.sql", "-- test.sql\n\n:CONNECT A\nSELECT 1 AS one\nGO\n"+
		"-- Restore what is not there\n:CONNECT A\nRESTORE DATABASE Nope\n    FROM DISK = 'missing.bak' WITH NORECOVERY\nGO\nSELECT 2\nGO\n", nil)
	if err == nil || !strings.Contains(err.Error(), "test.sql, on A") {
		t.Fatalf("error %v, want one naming test.sql and A", err)
	}
	for _, want := range []string{"A> SELECT 1 AS one\n    one", "\n-- Restore what is not there\nA> RESTORE DATABASE Nope\n       FROM DISK = 'missing.bak'",
		"\n    Msg 3201, Level 16, State 1, Server A, Line 2\n"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("output without %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "SELECT 2") || strings.Contains(out.String(), "test.sql\nA>") {
		t.Fatalf("output:\n%s", out.String())
	}
}
