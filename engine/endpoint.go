package engine

import (
	"encoding/json"
	"fmt"

	"mirrordb/engine/endpoint"
	"mirrordb/engine/exec"
	"mirrordb/engine/security"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
)

// The DATABASE_MIRRORING endpoint: at most one per instance (SPEC §2.2),
// stored in master's catalog under c/endpoint. Package endpoint decides
// what the statements make of it; the engine stores it, and the mirroring
// layer (through Mirroring.ApplyEndpoint) binds
// its port when it is STARTED, and re-applies it when the instance starts.

var catalogEndpoint = []byte("c/endpoint")

// Endpoint returns the mirroring endpoint, or nil when there is none.
func (in *Instance) Endpoint() *endpoint.Endpoint {
	in.epMu.Lock()
	defer in.epMu.Unlock()
	ep, _ := in.loadEndpoint()
	return ep
}

func (in *Instance) loadEndpoint() (*endpoint.Endpoint, error) {
	v, ok, err := in.master.storage.Get(catalogEndpoint)
	if err != nil || !ok {
		return nil, err
	}
	var ep endpoint.Endpoint
	if err := json.Unmarshal(v, &ep); err != nil {
		return nil, fmt.Errorf("endpoint catalog entry: %w", err)
	}
	return &ep, nil
}

func (in *Instance) saveEndpoint(ep *endpoint.Endpoint) error {
	if ep == nil {
		return in.master.storage.Set(catalogEndpoint, nil)
	}
	b, _ := json.Marshal(ep)
	return in.master.storage.Set(catalogEndpoint, b)
}

// applyEndpoint hands the endpoint to the mirroring layer, if installed.
func (in *Instance) applyEndpoint(ep *endpoint.Endpoint) error {
	if m := in.mirror(); m != nil {
		return m.ApplyEndpoint(ep)
	}
	return nil
}

// changeEndpoint runs one endpoint DDL statement: change computes the new
// definition from the current one (nil: none exists; a nil result drops
// it). The new definition is applied (the port bound or released) before
// it is stored, so a port in use leaves the catalog unchanged.
func (in *Instance) changeEndpoint(change func(cur *endpoint.Endpoint) (*endpoint.Endpoint, error)) error {
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

// planEndpoint binds CREATE / ALTER / DROP ENDPOINT (package endpoint
// decides the new definition).
func (b *binder) planEndpoint(st parser.Statement) (*stmtPlan, error) {
	in := b.s.inst
	var verb string
	var change func(cur *endpoint.Endpoint) (*endpoint.Endpoint, error)
	switch x := st.(type) {
	case *parser.CreateEndpoint:
		verb = "CREATE ENDPOINT"
		change = func(cur *endpoint.Endpoint) (*endpoint.Endpoint, error) {
			return endpoint.Create(cur, x, b.set.Login(), in.now(), in.certificateExists)
		}
	case *parser.AlterEndpoint:
		verb = "ALTER ENDPOINT"
		change = func(cur *endpoint.Endpoint) (*endpoint.Endpoint, error) {
			return endpoint.Alter(cur, x, in.now(), in.certificateExists)
		}
	case *parser.DropEndpoint:
		verb = "DROP ENDPOINT"
		change = func(cur *endpoint.Endpoint) (*endpoint.Endpoint, error) { return nil, endpoint.Drop(cur, x) }
	}
	return &stmtPlan{noTx: verb, noTxNumber: 574, run: func(*exec.Env, *txn, session.ResultWriter) (string, error) {
		if err := in.changeEndpoint(change); err != nil {
			return "", b.ErrAt(st, sqlerr.As(err))
		}
		if verb == "DROP ENDPOINT" { // permissions go with the endpoint
			return verb, in.changeSecurity(func(c *security.Catalog) error { c.Grants = nil; return nil })
		}
		return verb, nil
	}}, nil
}

// certificateExists reports whether master holds the named certificate.
func (in *Instance) certificateExists(name string) bool {
	return in.security().Certificate(name) != nil
}
