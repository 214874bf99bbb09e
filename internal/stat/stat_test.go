package stat

import (
	"math"
	"sync"
	"testing"
	"time"
)

func TestHistogram(t *testing.T) {
	var h Histogram
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				h.Observe(50 * time.Microsecond) // first bucket
				h.Observe(3 * time.Millisecond)  // le 3.2 ms
				h.Observe(time.Minute)           // +Inf
			}
		}()
	}
	wg.Wait()
	count, sum, cum := h.Snapshot()
	if count != 12000 {
		t.Fatalf("count %d", count)
	}
	want := 4000 * (50e-6 + 3e-3 + 60)
	if math.Abs(sum-want) > 1e-6 {
		t.Fatalf("sum %v, want %v", sum, want)
	}
	if cum[LatencyBuckets[0]] != 4000 || cum[LatencyBuckets[4]] != 4000 || cum[LatencyBuckets[5]] != 8000 ||
		cum[LatencyBuckets[len(LatencyBuckets)-1]] != 8000 {
		t.Fatalf("cumulative %v (bounds %v)", cum, LatencyBuckets)
	}
}

func TestRate(t *testing.T) {
	r := Rate{Window: 10 * time.Second}
	t0 := time.Unix(1000, 0)
	if r.Per() != 0 {
		t.Fatal("rate without samples")
	}
	for i := range 30 { // 100 per second for 30 s
		r.Sample(t0.Add(time.Duration(i)*time.Second), float64(100*i))
	}
	if got := r.Per(); got != 100 {
		t.Fatalf("steady rate %v", got)
	}
	// The counter stops: after a window of flat samples the rate is 0.
	for i := 30; i < 45; i++ {
		r.Sample(t0.Add(time.Duration(i)*time.Second), 2900)
	}
	if got := r.Per(); got != 0 {
		t.Fatalf("rate after stopping %v", got)
	}
	// A counter that restarts from zero does not give a negative rate.
	r.Sample(t0.Add(46*time.Second), 5)
	r.Sample(t0.Add(47*time.Second), 25)
	if got := r.Per(); got != 20 {
		t.Fatalf("rate after restart %v", got)
	}
}
