package transport

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"time"
)

// Transport security (SPEC D7). When negotiation says a connection is
// encrypted, both sides run a TLS 1.3 handshake right after the welcome,
// on the same socket, and every later byte is TLS. With AUTHENTICATION =
// WINDOWS the acceptor presents a throwaway certificate that nobody
// checks: the bytes are private from a passive observer, but neither side
// has proved who it is (an active attacker in the middle goes unnoticed),
// just as WINDOWS itself only trusts the service account a peer declares.

// tlsMinor is the first protocol minor version that runs TLS. A peer of
// an older minor version would carry on in clear, so a connection that
// must run TLS is refused with it.
const tlsMinor = 2

// tlsCapable refuses a connection that must run TLS when the peer (the
// connecting or accepting endpoint, as side says) speaks a minor version
// without it.
func tlsCapable(side string, minor uint16, n negotiated) error {
	if !n.tls() || minor >= tlsMinor {
		return nil
	}
	return fmt.Errorf("the %s endpoint speaks mirroring protocol %d.%d, which cannot encrypt: encryption needs %d.%d on both sides (or ENCRYPTION = DISABLED on one)",
		side, protoMajor, minor, protoMajor, tlsMinor)
}

// upgrade runs the TLS handshake on p's socket, as client when p was
// dialed and as server when it was accepted, and makes the TLS connection
// the one every later byte travels on. Bytes the peer sent before the
// handshake (already in br) would be read past TLS: a protocol violation.
// The socket's deadline bounds the handshake.
func (e *Endpoint) upgrade(p *Peer, br *bufio.Reader) error {
	if br.Buffered() > 0 {
		return fmt.Errorf("%w: data before the TLS handshake", ErrProtocol)
	}
	cfg, err := e.tlsConfig(p)
	if err != nil {
		return err
	}
	var tc *tls.Conn
	if p.isAccept {
		tc = tls.Server(p.cc, cfg)
	} else {
		tc = tls.Client(p.cc, cfg)
	}
	if err := tc.Handshake(); err != nil {
		return err
	}
	rc := &readConn{Conn: tc}
	br.Reset(rc)
	e.mu.Lock()
	p.conn = rc
	e.mu.Unlock()
	return nil
}

// tlsConfig is the TLS configuration of connection p.
func (e *Endpoint) tlsConfig(p *Peer) (*tls.Config, error) {
	cfg := &tls.Config{
		MinVersion: tls.VersionTLS13,
		// Endpoints are not known by a CA chain: WINDOWS does not
		// authenticate the acceptor at all.
		InsecureSkipVerify:     true,
		SessionTicketsDisabled: true, // every connection makes a full handshake
	}
	if p.isAccept {
		cert, err := e.ephemeral()
		if err != nil {
			return nil, err
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// selfSigned makes a certificate with a new ECDSA P-256 key, signed by
// itself, valid from notBefore to notAfter: the throwaway certificate an
// acceptor presents when nobody checks it (WINDOWS).
func selfSigned(commonName string, notBefore, notAfter time.Time) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: commonName},
		NotBefore:   notBefore,
		NotAfter:    notAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// ephemeralCertificate is the certificate an endpoint presents as TLS
// server when AUTHENTICATION = WINDOWS; made at first use, once per
// endpoint.
func ephemeralCertificate(id Identity) func() (tls.Certificate, error) {
	return func() (tls.Certificate, error) {
		now := time.Now()
		return selfSigned("mirrordb endpoint "+id.InstanceID, now.Add(-time.Hour), now.AddDate(10, 0, 0))
	}
}
