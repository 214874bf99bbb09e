package parser

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"mirrordb/sqlerr"
)

// fuzzSeeds returns the inputs of the datadriven test files plus a few
// hand-picked nasty ones.
func fuzzSeeds(t testing.TB) []string {
	seeds := []string{
		"", ";", "GO", "SELECT 1\nGO 2\nSELECT 2", "SELECT 'x\nGO\n'", "/* /* */ GO */",
		"SELECT ((((((1))))))", "SELECT - - - -1", "SELECT NOT NOT NOT 1",
		"SELECT CASE WHEN CASE WHEN 1 = 1 THEN 1 END = 1 THEN 2 END",
		"SELECT (SELECT (SELECT (SELECT 1)))", "SELECT 1 WHERE a IN (SELECT b FROM c WHERE d IN (1))",
		"SELECT [a]]b], \"c\"\"d\", N'e''f', 0x, .5e, 1e+", "SELECT @@x, @x, $1, $", "SELECT 日本 FROM [日本]",
		"EXEC p @a = 1, 2, @b", "SET x TO DEFAULT", "SET NOCOUNT ON; SET y = 'z'", "SELECT\u00a01",
		"CREATE TABLE t (a INT IDENTITY(-1, -1) NOT NULL CONSTRAINT d DEFAULT -1 PRIMARY KEY)",
		"SELECT a.b.c.d FROM a.b.c.d", "SELECT * FROM a..b", "SELECT [cast](1), cast(1 AS int)",
		"\xff\xfe", "SELECT '\x00'", "SELECT 1 --\r\nGO\r\n",
		"CREATE ENDPOINT e AS TCP (LISTENER_IP = (1.2.3.4) LISTENER_PORT = 1) FOR DATABASE_MIRRORING (ROLE = ALL X = ON)",
		"CREATE ENDPOINT e AS TCP (LISTENER_IP = (1.2.3.4.5))", "ALTER ENDPOINT e AS TCP (LISTENER_IP = (N'::'))",
		"BACKUP LOG [a]]b] TO DISK = N'x''y' WITH MOVE 'a' TO 'b', FILE = 1e5, STATS",
		"RESTORE HEADERONLY FROM URL = '' RESTORE DATABASE d WITH RECOVERY",
		"GRANT TAKE OWNERSHIP ON SERVER ROLE::[x] TO public, [public] WITH GRANT OPTION AS [sa]",
		"REVOKE GRANT OPTION FOR CONNECT ON ENDPOINT::e TO x CASCADE", "ALTER DATABASE d SET PARTNER TIMEOUT 00",
		"ALTER LOGIN l WITH PASSWORD = '' UNLOCK OLD_PASSWORD = '' MUST_CHANGE, NAME = [ON]",
	}
	files, err := filepath.Glob("testdata/sql/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var input []string
		in := false
		for _, line := range strings.Split(string(data), "\n") {
			switch {
			case line == "parse" || line == "error" || line == "ast":
				in, input = true, nil
			case line == "----" && in:
				in = false
				seeds = append(seeds, strings.Join(input, "\n"))
			case in:
				input = append(input, line)
				seeds = append(seeds, line)
			}
		}
	}
	return seeds
}

func FuzzParseBatch(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		stmts, err := parseBatch(BatchText{Text: sql, Line: 1, Count: 1}, false)
		if err != nil {
			checkError(t, sql, err)
			return
		}
		printed := make([]string, len(stmts))
		for i, s := range stmts {
			printed[i] = s.String()
			checkRoundTrip(t, printed[i])
		}
		// The whole batch, printed, parses back to as many statements.
		again, err := parseBatch(BatchText{Text: strings.Join(printed, ";\n"), Line: 1, Count: 1}, false)
		if err != nil {
			t.Fatalf("printed batch does not parse: %s\n%s", formatError(err), strings.Join(printed, ";\n"))
		}
		if len(again) != len(stmts) {
			t.Fatalf("printed batch has %d statements, want %d", len(again), len(stmts))
		}
	})
}

// checkError checks that err is a well-formed positioned SQL error.
func checkError(t *testing.T, sql string, err error) {
	t.Helper()
	var e *sqlerr.Error
	if !errors.As(err, &e) {
		t.Fatalf("%q: error is not a *sqlerr.Error: %v", sql, err)
	}
	if e.Number == 0 || e.Code == sqlerr.Internal {
		t.Fatalf("%q: internal error: %s", sql, e.Message)
	}
	if e.Position < 1 || e.Position > utf8.RuneCountInString(sql)+1 {
		t.Fatalf("%q: position %d out of range", sql, e.Position)
	}
	if e.Line < 1 || e.Line > strings.Count(sql, "\n")+1 {
		t.Fatalf("%q: line %d out of range", sql, e.Line)
	}
}

func FuzzSplit(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		end := 0
		for _, b := range Split(sql) {
			if b.Offset < end || b.Offset+len(b.Text) > len(sql) || sql[b.Offset:b.Offset+len(b.Text)] != b.Text {
				t.Fatalf("%q: batch %+v out of place", sql, b)
			}
			checkGap(t, sql, sql[end:b.Offset])
			if b.RuneOffset != utf8.RuneCountInString(sql[:b.Offset]) {
				t.Fatalf("%q: batch %+v: RuneOffset", sql, b)
			}
			if b.Line != strings.Count(sql[:b.Offset], "\n")+1 {
				t.Fatalf("%q: batch %+v: Line", sql, b)
			}
			if b.Count < 1 || isBlank(b.Text) {
				t.Fatalf("%q: batch %+v: Count or blank", sql, b)
			}
			end = b.Offset + len(b.Text)
		}
		checkGap(t, sql, sql[end:])
	})
}

// checkGap checks that text between batches is only GO lines and blanks.
func checkGap(t *testing.T, sql, gap string) {
	for _, line := range strings.Split(gap, "\n") {
		l := strings.ToUpper(trimSpace(line, true))
		if !isBlank(l) && !strings.HasPrefix(l, "GO") {
			t.Fatalf("%q: dropped text %q", sql, line)
		}
	}
}
