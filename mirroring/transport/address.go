package transport

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// ParseAddress validates a server network address, TCP://host:port (the
// scheme in any case; host a DNS name, an IPv4 address or an IPv6 address
// in brackets; port 1..65535), and returns its host (without brackets) and
// port. The error says what is wrong with the address; the caller reports
// it as Msg 1449.
func ParseAddress(s string) (host string, port int, err error) {
	const scheme = "tcp://"
	if len(s) < len(scheme) || !strings.EqualFold(s[:len(scheme)], scheme) {
		return "", 0, addressError(s, "it does not start with TCP://")
	}
	rest := s[len(scheme):]
	var portText string
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return "", 0, addressError(s, "the IPv6 address has no closing ]")
		}
		host = rest[1:end]
		if a, err := netip.ParseAddr(host); err != nil || !a.Is6() {
			return "", 0, addressError(s, fmt.Sprintf("[%s] is not an IPv6 address", host))
		}
		after := rest[end+1:]
		if !strings.HasPrefix(after, ":") {
			return "", 0, addressError(s, "the port is missing (expected :port after ])")
		}
		portText = after[1:]
	} else {
		i := strings.LastIndexByte(rest, ':')
		if i < 0 {
			return "", 0, addressError(s, "the port is missing (expected TCP://host:port)")
		}
		host, portText = rest[:i], rest[i+1:]
		if strings.Contains(host, ":") {
			return "", 0, addressError(s, "an IPv6 address must be in brackets, as in TCP://[2001:db8::1]:7022")
		}
		if host == "" {
			return "", 0, addressError(s, "the host is missing")
		}
		if err := checkHost(host); err != nil {
			return "", 0, addressError(s, err.Error())
		}
	}
	if portText == "" {
		return "", 0, addressError(s, "the port is missing")
	}
	if len(portText) > 5 || strings.Trim(portText, "0123456789") != "" {
		return "", 0, addressError(s, fmt.Sprintf("port %q is not a number from 1 to 65535", portText))
	}
	port, _ = strconv.Atoi(portText)
	if port < 1 || port > 65535 {
		return "", 0, addressError(s, fmt.Sprintf("port %d is outside 1..65535", port))
	}
	return host, port, nil
}

func addressError(s, why string) error {
	return fmt.Errorf("invalid server network address %q: %s", s, why)
}

// checkHost accepts an IPv4 address or a DNS name (letters, digits,
// hyphens and underscores in labels of 1..63 characters, a trailing dot
// allowed). A host of only digits and dots must be a valid IPv4 address.
func checkHost(h string) error {
	if strings.Trim(h, "0123456789.") == "" {
		if a, err := netip.ParseAddr(h); err != nil || !a.Is4() {
			return fmt.Errorf("%s is not a valid IPv4 address", h)
		}
		return nil
	}
	if len(h) > 253 {
		return fmt.Errorf("the host name is longer than 253 characters")
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if label == "" {
			return fmt.Errorf("host name %q has an empty label", h)
		}
		if len(label) > 63 {
			return fmt.Errorf("host name %q has a label longer than 63 characters", h)
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("host name %q has a label that begins or ends with a hyphen", h)
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return fmt.Errorf("host name %q contains %q", h, c)
			}
		}
	}
	return nil
}

// addressKey is the canonical form of a parsed address used to match
// connections by address without resolving names: IP literals in their
// canonical text, names in lower case without a trailing dot.
func addressKey(host string, port int) string {
	if a, err := netip.ParseAddr(host); err == nil {
		host = a.Unmap().String()
	} else {
		host = strings.ToLower(strings.TrimSuffix(host, "."))
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// keyOf is addressKey of an unparsed address, "" when it does not parse.
func keyOf(address string) string {
	host, port, err := ParseAddress(address)
	if err != nil {
		return ""
	}
	return addressKey(host, port)
}

// resolveTimeout bounds the name lookups of SameEndpoint.
const resolveTimeout = 2 * time.Second

// SameEndpoint reports whether two server network addresses denote the
// same endpoint: equal ports, and hosts that are the same name or resolve
// to a common IP address ("localhost" and 127.0.0.1 match; 127.0.0.2 and
// 127.0.0.3 do not). An address that does not parse matches nothing.
func SameEndpoint(a, b string) bool {
	ha, pa, err := ParseAddress(a)
	if err != nil {
		return false
	}
	hb, pb, err := ParseAddress(b)
	if err != nil || pa != pb {
		return false
	}
	if addressKey(ha, pa) == addressKey(hb, pb) {
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), resolveTimeout)
	defer cancel()
	ipsA, ipsB := resolve(ctx, ha), resolve(ctx, hb)
	for _, x := range ipsA {
		for _, y := range ipsB {
			if x == y {
				return true
			}
		}
	}
	return false
}

// resolve returns the addresses of host (itself when it is an IP
// literal), nil when it cannot be resolved.
func resolve(ctx context.Context, host string) []netip.Addr {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a.Unmap().WithZone("")}
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil
	}
	for i := range ips {
		ips[i] = ips[i].Unmap().WithZone("")
	}
	return ips
}

// formatAddress is the TCP:// form of a bound listener address.
func formatAddress(a net.Addr) string {
	if t, ok := a.(*net.TCPAddr); ok {
		return "TCP://" + net.JoinHostPort(t.IP.String(), strconv.Itoa(t.Port))
	}
	return "TCP://" + a.String()
}
