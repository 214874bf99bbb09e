package govern

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"mirrordb/sqlerr"
)

func TestCheckReportsTheCause(t *testing.T) {
	var nilStmt *Statement
	if err := nilStmt.Check(); err != nil {
		t.Fatalf("nil statement: %v", err)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	g := Unlimited.Begin(ctx)
	if err := g.Check(); err != nil {
		t.Fatalf("running statement: %v", err)
	}
	why := sqlerr.New(596)
	cancel(why)
	if err := stopped(g); err != why {
		t.Fatalf("after cancel: %v, want the cause", err)
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if err := stopped(Unlimited.Begin(ctx2)); !errors.Is(err, context.Canceled) {
		t.Fatalf("plain cancel: %v", err)
	}
}

// stopped waits for Check to see that the statement's context ended (the
// flag is set by a callback of the context, just after it ends).
func stopped(g *Statement) error {
	deadline := time.Now().Add(5 * time.Second)
	for g.Check() == nil && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	return g.Check()
}

func TestGrowBudgets(t *testing.T) {
	p := NewPool(4<<20, 1<<20)
	g := p.Begin(context.Background())
	if err := g.Grow(900 << 10); err != nil {
		t.Fatal(err)
	}
	if got := p.InUse(); got != g.Memory() || got < 900<<10 || got > 1<<20 {
		t.Fatalf("pool holds %d, statement %d", got, g.Memory())
	}
	if err := g.Grow(200 << 10); !sqlerr.Is(err, 701) {
		t.Fatalf("past the per-query budget: %v, want 701", err)
	}
	g.Shrink(500 << 10)
	if err := g.Grow(200 << 10); err != nil {
		t.Fatalf("after Shrink: %v", err)
	}
	g.End()
	g.End()
	if p.InUse() != 0 || g.Memory() != 0 {
		t.Fatalf("after End the pool holds %d", p.InUse())
	}
	if p.Refused() != 1 {
		t.Fatalf("refused %d, want 1", p.Refused())
	}
}

// TestPoolBoundsManyStatements: statements that each stay within their
// budget are refused together once the pool is spent, and the pool never
// holds more than its total.
func TestPoolBoundsManyStatements(t *testing.T) {
	p := NewPool(8<<20, 4<<20)
	const statements = 16
	var wg sync.WaitGroup
	// grown holds every statement's memory until all have grown or been
	// refused, so that they overlap however the scheduler runs them (a
	// sleep instead would let a loaded machine run them one by one).
	var grown sync.WaitGroup
	grown.Add(statements)
	var mu sync.Mutex
	refused := 0
	for range statements {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := p.Begin(context.Background())
			defer g.End()
			defer grown.Wait()
			defer grown.Done()
			for range 1000 {
				if err := g.Grow(3 << 10); err != nil {
					mu.Lock()
					refused++
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	// At most two statements of 3 MB fit in 8 MB at once.
	if refused < statements-2 {
		t.Fatalf("%d of %d statements of 3 MB fitted in an 8 MB pool together", statements-refused, statements)
	}
	if p.Peak() > 8<<20 || p.InUse() != 0 {
		t.Fatalf("peak %d, in use after all ended %d", p.Peak(), p.InUse())
	}
}

func TestSortStableStops(t *testing.T) {
	s := make([]int, 1<<16)
	for i := range s {
		s[i] = rand.IntN(1000)
	}
	want := slices.Clone(s)
	slices.Sort(want)
	if err := SortStable(Unlimited.Begin(context.Background()), s, func(a, b int) int { return a - b }); err != nil || !slices.Equal(s, want) {
		t.Fatalf("sort: %v", err)
	}

	ctx, cancel := context.WithCancelCause(context.Background())
	g := Unlimited.Begin(ctx)
	why := sqlerr.New(3980)
	compared := 0
	rand.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
	err := SortStable(g, s, func(a, b int) int {
		if compared++; compared == 1000 {
			cancel(why)
			// The flag Check reads is set from the context's own goroutine,
			// which a loaded machine may run only much later; wait for it
			// (bounded), so that what is checked is SortStable's duty: stop
			// at the very next comparison once Check reports the stop.
			if err := stopped(g); err != why {
				t.Errorf("Check after cancel: %v, want the cause", err)
			}
		}
		return a - b
	})
	if err != why || compared != 1000 {
		t.Fatalf("cancelled sort: %v after %d comparisons, want the cause after 1000", err, compared)
	}
}

func TestSortStablePassesOtherPanics(t *testing.T) {
	defer func() {
		if r := recover(); r != "boom" {
			t.Fatalf("recovered %v", r)
		}
	}()
	_ = SortStable[int](nil, []int{2, 1}, func(a, b int) int { panic("boom") })
}

// BenchmarkCheck measures what a check costs a loop that is not stopped.
func BenchmarkCheck(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	g := Unlimited.Begin(ctx)
	for b.Loop() {
		if g.Check() != nil {
			b.Fatal("stopped")
		}
	}
}
