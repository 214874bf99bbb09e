package transport

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"mirrordb/internal/frame"
)

// DialError is why Dial could not provide a connection; the caller
// reports it as Msg 1418 with Reason as the detail.
type DialError struct {
	Address  string // the address given to Dial
	Reason   string // what went wrong, in words
	Rejected bool   // the endpoint answered and refused: Reason is its reason
	Err      error  // the underlying error, if any
}

func (d *DialError) Error() string {
	return fmt.Sprintf("transport: cannot connect to %s: %s", d.Address, d.Reason)
}

func (d *DialError) Unwrap() error { return d.Err }

// dialCall is one connection attempt to an address, shared by the Dial
// calls that ask for that address meanwhile.
type dialCall struct {
	done chan struct{}
	peer *Peer
	err  *DialError
}

// Dial returns the connection to the instance whose endpoint is at
// address ("TCP://host:port"): the live connection to that instance if
// there is one (matched by the address dialed or declared before, or,
// after the handshake, by instance), else a new one (connect, then
// handshake). Concurrent Dials of one address share one attempt. ctx
// bounds only the wait of this call; the attempt itself is bounded by
// DialTimeout and HandshakeTimeout, and by Close.
//
// Every failure is a *DialError. Role mismatches are not the transport's
// concern: the peer's ROLE is in Info().Role.
func (e *Endpoint) Dial(ctx context.Context, address string) (*Peer, error) {
	host, port, err := ParseAddress(address)
	if err != nil {
		return nil, &DialError{Address: address, Reason: err.Error(), Err: err}
	}
	key := addressKey(host, port)
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil, &DialError{Address: address, Reason: "the local mirroring endpoint is closed", Err: ErrClosed}
	}
	if p := e.liveLocked(key); p != nil {
		e.mu.Unlock()
		return p, nil
	}
	call := e.dialing[key]
	if call == nil {
		call = &dialCall{done: make(chan struct{})}
		e.dialing[key] = call
		e.wg.Add(1)
		go e.runDial(call, host, port, key)
	}
	e.mu.Unlock()
	select {
	case <-call.done:
		if call.err != nil {
			de := *call.err
			de.Address = address
			return nil, &de
		}
		return call.peer, nil
	case <-ctx.Done():
		return nil, &DialError{Address: address, Reason: "gave up waiting for the connection: " + ctx.Err().Error(), Err: ctx.Err()}
	}
}

func (e *Endpoint) runDial(call *dialCall, host string, port int, key string) {
	defer e.wg.Done()
	p, err := e.dial(host, port, key)
	if err != nil {
		e.log.Debug("mirroring connection attempt failed", "address", key, "reason", err.Reason)
	}
	e.mu.Lock()
	delete(e.dialing, key)
	e.mu.Unlock()
	call.peer, call.err = p, err
	close(call.done)
}

// dial connects to host:port and runs the dialer's side of the handshake.
// It returns the connection kept for the instance found there, which is
// the new one unless the instance already had a preferred connection.
func (e *Endpoint) dial(host string, port int, key string) (*Peer, *DialError) {
	closed := &DialError{Reason: "the local mirroring endpoint is closed", Err: ErrClosed}
	p := newPeer(e, false)
	p.dialKey = key
	p.epoch, p.seq = e.epoch, e.seq.Add(1)
	p.state = StateConnecting
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil, closed
	}
	e.conns[p] = struct{}{}
	e.mu.Unlock()

	hostport := net.JoinHostPort(host, strconv.Itoa(port))
	d := net.Dialer{Timeout: e.cfg.DialTimeout, LocalAddr: e.sourceFor(host)}
	c, err := d.DialContext(e.ctx, "tcp", hostport)
	if err != nil {
		e.forget(p)
		if e.ctx.Err() != nil {
			return nil, closed
		}
		return nil, &DialError{Reason: connectReason(hostport, err, e.cfg.DialTimeout), Err: err}
	}
	// Close interrupts the handshake through the deadline.
	stop := context.AfterFunc(e.ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	e.mu.Lock()
	p.attach(c)
	p.state = StateConnected
	e.mu.Unlock()
	_ = c.SetDeadline(time.Now().Add(e.cfg.HandshakeTimeout))
	br := bufio.NewReaderSize(p.conn, 64<<10)

	h, n, derr := e.greet(p, br)
	if derr == nil {
		e.setRemote(p, h, n)
		if n.tls() {
			derr = e.secureDial(p, br, n.auth)
		}
	}
	if derr == nil {
		derr = e.authorizeAccepted(p)
	}
	if derr == nil && (c.SetDeadline(time.Time{}) != nil || !stop()) {
		derr = closed
	}
	if derr != nil {
		e.drop(p)
		if e.ctx.Err() != nil {
			return nil, closed
		}
		return nil, derr
	}

	e.awaitPreferred(p, h.dialingYou)
	winner, loser, ok := e.register(p)
	if !ok || !e.launch(p, 2) {
		e.drop(p)
		return nil, closed
	}
	go func() {
		defer e.wg.Done()
		p.writeLoop()
	}()
	go func() {
		defer e.wg.Done()
		p.run(br)
	}()
	if loser != nil {
		e.closeLoser(loser, winner)
	}
	return winner, nil
}

// authorizeAccepted asks Authorize about the instance this endpoint
// dialed. A connection carries both directions, so each side must let the
// other in (SQL Server's two connections per pair, one each way, each
// need CONNECT on the endpoint they reach). A refusal ends the connection
// with a goodbye saying why, which the acceptor logs.
func (e *Endpoint) authorizeAccepted(p *Peer) *DialError {
	authorize := e.cfg.Authorize
	if authorize == nil {
		return nil
	}
	err := authorize(p.Info())
	if err == nil {
		return nil
	}
	reason := "not authorized: " + err.Error()
	_ = writeFrame(p.conn, kindBye, encodeBye(byeClosing, clip("the connecting instance refused this one: "+reason)))
	e.log.Warn("mirroring connection refused", "remote", p.cc.RemoteAddr().String(),
		"peer", p.remote.ServerName, "reason", reason)
	return &DialError{Reason: "this instance refused the endpoint it dialed: " + reason, Rejected: true}
}

// greet sends the hello and reads the answer: a welcome (checked against
// this endpoint's policy) or a reject.
func (e *Endpoint) greet(p *Peer, br *bufio.Reader) (hello, negotiated, *DialError) {
	out := e.ownHello(p)
	out.epoch, out.seq = p.epoch, p.seq
	e.mu.Lock()
	out.ended = e.endedToLocked(e.addrs[p.dialKey])
	e.mu.Unlock()
	if err := writeFrame(p.conn, kindHello, out.encode()); err != nil {
		return hello{}, negotiated{}, &DialError{Reason: "could not send the handshake: " + err.Error(), Err: err}
	}
	payload, derr := e.answer(p, br, kindWelcome)
	if derr != nil {
		return hello{}, negotiated{}, derr
	}
	h, err := decodeHello(payload)
	if err == nil {
		err = h.checkWelcome(e.policy)
	}
	if err == nil && h.connID != p.id {
		err = errors.New("the welcome is for another connection")
	}
	if err != nil {
		return hello{}, negotiated{}, &DialError{Reason: "invalid answer to the handshake: " + err.Error(), Err: fmt.Errorf("%w: %w", ErrProtocol, err)}
	}
	if strings.EqualFold(h.id.InstanceID, e.cfg.InstanceID) {
		return hello{}, negotiated{}, &DialError{Reason: "the address is this instance's own endpoint"}
	}
	n := h.outcome()
	err = minorSupported("accepting", h.minor, e.cfg.MinMinor)
	if err == nil {
		err = tlsCapable("accepting", h.minor, n)
	}
	if err != nil {
		// The acceptor cannot tell (it accepted): this side logs why, as
		// an acceptor logs the connections it refuses.
		e.log.Warn("mirroring connection refused", "remote", p.cc.RemoteAddr().String(),
			"peer", h.id.ServerName, "reason", err.Error())
		return hello{}, negotiated{}, &DialError{Reason: err.Error(), Err: err}
	}
	return h, n, nil
}

// secureDial runs the TLS handshake the welcome announced (judging the
// acceptor's certificate with CERTIFICATE) and reads the acceptor's
// verdict: the admit frame, or a reject saying why.
func (e *Endpoint) secureDial(p *Peer, br *bufio.Reader, auth string) *DialError {
	if _, err := e.upgrade(p, br, auth); err != nil {
		return &DialError{Reason: "the TLS handshake failed: " + err.Error(), Err: err}
	}
	_, derr := e.answer(p, br, kindAdmit)
	return derr
}

// answer reads the acceptor's next handshake frame, which must be of kind
// want or a reject (a DialError carrying its reason).
func (e *Endpoint) answer(p *Peer, br *bufio.Reader, want byte) ([]byte, *DialError) {
	kind, payload, err := frame.NewReader(br, maxHandshakeFrame, 0).Next()
	if err != nil {
		rerr := p.readError(err)
		reason := "the handshake failed: " + rerr.Error()
		switch {
		case errors.Is(rerr, os.ErrDeadlineExceeded):
			reason = fmt.Sprintf("no answer to the handshake within %v (is this a mirroring endpoint?)", e.cfg.HandshakeTimeout)
		case errors.Is(rerr, io.EOF) || errors.Is(rerr, frame.ErrTruncated):
			reason = "the endpoint closed the connection during the handshake without giving a reason"
		}
		return nil, &DialError{Reason: reason, Err: rerr}
	}
	switch kind {
	case want:
		return payload, nil
	case kindReject:
		return nil, &DialError{Reason: "the endpoint refused the connection: " + clip(string(payload)), Rejected: true}
	}
	return nil, &DialError{Reason: fmt.Sprintf("unexpected answer to the handshake (frame kind %q): not a mirroring endpoint?", kind), Err: ErrProtocol}
}

// connectReason words a failed TCP connect.
func connectReason(hostport string, err error, timeout time.Duration) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Sprintf("no answer from %s within %v", hostport, timeout)
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return fmt.Sprintf("cannot reach %s: %v", hostport, oe.Err)
	}
	return fmt.Sprintf("cannot reach %s: %v", hostport, err)
}

// sourceFor is the local address to dial host from: the endpoint's own IP
// when it listens on a specific one that can reach host (loopback to
// loopback, or a routable IP to a routable one), so that peers see the
// connection come from the instance's address (several instances on one
// machine, 127.0.0.11 and 127.0.0.15, stay told apart — fault tests cut
// one pair's link by source address). Otherwise the system chooses.
func (e *Endpoint) sourceFor(host string) net.Addr {
	target := net.ParseIP(host)
	if e.localIP == nil || target == nil || target.IsLoopback() != e.localIP.IsLoopback() ||
		(target.To4() == nil) != (e.localIP.To4() == nil) {
		return nil
	}
	return &net.TCPAddr{IP: e.localIP}
}
