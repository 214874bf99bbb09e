package main

import (
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
func TestMirroringSeedScript(t *testing.T) {
	for _, tool := range []string{"bash", "psql", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found (.ci/run installs what the tests need): %v", tool, err)
		}
	}
	bin := filepath.Join(t.TempDir(), "mirrordb")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	hosts := servertest.LoopbackHosts(2)
	port := servertest.FreePort(t, hosts...)
	cmd := exec.Command("bash", "../../e2e/mirroring-seed.sh", bin)
	cmd.Env = append(cmd.Environ(), "HOST1="+hosts[0], "HOST2="+hosts[1], "PORT="+strconv.Itoa(port),
		"SQLPORT1="+strconv.Itoa(servertest.FreePort(t, hosts[0])), "SQLPORT2="+strconv.Itoa(servertest.FreePort(t, hosts[1])))
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "PASS:") {
		t.Fatalf("e2e/mirroring-seed.sh failed (%v):\n%s", err, out)
	}
	t.Log(string(out[strings.LastIndex(string(out), "PASS:"):]))
}
