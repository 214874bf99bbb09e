package transport

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestHelloRoundTrip(t *testing.T) {
	h := testHello(idA)
	h.algorithms = []string{"AES", "RC4"}
	h.encrypted, h.algorithm = true, "AES"
	h.authMethod, h.authMethods = AuthCertificate, []string{AuthCertificate, AuthWindows}
	h.ended = []string{newGUID(), newGUID()}
	got, err := decodeHello(h.encode())
	if err != nil || !reflect.DeepEqual(got, h) {
		t.Fatalf("round trip: %+v, %v\nwant %+v", got, err, h)
	}
	// A newer minor version's unknown fields are skipped.
	extra := binary.AppendUvarint(h.encode(), 99)
	extra = binary.AppendUvarint(extra, 3)
	extra = append(extra, "new"...)
	if got, err := decodeHello(extra); err != nil || !reflect.DeepEqual(got, h) {
		t.Fatalf("unknown field: %v", err)
	}
}

func TestHelloDecodeErrors(t *testing.T) {
	valid := testHello(idA).encode()
	field := func(tag uint64, v string) []byte {
		b := binary.AppendUvarint(nil, tag)
		b = binary.AppendUvarint(b, uint64(len(v)))
		return append(b, v...)
	}
	v2 := append([]byte(magic), 0, 2, 0, 7)
	cases := []struct {
		name    string
		payload []byte
		want    string
	}{
		{"empty", nil, "not a mirrordb"},
		{"short", []byte("MIRR"), "not a mirrordb"},
		{"wrong magic", append([]byte("MIRRORDX"), valid[8:]...), "not a mirrordb"},
		{"major 2", v2, "unsupported mirroring protocol version 2.7"},
		{"duplicate field", append(bytes.Clone(valid), field(tagRole, "ALL")...), "appears twice"},
		{"field past end", append(bytes.Clone(valid), 1, 200, 'x'), "longer than the payload"},
		{"bad tag", append(bytes.Clone(valid), 0xff), "malformed field tag"},
		{"long field", append(bytes.Clone(valid[:12]), field(tagServerName, strings.Repeat("x", maxField+1))...), "longer than 1024"},
		{"bad utf8", append(bytes.Clone(valid[:12]), field(tagServerName, "\xff")...), "not UTF-8"},
		{"bad number", append(bytes.Clone(valid[:12]), field(tagMaxMessage, "\xff")...), "not a number"},
		{"bad flag", append(bytes.Clone(valid[:12]), field(tagEncrypted, "\x02")...), "not 0 or 1"},
		{"too many algorithms", append(bytes.Clone(valid[:12]), bytes.Repeat(field(tagAlgorithm, "AES"), maxRepeat+1)...), "more than 8"},
		{"too many methods", append(bytes.Clone(valid[:12]), bytes.Repeat(field(tagAuthMethods, "WINDOWS"), maxRepeat+1)...), "more than 8"},
	}
	for _, tc := range cases {
		_, err := decodeHello(tc.payload)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	var ve *versionError
	if _, err := decodeHello(v2); !errors.As(err, &ve) {
		t.Error("major 2 is not a versionError")
	}
	// Content checks.
	for name, mutate := range map[string]func(*hello){
		"no instance":   func(h *hello) { h.id.InstanceID = "" },
		"no connection": func(h *hello) { h.connID = "" },
		"bad role":      func(h *hello) { h.role = "MIRROR" },
		"no encryption": func(h *hello) { h.encryption = "" },
	} {
		h := testHello(idA)
		mutate(&h)
		if err := h.checkCommon(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestHelloAuthMethods: a hello of minor 0 or 1 has the one method it
// names (WINDOWS by default); a list drops the names this version does
// not know, and keeps its order.
func TestHelloAuthMethods(t *testing.T) {
	for _, tc := range []struct {
		method  string
		methods []string
		want    string
	}{
		{"", nil, "WINDOWS"},
		{"windows", nil, "WINDOWS"},
		{"CERTIFICATE", nil, "CERTIFICATE"},
		{"KERBEROS", nil, ""},
		{"CERTIFICATE", []string{"kerberos", "certificate", "WINDOWS"}, "CERTIFICATE,WINDOWS"},
	} {
		h := testHello(idA)
		h.authMethod, h.authMethods = tc.method, tc.methods
		if err := h.checkCommon(); err != nil || strings.Join(h.authMethods, ",") != tc.want {
			t.Errorf("%q %v: %v %v, want %s", tc.method, tc.methods, h.authMethods, err, tc.want)
		}
	}
}

func TestBye(t *testing.T) {
	if err := decodeBye(encodeBye(byeReplaced, "dup")); !errors.Is(err, ErrReplaced) {
		t.Error(err)
	}
	if err := decodeBye(encodeBye(byeClosing, "going")); !errors.Is(err, ErrPeerClosed) || !strings.Contains(err.Error(), "going") {
		t.Error(err)
	}
	if err := decodeBye(nil); !errors.Is(err, ErrProtocol) {
		t.Error(err)
	}
}

// handshakeSeeds are byte streams a dialer might send: valid and broken
// handshakes, followed by traffic (in clear) or by a TLS ClientHello.
func handshakeSeeds(tb testing.TB) [][]byte {
	valid := testHello(idA) // SUPPORTED: the connection runs TLS
	hello := frameBytes(kindHello, valid.encode())
	inClear := valid
	inClear.encryption = EncryptionDisabled
	clear := frameBytes(kindHello, inClear.encode())
	cert := valid
	cert.authMethod, cert.authMethods = AuthCertificate, []string{AuthCertificate, AuthWindows}
	older := valid
	older.minor = 1
	v2 := valid
	v2.major = 2
	noAlg := valid
	noAlg.algorithms = nil
	self := valid
	self.id.InstanceID = idB
	msgs := append(frameBytes('a', []byte("one")), frameBytes('z', nil)...)
	ch := clientHello(tb)
	return [][]byte{
		hello,
		append(bytes.Clone(hello), ch...),
		append(frameBytes(kindHello, cert.encode()), ch...),
		append(bytes.Clone(hello), ch[:len(ch)/2]...),
		append(append(bytes.Clone(clear), msgs...), frameBytes(kindBye, encodeBye(byeClosing, "bye"))...),
		append(bytes.Clone(clear), frameBytes('Q', nil)...),
		append(bytes.Clone(clear), 'x', 0xff, 0xff, 0xff, 0xff),
		append(bytes.Clone(clear), frameBytes('a', []byte("trunc"))[:7]...),
		frameBytes(kindHello, older.encode()),
		frameBytes(kindHello, v2.encode()),
		frameBytes(kindHello, noAlg.encode()),
		frameBytes(kindHello, self.encode()),
		hello[:len(hello)/2],
		{kindHello, 0xff, 0xff, 0xff, 0xff},
		[]byte("GET / HTTP/1.1\r\n\r\n"),
		{},
	}
}

// FuzzHandshake feeds arbitrary bytes to an acceptor through net.Pipe: no
// panic, and every goroutine ends when the endpoint closes. The acceptor
// takes WINDOWS and CERTIFICATE, so the fuzzer reaches both TLS servers.
func FuzzHandshake(f *testing.F) {
	for _, s := range handshakeSeeds(f) {
		f.Add(s)
	}
	cert := validCert(f, "B")
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := newEndpoint(Config{
			Identity:          Identity{InstanceID: idB, ServerName: "B", Address: "TCP://127.0.0.2:7022"},
			Role:              RoleAll,
			Encryption:        EncryptionSupported,
			Algorithms:        []string{"AES", "RC4"},
			Authentication:    []string{AuthWindows, AuthCertificate},
			Certificate:       cert,
			VerifyCertificate: catalog{}.verify,
			MaxMessage:        1 << 16,
			HandshakeTimeout:  time.Second,
			WriteTimeout:      time.Second,
			Logger:            slog.New(slog.DiscardHandler),
			Handler:           func(*Peer, byte, []byte) {},
		})
		if err != nil {
			t.Fatal(err)
		}
		client, server := net.Pipe()
		e.slots <- struct{}{} // as the accept loop does
		if !e.acceptConn(server) {
			t.Fatal("not accepted")
		}
		drained := make(chan struct{})
		go func() {
			defer close(drained)
			_, _ = io.Copy(io.Discard, client)
		}()
		// The first frame goes alone, as a dialer waits for the welcome
		// before it says more; what follows reaches the TLS handshake.
		first := len(data)
		if len(data) >= 5 {
			if n := 5 + int(binary.BigEndian.Uint32(data[1:5])) + 4; n < len(data) {
				first = n
			}
		}
		_, _ = client.Write(data[:first])
		_, _ = client.Write(data[first:])
		client.Close()
		<-drained
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzDecodeHello: decoding never panics, and what decodes re-encodes to
// the same hello.
func FuzzDecodeHello(f *testing.F) {
	for _, s := range handshakeSeeds(f) {
		if len(s) > 9 {
			f.Add(s[5 : len(s)-4])
		}
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		h, err := decodeHello(payload)
		if err != nil {
			return
		}
		again, err := decodeHello(h.encode())
		if err != nil || !reflect.DeepEqual(again, h) {
			t.Fatalf("re-decoded %+v, %v\nwant %+v", again, err, h)
		}
	})
}
