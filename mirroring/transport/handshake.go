package transport

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Protocol version. Peers must share the major version; a minor version
// adds fields that older peers skip (unknown field tags are ignored).
const (
	protoMajor = 1
	protoMinor = 4 // 1: ping and pong frames; 2: TLS, the admit frame, authentication method lists; 3: ended connections; 4: binary block heads and acknowledgements above (BinaryBlocksMinor)
)

// BinaryBlocksMinor is the first minor version whose instances send the
// mirroring session's log block heads and acknowledgements in binary
// (mirroring/core): a partner of an older build sends and expects JSON,
// so the mirroring endpoint refuses it (Config.MinMinor).
const BinaryBlocksMinor = 4

// pingMinor is the first minor version that answers pings.
const pingMinor = 1

// magic opens every hello and welcome payload: a stream that does not
// start with it is not a mirrordb mirroring endpoint.
const magic = "MIRRORDB"

// Frame kinds. 'a'..'z' belong to the layers above; the transport uses
// these and treats any other kind as a protocol violation.
const (
	kindHello   = 'H' // dialer → acceptor, first frame on a connection
	kindWelcome = 'W' // acceptor → dialer: accepted, with the outcome
	kindReject  = 'R' // acceptor → dialer: refused; payload is the reason
	kindAdmit   = 'A' // acceptor → dialer, over TLS: admitted, the handshake is over
	kindBye     = 'B' // either way, after the handshake: closing; code + reason
	kindPing    = 'P' // either way: 8 opaque bytes the peer echoes at once
	kindPong    = 'Q' // the echo of a ping
)

// isDataKind reports whether kind belongs to the layers above.
func isDataKind(kind byte) bool { return kind >= 'a' && kind <= 'z' }

// Limits on handshake input, so that a hostile dialer cannot make an
// acceptor allocate more than a few kilobytes before it is known.
const (
	maxHandshakeFrame = 16 << 10
	maxField          = 1024
	maxRepeat         = 8 // entries of a repeated field
	maxReason         = 1024
)

// Field tags of hello and welcome payloads. A payload is
//
//	magic(8) | major(2, big-endian) | minor(2) | field*
//	field = tag(uvarint) | length(uvarint) | value(length)
//
// Strings are UTF-8; numbers are a uvarint inside the value; tagAlgorithm
// and tagAuthMethods repeat (at most maxRepeat times), every other tag
// appears at most once; unknown tags are skipped.
const (
	tagInstanceID     = 1
	tagServerName     = 2
	tagAddress        = 3
	tagServiceAccount = 4
	tagRole           = 5
	tagEncryption     = 6
	tagAlgorithm      = 7 // repeated, in preference order
	tagAuthMethod     = 8 // hello: the preferred method (what minor 0 and 1 read); welcome: the method chosen
	tagConnectionID   = 9
	tagMaxMessage     = 10
	tagDialEpoch      = 11 // dialer only: identifies the dialer's endpoint incarnation
	tagDialSeq        = 12 // dialer only: dial counter within that incarnation
	tagEncrypted      = 13 // welcome only: 0 or 1
	tagAlgorithmUsed  = 14 // welcome only
	tagDialingYou     = 15 // welcome only: the acceptor is dialing the dialer too, and its connection will be kept
	tagAuthMethods    = 16 // repeated, in preference order (minor 2; absent: [tagAuthMethod])
	tagEnded          = 17 // repeated: connections to the receiver that the sender has ended, newest first (minor 3)
)

// repeated reports whether a field tag may appear more than once.
func repeated(tag uint64) bool {
	return tag == tagAlgorithm || tag == tagAuthMethods || tag == tagEnded
}

// hello is the payload of both handshake frames: the dialer's hello and
// the acceptor's welcome (which also carries the negotiated outcome).
type hello struct {
	major, minor uint16
	id           Identity
	role         string
	encryption   string
	algorithms   []string
	authMethod   string
	authMethods  []string
	connID       string
	maxMessage   uint64
	epoch, seq   uint64
	ended        []string // connection ids (see registry.go)
	// welcome only
	encrypted  bool
	algorithm  string
	dialingYou bool
}

func (h hello) encode() []byte {
	b := make([]byte, 0, 256)
	b = append(b, magic...)
	b = binary.BigEndian.AppendUint16(b, h.major)
	b = binary.BigEndian.AppendUint16(b, h.minor)
	field := func(tag uint64, s string) {
		b = binary.AppendUvarint(b, tag)
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	str := func(tag uint64, s string) {
		if s != "" {
			field(tag, s)
		}
	}
	num := func(tag, v uint64) {
		b = binary.AppendUvarint(b, tag)
		b = binary.AppendUvarint(b, uint64(uvarintLen(v)))
		b = binary.AppendUvarint(b, v)
	}
	str(tagInstanceID, h.id.InstanceID)
	str(tagServerName, h.id.ServerName)
	str(tagAddress, h.id.Address)
	str(tagServiceAccount, h.id.ServiceAccount)
	str(tagRole, h.role)
	str(tagEncryption, h.encryption)
	for _, a := range h.algorithms {
		field(tagAlgorithm, a)
	}
	str(tagAuthMethod, h.authMethod)
	for _, m := range h.authMethods {
		field(tagAuthMethods, m)
	}
	str(tagConnectionID, h.connID)
	if h.maxMessage != 0 {
		num(tagMaxMessage, h.maxMessage)
	}
	if h.epoch != 0 || h.seq != 0 {
		num(tagDialEpoch, h.epoch)
		num(tagDialSeq, h.seq)
	}
	if h.encrypted || h.algorithm != "" {
		e := uint64(0)
		if h.encrypted {
			e = 1
		}
		num(tagEncrypted, e)
		str(tagAlgorithmUsed, h.algorithm)
	}
	if h.dialingYou {
		num(tagDialingYou, 1)
	}
	for _, id := range h.ended {
		field(tagEnded, id)
	}
	return b
}

func uvarintLen(v uint64) int {
	var tmp [binary.MaxVarintLen64]byte
	return binary.PutUvarint(tmp[:], v)
}

// errNotMirroring is the decoding error of a payload without the magic.
var errNotMirroring = errors.New("not a mirrordb mirroring handshake")

// versionError is the decoding error of a payload of another major
// version; the fields after the version are not decoded.
type versionError struct{ major, minor uint16 }

func (v *versionError) Error() string {
	return fmt.Sprintf("unsupported mirroring protocol version %d.%d (this endpoint speaks %d.%d)",
		v.major, v.minor, protoMajor, protoMinor)
}

// decodeHello parses a hello or welcome payload. It checks the syntax
// only (see checkHello and checkWelcome for the content) and never
// allocates more than the payload's size.
func decodeHello(p []byte) (hello, error) {
	var h hello
	if len(p) < len(magic)+4 || string(p[:len(magic)]) != magic {
		return h, errNotMirroring
	}
	h.major = binary.BigEndian.Uint16(p[len(magic):])
	h.minor = binary.BigEndian.Uint16(p[len(magic)+2:])
	if h.major != protoMajor {
		return h, &versionError{h.major, h.minor}
	}
	var seen uint64
	rest := p[len(magic)+4:]
	for len(rest) > 0 {
		tag, n := binary.Uvarint(rest)
		if n <= 0 {
			return h, errors.New("malformed field tag")
		}
		rest = rest[n:]
		size, n := binary.Uvarint(rest)
		if n <= 0 || size > uint64(len(rest)-n) {
			return h, fmt.Errorf("field %d is longer than the payload", tag)
		}
		v := rest[n : n+int(size)]
		rest = rest[n+int(size):]
		if tag < 64 && !repeated(tag) {
			if seen&(1<<tag) != 0 {
				return h, fmt.Errorf("field %d appears twice", tag)
			}
			seen |= 1 << tag
		}
		var err error
		switch tag {
		case tagInstanceID:
			h.id.InstanceID, err = fieldString(tag, v)
		case tagServerName:
			h.id.ServerName, err = fieldString(tag, v)
		case tagAddress:
			h.id.Address, err = fieldString(tag, v)
		case tagServiceAccount:
			h.id.ServiceAccount, err = fieldString(tag, v)
		case tagRole:
			h.role, err = fieldString(tag, v)
		case tagEncryption:
			h.encryption, err = fieldString(tag, v)
		case tagAlgorithm:
			h.algorithms, err = appendField(h.algorithms, tag, v)
		case tagAuthMethod:
			h.authMethod, err = fieldString(tag, v)
		case tagAuthMethods:
			h.authMethods, err = appendField(h.authMethods, tag, v)
		case tagConnectionID:
			h.connID, err = fieldString(tag, v)
		case tagMaxMessage:
			h.maxMessage, err = fieldNumber(tag, v)
		case tagDialEpoch:
			h.epoch, err = fieldNumber(tag, v)
		case tagDialSeq:
			h.seq, err = fieldNumber(tag, v)
		case tagEncrypted:
			h.encrypted, err = fieldFlag(tag, v)
		case tagDialingYou:
			h.dialingYou, err = fieldFlag(tag, v)
		case tagAlgorithmUsed:
			h.algorithm, err = fieldString(tag, v)
		case tagEnded:
			h.ended, err = appendField(h.ended, tag, v)
		}
		if err != nil {
			return h, err
		}
	}
	return h, nil
}

func fieldString(tag uint64, v []byte) (string, error) {
	if len(v) > maxField {
		return "", fmt.Errorf("field %d is longer than %d bytes", tag, maxField)
	}
	if !utf8.Valid(v) {
		return "", fmt.Errorf("field %d is not UTF-8", tag)
	}
	return string(v), nil
}

// appendField adds one entry of a repeated string field to list.
func appendField(list []string, tag uint64, v []byte) ([]string, error) {
	if len(list) == maxRepeat {
		return list, fmt.Errorf("field %d repeats more than %d times", tag, maxRepeat)
	}
	s, err := fieldString(tag, v)
	return append(list, s), err
}

func fieldNumber(tag uint64, v []byte) (uint64, error) {
	x, n := binary.Uvarint(v)
	if n <= 0 || n != len(v) {
		return 0, fmt.Errorf("field %d is not a number", tag)
	}
	return x, nil
}

func fieldFlag(tag uint64, v []byte) (bool, error) {
	x, err := fieldNumber(tag, v)
	if err == nil && x > 1 {
		err = fmt.Errorf("field %d is not 0 or 1", tag)
	}
	return x == 1, err
}

// checkCommon validates what both hello and welcome must carry, and
// normalizes the case of the settings.
func (h *hello) checkCommon() error {
	if h.id.InstanceID == "" {
		return errors.New("no instance id")
	}
	if h.connID == "" {
		return errors.New("no connection id")
	}
	var err error
	if h.role, err = normalizeRole(h.role); err != nil {
		return err
	}
	if h.encryption == "" {
		return errors.New("no ENCRYPTION setting")
	}
	if h.encryption, err = normalizeEncryption(h.encryption); err != nil {
		return err
	}
	// Unknown names (from a newer peer) never match; keep the known ones
	// in order. A peer of minor 0 or 1 lists no methods: it has the one it
	// names, WINDOWS if none.
	h.algorithms = algorithmList.filter(h.algorithms)
	if h.authMethod = strings.ToUpper(h.authMethod); h.authMethod == "" {
		h.authMethod = AuthWindows
	}
	if h.authMethods == nil {
		h.authMethods = []string{h.authMethod}
	}
	h.authMethods = authenticationList.filter(h.authMethods)
	if h.maxMessage == 0 {
		h.maxMessage = defaultMaxMessage
	}
	return nil
}

// checkWelcome validates an acceptor's welcome against the dialer's own
// policy: the outcome must be what negotiation gives.
func (h *hello) checkWelcome(own policy) error {
	if err := h.checkCommon(); err != nil {
		return err
	}
	want, err := negotiate(policy{h.encryption, h.algorithms, h.authMethods}, own)
	if err != nil {
		return fmt.Errorf("the endpoint accepted a connection it should have refused: %v", err)
	}
	if got := h.outcome(); got != want {
		return fmt.Errorf("the endpoint reports encryption %v/%s and authentication %s, negotiation gives %v/%s and %s",
			got.encrypted, got.algorithm, got.auth, want.encrypted, want.algorithm, want.auth)
	}
	h.algorithm = want.algorithm
	return nil
}

// outcome is the negotiation outcome a welcome reports.
func (h *hello) outcome() negotiated {
	return negotiated{h.encrypted, strings.ToUpper(h.algorithm), h.authMethod}
}

// Bye codes: why a connection is being closed.
const (
	byeClosing  = 0 // Close of the connection or of the endpoint
	byeReplaced = 1 // a duplicate: another connection to the same instance is kept
)

func encodeBye(code byte, reason string) []byte {
	return append([]byte{code}, clip(reason)...)
}

// decodeBye turns a bye payload into the error PeerDown reports.
func decodeBye(p []byte) error {
	if len(p) == 0 {
		return fmt.Errorf("%w: malformed goodbye", ErrProtocol)
	}
	reason := strings.ToValidUTF8(string(p[1:]), "?")
	if p[0] == byeReplaced {
		return fmt.Errorf("%w (the peer closed this one: %s)", ErrReplaced, reason)
	}
	return fmt.Errorf("%w: %s", ErrPeerClosed, reason)
}

// clip bounds a reason sent to a peer and keeps it valid UTF-8.
func clip(s string) string {
	if len(s) > maxReason {
		s = s[:maxReason]
	}
	return strings.ToValidUTF8(s, "?")
}

// ownHello is what this endpoint says of itself on connection p, the
// part a dial's hello and an accept's welcome share.
func (e *Endpoint) ownHello(p *Peer) hello {
	return hello{
		major: e.version[0], minor: e.version[1],
		id: e.cfg.Identity, role: e.cfg.Role,
		encryption: e.cfg.Encryption, algorithms: e.cfg.Algorithms,
		authMethod: e.cfg.Authentication[0], authMethods: e.cfg.Authentication,
		connID: p.id, maxMessage: uint64(e.cfg.MaxMessage),
	}
}
