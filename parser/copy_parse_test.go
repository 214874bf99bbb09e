package parser

import "testing"

// COPY in the forms psql, pgx, lib/pq and users send, and BULK INSERT:
// each parses, prints canonically, and the print parses to itself.
func TestCopyStatements(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`COPY t FROM STDIN`, `COPY t FROM STDIN`},
		{`copy "t" ( "a", "b" ) from stdin binary;`, `COPY t (a, b) FROM STDIN WITH (FORMAT binary)`},
		{`COPY "t" ("a", "b") FROM STDIN`, `COPY t (a, b) FROM STDIN`},
		{`COPY  t FROM STDIN with (format csv, header match, delimiter ';', null '', force_not_null (a, b))`,
			`COPY t FROM STDIN WITH (FORMAT csv, HEADER match, DELIMITER ';', NULL '', FORCE_NOT_NULL (a, b))`},
		{`COPY t FROM STDIN WITH CSV HEADER DELIMITER AS ',' NULL AS 'x' QUOTE '"' FORCE NOT NULL a, b`,
			`COPY t FROM STDIN WITH (FORMAT csv, HEADER, DELIMITER ',', NULL 'x', QUOTE '"', FORCE_NOT_NULL (a, b))`},
		{`COPY t TO STDOUT csv force quote *`, `COPY t TO STDOUT WITH (FORMAT csv, FORCE_QUOTE *)`},
		{`COPY (SELECT a FROM t WHERE a > 1) TO STDOUT (FORMAT binary)`, `COPY (SELECT a FROM t WHERE a > 1) TO STDOUT WITH (FORMAT binary)`},
		{`COPY db.dbo.t TO '/tmp/x.csv' (FORMAT csv, HEADER true)`, `COPY db.dbo.t TO '/tmp/x.csv' WITH (FORMAT csv, HEADER true)`},
		{`COPY t FROM PROGRAM 'cat x'`, `COPY t FROM PROGRAM 'cat x'`},
		{`BULK INSERT dbo.t FROM '/tmp/x.csv' WITH (FORMAT = 'CSV', FIRSTROW = 2, FIELDTERMINATOR = ',', ROWTERMINATOR = '\n', TABLOCK, KEEPNULLS)`,
			`BULK INSERT dbo.t FROM '/tmp/x.csv' WITH (FORMAT = 'CSV', FIRSTROW = 2, FIELDTERMINATOR = ',', ROWTERMINATOR = '\n', TABLOCK, KEEPNULLS)`},
		{`BULK INSERT t FROM 'f'`, `BULK INSERT t FROM 'f'`},
	} {
		st, err := ParseStatement(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if got := st.String(); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.in, got, c.want)
			continue
		}
		checkRoundTrip(t, c.want)
	}
	for _, bad := range []string{
		`COPY t FROM`, `COPY t TO STDIN`, `COPY t FROM STDOUT`, `COPY t FROM STDIN (FORMAT csv`, `COPY FROM STDIN`,
		`COPY t FROM STDIN DELIMITER`, `COPY t FROM STDIN FORCE NOT a`, `BULK INSERT t FROM x`,
	} {
		if _, err := ParseStatement(bad); err == nil {
			t.Errorf("%s parsed", bad)
		}
	}
}
