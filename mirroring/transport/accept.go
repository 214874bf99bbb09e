package transport

import (
	"bufio"
	"errors"
	"fmt"
	"strings"
	"time"

	"mirrordb/internal/frame"
)

// serveAccepted runs the acceptor's side of the handshake and then, on
// success, becomes the connection's read loop. It holds a handshake slot
// until the handshake is over.
//
// The acceptor registers the connection before it writes the welcome, so
// that once the dialer has read the welcome the connection is known on
// both sides (the tie-break of simultaneous dials relies on it).
func (e *Endpoint) serveAccepted(p *Peer) {
	slot := true
	defer func() {
		if slot {
			<-e.slots
		}
	}()
	c := p.conn
	_ = c.SetDeadline(time.Now().Add(e.cfg.HandshakeTimeout))
	br := bufio.NewReaderSize(c, 64<<10)

	h, n, reason, err := e.admit(p, br)
	if err != nil {
		if reason != "" {
			// Tell the dialer why, so that its DialError says so.
			_ = writeFrame(c, kindReject, []byte(clip(reason)))
		} else {
			reason = err.Error()
		}
		e.log.Warn("mirroring connection refused", "remote", p.cc.RemoteAddr().String(),
			"peer", h.id.ServerName, "address", h.id.Address, "reason", reason)
		e.drop(p)
		return
	}
	winner, loser, ok := e.register(p)
	if !ok {
		e.drop(p)
		return
	}
	welcome := e.ownHello(p)
	welcome.encrypted, welcome.algorithm = n.encrypted, n.algorithm
	welcome.dialingYou = e.dialingPreferred(p)
	err = writeFrame(c, kindWelcome, welcome.encode())
	if err == nil {
		err = e.upgrade(p, br, n, false)
	}
	if err == nil {
		err = c.SetDeadline(time.Time{})
	}
	if err == nil && !e.launch(p, 1) {
		err = ErrClosed
	}
	if err != nil {
		e.log.Warn("mirroring connection failed during the handshake", "remote", p.cc.RemoteAddr().String(),
			"peer", h.id.ServerName, "address", h.id.Address, "reason", err.Error())
		e.drop(p)
		if loser != nil && loser != p {
			e.reinstate(loser) // it was displaced by a connection that never came up
		}
		return
	}
	e.endPending(p)
	<-e.slots
	slot = false
	go func() {
		defer e.wg.Done()
		p.writeLoop()
	}()
	if loser != nil {
		loser.shutdown(replacedError(loser, winner), true)
	}
	p.run(br)
}

// admit reads and checks the dialer's hello, negotiates encryption and
// asks Authorize. On failure, reason (when not empty) is what the dialer
// is told; garbage and silence get no answer.
func (e *Endpoint) admit(p *Peer, br *bufio.Reader) (h hello, n negotiated, reason string, err error) {
	// Whatever does not start like a hello (an HTTP or PostgreSQL client, a
	// TLS ClientHello, a scanner) is dropped at its first byte.
	if first, err := br.Peek(1); err != nil {
		return h, n, "", fmt.Errorf("no handshake: %w", p.readError(err))
	} else if first[0] != kindHello {
		return h, n, "", fmt.Errorf("%w: the first byte is %q, not a hello", ErrProtocol, first[0])
	}
	kind, payload, err := frame.NewReader(br, maxHandshakeFrame, 0).Next()
	if err != nil {
		return h, n, "", fmt.Errorf("no valid handshake: %w", p.readError(err))
	}
	if kind != kindHello {
		return h, n, "", fmt.Errorf("%w: the first frame has kind %q, not a hello", ErrProtocol, kind)
	}
	h, err = decodeHello(payload)
	var ve *versionError
	switch {
	case errors.As(err, &ve):
		return h, n, ve.Error(), err
	case errors.Is(err, errNotMirroring):
		return h, n, "", err
	case err != nil:
		return h, n, "malformed handshake: " + err.Error(), err
	}
	if err := h.checkCommon(); err != nil {
		return h, n, "invalid handshake: " + err.Error(), err
	}
	if strings.EqualFold(h.id.InstanceID, e.cfg.InstanceID) {
		reason = "the connecting instance has this instance's own InstanceID (a connection to itself?)"
		return h, n, reason, errors.New(reason)
	}
	e.addPending(p, h.id.InstanceID)
	n, err = negotiate(e.policy, policy{h.encryption, h.algorithms})
	if err != nil {
		return h, n, err.Error(), err
	}
	e.setRemote(p, h, n)
	if authorize := e.cfg.Authorize; authorize != nil {
		if err := authorize(p.Info()); err != nil {
			reason = "not authorized: " + err.Error()
			return h, n, reason, errors.New(reason)
		}
	}
	return h, n, "", nil
}

// upgrade runs the transport-security seam (secure) and makes its result
// the peer's connection. Bytes the peer sent before the upgrade would be
// read past TLS: a protocol violation once secure does something.
func (e *Endpoint) upgrade(p *Peer, br *bufio.Reader, n negotiated, dialer bool) error {
	sc, err := e.secure(p.conn, n, dialer, p.remote)
	if err != nil || sc == p.conn {
		return err
	}
	if br.Buffered() > 0 {
		return fmt.Errorf("%w: data before the transport security handshake", ErrProtocol)
	}
	br.Reset(sc)
	e.mu.Lock()
	p.conn = sc
	e.mu.Unlock()
	return nil
}
