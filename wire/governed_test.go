package wire

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgproto3/v2"

	"mirrordb/sqlerr"
)

// budget is a session.Memory with a per-statement budget and a total,
// recording what is held.
type budget struct {
	mu                    sync.Mutex
	perQuery, total, used int64
}

func (b *budget) Reserve(held, n int64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if held+n > b.perQuery || b.used+n > b.total {
		return sqlerr.New(701, "default")
	}
	b.used += n
	return nil
}

func (b *budget) Release(n int64) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
}

func (b *budget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// TestPortalBufferMemory: the rows an Execute with a row limit buffers
// count against Config.Memory; a portal that would hold more than the
// budget fails with Msg 701 (SQLSTATE 53200), and every path that drops
// a portal gives its memory back.
func TestPortalBufferMemory(t *testing.T) {
	mem := &budget{perQuery: 1 << 20, total: 4 << 20}
	ts := startServer(t, Config{Memory: mem})
	r := dialRaw(t, ts)
	r.startup(nil)
	run := func(rows, limit int, then ...pgproto3.FrontendMessage) []string {
		msgs := []pgproto3.FrontendMessage{&pgproto3.Parse{Query: fmt.Sprintf("big %d", rows)}, &pgproto3.Bind{},
			&pgproto3.Execute{MaxRows: uint32(limit)}}
		r.send(append(append(msgs, then...), &pgproto3.Sync{})...)
		return r.until("ReadyForQuery")
	}
	// 2,000 rows of 1 KB do not fit in 1 MB.
	out := run(2000, 10)
	if len(out) != 4 || out[2] != `{"Type":"ErrorResponse","Severity":"ERROR","Code":"53200"}` {
		t.Fatalf("over budget: %v", out)
	}
	if n := mem.inUse(); n != 0 {
		t.Fatalf("%d bytes held after the statement failed", n)
	}
	// 500 rows do; suspended, then drained, then dropped by Sync.
	out = run(500, 10, &pgproto3.Execute{})
	if len(out) != 505 || typeName(out[12]) != "PortalSuspended" || typeName(out[503]) != "CommandComplete" {
		t.Fatalf("within budget: %d messages, %v", len(out), out[len(out)-3:])
	}
	if n := mem.inUse(); n != 0 {
		t.Fatalf("%d bytes held after the portal was drained", n)
	}
	// A suspended portal in a transaction keeps its rows until closed.
	r.send(&pgproto3.Query{String: "begin"})
	r.until("ReadyForQuery")
	run(500, 10)
	if n := mem.inUse(); n < 500<<10 {
		t.Fatalf("a suspended portal holds %d bytes", n)
	}
	r.send(&pgproto3.Close{ObjectType: 'P'}, &pgproto3.Sync{})
	r.until("ReadyForQuery")
	if n := mem.inUse(); n != 0 {
		t.Fatalf("%d bytes held after Close", n)
	}
	// ... or until the connection ends.
	run(500, 10)
	r.nc.Close()
	waitFor(t, "the connection to end", func() bool { return ts.srv.NumConns() == 0 })
	if n := mem.inUse(); n != 0 {
		t.Fatalf("%d bytes held after the connection ended", n)
	}
}

// TestKillBlockedWriter: a killed session whose statement is blocked
// writing to a client that reads nothing has its socket closed within
// killGrace, rather than after WriteTimeout.
func TestKillBlockedWriter(t *testing.T) {
	checkLeaks(t)
	ts := startServer(t, Config{WriteTimeout: time.Hour})
	r := dialRaw(t, ts)
	pid := backendPID(t, r.startup(nil))
	r.send(&pgproto3.Query{String: "big 100000"}) // 100 MiB, never read
	var last int64 = -1
	waitFor(t, "the statement to block writing", func() bool {
		n := ts.backend.produced.Load()
		blocked := n == last && n > 0
		last = n
		time.Sleep(50 * time.Millisecond)
		return blocked
	})
	start := time.Now()
	ts.backend.session(pid).Kill(sqlerr.New(596))
	waitFor(t, "the connection to end", func() bool { return ts.srv.NumConns() == 0 })
	if d := time.Since(start); d > killGrace+2*time.Second {
		t.Fatalf("the killed connection took %v to end", d)
	}
}

// TestNoticeSentAtOnce: a notice reaches the client while its statement
// still runs (BACKUP ... WITH STATS progress), as PostgreSQL sends it.
func TestNoticeSentAtOnce(t *testing.T) {
	ts := startServer(t, Config{})
	r := dialRaw(t, ts)
	pid := backendPID(t, r.startup(nil))
	r.send(&pgproto3.Query{String: "notice-sleep"})
	<-ts.backend.started
	if out := r.until("NoticeResponse"); len(out) != 2 || typeName(out[0]) != "RowDescription" {
		t.Fatalf("before the statement ended: %v", out)
	}
	ts.backend.session(pid).Kill(sqlerr.New(596))
	r.readToEOF()
}
