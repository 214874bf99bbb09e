package endpoint

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"mirrordb/parser"
	"mirrordb/sqlerr"
)

// ID is the id of the (only) user endpoint: user endpoints start at
// 65536, below are the system endpoints.
const ID = 65536

// Endpoint is the stored definition of the database mirroring endpoint.
type Endpoint struct {
	Name  string `json:"name"`
	Owner string `json:"owner"`
	// State is STARTED, STOPPED or DISABLED; only STARTED listens (SPEC D4).
	State string `json:"state"`
	Port  int    `json:"port"`
	// IP is the LISTENER_IP; "" means ALL, which mirrordb takes as the host
	// the instance itself listens on.
	IP   string `json:"ip,omitempty"`
	Role string `json:"role"` // WITNESS, PARTNER, ALL
	// Authentication: WINDOWS [kind] and/or CERTIFICATE name, in the order
	// tried.
	Windows          bool   `json:"windows"`
	WindowsKind      string `json:"windows_kind"` // NTLM, KERBEROS, NEGOTIATE
	Certificate      string `json:"certificate,omitempty"`
	CertificateFirst bool   `json:"certificate_first,omitempty"`
	// Encryption is DISABLED, SUPPORTED or REQUIRED, with the algorithms in
	// preference order (AES when none were written).
	Encryption string    `json:"encryption"`
	Algorithms []string  `json:"algorithms,omitempty"`
	Created    time.Time `json:"created"`
	Modified   time.Time `json:"modified"`
}

// ID is the endpoint_id.
func (ep *Endpoint) ID() int { return ID }

// StateCode is sys.endpoints.state: 0 STARTED, 1 STOPPED, 2 DISABLED.
func (ep *Endpoint) StateCode() int {
	return map[string]int{"STARTED": 0, "STOPPED": 1, "DISABLED": 2}[ep.State]
}

// RoleCode is sys.database_mirroring_endpoints.role.
func (ep *Endpoint) RoleCode() int {
	return map[string]int{"NONE": 0, "PARTNER": 1, "WITNESS": 2, "ALL": 3}[ep.Role]
}

// CanBePartner and CanBeWitness tell whether the endpoint's ROLE allows the
// instance to act as a partner or as a witness.
func (ep *Endpoint) CanBePartner() bool { return ep.Role == "PARTNER" || ep.Role == "ALL" }

// CanBeWitness: see CanBePartner.
func (ep *Endpoint) CanBeWitness() bool { return ep.Role == "WITNESS" || ep.Role == "ALL" }

// connectionAuth lists the codes of sys.database_mirroring_endpoints.
// connection_auth by description.
var connectionAuth = []string{"", "NTLM", "KERBEROS", "NEGOTIATE", "CERTIFICATE",
	"NTLM, CERTIFICATE", "KERBEROS, CERTIFICATE", "NEGOTIATE, CERTIFICATE",
	"CERTIFICATE, NTLM", "CERTIFICATE, KERBEROS", "CERTIFICATE, NEGOTIATE"}

// AuthDesc is connection_auth_desc (e.g. "NEGOTIATE, CERTIFICATE").
func (ep *Endpoint) AuthDesc() string {
	switch {
	case ep.Windows && ep.Certificate != "" && ep.CertificateFirst:
		return "CERTIFICATE, " + ep.WindowsKind
	case ep.Windows && ep.Certificate != "":
		return ep.WindowsKind + ", CERTIFICATE"
	case ep.Certificate != "":
		return "CERTIFICATE"
	}
	return ep.WindowsKind
}

// AuthCode is connection_auth.
func (ep *Endpoint) AuthCode() int { return slices.Index(connectionAuth, ep.AuthDesc()) }

var encryptionAlgorithms = []string{"NONE", "RC4", "AES", "NONE, RC4", "NONE, AES", "RC4, AES",
	"AES, RC4", "NONE, RC4, AES", "NONE, AES, RC4"}

// AlgorithmDesc is encryption_algorithm_desc: SUPPORTED adds NONE in front
// (the peer may not encrypt), DISABLED is NONE alone.
func (ep *Endpoint) AlgorithmDesc() string {
	if ep.Encryption == "DISABLED" {
		return "NONE"
	}
	algs := ep.Algorithms
	if len(algs) == 0 {
		algs = []string{"AES"}
	}
	if ep.Encryption == "SUPPORTED" {
		algs = append([]string{"NONE"}, algs...)
	}
	return strings.Join(algs, ", ")
}

// AlgorithmCode is encryption_algorithm.
func (ep *Endpoint) AlgorithmCode() int {
	return slices.Index(encryptionAlgorithms, ep.AlgorithmDesc())
}

// Create is CREATE ENDPOINT given the current endpoint (nil when there is
// none: an instance has at most one) and the owner when the statement
// names none. certificateExists says whether master holds a certificate.
func Create(cur *Endpoint, x *parser.CreateEndpoint, owner string, now time.Time, certificateExists func(string) bool) (*Endpoint, error) {
	if cur != nil {
		return nil, sqlerr.New(7862)
	}
	if x.Authorization != "" {
		owner = x.Authorization
	}
	ep := &Endpoint{Name: x.Name, Owner: owner, State: "STOPPED", Windows: true,
		WindowsKind: "NEGOTIATE", Encryption: "REQUIRED", Created: now, Modified: now}
	if x.State != "" {
		ep.State = x.State
	}
	if err := ep.applyTransport(x.Transport, true); err != nil {
		return nil, err
	}
	if err := ep.applyPayload(x.Payload, true, certificateExists); err != nil {
		return nil, err
	}
	return ep, nil
}

// Alter is ALTER ENDPOINT: the changed copy of cur; 7863 when the
// statement changes nothing.
func Alter(cur *Endpoint, x *parser.AlterEndpoint, now time.Time, certificateExists func(string) bool) (*Endpoint, error) {
	if cur == nil || !strings.EqualFold(cur.Name, x.Name) {
		return nil, sqlerr.New(15151, "alter", "endpoint", x.Name)
	}
	if x.Authorization != "" {
		return nil, sqlerr.New(7871, "AUTHORIZATION")
	}
	ep := *cur
	ep.Algorithms = slices.Clone(cur.Algorithms)
	if x.State != "" {
		ep.State = x.State
	}
	if x.Transport != nil {
		if err := ep.applyTransport(x.Transport, false); err != nil {
			return nil, err
		}
	}
	if x.Payload != nil {
		if err := ep.applyPayload(x.Payload, false, certificateExists); err != nil {
			return nil, err
		}
	}
	ep.Modified = cur.Modified
	if equal(&ep, cur) {
		return nil, sqlerr.New(7863)
	}
	ep.Modified = now
	return &ep, nil
}

// Drop is DROP ENDPOINT: checks that cur is the endpoint named.
func Drop(cur *Endpoint, x *parser.DropEndpoint) error {
	if cur == nil || !strings.EqualFold(cur.Name, x.Name) {
		return sqlerr.New(15151, "drop", "endpoint", x.Name)
	}
	return nil
}

func equal(a, b *Endpoint) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// checkClause refuses a clause of another kind than want (a transport
// other than TCP, a payload other than DATABASE_MIRRORING) and options
// mirrordb does not support.
func (ep *Endpoint) checkClause(prefix, kind, want string, other []*parser.BackupOption, create bool) error {
	if !strings.EqualFold(kind, want) {
		if !create {
			return sqlerr.New(7860, ep.Name)
		}
		return sqlerr.New(40517, prefix+kind)
	}
	if len(other) > 0 {
		return sqlerr.New(7871, other[0].Name)
	}
	return nil
}

// applyTransport applies an AS TCP (...) clause.
func (ep *Endpoint) applyTransport(t *parser.EndpointTransport, create bool) error {
	if t == nil {
		return sqlerr.New(7869, "AS TCP", "DATABASE_MIRRORING")
	}
	if err := ep.checkClause("AS ", t.Protocol, "TCP", t.Other, create); err != nil {
		return err
	}
	if t.ListenerPort != nil {
		if p := *t.ListenerPort; p < 1 || p > 65535 {
			return sqlerr.New(7878, p)
		}
		ep.Port = *t.ListenerPort
	} else if create {
		return sqlerr.New(7869, "LISTENER_PORT", "TCP")
	}
	if t.ListenerIP != "" {
		ep.IP = t.ListenerIP
		if strings.EqualFold(t.ListenerIP, "ALL") {
			ep.IP = ""
		}
	}
	return nil
}

// applyPayload applies a FOR DATABASE_MIRRORING (...) clause.
func (ep *Endpoint) applyPayload(p *parser.EndpointPayload, create bool, certificateExists func(string) bool) error {
	if p == nil {
		return sqlerr.New(7869, "FOR DATABASE_MIRRORING", "mirroring")
	}
	if err := ep.checkClause("FOR ", p.Type, "DATABASE_MIRRORING", p.Other, create); err != nil {
		return err
	}
	if a := p.Authentication; a != nil {
		ep.Windows, ep.WindowsKind, ep.Certificate, ep.CertificateFirst = a.Windows, a.WindowsKind, a.Certificate, a.CertificateFirst
		if a.Windows && a.WindowsKind == "" {
			ep.WindowsKind = "NEGOTIATE"
		}
		if !a.Windows {
			ep.WindowsKind = ""
		}
		if a.Certificate != "" && !certificateExists(a.Certificate) {
			return sqlerr.New(15151, "find", "certificate", a.Certificate)
		}
	}
	if e := p.Encryption; e != nil {
		ep.Encryption, ep.Algorithms = e.Mode, nil
		for _, alg := range e.Algorithms {
			ep.Algorithms = append(ep.Algorithms, strings.ToUpper(alg))
		}
	}
	if p.Role != "" {
		ep.Role = p.Role
	} else if create {
		return sqlerr.New(7869, "ROLE", "DATABASE_MIRRORING")
	}
	return nil
}
