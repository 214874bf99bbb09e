package security

import (
	"time"
	"unicode"

	"mirrordb/internal/verifier"
	"mirrordb/sqlerr"
)

// CheckPasswordPolicy is CHECK_POLICY = ON (the default): at least eight
// characters from three of upper case, lower case, digits and symbols, as
// SQL Server on Linux requires.
func CheckPasswordPolicy(password string) *sqlerr.Error {
	var upper, lower, digit, other bool
	for _, r := range password {
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	n := 0
	for _, ok := range []bool{upper, lower, digit, other} {
		if ok {
			n++
		}
	}
	if len([]rune(password)) < 8 || n < 3 {
		return sqlerr.New(15118)
	}
	return nil
}

// SetPassword gives l a new password: its SCRAM verifier is kept, never
// the password.
func SetPassword(l *Login, password string, now time.Time) error {
	v, err := verifier.New(password)
	if err != nil {
		return err
	}
	l.Verifier, l.Modified = v, now
	return nil
}

// VerifierMatches reports whether password is the one verifier v was made
// from; an empty verifier (no password) matches none.
func VerifierMatches(v, password string) bool { return v != "" && verifier.Matches(v, password) }
