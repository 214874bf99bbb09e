package mirroring

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"mirrordb/engine"
	"mirrordb/engine/txlog"
	"mirrordb/mirroring/core"
	"mirrordb/mirroring/transport"
	"mirrordb/sqlerr"
)

// Events a runner receives besides core events.
type (
	// received is a message from the partner (toPartner false: from the
	// witness).
	received struct {
		peer    *transport.Peer
		msg     core.Message
		witness bool
	}
	linkLost struct {
		peer *transport.Peer
		err  error
	}
	dialed struct {
		l    *peerLink
		peer *transport.Peer
		err  error
	}
	commandEvent struct {
		cmd   core.Command
		reply chan error
	}
	// adopt replaces the session configuration (the mirror side of SET
	// PARTNER) and links it over peer.
	adopt struct {
		cfg  core.Config
		peer *transport.Peer
		done chan struct{}
	}
	redoFailed struct{ err error }
	// forkDone reports the commit that started a new recovery fork.
	forkDone struct{ err error }
)

// runner drives one database's session: it alone calls Step (see doc.go).
type runner struct {
	m    *Manager
	d    *engine.Database
	log  *slog.Logger
	ev   chan any
	done chan struct{}
	ctx  context.Context
	stop context.CancelFunc

	durableCh  chan struct{} // coalesced: the durable end moved
	hardenedCh chan struct{} // coalesced: the applier hardened more log
	probeNow   chan struct{} // coalesced: probe the disk at once (a redo failed)
	reloadCh   chan struct{} // coalesced: the store was reloaded (gate.reloaded)

	gate    *gate
	applier *applier
	fig     figures

	// Runner goroutine only.
	s          *core.Session
	partner    peerLink // the connection to the partner
	witness    peerLink // the connection to the witness
	lastTick   time.Time
	pending    map[uint64]chan error
	nextCmd    uint64
	shipCancel context.CancelFunc
	shipDone   chan struct{}
	block      *writeBlock
	// noQuorum: the session closed the database (Serve off); verdict: the
	// event being stepped is the witness's failover verdict; states: the
	// §6.5 state change events recorded (history.go).
	noQuorum bool
	verdict  bool
	states   stateLog
	// unpersisted is a configuration whose write failed (the database out
	// of service after a storage failure); tick retries it.
	unpersisted *core.Config
	// lost remembers connections reported down, so that a late dial
	// result or message cannot make one a link again.
	lost map[*transport.Peer]bool

	// mu guards the snapshot the views, the shipper and the log hold read.
	mu   sync.Mutex
	snap snapshot
	cur  *transport.Peer // the partner link, for the shipper
}

// peerLink is one of a runner's connections, with its redial state.
type peerLink struct {
	witness  bool
	peer     *transport.Peer
	dialing  bool
	nextDial time.Time
	backoff  time.Duration
}

// snapshot is the session as the outside sees it, refreshed after each
// Step.
type snapshot struct {
	cfg          core.Config
	state        core.State
	end          core.LSN
	mirrorEnd    core.LSN
	linked       bool
	synced       bool // the flag the principal's messages carry (core.Session.Synced)
	undoing      bool // an Undo is under way (core.Session.Undoing)
	witnessState int
}

// writeBlock is a BlockWrites in progress or held.
type writeBlock struct {
	cancel  context.CancelFunc
	mu      sync.Mutex
	release func()
}

// engineRole is the role the engine enforces on a partner's copy.
func engineRole(r core.Role) engine.MirrorRole {
	switch r {
	case core.Principal:
		return engine.RolePrincipal
	case core.Mirror:
		return engine.RoleMirror
	}
	return engine.RoleNone
}

// startRunner starts the session of d from cfg, linked over peer if given.
func (m *Manager) startRunner(d *engine.Database, cfg core.Config, peer *transport.Peer) error {
	if err := m.in.SetMirroringRole(d, engineRole(cfg.Role)); err != nil {
		return err
	}
	ctx, stop := context.WithCancel(m.ctx)
	r := &runner{m: m, d: d, log: m.log.With("db", d.Name()), ev: make(chan any, 32), done: make(chan struct{}),
		ctx: ctx, stop: stop, durableCh: make(chan struct{}, 1), hardenedCh: make(chan struct{}, 1), probeNow: make(chan struct{}, 1),
		reloadCh: make(chan struct{}, 1),
		pending:  map[uint64]chan error{},
		partner:  peerLink{backoff: minBackoff}, witness: peerLink{witness: true, backoff: minBackoff}}
	r.applier = newApplier(d, r.hardenedCh)
	r.gate = newGate(d.Name(), r.fig.noteDelay)
	// The session starts from the durable end of log: a principal's
	// commits, or what a mirror has hardened (redo makes it durable).
	r.s = core.NewSession(cfg, r.d.DurableLSN(), time.Now())
	if cfg.Role == core.Principal {
		r.persist(r.s.Config()) // its Rewind, before any commit (core/rewind.go)
	}
	r.refresh()
	d.SetOnLogReload(func(end txlog.LSN) {
		r.gate.reloaded(end)
		select {
		case r.reloadCh <- struct{}{}:
		default:
		}
	})
	d.SetCommitGate(r.gate.wait)
	d.SetBackupLimit(r.gate.released)
	d.SetLogHold("DATABASE_MIRRORING", r.logHold)
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		stop()
		return sqlerr.New(1404, d.Name())
	}
	m.runners[strings.ToLower(d.Name())] = r
	m.mu.Unlock()
	if cfg.Role == core.Principal && cfg.PendingFailover != nil {
		// A manual failover was in doubt when the instance stopped: no
		// commits until the partners agree on who is principal.
		r.do(core.BlockWrites{Block: true})
	}
	m.wg.Add(3)
	go func() {
		defer m.wg.Done()
		r.applier.run(ctx, func(err error) { r.post(redoFailed{err}) })
	}()
	go func() {
		defer m.wg.Done()
		r.watchDurable(ctx)
	}()
	go func() {
		defer m.wg.Done()
		r.watchDisk(ctx)
	}()
	r.log.Info("mirroring session started", "role", cfg.Role.String(), "state", r.s.State().String(), "partner", cfg.Partner)
	go r.run(peer)
	return nil
}

const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 2 * time.Second
	tickEvery  = 100 * time.Millisecond
	// freshEvery: before handling anything, the session's clock is moved
	// on if it is older than this, so that a stale moment (a paused
	// process waking up) never judges leases or silence.
	freshEvery = 10 * time.Millisecond
)

// post delivers an event to the runner (dropped once it has stopped).
func (r *runner) post(e any) {
	select {
	case r.ev <- e:
	case <-r.done:
	}
}

func (r *runner) run(peer *transport.Peer) {
	defer close(r.done)
	defer r.shutdown()
	r.tick(time.Now())
	if peer != nil && !isDone(peer) {
		r.partnerUp(peer)
	}
	t := time.NewTicker(tickEvery)
	defer t.Stop()
	for {
		if r.s.Removed() {
			return
		}
		select {
		case <-r.ctx.Done():
			return
		case e := <-r.ev:
			r.freshen()
			r.handle(e)
		case <-r.durableCh:
			r.freshen()
			r.step(core.Durable{LSN: r.d.DurableLSN()})
		case <-r.hardenedCh:
			r.freshen()
			r.step(core.Hardened{LSN: r.hardenedEnd()})
		case <-r.reloadCh:
			if end, n, ok := r.gate.reloadedTo(); ok {
				r.freshen()
				r.step(core.Reloaded{End: core.LSN(end)})
				r.gate.uncap(n)
			}
		case now := <-t.C:
			r.tick(now)
		}
	}
}

func (r *runner) tick(now time.Time) {
	r.lastTick = now
	r.sample(now)
	r.step(core.Tick{Now: now})
	if r.unpersisted != nil {
		r.persist(*r.unpersisted)
	}
	r.flushStateChanges(now)
	cfg := r.s.Config()
	if cfg.GUID != "" { // a mirror not yet contacted waits (SPEC §4 step 7)
		r.maybeDial(&r.partner, cfg.Partner, now)
	}
	if cfg.GUID != "" && cfg.Witness != "" {
		r.maybeDial(&r.witness, cfg.Witness, now)
	}
}

func (r *runner) freshen() {
	if now := time.Now(); now.Sub(r.lastTick) >= freshEvery {
		r.lastTick = now
		r.step(core.Tick{Now: now})
	}
}

func (r *runner) handle(e any) {
	switch x := e.(type) {
	case received:
		l := &r.partner
		if x.witness {
			l = &r.witness
		}
		if l.peer != x.peer && !r.lost[x.peer] {
			// A new connection (the one the transport kept): the core
			// starts the link over, so nothing lost on the old one is
			// assumed delivered.
			if l.witness {
				r.setLink(l, x.peer)
				r.step(linkUp(l))
			} else {
				r.partnerUp(x.peer)
			}
		}
		if !x.witness && l.peer != x.peer {
			// Late from a connection that is over: log or an
			// acknowledgement from it must not count on the new one.
			return
		}
		_, r.verdict = x.msg.(*core.FailoverVerdict)
		r.step(core.Received{Msg: x.msg})
		r.verdict = false
	case linkLost:
		r.noteLost(x.peer)
		for _, l := range []*peerLink{&r.partner, &r.witness} {
			if l.peer != x.peer {
				continue
			}
			r.setLink(l, nil)
			r.step(linkDown(l, x.err.Error()))
			if errors.Is(x.err, transport.ErrReplaced) {
				l.nextDial = time.Time{} // the kept connection is up: use it now
			}
		}
	case dialed:
		l := x.l
		l.dialing = false
		if x.err != nil {
			l.nextDial = time.Now().Add(l.backoff)
			l.backoff = min(2*l.backoff, maxBackoff)
			return
		}
		l.backoff = minBackoff
		if l.peer == nil && !r.lost[x.peer] && !isDone(x.peer) {
			if l.witness {
				r.setLink(l, x.peer)
				r.step(linkUp(l))
			} else {
				r.partnerUp(x.peer)
			}
		}
	case commandEvent:
		r.nextCmd++
		x.cmd.ID = r.nextCmd
		r.pending[x.cmd.ID] = x.reply
		r.step(x.cmd)
	case adopt:
		r.stopShipping()
		r.s = core.NewSession(x.cfg, r.d.DurableLSN(), time.Now())
		r.persist(r.s.Config())
		r.tick(time.Now())
		r.partnerUp(x.peer)
		close(x.done)
	case redoFailed:
		r.log.Info("redo failed; reconnecting to resend", "err", x.err)
		r.do(core.DropLink{Reason: "redo failed"})
		r.step(core.LinkDown{Reason: "redo failed"})
		// The disk may have failed under the redo: a mirror whose
		// database is out of service must fall silent at once, not
		// reconnect and look synchronized until the next probe.
		select {
		case r.probeNow <- struct{}{}:
		default:
		}
	case forkDone:
		if x.err != nil {
			r.log.Info("starting a new recovery fork", "err", x.err)
		}
	case core.Event:
		r.step(x)
	}
}

// partnerUp makes p the link to the partner. A mirror first drops what
// earlier connections brought and has not hardened, and tells the session
// where its log ends, so that the Hello it sends on p says all it will
// harden until the principal ships more over p (core/rewind.go).
func (r *runner) partnerUp(p *transport.Peer) {
	r.setLink(&r.partner, p)
	if r.s.Config().Role == core.Mirror {
		r.applier.discard(r.ctx)
		r.step(core.Hardened{LSN: r.hardenedEnd()})
	}
	r.step(core.LinkUp{})
}

func linkUp(l *peerLink) core.Event {
	if l.witness {
		return core.WitnessUp{}
	}
	return core.LinkUp{}
}

func linkDown(l *peerLink, reason string) core.Event {
	if l.witness {
		return core.WitnessDown{Reason: reason}
	}
	return core.LinkDown{Reason: reason}
}

// maybeDial connects a link that is down, with backoff.
func (r *runner) maybeDial(l *peerLink, address string, now time.Time) {
	if l.peer != nil || l.dialing || address == "" || now.Before(l.nextDial) {
		return
	}
	l.dialing = true
	r.background(func() {
		ctx, cancel := context.WithTimeout(r.ctx, r.m.cfg.DialTimeout)
		defer cancel()
		p, err := r.m.dial(ctx, address)
		r.post(dialed{l: l, peer: p, err: err})
	})
}

// isDone reports whether a connection has ended.
func isDone(p *transport.Peer) bool {
	select {
	case <-p.Done():
		return true
	default:
		return false
	}
}

// noteLost records a connection that went down (a few are kept: only
// recent ones can still arrive in a dial result or message).
func (r *runner) noteLost(p *transport.Peer) {
	if r.lost == nil || len(r.lost) > 64 {
		r.lost = map[*transport.Peer]bool{}
	}
	r.lost[p] = true
}

func (r *runner) setLink(l *peerLink, p *transport.Peer) {
	l.peer = p
	if !l.witness {
		r.mu.Lock()
		r.cur = p
		r.mu.Unlock()
	}
}

// step feeds an event to the session and carries out its actions.
func (r *runner) step(e core.Event) {
	actions := r.s.Step(e)
	// The views first: an action may open the database to users (SetRole,
	// Serve), whose transactions must then read the new role sequence.
	r.refresh()
	for _, a := range actions {
		r.do(a)
	}
	if r.s.Config().Witness == "" && r.witness.peer != nil {
		// The witness was removed: stop using its connection (it is the
		// instance's, and may serve other sessions).
		r.setLink(&r.witness, nil)
	}
	r.refresh()
}

func (r *runner) refresh() {
	r.mu.Lock()
	before := r.snap
	r.snap = snapshot{cfg: r.s.Config(), state: r.s.State(), end: r.s.End(), mirrorEnd: r.s.MirrorEnd(),
		linked: r.s.Linked(), synced: r.s.Synced(), witnessState: r.s.WitnessState(), undoing: r.s.Undoing()}
	after := r.snap
	r.mu.Unlock()
	r.noteSituation(r.situation(before), r.situation(after))
}

func (r *runner) snapshot() snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.snap
}

// send posts a message on a link: the runner never waits for a peer (a
// silent one must not stop its timers, leases included). A dead link
// reports itself through PeerDown.
func send(l *peerLink, m core.Message) {
	if l.peer != nil {
		k, b := core.Encode(m)
		_ = l.peer.Post(k, b)
	}
}

func (r *runner) do(a core.Action) {
	switch x := a.(type) {
	case core.Send:
		send(&r.partner, x.Msg)
	case core.SendWitness:
		if ask, ok := x.Msg.(*core.FailoverAsk); ok {
			r.log.Info("asking the witness for the principal role", "end_lsn", ask.End,
				"principal_silent_for", ask.SilentFor, "hard_failure", ask.Hard, "force", ask.Force, "connected", r.witness.peer != nil)
		}
		send(&r.witness, x.Msg)
	case core.Persist:
		r.persist(x.Config)
	case core.Remove:
		r.remove()
	case core.SetRole:
		if x.Role == core.Principal {
			// Whatever arrived before the switch is hardened first: the
			// new principal's commits continue its log.
			r.applier.drain(r.ctx)
			r.undoOpenTail()
		}
		// The role first: a user write waiting for the writer lock must
		// find the copy already a mirror when the block is released.
		if err := r.m.in.SetMirroringRole(r.d, engineRole(x.Role)); err != nil {
			r.log.Info("changing role", "role", x.Role.String(), "err", err)
		}
		if x.Role == core.Mirror {
			r.unblock() // a block taken as principal would stop redo
			r.reportDemoted()
		}
		r.log.Info("mirroring role", "role", x.Role.String(), "role_sequence", r.s.Config().RoleSeq)
	case core.Ship:
		r.stopShipping()
		if x.From > 0 {
			r.startShipping(x.From)
		}
	case core.Apply:
		r.applier.push(r.ctx, x.Records)
	case core.Gate:
		r.gate.set(x)
	case core.Serve:
		r.noQuorum = !x.On
		r.m.in.SetQuorum(r.d, x.On)
	case core.BlockWrites:
		if x.Block {
			r.blockWrites()
		} else {
			r.unblock()
		}
	case core.Undo:
		// In the background, reported as an event: the actions that came
		// with this one (the Hello saying an undo is pending) go out first,
		// and the runner keeps answering pings during a long undo.
		// A database out of service after a storage failure cannot undo
		// yet: it is retried every second until it can, or until the undo
		// is no longer wanted.
		r.background(func() {
			// Log still queued from the principal is hardened first, so
			// that the undo covers it.
			r.applier.drain(r.ctx)
			for attempt := 0; ; attempt++ {
				err := r.d.UndoTo(r.ctx, txlog.LSN(x.To))
				if err == nil {
					break
				}
				if attempt == 0 {
					r.log.Info("undo to the failover LSN failed; retrying every second", "lsn", x.To, "err", err)
				}
				select {
				case <-r.ctx.Done():
					return
				case <-time.After(time.Second):
				}
				if !r.snapshot().undoing {
					return
				}
			}
			r.log.Info("log undone to the failover LSN", "lsn", x.To)
			r.post(core.Undone{LSN: core.LSN(r.hardenedEnd())})
		})
	case core.NewFork:
		// A commit: it passes the gate once the session lets it, so it
		// cannot run inside the runner.
		r.background(func() { r.post(forkDone{err: r.d.NewRecoveryFork(r.ctx)}) })
	case core.DropLink:
		if p := r.partner.peer; p != nil {
			p.Close()
			r.setLink(&r.partner, nil)
		}
	case core.DropWitness:
		if p := r.witness.peer; p != nil {
			p.Close()
			r.setLink(&r.witness, nil)
		}
	case core.Reply:
		if ch := r.pending[x.ID]; ch != nil {
			delete(r.pending, x.ID)
			ch <- x.Err
		}
	case core.StateChanged:
		r.log.Debug("mirroring state", "from", x.From.String(), "to", x.To.String(),
			"role", r.s.Config().Role.String())
	}
}

// persist writes the session's configuration; one that cannot be written
// now (the database out of service) is written by a later tick.
func (r *runner) persist(cfg core.Config) {
	b, _ := json.Marshal(cfg)
	if err := r.d.MetaSet(metaKey, b); err != nil {
		if r.unpersisted == nil {
			r.log.Info("persisting the mirroring configuration failed; retrying", "err", err)
		}
		r.unpersisted = &cfg
		return
	}
	r.unpersisted = nil
}

// remove ends mirroring for the database (SET PARTNER OFF, here or on the
// partner): the metadata goes, the principal stays ONLINE, a mirror stays
// RESTORING (SPEC T15).
func (r *runner) remove() {
	r.stopShipping()
	r.unblock()
	if err := r.d.MetaSet(metaKey, nil); err != nil {
		r.log.Info("removing the mirroring configuration failed", "err", err)
	}
	r.d.SetCommitGate(nil)
	r.d.SetOnLogReload(nil)
	r.d.SetBackupLimit(nil)
	r.d.SetLogHold("DATABASE_MIRRORING", nil)
	_ = r.m.in.SetMirroringRole(r.d, engine.RoleNone)
	r.m.mu.Lock()
	if r.m.runners[strings.ToLower(r.d.Name())] == r {
		delete(r.m.runners, strings.ToLower(r.d.Name()))
	}
	r.m.mu.Unlock()
	r.log.Info("mirroring removed")
}

// shutdown runs when the runner stops (removed, or the instance closing).
func (r *runner) shutdown() {
	r.stop()
	r.stopShipping()
	r.unblock()
	if !r.s.Removed() {
		r.gate.fail(sqlerr.New(6005))
	}
	for id, ch := range r.pending {
		ch <- sqlerr.New(1404, r.d.Name())
		delete(r.pending, id)
	}
}

// command runs an ALTER DATABASE ... SET PARTNER option through the
// session and waits for its outcome.
func (r *runner) command(ctx context.Context, cmd core.Command) error {
	reply := make(chan error, 1)
	select {
	case r.ev <- commandEvent{cmd: cmd, reply: reply}:
	case <-r.done:
		return sqlerr.New(1416, r.d.Name())
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-reply:
		return err
	case <-r.done:
		select {
		case err := <-reply:
			return err
		default:
			return sqlerr.New(1404, r.d.Name())
		}
	case <-ctx.Done():
		return ctx.Err()
	}
}

// blockWrites takes the database's writer lock in the background and
// reports WritesBlocked with the end of log once it holds it.
func (r *runner) blockWrites() {
	if r.block != nil {
		return
	}
	ctx, cancel := context.WithCancel(r.ctx)
	b := &writeBlock{cancel: cancel}
	r.block = b
	reason := sqlerr.New(1480, r.d.Name(), "PRINCIPAL", "MIRROR", "a manual failover")
	r.background(func() {
		release, err := r.d.BlockWrites(ctx, reason)
		if err != nil {
			return
		}
		b.mu.Lock()
		if ctx.Err() != nil {
			b.mu.Unlock()
			release()
			return
		}
		b.release = release
		b.mu.Unlock()
		r.post(core.WritesBlocked{End: r.d.EndLSN()})
	})
}

// reportDemoted tells the session where the log of a former principal
// ends (core.Demoted) once no commit is in flight: the copy is a mirror
// now, so taking the writer lock waits out (or ends) the transactions
// that were committing, whose records may still await their fsync.
func (r *runner) reportDemoted() {
	r.background(func() {
		release, err := r.d.BlockWrites(r.ctx, sqlerr.New(954, r.d.Name()))
		if err != nil {
			return // shutting down
		}
		end := r.d.EndLSN()
		release()
		r.post(core.Demoted{End: core.LSN(end)})
	})
}

// background runs work the runner must not wait for (a dial, an undo, a
// write block) on a goroutine the manager's Close waits for, so none of
// it outlives the engine it uses. Only the runner goroutine calls it.
func (r *runner) background(fn func()) {
	r.m.wg.Add(1)
	go func() {
		defer r.m.wg.Done()
		fn()
	}()
}

func (r *runner) unblock() {
	b := r.block
	if b == nil {
		return
	}
	r.block = nil
	b.cancel()
	b.mu.Lock()
	if b.release != nil {
		b.release()
		b.release = nil
	}
	b.mu.Unlock()
}

// logHold keeps the log the session still needs (DATABASE_MIRRORING): on
// a principal, everything the mirror has not acknowledged; on a demoted
// principal, the log past the failover LSN until it is undone.
func (r *runner) logHold() (txlog.LSN, string) {
	s := r.snapshot()
	switch {
	case s.cfg.Role == core.Principal:
		return txlog.LSN(s.mirrorEnd + 1), "DATABASE_MIRRORING"
	case s.cfg.PendingUndo:
		return txlog.LSN(s.cfg.UndoPoint() + 1), "DATABASE_MIRRORING"
	}
	return 0, ""
}

// watchDurable notifies the runner as the durable end of log moves.
//
// Each notification wakes this goroutine and the runner's, once per
// commit at one client: a quarter of an unmirrored commit's rate under
// SAFETY OFF (BENCHMARKS.md, stop 24). While the gate lets every commit
// through (no witness, and no SAFETY FULL gating), no acknowledgement
// waits for the core to see a commit durable, so the moves of the next
// durableCoalesce after a notification are reported together. Otherwise
// (a witness: exposed commits pass only up to the core's durable end;
// gating) every move is reported at once.
func (r *runner) watchDurable(ctx context.Context) {
	last := r.d.DurableLSN()
	pause := time.NewTimer(time.Hour)
	pause.Stop()
	defer pause.Stop()
	for {
		lsn, err := r.d.WaitDurableMoved(ctx, last)
		if err != nil {
			return
		}
		moved := lsn > last
		last = lsn
		if !moved {
			continue // undone (a promoted mirror's open tail): wait from there
		}
		select {
		case r.durableCh <- struct{}{}:
		default:
		}
		if r.gate.letsAll() {
			pause.Reset(durableCoalesce)
			select {
			case <-pause.C:
			case <-ctx.Done():
				return
			}
		}
	}
}

// durableCoalesce is how long watchDurable gathers moves of the durable
// end while the gate lets every commit through.
const durableCoalesce = time.Millisecond

// diskStallAfter is how long a durable write may take before the disk
// counts as stalled: the session's timeout.
func (r *runner) diskStallAfter() time.Duration {
	return core.EffectiveTimeout(r.snapshot().cfg.Timeout)
}

// watchDisk probes the database's disk every second with a tiny durable
// write. One that fails (the database was taken out of service by a
// storage failure: SPEC §8.9's hard error) or has not completed within the
// timeout (a stalled disk: a soft error) marks the disk failed: the
// session falls silent and stops acknowledging, so that the partner can
// take over, until a probe succeeds again. A failing or hung disk must not
// hang clients behind a principal that still answers pings.
func (r *runner) watchDisk(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	failed := false
	for {
		done := make(chan error, 1)
		go func() { done <- r.d.ProbeDisk() }()
		timer := time.NewTimer(r.diskStallAfter())
		var err error
		select {
		case err = <-done:
			timer.Stop()
		case <-timer.C:
			err = errDiskStalled
		case <-ctx.Done():
			timer.Stop()
			return
		}
		switch {
		case err != nil && !failed:
			failed = true
			r.log.Error("the disk failed or has not completed a write within the mirroring timeout: stopping acknowledgements and falling silent so that the partner can take over", "err", err)
			if r.snapshot().cfg.Role == core.Principal {
				// The runner may itself be waiting on the disk (a
				// persist): close the database to users from here, so
				// that no client waits on the disk (their sessions end
				// with 955). The session reopens it once the disk is back
				// and it has quorum.
				r.m.in.SetQuorum(r.d, false)
			}
			r.post(core.DiskStalled{Stalled: true})
		case err == nil && failed:
			failed = false
			r.log.Warn("the disk completes writes again")
			r.post(core.DiskStalled{Stalled: false})
		}
		if err == errDiskStalled {
			select { // one probe at a time: wait for the stalled one
			case <-done:
			case <-ctx.Done():
				return
			}
			continue
		}
		select {
		case <-t.C:
		case <-r.probeNow:
		case <-ctx.Done():
			return
		}
	}
}

// errDiskStalled is a disk probe that did not complete within the timeout.
var errDiskStalled = errors.New("the disk has not completed a write within the mirroring timeout")
