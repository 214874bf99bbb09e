package transport

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Transport security (SPEC D7). When negotiation says a connection is
// encrypted, or AUTHENTICATION = CERTIFICATE, both sides run a TLS 1.3
// handshake right after the welcome, on the same socket, and every later
// byte is TLS.
//
// With WINDOWS the acceptor presents a throwaway certificate that nobody
// checks: the bytes are private from a passive observer, but neither side
// has proved who it is (an active attacker in the middle goes unnoticed),
// just as WINDOWS itself only trusts the service account a peer declares.
//
// With CERTIFICATE both sides present Config.Certificate and prove they
// hold its private key; each judges the other's with judgeCertificate.
// The dialer does so inside the TLS handshake, which it aborts on a
// refusal. The acceptor does so after the handshake: in TLS 1.3 the
// client's handshake is over before the server has seen the client's
// certificate, so a refusal inside the handshake would reach the dialer
// as a bare alert, while after it the acceptor can send a reject frame
// with the reason.

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
	return fmt.Errorf("the %s endpoint speaks mirroring protocol %d.%d, which cannot encrypt: encryption and AUTHENTICATION = CERTIFICATE need %d.%d on both sides",
		side, protoMajor, minor, protoMajor, tlsMinor)
}

// minorSupported refuses a peer (the connecting or accepting endpoint, as
// side says) that speaks a minor version older than need (Config.MinMinor).
func minorSupported(side string, minor, need uint16) error {
	if minor >= need {
		return nil
	}
	return fmt.Errorf("the %s endpoint speaks mirroring protocol %d.%d, older than the %d.%d this instance needs (an instance of an older build): upgrade it",
		side, protoMajor, minor, protoMajor, need)
}

// upgrade runs the TLS handshake on p's socket, as client when p was
// dialed and as server when it was accepted, for authentication method
// auth, and makes the TLS connection the one every later byte travels on.
// Bytes the peer sent before the handshake (already in br) would be read
// past TLS: a protocol violation. The socket's deadline bounds the
// handshake.
func (e *Endpoint) upgrade(p *Peer, br *bufio.Reader, auth string) (tls.ConnectionState, error) {
	if br.Buffered() > 0 {
		return tls.ConnectionState{}, fmt.Errorf("%w: data before the TLS handshake", ErrProtocol)
	}
	cfg, err := e.tlsConfig(p, auth)
	if err != nil {
		return tls.ConnectionState{}, err
	}
	var tc *tls.Conn
	if p.isAccept {
		tc = tls.Server(p.cc, cfg)
	} else {
		tc = tls.Client(p.cc, cfg)
	}
	if err := tc.Handshake(); err != nil {
		return tls.ConnectionState{}, err
	}
	rc := &readConn{Conn: tc}
	br.Reset(rc)
	e.mu.Lock()
	p.conn, p.encrypted = rc, true
	e.mu.Unlock()
	return tc.ConnectionState(), nil
}

// tlsConfig is the TLS configuration of connection p.
func (e *Endpoint) tlsConfig(p *Peer, auth string) (*tls.Config, error) {
	cfg := &tls.Config{
		MinVersion: tls.VersionTLS13,
		// Endpoints are not known by a CA chain: WINDOWS does not
		// authenticate the acceptor at all, and CERTIFICATE trusts the
		// certificates the catalog holds (judgeCertificate).
		InsecureSkipVerify:     true,
		SessionTicketsDisabled: true, // every connection makes a full handshake
	}
	switch {
	case auth == AuthCertificate && p.isAccept:
		cfg.Certificates = []tls.Certificate{*e.cfg.Certificate}
		cfg.ClientAuth = tls.RequireAnyClientCert // judged after the handshake
	case auth == AuthCertificate:
		cfg.Certificates = []tls.Certificate{*e.cfg.Certificate}
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			return e.judgeCertificate(p, cs.PeerCertificates)
		}
	case p.isAccept:
		cert, err := e.ephemeral()
		if err != nil {
			return nil, err
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// judgeCertificate checks the certificate chain a peer presented with
// CERTIFICATE: the leaf's validity period, then Config.VerifyCertificate,
// which maps it to a login. It records the login and the thumbprint on p;
// the error is the reason for refusing.
func (e *Endpoint) judgeCertificate(p *Peer, chain []*x509.Certificate) error {
	who := peerName(p.Info().Remote)
	if len(chain) == 0 {
		return fmt.Errorf("%s presented no certificate", who)
	}
	cert := chain[0]
	thumb := Thumbprint(cert)
	refuse := func(format string, args ...any) error {
		return fmt.Errorf("the certificate presented by %s (thumbprint %s) %s", who, thumb, fmt.Sprintf(format, args...))
	}
	now := time.Now()
	switch {
	case now.After(cert.NotAfter):
		return refuse("expired on %s", cert.NotAfter.UTC().Format(time.DateTime+" MST"))
	case now.Before(cert.NotBefore):
		return refuse("is not valid before %s", cert.NotBefore.UTC().Format(time.DateTime+" MST"))
	}
	owner, err := e.cfg.VerifyCertificate(cert)
	switch {
	case err != nil:
		return refuse("is refused: %v", err)
	case owner == "":
		return refuse("maps to no login")
	}
	e.mu.Lock()
	p.login, p.thumbprint = owner, thumb
	e.mu.Unlock()
	return nil
}

// peerName names a peer in a reason by what it declared.
func peerName(id Identity) string {
	if id.Address == "" {
		return id.ServerName
	}
	return id.ServerName + " at " + id.Address
}

// Thumbprint is a certificate's thumbprint as SQL Server computes it for
// sys.certificates: the SHA-1 hash of its DER encoding, here in
// upper-case hex without 0x.
func Thumbprint(cert *x509.Certificate) string {
	sum := sha1.Sum(cert.Raw)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// checkCertificateConfig requires what AUTHENTICATION = CERTIFICATE
// needs.
func checkCertificateConfig(cfg Config) error {
	if !slices.Contains(cfg.Authentication, AuthCertificate) {
		return nil
	}
	if c := cfg.Certificate; c == nil || len(c.Certificate) == 0 || c.PrivateKey == nil {
		return errors.New("AUTHENTICATION = CERTIFICATE needs Config.Certificate, with a certificate and its private key")
	}
	if cfg.VerifyCertificate == nil {
		return errors.New("AUTHENTICATION = CERTIFICATE needs Config.VerifyCertificate")
	}
	return nil
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
