package parser

import "testing"

// TestIndexStatements parses CREATE and DROP INDEX in their accepted forms
// and checks the printed canonical form, which must parse to itself.
func TestIndexStatements(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"CREATE INDEX ix ON t (a)", "CREATE INDEX ix ON t (a)"},
		{"create unique nonclustered index [my ix] on dbo.t (a asc, b desc) include (c, d) where a > 1 with (drop_existing = on, fillfactor = 80) on [primary]",
			"CREATE UNIQUE INDEX [my ix] ON dbo.t (a, b DESC) INCLUDE (c, d) WHERE a > 1 WITH (DROP_EXISTING = ON, FILLFACTOR = 80) ON [primary]"},
		{"CREATE CLUSTERED INDEX cx ON t (a) ON PRIMARY", "CREATE CLUSTERED INDEX cx ON t (a) ON [PRIMARY]"},
		{"DROP INDEX ix ON t", "DROP INDEX ix ON t"},
		{"DROP INDEX IF EXISTS ix ON db.dbo.t, t.ix2", "DROP INDEX IF EXISTS ix ON db.dbo.t, ix2 ON t"},
		{"CREATE TABLE t (a int PRIMARY KEY NONCLUSTERED)", "CREATE TABLE t (a INT PRIMARY KEY NONCLUSTERED)"},
		{"CREATE TABLE t (a int, CONSTRAINT pk PRIMARY KEY CLUSTERED (a))", "CREATE TABLE t (a INT, CONSTRAINT pk PRIMARY KEY (a))"},
		{"CREATE TABLE t (a int, PRIMARY KEY NONCLUSTERED (a DESC))", "CREATE TABLE t (a INT, PRIMARY KEY NONCLUSTERED (a DESC))"},
	} {
		st, err := ParseStatement(c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if got := st.String(); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.in, got, c.want)
		}
		again, err := ParseStatement(st.String())
		if err != nil || again.String() != st.String() {
			t.Errorf("%s does not parse to itself: %v", st, err)
		}
	}
	for _, bad := range []string{"DROP INDEX ix", "CREATE INDEX ix ON t ()", "CREATE INDEX ON t (a)"} {
		if _, err := ParseStatement(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
