package engine

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// The database master key and certificates (SPEC §2.5): what endpoints
// with AUTHENTICATION = CERTIFICATE present and accept.
//
// Keys are layered as in SQL Server. The service master key is 32 random
// bytes in <data>/service_master.key (mode 0600), made on first need; it
// stands in for the service account's protected store. CREATE MASTER KEY
// makes a random database master key and stores it twice, sealed by the
// service master key (so the instance opens it unattended) and by a key
// derived from the password. A certificate's private key is sealed by the
// database master key. Sealing is AES-256-GCM; passwords go through
// PBKDF2-HMAC-SHA-256.

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

func (c *securityCatalog) certificate(name string) *Certificate {
	for _, cert := range c.Certificates {
		if strings.EqualFold(cert.Name, name) {
			return cert
		}
	}
	return nil
}

const (
	kdfIterations = 100_000
	keySize       = 32
	serviceKey    = "service_master.key"
)

func seal(key, plain []byte) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return gcm.Seal(nonce, nonce, plain, nil), nil
}

func unseal(key, sealed []byte) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < gcm.NonceSize() {
		return nil, errors.New("sealed data too short")
	}
	return gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], nil)
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func passwordKey(password string, salt []byte) ([]byte, error) {
	return pbkdf2.Key(sha256.New, password, salt, kdfIterations, keySize)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// serviceMasterKey reads the instance's service master key, making it the
// first time.
func (in *Instance) serviceMasterKey() ([]byte, error) {
	path := filepath.Join(in.cfg.DataDir, serviceKey)
	k, err := os.ReadFile(path)
	if err == nil && len(k) == keySize {
		return k, nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if err == nil {
		return nil, fmt.Errorf("%s is damaged (%d bytes)", path, len(k))
	}
	k = randomBytes(keySize)
	return k, writeFileSync(path, k, 0o600)
}

func writeFileSync(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	return errors.Join(err, f.Sync(), f.Close())
}

// masterKey opens the database master key with the service master key.
func (in *Instance) masterKey(c *securityCatalog) ([]byte, error) {
	if c.MasterKey == nil {
		return nil, sqlerr.New(15581)
	}
	smk, err := in.serviceMasterKey()
	if err != nil {
		return nil, err
	}
	k, err := unseal(smk, c.MasterKey.ByService)
	if err != nil {
		return nil, fmt.Errorf("opening the database master key with the service master key: %w", err)
	}
	return k, nil
}

// planKeys binds CREATE MASTER KEY and the certificate statements.
func (b *binder) planKeys(st parser.Statement) (*stmtPlan, error) {
	in := b.s.inst
	verb := statementVerb(st)
	if err := b.masterOnly(st, verb); err != nil {
		return nil, err
	}
	var change func(c *securityCatalog) error
	switch x := st.(type) {
	case *parser.CreateMasterKey:
		if err := b.errIf(x, checkPasswordPolicy(x.Password)); err != nil {
			return nil, err
		}
		change = func(c *securityCatalog) error { return in.createMasterKey(c, x.Password) }
	case *parser.CreateCertificate:
		mk, err := b.certificateMaker(x)
		if err != nil {
			return nil, err
		}
		var warning *sqlerr.Error
		change = func(c *securityCatalog) error {
			err := in.addCertificate(c, x, mk)
			if warning = nil; err == nil {
				warning = validityWarning(c.certificate(x.Name), in.now())
			}
			return err
		}
		p := b.securityPlan(st, verb, change)
		run := p.run
		p.run = func(e *env, t *txn, w session.ResultWriter) (string, error) {
			tag, err := run(e, t, w)
			if err == nil && warning != nil {
				err = w.Notice(warning)
			}
			return tag, err
		}
		return p, nil
	case *parser.BackupCertificate:
		change = func(c *securityCatalog) error { return in.backupCertificate(c, x) }
	case *parser.DropCertificate:
		change = func(c *securityCatalog) error { return in.dropCertificate(c, x.Name) }
	}
	return b.securityPlan(st, verb, change), nil
}

func (in *Instance) createMasterKey(c *securityCatalog, password string) error {
	if c.MasterKey != nil {
		return sqlerr.New(15578)
	}
	smk, err := in.serviceMasterKey()
	if err != nil {
		return err
	}
	dmk, salt := randomBytes(keySize), randomBytes(16)
	pk, err := passwordKey(password, salt)
	if err != nil {
		return err
	}
	byPassword, err1 := seal(pk, dmk)
	byService, err2 := seal(smk, dmk)
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	c.MasterKey = &MasterKey{Salt: salt, ByPassword: byPassword, ByService: byService, Created: in.now()}
	return nil
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
		return generateCertificate(x.Subject, from, until)
	}, nil
}

// validityWarning is SQL Server's warning for a certificate created
// outside its validity period (an EXPIRY_DATE in the past, as the
// documentation's older examples have): the certificate is created, and
// endpoints refuse it at the handshake while it is not valid.
func validityWarning(c *Certificate, now time.Time) *sqlerr.Error {
	switch {
	case c == nil:
		return nil
	case c.Expiry.Before(c.Start):
		return sqlerr.New(15213)
	case c.Expiry.Before(now):
		return sqlerr.New(15214)
	case c.Start.After(now):
		return sqlerr.New(15215)
	}
	return nil
}

// generateCertificate makes a self-signed ECDSA P-256 certificate usable
// by both ends of mutual TLS.
func generateCertificate(subject string, start, expiry time.Time) (der, pkcs8 []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: new(big.Int).SetBytes(randomBytes(16)),
		Subject: pkix.Name{CommonName: subject}, NotBefore: start, NotAfter: expiry,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	if der, err = x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key); err != nil {
		return nil, nil, err
	}
	pkcs8, err = x509.MarshalPKCS8PrivateKey(key)
	return der, pkcs8, err
}

func (in *Instance) addCertificate(c *securityCatalog, x *parser.CreateCertificate, mk certMaker) error {
	if c.certificate(x.Name) != nil {
		return sqlerr.New(15232, x.Name)
	}
	owner := dboUserID
	if x.Authorization != "" {
		u := c.user(x.Authorization)
		if u == nil {
			return sqlerr.New(15151, "find", "user", x.Authorization)
		}
		owner = u.ID
	}
	der, pkcs8, err := mk(in)
	if err != nil {
		return err
	}
	parsed, err := x509.ParseCertificate(der)
	if err != nil {
		return sqlerr.New(15208)
	}
	for _, other := range c.Certificates {
		if bytes.Equal(other.DER, der) {
			return sqlerr.New(15232, x.Name)
		}
	}
	cert := &Certificate{Name: x.Name, ID: c.nextID(), Owner: owner, Subject: parsed.Subject.CommonName,
		Issuer: parsed.Issuer.CommonName, Serial: hex.EncodeToString(parsed.SerialNumber.Bytes()),
		Start: parsed.NotBefore.UTC(), Expiry: parsed.NotAfter.UTC(), DER: der, Created: in.now()}
	if pkcs8 != nil {
		dmk, err := in.masterKey(c)
		if err != nil {
			return err
		}
		if cert.PrivateKey, err = seal(dmk, pkcs8); err != nil {
			return err
		}
	}
	c.Certificates = append(c.Certificates, cert)
	return nil
}

// Private key files (BACKUP CERTIFICATE ... WITH PRIVATE KEY) are PEM
// blocks of this type: the PKCS #8 key sealed by a key derived from the
// ENCRYPTION BY PASSWORD, with the salt in a header.
const privateKeyPEM = "MIRRORDB ENCRYPTED PRIVATE KEY"

// readCertificateFiles reads FROM FILE (DER, as BACKUP CERTIFICATE writes
// it, or PEM) and the optional private key file.
func readCertificateFiles(in *Instance, x *parser.CreateCertificate) (der, pkcs8 []byte, err error) {
	raw, err := os.ReadFile(in.BackupPath(x.FromFile))
	if err != nil {
		return nil, nil, sqlerr.New(15208)
	}
	der = raw
	if block, _ := pem.Decode(raw); block != nil && block.Type == "CERTIFICATE" {
		der = block.Bytes
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, sqlerr.New(15208)
	}
	if x.PrivateKey == nil {
		return der, nil, nil
	}
	raw, err = os.ReadFile(in.BackupPath(x.PrivateKey.File))
	if err != nil {
		return nil, nil, sqlerr.New(15208)
	}
	block, _ := pem.Decode(raw)
	if block == nil || block.Type != privateKeyPEM {
		return nil, nil, sqlerr.New(15208)
	}
	salt, _ := hex.DecodeString(block.Headers["Salt"])
	k, err := passwordKey(x.PrivateKey.Password, salt)
	if err != nil {
		return nil, nil, err
	}
	if pkcs8, err = unseal(k, block.Bytes); err != nil {
		return nil, nil, sqlerr.New(15465) // wrong password or damaged file
	}
	key, err := x509.ParsePKCS8PrivateKey(pkcs8)
	if err != nil {
		return nil, nil, sqlerr.New(15208)
	}
	if pub, ok := key.(crypto.Signer); !ok || !publicKeysEqual(pub.Public(), cert.PublicKey) {
		return nil, nil, sqlerr.New(15208)
	}
	return der, pkcs8, nil
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	x, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && x.Equal(b)
}

// backupCertificate writes the public part (DER, like SQL Server's .cer)
// and, WITH PRIVATE KEY, the private key sealed by the given password.
// Existing files are never overwritten (15240).
func (in *Instance) backupCertificate(c *securityCatalog, x *parser.BackupCertificate) error {
	cert := c.certificate(x.Name)
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
		pkcs8, err := unseal(dmk, cert.PrivateKey)
		if err != nil {
			return err
		}
		salt := randomBytes(16)
		k, err := passwordKey(x.PrivateKey.Password, salt)
		if err != nil {
			return err
		}
		sealed, err := seal(k, pkcs8)
		if err != nil {
			return err
		}
		keyFile = pem.EncodeToMemory(&pem.Block{Type: privateKeyPEM, Headers: map[string]string{
			"Salt": hex.EncodeToString(salt), "KDF": fmt.Sprintf("PBKDF2-HMAC-SHA256 %d", kdfIterations)}, Bytes: sealed})
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
	if err := writeFileSync(path, data, 0o600); err != nil {
		e := sqlerr.New(15240, path)
		e.Detail = err.Error()
		return e
	}
	return nil
}

func (in *Instance) dropCertificate(c *securityCatalog, name string) error {
	cert := c.certificate(name)
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
	c.Certificates = slices.DeleteFunc(c.Certificates, func(o *Certificate) bool { return o == cert })
	return nil
}

// EndpointCertificate returns a certificate held in master with its
// private key, for the endpoint to present (AUTHENTICATION = CERTIFICATE).
func (in *Instance) EndpointCertificate(name string) (*tls.Certificate, error) {
	c := in.security()
	cert := c.certificate(name)
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
	pkcs8, err := unseal(dmk, cert.PrivateKey)
	if err != nil {
		return nil, err
	}
	key, err := x509.ParsePKCS8PrivateKey(pkcs8)
	if err != nil {
		return nil, err
	}
	leaf, err := x509.ParseCertificate(cert.DER)
	if err != nil {
		return nil, err
	}
	return &tls.Certificate{Certificate: [][]byte{cert.DER}, PrivateKey: key, Leaf: leaf}, nil
}

// CertificateLogin maps a certificate a peer presented to the login it
// authenticates: the one held in master with the same public key, through
// its owner user's login or a login FROM CERTIFICATE. The error says why
// not (logged by the endpoint as the refusal's reason).
func (in *Instance) CertificateLogin(peer *x509.Certificate) (string, error) {
	c := in.security()
	for _, cert := range c.Certificates {
		held, err := x509.ParseCertificate(cert.DER)
		if err != nil || !bytes.Equal(held.RawSubjectPublicKeyInfo, peer.RawSubjectPublicKeyInfo) {
			continue
		}
		for _, l := range c.Logins {
			if strings.EqualFold(l.Certificate, cert.Name) {
				return l.Name, nil // a login FROM CERTIFICATE
			}
		}
		// The owner user's login (dbo's is sa).
		if u := c.userByID(cert.Owner); u != nil && u.Login != 0 {
			if l := c.loginByID(u.Login); l != nil {
				return l.Name, nil
			}
		}
		return "", fmt.Errorf("certificate %s (subject %q) is held in master, but no login maps to its owner", cert.Name, peer.Subject.CommonName)
	}
	return "", fmt.Errorf("no certificate in master has the public key of the certificate presented (subject %q, thumbprint %X)",
		peer.Subject.CommonName, sha1.Sum(peer.Raw))
}
