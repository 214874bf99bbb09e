package mirroring_test

import (
	"encoding/json"
	"testing"

	"mirrordb/mirroring/monitor"
)

// apiStatus is /api/status as a client reads it: the JSON names are
// spelled out here, so renaming one on the server fails this test.
type apiStatus struct {
	Server   string `json:"server"`
	Time     string `json:"time"`
	Sessions []struct {
		Database      string  `json:"database"`
		Role          string  `json:"role"`
		State         string  `json:"state"`
		Safety        string  `json:"safety"`
		OperatingMode string  `json:"operating_mode"`
		Partner       string  `json:"partner"`
		PartnerServer string  `json:"partner_instance"`
		Witness       string  `json:"witness"`
		RoleSequence  int64   `json:"role_sequence"`
		TimeoutSec    int     `json:"timeout_sec"`
		EndOfLogLSN   *uint64 `json:"end_of_log_lsn"`
		Available     bool    `json:"available"`
		Figures       struct {
			UnsentLogKB     *float64 `json:"unsent_log_kb"`
			UnrestoredLogKB *float64 `json:"unrestored_log_kb"`
			SendRateKBps    *float64 `json:"send_rate_kbps"`
		} `json:"figures"`
	} `json:"sessions"`
	Connections []struct {
		RemoteServer string `json:"remote_server_name"`
		State        string `json:"state"`
	} `json:"connections"`
}

// TestMonitorStatusAPI: /api/status answers JSON for each partner of a
// SYNCHRONIZED session, readable from any origin.
func TestMonitorStatusAPI(t *testing.T) {
	a, b := pairedNodesWith(t, "Shop", func(n *node) { n.http = true })
	for _, c := range []struct {
		n, partner           *node
		role                 string
		available, connected bool
	}{{a, b, "PRINCIPAL", true, true}, {b, a, "MIRROR", false, true}} {
		resp, body := c.n.fetch("/api/status")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" ||
			resp.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Fatalf("%s /api/status: %d %v\n%s", c.n.name, resp.StatusCode, resp.Header, body)
		}
		var st apiStatus
		if err := json.Unmarshal([]byte(body), &st); err != nil {
			t.Fatalf("%s /api/status: %v\n%s", c.n.name, err, body)
		}
		if st.Server != c.n.name || st.Time == "" || len(st.Sessions) != 1 {
			t.Fatalf("%s /api/status: want server %s, a time and one session:\n%s", c.n.name, c.n.name, body)
		}
		s := st.Sessions[0]
		if s.Database != "Shop" || s.Role != c.role || s.State != "SYNCHRONIZED" || s.Safety != "FULL" ||
			s.OperatingMode != monitor.HighSafety || s.Partner != c.partner.address() ||
			s.PartnerServer != c.partner.name || s.Witness != "" || s.RoleSequence != 1 || s.TimeoutSec != 10 ||
			s.Available != c.available || s.EndOfLogLSN == nil || *s.EndOfLogLSN == 0 ||
			s.Figures.UnsentLogKB == nil || s.Figures.UnrestoredLogKB == nil || s.Figures.SendRateKBps == nil {
			t.Fatalf("%s /api/status: wrong session:\n%s", c.n.name, body)
		}
		logged := false
		for _, conn := range st.Connections {
			logged = logged || conn.RemoteServer == c.partner.name && conn.State == "LOGGED_IN"
		}
		if !logged {
			t.Fatalf("%s /api/status: no LOGGED_IN connection to %s:\n%s", c.n.name, c.partner.name, body)
		}
	}

}
