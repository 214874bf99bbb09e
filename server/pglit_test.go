package server_test

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"mirrordb/server/servertest"
)

// What drivers send by themselves (issue 15 §4): casts with PostgreSQL's
// type names, true/false, bytea, dates with zones, LIMIT, RETURNING. The
// statements one by one are in testdata/sql/pgforms; these check that the
// drivers' own renderings and parameters work end to end.

const pglitTable = "CREATE TABLE item (id INT IDENTITY PRIMARY KEY, name NVARCHAR(50) NOT NULL, flag BIT, " +
	"price DECIMAL(10,2), data VARBINARY(MAX), uid UNIQUEIDENTIFIER, d DATE, ts DATETIME2)"

// pglitSetup starts a server with database db holding item.
func pglitSetup(t *testing.T, db string) (url string, conn *pgx.Conn) {
	t.Helper()
	srv := servertest.Start(t, "")
	conn = servertest.Connect(t, srv, "master")
	if _, err := conn.Exec(context.Background(), "CREATE DATABASE "+db+" USE "+db+" "+pglitTable); err != nil {
		t.Fatal(err)
	}
	return servertest.URL(srv, db), conn
}

// TestPgxDriverForms: pgx's extended protocol (typed parameters, RETURNING
// through QueryRow, RowDescription's table columns) and its simple
// protocol, where pgx renders every argument into the text itself.
func TestPgxDriverForms(t *testing.T) {
	_, conn := pglitSetup(t, "pgxforms")
	ctx := context.Background()
	day := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	at := time.Date(2024, 1, 2, 10, 30, 0, 123456000, time.UTC)
	uid := "6b1d7e34-2c1b-4f6b-9a6e-9b0f0b1c2d3e"

	var id int32
	var name string
	err := conn.QueryRow(ctx, "INSERT INTO item (name, flag, price, data, uid, d, ts) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, name",
		"a", true, "1.50", []byte{1, 2, 0xff}, uid, day, at).Scan(&id, &name)
	if err != nil || id != 1 || name != "a" {
		t.Fatalf("INSERT ... RETURNING = %d, %q, %v; want 1, a", id, name, err)
	}

	// The simple protocol: pgx interpolates the arguments as literals
	// (bytes as '\x..', times with their zone, booleans as true/false).
	simple := pgx.QueryExecModeSimpleProtocol
	err = conn.QueryRow(ctx, "INSERT INTO item (name, flag, data, d, ts) VALUES ($1, $2, $3, $4, $5) RETURNING id",
		simple, "b", false, []byte{0, 0x5c, 0x27}, day, at.In(time.FixedZone("", 3600))).Scan(&id)
	if err != nil || id != 2 {
		t.Fatalf("simple-protocol INSERT ... RETURNING = %d, %v; want 2", id, err)
	}
	var data []byte
	var flag bool
	var ts time.Time
	if err := conn.QueryRow(ctx, "SELECT data, flag, ts FROM item WHERE id = $1", 2).Scan(&data, &flag, &ts); err != nil {
		t.Fatal(err)
	}
	// pgx renders a time as its instant in UTC ('...Z').
	if !bytes.Equal(data, []byte{0, 0x5c, 0x27}) || flag || !ts.Equal(at) {
		t.Fatalf("row 2 = %x, %v, %v; want 005c27, false, %v", data, flag, ts, at)
	}

	// Casts and LIMIT with parameters.
	var n int64
	var price string
	if err := conn.QueryRow(ctx, "SELECT $1::int8 + 1, price::text FROM item WHERE flag = true ORDER BY id LIMIT $2 OFFSET $3",
		int64(41), 1, 0).Scan(&n, &price); err != nil || n != 42 || price != "1.50" {
		t.Fatalf("casts = %d, %q, %v; want 42, 1.50", n, price, err)
	}

	// UPDATE and DELETE ... RETURNING: rows and the command tag's count.
	rows, err := conn.Query(ctx, "UPDATE item SET price = 9 WHERE id IN (1, 2) RETURNING id, price")
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for rows.Next() {
		got++
	}
	if err := rows.Err(); err != nil || got != 2 || rows.CommandTag().RowsAffected() != 2 || !rows.CommandTag().Update() {
		t.Fatalf("UPDATE ... RETURNING: %d rows, tag %q, %v", got, rows.CommandTag(), err)
	}
	if err := conn.QueryRow(ctx, "DELETE FROM item WHERE id = 2 RETURNING name").Scan(&name); err != nil || name != "b" {
		t.Fatalf("DELETE ... RETURNING = %q, %v", name, err)
	}

	// RowDescription: a plain table column carries its table's object_id
	// and its column number; a computed column carries neither.
	var oid uint32
	if err := conn.QueryRow(ctx, "SELECT object_id FROM sys.tables WHERE name = 'item'").Scan(&oid); err != nil {
		t.Fatal(err)
	}
	rows, err = conn.Query(ctx, "SELECT i.ts, name, price + 1 AS more, * FROM item AS i")
	if err != nil {
		t.Fatal(err)
	}
	fds := rows.FieldDescriptions()
	rows.Close()
	want := []struct {
		oid  uint32
		attr uint16
	}{{oid, 8}, {oid, 2}, {0, 0}, {oid, 1}, {oid, 2}, {oid, 3}}
	for i, w := range want {
		if fds[i].TableOID != w.oid || fds[i].TableAttributeNumber != w.attr {
			t.Errorf("column %s: table %d, attribute %d; want %d, %d", fds[i].Name, fds[i].TableOID, fds[i].TableAttributeNumber, w.oid, w.attr)
		}
	}
	// The simple protocol's RowDescription carries them too.
	rows, err = conn.Query(ctx, "SELECT flag FROM item", simple)
	if err != nil {
		t.Fatal(err)
	}
	fds = rows.FieldDescriptions()
	rows.Close()
	if len(fds) != 1 || fds[0].TableOID != oid || fds[0].TableAttributeNumber != 3 {
		t.Errorf("simple protocol: %+v; want table %d, attribute 3", fds, oid)
	}
}

// TestLibPQDriverForms: lib/pq sends every parameter as text with no
// type (OID 0): times as RFC 3339 with their zone, bytes as '\x..'.
func TestLibPQDriverForms(t *testing.T) {
	url, _ := pglitSetup(t, "pqforms")
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	at := time.Date(2024, 1, 3, 10, 0, 0, 0, time.FixedZone("", -5*3600))

	var id int64
	if err := db.QueryRowContext(ctx, "INSERT INTO item (name, flag, data, d, ts) VALUES ($1, $2, $3, $4, $5) RETURNING id",
		"a", true, []byte("xyz"), at, at).Scan(&id); err != nil || id != 1 {
		t.Fatalf("INSERT ... RETURNING = %d, %v; want 1", id, err)
	}
	// pgjdbc's setDate: a date with a zone and no time.
	if _, err := db.ExecContext(ctx, "UPDATE item SET d = $1 WHERE id = 1", "2024-01-05 +00"); err != nil {
		t.Fatalf("date with a zone: %v", err)
	}
	var d, ts time.Time
	var data []byte
	if err := db.QueryRowContext(ctx, "SELECT d, ts, data FROM item WHERE flag = $1 LIMIT 1", true).Scan(&d, &ts, &data); err != nil {
		t.Fatal(err)
	}
	if d.Format("2006-01-02") != "2024-01-05" || ts.Format("15:04") != "10:00" || string(data) != "xyz" {
		t.Fatalf("row = %v, %v, %q; want 2024-01-05, 10:00 (the wall time), xyz", d, ts, data)
	}
	res, err := db.ExecContext(ctx, "DELETE FROM item WHERE id = $1::int8 RETURNING id", 1)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("DELETE ... RETURNING affected %d rows, want 1", n)
	}
}

// TestPsycopg2DriverForms runs a short Python script with psycopg2 (Debian's
// python3-psycopg2, which ./test.sh installs): psycopg2 renders every
// argument into the query text itself, as '2024-01-02'::date,
// '\x0102'::bytea, '...'::uuid, true/false, Decimal and None.
func TestPsycopg2DriverForms(t *testing.T) {
	python := ""
	// Debian's python3-psycopg2 is for /usr/bin/python3, which a python3
	// earlier on PATH (pyenv, a virtualenv) may not see.
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(p, "-c", "import psycopg2, psycopg2.extras").Run() == nil {
			python = p
			break
		}
	}
	if python == "" {
		t.Fatal("this test needs python3 with psycopg2 (Debian: apt-get install python3-psycopg2; ./test.sh installs it)")
	}
	url, _ := pglitSetup(t, "pyforms")
	script := filepath.Join(t.TempDir(), "forms.py")
	if err := os.WriteFile(script, []byte(psycopg2Script), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, python, script, url).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ok\n") {
		t.Fatalf("psycopg2 script: %v\n%s", err, out)
	}
}

const psycopg2Script = `
import datetime, decimal, sys, uuid
import psycopg2, psycopg2.extras

psycopg2.extras.register_uuid()
conn = psycopg2.connect(sys.argv[1])
cur = conn.cursor()
u = uuid.UUID("6b1d7e34-2c1b-4f6b-9a6e-9b0f0b1c2d3e")
day = datetime.date(2024, 1, 2)
at = datetime.datetime(2024, 1, 2, 10, 30, 0, 123456)
atz = datetime.datetime(2024, 1, 2, 10, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))

# What psycopg2 sends is its own rendering of the arguments.
q = cur.mogrify("INSERT INTO item (name, flag, price, data, uid, d, ts) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id, name",
                ("a", True, decimal.Decimal("1.50"), psycopg2.Binary(b"\x01\x02\xff"), u, day, at))
for form in (b"true", b"1.50", b"'\\x0102ff'::bytea", b"::uuid", b"'2024-01-02'::date", b"'2024-01-02T10:30:00.123456'::timestamp"):
    assert form in q, (form, q)
cur.execute(q)
assert cur.fetchone() == (1, "a")
cur.execute("INSERT INTO item (name, flag, price, data, uid, d, ts) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
            ("b", False, None, None, None, None, atz))
assert cur.fetchone() == (2,)
conn.commit()

cur.execute("SELECT name, flag, price, data, uid, d, ts FROM item WHERE flag = %s", (True,))
name, flag, price, data, uid, d, ts = cur.fetchone()
assert (name, flag, price, bytes(data), uid, d, ts) == ("a", True, decimal.Decimal("1.50"), b"\x01\x02\xff", u, day, at), (name, flag, price, data, uid, d, ts)

# timestamptz: the instant in UTC (the session's TimeZone).
cur.execute("SELECT %s::timestamptz", (atz,))
assert cur.fetchone()[0].replace(tzinfo=None) == datetime.datetime(2024, 1, 2, 9, 30), "timestamptz"

cur.execute("SELECT name FROM item ORDER BY id LIMIT %s OFFSET %s", (1, 1))
assert cur.fetchall() == [("b",)]
cur.execute("UPDATE item SET price = %s WHERE id = %s RETURNING price", (decimal.Decimal("2.25"), 2))
assert cur.fetchone() == (decimal.Decimal("2.25"),) and cur.rowcount == 1
cur.execute("DELETE FROM item WHERE flag = %s RETURNING id", (False,))
assert cur.fetchall() == [(2,)]
conn.commit()

# Errors carry SQL Server's number's SQLSTATE.
try:
    cur.execute("SELECT %s::int", ("x",))
    raise SystemExit("no error")
except psycopg2.Error as e:
    assert e.pgcode == "22P02", e.pgcode
    conn.rollback()
print("ok")
`
