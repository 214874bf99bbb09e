package security

import (
	"bytes"
	"crypto/x509"
	"os"
	"slices"
	"strings"
	"time"

	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// The statements of the database master key and certificates (SPEC §2.5):
// the checks that need the instance (its files, the endpoint using a
// certificate) are made through Instance.

// OpenMasterKey opens the database master key with the instance's service
// master key: 15581 when master has none.
func OpenMasterKey(c *Catalog, in Instance) ([]byte, error) {
	if c.MasterKey == nil {
		return nil, sqlerr.New(15581)
	}
	smk, err := in.ServiceMasterKey()
	if err != nil {
		return nil, err
	}
	return c.MasterKey.Open(smk)
}

func createMasterKey(c *Catalog, in Instance, password string) error {
	if c.MasterKey != nil {
		return sqlerr.New(15578)
	}
	smk, err := in.ServiceMasterKey()
	if err != nil {
		return err
	}
	c.MasterKey, err = NewMasterKey(smk, password, in.Now())
	return err
}

// certMaker produces a certificate's DER and, when it has one, its private
// key (PKCS #8).
type certMaker func() (der, pkcs8 []byte, err error)

// createCertificate binds CREATE CERTIFICATE: generated (WITH SUBJECT) or
// read (FROM FILE). A certificate created outside its validity period is
// created with a warning.
func createCertificate(x *parser.CreateCertificate, s Session, in Instance) (Change, error) {
	mk, err := certificateMaker(x, s, in)
	if err != nil {
		return nil, err
	}
	return func(c *Catalog) (*sqlerr.Error, error) {
		if err := addCertificate(c, in, x, mk); err != nil {
			return nil, err
		}
		return ValidityWarning(c.Certificate(x.Name), in.Now()), nil
	}, nil
}

func certificateMaker(x *parser.CreateCertificate, s Session, in Instance) (certMaker, error) {
	if x.FromFile != "" {
		return func() ([]byte, []byte, error) { return readCertificateFiles(in, x) }, nil
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
			return nil, s.At(x.Pos, sqlerr.New(241))
		}
		*d.into = t.UTC()
	}
	return func() ([]byte, []byte, error) {
		from, until := start, expiry
		if from.IsZero() {
			from = in.Now().Truncate(time.Second)
		}
		if until.IsZero() {
			until = from.AddDate(1, 0, 0)
		}
		return GenerateCertificate(x.Subject, from, until)
	}, nil
}

func addCertificate(c *Catalog, in Instance, x *parser.CreateCertificate, mk certMaker) error {
	if c.Certificate(x.Name) != nil {
		return sqlerr.New(15232, x.Name)
	}
	owner := DboUserID
	if x.Authorization != "" {
		u := c.User(x.Authorization)
		if u == nil {
			return sqlerr.New(15151, "find", "user", x.Authorization)
		}
		owner = u.ID
	}
	der, pkcs8, err := mk()
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
		if dmk, err = OpenMasterKey(c, in); err != nil {
			return err
		}
	}
	cert, err := NewCertificate(x.Name, c.NewID(), owner, der, pkcs8, dmk, in.Now())
	if err != nil {
		return err
	}
	c.Certificates = append(c.Certificates, cert)
	return nil
}

// readCertificateFiles reads FROM FILE and the optional private key file.
func readCertificateFiles(in Instance, x *parser.CreateCertificate) (der, pkcs8 []byte, err error) {
	raw, err := os.ReadFile(in.Path(x.FromFile))
	if err != nil {
		return nil, nil, sqlerr.New(15208)
	}
	if x.PrivateKey == nil {
		return ReadCertificateFiles(raw, nil, "")
	}
	keyFile, err := os.ReadFile(in.Path(x.PrivateKey.File))
	if err != nil {
		return nil, nil, sqlerr.New(15208)
	}
	return ReadCertificateFiles(raw, keyFile, x.PrivateKey.Password)
}

// backupCertificate writes the public part (DER, like SQL Server's .cer)
// and, WITH PRIVATE KEY, the private key sealed by the given password.
// Existing files are never overwritten (15240).
func backupCertificate(c *Catalog, in Instance, x *parser.BackupCertificate) error {
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
		dmk, err := OpenMasterKey(c, in)
		if err != nil {
			return err
		}
		if keyFile, err = PrivateKeyFile(cert, dmk, x.PrivateKey.Password); err != nil {
			return err
		}
	}
	if err := writeNewFile(in.Path(x.File), cert.DER); err != nil {
		return err
	}
	if keyFile != nil {
		if err := writeNewFile(in.Path(x.PrivateKey.File), keyFile); err != nil {
			return err
		}
		cert.LastBackup = in.Now()
	}
	return nil
}

func writeNewFile(path string, data []byte) error {
	if err := WriteFileSync(path, data, 0o600); err != nil {
		e := sqlerr.New(15240, path)
		e.Detail = err.Error()
		return e
	}
	return nil
}

// dropCertificate removes a certificate nothing uses: 3729 while the
// endpoint or a login depends on it.
func dropCertificate(c *Catalog, in Instance, name string) error {
	cert := c.Certificate(name)
	if cert == nil {
		return sqlerr.New(15151, "drop", "certificate", name)
	}
	if ep, epCert := in.Endpoint(); ep != "" && strings.EqualFold(epCert, cert.Name) {
		return sqlerr.New(3729, "DROP CERTIFICATE", cert.Name, ep)
	}
	for _, l := range c.Logins {
		if strings.EqualFold(l.Certificate, cert.Name) {
			return sqlerr.New(3729, "DROP CERTIFICATE", cert.Name, l.Name)
		}
	}
	c.Certificates = slices.DeleteFunc(c.Certificates, func(o *Certificate) bool { return o == cert })
	return nil
}
