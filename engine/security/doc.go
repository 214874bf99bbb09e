// Package security is the server's security catalog and the rules and keys
// it holds: logins (SQL, Windows, certificate-mapped) and master's users,
// the password policy and SCRAM verifiers, CONNECT grants on the mirroring
// endpoint and the decision whether a peer may connect, the database
// master key, and certificates (generated, read from and written to
// files, presented and matched at the endpoint's TLS handshake).
//
// It knows no SQL: the engine parses the statements (CREATE LOGIN, GRANT,
// CREATE CERTIFICATE, ...), checks who may run them, stores the catalog in
// master and publishes it; this package holds what those statements
// change and decide, so it can be read and tested apart from sessions and
// storage. See docs/ARCHITECTURE.md.
package security
