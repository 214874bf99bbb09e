package sqlcmd

import (
	"io"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"mirrordb/server/servertest"
)

// The end-to-end tests are scripts run against real instances
// (cmd/server/testdata/sqlcmd); these cover the pieces without a server.

// TestMatchCommand: commands only as whole lines, any case, colon-less
// forms only where sqlcmd knows them; everything else stays SQL.
func TestMatchCommand(t *testing.T) {
	for line, want := range map[string]string{
		"GO":                       "GO|",
		"  go 5 -- five times":     "GO| 5 -- five times",
		"GO;":                      "",
		"GOTO done":                "",
		":setvar Name value":       "SETVAR| Name value",
		":SetVar":                  "SETVAR|",
		"  :r \"a b.sql\"":         "R| \"a b.sql\"",
		":On Error exit":           "ON ERROR| exit",
		":on errors":               "ON| errors",
		":CONNECT host,1":          "CONNECT| host,1",
		":exit(SELECT 1)":          "EXIT|(SELECT 1)",
		"exit(SELECT 1)":           "EXIT|(SELECT 1)",
		"exit":                     "EXIT|",
		"quit":                     "QUIT|",
		"RESET":                    "RESET|",
		"RESET statement_timeout":  "",
		"!! echo hi":               "!!| echo hi",
		":!!ls":                    "!!|ls",
		":frobnicate":              "FROBNICATE|",
		":setvar1 x":               ":SETVAR|",
		"::fn_helpcollations()":    "",
		"SELECT 1 -- :r nope.sql":  "",
		"exit this":                "",
		"Exit (SELECT @@ROWCOUNT)": "EXIT| (SELECT @@ROWCOUNT)",
	} {
		name, args, ok := matchCommand(line)
		got := ""
		if ok {
			got = name + "|" + args
		}
		if got != want {
			t.Errorf("%q: %q, want %q", line, got, want)
		}
	}
}

// TestParseArgs: attached and separate values, -v and -i lists, the
// options that set variables, and sqlcmd's refusals.
func TestParseArgs(t *testing.T) {
	o, err := parseArgs([]string{"-Stcp:h,1", "-d", "db", "-v", "a=1", "B=x y", "-i", "f1.sql,f2.sql", "f3.sql",
		"-h", "-1", "-s,", "-W", "-b", "-V16", "-t", "30", "-r1", "-N", "-C"})
	if err != nil {
		t.Fatal(err)
	}
	c := o.cfg
	if c.Server != "tcp:h,1" || c.Database != "db" || !c.TrimSpaces || !c.ExitOnError || c.ErrorSeverity != 16 ||
		c.ErrorsToStderr != 1 || !c.Encrypt || !c.TrustServerCertificate ||
		!reflect.DeepEqual(o.inputs, []string{"f1.sql", "f2.sql", "f3.sql"}) ||
		!reflect.DeepEqual(c.Vars, map[string]string{"A": "1", "B": "x y", varHeaders: "-1", varColSep: ",", varStatTimeout: "30"}) {
		t.Fatalf("%+v %+v", o, c)
	}
	for _, args := range [][]string{{"-Z"}, {"-bx"}, {"-h", "0"}, {"-S"}, {"-v", "noequals"}, {"-V", "30"},
		{"-i", "a.sql", "-Q", "SELECT 1"}, {"-E", "-U", "sa"}, {"-s", "ab"}, {"stray"}} {
		if _, err := parseArgs(args); err == nil {
			t.Errorf("%q: accepted", args)
		}
	}
}

// TestVariables: $(name) in any case, the environment behind :setvar,
// quoted values, undefined names, and text that only looks like one.
func TestVariables(t *testing.T) {
	t.Setenv("SQLCMD_TEST_ENV", "from-env")
	v := newVars()
	v.put("Db", "Shop")
	for in, want := range map[string]string{
		"USE $(db)":                       "USE Shop",
		"'$(DB)$(DB)' $(SQLCMD_TEST_ENV)": "'ShopShop' from-env",
		"SELECT '$(' + ')'":               "SELECT '$(' + ')'",
		"$(SQLCMDMAXVARTYPEWIDTH)":        "256",
	} {
		if got, err := v.expand(in); err != nil || got != want {
			t.Errorf("%q: %q %v, want %q", in, got, err, want)
		}
	}
	if _, err := v.expand("SELECT $(Nope)"); err == nil || err.Error() != "'Nope' scripting variable not defined." {
		t.Errorf("undefined: %v", err)
	}
	for in, want := range map[string]string{`plain`: "plain", `"two words"`: "two words", `"say ""hi"""`: `say "hi"`, `""`: ""} {
		if got, err := parseValue(in); err != nil || got != want {
			t.Errorf("parseValue(%s) = %q %v, want %q", in, got, err, want)
		}
	}
	for _, in := range []string{`two words`, `"open`, `"a"b"`} {
		if _, err := parseValue(in); err == nil {
			t.Errorf("parseValue(%s) accepted", in)
		}
	}
	if err := v.setvar("SQLCMDSERVER", "x", false); err == nil {
		t.Error("SQLCMDSERVER is read-only")
	}
	if err := v.setvar("1x", "x", false); err == nil {
		t.Error("1x is not a name")
	}
}

// TestAddress: the forms -S and :connect accept.
func TestAddress(t *testing.T) {
	s := &Session{cfg: Config{Aliases: map[string]string{"PARTNERHOST1": "127.0.0.11,6000"}}}
	for in, want := range map[string]string{
		"":                    "127.0.0.1:5432",
		".":                   "127.0.0.1:5432",
		"(local),7":           "127.0.0.1:7",
		"tcp:db.example,1433": "db.example:1433",
		"TCP:host":            "host:5432",
		"host:6432":           "host:6432",
		"partnerhost1":        "127.0.0.11:6000",
		"[::1],5433":          "::1:5433",
	} {
		h, p, err := s.address(in)
		if got := h + ":" + strconv.Itoa(p); err != nil || got != want {
			t.Errorf("%q: %q %v, want %q", in, got, err, want)
		}
	}
	for _, in := range []string{`host\SQLEXPRESS`, "host,0", "host,x"} {
		if _, _, err := s.address(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

// TestSplitLines: CRLF, a final newline or none, byte-order marks.
func TestSplitLines(t *testing.T) {
	for in, want := range map[string][]string{
		"a\r\nb\r\n":               {"a", "b"},
		"a\nb":                     {"a", "b"},
		"\xEF\xBB\xBFSELECT 1\n":   {"SELECT 1"},
		"\xFF\xFEG\x00O\x00\n\x00": {"GO"},
		"\xFE\xFF\x00G\x00O\x00\n": {"GO"},
		"":                         nil,
	} {
		if got := splitLines([]byte(in)); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

// lineReader is a terminal for tests: it answers lines and keeps the
// prompts it was shown.
type lineReader struct {
	in      []string
	prompts []string
}

func (l *lineReader) ReadLine(prompt string) (string, error) {
	l.prompts = append(l.prompts, prompt)
	if len(l.in) == 0 {
		return "", io.EOF
	}
	line := l.in[0]
	l.in = l.in[1:]
	return line, nil
}

// TestInteractive: the prompt counts the batch's lines, errors in a
// line are reported without ending the session, exit ends it without
// running the batch, and exit code stays 0.
func TestInteractive(t *testing.T) {
	srv := servertest.StartWith(t, servertest.Options{Name: "I"})
	r := &lineReader{in: []string{"SELECT 1 AS one", "GO", ":nope", "SELECT $(undefined)", "PRINT 'still here'", "go",
		"SELECT 2", "exit", "PRINT 'not read'"}}
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
	if want := []string{"1> ", "2> ", "1> ", "1> ", "1> ", "2> ", "1> ", "2> "}; !reflect.DeepEqual(r.prompts, want) {
		t.Errorf("prompts %q, want %q", r.prompts, want)
	}
	if want := "one        \n-----------\n          1\n\n(1 row affected)\nstill here\n"; out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}
	if want := "Sqlcmd: Error: Syntax error at line 3 near command ':NOPE'.\n'undefined' scripting variable not defined.\n"; errs.String() != want {
		t.Errorf("errors %q, want %q", errs.String(), want)
	}
	if s.ExitCode() != 0 || len(r.in) != 1 {
		t.Errorf("exit code %d, %d lines left", s.ExitCode(), len(r.in))
	}
}
