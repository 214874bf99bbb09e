package engine

import (
	"strings"

	"mirrordb/engine/exec"
	"mirrordb/engine/security"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// CREATE / ALTER / DROP LOGIN, CREATE / DROP USER, and who the session is.

// loginName is the login the session runs as: the authenticated one, or
// sa when the instance trusts its clients (no password exists).
func (s *Session) loginName() string {
	if s.startup.Login == "" {
		return "sa"
	}
	return s.startup.Login
}

// isSysadmin reports whether the session's login is in the sysadmin role
// now (a role change applies to open sessions at their next statement).
func (s *Session) isSysadmin() bool {
	if s.startup.Login == "" {
		return true // trust: every client is the administrator
	}
	l := s.inst.security().Login(s.startup.Login)
	return l != nil && l.Sysadmin && !l.Disabled
}

// IsSysadmin reports whether the session's login is in the sysadmin role
// (system procedures of other layers check it).
func (s *Session) IsSysadmin() bool { return s.isSysadmin() }

// sysadminOnly returns the error a login outside the sysadmin role gets
// for st, or nil when anyone may run it: the statements that reconfigure
// the server, its databases, its security or its mirroring are the
// sysadmins' alone. (ALTER LOGIN checks for itself: anyone may change
// their own password.)
func (b *binder) sysadminOnly(st parser.Statement) *sqlerr.Error {
	switch x := st.(type) {
	case *parser.CreateEndpoint, *parser.CreateDatabase, *parser.CreateLogin, *parser.CreateUser,
		*parser.CreateMasterKey, *parser.CreateCertificate, *parser.BackupCertificate:
		return b.permissionDenied(statementVerb(st))
	case *parser.Backup:
		if x.Log {
			return b.permissionDenied("BACKUP LOG")
		}
		return b.permissionDenied("BACKUP DATABASE")
	case *parser.Restore:
		return b.permissionDenied("RESTORE " + x.Kind)
	case *parser.Dbcc:
		return sqlerr.New(2571, b.s.startup.User, x.Command)
	case *parser.Kill:
		return sqlerr.New(6102) // SQL Server's ALTER ANY CONNECTION
	case *parser.AlterEndpoint, *parser.DropEndpoint, *parser.AlterDatabase, *parser.DropDatabase,
		*parser.DropLogin, *parser.DropUser, *parser.DropCertificate, *parser.Grant:
		return sqlerr.New(15247)
	}
	return nil
}

// permissionDenied is Msg 262 for verb in the current database.
func (b *binder) permissionDenied(verb string) *sqlerr.Error {
	return sqlerr.New(262, verb, b.s.db.Name())
}

// loginOptions are the options CREATE and ALTER LOGIN accept.
type loginOptions struct {
	checkPolicy     *bool
	defaultDatabase string
	oldPassword     *string
}

// parseLoginOptions reads WITH options; ON/OFF and names are accepted bare.
func (b *binder) parseLoginOptions(stmt string, opts []*parser.BackupOption) (*loginOptions, error) {
	o := &loginOptions{}
	for _, opt := range opts {
		text, err := b.optionText(opt)
		if err != nil {
			return nil, err
		}
		switch opt.Name {
		case "CHECK_POLICY", "CHECK_EXPIRATION":
			on := strings.EqualFold(text, "ON")
			if !on && !strings.EqualFold(text, "OFF") {
				return nil, b.errAt(opt, sqlerr.New(155, text, opt.Name))
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
			return nil, b.errAt(opt, sqlerr.New(155, opt.Name, stmt))
		}
	}
	return o, nil
}

// optionText evaluates an option's value: a bare word (ON, OFF, a
// database name) is its own text, anything else a constant expression.
func (b *binder) optionText(opt *parser.BackupOption) (string, error) {
	switch v := opt.Value.(type) {
	case nil:
		return "", nil
	case *parser.ColumnRef:
		if len(v.Parts) == 1 {
			return v.Name(), nil
		}
	}
	val, err := b.optionValue(opt)
	return types.ToText(val, types.TypeUnknown), err
}

// planSecurity binds the login, user and permission statements.
func (b *binder) planSecurity(st parser.Statement) (*stmtPlan, error) {
	var change func(c *security.Catalog) error
	var err error
	verb := statementVerb(st)
	switch x := st.(type) {
	case *parser.CreateLogin:
		change, err = b.createLogin(x)
	case *parser.AlterLogin:
		change, err = b.alterLogin(x)
	case *parser.DropLogin:
		change, err = b.dropLogin(x)
	case *parser.CreateUser:
		change, err = b.createUser(x)
	case *parser.DropUser:
		change, err = b.dropUser(x)
	case *parser.Grant:
		verb = x.Verb
		change, err = b.grant(x)
	default:
		return nil, b.errAt(st, sqlerr.New(40517, statementName(st)))
	}
	if err != nil {
		return nil, err
	}
	return b.securityPlan(st, verb, change), nil
}

// securityPlan runs one change of the security catalog (never inside a
// transaction: the catalog is not transactional).
func (b *binder) securityPlan(st parser.Statement, verb string, change func(*security.Catalog) error) *stmtPlan {
	in := b.s.inst
	return &stmtPlan{noTx: verb, noTxNumber: 574, run: func(*exec.Env, *txn, session.ResultWriter) (string, error) {
		if err := in.changeSecurity(change); err != nil {
			return "", b.errAt(st, sqlerr.As(err))
		}
		in.log.Info("security", "statement", verb, "by", b.s.loginName())
		return verb, nil
	}}
}

func (b *binder) createLogin(x *parser.CreateLogin) (func(*security.Catalog) error, error) {
	if err := b.errIf(x, security.CheckPrincipalName(x.Name)); err != nil {
		return nil, err
	}
	o, err := b.parseLoginOptions("CREATE LOGIN", x.Options)
	if err != nil {
		return nil, err
	}
	if x.HasPassword && (o.checkPolicy == nil || *o.checkPolicy) {
		if err := b.errIf(x, security.CheckPasswordPolicy(x.Password)); err != nil {
			return nil, err
		}
	}
	in := b.s.inst
	return func(c *security.Catalog) error {
		return c.CreateLogin(security.LoginSpec{Name: x.Name, Password: x.Password, FromWindows: x.FromWindows,
			Certificate: x.Certificate, DefaultDatabase: o.defaultDatabase, CheckPolicy: o.checkPolicy == nil || *o.checkPolicy}, in.now())
	}, nil
}

func (b *binder) alterLogin(x *parser.AlterLogin) (func(*security.Catalog) error, error) {
	o, err := b.parseLoginOptions("ALTER LOGIN", x.Options)
	if err != nil {
		return nil, err
	}
	own := strings.EqualFold(x.Name, b.s.loginName())
	// Anyone may change their own password by giving the old one; all
	// else is the sysadmins'.
	selfService := own && x.HasPassword && o.oldPassword != nil && !x.Enable && !x.Disable
	if !selfService && !b.s.isSysadmin() {
		return nil, b.errAt(x, sqlerr.New(15151, "alter", "login", x.Name))
	}
	if x.HasPassword {
		l := b.s.inst.security().Login(x.Name)
		policy := l == nil || l.CheckPolicy
		if o.checkPolicy != nil {
			policy = *o.checkPolicy
		}
		if policy {
			if err := b.errIf(x, security.CheckPasswordPolicy(x.Password)); err != nil {
				return nil, err
			}
		}
	}
	in := b.s.inst
	return func(c *security.Catalog) error {
		l := c.Login(x.Name)
		if l == nil {
			return sqlerr.New(15151, "alter", "login", x.Name)
		}
		now := in.now()
		if x.Enable || x.Disable {
			l.Disabled, l.Modified = x.Disable, now
		}
		if o.checkPolicy != nil {
			l.CheckPolicy, l.Modified = *o.checkPolicy, now
		}
		if o.defaultDatabase != "" {
			l.DefaultDatabase, l.Modified = o.defaultDatabase, now
		}
		if x.HasPassword {
			if l.Type != security.LoginSQL {
				return sqlerr.New(15151, "alter", "login", x.Name)
			}
			if selfService && !security.VerifierMatches(l.Verifier, *o.oldPassword) {
				return sqlerr.New(15151, "alter", "login", x.Name)
			}
			return security.SetPassword(l, x.Password, now)
		}
		return nil
	}, nil
}

func (b *binder) dropLogin(x *parser.DropLogin) (func(*security.Catalog) error, error) {
	in := b.s.inst
	return func(c *security.Catalog) error { return c.DropLogin(x.Name, in.loginInUse) }, nil
}

// loginInUse reports whether a session is logged in as name.
func (in *Instance) loginInUse(name string) bool {
	in.mu.RLock()
	defer in.mu.RUnlock()
	for _, s := range in.sessions {
		if strings.EqualFold(s.startup.Login, name) {
			return true
		}
	}
	return false
}

// createUser adds a user to master; other databases have only dbo.
func (b *binder) createUser(x *parser.CreateUser) (func(*security.Catalog) error, error) {
	if err := b.masterOnly(x, "CREATE USER"); err != nil {
		return nil, err
	}
	in := b.s.inst
	return func(c *security.Catalog) error { return c.CreateUser(x.Name, x.Login, x.WithoutLogin, in.now()) }, nil
}

func (b *binder) dropUser(x *parser.DropUser) (func(*security.Catalog) error, error) {
	if err := b.masterOnly(x, "DROP USER"); err != nil {
		return nil, err
	}
	return func(c *security.Catalog) error { return c.DropUser(x.Name) }, nil
}

// masterOnly refuses, outside master, the objects mirrordb keeps in master
// only (users, the master key, certificates: SPEC §2.5 uses nothing else).
func (b *binder) masterOnly(n positioned, stmt string) error {
	if b.s.db.id != masterID {
		return b.errAt(n, sqlerr.New(40517, stmt+" outside master"))
	}
	return nil
}

// errIf positions e when it is not nil.
func (b *binder) errIf(n positioned, e *sqlerr.Error) error {
	if e == nil {
		return nil
	}
	return b.errAt(n, e)
}
