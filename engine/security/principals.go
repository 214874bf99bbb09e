package security

import (
	"slices"
	"strings"
	"time"

	"mirrordb/sqlerr"
)

// LoginSpec is what CREATE LOGIN says of a new login: a password (the
// default), FROM WINDOWS or FROM CERTIFICATE.
type LoginSpec struct {
	Name            string
	Password        string
	FromWindows     bool
	Certificate     string
	DefaultDatabase string // "" for master
	CheckPolicy     bool
}

// CreateLogin adds a login: 15025 when the name is taken, 15151 for a
// certificate master does not hold. The password policy is checked before
// (CheckPasswordPolicy), when the statement is bound.
func (c *Catalog) CreateLogin(s LoginSpec, now time.Time) error {
	if c.Login(s.Name) != nil {
		return sqlerr.New(15025, s.Name)
	}
	l := &Login{Name: s.Name, ID: c.NewID(), SID: RandomBytes(16), Type: LoginSQL, DefaultDatabase: "master",
		CheckPolicy: s.CheckPolicy, Created: now, Modified: now}
	if s.DefaultDatabase != "" {
		l.DefaultDatabase = s.DefaultDatabase
	}
	switch {
	case s.FromWindows:
		l.Type = LoginWindows
	case s.Certificate != "":
		cert := c.Certificate(s.Certificate)
		if cert == nil {
			return sqlerr.New(15151, "find", "certificate", s.Certificate)
		}
		l.Type, l.Certificate = LoginCertificate, cert.Name
	default:
		if err := SetPassword(l, s.Password, now); err != nil {
			return err
		}
	}
	c.Logins = append(c.Logins, l)
	return nil
}

// DropLogin removes a login and its grants: never sa (15405), nor a login
// a session is using (15434).
func (c *Catalog) DropLogin(name string, inUse func(login string) bool) error {
	l := c.Login(name)
	if l == nil {
		return sqlerr.New(15151, "drop", "login", name)
	}
	if l.ID == SAID {
		return sqlerr.New(15405, l.Name)
	}
	if inUse(l.Name) {
		return sqlerr.New(15434, l.Name)
	}
	c.Logins = slices.DeleteFunc(c.Logins, func(o *Login) bool { return o == l })
	c.Grants = slices.DeleteFunc(c.Grants, func(g *EndpointGrant) bool { return g.Grantee == l.ID })
	return nil
}

// CreateUser adds a user of master mapped to login (withoutLogin: to
// none): 15023 when the name is taken, 15007 for a login that does not
// exist, 15063 for a login already mapped (sa is dbo).
func (c *Catalog) CreateUser(name, login string, withoutLogin bool, now time.Time) error {
	if c.User(name) != nil {
		return sqlerr.New(15023, name)
	}
	u := &User{Name: name, ID: FirstUser + len(c.Users), Created: now}
	for _, o := range c.Users {
		u.ID = max(u.ID, o.ID+1)
	}
	if !withoutLogin {
		if login == "" {
			login = name
		}
		l := c.Login(login)
		if l == nil {
			return sqlerr.New(15007, login)
		}
		if slices.ContainsFunc(c.Users, func(o *User) bool { return o.Login == l.ID }) || l.ID == SAID {
			return sqlerr.New(15063)
		}
		u.Login = l.ID
	}
	c.Users = append(c.Users, u)
	return nil
}

// DropUser removes a user of master: never dbo, nor one that owns a
// certificate (15138).
func (c *Catalog) DropUser(name string) error {
	u := c.User(name)
	if u == nil || u.ID == DboUserID {
		return sqlerr.New(15151, "drop", "user", name)
	}
	if slices.ContainsFunc(c.Certificates, func(cert *Certificate) bool { return cert.Owner == u.ID }) {
		return sqlerr.New(15138, "certificate")
	}
	c.Users = slices.DeleteFunc(c.Users, func(o *User) bool { return o == u })
	return nil
}

// SetServerRole adds a login to a server role or drops it from one
// (sp_addsrvrolemember, sp_dropsrvrolemember). sysadmin is the only
// server role that grants anything here (15151 for any other); sa always
// stays in it (15405), and the login must exist (15007).
func (c *Catalog) SetServerRole(login, role string, member bool, now time.Time) error {
	if !strings.EqualFold(role, "sysadmin") {
		return sqlerr.New(15151, "find", "server role", role)
	}
	l := c.Login(login)
	if l == nil {
		return sqlerr.New(15007, login)
	}
	if l.ID == SAID && !member {
		return sqlerr.New(15405, l.Name)
	}
	l.Sysadmin, l.Modified = member, now
	return nil
}
