package sqlcmd

import (
	"strings"
	"testing"

	"mirrordb/server/servertest"
)

// TestControlFlowBatch: a batch with variables, IF and WHILE runs as one
// batch and prints what sqlcmd prints for SQL Server: the rows affected
// by each INSERT, the PRINTs, nothing for DECLARE, SET @v or a condition.
func TestControlFlowBatch(t *testing.T) {
	srv := servertest.StartWith(t, servertest.Options{Name: "F"})
	r := &lineReader{in: []string{
		"CREATE TABLE n (i INT)",
		"DECLARE @i INT = 0",
		"WHILE @i < 2",
		"BEGIN",
		"    INSERT INTO n VALUES (@i)",
		"    SET @i += 1",
		"END",
		"IF @i = 2 PRINT 'two' ELSE PRINT 'not two'",
		"GO",
		"DECLARE @quiet INT = 1",
		"GO",
	}}
	var out, errs strings.Builder
	s, err := New(Config{Stdout: &out, Stderr: &errs, Prompt: r})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Connect(srv.Addr(), "", ""); err != nil {
		t.Fatal(err)
	}
	s.Interact()
	if want := "(1 row affected)\n(1 row affected)\ntwo\n"; out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}
	if errs.String() != "" || s.ExitCode() != 0 {
		t.Errorf("errors %q, exit code %d", errs.String(), s.ExitCode())
	}
}
