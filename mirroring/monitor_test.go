package mirroring_test

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
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

// metric reads one sample of the node's /metrics: the line that starts
// with series (name and labels), or -1 when there is none.
func (n *node) metric(series string) float64 {
	n.t.Helper()
	_, text := n.get("/metrics")
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				n.t.Fatalf("%s: %q: %v", n.name, line, err)
			}
			return f
		}
	}
	return -1
}

// waitMetric polls until cond holds for the series' value.
func (n *node) waitMetric(series string, what string, cond func(float64) bool) float64 {
	n.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		v := n.metric(series)
		if cond(v) {
			return v
		}
		if time.Now().After(deadline) {
			n.t.Fatalf("%s: %s is %v, want %s", n.name, series, v, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func positive(v float64) bool { return v > 0 }

// TestMonitorFigures: under load the principal reports its log generation,
// transaction and send rates, commit and mirror-wait histograms and the
// endpoint's round trips; the mirror reports its redo rate; a suspended
// session shows the unsent log and the age of its oldest transaction,
// which drain to zero after RESUME.
func TestMonitorFigures(t *testing.T) {
	a, b := pairedNodesWith(t, "Fig", func(n *node) { n.http = true })
	w := startWriters(t, "Fig", 4, a, b)
	db := `{database="Fig"}`
	a.waitMetric("mirrordb_mirroring_transactions_per_second"+db, "> 0", positive)
	a.waitMetric("mirrordb_mirroring_log_generation_kb_per_second"+db, "> 0", positive)
	a.waitMetric("mirrordb_mirroring_send_rate_kb_per_second"+db, "> 0", positive)
	b.waitMetric("mirrordb_mirroring_recovery_rate_kb_per_second"+db, "> 0", positive)
	a.waitMetric("mirrordb_commit_duration_seconds_count"+db, "> 0", positive)
	a.waitMetric("mirrordb_mirroring_commit_delay_seconds_count"+db, "> 0", positive)
	a.waitMetric(`mirrordb_mirroring_ping_rtt_seconds_count{instance="BRAVO"}`, "> 0", positive)
	b.waitMetric(`mirrordb_mirroring_ping_rtt_seconds_count{instance="ALPHA"}`, "> 0", positive)
	if v := b.metric("mirrordb_mirroring_unrestored_log_kb" + db); v < 0 {
		t.Fatalf("the mirror reports no redo queue")
	}
	w.Finish()

	a.exec(`ALTER DATABASE Fig SET PARTNER SUSPEND`)
	a.waitState("Fig", "PRINCIPAL", "SUSPENDED")
	for i := range 50 {
		a.exec(fmt.Sprintf(`INSERT INTO Fig.dbo.t (id, worker) VALUES (%d, -1)`, -1-i)) // writers' ids are positive
	}
	a.waitMetric("mirrordb_mirroring_unsent_log_kb"+db, "> 0", positive)
	a.waitMetric("mirrordb_mirroring_oldest_unsent_transaction_seconds"+db, "> 0", positive)
	a.exec(`ALTER DATABASE Fig SET PARTNER RESUME`)
	a.waitState("Fig", "PRINCIPAL", "SYNCHRONIZED")
	zero := func(v float64) bool { return v == 0 }
	a.waitMetric("mirrordb_mirroring_unsent_log_kb"+db, "0", zero)
	a.waitMetric("mirrordb_mirroring_oldest_unsent_transaction_seconds"+db, "0", zero)
}
