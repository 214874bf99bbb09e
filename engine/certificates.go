package engine

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"

	"mirrordb/engine/security"
	"mirrordb/sqlerr"
)

// The instance's certificates as the mirroring endpoint uses them: its own
// to present, and the mapping of a peer's to a login (the certificate
// statements are package security's).

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
	dmk, err := security.OpenMasterKey(c, securityInstance{in})
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
