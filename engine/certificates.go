package engine

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"mirrordb/engine/exec"
	"mirrordb/engine/security"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// The statements of the database master key and certificates (SPEC §2.5):
// binding, the checks that need the instance (paths, the endpoint using a
// certificate), and storing the result in the catalog. The keys and
// certificates themselves are package security's.

// masterKey opens the database master key with the service master key.
func (in *Instance) masterKey(c *security.Catalog) ([]byte, error) {
	if c.MasterKey == nil {
		return nil, sqlerr.New(15581)
	}
	smk, err := security.ServiceMasterKey(in.cfg.DataDir)
	if err != nil {
		return nil, err
	}
	return c.MasterKey.Open(smk)
}

// planKeys binds CREATE MASTER KEY and the certificate statements.
func (b *binder) planKeys(st parser.Statement) (*stmtPlan, error) {
	in := b.s.inst
	verb := statementVerb(st)
	if err := b.masterOnly(st, verb); err != nil {
		return nil, err
	}
	var change func(c *security.Catalog) error
	switch x := st.(type) {
	case *parser.CreateMasterKey:
		if err := b.errIf(x, security.CheckPasswordPolicy(x.Password)); err != nil {
			return nil, err
		}
		change = func(c *security.Catalog) error { return in.createMasterKey(c, x.Password) }
	case *parser.CreateCertificate:
		mk, err := b.certificateMaker(x)
		if err != nil {
			return nil, err
		}
		var warning *sqlerr.Error
		change = func(c *security.Catalog) error {
			err := in.addCertificate(c, x, mk)
			if warning = nil; err == nil {
				warning = security.ValidityWarning(c.Certificate(x.Name), in.now())
			}
			return err
		}
		p := b.securityPlan(st, verb, change)
		run := p.run
		p.run = func(e *exec.Env, t *txn, w session.ResultWriter) (string, error) {
			tag, err := run(e, t, w)
			if err == nil && warning != nil {
				err = w.Notice(warning)
			}
			return tag, err
		}
		return p, nil
	case *parser.BackupCertificate:
		change = func(c *security.Catalog) error { return in.backupCertificate(c, x) }
	case *parser.DropCertificate:
		change = func(c *security.Catalog) error { return in.dropCertificate(c, x.Name) }
	}
	return b.securityPlan(st, verb, change), nil
}

func (in *Instance) createMasterKey(c *security.Catalog, password string) error {
	if c.MasterKey != nil {
		return sqlerr.New(15578)
	}
	smk, err := security.ServiceMasterKey(in.cfg.DataDir)
	if err != nil {
		return err
	}
	c.MasterKey, err = security.NewMasterKey(smk, password, in.now())
	return err
}

// certMaker produces a certificate's DER and, when it has one, its private
// key (PKCS #8), given the instance for paths and time.
type certMaker func(in *Instance) (der, pkcs8 []byte, err error)

// certificateMaker checks a CREATE CERTIFICATE statement and returns how
// to make the certificate: generated (WITH SUBJECT) or read (FROM FILE).
func (b *binder) certificateMaker(x *parser.CreateCertificate) (certMaker, error) {
	if x.FromFile != "" {
		return func(in *Instance) ([]byte, []byte, error) { return readCertificateFiles(in, x) }, nil
	}
	start, expiry := time.Time{}, time.Time{}
	for _, d := range []struct {
		text string
		into *time.Time
	}{{x.StartDate, &start}, {x.ExpiryDate, &expiry}} {
		if d.text == "" {
			continue
		}
		t, ok := types.ParseTime(d.text)
		if !ok {
			return nil, b.errAt(x, sqlerr.New(241))
		}
		*d.into = t.UTC()
	}
	return func(in *Instance) ([]byte, []byte, error) {
		from, until := start, expiry
		if from.IsZero() {
			from = in.now().Truncate(time.Second)
		}
		if until.IsZero() {
			until = from.AddDate(1, 0, 0)
		}
		return security.GenerateCertificate(x.Subject, from, until)
	}, nil
}

func (in *Instance) addCertificate(c *security.Catalog, x *parser.CreateCertificate, mk certMaker) error {
	if c.Certificate(x.Name) != nil {
		return sqlerr.New(15232, x.Name)
	}
	owner := security.DboUserID
	if x.Authorization != "" {
		u := c.User(x.Authorization)
		if u == nil {
			return sqlerr.New(15151, "find", "user", x.Authorization)
		}
		owner = u.ID
	}
	der, pkcs8, err := mk(in)
	if err != nil {
		return err
	}
	if _, err := x509.ParseCertificate(der); err != nil {
		return sqlerr.New(15208)
	}
	for _, other := range c.Certificates {
		if bytes.Equal(other.DER, der) {
			return sqlerr.New(15232, x.Name)
		}
	}
	var dmk []byte
	if pkcs8 != nil {
		if dmk, err = in.masterKey(c); err != nil {
			return err
		}
	}
	cert, err := security.NewCertificate(x.Name, c.NewID(), owner, der, pkcs8, dmk, in.now())
	if err != nil {
		return err
	}
	c.Certificates = append(c.Certificates, cert)
	return nil
}

// readCertificateFiles reads FROM FILE and the optional private key file.
func readCertificateFiles(in *Instance, x *parser.CreateCertificate) (der, pkcs8 []byte, err error) {
	raw, err := os.ReadFile(in.BackupPath(x.FromFile))
	if err != nil {
		return nil, nil, sqlerr.New(15208)
	}
	if x.PrivateKey == nil {
		return security.ReadCertificateFiles(raw, nil, "")
	}
	keyFile, err := os.ReadFile(in.BackupPath(x.PrivateKey.File))
	if err != nil {
		return nil, nil, sqlerr.New(15208)
	}
	return security.ReadCertificateFiles(raw, keyFile, x.PrivateKey.Password)
}

// backupCertificate writes the public part (DER, like SQL Server's .cer)
// and, WITH PRIVATE KEY, the private key sealed by the given password.
// Existing files are never overwritten (15240).
func (in *Instance) backupCertificate(c *security.Catalog, x *parser.BackupCertificate) error {
	cert := c.Certificate(x.Name)
	if cert == nil {
		return sqlerr.New(15151, "find", "certificate", x.Name)
	}
	var keyFile []byte
	if x.PrivateKey != nil {
		if cert.PrivateKey == nil {
			return sqlerr.New(15151, "find", "private key of certificate", x.Name)
		}
		if x.PrivateKey.Password == "" {
			return sqlerr.New(15297)
		}
		dmk, err := in.masterKey(c)
		if err != nil {
			return err
		}
		if keyFile, err = security.PrivateKeyFile(cert, dmk, x.PrivateKey.Password); err != nil {
			return err
		}
	}
	if err := writeNewFile(in.BackupPath(x.File), cert.DER); err != nil {
		return err
	}
	if keyFile != nil {
		if err := writeNewFile(in.BackupPath(x.PrivateKey.File), keyFile); err != nil {
			return err
		}
		cert.LastBackup = in.now()
	}
	return nil
}

func writeNewFile(path string, data []byte) error {
	if err := security.WriteFileSync(path, data, 0o600); err != nil {
		e := sqlerr.New(15240, path)
		e.Detail = err.Error()
		return e
	}
	return nil
}

func (in *Instance) dropCertificate(c *security.Catalog, name string) error {
	cert := c.Certificate(name)
	if cert == nil {
		return sqlerr.New(15151, "drop", "certificate", name)
	}
	if ep := in.Endpoint(); ep != nil && strings.EqualFold(ep.Certificate, cert.Name) {
		return sqlerr.New(3729, "DROP CERTIFICATE", cert.Name, ep.Name)
	}
	for _, l := range c.Logins {
		if strings.EqualFold(l.Certificate, cert.Name) {
			return sqlerr.New(3729, "DROP CERTIFICATE", cert.Name, l.Name)
		}
	}
	c.Certificates = slices.DeleteFunc(c.Certificates, func(o *security.Certificate) bool { return o == cert })
	return nil
}

// EndpointCertificate returns a certificate held in master with its
// private key, for the endpoint to present (AUTHENTICATION = CERTIFICATE).
func (in *Instance) EndpointCertificate(name string) (*tls.Certificate, error) {
	c := in.security()
	cert := c.Certificate(name)
	if cert == nil {
		return nil, sqlerr.New(15151, "find", "certificate", name)
	}
	if cert.PrivateKey == nil {
		return nil, fmt.Errorf("certificate %s has no private key: it is a peer's public certificate", cert.Name)
	}
	dmk, err := in.masterKey(c)
	if err != nil {
		return nil, err
	}
	return security.TLSCertificate(cert, dmk)
}

// CertificateLogin maps a certificate a peer presented to the login it
// authenticates (security.Catalog.CertificateLogin).
func (in *Instance) CertificateLogin(peer *x509.Certificate) (string, error) {
	return in.security().CertificateLogin(peer)
}
