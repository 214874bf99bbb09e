package wire

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgproto3/v2"

	"mirrordb/sqlerr"
)

const fatalAdminShutdown = `{"Type":"ErrorResponse","Severity":"FATAL","Code":"57P01"}`

// backendPID finds the process id in the startup messages.
func backendPID(t *testing.T, startup []string) uint32 {
	t.Helper()
	for _, s := range startup {
		if typeName(s) == "BackendKeyData" {
			var k struct{ ProcessID uint32 }
			if err := json.Unmarshal([]byte(s), &k); err != nil {
				t.Fatal(err)
			}
			return k.ProcessID
		}
	}
	t.Fatalf("no BackendKeyData in %v", startup)
	return 0
}

func shutdown(ts *testServer, d time.Duration) chan error {
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		done <- ts.srv.Shutdown(ctx)
	}()
	return done
}

func TestShutdownIdle(t *testing.T) {
	ts := startServer(t, Config{})
	idle := dialRaw(t, ts)
	idle.startup(nil)
	pgxConn := connect(t, ts, "")
	inStartup := dialRaw(t, ts) // connected, said nothing
	waitFor(t, "three connections", func() bool { return ts.srv.NumConns() == 3 })

	done := shutdown(ts, 5*time.Second)
	if out := idle.readToEOF(); len(out) != 1 || out[0] != fatalAdminShutdown {
		t.Fatalf("idle connection got %v", out)
	}
	if out := inStartup.readToEOF(); len(out) != 0 {
		t.Fatalf("connection in startup got %v", out)
	}
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-ts.served; !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve: %v", err)
	}
	ts.served <- ErrServerClosed
	if _, err := pgxConn.Exec(context.Background(), "select 1"); err == nil {
		t.Fatal("pgx connection still works after Shutdown")
	}
	if _, err := net.Dial("tcp", ts.addr); err == nil {
		t.Fatal("listener still accepting")
	}
	if n := ts.backend.openSessions(); n != 0 {
		t.Fatalf("%d sessions left open", n)
	}
}

// TestShutdownLetsStatementFinish: a statement running when Shutdown
// begins completes and delivers its result; then the connection closes.
func TestShutdownLetsStatementFinish(t *testing.T) {
	for _, mode := range []string{"cache_statement", "simple_protocol"} {
		t.Run(mode, func(t *testing.T) {
			ts := startServer(t, Config{})
			conn := connect(t, ts, "default_query_exec_mode="+mode)
			result := make(chan error, 1)
			go func() {
				var n int32
				err := conn.QueryRow(context.Background(), "slow 300").Scan(&n)
				if err == nil && n != 1 {
					err = errors.New("wrong value")
				}
				result <- err
			}()
			<-ts.backend.started
			done := shutdown(ts, 5*time.Second)
			if err := <-result; err != nil {
				t.Fatalf("running statement: %v", err)
			}
			if err := <-done; err != nil {
				t.Fatalf("Shutdown: %v", err)
			}
			waitFor(t, "the pgx connection to notice", func() bool {
				_, err := conn.Exec(context.Background(), "select 1")
				return err != nil
			})
		})
	}
}

// TestShutdownDeadline: when Shutdown's context ends, running statements
// are cancelled and their connections get FATAL 57P01.
func TestShutdownDeadline(t *testing.T) {
	ts := startServer(t, Config{ShutdownGrace: 2 * time.Second})
	r := dialRaw(t, ts)
	r.startup(nil)
	r.send(&pgproto3.Query{String: "sleep"})
	<-ts.backend.started
	start := time.Now()
	done := shutdown(ts, 100*time.Millisecond)
	out := r.readToEOF()
	if len(out) != 2 || typeName(out[0]) != "RowDescription" || out[1] != fatalAdminShutdown {
		t.Fatalf("got %v", out)
	}
	if err := <-done; !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Shutdown took %v", d)
	}
	if n := ts.backend.openSessions(); n != 0 {
		t.Fatalf("%d sessions left open", n)
	}
}

// TestShutdownWaitsForSync: a connection in the middle of an
// extended-protocol exchange is not idle; it ends after its Sync.
func TestShutdownWaitsForSync(t *testing.T) {
	ts := startServer(t, Config{})
	r := dialRaw(t, ts)
	r.startup(nil)
	r.send(&pgproto3.Parse{Query: "select 1"}, &pgproto3.Flush{})
	r.until("ParseComplete")
	done := shutdown(ts, 5*time.Second)
	time.Sleep(50 * time.Millisecond)
	r.send(&pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{})
	out := r.readToEOF()
	if len(out) != 5 || typeName(out[3]) != "ReadyForQuery" || out[4] != fatalAdminShutdown {
		t.Fatalf("got %v", out)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestKillIdle(t *testing.T) {
	ts := startServer(t, Config{})
	r := dialRaw(t, ts)
	pid := backendPID(t, r.startup(nil))
	reason := &sqlerr.Error{Number: 1404, Severity: 16, State: 1, Code: sqlerr.AdminShutdown, Message: "role changed"}
	ts.backend.session(pid).Kill(reason)
	if out := r.readToEOF(); len(out) != 1 || out[0] != fatalAdminShutdown {
		t.Fatalf("got %v", out)
	}
	waitFor(t, "the connection to go", func() bool { return ts.srv.NumConns() == 0 })
}

func TestKillRunning(t *testing.T) {
	ts := startServer(t, Config{})
	r := dialRaw(t, ts)
	pid := backendPID(t, r.startup(nil))
	r.send(&pgproto3.Query{String: "sleep"})
	<-ts.backend.started
	ts.backend.session(pid).Kill(sqlerr.New(596))
	out := r.readToEOF()
	if len(out) != 2 || out[1] != `{"Type":"ErrorResponse","Severity":"FATAL","Code":"57P01"}` {
		t.Fatalf("got %v", out)
	}

	// A statement that kills its own session.
	r = dialRaw(t, ts)
	r.startup(nil)
	r.send(&pgproto3.Query{String: "kill"})
	if out := r.readToEOF(); len(out) != 1 || out[0] != fatalAdminShutdown {
		t.Fatalf("self kill: %v", out)
	}
}

// TestCancelRequestKey: a CancelRequest with the wrong key changes
// nothing; the right key cancels the running statement with 57014; a
// cancel for an idle connection is harmless.
func TestCancelRequestKey(t *testing.T) {
	ts := startServer(t, Config{})
	r := dialRaw(t, ts)
	startup := r.startup(nil)
	var key struct{ ProcessID, SecretKey uint32 }
	for _, s := range startup {
		if typeName(s) == "BackendKeyData" {
			_ = json.Unmarshal([]byte(s), &key)
		}
	}
	cancel := func(pid, secret uint32) {
		c := dialRaw(t, ts)
		c.send(&pgproto3.CancelRequest{ProcessID: pid, SecretKey: secret})
		if out := c.readToEOF(); len(out) != 0 {
			t.Fatalf("cancel connection got %v", out)
		}
	}
	cancel(key.ProcessID, key.SecretKey) // idle: nothing to cancel
	r.send(&pgproto3.Query{String: "sleep"})
	<-ts.backend.started
	cancel(key.ProcessID, key.SecretKey+1)
	cancel(key.ProcessID+1, key.SecretKey)
	waitFor(t, "the cancel connections to go", func() bool { return ts.srv.NumConns() == 1 })
	if info := ts.srv.Conns(); len(info) != 1 || !info[0].Busy {
		t.Fatalf("Conns: %+v", info)
	}
	cancel(key.ProcessID, key.SecretKey)
	out := r.until("ReadyForQuery")
	if len(out) != 3 || out[1] != `{"Type":"ErrorResponse","Severity":"ERROR","Code":"57014"}` {
		t.Fatalf("got %v", out)
	}
}
