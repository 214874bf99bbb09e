package server_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"mirrordb/server/servertest"
)

// TestPsqlTabCompletion drives an interactive psql 15 through a
// pseudo-terminal, as a user at a terminal would, and presses Tab: after
// `SELECT * FROM tabcompl` psql must complete the table's name, and after
// `... WHERE quant` the column's. psql finds both with its own catalog
// queries (pg_class, pg_attribute, pg_namespace, pg_table_is_visible ...),
// which it sends silently and whose failure it never reports: a completion
// that stops working shows only here. The names typed are prefixes that
// nothing else prints, so the full names can come from completion alone.
func TestPsqlTabCompletion(t *testing.T) {
	psql := needPsql(t)
	srv := servertest.Start(t, "")
	conn := servertest.Connect(t, srv, "master")
	if _, err := conn.Exec(context.Background(),
		"CREATE TABLE tabcomplete_target (id INT PRIMARY KEY, quantity_sold INT)"); err != nil {
		t.Fatal(err)
	}
	host, port, _ := strings.Cut(srv.Addr(), ":")
	cmd := exec.Command(psql, "-X", "-h", host, "-p", port, "-U", "dba", "-d", "master")
	cmd.Env = append(os.Environ(), "PGSSLMODE=disable", "PGCONNECT_TIMEOUT=10", "LC_ALL=C", "TERM=dumb",
		"PSQL_HISTORY=/dev/null", "INPUTRC=/dev/null")
	term, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 200})
	if err != nil {
		t.Fatal(err)
	}
	out := &screen{}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		buf := make([]byte, 4096)
		for {
			n, err := term.Read(buf)
			out.write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		term.Close()
		<-copied
	})
	typeText := func(s string) {
		t.Helper()
		if _, err := term.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}

	out.waitFor(t, "master=#")
	// The table name: one candidate, so psql writes it out in full.
	typeText("SELECT * FROM tabcompl\t")
	out.waitFor(t, "tabcomplete_target")
	// A column of the table named in FROM.
	typeText("WHERE quant\t")
	out.waitFor(t, "quantity_sold")
	// The completed line is the statement psql sends.
	typeText(" = 0;\n")
	out.waitFor(t, "(0 rows)")
	typeText("\\q\n")
}

// screen is what a terminal showed, read as it arrives.
type screen struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *screen) write(b []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf.Write(b)
}

// waitFor waits (at most 20 s) until the screen shows want since the last
// waitFor, and consumes what it has shown up to it.
func (s *screen) waitFor(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s.mu.Lock()
		text := s.buf.String()
		if i := strings.Index(text, want); i >= 0 {
			s.buf.Next(i + len(want))
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("psql did not show %q; the terminal showed:\n%q", want, text)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
