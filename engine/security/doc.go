// Package security is the server's security catalog and the rules and keys
// it holds: logins (SQL, Windows, certificate-mapped) and master's users,
// the password policy and SCRAM verifiers, CONNECT grants on the mirroring
// endpoint and the decision whether a peer may connect, the database
// master key, and certificates (generated, read from and written to
// files, presented and matched at the endpoint's TLS handshake).
//
// It also holds the security statements (statements.go): Bind takes the
// parser's statement and returns its change of the catalog. What needs a
// session or the instance (option values, the current login, the endpoint,
// the service master key) it reaches through the Session and Instance
// interfaces, which the engine implements; the engine stores the catalog
// in master and publishes it. It knows no engine, session or storage, so
// it can be read and tested apart from them. See docs/ARCHITECTURE.md.
package security
