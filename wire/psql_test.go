package wire

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestPsql is a smoke test with the real psql (./test.sh installs it).
func TestPsql(t *testing.T) {
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Fatal("psql not found: run the tests with ./test.sh, which installs it")
	}
	ts := startServer(t, Config{})
	run := func(args ...string) (string, string, error) {
		dsn := fmt.Sprintf("host=127.0.0.1 port=%d sslmode=prefer user=tester dbname=db connect_timeout=5", ts.port)
		cmd := exec.Command(psql, append([]string{dsn, "-X", "-A"}, args...)...)
		cmd.Env = append(os.Environ(), "PGPASSFILE=/dev/null", "PSQLRC=/dev/null", "LC_ALL=C.UTF-8")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return stdout.String(), stderr.String(), err
	}

	out, errOut, err := run("-c", "select 1", "-c", "rows 3")
	if err != nil {
		t.Fatalf("psql: %v\n%s", err, errOut)
	}
	if want := "?column?\n1\n(1 row)\nn\n1\n2\n3\n(3 rows)\n"; out != want {
		t.Errorf("stdout %q, want %q", out, want)
	}

	out, errOut, err = run("-c", "types")
	if err != nil {
		t.Fatalf("psql: %v\n%s", err, errOut)
	}
	wantRow := `255|-32768|2147483647|-9223372036854775808|t|-123.45|1.5|0.1|ab   |héllo|xyz|wide ☃|2024-05-01|2024-05-01 13:45:00|2024-05-01 13:45:00.123456|a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11|\x0a1b|\x|unknown text`
	if lines := strings.Split(out, "\n"); len(lines) < 3 || lines[1] != wantRow {
		t.Errorf("types:\n%s\nwant row:\n%s", out, wantRow)
	}

	_, errOut, err = run("-c", "error 2627")
	if err == nil {
		t.Fatal("psql succeeded on an error")
	}
	if !strings.Contains(errOut, "ERROR:  Msg 2627, Level 14, State 1: Violation of PRIMARY KEY constraint 'PK_t'.") {
		t.Errorf("stderr %q", errOut)
	}

	_, errOut, err = run("-c", "notice")
	if err != nil || !strings.Contains(errOut, "NOTICE:  hello notice") {
		t.Errorf("notice: %v %q", err, errOut)
	}

	// Unknown database: FATAL at startup.
	cmd := exec.Command(psql, fmt.Sprintf("host=127.0.0.1 port=%d sslmode=disable user=tester dbname=nodb", ts.port), "-X", "-c", "select 1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err == nil || !strings.Contains(stderr.String(), "FATAL:  Msg 4060, Level 11, State 1: Cannot open database \"nodb\"") {
		t.Errorf("unknown database: %v %q", err, stderr.String())
	}
}
