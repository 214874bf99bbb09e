package engine

import (
	"encoding/json"
	"fmt"

	"mirrordb/engine/security"
	"mirrordb/sqlerr"
)

// The server's security catalog (package security) is small and changes
// rarely, so it is one JSON document in master (c/security), rewritten
// whole under secMu and published as an immutable snapshot that
// authentication and endpoint checks read without locking.

var catalogSecurity = []byte("c/security")

// security returns the current catalog snapshot (loaded at Open, replaced
// by changeSecurity); callers must not change it.
func (in *Instance) security() *security.Catalog { return in.sec.Load() }

// loadSecurity reads the catalog, creating it (with sa) the first time.
func (in *Instance) loadSecurity() (*security.Catalog, error) {
	v, ok, err := in.master.storage.Get(catalogSecurity)
	if err != nil {
		return nil, err
	}
	if !ok {
		c := security.NewCatalog(in.now())
		return c, in.saveSecurity(c)
	}
	var c security.Catalog
	if err := json.Unmarshal(v, &c); err != nil {
		return nil, fmt.Errorf("security catalog: %w", err)
	}
	return &c, nil
}

func (in *Instance) saveSecurity(c *security.Catalog) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return in.master.storage.Set(catalogSecurity, b)
}

// changeSecurity runs one change on a private copy of the catalog (read
// back from master), then stores and publishes it; an error leaves
// everything as it was. The mirroring endpoint then re-judges its peers.
func (in *Instance) changeSecurity(change func(c *security.Catalog) error) error {
	if err := in.storeSecurityChange(change); err != nil {
		return err
	}
	if m := in.mirror(); m != nil {
		m.SecurityChanged()
	}
	return nil
}

func (in *Instance) storeSecurityChange(change func(c *security.Catalog) error) error {
	in.secMu.Lock()
	defer in.secMu.Unlock()
	c, err := in.loadSecurity()
	if err != nil {
		return err
	}
	if err := change(c); err != nil {
		return err
	}
	if err := in.saveSecurity(c); err != nil {
		return err
	}
	in.sec.Store(c)
	return nil
}

// LoginInfo is what authentication needs to know of a login.
type LoginInfo struct {
	Name     string // as created (the case the catalog holds)
	Verifier string // "" when the login has no password
	Disabled bool
}

// LookupLogin finds a login by name (any case) for authentication.
func (in *Instance) LookupLogin(name string) (LoginInfo, bool) {
	l := in.security().Login(name)
	if l == nil {
		return LoginInfo{}, false
	}
	return LoginInfo{Name: l.Name, Verifier: l.Verifier, Disabled: l.Disabled}, true
}

// SAHasPassword reports whether sa has a password: until it has, a
// loopback-only instance trusts clients that do not name a login with a
// password and runs them as sa (package auth).
func (in *Instance) SAHasPassword() bool {
	return in.security().LoginByID(security.SAID).Verifier != ""
}

// AuthSecret keys the decoy credentials authentication shows for logins
// that do not exist (internal/verifier.Decoy).
func (in *Instance) AuthSecret() []byte { return in.security().Secret }

// SetLoginPassword sets a login's password from outside SQL (the sa
// password given with --sa-password-file), under the password policy; a
// password it already has is left alone, so restarts do not rewrite the
// catalog.
func (in *Instance) SetLoginPassword(name, password string) error {
	if e := security.CheckPasswordPolicy(password); e != nil {
		return e
	}
	if l := in.security().Login(name); l != nil && security.VerifierMatches(l.Verifier, password) {
		return nil
	}
	return in.changeSecurity(func(c *security.Catalog) error {
		l := c.Login(name)
		if l == nil {
			return sqlerr.New(15151, "alter", "login", name)
		}
		return security.SetPassword(l, password, in.now())
	})
}

// EnsureServiceAccountLogin makes the instance's own service account (the
// identity it declares to mirroring peers) a Windows login, as SQL Server's
// set-up does: partners under the same account then need no CREATE LOGIN,
// and GRANT CONNECT ON ENDPOINT::e TO [that account] works as the
// documentation's scripts expect. The login has no password, so it cannot
// log in over SQL, and no server role. A login of that name that already
// exists is left as it is; a dropped one comes back at the next start.
func (in *Instance) EnsureServiceAccountLogin(account string) error {
	if e := security.CheckPrincipalName(account); e != nil {
		return e
	}
	if in.security().Login(account) != nil {
		return nil
	}
	return in.changeSecurity(func(c *security.Catalog) error {
		if c.Login(account) != nil {
			return nil
		}
		return c.CreateLogin(security.LoginSpec{Name: account, FromWindows: true, CheckPolicy: true}, in.now())
	})
}
