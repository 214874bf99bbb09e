package transport

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"mirrordb/internal/netproxy"
)

// TestWireIsEncrypted records the bytes between two endpoints with a
// proxy: a distinctive payload never crosses the wire in clear when the
// connection is encrypted (or authenticated by certificate, which is TLS
// whatever ENCRYPTION says), and does when both sides have ENCRYPTION =
// DISABLED with WINDOWS (so the test can tell).
func TestWireIsEncrypted(t *testing.T) {
	const secret = "TOP-SECRET-LOG-BLOCK-7E3A"
	for _, tc := range []struct {
		encryption string
		auth       string
		inClear    bool
	}{
		{EncryptionRequired, AuthWindows, false},
		{EncryptionSupported, AuthWindows, false},
		{EncryptionDisabled, AuthWindows, true},
		{EncryptionRequired, AuthCertificate, false},
		{EncryptionDisabled, AuthCertificate, false},
	} {
		t.Run(tc.encryption+"/"+tc.auth, func(t *testing.T) {
			certA, certB := validCert(t, "A"), validCert(t, "B")
			cat := trust(map[string]*tls.Certificate{"login_A": certA, "login_B": certB})
			set := func(own *tls.Certificate) func(*Config) {
				return func(c *Config) {
					c.Encryption = tc.encryption
					if tc.auth == AuthCertificate {
						withCert(own, cat)(c)
					}
				}
			}
			a := newNode(t, "127.0.0.1", idA, "A", set(certA))
			b := newNode(t, "127.0.0.2", idB, "B", set(certB))
			px, err := netproxy.Start("127.0.0.1:0", b.e.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { px.Close() })
			px.Record()
			pa, err := a.e.Dial(context.Background(), "TCP://"+px.Addr())
			if err != nil {
				t.Fatal(err)
			}
			pb := b.up()
			if err := pa.Send('m', []byte(secret)); err != nil {
				t.Fatal(err)
			}
			if m := b.recv(); m.payload != secret {
				t.Fatalf("B got %q", m.payload)
			}
			if err := pb.Send('m', []byte(secret)); err != nil {
				t.Fatal(err)
			}
			if m := a.recv(); m.payload != secret {
				t.Fatalf("A got %q", m.payload)
			}
			if pa.Info().Encrypted == tc.inClear || pb.Info().Encrypted == tc.inClear {
				t.Errorf("Encrypted: dialer %v, acceptor %v", pa.Info().Encrypted, pb.Info().Encrypted)
			}
			if m := pa.Info().AuthenticationMethod; m != tc.auth {
				t.Errorf("authentication %s", m)
			}
			to, from := px.Captured(netproxy.ToTarget), px.Captured(netproxy.FromTarget)
			if !bytes.Contains(to, []byte(magic)) {
				t.Fatal("the capture misses the hello, which is always in clear")
			}
			for dir, got := range map[string][]byte{"to the acceptor": to, "to the dialer": from} {
				if bytes.Contains(got, []byte(secret)) != tc.inClear {
					t.Errorf("payload in clear %s: %v, want %v", dir, !tc.inClear, tc.inClear)
				}
			}
		})
	}
}

// TestOlderMinorVersion: a peer of protocol 1.1 has no TLS, so an
// encrypted connection with it is refused, whichever side it is; with
// ENCRYPTION = DISABLED it still connects, in clear.
//
// Endpoints that need BinaryBlocksMinor (Config.MinMinor, as the mirroring
// manager's do) refuse a peer of an older minor version, whose session
// messages they could not read, whichever side is older.
func TestOlderMinorVersion(t *testing.T) {
	older := fmt.Sprintf("mirroring protocol %d.%d, older than the %d.%d this instance needs", protoMajor, BinaryBlocksMinor-1, protoMajor, BinaryBlocksMinor)
	cases := []struct {
		name       string
		olderSide  string // "dialer" or "acceptor"
		minor      uint16 // the older side's
		need       uint16 // Config.MinMinor
		encryption string
		reason     string // "" when the connection comes up
		rejected   bool
	}{
		{"older dialer", "dialer", 1, 0, EncryptionRequired, "the connecting endpoint speaks mirroring protocol 1.1, which cannot encrypt", true},
		{"older acceptor", "acceptor", 1, 0, EncryptionRequired, "the accepting endpoint speaks mirroring protocol 1.1, which cannot encrypt", false},
		{"older dialer in clear", "dialer", 1, 0, EncryptionDisabled, "", false},
		{"older acceptor in clear", "acceptor", 1, 0, EncryptionDisabled, "", false},
		{"older build dials", "dialer", BinaryBlocksMinor - 1, BinaryBlocksMinor, EncryptionRequired, "the connecting endpoint speaks " + older, true},
		{"older build accepts", "acceptor", BinaryBlocksMinor - 1, BinaryBlocksMinor, EncryptionDisabled, "the accepting endpoint speaks " + older, false},
		{"same build", "acceptor", BinaryBlocksMinor, BinaryBlocksMinor, EncryptionDisabled, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			set := func(c *Config) { c.Encryption, c.MinMinor = tc.encryption, tc.need }
			a := newNode(t, "127.0.0.1", idA, "A", set)
			b := newNode(t, "127.0.0.2", idB, "B", set)
			map[string]*node{"dialer": a, "acceptor": b}[tc.olderSide].e.version = [2]uint16{protoMajor, tc.minor}
			p, err := a.e.Dial(context.Background(), b.addr())
			if tc.reason == "" {
				if err != nil {
					t.Fatal(err)
				}
				if err := p.Send('m', []byte("in clear")); err != nil {
					t.Fatal(err)
				}
				if m := b.recv(); m.payload != "in clear" || p.Info().Encrypted {
					t.Fatalf("got %q, encrypted %v", m.payload, p.Info().Encrypted)
				}
				return
			}
			var de *DialError
			if !errors.As(err, &de) || de.Rejected != tc.rejected {
				t.Fatalf("want a DialError (rejected %v), got %#v", tc.rejected, err)
			}
			mustContain(t, "reason", de.Reason, tc.reason)
			refuser := map[bool]*node{true: b, false: a}[tc.rejected] // the side that found the mismatch warns of it
			eventually(t, "the refusal logged as a warning", func() bool {
				return slices.ContainsFunc(strings.Split(refuser.logs.String(), "\n"), func(line string) bool {
					return strings.Contains(line, "level=WARN") && strings.Contains(line, tc.reason)
				})
			})
			eventually(t, "no connections left", func() bool { return len(a.e.Peers())+len(b.e.Peers()) == 0 })
		})
	}
}

// TestCertificateAuthentication: endpoints that hold each other's
// certificate connect by mutual TLS; each side knows the other by the
// login its certificate maps to, and Authorize sees it. The accepting
// side's order of methods wins.
func TestCertificateAuthentication(t *testing.T) {
	certA, certB := validCert(t, "A"), validCert(t, "B")
	cat := trust(map[string]*tls.Certificate{"login_A": certA, "login_B": certB})
	authorized := make(chan PeerInfo, 1)
	a := newNode(t, "127.0.0.1", idA, "A", withCert(certA, cat), func(c *Config) {
		c.Authentication = []string{AuthWindows, AuthCertificate}
	})
	b := newNode(t, "127.0.0.2", idB, "B", withCert(certB, cat), func(c *Config) {
		c.Authentication = []string{AuthCertificate, AuthWindows}
		c.Authorize = func(pi PeerInfo) error {
			authorized <- pi
			return nil
		}
	})
	pa := a.dial(b)
	pb := b.up()
	if err := pa.Send('m', []byte("signed")); err != nil {
		t.Fatal(err)
	}
	if m := b.recv(); m.payload != "signed" {
		t.Fatalf("got %q", m.payload)
	}
	if err := pb.Send('m', []byte("and sealed")); err != nil {
		t.Fatal(err)
	}
	if m := a.recv(); m.payload != "and sealed" {
		t.Fatalf("got %q", m.payload)
	}
	for _, c := range []struct {
		side  string
		info  PeerInfo
		login string
		cert  *tls.Certificate
	}{{"dialer", pa.Info(), "login_B", certB}, {"acceptor", pb.Info(), "login_A", certA}, {"Authorize", <-authorized, "login_A", certA}} {
		if c.info.AuthenticationMethod != AuthCertificate || c.info.Login != c.login || !c.info.Encrypted ||
			c.info.CertificateThumbprint != Thumbprint(c.cert.Leaf) {
			t.Errorf("%s: %+v", c.side, c.info)
		}
	}
	if th := Thumbprint(certA.Leaf); len(th) != 40 || strings.ToUpper(th) != th {
		t.Errorf("thumbprint %q is not 40 upper-case hex digits", th)
	}
}

// TestWindowsLogin: with WINDOWS the peer's login is the service account
// it declares, and Authorize sees it.
func TestWindowsLogin(t *testing.T) {
	authorized := make(chan PeerInfo, 1)
	a := newNode(t, "127.0.0.1", idA, "A")
	b := newNode(t, "127.0.0.2", idB, "B", func(c *Config) {
		c.Authorize = func(pi PeerInfo) error {
			authorized <- pi
			return nil
		}
	})
	pa := a.dial(b)
	pb := b.up()
	for side, pi := range map[string]PeerInfo{"dialer": pa.Info(), "acceptor": pb.Info(), "Authorize": <-authorized} {
		if pi.AuthenticationMethod != AuthWindows || pi.Login != pi.Remote.ServiceAccount || pi.Login == "" ||
			pi.CertificateThumbprint != "" || !pi.Encrypted {
			t.Errorf("%s: %+v", side, pi)
		}
	}
}

// TestCertificateRefusals: a certificate the other side does not hold,
// out of its validity period, or whose login may not connect, refuses the
// connection on either side, with the reason on both; so does a
// mismatch of methods. Nothing is registered or reported up.
func TestCertificateRefusals(t *testing.T) {
	now := time.Now()
	certA, certB := validCert(t, "A"), validCert(t, "B")
	expired := testCert(t, "old", now.Add(-48*time.Hour), now.Add(-24*time.Hour))
	early := testCert(t, "early", now.Add(24*time.Hour), now.Add(48*time.Hour))
	stranger := validCert(t, "stranger")
	all := trust(map[string]*tls.Certificate{"login_A": certA, "login_B": certB, "login_old": expired, "login_early": early})
	cases := []struct {
		name        string
		dialer, acc func(*Config)
		rejected    bool     // the acceptor refused (else the dialer did)
		reason      []string // in the dialer's DialError
		accLog      string   // in the acceptor's log
	}{
		{
			name:     "unknown certificate",
			dialer:   withCert(stranger, all),
			acc:      withCert(certB, all),
			rejected: true,
			reason:   []string{"the certificate presented by A at TCP://127.0.0.1:", "(thumbprint " + Thumbprint(stranger.Leaf) + ") is refused: no certificate in master has thumbprint"},
		},
		{
			name:     "expired certificate",
			dialer:   withCert(expired, all),
			acc:      withCert(certB, all),
			rejected: true,
			reason:   []string{"the certificate presented by A", "expired on " + expired.Leaf.NotAfter.UTC().Format(time.DateTime) + " UTC"},
		},
		{
			name:     "certificate not yet valid",
			dialer:   withCert(early, all),
			acc:      withCert(certB, all),
			rejected: true,
			reason:   []string{"is not valid before " + early.Leaf.NotBefore.UTC().Format(time.DateTime)},
		},
		{
			name:   "no CONNECT permission",
			dialer: withCert(certA, all),
			acc: func(c *Config) {
				withCert(certB, all)(c)
				c.Authorize = func(pi PeerInfo) error {
					return fmt.Errorf("login %s has no CONNECT permission on the endpoint", pi.Login)
				}
			},
			rejected: true,
			reason:   []string{"not authorized: login login_A has no CONNECT permission"},
		},
		{
			name:   "the dialer does not hold the acceptor's certificate",
			dialer: withCert(certA, trust(map[string]*tls.Certificate{"login_A": certA})),
			acc:    withCert(certB, all),
			reason: []string{"the TLS handshake failed: the certificate presented by B at TCP://127.0.0.2:", "is refused: no certificate in master has thumbprint " + Thumbprint(certB.Leaf)},
			accLog: "bad certificate",
		},
		{
			name:   "the acceptor's certificate expired",
			dialer: withCert(certA, all),
			acc:    withCert(expired, all),
			reason: []string{"the certificate presented by B", "expired on"},
			accLog: "bad certificate",
		},
		{
			name:     "authentication mismatch",
			acc:      withCert(certB, all),
			rejected: true,
			reason:   []string{"authentication mismatch: the accepting endpoint uses CERTIFICATE and the connecting endpoint uses WINDOWS"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := newNode(t, "127.0.0.1", idA, "A", opt(tc.dialer))
			b := newNode(t, "127.0.0.2", idB, "B", opt(tc.acc))
			_, err := a.e.Dial(context.Background(), b.addr())
			var de *DialError
			if !errors.As(err, &de) || de.Rejected != tc.rejected {
				t.Fatalf("want a DialError (rejected %v), got %#v", tc.rejected, err)
			}
			mustContain(t, "reason", de.Reason, tc.reason...)
			logged := tc.accLog
			if tc.rejected {
				logged = tc.reason[len(tc.reason)-1]
			}
			eventually(t, "acceptor log", func() bool { return strings.Contains(b.logs.String(), logged) })
			mustContain(t, "acceptor log", b.logs.String(), "mirroring connection refused")
			eventually(t, "no connections left", func() bool { return len(a.e.Peers())+len(b.e.Peers()) == 0 })
			if len(a.ups)+len(b.ups) != 0 {
				t.Error("a refused connection was reported up")
			}
		})
	}
}

// TestRefusedImpostor: a connection refused after TLS never displaces
// the live connection to the instance it claims to be.
func TestRefusedImpostor(t *testing.T) {
	certA, certB := validCert(t, "A"), validCert(t, "B")
	cat := trust(map[string]*tls.Certificate{"login_A": certA, "login_B": certB})
	a := newNode(t, "127.0.0.1", idA, "A", withCert(certA, cat))
	b := newNode(t, "127.0.0.2", idB, "B", withCert(certB, cat))
	pa := a.dial(b)
	pb := b.up()
	impostor := newNode(t, "127.0.0.3", idA, "A", withCert(validCert(t, "A"), cat))
	if _, err := impostor.e.Dial(context.Background(), b.addr()); err == nil {
		t.Fatal("the impostor connected")
	}
	if l := live(b.e); len(l) != 1 || l[0].ConnectionID != pb.Info().ConnectionID {
		t.Fatalf("B's live connections: %+v", l)
	}
	if err := pa.Send('m', []byte("still me")); err != nil {
		t.Fatal(err)
	}
	if m := b.recv(); m.payload != "still me" || m.from != pb {
		t.Fatalf("got %+v", m)
	}
	if err := pb.Send('m', []byte("hello A")); err != nil {
		t.Fatal(err)
	}
	if m := a.recv(); m.payload != "hello A" {
		t.Fatalf("got %+v", m)
	}
}

// TestCertificateConfig: CERTIFICATE needs a certificate with its key and
// a VerifyCertificate.
func TestCertificateConfig(t *testing.T) {
	cert := validCert(t, "A")
	verify := catalog{}.verify
	for name, c := range map[string]Config{
		"no certificate":       {Authentication: []string{"certificate"}, VerifyCertificate: verify},
		"no private key":       {Authentication: []string{"certificate"}, VerifyCertificate: verify, Certificate: &tls.Certificate{Certificate: cert.Certificate}},
		"no VerifyCertificate": {Authentication: []string{"WINDOWS", "CERTIFICATE"}, Certificate: cert},
		"unknown method":       {Authentication: []string{"KERBEROS"}},
	} {
		c.InstanceID, c.Role = idA, RoleAll
		if e, err := Listen("127.0.0.1:0", c); err == nil {
			e.Close()
			t.Errorf("%s: accepted", name)
		}
	}
}
