package mirroring

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"mirrordb/engine"
	"mirrordb/mirroring/core"
	"mirrordb/mirroring/transport"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// Transport kinds of the establishment handshake (the session's kinds are
// core's).
const (
	kindEstablish   = 'e'
	kindEstablished = 'x'
)

// establishRequest is the principal's SET PARTNER, sent to the mirror with
// what the mirror checks (SPEC §5.2, §12.1).
type establishRequest struct {
	Call          uint64 `json:"call"`
	DB            string `json:"db"`
	GUID          string `json:"guid"`
	Principal     string `json:"principal"` // the principal's endpoint address
	PrincipalName string `json:"principal_name"`
	FamilyGUID    string `json:"family_guid"`
	End           uint64 `json:"end"`        // principal's durable end of log
	LogStart      uint64 `json:"log_start"`  // P_trunc: oldest LSN in its log
	ChainNext     uint64 `json:"chain_next"` // P_chain: where its next log backup starts
}

// establishReply is the mirror's answer: Err, or its end of log and name.
type establishReply struct {
	Call       uint64        `json:"call"`
	Err        *sqlerr.Error `json:"err,omitempty"`
	End        uint64        `json:"end"`
	ServerName string        `json:"server_name"`
}

// establishTimeout bounds the wait for the mirror's answer.
const establishTimeout = 20 * time.Second

// setPartner runs ALTER DATABASE d SET PARTNER = 'address': on a RESTORING
// database it prepares the mirror; on an ONLINE one it starts the session
// as principal.
func (m *Manager) setPartner(ctx context.Context, d *engine.Database, address string) error {
	if m.runner(d.Name()) != nil {
		return sqlerr.New(1405, d.Name())
	}
	if _, _, err := transport.ParseAddress(address); err != nil {
		e := sqlerr.New(1449)
		e.Detail = err.Error()
		return e
	}
	ep, def := m.endpoint()
	if ep == nil || !def.CanBePartner() {
		return sqlerr.New(1486)
	}
	if transport.SameEndpoint(address, ep.Identity().Address) {
		return sqlerr.New(1452)
	}
	if d.RecoveryModel() != engine.RecoveryFull {
		return sqlerr.New(1465, d.Name())
	}
	switch d.State() {
	case engine.StateRestoring:
		// The future mirror records its principal and waits (SPEC T1).
		cfg := core.Config{Database: d.Name(), Role: core.Mirror, Partner: address, Safety: core.SafetyFull,
			Timeout: core.DefaultTimeout}
		b, _ := json.Marshal(cfg)
		if err := d.MetaSet(metaKey, b); err != nil {
			return err
		}
		return m.startRunner(d, cfg, nil)
	case engine.StateOnline:
		return m.startPrincipal(ctx, d, address, ep)
	}
	return sqlerr.New(1464, d.Name())
}

// startPrincipal is SET PARTNER on the principal: connect, ask the mirror,
// and start the session once the mirror has accepted.
func (m *Manager) startPrincipal(ctx context.Context, d *engine.Database, address string, ep *transport.Endpoint) error {
	key := strings.ToLower(d.Name())
	m.mu.Lock()
	if m.establishing[key] {
		m.mu.Unlock()
		return sqlerr.New(1404, d.Name())
	}
	m.establishing[key] = true
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		delete(m.establishing, key)
		m.mu.Unlock()
	}()

	dctx, cancel := context.WithTimeout(ctx, m.cfg.DialTimeout+5*time.Second)
	p, err := ep.Dial(dctx, address)
	cancel()
	if err != nil {
		return unreachable(address, err.Error())
	}
	info := p.Info()
	if info.Remote.InstanceID == m.in.InstanceID().String() {
		return sqlerr.New(1452)
	}
	if info.Role == "WITNESS" {
		return unreachable(address, "the endpoint at "+address+" has ROLE = WITNESS and cannot be a partner")
	}
	req := establishRequest{DB: d.Name(), GUID: types.NewUUID().String(), Principal: ep.Identity().Address,
		PrincipalName: m.in.ServerName(), FamilyGUID: d.FamilyGUID().String(), End: uint64(d.DurableLSN()),
		LogStart: uint64(d.LogStart()), ChainNext: uint64(d.Chain().NextLogLSN)}
	rep, p, err := m.call(ctx, p, address, &req)
	if err != nil {
		return err
	}
	if rep.Err != nil {
		return rep.Err
	}
	cfg := core.Config{Database: d.Name(), GUID: req.GUID, Role: core.Principal, Partner: address,
		PartnerName: rep.ServerName, RoleSeq: 1, Safety: core.SafetyFull, SafetySeq: 1, Timeout: core.DefaultTimeout,
		MirrorEnd: rep.End}
	b, _ := json.Marshal(cfg)
	if err := d.MetaSet(metaKey, b); err != nil {
		return err
	}
	m.log.Info("mirroring session established", "db", d.Name(), "mirror", address, "guid", req.GUID, "mirror_end", rep.End)
	return m.startRunner(d, cfg, p)
}

// call sends an establish request and waits for the answer. The mirror's
// connection back may replace the connection the request went on (one
// connection is kept per pair of instances): the answer then comes on the
// kept one, which call returns.
func (m *Manager) call(ctx context.Context, p *transport.Peer, address string, req *establishRequest) (*establishReply, *transport.Peer, error) {
	req.Call = m.nextCall.Add(1)
	ch, done := m.calls.wait(req.Call)
	defer done()
	b, _ := json.Marshal(req)
	if err := p.Send(kindEstablish, b); err != nil {
		return nil, nil, sqlerr.New(1456, address)
	}
	t := time.NewTimer(establishTimeout)
	defer t.Stop()
	for {
		select {
		case rep := <-ch:
			return rep, m.live(ctx, address, p), nil
		case <-p.Done():
			next := m.live(ctx, address, p)
			if next == p {
				select {
				case rep := <-ch:
					return rep, p, nil
				default:
				}
				return nil, nil, sqlerr.New(1413, address)
			}
			p = next
		case <-t.C:
			return nil, nil, sqlerr.New(1421, address)
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
	}
}

// live returns the live connection to the instance p leads to (p itself
// when there is no other).
func (m *Manager) live(ctx context.Context, address string, p *transport.Peer) *transport.Peer {
	select {
	case <-p.Done():
	default:
		return p
	}
	ctx, cancel := context.WithTimeout(ctx, m.cfg.DialTimeout)
	defer cancel()
	q, err := m.dial(ctx, address)
	if err != nil || q.Info().Remote.InstanceID != p.Info().Remote.InstanceID {
		return p
	}
	return q
}

// answerEstablish is the mirror's side of SET PARTNER on the principal.
func (m *Manager) answerEstablish(p *transport.Peer, req *establishRequest) {
	rep := establishReply{Call: req.Call, ServerName: m.in.ServerName()}
	end, back, err := m.acceptSession(p, req)
	if err != nil {
		rep.Err = sqlerr.As(err)
		m.log.Info("refused a mirroring session", "db", req.DB, "principal", req.Principal, "err", rep.Err.Message)
	}
	rep.End = end
	b, _ := json.Marshal(&rep)
	if back != nil && back.Send(kindEstablished, b) == nil {
		return
	}
	_ = p.Send(kindEstablished, b)
}

// acceptSession checks an establish request against the local copy and,
// if all is well, makes this copy the session's mirror.
func (m *Manager) acceptSession(p *transport.Peer, req *establishRequest) (uint64, *transport.Peer, error) {
	d := m.in.Database(req.DB)
	if d == nil || strings.EqualFold(req.DB, "master") {
		return 0, nil, sqlerr.New(1448, req.DB)
	}
	r := m.runner(req.DB)
	if r == nil {
		if d.State() != engine.StateRestoring {
			return 0, nil, sqlerr.New(1464, d.Name())
		}
		return 0, nil, sqlerr.New(1416, d.Name())
	}
	s := r.snapshot()
	if s.cfg.GUID != "" {
		if s.cfg.GUID == req.GUID { // a retried request
			return uint64(d.DurableLSN()), nil, nil
		}
		return 0, nil, sqlerr.New(1410, d.Name())
	}
	// Connect back to the address this copy was given: both directions
	// must work, and it must lead to the instance asking.
	ctx, cancel := context.WithTimeout(m.ctx, m.cfg.DialTimeout+5*time.Second)
	back, err := m.dial(ctx, s.cfg.Partner)
	cancel()
	if err != nil {
		return 0, nil, unreachable(s.cfg.Partner, err.Error())
	}
	if back.Info().Remote.InstanceID != p.Info().Remote.InstanceID {
		return 0, nil, unreachable(s.cfg.Partner, "the partner address given to the mirror leads to another instance")
	}
	// back is the connection kept between the two instances (it may have
	// replaced p): the session uses it.
	if d.FamilyGUID().String() != req.FamilyGUID {
		return 0, back, sqlerr.New(1407, d.Name())
	}
	end := uint64(d.DurableLSN())
	switch {
	case end > req.End:
		return 0, back, sqlerr.New(1407, d.Name()) // ahead of the principal: another history
	case end+1 < req.LogStart:
		return 0, back, sqlerr.New(1412, d.Name())
	case req.ChainNext != 0 && uint64(d.Chain().NextLogLSN) > req.ChainNext:
		return 0, back, sqlerr.New(1478, d.Name())
	case d.RecoveryModel() != engine.RecoveryFull:
		return 0, back, sqlerr.New(1465, d.Name())
	}
	cfg := core.Config{Database: d.Name(), GUID: req.GUID, Role: core.Mirror, Partner: s.cfg.Partner,
		PartnerName: req.PrincipalName, RoleSeq: 1, Safety: core.SafetyFull, SafetySeq: 1, Timeout: core.DefaultTimeout}
	done := make(chan struct{})
	r.post(adopt{cfg: cfg, peer: back, done: done})
	select {
	case <-done:
	case <-r.done:
		return 0, nil, sqlerr.New(1404, d.Name())
	}
	return end, back, nil
}

// unreachable is Msg 1418 with the transport's reason as detail.
func unreachable(address, reason string) error {
	e := sqlerr.New(1418, address)
	e.Detail = reason
	return e
}
