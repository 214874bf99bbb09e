package transport

import (
	"fmt"
	"slices"
	"strings"
)

// Endpoint ROLE values announced in the handshake.
const (
	RolePartner = "PARTNER"
	RoleWitness = "WITNESS"
	RoleAll     = "ALL"
)

// ENCRYPTION settings of an endpoint.
const (
	EncryptionDisabled  = "DISABLED"
	EncryptionSupported = "SUPPORTED"
	EncryptionRequired  = "REQUIRED"
)

// Algorithm names as CREATE ENDPOINT spells them. Whatever the name, an
// encrypted connection is TLS 1.3 (SPEC D7); the name is what the
// catalog and sys.dm_db_mirroring_connections show.
const (
	AlgorithmAES  = "AES"
	AlgorithmRC4  = "RC4"
	AlgorithmNone = "NONE" // PeerInfo.Algorithm of an unencrypted connection
)

// AUTHENTICATION methods (SPEC D7).
const (
	// AuthWindows identifies the peer by the service account it declares
	// in its hello: nothing is proved, so it protects against mistakes,
	// not attackers.
	AuthWindows = "WINDOWS"
	// AuthCertificate is mutual TLS: each side presents its certificate
	// and proves it holds the private key; the other side's
	// Config.VerifyCertificate maps the certificate to a login.
	AuthCertificate = "CERTIFICATE"
)

func normalizeRole(s string) (string, error) {
	switch r := strings.ToUpper(s); r {
	case RolePartner, RoleWitness, RoleAll:
		return r, nil
	}
	return "", fmt.Errorf("ROLE %q is not PARTNER, WITNESS or ALL", s)
}

// normalizeEncryption upper-cases an ENCRYPTION setting; empty is the
// default, REQUIRED (SPEC D7).
func normalizeEncryption(s string) (string, error) {
	switch e := strings.ToUpper(s); e {
	case "":
		return EncryptionRequired, nil
	case EncryptionDisabled, EncryptionSupported, EncryptionRequired:
		return e, nil
	}
	return "", fmt.Errorf("ENCRYPTION %q is not DISABLED, SUPPORTED or REQUIRED", s)
}

// nameList describes a preference list of names one side accepts
// (ALGORITHM, AUTHENTICATION): the option's name, the names this version
// knows, and the default.
type nameList struct {
	option string
	known  []string
	def    string
}

var (
	algorithmList      = nameList{"ALGORITHM", []string{AlgorithmAES, AlgorithmRC4}, AlgorithmAES}
	authenticationList = nameList{"AUTHENTICATION", []string{AuthWindows, AuthCertificate}, AuthWindows}
)

// normalize upper-cases a configured list, refusing unknown names and
// repeats; empty is the default.
func (l nameList) normalize(list []string) ([]string, error) {
	if len(list) == 0 {
		return []string{l.def}, nil
	}
	out := make([]string, 0, len(list))
	for _, a := range list {
		u := strings.ToUpper(a)
		if !slices.Contains(l.known, u) {
			return nil, fmt.Errorf("%s %q is not %s", l.option, a, strings.Join(l.known, " or "))
		}
		if slices.Contains(out, u) {
			return nil, fmt.Errorf("%s %s is listed twice", l.option, u)
		}
		out = append(out, u)
	}
	return out, nil
}

// filter keeps, upper-cased and in order, the names of a peer's list that
// this version knows: a newer peer's other names never match.
func (l nameList) filter(list []string) []string {
	out := list[:0:0]
	for _, a := range list {
		if u := strings.ToUpper(a); slices.Contains(l.known, u) {
			out = append(out, u)
		}
	}
	return out
}

// firstCommon is the first name of the accepting side's list that the
// connecting side also lists: the accepting side's order wins.
func firstCommon(acceptor, dialer []string) (string, bool) {
	for _, a := range acceptor {
		if slices.Contains(dialer, a) {
			return a, true
		}
	}
	return "", false
}

// policy is one side's ENCRYPTION setting, algorithm preference and
// AUTHENTICATION methods.
type policy struct {
	encryption string
	algorithms []string
	auth       []string
}

// negotiated is the outcome of a handshake's negotiation.
type negotiated struct {
	encrypted bool
	algorithm string // AlgorithmNone when not encrypted
	auth      string // the AUTHENTICATION method
}

// tls reports whether the connection runs TLS after the welcome: when it
// is encrypted, and always with CERTIFICATE, which is mutual TLS (then
// the bytes are encrypted even if ENCRYPTION negotiated not to).
func (n negotiated) tls() bool { return n.encrypted || n.auth == AuthCertificate }

// negotiate decides, as SQL Server does, whether a connection is
// encrypted and with which algorithm:
//
//   - DISABLED against REQUIRED fails;
//   - DISABLED against DISABLED or SUPPORTED is not encrypted;
//   - SUPPORTED or REQUIRED on both sides is encrypted, with the first
//     algorithm of the ACCEPTING side's list that the connecting side also
//     lists; no common algorithm fails;
//
// and which AUTHENTICATION method is used: the first of the accepting
// side's list that the connecting side also lists; none fails. The error
// text names both settings; it becomes the reject reason.
func negotiate(acceptor, dialer policy) (negotiated, error) {
	n, err := negotiateEncryption(acceptor, dialer)
	if err != nil {
		return n, err
	}
	var ok bool
	if n.auth, ok = firstCommon(acceptor.auth, dialer.auth); !ok {
		return negotiated{}, fmt.Errorf("authentication mismatch: the accepting endpoint uses %s and the connecting endpoint uses %s",
			listOrNone(acceptor.auth), listOrNone(dialer.auth))
	}
	return n, nil
}

func negotiateEncryption(acceptor, dialer policy) (negotiated, error) {
	if acceptor.encryption == EncryptionDisabled || dialer.encryption == EncryptionDisabled {
		if acceptor.encryption == EncryptionRequired || dialer.encryption == EncryptionRequired {
			return negotiated{}, fmt.Errorf("encryption mismatch: the accepting endpoint has ENCRYPTION = %s and the connecting endpoint has ENCRYPTION = %s",
				acceptor.encryption, dialer.encryption)
		}
		return negotiated{algorithm: AlgorithmNone}, nil
	}
	if a, ok := firstCommon(acceptor.algorithms, dialer.algorithms); ok {
		return negotiated{encrypted: true, algorithm: a}, nil
	}
	return negotiated{}, fmt.Errorf("no common encryption algorithm: the accepting endpoint allows %s and the connecting endpoint allows %s",
		listOrNone(acceptor.algorithms), listOrNone(dialer.algorithms))
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "none"
	}
	return strings.Join(l, ", ")
}
