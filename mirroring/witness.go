package mirroring

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"strconv"
	"sync"
	"syscall"
	"time"

	"mirrordb/engine"
	"mirrordb/mirroring/core"
	"mirrordb/mirroring/transport"
	"mirrordb/sqlerr"
)

// The witness role of an instance: one goroutine owns core.Witness, fed
// with the partners' messages and connection changes, persisting records
// in master before anything depends on them.

// witnessKey prefixes the records' keys in master's local key space.
const witnessKey = "witness/"

// Transport kinds of SET WITNESS's registration (driver to driver).
const (
	kindRegister   = 'k'
	kindRegistered = 'j'
)

// registerRequest is the principal's SET WITNESS, sent to the witness.
type registerRequest struct {
	Call   uint64             `json:"call"`
	Record core.WitnessRecord `json:"record"`
	// MirrorAt is the address the principal reaches the mirror at (SET
	// PARTNER's): the witness must reach it there too, and the connection
	// it makes may carry the session's traffic, so it must take the same
	// path, not the mirror's own idea of its address (empty: the record's).
	MirrorAt string `json:"mirror_at,omitempty"`
}

type registerReply struct {
	Call uint64        `json:"call"`
	Err  *sqlerr.Error `json:"err,omitempty"`
}

type witnessRole struct {
	m      *Manager
	w      *core.Witness
	ev     chan any
	master *engine.Database

	mu   sync.Mutex
	recs []core.WitnessRecord // snapshot for the view
}

// registered asks the witness goroutine to add a record (after the
// driver's checks) and answers when it is persisted.
type registered struct {
	rec  core.WitnessRecord
	done chan struct{}
}

func (m *Manager) startWitness() error {
	master := m.in.Database("master")
	raw, err := master.MetaScan(witnessKey)
	if err != nil {
		return err
	}
	var recs []core.WitnessRecord
	for guid, b := range raw {
		var r core.WitnessRecord
		if err := json.Unmarshal(b, &r); err != nil {
			m.log.Error("unreadable witness record", "guid", guid, "err", err)
			continue
		}
		recs = append(recs, r)
	}
	wr := &witnessRole{m: m, w: core.NewWitness(recs, time.Now()), ev: make(chan any, 256), master: master}
	wr.recs = wr.w.Records()
	m.witness = wr
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		wr.run()
	}()
	return nil
}

func (wr *witnessRole) post(e any) {
	select {
	case wr.ev <- e:
	case <-wr.m.ctx.Done():
	}
}

// peerUp and peerDown tell the witness about its partners' connections.
// It answers on the connection the transport keeps (Endpoint.Live), not
// on the last one reported up: that one may be a duplicate being replaced.
func (wr *witnessRole) peerUp(p *transport.Peer) {
	wr.post(core.WLink{Instance: p.Info().Remote.InstanceID, Up: true})
}

func (wr *witnessRole) peerDown(p *transport.Peer, err error) {
	if errors.Is(err, transport.ErrReplaced) {
		return // the instance is still connected, over the kept connection
	}
	wr.post(core.WLink{Instance: p.Info().Remote.InstanceID, Hard: !errors.Is(err, transport.ErrClosed)})
}

// live is the connection to a partner instance, or nil.
func (wr *witnessRole) live(instance string) *transport.Peer {
	if ep, _ := wr.m.endpoint(); ep != nil {
		return ep.Live(instance)
	}
	return nil
}

func (wr *witnessRole) run() {
	t := time.NewTicker(tickEvery)
	defer t.Stop()
	for {
		select {
		case <-wr.m.ctx.Done():
			return
		case now := <-t.C:
			wr.step(core.WTick{Now: now})
		case e := <-wr.ev:
			wr.step(core.WTick{Now: time.Now()})
			switch x := e.(type) {
			case registered:
				wr.step(core.WRegister{Record: x.rec})
				close(x.done)
			case core.WitnessEvent:
				wr.step(x)
			}
		}
	}
}

func (wr *witnessRole) step(e core.WitnessEvent) {
	for _, a := range wr.w.Step(e) {
		switch x := a.(type) {
		case core.WSend:
			p := wr.live(x.Instance)
			if v, ok := x.Msg.(*core.FailoverVerdict); ok {
				wr.m.log.Info("failover verdict", "db", v.DB, "granted", v.Granted, "role_sequence", v.RoleSeq,
					"reason", v.Reason, "force", v.Force, "connected", p != nil)
			}
			if p != nil {
				k, b := core.Encode(x.Msg)
				_ = p.Post(k, b) // one silent partner must not stop the witness
			}
		case core.WPersist:
			b, _ := json.Marshal(x.Record)
			if err := wr.master.MetaSet(witnessKey+x.Record.GUID, b); err != nil {
				wr.m.log.Error("persisting a witness record failed", "db", x.Record.DB, "err", err)
			}
			wr.m.log.Info("witness record", "db", x.Record.DB, "role_sequence", x.Record.RoleSeq,
				"principal", x.Record.Partners[x.Record.Principal].Name, "exposed", x.Record.Exposed)
		case core.WForget:
			if err := wr.master.MetaSet(witnessKey+x.GUID, nil); err != nil {
				wr.m.log.Error("removing a witness record failed", "guid", x.GUID, "err", err)
			}
		case core.WProbe:
			guid, addr := x.GUID, x.Address
			go func() { wr.post(core.WProbed{GUID: guid, Refused: refuses(addr)}) }()
		}
	}
	wr.mu.Lock()
	wr.recs = wr.w.Records()
	wr.mu.Unlock()
}

// refuses reports whether the endpoint at address refuses TCP
// connections: nothing listens there, so the instance that did is gone.
// (A silent address or any other error proves nothing.)
func refuses(address string) bool {
	host, port, err := transport.ParseAddress(address)
	if err != nil {
		return false
	}
	c, err := net.DialTimeout("tcp", net.JoinHostPort(host, strconv.Itoa(port)), time.Second)
	if err == nil {
		c.Close()
		return false
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

// Witnessed implements engine.Mirroring: sys.database_mirroring_witnesses.
func (m *Manager) Witnessed() []engine.WitnessRow {
	m.witness.mu.Lock()
	recs := m.witness.recs
	m.witness.mu.Unlock()
	out := make([]engine.WitnessRow, 0, len(recs))
	for _, r := range recs {
		row := engine.WitnessRow{DatabaseName: r.DB, PrincipalServer: r.Partners[r.Principal].Name,
			MirrorServer: r.Partners[1-r.Principal].Name, SafetyLevel: int(r.Safety), SafetyDesc: r.Safety.String(),
			SafetySequence: r.SafetySeq, RoleSequence: r.RoleSeq, GUID: r.GUID, FamilyGUID: r.FamilyGUID,
			Suspended: r.Suspended, SuspendSequence: r.SuspendSeq, PartnerSyncState: 5, PartnerSyncDesc: "SYNCHRONIZED"}
		if r.Exposed || r.Suspended {
			row.PartnerSyncState, row.PartnerSyncDesc = 6, "UNSYNCHRONIZED"
		}
		out = append(out, row)
	}
	return out
}

// answerRegister is the witness's side of SET WITNESS: it must reach the
// mirror too (all three interconnected, 1426), then it keeps the record.
func (m *Manager) answerRegister(p *transport.Peer, req *registerRequest) {
	rep := registerReply{Call: req.Call}
	if err := m.acceptRegister(p, req); err != nil {
		rep.Err = sqlerr.As(err)
		m.log.Info("refused to witness a session", "db", req.Record.DB, "err", rep.Err.Message)
	}
	b, _ := json.Marshal(&rep)
	_ = p.Send(kindRegistered, b)
}

func (m *Manager) acceptRegister(p *transport.Peer, req *registerRequest) error {
	_, def := m.endpoint()
	if def == nil || !def.CanBeWitness() {
		return sqlerr.New(1427, m.in.ServerName())
	}
	rec := req.Record
	if p.Info().Remote.InstanceID != rec.Partners[rec.Principal].Instance {
		return sqlerr.New(1426)
	}
	mirror := rec.Partners[1-rec.Principal]
	at := req.MirrorAt
	if at == "" {
		at = mirror.Address
	}
	ctx, cancel := context.WithTimeout(m.ctx, m.cfg.DialTimeout+5*time.Second)
	defer cancel()
	q, err := m.dial(ctx, at)
	if err != nil || q.Info().Remote.InstanceID != mirror.Instance {
		return sqlerr.New(1426)
	}
	done := make(chan struct{})
	m.witness.post(registered{rec: rec, done: done})
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return sqlerr.New(1404, rec.DB)
	}
}

// witnessCatchUpWait bounds how long SET WITNESS waits for a session that
// is still catching up (as it is right after SET PARTNER returns, the
// documentation's very next step) before it gives up with 1426.
const witnessCatchUpWait = 10 * time.Second

// awaitSynchronized waits, at most for wait, until the partners are linked
// and SYNCHRONIZED, and returns the link to the mirror; 1426 when they do
// not get there in time.
func (r *runner) awaitSynchronized(ctx context.Context, wait time.Duration) (*transport.Peer, error) {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	t := time.NewTicker(freshEvery)
	defer t.Stop()
	for {
		s := r.snapshot()
		r.mu.Lock()
		peer := r.cur
		r.mu.Unlock()
		if peer != nil && s.linked && s.state == core.Synchronized {
			return peer, nil
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil, sqlerr.New(1426)
		}
	}
}

// setWitness runs ALTER DATABASE d SET WITNESS = 'address' on the
// principal: connect, check the instance can witness, register the
// session there, then tell the session (which tells the mirror).
func (m *Manager) setWitness(ctx context.Context, r *runner, address string) error {
	s := r.snapshot()
	db := r.d.Name()
	switch {
	case s.cfg.Role != core.Principal:
		return sqlerr.New(1470, db)
	case s.cfg.GUID == "":
		return sqlerr.New(1416, db)
	}
	if _, _, err := transport.ParseAddress(address); err != nil {
		e := sqlerr.New(1449)
		e.Detail = err.Error()
		return e
	}
	ep, _ := m.endpoint()
	if ep == nil {
		return sqlerr.New(1486)
	}
	if transport.SameEndpoint(address, ep.Identity().Address) || transport.SameEndpoint(address, s.cfg.Partner) {
		return sqlerr.New(1429)
	}
	partnerPeer, err := r.awaitSynchronized(ctx, witnessCatchUpWait)
	if err != nil {
		return err
	}
	s = r.snapshot()
	dctx, cancel := context.WithTimeout(ctx, m.cfg.DialTimeout+5*time.Second)
	p, err := ep.Dial(dctx, address)
	cancel()
	if err != nil {
		return unreachable(address, err.Error())
	}
	info, mirror := p.Info(), partnerPeer.Info()
	if info.Remote.InstanceID == m.in.InstanceID().String() || info.Remote.InstanceID == mirror.Remote.InstanceID {
		return sqlerr.New(1429)
	}
	if info.Role == "PARTNER" {
		return sqlerr.New(1427, address)
	}
	rec := core.WitnessRecord{DB: db, GUID: s.cfg.GUID, FamilyGUID: r.d.FamilyGUID().String(),
		Partners: [2]core.WitnessPartner{
			{Instance: m.in.InstanceID().String(), Name: m.in.ServerName(), Address: ep.Identity().Address},
			{Instance: mirror.Remote.InstanceID, Name: mirror.Remote.ServerName, Address: mirror.Remote.Address}},
		Principal: 0, RoleSeq: s.cfg.RoleSeq, Safety: s.cfg.Safety, SafetySeq: s.cfg.SafetySeq,
		Suspended: s.cfg.Suspended, SuspendSeq: s.cfg.SuspendSeq, Timeout: s.cfg.Timeout,
		Exposed: true, FailoverLSN: s.cfg.FailoverLSN}
	if err := m.register(ctx, p, &registerRequest{Record: rec, MirrorAt: s.cfg.Partner}); err != nil {
		return err
	}
	m.log.Info("witness set", "db", db, "witness", address)
	return r.command(ctx, core.Command{Kind: core.CmdWitness, Address: address})
}

// register sends the request to the witness and waits for its answer.
func (m *Manager) register(ctx context.Context, p *transport.Peer, req *registerRequest) error {
	req.Call = m.nextCall.Add(1)
	ch, done := m.regCalls.wait(req.Call)
	defer done()
	b, _ := json.Marshal(req)
	if err := p.Send(kindRegister, b); err != nil {
		return sqlerr.New(1456, p.Info().Remote.Address)
	}
	t := time.NewTimer(establishTimeout)
	defer t.Stop()
	select {
	case rep := <-ch:
		if rep.Err != nil {
			return rep.Err
		}
		return nil
	case <-p.Done():
		return sqlerr.New(1433)
	case <-t.C:
		return sqlerr.New(1421, p.Info().Remote.Address)
	case <-ctx.Done():
		return ctx.Err()
	}
}
