package transport

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"mirrordb/internal/netproxy"
)

// TestWireIsEncrypted records the bytes between two endpoints with a
// proxy: a distinctive payload never crosses the wire in clear when the
// connection is encrypted, and does when both sides have ENCRYPTION =
// DISABLED (so the test can tell).
func TestWireIsEncrypted(t *testing.T) {
	const secret = "TOP-SECRET-LOG-BLOCK-7E3A"
	for _, tc := range []struct {
		encryption string
		inClear    bool
	}{
		{EncryptionRequired, false},
		{EncryptionSupported, false},
		{EncryptionDisabled, true},
	} {
		t.Run(tc.encryption, func(t *testing.T) {
			set := func(c *Config) { c.Encryption = tc.encryption }
			a := newNode(t, "127.0.0.1", idA, "A", set)
			b := newNode(t, "127.0.0.2", idB, "B", set)
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
func TestOlderMinorVersion(t *testing.T) {
	cases := []struct {
		name       string
		olderSide  string // "dialer" or "acceptor"
		encryption string
		reason     string // "" when the connection comes up
		rejected   bool
	}{
		{"older dialer", "dialer", EncryptionRequired, "the connecting endpoint speaks mirroring protocol 1.1, which cannot encrypt", true},
		{"older acceptor", "acceptor", EncryptionRequired, "the accepting endpoint speaks mirroring protocol 1.1, which cannot encrypt", false},
		{"older dialer in clear", "dialer", EncryptionDisabled, "", false},
		{"older acceptor in clear", "acceptor", EncryptionDisabled, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			set := func(c *Config) { c.Encryption = tc.encryption }
			a := newNode(t, "127.0.0.1", idA, "A", set)
			b := newNode(t, "127.0.0.2", idB, "B", set)
			map[string]*node{"dialer": a, "acceptor": b}[tc.olderSide].e.version = [2]uint16{protoMajor, 1}
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
			eventually(t, "no connections left", func() bool { return len(a.e.Peers())+len(b.e.Peers()) == 0 })
		})
	}
}
