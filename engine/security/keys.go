package security

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
	"strings"
	"time"

	"mirrordb/sqlerr"
)

// The database master key and certificates: what endpoints with
// AUTHENTICATION = CERTIFICATE present and accept.
//
// Keys are layered as in SQL Server. The service master key is 32 random
// bytes in <data>/service_master.key (mode 0600), made on first need; it
// stands in for the service account's protected store. CREATE MASTER KEY
// makes a random database master key and stores it twice, sealed by the
// service master key (so the instance opens it unattended) and by a key
// derived from the password. A certificate's private key is sealed by the
// database master key. Sealing is AES-256-GCM; passwords go through
// PBKDF2-HMAC-SHA-256.

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

// RandomBytes is n bytes from the system's random source (SIDs, salts).
func RandomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// ServiceMasterKey reads the instance's service master key from its data
// directory, making it the first time.
func ServiceMasterKey(dataDir string) ([]byte, error) {
	path := filepath.Join(dataDir, serviceKey)
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
	k = RandomBytes(keySize)
	return k, WriteFileSync(path, k, 0o600)
}

// WriteFileSync creates path (never overwriting) with data, synced.
func WriteFileSync(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	return errors.Join(err, f.Sync(), f.Close())
}

// NewMasterKey makes a database master key sealed by the service master
// key smk and by password.
func NewMasterKey(smk []byte, password string, now time.Time) (*MasterKey, error) {
	dmk, salt := RandomBytes(keySize), RandomBytes(16)
	pk, err := passwordKey(password, salt)
	if err != nil {
		return nil, err
	}
	byPassword, err1 := seal(pk, dmk)
	byService, err2 := seal(smk, dmk)
	if err := errors.Join(err1, err2); err != nil {
		return nil, err
	}
	return &MasterKey{Salt: salt, ByPassword: byPassword, ByService: byService, Created: now}, nil
}

// Open opens the database master key with the service master key smk.
func (m *MasterKey) Open(smk []byte) ([]byte, error) {
	k, err := unseal(smk, m.ByService)
	if err != nil {
		return nil, fmt.Errorf("opening the database master key with the service master key: %w", err)
	}
	return k, nil
}

// ValidityWarning is SQL Server's warning for a certificate created
// outside its validity period (an EXPIRY_DATE in the past, as the
// documentation's older examples have): the certificate is created, and
// endpoints refuse it at the handshake while it is not valid.
func ValidityWarning(c *Certificate, now time.Time) *sqlerr.Error {
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

// GenerateCertificate makes a self-signed ECDSA P-256 certificate usable
// by both ends of mutual TLS.
func GenerateCertificate(subject string, start, expiry time.Time) (der, pkcs8 []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: new(big.Int).SetBytes(RandomBytes(16)),
		Subject: pkix.Name{CommonName: subject}, NotBefore: start, NotAfter: expiry,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	if der, err = x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key); err != nil {
		return nil, nil, err
	}
	pkcs8, err = x509.MarshalPKCS8PrivateKey(key)
	return der, pkcs8, err
}

// NewCertificate is the catalog entry of a certificate (DER), its private
// key (PKCS #8, nil for a peer's public certificate) sealed by the
// database master key dmk; 15208 when der is not a certificate.
func NewCertificate(name string, id, owner int, der, pkcs8, dmk []byte, now time.Time) (*Certificate, error) {
	parsed, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, sqlerr.New(15208)
	}
	cert := &Certificate{Name: name, ID: id, Owner: owner, Subject: parsed.Subject.CommonName,
		Issuer: parsed.Issuer.CommonName, Serial: hex.EncodeToString(parsed.SerialNumber.Bytes()),
		Start: parsed.NotBefore.UTC(), Expiry: parsed.NotAfter.UTC(), DER: der, Created: now}
	if pkcs8 != nil {
		if cert.PrivateKey, err = seal(dmk, pkcs8); err != nil {
			return nil, err
		}
	}
	return cert, nil
}

// Private key files (BACKUP CERTIFICATE ... WITH PRIVATE KEY) are PEM
// blocks of this type: the PKCS #8 key sealed by a key derived from the
// ENCRYPTION BY PASSWORD, with the salt in a header.
const privateKeyPEM = "MIRRORDB ENCRYPTED PRIVATE KEY"

// ReadCertificateFiles reads a certificate file (DER, as BACKUP
// CERTIFICATE writes it, or PEM) and, when keyFile is not nil, its private
// key file opened with password. Errors are SQL Server's: 15208 for a
// file that is not what it should be, 15465 for a wrong password.
func ReadCertificateFiles(raw, keyFile []byte, password string) (der, pkcs8 []byte, err error) {
	der = raw
	if block, _ := pem.Decode(raw); block != nil && block.Type == "CERTIFICATE" {
		der = block.Bytes
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, sqlerr.New(15208)
	}
	if keyFile == nil {
		return der, nil, nil
	}
	block, _ := pem.Decode(keyFile)
	if block == nil || block.Type != privateKeyPEM {
		return nil, nil, sqlerr.New(15208)
	}
	salt, _ := hex.DecodeString(block.Headers["Salt"])
	k, err := passwordKey(password, salt)
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

// PrivateKeyFile is the private key file of cert (BACKUP CERTIFICATE ...
// WITH PRIVATE KEY): its key, opened with the database master key dmk,
// sealed by password.
func PrivateKeyFile(cert *Certificate, dmk []byte, password string) ([]byte, error) {
	pkcs8, err := unseal(dmk, cert.PrivateKey)
	if err != nil {
		return nil, err
	}
	salt := RandomBytes(16)
	k, err := passwordKey(password, salt)
	if err != nil {
		return nil, err
	}
	sealed, err := seal(k, pkcs8)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: privateKeyPEM, Headers: map[string]string{
		"Salt": hex.EncodeToString(salt), "KDF": fmt.Sprintf("PBKDF2-HMAC-SHA256 %d", kdfIterations)}, Bytes: sealed}), nil
}

// TLSCertificate is cert with its private key (opened with the database
// master key dmk), for the endpoint to present.
func TLSCertificate(cert *Certificate, dmk []byte) (*tls.Certificate, error) {
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
func (c *Catalog) CertificateLogin(peer *x509.Certificate) (string, error) {
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
		if u := c.UserByID(cert.Owner); u != nil && u.Login != 0 {
			if l := c.LoginByID(u.Login); l != nil {
				return l.Name, nil
			}
		}
		return "", fmt.Errorf("certificate %s (subject %q) is held in master, but no login maps to its owner", cert.Name, peer.Subject.CommonName)
	}
	return "", fmt.Errorf("no certificate in master has the public key of the certificate presented (subject %q, thumbprint %X)",
		peer.Subject.CommonName, sha1.Sum(peer.Raw))
}
