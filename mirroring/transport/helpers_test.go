package transport

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"mirrordb/internal/frame"
	"mirrordb/internal/testutil"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Instance ids in tie-break order: idA < idB < idC.
const (
	idA = "1A000000-0000-4000-8000-000000000000"
	idB = "2B000000-0000-4000-8000-000000000000"
	idC = "3C000000-0000-4000-8000-000000000000"
)

type received struct {
	from    *Peer
	kind    byte
	payload string
}

type downEvent struct {
	p   *Peer
	err error
}

// node is an endpoint under test with its callbacks recorded.
type node struct {
	t     *testing.T
	e     *Endpoint
	name  string
	logs  *testutil.SyncBuffer
	msgs  chan received
	ups   chan *Peer
	downs chan downEvent

	mu        sync.Mutex
	downCount map[*Peer]int
}

// fast are timeouts that keep the tests quick.
func fast(c *Config) {
	c.DialTimeout = 2 * time.Second
	c.HandshakeTimeout = 2 * time.Second
	c.WriteTimeout = 2 * time.Second
}

// newNode starts an endpoint on ip:0 with instance id id; tweak adjusts
// the configuration first. The endpoint is closed at the end of the test.
func newNode(t *testing.T, ip, id, name string, tweak ...func(*Config)) *node {
	t.Helper()
	n := &node{
		t: t, name: name, logs: &testutil.SyncBuffer{},
		msgs:      make(chan received, 100000),
		ups:       make(chan *Peer, 100),
		downs:     make(chan downEvent, 100),
		downCount: map[*Peer]int{},
	}
	cfg := Config{
		Identity:   Identity{InstanceID: id, ServerName: name, ServiceAccount: "svc_" + name},
		Role:       RoleAll,
		Encryption: EncryptionRequired,
		Logger:     slog.New(slog.NewTextHandler(n.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Handler: func(p *Peer, kind byte, payload []byte) {
			n.msgs <- received{p, kind, string(payload)}
		},
		PeerUp: func(p *Peer) { n.ups <- p },
		PeerDown: func(p *Peer, err error) {
			n.mu.Lock()
			n.downCount[p]++
			n.mu.Unlock()
			n.downs <- downEvent{p, err}
		},
	}
	fast(&cfg)
	for _, f := range tweak {
		f(&cfg)
	}
	e, err := Listen(ip+":0", cfg)
	if err != nil {
		t.Fatalf("listen %s: %v", name, err)
	}
	n.e = e
	t.Cleanup(func() {
		n.close()
		n.mu.Lock()
		defer n.mu.Unlock()
		for p, c := range n.downCount {
			if c != 1 {
				t.Errorf("%s: PeerDown called %d times for %s", name, c, p.id)
			}
		}
		if t.Failed() {
			t.Logf("%s log:\n%s", name, n.logs.String())
		}
	})
	return n
}

func (n *node) close() {
	n.t.Helper()
	if err := n.e.Close(); err != nil {
		n.t.Errorf("close %s: %v", n.name, err)
	}
}

func (n *node) addr() string { return n.e.Identity().Address }

func (n *node) dial(to *node) *Peer {
	n.t.Helper()
	p, err := n.e.Dial(context.Background(), to.addr())
	if err != nil {
		n.t.Fatalf("%s dial %s: %v", n.name, to.name, err)
	}
	return p
}

// up waits for the next PeerUp.
func (n *node) up() *Peer {
	n.t.Helper()
	select {
	case p := <-n.ups:
		return p
	case <-time.After(5 * time.Second):
		n.t.Fatalf("%s: no PeerUp", n.name)
		return nil
	}
}

// down waits for the next PeerDown.
func (n *node) down() downEvent {
	n.t.Helper()
	select {
	case d := <-n.downs:
		return d
	case <-time.After(5 * time.Second):
		n.t.Fatalf("%s: no PeerDown", n.name)
		return downEvent{}
	}
}

// recv waits for the next message.
func (n *node) recv() received {
	n.t.Helper()
	select {
	case m := <-n.msgs:
		return m
	case <-time.After(5 * time.Second):
		n.t.Fatalf("%s: no message", n.name)
		return received{}
	}
}

// live returns the logged-in connections of an endpoint.
func live(e *Endpoint) []PeerInfo {
	var out []PeerInfo
	for _, pi := range e.Peers() {
		if pi.State == StateLoggedIn {
			out = append(out, pi)
		}
	}
	return out
}

// eventually polls cond for up to 5 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// rawPeer is a hand-driven dialer, for feeding an endpoint bad input.
type rawPeer struct {
	t       *testing.T
	sock    net.Conn
	c       net.Conn // sock, or TLS over it after startTLS
	fr      *frame.Reader
	welcome hello
}

// rawDial connects to n without a handshake.
func rawDial(t *testing.T, n *node) *rawPeer {
	t.Helper()
	c, err := net.Dial("tcp", n.e.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawPeer{t: t, sock: c, c: c, fr: frame.NewReader(c, 1<<20, 0)}
}

func testHello(id string) hello {
	return hello{
		major: protoMajor, minor: protoMinor,
		id:   Identity{InstanceID: id, ServerName: "raw", Address: "TCP://127.0.0.9:1", ServiceAccount: "svc_raw"},
		role: RolePartner, encryption: EncryptionSupported, algorithms: []string{AlgorithmAES},
		authMethod: AuthWindows, connID: newGUID(), maxMessage: 1 << 20, epoch: 1, seq: 1,
	}
}

// rawHandshake connects and completes a handshake as instance id.
func rawHandshake(t *testing.T, n *node, id string) *rawPeer {
	t.Helper()
	return rawHandshakeWith(t, n, testHello(id))
}

// rawHandshakeWith connects and completes a handshake with hello h,
// running TLS (without checking the endpoint's certificate) and reading
// the admit frame when the welcome says the connection is encrypted.
func rawHandshakeWith(t *testing.T, n *node, h hello) *rawPeer {
	t.Helper()
	r := rawWelcomed(t, n, h)
	if r.welcome.encrypted {
		r.startTLS(&tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS13})
		if kind, payload, err := r.next(); err != nil || kind != kindAdmit {
			t.Fatalf("raw handshake: %q %q %v", kind, payload, err)
		}
	}
	return r
}

// rawWelcomed connects, sends hello h and reads the welcome.
func rawWelcomed(t *testing.T, n *node, h hello) *rawPeer {
	t.Helper()
	r := rawDial(t, n)
	r.write(kindHello, h.encode())
	kind, payload, err := r.next()
	if err != nil || kind != kindWelcome {
		t.Fatalf("raw handshake: %q %q %v", kind, payload, err)
	}
	if r.welcome, err = decodeHello(payload); err != nil {
		t.Fatal(err)
	}
	return r
}

// startTLS runs a TLS client handshake on the raw connection; frames are
// then read and written over TLS.
func (r *rawPeer) startTLS(cfg *tls.Config) {
	r.t.Helper()
	tc := tls.Client(r.c, cfg)
	_ = tc.SetDeadline(time.Now().Add(5 * time.Second))
	if err := tc.Handshake(); err != nil {
		r.t.Fatalf("raw TLS handshake: %v", err)
	}
	_ = tc.SetDeadline(time.Time{})
	r.c, r.fr = tc, frame.NewReader(tc, 1<<20, 0)
}

func (r *rawPeer) write(kind byte, payload []byte) {
	r.t.Helper()
	if err := writeFrame(r.c, kind, payload); err != nil {
		r.t.Fatalf("raw write: %v", err)
	}
}

func (r *rawPeer) next() (byte, []byte, error) {
	_ = r.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	return r.fr.Next()
}

// closedWithin reports whether the endpoint closes the raw connection
// within d (reading and discarding whatever it sends meanwhile).
func (r *rawPeer) closedWithin(d time.Duration) bool {
	_ = r.c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, r.c)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

func frameBytes(kind byte, payload []byte) []byte {
	var b bytes.Buffer
	_ = frame.NewWriter(&b, 0).Write(kind, payload)
	return b.Bytes()
}

func mustContain(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s %q does not contain %q", what, s, sub)
		}
	}
}

// testCert makes a self-signed certificate for name, valid from notBefore
// to notAfter.
func testCert(t testing.TB, name string, notBefore, notAfter time.Time) *tls.Certificate {
	t.Helper()
	c, err := selfSigned(name, notBefore, notAfter)
	if err != nil {
		t.Fatal(err)
	}
	return &c
}

// validCert makes a self-signed certificate for name, valid now.
func validCert(t testing.TB, name string) *tls.Certificate {
	t.Helper()
	return testCert(t, name, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour))
}

// catalog maps certificate thumbprints to the logins that own them, as
// master does; its verify method is a VerifyCertificate.
type catalog map[string]string

// trust returns a catalog holding the certificates of logins.
func trust(logins map[string]*tls.Certificate) catalog {
	c := catalog{}
	for login, cert := range logins {
		c[Thumbprint(cert.Leaf)] = login
	}
	return c
}

func (c catalog) verify(cert *x509.Certificate) (string, error) {
	if login, ok := c[Thumbprint(cert)]; ok {
		return login, nil
	}
	return "", fmt.Errorf("no certificate in master has thumbprint %s", Thumbprint(cert))
}

// withCert configures AUTHENTICATION = CERTIFICATE with certificate own,
// trusting the certificates in trusted.
func withCert(own *tls.Certificate, trusted catalog) func(*Config) {
	return func(c *Config) {
		c.Authentication = []string{AuthCertificate}
		c.Certificate = own
		c.VerifyCertificate = trusted.verify
	}
}

// clientHello returns the first flight of a TLS 1.3 client: a ClientHello
// record, as a dialer would send after the welcome.
func clientHello(tb testing.TB) []byte {
	tb.Helper()
	c, s := net.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = tls.Client(c, &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS13}).Handshake()
	}()
	buf := make([]byte, 16<<10)
	n, err := s.Read(buf)
	c.Close()
	s.Close()
	<-done
	if err != nil {
		tb.Fatal(err)
	}
	return buf[:n]
}
