package parser

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cockroachdb/datadriven"

	"mirrordb/sqlerr"
)

// TestDataDriven runs testdata/sql/*:
//
//	parse             input: a query (may hold GO lines); output: each
//	                  statement's canonical form, one per line, each batch
//	                  followed by "GO n" when there are several. The
//	                  printed form must parse back to itself (checked on
//	                  every case).
//	error             input: a query; output: the first error as psql
//	                  users see it, with its position and SQLSTATE.
//	ast               input: a query; output: each statement's tree,
//	                  field by field (zero fields and positions left out).
//
// Run with -rewrite to regenerate the expectations.
func TestDataDriven(t *testing.T) {
	datadriven.Walk(t, "testdata/sql", func(t *testing.T, path string) {
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			switch d.Cmd {
			case "parse":
				return runParse(t, d.Input)
			case "error":
				return runError(d.Input)
			case "ast":
				return runAST(t, d.Input)
			default:
				t.Fatalf("unknown directive %q", d.Cmd)
				return ""
			}
		})
	})
}

func runParse(t *testing.T, sql string) string {
	var out strings.Builder
	batches := Split(sql)
	for _, b := range batches {
		stmts, err := ParseBatch(b)
		if err != nil {
			fmt.Fprintf(&out, "error: %s\n", formatError(err))
		}
		for _, s := range stmts {
			printed := s.String()
			out.WriteString(printed)
			out.WriteByte('\n')
			checkRoundTrip(t, printed)
		}
		if len(batches) > 1 || b.Count != 1 {
			fmt.Fprintf(&out, "GO %d\n", b.Count)
		}
	}
	return out.String()
}

// checkRoundTrip parses a printed statement and checks that it prints the
// same way again.
func checkRoundTrip(t testing.TB, printed string) {
	t.Helper()
	s, err := parseStatementUncached(printed)
	if err != nil {
		t.Errorf("printed form does not parse: %s\n  %s", formatError(err), printed)
		return
	}
	if s == nil {
		t.Errorf("printed form holds no statement: %q", printed)
		return
	}
	if again := s.String(); again != printed {
		t.Errorf("printing is not a fixed point:\n  first:  %s\n  second: %s", printed, again)
	}
}

func parseStatementUncached(sql string) (Statement, error) {
	stmts, err := parseBatch(BatchText{Text: sql, Line: 1, Count: 1}, false)
	if err != nil || len(stmts) == 0 {
		return nil, err
	}
	if len(stmts) > 1 {
		return nil, fmt.Errorf("%d statements", len(stmts))
	}
	return stmts[0], nil
}

func runError(sql string) string {
	for _, b := range Split(sql) {
		if _, err := ParseBatch(b); err != nil {
			return formatError(err) + "\n"
		}
	}
	return "no error\n"
}

// formatError renders Msg N, Level L, State S, Line X, Position P: text,
// then the SQLSTATE (and detail, if any) on the next line.
func formatError(err error) string {
	var e *sqlerr.Error
	if !errors.As(err, &e) {
		return "not a *sqlerr.Error: " + err.Error()
	}
	s := fmt.Sprintf("Msg %d, Level %d, State %d, Line %d, Position %d: %s\nSQLSTATE %s",
		e.Number, e.Severity, e.State, e.Line, e.Position, e.Message, e.Code)
	if e.Detail != "" {
		s += "\nDETAIL: " + e.Detail
	}
	return s
}

func TestParseStatement(t *testing.T) {
	for _, tc := range []struct {
		sql, want, err string
	}{
		{sql: "SELECT 1", want: "SELECT 1"},
		{sql: "SELECT 1;", want: "SELECT 1"},
		{sql: "  ;  ", want: "<nil>"},
		{sql: "", want: "<nil>"},
		{sql: "-- just a comment", want: "<nil>"},
		{sql: "SELECT 1; SELECT 2", err: "Msg 102, Level 15, State 1, Line 1, Position 11: Incorrect syntax near 'SELECT'.\n" +
			"SQLSTATE 42601\nDETAIL: cannot insert multiple commands into a prepared statement"},
		{sql: "BEGIN TRAN\nINSERT t VALUES ($1)", err: "Msg 102, Level 15, State 1, Line 2, Position 12: Incorrect syntax near 'INSERT'.\n" +
			"SQLSTATE 42601\nDETAIL: cannot insert multiple commands into a prepared statement"},
		{sql: "BEGIN;", want: "BEGIN TRANSACTION"},
		{sql: "begin isolation level serializable read only deferrable", want: "START TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE"},
		{sql: "SELECT", err: "Msg 156, Level 15, State 1, Line 1, Position 1: Incorrect syntax near the keyword 'SELECT'.\nSQLSTATE 42601"},
		{sql: "backup database d to disk = 'x' with format;", want: "BACKUP DATABASE d TO DISK = 'x' WITH FORMAT"},
		{sql: "ALTER DATABASE d\n  SET PARTNER =\n  'TCP://h:7022'", want: "ALTER DATABASE d SET PARTNER = 'TCP://h:7022'"},
		{sql: "GRANT CONNECT ON ENDPOINT::e TO [l];", want: "GRANT CONNECT ON ENDPOINT::e TO l"},
		{sql: "RESTORE DATABASE d WITH RECOVERY SELECT 1", err: "Msg 102, Level 15, State 1, Line 1, Position 34: Incorrect syntax near 'SELECT'.\n" +
			"SQLSTATE 42601\nDETAIL: cannot insert multiple commands into a prepared statement"},
		{sql: "CREATE LOGIN l WITH PASSWORD = 'p', PASSWORD = 'q'", err: "Msg 102, Level 15, State 1, Line 1, Position 37: Incorrect syntax near 'PASSWORD'.\nSQLSTATE 42601"},
	} {
		s, err := ParseStatement(tc.sql)
		if tc.err != "" {
			if err == nil {
				t.Errorf("%q: no error, want %s", tc.sql, tc.err)
			} else if got := formatError(err); got != tc.err {
				t.Errorf("%q:\n got %s\nwant %s", tc.sql, got, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %s", tc.sql, formatError(err))
			continue
		}
		got := "<nil>"
		if s != nil {
			got = s.String()
		}
		if got != tc.want {
			t.Errorf("%q: got %s, want %s", tc.sql, got, tc.want)
		}
	}
}

// TestGrammarGolden keeps testdata/grammar.ebnf, the statement grammar as
// participle prints it, in step with grammar.go (rewrite with -rewrite), so
// grammar changes show up in review.
func TestGrammarGolden(t *testing.T) {
	const path = "testdata/grammar.ebnf"
	got := Grammar() + "\n"
	if f := flag.Lookup("rewrite"); f != nil && f.Value.String() == "true" {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("grammar changed; run go test -run TestGrammarGolden -rewrite and review testdata/grammar.ebnf:\n%s", got)
	}
}

// TestPositions checks node positions: byte offset, line and character
// column within the batch.
func TestPositions(t *testing.T) {
	sql := "SELECT 1\n-- é\n  INSERT t (a)\n  VALUES (N'ü', 2);UPDATE t SET a = b + 1 WHERE c IN (SELECT d FROM e)"
	stmts, err := parseBatch(BatchText{Text: sql, Line: 1, Count: 1}, false)
	if err != nil {
		t.Fatal(formatError(err))
	}
	ins := stmts[1].(*Insert)
	upd := stmts[2].(*Update)
	in := upd.Where.(*InList)
	for _, tc := range []struct {
		name string
		got  Pos
		want Pos
	}{
		{"select", stmts[0].Position(), Pos{Offset: 0, Line: 1, Col: 1}},
		{"insert", ins.Pos, Pos{Offset: 17, Line: 3, Col: 3}},
		{"insert table", ins.Table.Pos, Pos{Offset: 24, Line: 3, Col: 10}},
		{"second value", ins.Rows[0][1].Position(), Pos{Offset: 47, Line: 4, Col: 17}},
		{"update", upd.Pos, Pos{Offset: 50, Line: 4, Col: 20}},
		{"assignment", upd.Set[0].Pos, Pos{Offset: 63, Line: 4, Col: 33}},
		{"binary", upd.Set[0].Value.Position(), Pos{Offset: 67, Line: 4, Col: 37}},
		{"in", in.Pos, Pos{Offset: 79, Line: 4, Col: 49}},
		{"subquery", in.Subquery.Pos, Pos{Offset: 85, Line: 4, Col: 55}},
		{"subquery table", in.Subquery.From[0].Position(), Pos{Offset: 99, Line: 4, Col: 69}},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, tc.got, tc.want)
		}
	}
}

// TestAdminPositions checks the positions of administrative statement
// nodes, and of errors found after parsing (a second LISTENER_PORT) on a
// later line of a later batch.
func TestAdminPositions(t *testing.T) {
	sql := "SELECT 1\nBACKUP LOG db\n  TO DISK = 'x' WITH\n  MOVE 'a' TO 'b'; ALTER DATABASE db SET PARTNER OFF"
	stmts, err := parseBatch(BatchText{Text: sql, Line: 1, Count: 1}, false)
	if err != nil {
		t.Fatal(formatError(err))
	}
	bk := stmts[1].(*Backup)
	ad := stmts[2].(*AlterDatabase)
	for _, tc := range []struct {
		name string
		got  Pos
		want Pos
	}{
		{"backup", bk.Pos, Pos{Offset: 9, Line: 2, Col: 1}},
		{"device", bk.Devices[0].Pos, Pos{Offset: 28, Line: 3, Col: 6}},
		{"option", bk.Options[0].Pos, Pos{Offset: 46, Line: 4, Col: 3}},
		{"move to", bk.Options[0].To.Position(), Pos{Offset: 58, Line: 4, Col: 15}},
		{"alter database", ad.Pos, Pos{Offset: 63, Line: 4, Col: 20}},
		{"set partner", ad.Option.Position(), Pos{Offset: 85, Line: 4, Col: 42}},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, tc.got, tc.want)
		}
	}
	query := "SELECT 1\nGO\nCREATE ENDPOINT é AS TCP (\n  LISTENER_PORT = 1,\n  LISTENER_PORT = 2)"
	_, err = ParseBatch(Split(query)[1])
	want := "Msg 102, Level 15, State 1, Line 3, Position 63: Incorrect syntax near 'LISTENER_PORT'.\nSQLSTATE 42601"
	if got := formatError(err); got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}

// TestErrorText checks that source text quoted in messages is valid UTF-8
// and bounded.
func TestErrorText(t *testing.T) {
	for _, sql := range []string{"SELECT 1 \xff", "SELECT '\xff" + strings.Repeat("x", 5000)} {
		_, err := ParseStatement(sql)
		var e *sqlerr.Error
		if !errors.As(err, &e) {
			t.Fatalf("%q: %v", sql, err)
		}
		if !utf8.ValidString(e.Message) || len(e.Message) > 400 {
			t.Errorf("%q: bad message %q", sql, e.Message)
		}
	}
}

func runAST(t *testing.T, sql string) string {
	var out strings.Builder
	for _, b := range Split(sql) {
		stmts, err := ParseBatch(b)
		if err != nil {
			fmt.Fprintf(&out, "error: %s\n", formatError(err))
		}
		for _, s := range stmts {
			checkRoundTrip(t, s.String())
			dumpNode(&out, reflect.ValueOf(s), 0)
		}
	}
	return out.String()
}

var (
	exprType = reflect.TypeOf((*Expr)(nil)).Elem()
	posType  = reflect.TypeOf(Pos{})
)

// dumpNode writes a node's type and its non-zero fields, one per line;
// expressions print in their canonical form.
func dumpNode(b *strings.Builder, v reflect.Value, depth int) {
	if v.Kind() == reflect.Interface {
		v = v.Elem()
	}
	if v.Type().Implements(exprType) {
		fmt.Fprintf(b, "%s %s\n", v.Elem().Type().Name(), v.Interface().(Expr).String())
		return
	}
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	b.WriteString(v.Type().Name())
	b.WriteByte('\n')
	pad := strings.Repeat("  ", depth+1)
	for i := 0; i < v.NumField(); i++ {
		f, sf := v.Field(i), v.Type().Field(i)
		if sf.Type == posType || f.IsZero() {
			continue
		}
		fmt.Fprintf(b, "%s%s:", pad, sf.Name)
		if f.Kind() == reflect.Slice && f.Type().Elem().Kind() != reflect.String {
			b.WriteByte('\n')
			for j := 0; j < f.Len(); j++ {
				fmt.Fprintf(b, "%s- ", pad)
				dumpNode(b, f.Index(j), depth+1)
			}
			continue
		}
		b.WriteByte(' ')
		switch {
		case f.Kind() == reflect.Interface, f.Kind() == reflect.Pointer && f.Elem().Kind() == reflect.Struct:
			dumpNode(b, f, depth+1)
		case f.Kind() == reflect.Pointer:
			fmt.Fprintf(b, "%v\n", f.Elem().Interface())
		case f.Kind() == reflect.String:
			fmt.Fprintf(b, "%q\n", f.String())
		default:
			fmt.Fprintf(b, "%v\n", f.Interface())
		}
	}
}
