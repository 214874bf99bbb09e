// Package stat holds the two measuring instruments the monitoring figures
// need: a latency histogram cheap enough for every commit, and a rate over
// a sliding window of a cumulative counter. Neither knows about Prometheus:
// the monitor turns them into metrics when scraped.
package stat

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// LatencyBuckets are the upper bounds, in seconds, of every Histogram:
// 100 µs to ~26 s, doubling.
var LatencyBuckets = func() []float64 {
	b := make([]float64, 19)
	for i := range b {
		b[i] = 100e-6 * math.Pow(2, float64(i))
	}
	return b
}()

// Histogram counts durations into LatencyBuckets. Observe is lock-free.
type Histogram struct {
	counts [20]atomic.Uint64 // one per bucket, the last one for +Inf
	sumNs  atomic.Int64
}

// Observe records one duration.
func (h *Histogram) Observe(d time.Duration) {
	s := d.Seconds()
	i := 0
	for i < len(LatencyBuckets) && s > LatencyBuckets[i] {
		i++
	}
	h.counts[i].Add(1)
	h.sumNs.Add(int64(d))
}

// Snapshot returns the total count, the sum in seconds, and the
// cumulative count per upper bound, as Prometheus histograms want them.
func (h *Histogram) Snapshot() (count uint64, sum float64, cumulative map[float64]uint64) {
	cumulative = make(map[float64]uint64, len(LatencyBuckets))
	for i, le := range LatencyBuckets {
		count += h.counts[i].Load()
		cumulative[le] = count
	}
	count += h.counts[len(LatencyBuckets)].Load()
	return count, time.Duration(h.sumNs.Load()).Seconds(), cumulative
}

// Rate is the rate of a cumulative counter over a sliding window: the
// owner samples the counter now and then (Sample), and Per reports the
// change per second between the oldest and newest sample in the window.
type Rate struct {
	Window time.Duration // how far back Per looks (default 10 s)

	mu      sync.Mutex
	samples []sample
}

type sample struct {
	at time.Time
	v  float64
}

// Sample records the counter's value v at time now.
func (r *Rate) Sample(now time.Time, v float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	w := r.Window
	if w <= 0 {
		w = 10 * time.Second
	}
	if n := len(r.samples); n > 0 && v < r.samples[n-1].v {
		r.samples = r.samples[:0] // the counter restarted
	}
	r.samples = append(r.samples, sample{now, v})
	cut := 0
	for cut < len(r.samples)-2 && now.Sub(r.samples[cut+1].at) >= w {
		cut++
	}
	r.samples = append(r.samples[:0], r.samples[cut:]...)
}

// Per is the change per second over the window (0 with fewer than two
// samples).
func (r *Rate) Per() float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(r.samples)
	if n < 2 {
		return 0
	}
	first, last := r.samples[0], r.samples[n-1]
	dt := last.at.Sub(first.at).Seconds()
	if dt <= 0 {
		return 0
	}
	return (last.v - first.v) / dt
}
