package security

import (
	"crypto/rand"
	"crypto/sha1"
	"strings"
	"time"

	"mirrordb/sqlerr"
)

// The server's security catalog: logins, master's users, the
// database master key, certificates and CONNECT grants on the endpoint.
// It is small and changes rarely, so it is one JSON document in master
// (c/security), rewritten whole by the engine and published as an immutable
// snapshot that authentication and endpoint checks read without locking.

// Fixed principal ids, as SQL Server numbers them.
const (
	SAID       = 1
	PublicID   = 2
	SysadminID = 3
	FirstLogin = 256 // logins created by CREATE LOGIN
	DboUserID  = 1   // master's dbo user, owned by sa
	FirstUser  = 5   // users created by CREATE USER
	FirstCert  = 256 // certificate_id of the first certificate
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

// Catalog is the document the engine stores in master (c/security).
type Catalog struct {
	NextID       int              `json:"next_id"`
	Logins       []*Login         `json:"logins"`
	Users        []*User          `json:"users"`
	Certificates []*Certificate   `json:"certificates"`
	Grants       []*EndpointGrant `json:"grants"`
	MasterKey    *MasterKey       `json:"master_key,omitempty"`
	// Secret keys the decoy credentials of logins that do not exist.
	Secret []byte `json:"secret"`
}

// NewCatalog is a new instance's catalog: sa alone, and a fresh secret.
func NewCatalog(now time.Time) *Catalog {
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	return &Catalog{NextID: FirstLogin, Secret: secret, Logins: []*Login{{
		Name: "sa", ID: SAID, SID: []byte{1}, Type: LoginSQL, Sysadmin: true,
		DefaultDatabase: "master", CheckPolicy: true, Created: now, Modified: now}}}
}

// Login finds a login by name, in any case.
func (c *Catalog) Login(name string) *Login {
	for _, l := range c.Logins {
		if strings.EqualFold(l.Name, name) {
			return l
		}
	}
	return nil
}

// LoginByID finds a login by principal id.
func (c *Catalog) LoginByID(id int) *Login {
	for _, l := range c.Logins {
		if l.ID == id {
			return l
		}
	}
	return nil
}

// User finds a user of master by name (dbo always exists).
func (c *Catalog) User(name string) *User {
	if strings.EqualFold(name, "dbo") {
		return &User{Name: "dbo", ID: DboUserID, Login: SAID}
	}
	for _, u := range c.Users {
		if strings.EqualFold(u.Name, name) {
			return u
		}
	}
	return nil
}

// UserByID finds a user of master by principal id.
func (c *Catalog) UserByID(id int) *User {
	if id == DboUserID {
		return &User{Name: "dbo", ID: DboUserID, Login: SAID}
	}
	for _, u := range c.Users {
		if u.ID == id {
			return u
		}
	}
	return nil
}

// NewID hands out principal and certificate ids, never reused.
func (c *Catalog) NewID() int {
	id := c.NextID
	c.NextID++
	return id
}

// MasterKey is master's database master key, sealed two ways.
type MasterKey struct {
	Salt       []byte    `json:"salt"`
	ByPassword []byte    `json:"by_password"`
	ByService  []byte    `json:"by_service"`
	Created    time.Time `json:"created"`
}

// Certificate is a certificate held in master: the instance's own (with
// its private key) or a peer's public part (FROM FILE).
type Certificate struct {
	Name       string    `json:"name"`
	ID         int       `json:"id"`
	Owner      int       `json:"owner"` // user principal id in master
	Subject    string    `json:"subject"`
	Issuer     string    `json:"issuer"`
	Serial     string    `json:"serial"` // hex
	Start      time.Time `json:"start"`
	Expiry     time.Time `json:"expiry"`
	DER        []byte    `json:"der"`
	PrivateKey []byte    `json:"private_key,omitempty"` // PKCS #8 sealed by the master key
	LastBackup time.Time `json:"last_backup,omitzero"`  // of the private key
	Created    time.Time `json:"created"`
}

// Thumbprint is the SHA-1 hash of the certificate, as SQL Server shows it.
func (c *Certificate) Thumbprint() []byte {
	sum := sha1.Sum(c.DER)
	return sum[:]
}

// Certificate finds a certificate held in master by name, in any case.
func (c *Catalog) Certificate(name string) *Certificate {
	for _, cert := range c.Certificates {
		if strings.EqualFold(cert.Name, name) {
			return cert
		}
	}
	return nil
}

// CheckPrincipalName is 15006 for a name a principal cannot have.
func CheckPrincipalName(name string) *sqlerr.Error {
	if strings.TrimSpace(name) == "" || len(name) > 128 {
		return sqlerr.New(15006, name)
	}
	return nil
}
