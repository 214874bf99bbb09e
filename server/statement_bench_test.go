package server_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"mirrordb/server"
	"mirrordb/server/servertest"
)

// benchServerEnv, when set to a data directory, makes
// TestBenchServerProcess run a server there (the child process of
// BenchmarkWireStatements).
const benchServerEnv = "MIRRORDB_BENCH_SERVER_DIR"

// benchServerProfileEnv names a file for the bench server's CPU profile
// (go tool pprof server.test FILE).
const benchServerProfileEnv = "MIRRORDB_BENCH_SERVER_CPUPROFILE"

// TestBenchServerProcess is the server half of BenchmarkWireStatements:
// run in a child process, it starts a server, prints its address and
// serves until its standard input closes. Without benchServerEnv it does
// nothing.
func TestBenchServerProcess(t *testing.T) {
	dir := os.Getenv(benchServerEnv)
	if dir == "" {
		return
	}
	srv, err := server.Start(server.Config{DataDir: dir, Listen: "127.0.0.1:0", Name: "bench", Logger: servertest.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	if path := os.Getenv(benchServerProfileEnv); path != "" {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			t.Fatal(err)
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	fmt.Println("ADDR", srv.Addr())
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // until the parent is done
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkWireStatements measures what pgbench -M simple costs the
// server per statement: point SELECTs, UPDATEs by key and single-row
// INSERTs (testdata/bench's scripts) with a new
// literal each time, sent with pgx's simple protocol over a real socket to
// a server in a child process. server-µs/op is the child's CPU time (user
// and system, from /proc) over the run divided by the statements run.
func BenchmarkWireStatements(b *testing.B) {
	child, addr := startBenchServer(b)
	url := "postgres://tester@" + addr + "/master?sslmode=disable"
	setup := benchConn(b, url)
	mustExec(b, setup, "CREATE DATABASE wb")
	mustExec(b, setup, "USE wb CREATE TABLE kv (k BIGINT PRIMARY KEY, v VARCHAR(20), n INT) CREATE TABLE ins (k BIGINT PRIMARY KEY, v VARCHAR(20))")
	for i := 0; i < 10; i++ {
		var sb strings.Builder
		sb.WriteString("USE wb INSERT kv VALUES ")
		for j := 0; j < 1000; j++ {
			if j > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, "(%d, 'row', 0)", i*1000+j+1)
		}
		mustExec(b, setup, sb.String())
	}
	var nextKey atomic.Int64
	// Each workload runs as pgbench -M simple does (a new literal each
	// time) and as -M prepared does (one parsed statement, a new parameter
	// each time: pgx's cached statement over the extended protocol).
	workloads := []struct {
		name     string
		sql      func(i int64) string
		prepared string
		args     func(i int64) []any
	}{
		{"select", func(i int64) string { return "SELECT v, n FROM kv WHERE k = " + strconv.FormatInt(i%10000+1, 10) },
			"SELECT v, n FROM kv WHERE k = $1", func(i int64) []any { return []any{i%10000 + 1} }},
		{"update", func(i int64) string { return "UPDATE kv SET n = n + 1 WHERE k = " + strconv.FormatInt(i%10000+1, 10) },
			"UPDATE kv SET n = n + 1 WHERE k = $1", func(i int64) []any { return []any{i%10000 + 1} }},
		{"insert", func(int64) string {
			return "INSERT INTO ins VALUES (" + strconv.FormatInt(nextKey.Add(1), 10) + ", 'value')"
		}, "INSERT INTO ins VALUES ($1, 'value')", func(int64) []any { return []any{nextKey.Add(1)} }},
	}
	for _, wl := range workloads {
		for _, mode := range []string{"simple", "prepared"} {
			for _, clients := range []int{1, 8} {
				b.Run(fmt.Sprintf("%s/%s/clients=%d", wl.name, mode, clients), func(b *testing.B) {
					conns := make([]*pgx.Conn, clients)
					for i := range conns {
						conns[i] = benchConn(b, strings.Replace(url, "/master", "/wb", 1))
					}
					var next atomic.Int64
					before := processCPU(b, child)
					b.ResetTimer()
					var wg sync.WaitGroup
					for _, c := range conns {
						wg.Add(1)
						go func(c *pgx.Conn) {
							defer wg.Done()
							for {
								i := next.Add(1)
								if i > int64(b.N) {
									return
								}
								var err error
								if mode == "simple" {
									_, err = c.Exec(context.Background(), wl.sql(i), pgx.QueryExecModeSimpleProtocol)
								} else {
									_, err = c.Exec(context.Background(), wl.prepared, append([]any{pgx.QueryExecModeCacheStatement}, wl.args(i)...)...)
								}
								if err != nil {
									b.Error(err)
									return
								}
							}
						}(c)
					}
					wg.Wait()
					b.StopTimer()
					cpu := processCPU(b, child) - before
					b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "server-µs/op")
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "stmts/s")
				})
			}
		}
	}
}

// startBenchServer re-runs this test binary as TestBenchServerProcess and
// returns the child and the address it listens on.
func startBenchServer(b *testing.B) (*exec.Cmd, string) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestBenchServerProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), benchServerEnv+"="+b.TempDir())
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				b.Errorf("bench server: %v", err)
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			b.Errorf("bench server did not stop")
		}
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "ADDR "); ok {
				addr <- a
			}
		}
	}()
	select {
	case a := <-addr:
		return cmd, a
	case <-time.After(60 * time.Second):
		b.Fatal("bench server did not start")
	}
	return nil, ""
}

func benchConn(b *testing.B, url string) *pgx.Conn {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func mustExec(b *testing.B, c *pgx.Conn, sql string) {
	if _, err := c.Exec(context.Background(), sql, pgx.QueryExecModeSimpleProtocol); err != nil {
		b.Fatalf("%s: %v", sql[:min(len(sql), 80)], err)
	}
}

// processCPU is a process's user plus system CPU time, from
// /proc/<pid>/stat (fields 14 and 15, in clock ticks of 1/100 s).
func processCPU(b *testing.B, cmd *exec.Cmd) time.Duration {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/stat")
	if err != nil {
		b.Fatalf("server CPU time: %v", err)
	}
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // fields from 3 on
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		b.Fatalf("server CPU time: bad stat %q", s)
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond
}
