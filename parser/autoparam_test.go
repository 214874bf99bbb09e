package parser

import "testing"

func TestParameterize(t *testing.T) {
	cases := []struct{ in, want string }{
		{"SELECT v FROM kv WHERE k = 42", "SELECT v FROM kv WHERE k = $1"},
		{"select v from kv where k = 'a''b' and n >= 1.5;", "select v from kv where k = $1 and n >= $2;"},
		{"SELECT a.v FROM t a JOIN u b ON b.k = N'x' WHERE a.k <> 1e3", "SELECT a.v FROM t a JOIN u b ON b.k = $1 WHERE a.k <> $2"},
		{"INSERT kv VALUES (1, 'x', NULL)", "INSERT kv VALUES ($1, $2, NULL)"},
		{"INSERT INTO kv (k, v) VALUES (1, 'x');", "INSERT INTO kv (k, v) VALUES ($1, $2);"},
		{"UPDATE kv SET v = 'x', n = 3 WHERE k = 7", "UPDATE kv SET v = $1, n = $2 WHERE k = $3"},
		{"DELETE FROM kv WHERE k = 7 OR (k = 8)", "DELETE FROM kv WHERE k = $1 OR (k = $2)"},
		// literals that cannot be replaced stay in the text
		{"INSERT kv VALUES (1, -2)", "INSERT kv VALUES ($1, -2)"},
		{"UPDATE kv SET n = n + 1 WHERE k = 7", "UPDATE kv SET n = n + 1 WHERE k = $1"},
		// no literal at all: the text as it is (an Adhoc entry)
		{"SELECT v, n FROM kv WHERE k = n", "SELECT v, n FROM kv WHERE k = n"},
	}
	for _, c := range cases {
		got, ok := Parameterize(c.in)
		if !ok || got.Text != c.want {
			t.Errorf("Parameterize(%q) = %q, %v; want %q", c.in, got.Text, ok, c.want)
		}
	}
	refused := []string{
		// literals of which none can be replaced
		"SELECT 1, 'x' FROM kv",
		"SELECT x = 5 FROM kv WHERE k = n",
		"SELECT v FROM kv WHERE k = 1 + 2",
		"SELECT v FROM kv WHERE k = 5::bigint",
		"SELECT CASE WHEN k = 1 THEN 2 END FROM kv",
		"SELECT TOP 5 v FROM kv WHERE k = 1",
		"SELECT v FROM kv WHERE k IN (1, 2)",
		"SELECT v FROM kv WHERE k = @k",
		"SELECT v FROM kv WHERE k = $1",
		"SELECT v FROM kv WHERE k = 1; SELECT 2",
		"SELECT v FROM kv WHERE k = (SELECT 1)",
		"SELECT n FROM kv WHERE k = 1 GROUP BY n",
		"SELECT v FROM kv WHERE k = 1 ORDER BY 1",
		"SELECT v FROM #t WHERE k = 1",
		"SELECT v FROM kv WHERE v LIKE 'a%'",
		"INSERT kv VALUES (1, 'x'), (2, 'y')",
		"INSERT kv SELECT 1, 'x'",
		"CREATE TABLE t (k INT DEFAULT 1)",
		"EXEC sp_who",
		"SELECT v FROM kv WHERE v = 'a\nb'",
		"SELECT v FROM kv WHERE k = 'unclosed",
		"SELECT HOST_NAME() FROM kv WHERE k = 1",
		"SELECT suser_sname(), v FROM kv WHERE k = 1",
		"SELECT v FROM kv WHERE k = 1 AND CURRENT_USER = v",
		"SELECT v FROM kv\nGO",
	}
	for _, in := range refused {
		if got, ok := Parameterize(in); ok {
			t.Errorf("Parameterize(%q) = %q, want it left alone", in, got.Text)
		}
	}
	got, _ := Parameterize("SELECT v FROM kv WHERE k = 4.50 AND v = N'it''s'")
	if len(got.Lits) != 2 || got.Lits[0].Kind != LitDecimal || got.Lits[0].Value != "4.50" ||
		got.Lits[1].Kind != LitNString || got.Lits[1].Value != "it's" {
		t.Errorf("literals %+v", got.Lits)
	}
}

// BenchmarkParameterize measures what simple parameterization costs each
// simple-query statement before the plan cache is consulted (the parse it
// saves is BenchmarkParseSelect / BenchmarkParseInsert).
func BenchmarkParameterize(b *testing.B) {
	for _, bc := range []struct{ name, sql string }{{"select", benchSelect}, {"insert", benchInsert}, {"update", benchUpdate}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := Parameterize(bc.sql); !ok {
					b.Fatal("not parameterized")
				}
			}
		})
	}
}
