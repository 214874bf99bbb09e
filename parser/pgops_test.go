package parser

import (
	"strings"
	"testing"
)

func TestPGOperators(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"SELECT 1 WHERE a ~ 'x'", "pg_catalog.textregexeq(a, 'x')"},
		{"SELECT 1 WHERE a !~ '^pg_' AND b <> 'c'", "pg_catalog.textregexne(a, '^pg_') AND b <> 'c'"},
		{"SELECT 1 WHERE a ~* 'x'", "pg_catalog.texticregexeq(a, 'x')"},
		{"SELECT 1 WHERE a !~* 'x'", "pg_catalog.texticregexne(a, 'x')"},
		{"SELECT 1 WHERE c.relname OPERATOR(pg_catalog.~) '^(t)$' COLLATE pg_catalog.default AND x = 1", "pg_catalog.textregexeq(c.relname, '^(t)$') AND x = 1"},
		{"SELECT 1 WHERE a || 'b' = 'ab'", "pg_catalog.textcat(a, 'b') = 'ab'"},
		{"SELECT 1 WHERE a | b = 1", "a | b = 1"},
		{"SELECT 1 WHERE ~a = 1", "~a = 1"},
	} {
		st, err := ParseStatement(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if got := st.(*Select).Where.String(); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.in, got, c.want)
		}
	}
	for _, in := range []string{"SELECT 1 WHERE a OPERATOR(public.~) 'x'", "SELECT 1 WHERE a ! ~ 'x'", "SELECT a COLLATE Latin1_General_BIN2"} {
		if _, err := ParseStatement(in); err == nil {
			t.Errorf("%s: parsed", in)
		}
	}
}

func TestPGArrayForms(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"SELECT ARRAY(SELECT a FROM t WHERE b = 1)", "ARRAY(SELECT a FROM t WHERE b = 1)"},
		{"SELECT 1 WHERE oid = ANY (r.roles)", "oid = ANY (r.roles)"},
		{"SELECT 1 WHERE oid <> ALL (r.roles)", "oid <> ALL (r.roles)"},
		{"SELECT 'd' = any(stxkind) AS nd FROM s", "'d' = ANY (stxkind) AS nd"},
		{"SELECT 'd' = x FROM s", "x AS d"},
		{"SELECT (SELECT 1) AS DEFAULT, 2", "(SELECT 1) AS [default]"},
		{"SELECT conkey AS key, 2 AS schema", "conkey AS [key], 2 AS [schema]"},
	} {
		st, err := ParseStatement(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if got := st.String(); !strings.Contains(got, c.want) {
			t.Errorf("%s:\n got %s\nwant %s", c.in, got, c.want)
		}
	}
}
