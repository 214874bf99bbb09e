package mirroring_test

import (
	"context"
	"encoding/json"
	"image/png"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

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
// SYNCHRONIZED session, readable from any origin, and / serves the page.
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

	for path, want := range map[string]string{"/": "text/html; charset=utf-8",
		"/page/monitor.js": "text/javascript; charset=utf-8", "/page/monitor.css": "text/css; charset=utf-8"} {
		resp, body := a.fetch(path)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != want {
			t.Fatalf("GET %s: %d %q, want 200 %q", path, resp.StatusCode, resp.Header.Get("Content-Type"), want)
		}
		if path == "/" && !strings.Contains(body, `<script src="page/monitor.js">`) {
			t.Fatalf("GET /: no script in\n%s", body)
		}
	}
	if code, _ := a.get("/page/nothing.js"); code != 404 {
		t.Fatalf("GET /page/nothing.js: %d, want 404", code)
	}
}

// TestMonitorPageInChromium loads the monitor page in headless Chromium:
// the rendered DOM shows the session, ?peers= adds the mirror's panel and
// a clearly unreachable one, and a screenshot is a drawn page.
func TestMonitorPageInChromium(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("this test needs Chromium: run the tests with ./test.sh, which installs it: %v", err)
	}
	a, b := pairedNodesWith(t, "Shop", func(n *node) { n.http = true })

	dom := chromiumRun(t, chromium, a.httpURL()+"/", "--dump-dom")
	panels := domPanels(t, dom)
	if len(panels) != 1 {
		t.Fatalf("want one instance panel, got %d:\n%s", len(panels), dom)
	}
	expectSession(t, dom, panels[0], "ALPHA", "PRINCIPAL")

	// A peer nothing listens on: the page must say so and go on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close()
	url := a.httpURL() + "/?peers=" + b.httpURL() + "," + dead
	shot := filepath.Join(t.TempDir(), "monitor.png")
	keepOnFailure(t, shot)
	dom = chromiumRun(t, chromium, url, "--dump-dom", "--screenshot="+shot, "--window-size=1280,800", "--hide-scrollbars")
	panels = domPanels(t, dom)
	if len(panels) != 3 {
		t.Fatalf("want 3 instance panels (self, mirror, dead peer), got %d:\n%s", len(panels), dom)
	}
	expectSession(t, dom, panels[0], "ALPHA", "PRINCIPAL")
	expectSession(t, dom, panels[1], "BRAVO", "MIRROR")
	if p := panels[2]; p.attrs["data-source"] != dead || p.attrs["data-status"] != "unreachable" ||
		!strings.Contains(p.field("error"), "UNREACHABLE") {
		t.Fatalf("the dead peer's panel does not say it is unreachable: %v\n%s", p.attrs, p.html)
	}
	checkScreenshot(t, shot, 1280, 800)
}

// chromiumRun runs headless Chromium on url with args and returns what it
// prints (the DOM with --dump-dom). Virtual time lets the page's first
// polls finish without waiting for them in real time.
func chromiumRun(t *testing.T, chromium, url string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// The profile and everything Chromium writes under $HOME (crash
	// reports) stay in the test's directory.
	profile := t.TempDir()
	args = append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--disable-extensions", "--disable-background-networking", "--mute-audio",
		"--user-data-dir=" + profile, "--virtual-time-budget=3000"}, args...)
	cmd := exec.CommandContext(ctx, chromium, append(args, url)...)
	cmd.Env = append(os.Environ(), "HOME="+profile, "XDG_CONFIG_HOME="+profile, "XDG_CACHE_HOME="+profile)
	// Chromium forks helpers: give them a process group to end together.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var out, errs strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errs
	err := cmd.Run()
	if cmd.Process != nil { // helpers that outlived the browser, if any
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	if err != nil {
		t.Fatalf("chromium %s: %v\n%s", url, err, errs.String())
	}
	return out.String()
}

// domPanel is one instance's <section> of a dumped page.
type domPanel struct {
	attrs map[string]string
	html  string
}

var (
	sectionRE = regexp.MustCompile(`(?s)<section ([^>]*class="instance"[^>]*)>(.*?)</section>`)
	articleRE = regexp.MustCompile(`(?s)<article ([^>]*class="session"[^>]*)>(.*?)</article>`)
	attrRE    = regexp.MustCompile(`([\w-]+)="([^"]*)"`)
)

func attrs(s string) map[string]string {
	out := map[string]string{}
	for _, m := range attrRE.FindAllStringSubmatch(s, -1) {
		out[m[1]] = m[2]
	}
	return out
}

// domPanels checks that the page marked itself ready and returns its
// instance panels in order.
func domPanels(t *testing.T, dom string) []domPanel {
	t.Helper()
	if !regexp.MustCompile(`<html[^>]*data-ready="true"`).MatchString(dom) {
		t.Fatalf("the page never finished its first poll:\n%s", dom)
	}
	var out []domPanel
	for _, m := range sectionRE.FindAllStringSubmatch(dom, -1) {
		out = append(out, domPanel{attrs(m[1]), m[2]})
	}
	return out
}

// field is the text of the panel's first element with data-field=name.
func (p domPanel) field(name string) string {
	m := regexp.MustCompile(`data-field="` + name + `"[^>]*>([^<]*)<`).FindStringSubmatch(p.html)
	if m == nil {
		return ""
	}
	return m[1]
}

// expectSession checks that panel p shows server's session of Shop,
// SYNCHRONIZED in role, with the figures of that role.
func expectSession(t *testing.T, dom string, p domPanel, server, role string) {
	t.Helper()
	if p.attrs["data-status"] != "ok" || p.attrs["data-server"] != server || p.field("server") != server {
		t.Fatalf("panel %v is not %s's, or not ok:\n%s", p.attrs, server, dom)
	}
	m := articleRE.FindStringSubmatch(p.html)
	if m == nil {
		t.Fatalf("%s's panel shows no session:\n%s", server, p.html)
	}
	a, s := attrs(m[1]), domPanel{html: m[2]}
	figure := map[string]string{"PRINCIPAL": "unsent_log_kb", "MIRROR": "unrestored_log_kb"}[role]
	if a["data-db"] != "Shop" || a["data-role"] != role || a["data-state"] != "SYNCHRONIZED" ||
		s.field("role") != role || s.field("state") != "SYNCHRONIZED" || s.field("database") != "Shop" ||
		s.field("operating_mode") != monitor.HighSafety || !strings.HasSuffix(s.field(figure), " KB") {
		t.Fatalf("%s's session is not Shop %s SYNCHRONIZED with %s:\n%s", server, role, figure, m[0])
	}
	if !regexp.MustCompile(`<tr class="connection" data-remote="[^"]+"`).MatchString(p.html) {
		t.Fatalf("%s's panel lists no endpoint connection:\n%s", server, p.html)
	}
}

// checkScreenshot decodes the PNG and checks it is width×height and shows
// a drawn page: many colours and a good share of pixels unlike the most
// common one (the background).
func checkScreenshot(t *testing.T, file string, width, height int) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot %s: %v", file, err)
	}
	r := img.Bounds()
	if r.Dx() != width || r.Dy() != height {
		t.Fatalf("screenshot %s is %dx%d, want %dx%d", file, r.Dx(), r.Dy(), width, height)
	}
	counts := map[[4]uint32]int{}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, ca := img.At(x, y).RGBA()
			counts[[4]uint32{cr, cg, cb, ca}]++
		}
	}
	most := 0
	for _, n := range counts {
		most = max(most, n)
	}
	other := float64(width*height-most) / float64(width*height)
	if len(counts) < 50 || other < 0.2 {
		t.Fatalf("screenshot %s looks blank: %d colours, %.0f%% of pixels off the background", file, len(counts), 100*other)
	}
	t.Logf("screenshot: %d colours, %.0f%% of pixels off the background", len(counts), 100*other)
}

// keepOnFailure copies file out of the test's temporary directory when
// the test fails (or runs with -v), so that a human can look at it.
func keepOnFailure(t *testing.T, file string) {
	t.Cleanup(func() {
		if !t.Failed() && !testing.Verbose() {
			return
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Logf("keeping %s: %v", file, err)
			return
		}
		kept := filepath.Join(os.TempDir(), "mirrordb-"+t.Name()+filepath.Ext(file))
		if err := os.WriteFile(kept, b, 0o644); err != nil {
			t.Logf("keeping %s: %v", file, err)
			return
		}
		t.Logf("screenshot kept at %s", kept)
	})
}
