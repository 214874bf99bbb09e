package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/rogpeppe/go-internal/testscript"
)

var (
	crashLoad   = flag.Duration("crash.load", 700*time.Millisecond, "how long each crash cycle writes before kill -9")
	crashCycles = flag.Int("crash.cycles", 3, "kill -9 / restart cycles in TestCrashKeepsAcknowledgedCommits")
)

// TestMain lets the test binary act as the server: a child started with
// MIRRORDB_SERVER_ARGS runs main's logic with those arguments, and script
// tests run it as the command mirrordb (`exec mirrordb sqlcmd ...`).
func TestMain(m *testing.M) {
	if args := os.Getenv("MIRRORDB_SERVER_ARGS"); args != "" {
		os.Exit(run(strings.Fields(args)))
	}
	testscript.Main(m, map[string]func(){"mirrordb": func() { os.Exit(run(os.Args[1:])) }})
}

// serverProcess is a mirrordb server running as a separate OS process.
type serverProcess struct {
	cmd    *exec.Cmd
	addr   string
	done   chan error    // the exit status, once
	exited chan struct{} // closed when the process is gone
}

var listenRE = regexp.MustCompile(`msg="accepting SQL clients" listen=(\S+)`)

// startServer runs the server in a child process on a free port and waits
// until it accepts clients.
func startServer(t *testing.T, dataDir string) *serverProcess {
	t.Helper()
	return startServerWith(t, serverOptions{dir: dataDir, listen: "127.0.0.1:0", name: "crash-test"})
}

// serverOptions are a child server's flags, and where its log goes.
type serverOptions struct {
	dir, listen, name string
	args              []string  // more flags
	log               io.Writer // the child's stderr, besides the scan for its address
}

// startServerWith runs the server in a child process with o and waits
// until it accepts clients.
func startServerWith(t testing.TB, o serverOptions) *serverProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "MIRRORDB_SERVER_ARGS=--data "+o.dir+" --listen "+o.listen+" --name "+o.name+" "+strings.Join(o.args, " "))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serverProcess{cmd: cmd, done: make(chan error, 1), exited: make(chan struct{})}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if o.log != nil {
				fmt.Fprintln(o.log, sc.Text())
			}
			if m := listenRE.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	go func() {
		err := cmd.Wait()
		close(p.exited)
		p.done <- err
	}()
	select {
	case p.addr = <-found:
	case err := <-p.done:
		t.Fatalf("server exited before accepting clients: %v", err)
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("server did not start within 60s")
	}
	t.Cleanup(func() { p.kill() })
	return p
}

// kill sends SIGKILL and waits for the process to go.
func (p *serverProcess) kill() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

func connect(t *testing.T, addr, db string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, "postgres://crash@"+addr+"/"+db+"?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// TestCrashKeepsAcknowledgedCommits writes from concurrent clients (single
// rows in autocommit, and three-row explicit transactions), kills the
// server with SIGKILL mid-load, restarts it and checks that every commit
// the clients saw acknowledged is there, and that no transaction is
// partially visible. Repeated for several cycles on the same data.
func TestCrashKeepsAcknowledgedCommits(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, dir)
	setup := connect(t, srv.addr, "master")
	ctx := context.Background()
	if _, err := setup.Exec(ctx, "CREATE DATABASE crash"); err != nil {
		t.Fatal(err)
	}
	if _, err := setup.Exec(ctx, "USE crash CREATE TABLE acked (id BIGINT PRIMARY KEY, txn BIGINT NOT NULL, payload VARCHAR(100))"); err != nil {
		t.Fatal(err)
	}
	setup.Close(ctx)

	acked := map[int64]int{} // txn id → rows it wrote (acknowledged)
	var mu sync.Mutex
	var nextTxn int64
	for cycle := 0; cycle < *crashCycles; cycle++ {
		const writers = 8
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := 0; w < writers; w++ {
			conn := connect(t, srv.addr, "crash")
			wg.Add(1)
			go func(w int, conn *pgx.Conn) {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					mu.Lock()
					nextTxn++
					txn := nextTxn
					mu.Unlock()
					rows := 1
					var err error
					if i%3 == 2 { // a three-row explicit transaction
						rows = 3
						q := "BEGIN TRAN\n"
						for r := 0; r < rows; r++ {
							q += fmt.Sprintf("INSERT acked VALUES (%d, %d, REPLICATE('x', 50))\n", txn*10+int64(r), txn)
						}
						_, err = conn.Exec(ctx, q+"COMMIT")
					} else {
						_, err = conn.Exec(ctx, "INSERT acked VALUES ($1, $2, 'single')", txn*10, txn)
					}
					if err != nil {
						return // the server died under us: this commit was not acknowledged
					}
					mu.Lock()
					acked[txn] = rows
					mu.Unlock()
				}
			}(w, conn)
		}
		time.Sleep(*crashLoad)
		srv.kill()
		close(stop)
		wg.Wait()

		srv = startServer(t, dir)
		check := connect(t, srv.addr, "crash")
		found := map[int64]int{}
		rows, err := check.Query(ctx, "SELECT id, txn FROM acked")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id, txn int64
			if err := rows.Scan(&id, &txn); err != nil {
				t.Fatal(err)
			}
			found[txn]++
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		lost := 0
		for txn, n := range acked {
			if found[txn] != n {
				lost++
				if lost < 5 {
					t.Errorf("cycle %d: acknowledged transaction %d wrote %d rows, %d survived", cycle, txn, n, found[txn])
				}
			}
		}
		for txn, n := range found {
			if n != 1 && n != 3 {
				t.Errorf("cycle %d: transaction %d is partially visible (%d rows)", cycle, txn, n)
			}
		}
		t.Logf("cycle %d: %d acknowledged transactions, %d found after kill -9, %d lost", cycle, len(acked), len(found), lost)
		if len(acked) == 0 {
			t.Fatalf("cycle %d: no commit was acknowledged; the load did not run", cycle)
		}
		mu.Unlock()
		check.Close(ctx)
	}
}
