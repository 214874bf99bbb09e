package transport

import (
	"strings"
	"testing"
)

func TestNegotiate(t *testing.T) {
	aes, rc4, both, rev := []string{"AES"}, []string{"RC4"}, []string{"AES", "RC4"}, []string{"RC4", "AES"}
	cases := []struct {
		acc, dial policy
		want      negotiated
		err       string
	}{
		{policy{"DISABLED", aes}, policy{"DISABLED", aes}, negotiated{false, "NONE"}, ""},
		{policy{"DISABLED", aes}, policy{"SUPPORTED", aes}, negotiated{false, "NONE"}, ""},
		{policy{"SUPPORTED", aes}, policy{"DISABLED", aes}, negotiated{false, "NONE"}, ""},
		{policy{"DISABLED", aes}, policy{"REQUIRED", aes}, negotiated{}, "accepting endpoint has ENCRYPTION = DISABLED and the connecting endpoint has ENCRYPTION = REQUIRED"},
		{policy{"REQUIRED", aes}, policy{"DISABLED", aes}, negotiated{}, "accepting endpoint has ENCRYPTION = REQUIRED and the connecting endpoint has ENCRYPTION = DISABLED"},
		{policy{"SUPPORTED", aes}, policy{"SUPPORTED", aes}, negotiated{true, "AES"}, ""},
		{policy{"SUPPORTED", rc4}, policy{"REQUIRED", both}, negotiated{true, "RC4"}, ""},
		{policy{"REQUIRED", both}, policy{"REQUIRED", rev}, negotiated{true, "AES"}, ""},
		{policy{"REQUIRED", rev}, policy{"SUPPORTED", both}, negotiated{true, "RC4"}, ""},
		{policy{"REQUIRED", aes}, policy{"REQUIRED", rc4}, negotiated{}, "no common encryption algorithm: the accepting endpoint allows AES and the connecting endpoint allows RC4"},
		{policy{"SUPPORTED", rev}, policy{"SUPPORTED", nil}, negotiated{}, "allows RC4, AES and the connecting endpoint allows none"},
	}
	for _, tc := range cases {
		got, err := negotiate(tc.acc, tc.dial)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("negotiate(%v, %v) = %v; want error %q", tc.acc, tc.dial, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("negotiate(%v, %v) = %v, %v; want %v", tc.acc, tc.dial, got, err, tc.want)
		}
	}
}

func TestNormalize(t *testing.T) {
	if e, _ := normalizeEncryption(""); e != EncryptionRequired {
		t.Errorf("default encryption %s", e)
	}
	if e, _ := normalizeEncryption("supported"); e != EncryptionSupported {
		t.Errorf("lower case: %s", e)
	}
	if a, _ := normalizeAlgorithms(nil); len(a) != 1 || a[0] != AlgorithmAES {
		t.Errorf("default algorithms %v", a)
	}
	if a, _ := normalizeAlgorithms([]string{"rc4", "Aes"}); strings.Join(a, ",") != "RC4,AES" {
		t.Errorf("algorithms %v", a)
	}
	if r, _ := normalizeRole("witness"); r != RoleWitness {
		t.Errorf("role %s", r)
	}
}
