package engine

import (
	"strings"

	"mirrordb/engine/exec"
	"mirrordb/engine/security"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
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
	return sqlerr.New(262, verb, b.cat.Current().Name())
}

// planSecurity binds the login, user, permission, master key and
// certificate statements: package security checks them and decides their
// change of the catalog, which runs here (never inside a transaction: the
// catalog is not transactional).
func (b *binder) planSecurity(st parser.Statement) (*stmtPlan, error) {
	change, err := security.Bind(st, securitySession{stmtBinder{b}}, securityInstance{b.s.inst})
	if err != nil {
		return nil, err
	}
	in, verb := b.s.inst, statementVerb(st)
	return &stmtPlan{noTx: verb, noTxNumber: 574, run: func(_ *exec.Env, _ *txn, w session.ResultWriter) (string, error) {
		var warning *sqlerr.Error
		err := in.changeSecurity(func(c *security.Catalog) (err error) {
			warning, err = change(c)
			return err
		})
		if err != nil {
			return "", b.ErrAt(st, sqlerr.As(err))
		}
		in.log.Info("security", "statement", verb, "by", b.set.Login())
		if warning != nil {
			return verb, w.Notice(warning)
		}
		return verb, nil
	}}, nil
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
