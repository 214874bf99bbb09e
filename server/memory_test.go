package server_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"mirrordb/internal/testutil"
	"mirrordb/server"
)

// TestQueryMemoryBudget: a statement whose sort would hold more than
// --query-memory fails with Msg 701 (severity 17, SQLSTATE 53200); the
// session and the server carry on, and the pool gets its memory back.
func TestQueryMemoryBudget(t *testing.T) {
	g := startGoverned(t, func(c *server.Config) { c.QueryMemory, c.QueryMemoryPool = 32<<20, 64<<20 })
	ctx := context.Background()
	c := g.client(t)
	// 10,000 rows of 20 KB to sort: 200 MB.
	_, err := c.Exec(ctx, "SELECT TOP 1 a.id FROM t a, s WHERE a.id <= 10 ORDER BY s.v + 'y'")
	if testutil.MsgNumber(err) != 701 || testutil.SQLState(err) != "53200" {
		t.Fatalf("an oversized sort: %v, want Msg 701 (53200)", err)
	}
	var n int
	if err := c.QueryRow(ctx, "SELECT COUNT(*) FROM t a, s WHERE a.id <= 10").Scan(&n); err != nil || n != 10000 {
		t.Fatalf("the session after 701: %d, %v", n, err)
	}
	if m := g.srv.Memory(); m.InUse() != 0 || m.Refused() != 1 {
		t.Fatalf("pool: %d bytes in use, %d refused", m.InUse(), m.Refused())
	}
}

// TestManyClientsAskingTooMuch: eight clients at once each run a sort
// that would hold 400 MB of fresh strings (3.2 GB together) while others
// run small queries. The big ones fail with Msg 701, the small ones
// succeed, the server's heap stays near the pool's size, and the pool is
// empty afterwards.
func TestManyClientsAskingTooMuch(t *testing.T) {
	const perQuery, pool = 32 << 20, 128 << 20
	g := startGoverned(t, func(c *server.Config) { c.QueryMemory, c.QueryMemoryPool = perQuery, pool })
	ctx := context.Background()
	var base runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&base)

	stop := make(chan struct{})
	peak := make(chan uint64, 1)
	go func() { // the server runs in this process: watch its heap
		var m runtime.MemStats
		var high uint64
		for {
			runtime.ReadMemStats(&m)
			high = max(high, m.HeapInuse)
			select {
			case <-stop:
				peak <- high
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 8 {
		c := g.client(t)
		wg.Go(func() {
			for range 3 {
				_, err := c.Exec(ctx, fmt.Sprintf("SELECT TOP 1 s.v + CONVERT(VARCHAR(10), a.id + %d) AS v FROM t a, s WHERE a.id <= 20 ORDER BY v", i))
				if testutil.MsgNumber(err) != 701 {
					errs <- fmt.Errorf("client %d: %v, want Msg 701", i, err)
				}
			}
		})
	}
	for i := range 4 {
		c := g.client(t)
		wg.Go(func() {
			for range 20 {
				var n int
				if err := c.QueryRow(ctx, "SELECT COUNT(*) FROM t WHERE id > $1", i).Scan(&n); err != nil || n != 1000-i {
					errs <- fmt.Errorf("small query: %d, %v", n, err)
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	high := <-peak
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	m := g.srv.Memory()
	t.Logf("heap in use: %d MB before, %d MB at the peak; pool peak %d MB of %d MB; %d statements refused",
		base.HeapInuse>>20, high>>20, m.Peak()>>20, pool>>20, m.Refused())
	if m.InUse() != 0 || m.Peak() > pool {
		t.Fatalf("pool: %d bytes in use after, peak %d", m.InUse(), m.Peak())
	}
	// The pool counts approximately and the heap holds garbage until the
	// next collection: allow three times the pool over the baseline.
	if high > base.HeapInuse+3*pool {
		t.Fatalf("the heap reached %d MB", high>>20)
	}
	var one int
	if err := g.admin.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		t.Fatalf("the server after the storm: %v", err)
	}
}
