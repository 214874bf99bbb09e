package server_test

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"mirrordb/server/servertest"
)

// TestPsqlScripts runs each testdata/psql/*.sql file through the real psql
// client (`psql -X -f file`), as a user would, and compares everything psql
// prints (results, notices, errors, in order) with the .out file next to
// it. -rewrite regenerates the .out files. psql is required: CI installs
// Debian's postgresql-client.
func TestPsqlScripts(t *testing.T) {
	psql := needPsql(t)
	files, err := filepath.Glob("../testdata/psql/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no psql scripts found: %v", err)
	}
	rewrite := false
	if f := flag.Lookup("rewrite"); f != nil {
		rewrite = f.Value.String() == "true"
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			srv := servertest.Start(t, "")
			host, port, _ := strings.Cut(srv.Addr(), ":")
			cmd := exec.Command(psql, "-X", "-h", host, "-p", port, "-U", "dba", "-d", "master",
				"-v", "ON_ERROR_STOP=0", "-f", filepath.Base(file))
			cmd.Dir = filepath.Dir(file)
			cmd.Env = append(os.Environ(), "PGSSLMODE=disable", "PGCONNECT_TIMEOUT=10", "LC_ALL=C")
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			_ = cmd.Run() // psql exits non-zero after an error; the output is what matters
			golden := strings.TrimSuffix(file, ".sql") + ".out"
			if rewrite {
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -rewrite to create it)", err)
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Fatalf("psql output differs from %s:\n--- got\n%s\n--- want\n%s", golden, out.String(), want)
			}
		})
	}
}

// needPsql is the path of the psql client, which the tests require (CI
// installs Debian's postgresql-client).
func needPsql(t *testing.T) string {
	t.Helper()
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Fatal("psql not found: run the tests with ./test.sh, which installs it")
	}
	return psql
}
