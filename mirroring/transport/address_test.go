package transport

import (
	"net"
	"strings"
	"testing"
)

func TestParseAddress(t *testing.T) {
	good := []struct {
		in   string
		host string
		port int
	}{
		{"TCP://SYSTEM46:7022", "SYSTEM46", 7022},
		{"tcp://DBSERVER8.manufacturing.Adventure-Works.com:7024", "DBSERVER8.manufacturing.Adventure-Works.com", 7024},
		{"Tcp://host_name.example.:1", "host_name.example.", 1},
		{"tcp://10.193.9.134:7023", "10.193.9.134", 7023},
		{"TCP://127.0.0.2:65535", "127.0.0.2", 65535},
		{"tcp://[2001:4898:23:1002:20f:1fff:feff:b3a3]:7022", "2001:4898:23:1002:20f:1fff:feff:b3a3", 7022},
		{"TCP://[::1]:5022", "::1", 5022},
		{"TCP://localhost:05022", "localhost", 5022},
		{"TCP://3com.example:80", "3com.example", 80},
	}
	for _, tc := range good {
		host, port, err := ParseAddress(tc.in)
		if err != nil || host != tc.host || port != tc.port {
			t.Errorf("ParseAddress(%q) = %q, %d, %v; want %q, %d", tc.in, host, port, err, tc.host, tc.port)
		}
	}
	bad := []struct{ in, why string }{
		{"SYSTEM46:7022", "does not start with TCP://"},
		{"http://SYSTEM46:7022", "does not start with TCP://"},
		{"TCP:/SYSTEM46:7022", "does not start with TCP://"},
		{"", "does not start with TCP://"},
		{"TCP://", "port is missing"},
		{"TCP://SYSTEM46", "port is missing"},
		{"TCP://SYSTEM46:", "port is missing"},
		{"TCP://:7022", "host is missing"},
		{"TCP://SYSTEM46:0", "outside 1..65535"},
		{"TCP://SYSTEM46:70000", "outside 1..65535"},
		{"TCP://SYSTEM46:123456", "not a number"},
		{"TCP://SYSTEM46:-1", "not a number"},
		{"TCP://SYSTEM46:+22", "not a number"},
		{"TCP://SYSTEM46:7022/", "not a number"},
		{"TCP://SYSTEM46:70 22", "not a number"},
		{"TCP://2001:db8::1:7022", "must be in brackets"},
		{"TCP://::1:7022", "must be in brackets"},
		{"TCP://[2001:db8::1:7022", "no closing ]"},
		{"TCP://[2001:db8::1]7022", "port is missing"},
		{"TCP://[2001:db8::1]", "port is missing"},
		{"TCP://[]:7022", "is not an IPv6 address"},
		{"TCP://[10.0.0.1]:7022", "is not an IPv6 address"},
		{"TCP://[host]:7022", "is not an IPv6 address"},
		{"TCP://256.1.1.1:7022", "not a valid IPv4 address"},
		{"TCP://10.1.1:7022", "not a valid IPv4 address"},
		{"TCP://host name:7022", "contains ' '"},
		{"TCP://host..example:7022", "empty label"},
		{"TCP://-host:7022", "hyphen"},
		{"TCP://host/path:7022", "contains '/'"},
		{"TCP://" + strings.Repeat("a", 64) + ":7022", "longer than 63"},
		{"TCP://user@host:7022", "contains '@'"},
	}
	for _, tc := range bad {
		_, _, err := ParseAddress(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.why) {
			t.Errorf("ParseAddress(%q) = %v; want an error saying %q", tc.in, err, tc.why)
		}
	}
}

func TestSameEndpoint(t *testing.T) {
	cases := []struct {
		a, b string
		same bool
	}{
		{"TCP://localhost:7022", "tcp://127.0.0.1:7022", true},
		{"TCP://LOCALHOST:7022", "tcp://localhost.:7022", true},
		{"TCP://SYSTEM46:7022", "tcp://system46:7022", true}, // same name, no lookup needed
		{"TCP://127.0.0.1:7022", "TCP://127.0.0.1:7023", false},
		{"TCP://127.0.0.2:7022", "TCP://127.0.0.3:7022", false},
		{"TCP://localhost:7022", "TCP://127.0.0.2:7022", false},
		{"TCP://[::ffff:127.0.0.1]:7022", "TCP://127.0.0.1:7022", true},
		{"TCP://[2001:db8::1]:7022", "TCP://[2001:DB8:0::1]:7022", true},
		{"TCP://127.0.0.1:7022", "127.0.0.1:7022", false},
	}
	for _, tc := range cases {
		if got := SameEndpoint(tc.a, tc.b); got != tc.same {
			t.Errorf("SameEndpoint(%q, %q) = %v", tc.a, tc.b, got)
		}
		if got := SameEndpoint(tc.b, tc.a); got != tc.same {
			t.Errorf("SameEndpoint(%q, %q) = %v", tc.b, tc.a, got)
		}
	}
}

func TestFormatAddress(t *testing.T) {
	for addr, want := range map[string]string{"127.0.0.2:7022": "TCP://127.0.0.2:7022", "[::1]:5022": "TCP://[::1]:5022"} {
		a, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := formatAddress(a); got != want {
			t.Errorf("formatAddress(%s) = %s", addr, got)
		}
		if _, _, err := ParseAddress(formatAddress(a)); err != nil {
			t.Error(err)
		}
	}
}
