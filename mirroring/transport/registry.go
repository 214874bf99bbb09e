package transport

import (
	"fmt"
	"slices"
	"time"
)

// The registry keeps at most one live connection per remote instance.
//
// Two instances that dial each other at the same time end up with two
// connections. Both sides then keep the same one by a rule that depends
// only on the connections themselves, never on timing:
//
//  1. the connection dialed by the instance with the smaller InstanceID;
//  2. between connections dialed by the same instance, the newest dial
//     (the dialer's endpoint incarnation, then its dial counter): a dialer
//     dials again only when it no longer has a connection, so the older
//     one is stale on its side.
//
// Each side applies the rule whenever a connection completes its
// handshake and closes the loser with a goodbye (ErrReplaced); since the
// rule is a total order, both sides converge on the same connection. The
// loser still delivers what was sent on it before the goodbye (messages
// on the two connections may interleave while that happens).
//
// The rule holds only between connections both sides still have. After
// a silent partition one side may hold a connection the other has given
// up on (its goodbye lost): a corpse that rule 1 can prefer to every new
// dial of the other side, which is then replaced, dials again, and so on
// until this side's TCP retransmissions find out — seconds. So each side
// names, in its handshake, the connections to the other instance it has
// ended lately (the dialer those to the instance it expects at the
// address, or its latest ones when it does not know; the acceptor those
// to the dialer): a registered connection so named is dead on the far
// side, and the new one replaces it whatever rule 1 says. That is a fact,
// not a guess, so both sides still agree, in one round.
//
// So that Dial returns the connection that is kept, not one about to be
// replaced, the larger instance's dial waits briefly before registering
// when the smaller instance is known to be dialing it too: its connection
// is in handshake here, or its welcome said so (dialingYou). The acceptor
// registers a connection before writing its welcome, so a dialer that has
// read the welcome knows the connection is registered on both sides.
//
// A limit: a half-open connection whose peer instance vanished without a
// reset (a crash, not a connection it ended) still wins over the new
// incarnation's dial until this side notices it is dead (the core's
// pings, or a write timeout); a new incarnation's endpoint has a newer
// epoch, but rule 1 comes first.

// endedKept is how many ended connections an endpoint remembers.
const endedKept = 64

// endedConn is a connection this endpoint ended, to instance.
type endedConn struct{ id, instance string }

// endedToLocked lists the connections to instance that this endpoint
// ended, newest first, as many as a handshake carries; with instance ""
// (not known yet), the newest ended connections to anyone.
func (e *Endpoint) endedToLocked(instance string) []string {
	var out []string
	for i := len(e.ended) - 1; i >= 0 && len(out) < maxRepeat; i-- {
		if c := e.ended[i]; instance == "" || c.instance == instance {
			out = append(out, c.id)
		}
	}
	return out
}

// supersedes reports whether p, whose handshake is done, is kept over
// old (another connection to the same instance): old is dead on the far
// side, or rule 1 or 2 prefers p.
func (e *Endpoint) supersedes(p, old *Peer) bool {
	return slices.Contains(p.peerEnded, old.id) || e.preferred(p, old)
}

// closeLoser closes the connection register did not keep: a corpse at
// once (there is no one to say goodbye to), a live duplicate with a
// goodbye.
func (e *Endpoint) closeLoser(loser, winner *Peer) {
	if slices.Contains(winner.peerEnded, loser.id) {
		loser.shutdown(fmt.Errorf("%w (connection %s kept; the peer had already closed %s)", ErrReplaced, winner.id, loser.id), false)
		return
	}
	loser.shutdown(replacedError(loser, winner), true)
}

// preferred reports whether a is kept over b (two connections to the
// same remote instance).
func (e *Endpoint) preferred(a, b *Peer) bool {
	da, db := e.dialerOf(a), e.dialerOf(b)
	if da != db {
		return da < db
	}
	if a.epoch != b.epoch {
		return a.epoch > b.epoch
	}
	return a.seq > b.seq
}

func (e *Endpoint) dialerOf(p *Peer) string {
	if p.isAccept {
		return p.remote.InstanceID
	}
	return e.cfg.InstanceID
}

// setRemote records what the handshake established about the peer.
func (e *Endpoint) setRemote(p *Peer, h hello, n negotiated) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p.isAccept {
		p.id = h.connID // one id for the connection on both sides
	}
	p.remote = h.id
	p.remoteKey = keyOf(h.id.Address)
	p.role = h.role
	p.auth = n.auth
	if n.auth == AuthWindows {
		p.login = h.id.ServiceAccount
	}
	p.algorithm = n.algorithm
	if p.isAccept {
		p.epoch, p.seq = h.epoch, h.seq
	}
	p.maxSend = int(min(h.maxMessage, uint64(maxInt)))
	p.pings = h.minor >= pingMinor
	p.peerEnded = h.ended
}

const maxInt = int(^uint(0) >> 1)

// register makes p, whose handshake is done, the live connection to its
// instance unless the one already there is preferred. It returns the
// connection kept (winner) and the one to close (loser: the previous
// connection, p itself, or nil); ok is false when the endpoint is closed.
func (e *Endpoint) register(p *Peer) (winner, loser *Peer, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, nil, false
	}
	id := p.remote.InstanceID
	p.state = StateLoggedIn
	p.loginTime = time.Now()
	if p.dialKey != "" {
		e.addrs[p.dialKey] = id
	}
	if p.remoteKey != "" {
		e.addrs[p.remoteKey] = id
	}
	old := e.byInstance[id]
	if old != nil && !e.supersedes(p, old) {
		return old, p, true
	}
	e.byInstance[id] = p
	e.broadcastLocked()
	return p, old, true
}

// reinstate makes old the live connection to its instance again, if it
// is still running and no other connection took its place.
func (e *Endpoint) reinstate(old *Peer) {
	if closing, _ := old.closingGracefully(); closing {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if id := old.remote.InstanceID; e.byInstance[id] == nil {
		e.byInstance[id] = old
		e.broadcastLocked()
	}
}

// replacedError is the reason a duplicate is closed with.
func replacedError(loser, winner *Peer) error {
	if winner == nil {
		return ErrReplaced
	}
	return fmt.Errorf("%w (connection %s kept, %s closed)", ErrReplaced, winner.id, loser.id)
}

// unregisterLocked takes a closing connection out of the live set and
// remembers it ended (the next handshake with its instance says so).
func (e *Endpoint) unregisterLocked(p *Peer) {
	if id := p.remote.InstanceID; id != "" {
		if e.byInstance[id] == p {
			delete(e.byInstance, id)
			e.broadcastLocked()
		}
		if len(e.ended) == endedKept {
			e.ended = append(e.ended[:0], e.ended[1:]...)
		}
		e.ended = append(e.ended, endedConn{id: p.id, instance: id})
	}
	p.state = StateClosed
}

// liveLocked returns the live connection to the instance last seen at an
// address key, or nil.
func (e *Endpoint) liveLocked(key string) *Peer {
	if id, ok := e.addrs[key]; ok {
		return e.byInstance[id]
	}
	return nil
}

// launch marks p started and accounts for n more goroutines, unless the
// endpoint is closed.
func (e *Endpoint) launch(p *Peer, n int) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return false
	}
	p.started = true
	e.wg.Add(n)
	return true
}

// drop ends a connection whose handshake failed: no PeerUp, no PeerDown.
func (e *Endpoint) drop(p *Peer) {
	p.abort()
	e.endPending(p)
	e.forget(p)
}

// forget removes an ended connection from the endpoint's list.
func (e *Endpoint) forget(p *Peer) {
	e.mu.Lock()
	delete(e.conns, p)
	e.mu.Unlock()
}

// addPending counts an inbound handshake from a declared instance until
// endPending; a dial to that instance may wait for it (see awaitPreferred).
func (e *Endpoint) addPending(p *Peer, id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p.pendingID = id
	e.pending[id]++
}

func (e *Endpoint) endPending(p *Peer) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if id := p.pendingID; id != "" {
		p.pendingID = ""
		if e.pending[id]--; e.pending[id] <= 0 {
			delete(e.pending, id)
		}
		e.broadcastLocked()
	}
}

func (e *Endpoint) broadcastLocked() {
	close(e.changed)
	e.changed = make(chan struct{})
}

// dialingPreferred reports, for an inbound connection in handshake,
// whether this endpoint is dialing the same instance (at the address it
// declares) and that connection will be kept, being dialed by the smaller
// InstanceID. The welcome says so, and the dialer waits for it.
func (e *Endpoint) dialingPreferred(p *Peer) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, dialing := e.dialing[p.remoteKey]
	return dialing && p.remoteKey != "" && e.cfg.InstanceID < p.remote.InstanceID
}

// awaitPreferred is called by a dial whose handshake is done, before it
// registers. When the two instances are dialing each other at the same
// time, the connection the remote instance dialed will be kept if its
// InstanceID is smaller: the remote said so in its welcome (hinted), or
// its connection is in handshake here. Then wait, at most
// HandshakeTimeout, for that connection, so that Dial returns the
// connection that is kept rather than one about to be replaced.
func (e *Endpoint) awaitPreferred(p *Peer, hinted bool) {
	id := p.remote.InstanceID
	if id >= e.cfg.InstanceID {
		return
	}
	timer := time.NewTimer(e.cfg.HandshakeTimeout)
	defer timer.Stop()
	for {
		e.mu.Lock()
		w := e.byInstance[id]
		if w != nil && e.preferred(w, p) || !hinted && e.pending[id] == 0 || e.closed {
			e.mu.Unlock()
			return
		}
		ch := e.changed
		e.mu.Unlock()
		select {
		case <-ch:
		case <-timer.C:
			return
		case <-e.ctx.Done():
			return
		}
	}
}
