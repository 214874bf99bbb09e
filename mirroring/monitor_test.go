package mirroring_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// get fetches path from the node's monitoring listener.
func (n *node) get(path string) (int, string) {
	n.t.Helper()
	resp, body := n.fetch(path)
	return resp.StatusCode, body
}

// fetch is get with the response's header (its body already read).
func (n *node) fetch(path string) (*http.Response, string) {
	n.t.Helper()
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(n.httpURL() + path)
	if err != nil {
		n.t.Fatalf("%s: GET %s: %v", n.name, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		n.t.Fatal(err)
	}
	return resp, string(b)
}

// httpURL is the base URL of the node's monitoring listener.
func (n *node) httpURL() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return "http://" + n.srv.HTTPAddr()
}

// TestMonitoringEndpoints: --http serves /healthz, role probes for load
// balancers and Prometheus metrics, following a role switch.
func TestMonitoringEndpoints(t *testing.T) {
	a, b := pairedNodesWith(t, "Mon", func(n *node) { n.http = true })
	expect := func(n *node, path string, code int, body ...string) {
		t.Helper()
		got, text := n.get(path)
		if got != code {
			t.Fatalf("%s GET %s: %d, want %d\n%s", n.name, path, got, code, text)
		}
		for _, want := range body {
			if !strings.Contains(text, want) {
				t.Fatalf("%s GET %s: no %q in\n%s", n.name, path, want, text)
			}
		}
	}
	expect(a, "/healthz", 200, "ok")
	expect(a, "/principal", 200, "Mon PRINCIPAL SYNCHRONIZED")
	expect(a, "/mirror", 503)
	expect(b, "/mirror", 200, "Mon MIRROR SYNCHRONIZED")
	expect(b, "/principal", 503)
	expect(a, "/principal?database=master", 503, "master NOT MIRRORED")
	expect(a, "/metrics", 200, `mirrordb_mirroring_role{database="Mon"} 1`, `mirrordb_mirroring_state{database="Mon"} 4`,
		`mirrordb_mirroring_safety_level{database="Mon"} 2`, `mirrordb_database_available{database="Mon"} 1`,
		`mirrordb_mirroring_unhardened_log_records{database="Mon"} 0`, `mirrordb_mirroring_role_sequence{database="Mon"} 1`)
	expect(b, "/metrics", 200, `mirrordb_mirroring_role{database="Mon"} 2`, `mirrordb_database_available{database="Mon"} 0`)

	a.exec(`ALTER DATABASE Mon SET PARTNER FAILOVER`)
	b.waitState("Mon", "PRINCIPAL", "SYNCHRONIZED")
	a.waitState("Mon", "MIRROR", "SYNCHRONIZED")
	expect(b, "/principal?database=Mon", 200)
	expect(a, "/principal?database=Mon", 503)
	expect(b, "/metrics", 200, fmt.Sprintf(`mirrordb_mirroring_role_sequence{database="Mon"} %d`, 2))
}
