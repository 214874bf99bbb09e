// Package verifier keeps login passwords the way PostgreSQL does: never the
// password, only a SCRAM-SHA-256 verifier (RFC 5803's
// "SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>", base64
// parts), which lets the server check a client's SCRAM proof and prove
// itself back, but not log in as the user.
package verifier

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/xdg-go/scram"
)

// Iterations is the PBKDF2 count of new verifiers (PostgreSQL's default
// scram_iterations).
const Iterations = 4096

const prefix = "SCRAM-SHA-256$"

// New makes the verifier of password with a fresh random salt.
func New(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	return derive(password, string(salt), Iterations)
}

func derive(password, salt string, iters int) (string, error) {
	client, err := scram.SHA256.NewClient("", password, "")
	if err != nil {
		return "", fmt.Errorf("password: %w", err)
	}
	c, err := client.GetStoredCredentialsWithError(scram.KeyFactors{Salt: salt, Iters: iters})
	if err != nil {
		return "", err
	}
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("%s%d:%s$%s:%s", prefix, iters, b64([]byte(salt)), b64(c.StoredKey), b64(c.ServerKey)), nil
}

// Parse turns a verifier back into what a SCRAM server needs.
func Parse(v string) (scram.StoredCredentials, error) {
	var c scram.StoredCredentials
	rest, ok := strings.CutPrefix(v, prefix)
	if !ok {
		return c, errors.New("verifier: not SCRAM-SHA-256")
	}
	factors, keys, ok := strings.Cut(rest, "$")
	iters, salt, ok1 := strings.Cut(factors, ":")
	stored, server, ok2 := strings.Cut(keys, ":")
	if !ok || !ok1 || !ok2 {
		return c, errors.New("verifier: malformed")
	}
	n, err := strconv.Atoi(iters)
	if err != nil || n < 1 {
		return c, errors.New("verifier: bad iteration count")
	}
	dec := base64.StdEncoding.DecodeString
	s, err1 := dec(salt)
	sk, err2 := dec(stored)
	vk, err3 := dec(server)
	if err := errors.Join(err1, err2, err3); err != nil {
		return c, fmt.Errorf("verifier: %w", err)
	}
	return scram.StoredCredentials{KeyFactors: scram.KeyFactors{Salt: string(s), Iters: n}, StoredKey: sk, ServerKey: vk}, nil
}

// Matches reports whether password is the one v was made from (ALTER LOGIN
// ... OLD_PASSWORD, a sa password given at start that is already set).
func Matches(v, password string) bool {
	c, err := Parse(v)
	if err != nil {
		return false
	}
	again, err := derive(password, c.Salt, c.Iters)
	return err == nil && hmac.Equal([]byte(again), []byte(v))
}

// Decoy returns credentials for a login that does not exist, derived from
// the name and a per-instance secret, so that a client trying names sees
// the same salt and iteration count each time and a conversation shaped
// exactly like a real one that fails at the end: no user enumeration.
func Decoy(secret []byte, name string) scram.StoredCredentials {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strings.ToLower(name)))
	sum := m.Sum(nil)
	return scram.StoredCredentials{KeyFactors: scram.KeyFactors{Salt: string(sum[:16]), Iters: Iterations},
		StoredKey: sum, ServerKey: sum}
}
