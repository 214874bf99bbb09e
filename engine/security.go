package engine

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"mirrordb/sqlerr"
)

// The server's security catalog (SPEC §2.5): logins, master's users, the
// database master key, certificates and CONNECT grants on the endpoint.
// It is small and changes rarely, so it is one JSON document in master
// (c/security), rewritten whole under secMu and published as an immutable
// snapshot that authentication and endpoint checks read without locking.

var catalogSecurity = []byte("c/security")

// Fixed principal ids, as SQL Server numbers them.
const (
	saID       = 1
	publicID   = 2
	sysadminID = 3
	firstLogin = 256 // logins created by CREATE LOGIN
	dboUserID  = 1   // master's dbo user, owned by sa
	firstUser  = 5   // users created by CREATE USER
	firstCert  = 256 // certificate_id of the first certificate
)

// Login types (sys.server_principals.type).
const (
	LoginSQL         = "S" // WITH PASSWORD
	LoginWindows     = "U" // FROM WINDOWS: a peer's service account
	LoginCertificate = "C" // FROM CERTIFICATE
)

// Login is a server principal that can be granted rights.
type Login struct {
	Name string `json:"name"`
	ID   int    `json:"id"`
	SID  []byte `json:"sid"`
	Type string `json:"type"`
	// Verifier is the SCRAM-SHA-256 verifier of the password
	// (internal/verifier), empty when the login has none.
	Verifier        string    `json:"verifier,omitempty"`
	Disabled        bool      `json:"disabled,omitempty"`
	Sysadmin        bool      `json:"sysadmin,omitempty"`
	Certificate     string    `json:"certificate,omitempty"` // FROM CERTIFICATE
	DefaultDatabase string    `json:"default_database"`
	CheckPolicy     bool      `json:"check_policy"`
	Created         time.Time `json:"created"`
	Modified        time.Time `json:"modified"`
}

// TypeDesc is sys.server_principals.type_desc.
func (l *Login) TypeDesc() string {
	return map[string]string{LoginSQL: "SQL_LOGIN", LoginWindows: "WINDOWS_LOGIN",
		LoginCertificate: "CERTIFICATE_MAPPED_LOGIN"}[l.Type]
}

// User is a database principal of master mapped to a login (CREATE USER
// ... FOR LOGIN); certificates name their owner by user.
type User struct {
	Name    string    `json:"name"`
	ID      int       `json:"id"`
	Login   int       `json:"login"` // the login's principal id, 0 WITHOUT LOGIN
	Created time.Time `json:"created"`
}

// EndpointGrant is a permission on the mirroring endpoint held by a login.
type EndpointGrant struct {
	Permission string `json:"permission"` // CONNECT
	Grantee    int    `json:"grantee"`
	Grantor    int    `json:"grantor"`
	// State is G (grant), W (grant with grant option) or D (deny).
	State string `json:"state"`
}

// securityCatalog is the document stored under c/security.
type securityCatalog struct {
	NextID       int              `json:"next_id"`
	Logins       []*Login         `json:"logins"`
	Users        []*User          `json:"users"`
	Certificates []*Certificate   `json:"certificates"`
	Grants       []*EndpointGrant `json:"grants"`
	MasterKey    *MasterKey       `json:"master_key,omitempty"`
	// Secret keys the decoy credentials of logins that do not exist.
	Secret []byte `json:"secret"`
}

func newSecurityCatalog(now time.Time) *securityCatalog {
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	return &securityCatalog{NextID: firstLogin, Secret: secret, Logins: []*Login{{
		Name: "sa", ID: saID, SID: []byte{1}, Type: LoginSQL, Sysadmin: true,
		DefaultDatabase: "master", CheckPolicy: true, Created: now, Modified: now}}}
}

func (c *securityCatalog) login(name string) *Login {
	for _, l := range c.Logins {
		if strings.EqualFold(l.Name, name) {
			return l
		}
	}
	return nil
}

func (c *securityCatalog) loginByID(id int) *Login {
	for _, l := range c.Logins {
		if l.ID == id {
			return l
		}
	}
	return nil
}

func (c *securityCatalog) user(name string) *User {
	if strings.EqualFold(name, "dbo") {
		return &User{Name: "dbo", ID: dboUserID, Login: saID}
	}
	for _, u := range c.Users {
		if strings.EqualFold(u.Name, name) {
			return u
		}
	}
	return nil
}

func (c *securityCatalog) userByID(id int) *User {
	if id == dboUserID {
		return &User{Name: "dbo", ID: dboUserID, Login: saID}
	}
	for _, u := range c.Users {
		if u.ID == id {
			return u
		}
	}
	return nil
}

// nextID hands out principal and certificate ids, never reused.
func (c *securityCatalog) nextID() int {
	id := c.NextID
	c.NextID++
	return id
}

// security returns the current catalog snapshot (loaded at Open, replaced
// by changeSecurity); callers must not change it.
func (in *Instance) security() *securityCatalog { return in.sec.Load() }

// loadSecurity reads the catalog, creating it (with sa) the first time.
func (in *Instance) loadSecurity() (*securityCatalog, error) {
	v, ok, err := in.master.storage.Get(catalogSecurity)
	if err != nil {
		return nil, err
	}
	if !ok {
		c := newSecurityCatalog(in.now())
		return c, in.saveSecurity(c)
	}
	var c securityCatalog
	if err := json.Unmarshal(v, &c); err != nil {
		return nil, fmt.Errorf("security catalog: %w", err)
	}
	return &c, nil
}

func (in *Instance) saveSecurity(c *securityCatalog) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return in.master.storage.Set(catalogSecurity, b)
}

// changeSecurity runs one change on a private copy of the catalog (read
// back from master), then stores and publishes it; an error leaves
// everything as it was. The mirroring endpoint then re-judges its peers.
func (in *Instance) changeSecurity(change func(c *securityCatalog) error) error {
	if err := in.storeSecurityChange(change); err != nil {
		return err
	}
	if m := in.mirror(); m != nil {
		m.SecurityChanged()
	}
	return nil
}

func (in *Instance) storeSecurityChange(change func(c *securityCatalog) error) error {
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
	l := in.security().login(name)
	if l == nil {
		return LoginInfo{}, false
	}
	return LoginInfo{Name: l.Name, Verifier: l.Verifier, Disabled: l.Disabled}, true
}

// SAHasPassword reports whether sa has a password: until it has, a
// loopback-only instance trusts clients that do not name a login with a
// password and runs them as sa (package auth).
func (in *Instance) SAHasPassword() bool { return in.security().loginByID(saID).Verifier != "" }

// AuthSecret keys the decoy credentials authentication shows for logins
// that do not exist (internal/verifier.Decoy).
func (in *Instance) AuthSecret() []byte { return in.security().Secret }

// SetLoginPassword sets a login's password from outside SQL (the sa
// password given with --sa-password-file), under the password policy; a
// password it already has is left alone, so restarts do not rewrite the
// catalog.
func (in *Instance) SetLoginPassword(name, password string) error {
	if e := checkPasswordPolicy(password); e != nil {
		return e
	}
	if l := in.security().login(name); l != nil && verifierMatches(l.Verifier, password) {
		return nil
	}
	return in.changeSecurity(func(c *securityCatalog) error {
		l := c.login(name)
		if l == nil {
			return sqlerr.New(15151, "alter", "login", name)
		}
		return setPassword(l, password, in.now())
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
	if e := checkPrincipalName(account); e != nil {
		return e
	}
	if in.security().login(account) != nil {
		return nil
	}
	return in.changeSecurity(func(c *securityCatalog) error {
		if c.login(account) != nil {
			return nil
		}
		now := in.now()
		c.Logins = append(c.Logins, &Login{Name: account, ID: c.nextID(), SID: randomBytes(16), Type: LoginWindows,
			DefaultDatabase: "master", CheckPolicy: true, Created: now, Modified: now})
		return nil
	})
}

func checkPrincipalName(name string) *sqlerr.Error {
	if strings.TrimSpace(name) == "" || len(name) > 128 {
		return sqlerr.New(15006, name)
	}
	return nil
}
