package engine

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"mirrordb/engine/security"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
)

// The DATABASE_MIRRORING endpoint: at most one per instance (SPEC §2.2),
// stored in master's catalog under c/endpoint. The engine validates and
// persists it; the mirroring layer (through Mirroring.ApplyEndpoint) binds
// its port when it is STARTED, and re-applies it when the instance starts.

var catalogEndpoint = []byte("c/endpoint")

// endpointID is the id of the (only) user endpoint: user endpoints start at
// 65536, below are the system endpoints.
const endpointID = 65536

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
func (ep *Endpoint) ID() int { return endpointID }

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

// Endpoint returns the mirroring endpoint, or nil when there is none.
func (in *Instance) Endpoint() *Endpoint {
	in.epMu.Lock()
	defer in.epMu.Unlock()
	ep, _ := in.loadEndpoint()
	return ep
}

func (in *Instance) loadEndpoint() (*Endpoint, error) {
	v, ok, err := in.master.storage.Get(catalogEndpoint)
	if err != nil || !ok {
		return nil, err
	}
	var ep Endpoint
	if err := json.Unmarshal(v, &ep); err != nil {
		return nil, fmt.Errorf("endpoint catalog entry: %w", err)
	}
	return &ep, nil
}

func (in *Instance) saveEndpoint(ep *Endpoint) error {
	if ep == nil {
		return in.master.storage.Set(catalogEndpoint, nil)
	}
	b, _ := json.Marshal(ep)
	return in.master.storage.Set(catalogEndpoint, b)
}

// applyEndpoint hands the endpoint to the mirroring layer, if installed.
func (in *Instance) applyEndpoint(ep *Endpoint) error {
	if m := in.mirror(); m != nil {
		return m.ApplyEndpoint(ep)
	}
	return nil
}

// changeEndpoint runs one endpoint DDL statement: change computes the new
// definition from the current one (nil: none exists; a nil result drops
// it). The new definition is applied (the port bound or released) before
// it is stored, so a port in use leaves the catalog unchanged.
func (in *Instance) changeEndpoint(change func(cur *Endpoint) (*Endpoint, error)) error {
	in.epMu.Lock()
	defer in.epMu.Unlock()
	cur, err := in.loadEndpoint()
	if err != nil {
		return err
	}
	next, err := change(cur)
	if err != nil {
		return err
	}
	if err := in.applyEndpoint(next); err != nil {
		if cur != nil { // put the old binding back
			if rerr := in.applyEndpoint(cur); rerr != nil {
				in.log.Warn("endpoint: restoring the previous binding failed", "err", rerr)
			}
		}
		return err
	}
	if err := in.saveEndpoint(next); err != nil {
		return err
	}
	if next == nil {
		in.log.Info("endpoint dropped", "name", cur.Name)
	} else {
		in.log.Info("endpoint", "name", next.Name, "state", next.State, "port", next.Port, "role", next.Role)
	}
	return nil
}

// planEndpoint binds CREATE / ALTER / DROP ENDPOINT.
func (b *binder) planEndpoint(st parser.Statement) (*stmtPlan, error) {
	in := b.s.inst
	var verb string
	var change func(cur *Endpoint) (*Endpoint, error)
	switch x := st.(type) {
	case *parser.CreateEndpoint:
		verb = "CREATE ENDPOINT"
		change = func(cur *Endpoint) (*Endpoint, error) {
			if cur != nil {
				return nil, b.errAt(x, sqlerr.New(7862))
			}
			owner := x.Authorization
			if owner == "" {
				owner = b.s.loginName()
			}
			now := in.now()
			ep := &Endpoint{Name: x.Name, Owner: owner, State: "STOPPED", Windows: true,
				WindowsKind: "NEGOTIATE", Encryption: "REQUIRED", Created: now, Modified: now}
			if x.State != "" {
				ep.State = x.State
			}
			if err := b.endpointTransport(x, ep, x.Transport, true); err != nil {
				return nil, err
			}
			if err := b.endpointPayload(x, ep, x.Payload, true); err != nil {
				return nil, err
			}
			return ep, nil
		}
	case *parser.AlterEndpoint:
		verb = "ALTER ENDPOINT"
		change = func(cur *Endpoint) (*Endpoint, error) {
			if cur == nil || !strings.EqualFold(cur.Name, x.Name) {
				return nil, b.errAt(x, sqlerr.New(15151, "alter", "endpoint", x.Name))
			}
			if x.Authorization != "" {
				return nil, b.errAt(x, sqlerr.New(7871, "AUTHORIZATION"))
			}
			ep := *cur
			ep.Algorithms = slices.Clone(cur.Algorithms)
			if x.State != "" {
				ep.State = x.State
			}
			if x.Transport != nil {
				if err := b.endpointTransport(x, &ep, x.Transport, false); err != nil {
					return nil, err
				}
			}
			if x.Payload != nil {
				if err := b.endpointPayload(x, &ep, x.Payload, false); err != nil {
					return nil, err
				}
			}
			ep.Modified = cur.Modified
			if endpointsEqual(&ep, cur) {
				return nil, b.errAt(x, sqlerr.New(7863))
			}
			ep.Modified = in.now()
			return &ep, nil
		}
	case *parser.DropEndpoint:
		verb = "DROP ENDPOINT"
		change = func(cur *Endpoint) (*Endpoint, error) {
			if cur == nil || !strings.EqualFold(cur.Name, x.Name) {
				return nil, b.errAt(x, sqlerr.New(15151, "drop", "endpoint", x.Name))
			}
			return nil, nil
		}
	}
	return &stmtPlan{noTx: verb, noTxNumber: 574, run: func(*env, *txn, session.ResultWriter) (string, error) {
		if err := in.changeEndpoint(change); err != nil {
			return "", b.errAt(st, sqlerr.As(err))
		}
		if verb == "DROP ENDPOINT" { // permissions go with the endpoint
			return verb, in.changeSecurity(func(c *security.Catalog) error { c.Grants = nil; return nil })
		}
		return verb, nil
	}}, nil
}

func endpointsEqual(a, b *Endpoint) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// endpointTransport applies an AS TCP (...) clause.
// at positions errors about a missing clause.
func (b *binder) endpointTransport(at positioned, ep *Endpoint, t *parser.EndpointTransport, create bool) error {
	if t == nil {
		return b.errAt(at, sqlerr.New(7869, "AS TCP", "DATABASE_MIRRORING"))
	}
	if !strings.EqualFold(t.Protocol, "TCP") {
		if !create {
			return b.errAt(t, sqlerr.New(7860, ep.Name))
		}
		return b.errAt(t, sqlerr.New(40517, "AS "+t.Protocol))
	}
	if len(t.Other) > 0 {
		return b.errAt(t.Other[0], sqlerr.New(7871, t.Other[0].Name))
	}
	if t.ListenerPort != nil {
		if p := *t.ListenerPort; p < 1 || p > 65535 {
			return b.errAt(t, sqlerr.New(7878, p))
		}
		ep.Port = *t.ListenerPort
	} else if create {
		return b.errAt(t, sqlerr.New(7869, "LISTENER_PORT", "TCP"))
	}
	if t.ListenerIP != "" {
		ep.IP = t.ListenerIP
		if strings.EqualFold(t.ListenerIP, "ALL") {
			ep.IP = ""
		}
	}
	return nil
}

// endpointPayload applies a FOR DATABASE_MIRRORING (...) clause.
func (b *binder) endpointPayload(at positioned, ep *Endpoint, p *parser.EndpointPayload, create bool) error {
	if p == nil {
		return b.errAt(at, sqlerr.New(7869, "FOR DATABASE_MIRRORING", "mirroring"))
	}
	if !strings.EqualFold(p.Type, "DATABASE_MIRRORING") {
		if !create {
			return b.errAt(p, sqlerr.New(7860, ep.Name))
		}
		return b.errAt(p, sqlerr.New(40517, "FOR "+p.Type))
	}
	if len(p.Other) > 0 {
		return b.errAt(p.Other[0], sqlerr.New(7871, p.Other[0].Name))
	}
	if a := p.Authentication; a != nil {
		ep.Windows, ep.WindowsKind, ep.Certificate, ep.CertificateFirst = a.Windows, a.WindowsKind, a.Certificate, a.CertificateFirst
		if a.Windows && a.WindowsKind == "" {
			ep.WindowsKind = "NEGOTIATE"
		}
		if !a.Windows {
			ep.WindowsKind = ""
		}
		if a.Certificate != "" && !b.s.inst.certificateExists(a.Certificate) {
			return b.errAt(a, sqlerr.New(15151, "find", "certificate", a.Certificate))
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
		return b.errAt(p, sqlerr.New(7869, "ROLE", "DATABASE_MIRRORING"))
	}
	return nil
}

// certificateExists reports whether master holds the named certificate.
func (in *Instance) certificateExists(name string) bool {
	return in.security().Certificate(name) != nil
}
