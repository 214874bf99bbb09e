package verifier

import (
	"strings"
	"testing"

	"github.com/xdg-go/scram"
)

// TestVerifierConversation: a verifier made by New lets a real SCRAM
// conversation succeed with the password and fail with another one.
func TestVerifierConversation(t *testing.T) {
	v, err := New("Str0ng!pass")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(v, "SCRAM-SHA-256$4096:") || strings.Contains(v, "Str0ng") {
		t.Fatalf("verifier %q", v)
	}
	for _, c := range []struct {
		password string
		ok       bool
	}{{"Str0ng!pass", true}, {"str0ng!pass", false}, {"", false}} {
		if got := converse(t, v, c.password); got != c.ok {
			t.Errorf("password %q: conversation valid = %v, want %v", c.password, got, c.ok)
		}
		if got := Matches(v, c.password); got != c.ok {
			t.Errorf("Matches(%q) = %v, want %v", c.password, got, c.ok)
		}
	}
	if v2, _ := New("Str0ng!pass"); v2 == v {
		t.Error("two verifiers of one password share a salt")
	}
}

func converse(t *testing.T, v, password string) bool {
	t.Helper()
	creds, err := Parse(v)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := scram.SHA256.NewServer(func(string) (scram.StoredCredentials, error) { return creds, nil })
	if err != nil {
		t.Fatal(err)
	}
	cl, err := scram.SHA256.NewClient("", password, "")
	if err != nil {
		return false
	}
	cc, sc := cl.NewConversation(), srv.NewConversation()
	msg, _ := cc.Step("")
	for !sc.Done() {
		reply, err := sc.Step(msg)
		if err != nil {
			return false
		}
		if msg, err = cc.Step(reply); err != nil {
			return false
		}
	}
	return sc.Valid()
}

func TestParseRejectsGarbage(t *testing.T) {
	for _, v := range []string{"", "md5abc", "SCRAM-SHA-256$", "SCRAM-SHA-256$x:c2FsdA==$a:b", "SCRAM-SHA-256$4096:!!$a:b"} {
		if _, err := Parse(v); err == nil {
			t.Errorf("Parse(%q) succeeded", v)
		}
	}
}

func TestDecoyIsStable(t *testing.T) {
	a, b := Decoy([]byte("k"), "Bob"), Decoy([]byte("k"), "bob")
	if a.Salt != b.Salt || Decoy([]byte("k"), "eve").Salt == a.Salt || Decoy([]byte("j"), "bob").Salt == a.Salt {
		t.Error("decoy salts must depend on the name (any case) and the secret only")
	}
}
