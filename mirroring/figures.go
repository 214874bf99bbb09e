package mirroring

import (
	"sync/atomic"
	"time"

	"mirrordb/engine"
	"mirrordb/engine/txlog"
	"mirrordb/internal/stat"
	"mirrordb/mirroring/core"
	"mirrordb/mirroring/transport"
)

// figures is what a runner measures for the Database Mirroring Monitor
// (SPEC §9.5). Counters are cumulative; the rates are sampled from them
// once a second by the runner's tick, so reading a figure costs nothing
// on the commit or shipping paths.
type figures struct {
	shipping atomic.Bool   // a shipper is running (principal, linked)
	sentLSN  atomic.Uint64 // the last LSN the shipper handed to the connection
	sent     atomic.Int64  // bytes of log shipped
	delay    stat.Histogram

	sampled                  time.Time // runner goroutine only
	written, commits, send   stat.Rate
	delaySum, delayCount     stat.Rate
	delayTotalNs, delayTotal atomic.Int64
}

// sampleEvery is how often the rates take a sample.
const sampleEvery = time.Second

// sample feeds the rates (runner goroutine).
func (r *runner) sample(now time.Time) {
	f := &r.fig
	if now.Sub(f.sampled) < sampleEvery {
		return
	}
	f.sampled = now
	records, bytes := r.d.LogWritten()
	f.written.Sample(now, float64(bytes))
	f.commits.Sample(now, float64(records))
	f.send.Sample(now, float64(f.sent.Load()))
	f.delaySum.Sample(now, float64(f.delayTotalNs.Load()))
	f.delayCount.Sample(now, float64(f.delayTotal.Load()))
}

// noteDelay records how long a commit waited for the mirror (the gate).
func (f *figures) noteDelay(d time.Duration) {
	f.delay.Observe(d)
	f.delayTotalNs.Add(int64(d))
	f.delayTotal.Add(1)
}

// Figures implements engine.Mirroring: d's §9.5 figures (zero when d has
// no session here).
func (m *Manager) Figures(d *engine.Database) engine.MirrorFigures {
	if r := m.runner(d.Name()); r != nil {
		return r.monitorFigures(r.snapshot())
	}
	return engine.MirrorFigures{}
}

// monitorFigures computes the §9.5 figures of the session as s shows it.
// Queue sizes in KB are estimated from LSN distances and the mean size of
// the database's log records (the log is numbered by transaction, not by
// byte); a caught-up queue is exactly zero.
func (r *runner) monitorFigures(s snapshot) engine.MirrorFigures {
	f := &r.fig
	var out engine.MirrorFigures
	const kb = 1024.0
	rate := f.written.Per() / kb
	if s.cfg.Role == core.Mirror {
		out.RecoveryRateKBps = rate
		out.UnrestoredLogKB = float64(r.applier.pending()) / kb
		out.TimeToRestoreSec = eta(out.UnrestoredLogKB, out.RecoveryRateKBps)
		return out
	}
	out.LogGenerationKBps = rate
	out.TransactionsPerSec = f.commits.Per()
	out.SendRateKBps = f.send.Per() / kb
	durable := r.d.DurableLSN()
	sent := txlog.LSN(s.mirrorEnd)
	if f.shipping.Load() {
		sent = max(sent, txlog.LSN(f.sentLSN.Load()))
	}
	if durable > sent {
		out.UnsentLogKB = float64(durable-sent) * r.d.LogRecordSize() / kb
		if t, ok := r.d.CommitTime(sent + 1); ok {
			out.OldestUnsentSec = max(0, time.Since(t).Seconds())
		}
	}
	out.TimeToSendSec = eta(out.UnsentLogKB, out.SendRateKBps)
	if n := f.delayCount.Per(); n > 0 {
		out.AverageDelayMs = f.delaySum.Per() / n / 1e6
	}
	out.TransactionDelayMs = float64(f.delayTotalNs.Load()) / 1e6
	return out
}

// eta is the time to drain queue at rate: 0 when empty, -1 when nothing
// drains it.
func eta(queue, rate float64) float64 {
	switch {
	case queue == 0:
		return 0
	case rate <= 0:
		return -1
	}
	return queue / rate
}

func (m *Manager) noteRoundTrip(p *transport.Peer, rtt time.Duration) {
	name := p.Info().Remote.ServerName
	m.rttMu.Lock()
	h := m.rtts[name]
	if h == nil {
		if m.rtts == nil {
			m.rtts = map[string]*stat.Histogram{}
		}
		h = &stat.Histogram{}
		m.rtts[name] = h
	}
	m.rttMu.Unlock()
	h.Observe(rtt)
}

// Latencies implements engine.Mirroring: the histograms of the sessions
// running here and of every instance the endpoint has pinged.
func (m *Manager) Latencies() engine.MirrorLatencies {
	out := engine.MirrorLatencies{CommitDelay: map[string]*stat.Histogram{}, RoundTrip: map[string]*stat.Histogram{}}
	m.mu.Lock()
	for _, r := range m.runners {
		out.CommitDelay[r.d.Name()] = &r.fig.delay
	}
	m.mu.Unlock()
	m.rttMu.Lock()
	for name, h := range m.rtts {
		out.RoundTrip[name] = h
	}
	m.rttMu.Unlock()
	return out
}
