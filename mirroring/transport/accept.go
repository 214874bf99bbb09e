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
// The acceptor registers the connection before it writes the frame that
// ends the handshake (the welcome, or the admit frame after TLS), so that
// once the dialer has read it the connection is known on both sides (the
// tie-break of simultaneous dials relies on it). A connection refused
// before that frame was never registered.
func (e *Endpoint) serveAccepted(p *Peer) {
	slot := true
	defer func() {
		if slot {
			<-e.slots
		}
	}()
	_ = p.conn.SetDeadline(time.Now().Add(e.cfg.HandshakeTimeout))
	br := bufio.NewReaderSize(p.conn, 64<<10)

	h, n, reason, err := e.admit(p, br)
	if err != nil {
		if reason != "" {
			// Tell the dialer why (over TLS once it runs), so that its
			// DialError says so.
			_ = writeFrame(p.conn, kindReject, []byte(clip(reason)))
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
	err = e.admitted(p, n)
	if err == nil {
		err = p.conn.SetDeadline(time.Time{})
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
		e.closeLoser(loser, winner)
	}
	p.run(br)
}

// admit reads and checks the dialer's hello, negotiates, runs TLS when
// negotiation says so, and asks Authorize. On failure, reason (when not
// empty) is what the dialer is told; garbage, silence and a failed TLS
// handshake get no answer.
func (e *Endpoint) admit(p *Peer, br *bufio.Reader) (h hello, n negotiated, reason string, err error) {
	h, reason, err = e.readHello(p, br)
	if err != nil {
		return h, n, reason, err
	}
	e.addPending(p, h.id.InstanceID)
	n, err = negotiate(e.policy, policy{h.encryption, h.algorithms, h.authMethods})
	if err == nil {
		err = tlsCapable("connecting", h.minor, n)
	}
	if err != nil {
		return h, n, err.Error(), err
	}
	e.setRemote(p, h, n)
	if n.tls() {
		if reason, err := e.secureAccepted(p, br, n); err != nil {
			return h, n, reason, err
		}
	}
	if authorize := e.cfg.Authorize; authorize != nil {
		if err := authorize(p.Info()); err != nil {
			reason = "not authorized: " + err.Error()
			return h, n, reason, errors.New(reason)
		}
	}
	return h, n, "", nil
}

// secureAccepted sends the welcome, runs the TLS handshake as server and,
// with CERTIFICATE, judges the dialer's certificate. On failure, reason
// (when not empty) is what the dialer is told.
func (e *Endpoint) secureAccepted(p *Peer, br *bufio.Reader, n negotiated) (reason string, err error) {
	if err := writeFrame(p.conn, kindWelcome, e.welcome(p, n)); err != nil {
		return "", err
	}
	cs, err := e.upgrade(p, br, n.auth)
	if err != nil {
		return "", fmt.Errorf("TLS handshake failed: %w", err)
	}
	if n.auth == AuthCertificate {
		if err := e.judgeCertificate(p, cs.PeerCertificates); err != nil {
			return err.Error(), err
		}
	}
	return "", nil
}

// readHello reads the dialer's hello and checks its syntax and content.
// On failure, reason (when not empty) is what the dialer is told.
func (e *Endpoint) readHello(p *Peer, br *bufio.Reader) (h hello, reason string, err error) {
	// Whatever does not start like a hello (an HTTP or PostgreSQL client, a
	// TLS ClientHello, a scanner) is dropped at its first byte.
	if first, err := br.Peek(1); err != nil {
		return h, "", fmt.Errorf("no handshake: %w", p.readError(err))
	} else if first[0] != kindHello {
		return h, "", fmt.Errorf("%w: the first byte is %q, not a hello", ErrProtocol, first[0])
	}
	kind, payload, err := frame.NewReader(br, maxHandshakeFrame, 0).Next()
	if err != nil {
		return h, "", fmt.Errorf("no valid handshake: %w", p.readError(err))
	}
	if kind != kindHello {
		return h, "", fmt.Errorf("%w: the first frame has kind %q, not a hello", ErrProtocol, kind)
	}
	h, err = decodeHello(payload)
	var ve *versionError
	switch {
	case errors.As(err, &ve):
		return h, ve.Error(), err
	case errors.Is(err, errNotMirroring):
		return h, "", err
	case err != nil:
		return h, "malformed handshake: " + err.Error(), err
	}
	if err := h.checkCommon(); err != nil {
		return h, "invalid handshake: " + err.Error(), err
	}
	if err := minorSupported("connecting", h.minor, e.cfg.MinMinor); err != nil {
		return h, err.Error(), err
	}
	if strings.EqualFold(h.id.InstanceID, e.cfg.InstanceID) {
		reason = "the connecting instance has this instance's own InstanceID (a connection to itself?)"
		return h, reason, errors.New(reason)
	}
	return h, "", nil
}

// welcome is the acceptor's answer to a hello it accepts: its own
// identity and the outcome of the negotiation.
func (e *Endpoint) welcome(p *Peer, n negotiated) []byte {
	w := e.ownHello(p)
	w.encrypted, w.algorithm, w.authMethod = n.encrypted, n.algorithm, n.auth
	w.dialingYou = e.dialingPreferred(p)
	e.mu.Lock()
	w.ended = e.endedToLocked(p.remote.InstanceID)
	e.mu.Unlock()
	return w.encode()
}

// admitted writes the frame that ends the handshake: the welcome when the
// connection stays in clear, the admit frame when it runs TLS (the
// welcome came before the TLS handshake).
func (e *Endpoint) admitted(p *Peer, n negotiated) error {
	if n.tls() {
		return writeFrame(p.conn, kindAdmit, nil)
	}
	return writeFrame(p.conn, kindWelcome, e.welcome(p, n))
}
