package security

import (
	"slices"
	"strings"
	"time"

	"mirrordb/engine/stmtopt"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// The security statements: CREATE / ALTER / DROP LOGIN, CREATE / DROP
// USER, GRANT / REVOKE / DENY on the endpoint, CREATE MASTER KEY and the
// certificate statements. Bind checks a statement and decides what it
// does to the catalog; the engine runs the change on a private copy of the
// catalog, stores it in master and publishes it (the catalog is not
// transactional, so these statements never run inside a transaction).

// Session is the session binding a statement, as the statements need it;
// the engine's binder implements it.
type Session interface {
	stmtopt.Binder
	// Login is the login the session runs as; IsSysadmin says whether it
	// is in the sysadmin role now.
	Login() string
	IsSysadmin() bool
	// InMaster says whether the session's current database is master,
	// the only one holding users, the master key and certificates.
	InMaster() bool
}

// Instance is what the statements reach of the server they run on; the
// engine implements it.
type Instance interface {
	// Security is the published catalog (not to be changed).
	Security() *Catalog
	Now() time.Time
	// LoginInUse says whether a session is logged in as name.
	LoginInUse(name string) bool
	// Endpoint names the mirroring endpoint and the certificate it
	// authenticates with ("" when there is no endpoint or certificate).
	Endpoint() (name, certificate string)
	// ServiceMasterKey is the key that seals the database master key.
	ServiceMasterKey() ([]byte, error)
	// Path resolves a file name as a statement writes it (relative names
	// are under the instance's backup directory).
	Path(file string) string
}

// Change is what a bound statement does to a private copy of the catalog;
// the warning, if any, is sent to the client once the catalog is stored.
type Change func(c *Catalog) (warning *sqlerr.Error, err error)

// Bind checks a security statement and returns its change. Who may run
// which statement is the engine's dispatch's check (sysadmins only), but
// for ALTER LOGIN, which anyone may use to change their own password.
func Bind(st parser.Statement, s Session, in Instance) (Change, error) {
	var change func(c *Catalog) error
	var err error
	switch x := st.(type) {
	case *parser.CreateLogin:
		change, err = createLogin(x, s, in)
	case *parser.AlterLogin:
		change, err = alterLogin(x, s, in)
	case *parser.DropLogin:
		change = func(c *Catalog) error { return c.DropLogin(x.Name, in.LoginInUse) }
	case *parser.CreateUser:
		if err = masterOnly(x.Pos, "CREATE USER", s); err == nil {
			change = func(c *Catalog) error { return c.CreateUser(x.Name, x.Login, x.WithoutLogin, in.Now()) }
		}
	case *parser.DropUser:
		if err = masterOnly(x.Pos, "DROP USER", s); err == nil {
			change = func(c *Catalog) error { return c.DropUser(x.Name) }
		}
	case *parser.Grant:
		change, err = grant(x, s, in)
	case *parser.CreateMasterKey:
		if err = masterOnly(x.Pos, "CREATE MASTER KEY", s); err == nil {
			err = errIf(s, x.Pos, CheckPasswordPolicy(x.Password))
			change = func(c *Catalog) error { return createMasterKey(c, in, x.Password) }
		}
	case *parser.CreateCertificate:
		if err = masterOnly(x.Pos, "CREATE CERTIFICATE", s); err == nil {
			return createCertificate(x, s, in)
		}
	case *parser.BackupCertificate:
		if err = masterOnly(x.Pos, "BACKUP CERTIFICATE", s); err == nil {
			change = func(c *Catalog) error { return backupCertificate(c, in, x) }
		}
	case *parser.DropCertificate:
		if err = masterOnly(x.Pos, "DROP CERTIFICATE", s); err == nil {
			change = func(c *Catalog) error { return dropCertificate(c, in, x.Name) }
		}
	default:
		return nil, s.At(st.Position(), sqlerr.New(40517, "this statement"))
	}
	if err != nil {
		return nil, err
	}
	return func(c *Catalog) (*sqlerr.Error, error) { return nil, change(c) }, nil
}

// masterOnly refuses, outside master, the objects mirrordb keeps in master
// only (users, the master key, certificates: SPEC §2.5 uses nothing else).
func masterOnly(p parser.Pos, stmt string, s Session) error {
	if !s.InMaster() {
		return s.At(p, sqlerr.New(40517, stmt+" outside master"))
	}
	return nil
}

// errIf places e when it is not nil.
func errIf(s Session, p parser.Pos, e *sqlerr.Error) error {
	if e == nil {
		return nil
	}
	return s.At(p, e)
}

// loginOptions are the options CREATE and ALTER LOGIN accept.
type loginOptions struct {
	checkPolicy     *bool
	defaultDatabase string
	oldPassword     *string
}

// policy says whether the password policy applies, given what applies
// when the statement does not say.
func (o *loginOptions) policy(otherwise bool) bool {
	if o.checkPolicy != nil {
		return *o.checkPolicy
	}
	return otherwise
}

// parseLoginOptions reads WITH options; ON/OFF and names are accepted bare.
func parseLoginOptions(stmt string, opts []*parser.BackupOption, s Session) (*loginOptions, error) {
	o := &loginOptions{}
	for _, opt := range opts {
		text, err := optionText(opt, s)
		if err != nil {
			return nil, err
		}
		switch opt.Name {
		case "CHECK_POLICY", "CHECK_EXPIRATION":
			on := strings.EqualFold(text, "ON")
			if !on && !strings.EqualFold(text, "OFF") {
				return nil, s.At(opt.Pos, sqlerr.New(155, text, opt.Name))
			}
			if opt.Name == "CHECK_POLICY" {
				o.checkPolicy = &on
			}
		case "DEFAULT_DATABASE":
			o.defaultDatabase = text
		case "DEFAULT_LANGUAGE":
		case "OLD_PASSWORD":
			o.oldPassword = &text
		case "MUST_CHANGE": // accepted; passwords do not expire here
		default:
			return nil, s.At(opt.Pos, sqlerr.New(155, opt.Name, stmt))
		}
	}
	return o, nil
}

// optionText evaluates an option's value: a bare word (ON, OFF, a
// database name) is its own text, anything else a constant expression.
func optionText(opt *parser.BackupOption, s Session) (string, error) {
	switch v := opt.Value.(type) {
	case nil:
		return "", nil
	case *parser.ColumnRef:
		if len(v.Parts) == 1 {
			return v.Name(), nil
		}
	}
	val, err := s.OptionValue(opt)
	return types.ToText(val, types.TypeUnknown), err
}

func createLogin(x *parser.CreateLogin, s Session, in Instance) (func(*Catalog) error, error) {
	if err := errIf(s, x.Pos, CheckPrincipalName(x.Name)); err != nil {
		return nil, err
	}
	o, err := parseLoginOptions("CREATE LOGIN", x.Options, s)
	if err != nil {
		return nil, err
	}
	policy := o.policy(true)
	if x.HasPassword && policy {
		if err := errIf(s, x.Pos, CheckPasswordPolicy(x.Password)); err != nil {
			return nil, err
		}
	}
	return func(c *Catalog) error {
		return c.CreateLogin(LoginSpec{Name: x.Name, Password: x.Password, FromWindows: x.FromWindows,
			Certificate: x.Certificate, DefaultDatabase: o.defaultDatabase, CheckPolicy: policy}, in.Now())
	}, nil
}

func alterLogin(x *parser.AlterLogin, s Session, in Instance) (func(*Catalog) error, error) {
	o, err := parseLoginOptions("ALTER LOGIN", x.Options, s)
	if err != nil {
		return nil, err
	}
	// Anyone may change their own password by giving the old one; all
	// else is the sysadmins'.
	own := strings.EqualFold(x.Name, s.Login())
	selfService := own && x.HasPassword && o.oldPassword != nil && !x.Enable && !x.Disable
	if !selfService && !s.IsSysadmin() {
		return nil, s.At(x.Pos, sqlerr.New(15151, "alter", "login", x.Name))
	}
	if x.HasPassword {
		l := in.Security().Login(x.Name)
		if o.policy(l == nil || l.CheckPolicy) {
			if err := errIf(s, x.Pos, CheckPasswordPolicy(x.Password)); err != nil {
				return nil, err
			}
		}
	}
	return func(c *Catalog) error {
		l := c.Login(x.Name)
		if l == nil {
			return sqlerr.New(15151, "alter", "login", x.Name)
		}
		now := in.Now()
		if x.Enable || x.Disable {
			l.Disabled, l.Modified = x.Disable, now
		}
		if o.checkPolicy != nil {
			l.CheckPolicy, l.Modified = *o.checkPolicy, now
		}
		if o.defaultDatabase != "" {
			l.DefaultDatabase, l.Modified = o.defaultDatabase, now
		}
		if !x.HasPassword {
			return nil
		}
		if l.Type != LoginSQL || (selfService && !VerifierMatches(l.Verifier, *o.oldPassword)) {
			return sqlerr.New(15151, "alter", "login", x.Name)
		}
		return SetPassword(l, x.Password, now)
	}, nil
}

// grant binds GRANT / REVOKE / DENY on the mirroring endpoint, the one
// securable mirrordb has.
func grant(x *parser.Grant, s Session, in Instance) (func(*Catalog) error, error) {
	if x.Class != "ENDPOINT" {
		return nil, s.At(x.Pos, sqlerr.New(40517, x.Verb+" ON "+x.Class+"::"))
	}
	for _, p := range x.Permissions {
		if !slices.Contains(EndpointPermissions, p) {
			return nil, s.At(x.Pos, sqlerr.New(40517, "permission "+p+" on an endpoint"))
		}
	}
	grantor := s.Login()
	return func(c *Catalog) error {
		if name, _ := in.Endpoint(); name == "" || !strings.EqualFold(name, x.Object) {
			return sqlerr.New(15151, "find", "endpoint", x.Object)
		}
		var grantees []int
		for _, name := range x.Principals {
			if strings.EqualFold(name, "public") {
				grantees = append(grantees, PublicID)
				continue
			}
			l := c.Login(name)
			if l == nil {
				return sqlerr.New(15151, "find", "login", name)
			}
			grantees = append(grantees, l.ID)
		}
		from := SAID
		if l := c.Login(grantor); l != nil {
			from = l.ID
		}
		for _, id := range grantees {
			for _, p := range x.Permissions {
				c.Grants = ApplyGrant(c.Grants, x.Verb, x.GrantOption, p, id, from)
			}
		}
		return nil
	}, nil
}
