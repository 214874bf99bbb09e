package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFlags(t *testing.T) {
	o, err := parseFlags(nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.dataDir != "./data" || o.listen != "127.0.0.1:5432" || o.name != "" || o.maxMessageSize != 64<<20 {
		t.Fatalf("defaults changed: %+v", o)
	}
	o, err = parseFlags([]string{"--data", "/x", "--listen", "127.0.0.2:7000", "--name", "P1", "--log-level", "debug"})
	if err != nil || o.dataDir != "/x" || o.listen != "127.0.0.2:7000" || o.name != "P1" || o.logLevel != "debug" {
		t.Fatalf("flags: %+v %v", o, err)
	}
	if o.demo || o.demoDir != "./demo-data" || o.demoFreePorts {
		t.Fatalf("demo defaults changed: %+v", o)
	}
	o, err = parseFlags([]string{"--demo", "--demo-dir", "/d", "--demo-free-ports", "--log-level", "debug"})
	if err != nil || !o.demo || o.demoDir != "/d" || !o.demoFreePorts {
		t.Fatalf("demo flags: %+v %v", o, err)
	}
	if _, err := parseFlags([]string{"--demo", "--listen", "127.0.0.1:1"}); err == nil || !strings.Contains(err.Error(), "--listen") {
		t.Fatalf("--listen with --demo: %v", err)
	}
	if _, err := parseFlags([]string{"stray"}); err == nil {
		t.Fatal("stray argument accepted")
	}
	if code := run([]string{"--log-level", "loud"}); code != 2 {
		t.Fatalf("bad log level exit code %d", code)
	}
	if code := run([]string{"--listen", "0.0.0.0:0", "--data", t.TempDir()}); code != 1 {
		t.Fatalf("non-loopback listen exit code %d", code)
	}
}

// TestSAPasswordSources: --sa-password-file's first line, else
// $MIRRORDB_SA_PASSWORD; an empty or missing file is an error.
func TestSAPasswordSources(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	t.Setenv("MIRRORDB_SA_PASSWORD", "from-env")
	for _, c := range []struct {
		file, want string
		fails      bool
	}{
		{"", "from-env", false},
		{write("crlf", "P@ssw0rd!\r\nignored\n"), "P@ssw0rd!", false},
		{write("plain", "P@ssw0rd!"), "P@ssw0rd!", false},
		{write("empty", "\n"), "", true},
		{filepath.Join(dir, "missing"), "", true},
	} {
		got, err := readSAPassword(c.file)
		if (err != nil) != c.fails || got != c.want {
			t.Errorf("readSAPassword(%q) = %q, %v", c.file, got, err)
		}
	}
	if code := run([]string{"--sa-password-file", filepath.Join(dir, "missing"), "--data", dir}); code != 2 {
		t.Fatalf("missing password file exit code %d", code)
	}
}
