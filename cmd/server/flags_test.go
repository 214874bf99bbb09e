package main

import (
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
