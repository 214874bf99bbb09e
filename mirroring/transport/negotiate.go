package transport

import (
	"fmt"
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

// AuthWindows is the only authentication method built today: the peer is
// identified by the service account it declares in the handshake (SPEC
// D7). CERTIFICATE (mutual TLS) is not built yet.
const AuthWindows = "WINDOWS"

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

// normalizeAlgorithms upper-cases an algorithm list, refusing unknown
// names and repeats; empty is the default, AES.
func normalizeAlgorithms(list []string) ([]string, error) {
	if len(list) == 0 {
		return []string{AlgorithmAES}, nil
	}
	out := make([]string, 0, len(list))
	for _, a := range list {
		u := strings.ToUpper(a)
		if u != AlgorithmAES && u != AlgorithmRC4 {
			return nil, fmt.Errorf("ALGORITHM %q is not AES or RC4", a)
		}
		for _, seen := range out {
			if seen == u {
				return nil, fmt.Errorf("ALGORITHM %s is listed twice", u)
			}
		}
		out = append(out, u)
	}
	return out, nil
}

// policy is one side's ENCRYPTION setting and algorithm preference.
type policy struct {
	encryption string
	algorithms []string
}

// negotiated is the outcome of a handshake's encryption negotiation.
type negotiated struct {
	encrypted bool
	algorithm string // AlgorithmNone when not encrypted
}

// tls reports whether the connection runs TLS after the welcome.
func (n negotiated) tls() bool { return n.encrypted }

// negotiate decides, as SQL Server does, whether a connection is
// encrypted and with which algorithm:
//
//   - DISABLED against REQUIRED fails;
//   - DISABLED against DISABLED or SUPPORTED is not encrypted;
//   - SUPPORTED or REQUIRED on both sides is encrypted, with the first
//     algorithm of the ACCEPTING side's list that the connecting side also
//     lists; no common algorithm fails.
//
// The error text names both settings; it becomes the reject reason.
func negotiate(acceptor, dialer policy) (negotiated, error) {
	if acceptor.encryption == EncryptionDisabled || dialer.encryption == EncryptionDisabled {
		if acceptor.encryption == EncryptionRequired || dialer.encryption == EncryptionRequired {
			return negotiated{}, fmt.Errorf("encryption mismatch: the accepting endpoint has ENCRYPTION = %s and the connecting endpoint has ENCRYPTION = %s",
				acceptor.encryption, dialer.encryption)
		}
		return negotiated{algorithm: AlgorithmNone}, nil
	}
	for _, a := range acceptor.algorithms {
		for _, d := range dialer.algorithms {
			if a == d {
				return negotiated{encrypted: true, algorithm: a}, nil
			}
		}
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
