// Package auth authenticates SQL clients against the instance's logins:
// SCRAM-SHA-256 (RFC 7677, what psql and pgx speak by default) for every
// login with a password; until sa has one, a loopback-only instance trusts
// the other clients and runs them as sa.
//
// A failed login looks the same whatever went wrong (no such login, wrong
// password, disabled login, no password): FATAL 18456 / 28P01 "Login
// failed for user 'x'." after a delay, with the real reason only in the
// server log, as SQL Server does. A name that is not a login still gets a
// full SCRAM conversation with a stable decoy salt, so trying names tells
// a client nothing.
package auth

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgproto3/v2"
	"github.com/xdg-go/scram"

	"mirrordb/internal/verifier"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/wire"
)

// Login is what authentication needs to know of a login.
type Login struct {
	Name     string // as the catalog spells it
	Verifier string // SCRAM-SHA-256 verifier; "" when the login has no password
	Disabled bool
}

// Logins is the catalog the authenticator reads (the engine's instance,
// through a small adapter in package server).
type Logins interface {
	// SAHasPassword reports whether sa has a password: from then on every
	// client authenticates.
	SAHasPassword() bool
	// LookupLogin finds a login by name, any case.
	LookupLogin(name string) (Login, bool)
	// AuthSecret keys the decoy credentials of unknown names.
	AuthSecret() []byte
}

// mechanism is the only SASL mechanism offered. SCRAM-SHA-256-PLUS
// (channel binding) is not offered: psql and pgx fall back to it only when
// asked to require it.
const mechanism = "SCRAM-SHA-256"

// DefaultFailureDelay is how long a failed login waits before its FATAL.
const DefaultFailureDelay = time.Second

// Authenticator implements wire.Authenticator.
type Authenticator struct {
	Logins Logins
	// Loopback is true when the instance listens on loopback addresses
	// only: then, and only while sa has no password, a client that does not
	// name a login with a password of its own is trusted and runs as sa
	// (so logins can be created, as SQL Server's scripts do, before sa's
	// password is set, and sa is never locked out).
	Loopback bool
	// FailureDelay slows every failed login down (default one second).
	FailureDelay time.Duration
	Logger       *slog.Logger
}

// Authenticate implements wire.Authenticator.
func (a *Authenticator) Authenticate(ctx context.Context, ex wire.AuthExchange, st session.Startup) (string, error) {
	login, found := a.Logins.LookupLogin(st.User)
	if a.Loopback && !a.Logins.SAHasPassword() && (!found || login.Verifier == "") {
		return "", nil
	}
	creds := verifier.Decoy(a.Logins.AuthSecret(), st.User)
	reason := "the login does not exist"
	if found {
		switch c, err := verifier.Parse(login.Verifier); {
		case login.Verifier == "":
			reason = "the login has no password (it cannot log in over SQL)"
		case err != nil:
			reason = "the login's password verifier is damaged: " + err.Error()
		default:
			creds, reason = c, ""
		}
	}
	ok, err := converse(ex, creds)
	if err != nil {
		return "", err // the client went away or broke the protocol
	}
	switch {
	case reason != "":
	case !ok:
		reason = "the password did not match"
	case login.Disabled:
		reason = "the login is disabled"
	default:
		return login.Name, nil
	}
	return "", a.fail(ctx, st, reason)
}

// fail logs why a login failed, waits the failure delay, and returns the
// error every failure shows the client.
func (a *Authenticator) fail(ctx context.Context, st session.Startup, reason string) error {
	log := a.Logger
	if log == nil {
		log = slog.Default()
	}
	log.Warn("login failed", "user", st.User, "reason", reason, "client", fmt.Sprint(st.Remote))
	delay := a.FailureDelay
	if delay == 0 {
		delay = DefaultFailureDelay
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	e := sqlerr.New(18456, st.User)
	e.Detail = "See the server log for the reason."
	return e
}

// converse runs one SCRAM-SHA-256 exchange against creds and reports
// whether the client proved it knows the password. The user name inside
// SCRAM is ignored (libpq and pgx send an empty one): the startup user is
// the one that counts.
func converse(ex wire.AuthExchange, creds scram.StoredCredentials) (bool, error) {
	srv, err := scram.SHA256.NewServer(func(string) (scram.StoredCredentials, error) { return creds, nil })
	if err != nil {
		return false, err
	}
	conv := srv.NewConversation()
	if err := ex.Request(&pgproto3.AuthenticationSASL{AuthMechanisms: []string{mechanism}}); err != nil {
		return false, err
	}
	msg, err := ex.Receive()
	if err != nil {
		return false, err
	}
	first, ok := msg.(*pgproto3.SASLInitialResponse)
	if !ok || first.AuthMechanism != mechanism {
		return false, sqlerr.Protocol(sqlerr.ProtocolViolation, "expected a SCRAM-SHA-256 initial response")
	}
	serverFirst, err := conv.Step(string(first.Data))
	if err != nil {
		return false, nil
	}
	if err := ex.Request(&pgproto3.AuthenticationSASLContinue{Data: []byte(serverFirst)}); err != nil {
		return false, err
	}
	if msg, err = ex.Receive(); err != nil {
		return false, err
	}
	final, ok := msg.(*pgproto3.SASLResponse)
	if !ok {
		return false, sqlerr.Protocol(sqlerr.ProtocolViolation, "expected a SCRAM response")
	}
	serverFinal, err := conv.Step(string(final.Data))
	if err != nil || !conv.Valid() {
		return false, nil
	}
	return true, ex.Request(&pgproto3.AuthenticationSASLFinal{Data: []byte(serverFinal)})
}
