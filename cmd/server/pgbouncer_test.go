package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"mirrordb/internal/testutil"
	"mirrordb/server/servertest"
)

// pgBouncer is a PgBouncer process (Debian's pgbouncer, which ./test.sh
// installs) in front of a mirrored pair: shop_session pools by session,
// shop_tx by transaction, one server connection each.
type pgBouncer struct {
	t    *testing.T
	dir  string
	addr string
	cmd  *exec.Cmd
	log  *testutil.SyncBuffer
}

// startPgBouncer runs PgBouncer pointed at the principal's SQL address.
// PgBouncer refuses to run as root: as root it runs as nobody (-u), with
// its directory readable by it.
func startPgBouncer(t *testing.T, principal string) *pgBouncer {
	t.Helper()
	bin, err := exec.LookPath("pgbouncer")
	if err != nil {
		t.Fatal("pgbouncer not found: run the tests with ./test.sh, which installs it")
	}
	host := servertest.LoopbackHosts(1)[0]
	b := &pgBouncer{t: t, dir: t.TempDir(), log: &testutil.SyncBuffer{},
		addr: net.JoinHostPort(host, strconv.Itoa(servertest.FreePort(t, host)))}
	for _, d := range []string{filepath.Dir(b.dir), b.dir} { // RELOAD reads it as nobody
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	b.configure(principal)
	args := []string{}
	if os.Geteuid() == 0 {
		args = append(args, "-u", "nobody")
	}
	b.cmd = exec.Command(bin, append(args, filepath.Join(b.dir, "pgbouncer.ini"))...)
	b.cmd.Stdout, b.cmd.Stderr = b.log, b.log
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = b.cmd.Process.Kill()
		_ = b.cmd.Wait()
		if t.Failed() {
			t.Logf("PgBouncer's log:\n%s", b.log.String())
		}
	})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", b.addr); err == nil {
			c.Close()
			return b
		}
		if time.Now().After(deadline) {
			t.Fatalf("PgBouncer does not listen on %s:\n%s", b.addr, b.log.String())
		}
	}
}

// configure writes the configuration for the principal at addr (host:port)
// with the settings the README recommends in front of a mirrored pair.
func (b *pgBouncer) configure(principal string) {
	b.t.Helper()
	host, port, _ := net.SplitHostPort(principal)
	listenHost, listenPort, _ := net.SplitHostPort(b.addr)
	target := fmt.Sprintf("host=%s port=%s dbname=shop user=app", host, port)
	ini := fmt.Sprintf(`[databases]
shop_session = %[1]s pool_mode=session
shop_tx = %[1]s pool_mode=transaction
[pgbouncer]
listen_addr = %[2]s
listen_port = %[3]s
unix_socket_dir =
auth_type = any
default_pool_size = 1
server_reset_query = DISCARD ALL
server_login_retry = 1
server_connect_timeout = 5
query_wait_timeout = 30
`, target, listenHost, listenPort)
	if err := os.WriteFile(filepath.Join(b.dir, "pgbouncer.ini"), []byte(ini), 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// follow points PgBouncer at a new principal: the configuration names
// it, and SIGHUP (the console's RELOAD) makes PgBouncer reconnect there.
func (b *pgBouncer) follow(principal string) {
	b.t.Helper()
	b.configure(principal)
	if err := b.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		b.t.Fatal(err)
	}
}

func (b *pgBouncer) connect(ctx context.Context, db string) (*pgx.Conn, error) {
	// Transaction pooling hands each transaction any server connection:
	// no named prepared statements (pgx's default), simple protocol.
	return pgx.Connect(ctx, "postgres://app@"+b.addr+"/"+db+"?sslmode=disable&connect_timeout=5&default_query_exec_mode=simple_protocol")
}

// TestPgBouncer runs PgBouncer in front of a mirrored pair: session
// pooling resets each connection with DISCARD ALL before the next client
// gets it; transaction pooling shares one server connection among writers;
// after SET PARTNER FAILOVER, pointing PgBouncer at the new principal
// (configuration + RELOAD, as PgBouncer's FAQ says for failover) brings
// every client back, and nothing acknowledged is lost.
func TestPgBouncer(t *testing.T) {
	c := newCluster(t, "shop", 0)
	p, m := c.steady()
	b := startPgBouncer(t, p.process().addr)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// Session pooling: what one client changed is gone for the next one on
	// the same server connection.
	first, err := b.connect(ctx, "shop_session")
	if err != nil {
		t.Fatal(err)
	}
	var spid int
	if err := first.QueryRow(ctx, "SELECT @@SPID").Scan(&spid); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{"USE master", "SET LOCK_TIMEOUT 100", "SET statement_timeout = '7s'"} {
		if _, err := first.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	first.Close(ctx)
	second, err := b.connect(ctx, "shop_session")
	if err != nil {
		t.Fatal(err)
	}
	var spid2, lockTimeout int
	var db, stmtTimeout string
	if err := second.QueryRow(ctx, "SELECT @@SPID, DB_NAME(), @@LOCK_TIMEOUT").Scan(&spid2, &db, &lockTimeout); err != nil {
		t.Fatal(err)
	}
	if err := second.QueryRow(ctx, "SHOW statement_timeout").Scan(&stmtTimeout); err != nil {
		t.Fatal(err)
	}
	if spid2 != spid || db != "shop" || lockTimeout != -1 || stmtTimeout != "0" {
		t.Fatalf("next client on server connection %d (first %d): database %s, lock timeout %d, statement_timeout %s; want shop, -1, 0",
			spid2, spid, db, lockTimeout, stmtTimeout)
	}
	second.Close(ctx)

	// Transaction pooling: writers share one server connection, before and
	// after a failover. Every acknowledged insert must be on the new
	// principal.
	var mu sync.Mutex
	acked := map[int64]bool{}
	var next int64
	write := func(conn *pgx.Conn) error {
		mu.Lock()
		next++
		id := next
		mu.Unlock()
		tx, err := conn.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		if _, err := tx.Exec(ctx, fmt.Sprintf("INSERT INTO dbo.t VALUES (%d, 0)", id)); err != nil {
			return err
		}
		if err := tx.Commit(ctx); err != nil {
			return err
		}
		mu.Lock()
		acked[id] = true
		mu.Unlock()
		return nil
	}
	writers := make([]*pgx.Conn, 4)
	for i := range writers {
		if writers[i], err = b.connect(ctx, "shop_tx"); err != nil {
			t.Fatal(err)
		}
		defer writers[i].Close(context.Background())
	}
	for round := 0; round < 10; round++ {
		for _, w := range writers {
			if err := write(w); err != nil {
				t.Fatalf("write through PgBouncer: %v", err)
			}
		}
	}

	p.exec("ALTER DATABASE shop SET PARTNER FAILOVER")
	c.waitRole(m, "PRINCIPAL", 30*time.Second)
	b.follow(m.process().addr)
	// Each writer's next transactions may fail while PgBouncer drops the
	// old principal's connections; then they succeed on the new one.
	for i, w := range writers {
		var last error
		ok := 0
		for deadline := time.Now().Add(30 * time.Second); ok < 5 && time.Now().Before(deadline); {
			if last = write(w); last == nil {
				ok++
				continue
			}
			if w.IsClosed() {
				if writers[i], last = b.connect(ctx, "shop_tx"); last == nil {
					w = writers[i]
					defer w.Close(context.Background())
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
		if ok < 5 {
			t.Fatalf("writer %d did not reach the new principal through PgBouncer: %v", i, last)
		}
	}
	conn, err := m.connect(ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT id FROM dbo.t")
	if err != nil {
		t.Fatal(err)
	}
	have := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		have[id] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for id := range acked {
		if !have[id] {
			t.Fatalf("acknowledged insert %d is not on the new principal (%d acknowledged, %d there)", id, len(acked), len(have))
		}
	}
	if len(acked) < 60 {
		t.Fatalf("only %d writes acknowledged", len(acked))
	}
}
