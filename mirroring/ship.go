package mirroring

import (
	"context"
	"errors"
	"sync"
	"time"

	"mirrordb/engine"
	"mirrordb/engine/txlog"
	"mirrordb/mirroring/core"
	"mirrordb/sqlerr"
)

// blockBytes is the size at which the shipper closes a log block.
const blockBytes = 1 << 20

// offLinger is how long the shipper lets new log gather under SAFETY OFF
// before it sends: no commit waits for the mirror then, so one block, one
// fsync on the mirror and one acknowledgement serve several commits
// instead of one each. The mirror may trail by that much more. 10 ms, not
// 2: the mirror shares the principal's cores here, and each block costs
// it a redo and an fsync (~400 µs of CPU); at 2 ms a one-client principal
// sent a block per ~5 commits, at 10 ms per ~19 (BENCHMARKS.md).
const offLinger = 10 * time.Millisecond

// flushWaitLimit bounds how long the shipper holds applied log for the
// WAL flush that will cover it to start (storage/walflush.go). A flush
// starts within one fsync of a commit, but one stalled on a hanging disk
// would otherwise hold back the log it does not cover; that log then goes
// to the mirror without its flush, as all log did before the wait.
const flushWaitLimit = 2 * time.Millisecond

// errBlockFull stops a log read when a block is full.
var errBlockFull = errors.New("block full")

// startShipping starts the shipper from LSN from (principal).
func (r *runner) startShipping(from core.LSN) {
	ctx, cancel := context.WithCancel(r.ctx)
	done := make(chan struct{})
	r.shipCancel, r.shipDone = cancel, done
	cfg := r.s.Config()
	h := core.Header{DB: cfg.Database, GUID: cfg.GUID, RoleSeq: cfg.RoleSeq, From: core.Principal}
	r.fig.sentLSN.Store(uint64(from) - 1)
	r.fig.shipping.Store(true)
	reloads := r.d.LogReloads()
	go func() {
		defer close(done)
		defer r.fig.shipping.Store(false)
		r.ship(ctx, txlog.LSN(from), h, reloads)
	}()
}

func (r *runner) stopShipping() {
	if r.shipCancel != nil {
		r.shipCancel()
		<-r.shipDone
		r.shipCancel, r.shipDone = nil, nil
	}
}

// ship streams the log to the mirror from next on, in blocks, as fast as
// the connection accepts them (the transport's bounded queue is the
// back-pressure). It ships what is applied, durable or not, so that the
// mirror's hardening overlaps this database's fsync; the commit gate
// still waits for both (core/rewind.go says what happens to log the
// mirror hardened and this database then lost). It reads through the log
// iterator, so catching up on a large backlog takes one block of memory
// at a time, and it reuses that block (the transport copies what it
// queues). reloads is the store's reload count when shipping started: a
// reload ends shipping, since the log past its end of log is not the one
// shipped.
func (r *runner) ship(ctx context.Context, next txlog.LSN, h core.Header, reloads uint64) {
	var payload []byte
	flushWait := time.NewTimer(flushWaitLimit)
	flushWait.Stop()
	for ctx.Err() == nil {
		end := r.d.EndLSN()
		if next > end {
			if _, err := r.d.WaitEnd(ctx, next-1); err != nil {
				return
			}
			if r.snapshot().cfg.Safety == core.SafetyOff {
				select {
				case <-ctx.Done():
					return
				case <-time.After(offLinger):
				}
			}
			continue
		}
		// Wait for the WAL flush of the group next is in to start,
		// then send what is applied by then: the group in one block
		// (storage/walflush.go). The mirror still hardens it while
		// that flush's write and fsync run.
		if !r.d.WALFlushStarted(next) {
			flushWait.Reset(flushWaitLimit)
			r.d.WaitWALFlush(ctx, next, flushWait.C)
			flushWait.Stop()
		}
		if end = r.d.EndLSN(); end < next {
			continue // undone meanwhile
		}
		r.mu.Lock()
		link, synced := r.cur, r.snap.synced
		r.mu.Unlock()
		if link == nil {
			return
		}
		if payload == nil {
			payload = make([]byte, 0, blockBytes+64<<10)
		}
		payload = core.AppendLogBlockHead(payload[:0], &core.LogBlock{Header: h, Durable: r.d.DurableLSN(), Synchronized: synced})
		last := next - 1
		err := r.d.ReadLog(next, end, func(lsn txlog.LSN, rec []byte) error {
			payload = core.AppendLogRecord(payload, rec)
			last = lsn
			if len(payload) >= blockBytes {
				return errBlockFull
			}
			return nil
		})
		if err != nil && !errors.Is(err, errBlockFull) {
			r.log.Info("reading log to ship failed", "from", next, "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		if r.d.LogReloads() != reloads {
			return // the session hears of the reload and starts over
		}
		// With ctx: stopShipping must not wait for a peer that stopped
		// reading.
		if err := link.SendContext(ctx, core.KindLog, payload); err != nil {
			return // PeerDown tells the runner
		}
		r.fig.sent.Add(int64(len(payload)))
		r.fig.sentLSN.Store(uint64(last))
		next = last + 1
	}
}

// applier hardens shipped log on the mirror: everything queued goes into
// one durable redo batch.
type applier struct {
	d      *engine.Database
	notify chan struct{}

	mu     sync.Mutex
	cond   *sync.Cond
	queue  [][]byte
	queued int
	busy   int // bytes of the batch being redone
}

// applyLimit bounds the log waiting to be hardened; beyond it the runner
// (and so the connection) waits.
const applyLimit = 32 << 20

// redoBatch bounds one hardening batch.
const redoBatch = 16 << 20

func newApplier(d *engine.Database, notify chan struct{}) *applier {
	a := &applier{d: d, notify: notify}
	a.cond = sync.NewCond(&a.mu)
	return a
}

// push queues records, waiting while the queue is full.
func (a *applier) push(ctx context.Context, recs [][]byte) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for a.queued >= applyLimit && ctx.Err() == nil {
		a.cond.Wait()
	}
	for _, rec := range recs {
		a.queue = append(a.queue, rec)
		a.queued += len(rec)
	}
	a.cond.Broadcast()
}

// discard drops the log queued and not yet being hardened, and waits for
// the batch being hardened. A mirror does it when a new connection to its
// principal comes up, before it says where its log ends: nothing shipped
// over an earlier connection may be hardened after that (core/rewind.go).
func (a *applier) discard(ctx context.Context) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.queue, a.queued = nil, 0
	a.cond.Broadcast()
	for a.busy > 0 && ctx.Err() == nil {
		a.cond.Wait()
	}
}

// drain waits until everything queued has been hardened (or ctx ends).
func (a *applier) drain(ctx context.Context) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for (len(a.queue) > 0 || a.busy > 0) && ctx.Err() == nil {
		a.cond.Wait()
	}
}

// pending is the log received and not yet redone, in bytes.
func (a *applier) pending() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.queued + a.busy
}

// run hardens queued log until ctx ends. A failed redo is reported through
// fail (the session reconnects and the principal resends).
func (a *applier) run(ctx context.Context, fail func(error)) {
	stop := context.AfterFunc(ctx, func() {
		a.mu.Lock()
		a.cond.Broadcast()
		a.mu.Unlock()
	})
	defer stop()
	for {
		a.mu.Lock()
		for len(a.queue) == 0 && ctx.Err() == nil {
			a.cond.Wait()
		}
		if ctx.Err() != nil {
			a.mu.Unlock()
			return
		}
		// Take up to redoBatch bytes: one fsync for all of it.
		n, size := 0, 0
		for n < len(a.queue) && (n == 0 || size+len(a.queue[n]) <= redoBatch) {
			size += len(a.queue[n])
			n++
		}
		batch := a.queue[:n:n]
		a.queue = a.queue[n:]
		a.queued -= size
		a.busy = size
		a.cond.Broadcast()
		a.mu.Unlock()
		err := a.d.Redo(ctx, batch)
		a.mu.Lock()
		a.busy = 0
		a.cond.Broadcast()
		a.mu.Unlock()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			fail(err)
			continue
		}
		select {
		case a.notify <- struct{}{}:
		default:
		}
	}
}

// gate is the commit gate of a principal: it holds each commit's
// acknowledgement until the session's Gate lets it through — the mirror
// has hardened it (SAFETY FULL), or it may go without the mirror, and,
// with a witness, only while the principal holds its lease.
type gate struct {
	db     string
	waited func(time.Duration) // how long each commit waited here
	mu     sync.Mutex
	g      core.Gate
	failed error // set when the session stops: waiting commits fail
	// waiters are the commits waiting for the gate to change, each woken
	// only by a change that may let it through (wakeLocked).
	waiters []gateWaiter
	// capped: the store was reloaded (reloads times so far) with its log
	// ending at capAt, and the session has not yet stepped it: until it
	// has, the mirror's acknowledgements count only up to capAt.
	capped  bool
	capAt   txlog.LSN
	reloads uint64
}

func newGate(db string, waited func(time.Duration)) *gate {
	return &gate{db: db, waited: waited, g: core.Gate{Unhardened: core.MaxLSN}}
}

// gateWaiter is a commit waiting at the gate: its LSN, and the channel
// closed to wake it.
type gateWaiter struct {
	lsn   txlog.LSN
	woken chan struct{}
}

func (g *gate) set(x core.Gate) {
	g.mu.Lock()
	g.g = x
	if x.Offline {
		g.broadcastLocked()
	} else {
		g.wakeLocked()
	}
	g.mu.Unlock()
}

// wakeLocked wakes the waiting commits the gate may let through now. Lets
// is false for an LSN above both Acked and Unhardened whatever the lease
// says, so those sleep on: under SAFETY FULL an acknowledgement of one
// block wakes the commits it hardened, not every commit waiting (each
// wake-up that finds nothing to do costs a context switch or two).
func (g *gate) wakeLocked() {
	cur := g.currentLocked()
	limit := txlog.LSN(max(cur.Acked, cur.Unhardened))
	kept := g.waiters[:0]
	for _, w := range g.waiters {
		if w.lsn <= limit {
			close(w.woken)
		} else {
			kept = append(kept, w)
		}
	}
	clear(g.waiters[len(kept):])
	g.waiters = kept
}

// forget drops a waiter that stopped waiting.
func (g *gate) forget(woken chan struct{}) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, w := range g.waiters {
		if w.woken == woken {
			g.waiters = append(g.waiters[:i], g.waiters[i+1:]...)
			return
		}
	}
}

// reloaded caps the gate at the end of log a store reload found; the
// runner steps core.Reloaded, then uncaps.
func (g *gate) reloaded(end txlog.LSN) {
	g.mu.Lock()
	if !g.capped || end < g.capAt {
		g.capAt = end
	}
	g.capped = true
	g.reloads++
	g.mu.Unlock()
}

// reloadedTo is the lowest end of log of the reloads not yet stepped, and
// how many reloads there have been.
func (g *gate) reloadedTo() (end txlog.LSN, reloads uint64, ok bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.capAt, g.reloads, g.capped
}

// uncap lifts the cap once the session has stepped the reloads counted,
// and wakes the commits the cap held back: the session's own gate may not
// change again (it sends only changes).
func (g *gate) uncap(reloads uint64) {
	g.mu.Lock()
	if g.capped && g.reloads == reloads {
		g.capped = false
		g.broadcastLocked()
	}
	g.mu.Unlock()
}

// fail ends every wait with err: the instance is stopping, and a commit
// the mirror has not hardened must not be reported as safe.
func (g *gate) fail(err error) {
	g.mu.Lock()
	g.failed = err
	g.broadcastLocked()
	g.mu.Unlock()
}

// broadcastLocked wakes every waiting commit.
func (g *gate) broadcastLocked() {
	for _, w := range g.waiters {
		close(w.woken)
	}
	clear(g.waiters)
	g.waiters = g.waiters[:0]
}

// released is the highest LSN the gate lets through now (the mirror
// hardened it, or commits may go without the mirror): the limit of a log
// backup, since a failover may still undo the log past it.
func (g *gate) released() txlog.LSN {
	g.mu.Lock()
	defer g.mu.Unlock()
	cur := g.currentLocked()
	return txlog.LSN(max(cur.Acked, cur.Unhardened))
}

// letsAll reports whether the gate lets every commit through without
// looking at its LSN (no witness, no SAFETY FULL gating): then no
// acknowledgement waits for the session to hear of a durable LSN.
func (g *gate) letsAll() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.failed == nil && !g.g.Offline && g.g.Unhardened == core.MaxLSN
}

// currentLocked is the session's gate under the cap of a reload.
func (g *gate) currentLocked() core.Gate {
	cur := g.g
	if g.capped {
		cur.Acked = min(cur.Acked, core.LSN(g.capAt))
	}
	return cur
}

// wait is the engine.CommitGate. A commit waiting when the principal
// loses quorum (or stops being principal) fails: its fate is decided by
// whoever serves next, never reported as committed here.
func (g *gate) wait(ctx context.Context, lsn txlog.LSN) error {
	start := time.Now()
	for {
		g.mu.Lock()
		cur, failed := g.currentLocked(), g.failed
		var woken chan struct{}
		if failed == nil && !cur.Offline && !cur.Lets(core.LSN(lsn), time.Now()) {
			woken = make(chan struct{})
			g.waiters = append(g.waiters, gateWaiter{lsn: lsn, woken: woken})
		}
		g.mu.Unlock()
		switch {
		case failed != nil:
			return failed
		case cur.Offline:
			return sqlerr.New(955, g.db)
		case woken == nil:
			g.waited(time.Since(start))
			return nil
		}
		select {
		case <-woken:
		case <-ctx.Done():
			g.forget(woken)
			return ctx.Err()
		}
	}
}
