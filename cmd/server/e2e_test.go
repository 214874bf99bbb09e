package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"mirrordb/server/servertest"
)

// TestMirroringSeedScript runs e2e/mirroring-seed.sh: the seed's set-up
// between two real server processes, driven by psql, then failover and
// back, kill -9 of the mirror and a restart of both.
func TestMirroringSeedScript(t *testing.T) { runE2E(t, "mirroring-seed.sh", 2) }

// TestSecurityScript runs e2e/security.sh: the README's security
// walk-through with three real processes and psql over SCRAM-SHA-256.
func TestSecurityScript(t *testing.T) { runE2E(t, "security.sh", 3) }

// TestDiskFullScript runs e2e/disk-full.sh: a database on a real 24 MB
// filesystem filled by concurrent psql writers, then given space back.
func TestDiskFullScript(t *testing.T) { runE2E(t, "disk-full.sh", 1) }

// runE2E builds the server and runs an e2e script with n loopback
// addresses (HOST1..n), an endpoint port free on all of them (PORT) and a
// SQL port on each (SQLPORT1..n); the script must print "PASS:".
func runE2E(t *testing.T, script string, n int) {
	bin := buildForScript(t)
	hosts := servertest.LoopbackHosts(n)
	cmd := exec.Command("bash", "../../e2e/"+script, bin)
	cmd.Env = append(cmd.Environ(), "PORT="+strconv.Itoa(servertest.FreePort(t, hosts...)))
	for i, h := range hosts {
		cmd.Env = append(cmd.Env, fmt.Sprintf("HOST%d=%s", i+1, h), fmt.Sprintf("SQLPORT%d=%d", i+1, servertest.FreePort(t, h)))
	}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "PASS:") {
		t.Fatalf("e2e/%s failed (%v):\n%s", script, err, out)
	}
	t.Log(string(out[strings.LastIndex(string(out), "PASS:"):]))
}

// buildForScript checks that the tools scripts use are installed and
// builds the server binary for a script to run.
func buildForScript(t *testing.T) string {
	for _, tool := range []string{"bash", "psql", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found (./test.sh installs what the tests need): %v", tool, err)
		}
	}
	bin := filepath.Join(t.TempDir(), "mirrordb")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}
