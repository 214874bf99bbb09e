package engine

import (
	"time"

	"mirrordb/engine/security"
)

// The engine's side of package security's statements: the session binding
// them (securitySession) and the instance they run on (securityInstance).

// securitySession is security.Session over the binder.
type securitySession struct{ stmtBinder }

func (s securitySession) Login() string    { return s.b.set.Login() }
func (s securitySession) IsSysadmin() bool { return s.b.set.IsSysadmin() }
func (s securitySession) InMaster() bool   { return s.b.cat.Current().id == masterID }

// securityInstance is security.Instance over the instance.
type securityInstance struct{ in *Instance }

func (s securityInstance) Security() *security.Catalog { return s.in.security() }
func (s securityInstance) Now() time.Time              { return s.in.now() }
func (s securityInstance) LoginInUse(name string) bool { return s.in.loginInUse(name) }
func (s securityInstance) Path(file string) string     { return s.in.BackupPath(file) }
func (s securityInstance) ServiceMasterKey() ([]byte, error) {
	return security.ServiceMasterKey(s.in.cfg.DataDir)
}

func (s securityInstance) Endpoint() (name, certificate string) {
	if ep := s.in.Endpoint(); ep != nil {
		return ep.Name, ep.Certificate
	}
	return "", ""
}
