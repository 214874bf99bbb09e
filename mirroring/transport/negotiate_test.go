package transport

import (
	"strings"
	"testing"
)

func TestNegotiate(t *testing.T) {
	aes, rc4, both, rev := []string{"AES"}, []string{"RC4"}, []string{"AES", "RC4"}, []string{"RC4", "AES"}
	win, cert, winCert, certWin := []string{"WINDOWS"}, []string{"CERTIFICATE"}, []string{"WINDOWS", "CERTIFICATE"}, []string{"CERTIFICATE", "WINDOWS"}
	cases := []struct {
		acc, dial policy
		want      negotiated
		err       string
	}{
		{policy{"DISABLED", aes, win}, policy{"DISABLED", aes, win}, negotiated{false, "NONE", "WINDOWS"}, ""},
		{policy{"DISABLED", aes, win}, policy{"SUPPORTED", aes, win}, negotiated{false, "NONE", "WINDOWS"}, ""},
		{policy{"SUPPORTED", aes, win}, policy{"DISABLED", aes, win}, negotiated{false, "NONE", "WINDOWS"}, ""},
		{policy{"DISABLED", aes, win}, policy{"REQUIRED", aes, win}, negotiated{}, "accepting endpoint has ENCRYPTION = DISABLED and the connecting endpoint has ENCRYPTION = REQUIRED"},
		{policy{"REQUIRED", aes, win}, policy{"DISABLED", aes, win}, negotiated{}, "accepting endpoint has ENCRYPTION = REQUIRED and the connecting endpoint has ENCRYPTION = DISABLED"},
		{policy{"SUPPORTED", aes, win}, policy{"SUPPORTED", aes, win}, negotiated{true, "AES", "WINDOWS"}, ""},
		{policy{"SUPPORTED", rc4, win}, policy{"REQUIRED", both, win}, negotiated{true, "RC4", "WINDOWS"}, ""},
		{policy{"REQUIRED", both, win}, policy{"REQUIRED", rev, win}, negotiated{true, "AES", "WINDOWS"}, ""},
		{policy{"REQUIRED", rev, win}, policy{"SUPPORTED", both, win}, negotiated{true, "RC4", "WINDOWS"}, ""},
		{policy{"REQUIRED", aes, win}, policy{"REQUIRED", rc4, win}, negotiated{}, "no common encryption algorithm: the accepting endpoint allows AES and the connecting endpoint allows RC4"},
		{policy{"SUPPORTED", rev, win}, policy{"SUPPORTED", nil, win}, negotiated{}, "allows RC4, AES and the connecting endpoint allows none"},
		{policy{"REQUIRED", aes, certWin}, policy{"REQUIRED", aes, winCert}, negotiated{true, "AES", "CERTIFICATE"}, ""},
		{policy{"REQUIRED", aes, winCert}, policy{"REQUIRED", aes, certWin}, negotiated{true, "AES", "WINDOWS"}, ""},
		{policy{"DISABLED", aes, cert}, policy{"SUPPORTED", aes, winCert}, negotiated{false, "NONE", "CERTIFICATE"}, ""},
		{policy{"REQUIRED", aes, cert}, policy{"REQUIRED", aes, win}, negotiated{}, "authentication mismatch: the accepting endpoint uses CERTIFICATE and the connecting endpoint uses WINDOWS"},
		{policy{"DISABLED", aes, cert}, policy{"REQUIRED", aes, win}, negotiated{}, "encryption mismatch"},
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
	if a, _ := algorithmList.normalize(nil); len(a) != 1 || a[0] != AlgorithmAES {
		t.Errorf("default algorithms %v", a)
	}
	if a, _ := algorithmList.normalize([]string{"rc4", "Aes"}); strings.Join(a, ",") != "RC4,AES" {
		t.Errorf("algorithms %v", a)
	}
	if a, _ := authenticationList.normalize(nil); strings.Join(a, ",") != "WINDOWS" {
		t.Errorf("default authentication %v", a)
	}
	if a, _ := authenticationList.normalize([]string{"certificate", "Windows"}); strings.Join(a, ",") != "CERTIFICATE,WINDOWS" {
		t.Errorf("authentication %v", a)
	}
	for _, bad := range [][]string{{"KERBEROS"}, {"WINDOWS", "windows"}} {
		if _, err := authenticationList.normalize(bad); err == nil {
			t.Errorf("authentication %v accepted", bad)
		}
	}
	if got := authenticationList.filter([]string{"kerberos", "certificate"}); strings.Join(got, ",") != "CERTIFICATE" {
		t.Errorf("filter: %v", got)
	}
	if r, _ := normalizeRole("witness"); r != RoleWitness {
		t.Errorf("role %s", r)
	}
}
