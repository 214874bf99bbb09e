package server_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/lib/pq"

	"mirrordb/server"
	"mirrordb/server/servertest"
)

// COPY through real drivers (issue 15 §2): pgx's CopyFrom (binary) and
// PgConn.CopyTo, lib/pq's CopyIn (text). psql's \copy is in
// testdata/psql/copy.sql.

// copySetup starts a server with database db holding
// items (id, name, price, ok, at, u, data, score, day) and
// logs (seq identity, msg, and kind, at, id with defaults), people (id,
// name, price).
func copySetup(t *testing.T, db string) (url string, conn *pgx.Conn, srv *server.Server) {
	t.Helper()
	srv = servertest.Start(t, "")
	conn = servertest.Connect(t, srv, "master")
	if _, err := conn.Exec(context.Background(), "CREATE DATABASE "+db+" USE "+db+`
		CREATE TABLE items (id INT PRIMARY KEY, name NVARCHAR(20) NOT NULL, price DECIMAL(10,2), ok BIT,
			at DATETIME2, u UNIQUEIDENTIFIER, data VARBINARY(16), score FLOAT, day DATE)
		CREATE TABLE logs (seq INT IDENTITY(1,1) PRIMARY KEY, msg VARCHAR(10), kind VARCHAR(5) DEFAULT 'info', at DATETIME2 DEFAULT GETDATE(), id UNIQUEIDENTIFIER DEFAULT NEWID())
		CREATE TABLE people (id INT PRIMARY KEY, name NVARCHAR(20), price DECIMAL(10,2))`); err != nil {
		t.Fatal(err)
	}
	return servertest.URL(srv, db), conn, srv
}

func count(t *testing.T, conn *pgx.Conn, table string) (n int) {
	t.Helper()
	if err := conn.QueryRow(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// pgCode is the SQLSTATE of a pgx error.
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func TestCopyPgx(t *testing.T) {
	_, conn, _ := copySetup(t, "pgxcopy")
	ctx := context.Background()
	at := time.Date(2024, 1, 2, 3, 4, 5, 123456000, time.UTC)
	rows := [][]any{
		{int32(1), "one", "12.50", true, at, "6f9619ff-8b86-d011-b42d-00c04fc964ff", []byte{1, 2, 0xff}, 1.5, at},
		{int32(2), "two, \"quoted\"\nline", nil, false, nil, nil, []byte{}, nil, nil},
	}
	cols := []string{"id", "name", "price", "ok", "at", "u", "data", "score", "day"}
	n, err := conn.CopyFrom(ctx, pgx.Identifier{"items"}, cols, pgx.CopyFromRows(rows))
	if err != nil || n != 2 {
		t.Fatalf("CopyFrom: %d, %v", n, err)
	}
	var name, price, u string
	var data []byte
	var ok bool
	var got time.Time
	if err := conn.QueryRow(ctx, "SELECT name, CAST(price AS VARCHAR(20)), ok, at, CAST(u AS VARCHAR(40)), data FROM items WHERE id = 1").
		Scan(&name, &price, &ok, &got, &u, &data); err != nil {
		t.Fatal(err)
	}
	if name != "one" || price != "12.50" || !ok || !got.Equal(at) || !strings.EqualFold(u, "6f9619ff-8b86-d011-b42d-00c04fc964ff") || !bytes.Equal(data, []byte{1, 2, 0xff}) {
		t.Fatalf("row 1 read back as %q %q %v %v %q %x", name, price, ok, got, u, data)
	}

	// COPY TO STDOUT in each format, through PgConn.CopyTo.
	for _, c := range []struct{ sql, want string }{
		{"COPY items (id, name, price, ok, score) TO STDOUT",
			"1\tone\t12.50\tt\t1.5\n2\ttwo, \"quoted\"\\nline\t\\N\tf\t\\N\n"},
		{"COPY items (id, name, data) TO STDOUT WITH (FORMAT csv, HEADER, FORCE_QUOTE (id))",
			"id,name,data\n\"1\",one,\\x0102ff\n\"2\",\"two, \"\"quoted\"\"\nline\",\\x\n"},
		{"COPY (SELECT id, day FROM items WHERE day IS NOT NULL) TO STDOUT csv", "1,2024-01-02\n"},
	} {
		var out bytes.Buffer
		tag, err := conn.PgConn().CopyTo(ctx, &out, c.sql)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		if out.String() != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.sql, out.String(), c.want)
		}
		if tag.RowsAffected() == 0 {
			t.Errorf("%s: tag %q", c.sql, tag)
		}
	}
	// Binary out, then back in: the table's rows survive the round trip.
	var bin bytes.Buffer
	if _, err := conn.PgConn().CopyTo(ctx, &bin, "COPY items TO STDOUT (FORMAT binary)"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE items2 (id INT PRIMARY KEY, name NVARCHAR(20) NOT NULL, price DECIMAL(10,2), ok BIT, at DATETIME2, u UNIQUEIDENTIFIER, data VARBINARY(16), score FLOAT, day DATE)"); err != nil {
		t.Fatal(err)
	}
	if tag, err := conn.PgConn().CopyFrom(ctx, &bin, "COPY items2 FROM STDIN (FORMAT binary)"); err != nil || tag.RowsAffected() != 2 {
		t.Fatalf("binary round trip: %v %v", tag, err)
	}
	var diff int
	if err := conn.QueryRow(ctx, `SELECT COUNT(*) FROM items a JOIN items2 b ON a.id = b.id
		WHERE a.name = b.name AND ISNULL(a.price, -1) = ISNULL(b.price, -1) AND ISNULL(a.data, 0x99) = ISNULL(b.data, 0x99)
		AND ISNULL(a.at, '1900-01-01') = ISNULL(b.at, '1900-01-01')`).Scan(&diff); err != nil || diff != 2 {
		t.Fatalf("binary round trip: %d rows equal, %v", diff, err)
	}

	// Missing columns take their default and identity.
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"logs"}, []string{"msg"}, pgx.CopyFromRows([][]any{{"a"}, {"b"}})); err != nil {
		t.Fatal(err)
	}
	var seqs, kinds string
	var stamped, ids int
	if err := conn.QueryRow(ctx, "SELECT CAST(MIN(seq) AS VARCHAR(5)) + '-' + CAST(MAX(seq) AS VARCHAR(5)), MIN(kind), COUNT(at), COUNT(DISTINCT id) FROM logs").Scan(&seqs, &kinds, &stamped, &ids); err != nil || seqs != "1-2" || kinds != "info" || stamped != 2 || ids != 2 {
		t.Fatalf("identity and defaults: %q %q %d %d %v", seqs, kinds, stamped, ids, err)
	}
}

// TestCopyFailuresLoadNothing: a value that does not convert, a NULL for a
// NOT NULL column, a duplicate key, the client's CopyFail and a cancel each
// end the COPY with an error, and none of its rows stays.
func TestCopyFailuresLoadNothing(t *testing.T) {
	_, conn, srv := copySetup(t, "copyfail")
	ctx := context.Background()
	pg := conn.PgConn()
	for _, c := range []struct {
		name, data, code, where string
	}{
		{"conversion", "1\tok\n2\tfine\nthree\tbad\n", "22P02", `COPY items, line 3, column id: "three"`},
		{"not null", "1\tok\n2\t\\N\n", "23502", "COPY items, line 2"},
		{"duplicate", "1\tok\n1\tagain\n", "23505", "COPY items, line 2"},
		{"too long", "1\t" + strings.Repeat("x", 21) + "\n", "22001", `COPY items, line 1, column name: "` + strings.Repeat("x", 21) + `"`},
		{"extra column", "1\tok\textra\n", "22P04", "COPY items, line 1"},
		{"not UTF-8", "1\tok\n2\t\xff\xfe\n", "22021", "COPY items, line 2, column name: \"\uFFFD\""},
	} {
		_, err := pg.CopyFrom(ctx, strings.NewReader(c.data), "COPY items (id, name) FROM STDIN")
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != c.code || pe.Where != c.where || !strings.HasPrefix(pe.Message, "Msg ") && pe.Code != "22P04" && pe.Code != "22021" {
			t.Errorf("%s: %v (where %q), want SQLSTATE %s where %q", c.name, err, whereOf(err), c.code, c.where)
		}
		if n := count(t, conn, "items"); n != 0 {
			t.Fatalf("%s: %d rows stayed", c.name, n)
		}
	}

	// CopyFail: the client abandons the copy (a source that fails).
	failing := &failingSource{rows: 100}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"items"}, []string{"id", "name"}, failing); err == nil {
		t.Fatal("CopyFrom with a failing source succeeded")
	}
	if n := count(t, conn, "items"); n != 0 {
		t.Fatalf("after CopyFail: %d rows stayed", n)
	}

	// A CancelRequest in the middle of the data.
	r := &endlessRows{started: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		_, err := pg.CopyFrom(ctx, r, "COPY items (id, name) FROM STDIN")
		done <- err
	}()
	<-r.started
	// A cancel reaches only a running statement: wait until the server
	// is inside the COPY.
	watcher := servertest.Connect(t, srv, "master")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		var running int
		if err := watcher.QueryRow(ctx, "SELECT COUNT(*) FROM sys.dm_exec_requests WHERE command = 'COPY'").Scan(&running); err != nil {
			t.Fatal(err)
		}
		if running > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the COPY never showed in sys.dm_exec_requests")
		}
	}
	if err := pg.CancelRequest(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if code := pgCode(err); code != "57014" {
			t.Fatalf("cancelled COPY: %v, want SQLSTATE 57014", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("a cancelled COPY did not end")
	}
	if n := count(t, conn, "items"); n != 0 {
		t.Fatalf("after a cancel: %d rows stayed", n)
	}

	// Keys loaded in order skip their duplicate lookup; a key at or below
	// the table's last one is still looked up.
	if _, err := conn.Exec(ctx, "INSERT items (id, name) VALUES (5, 'five')"); err != nil {
		t.Fatal(err)
	}
	if _, err := pg.CopyFrom(ctx, strings.NewReader("6\ta\n7\tb\n5\tc\n"), "COPY items (id, name) FROM STDIN"); pgCode(err) != "23505" || whereOf(err) != "COPY items, line 3" {
		t.Fatalf("a key below the table's last: %v (%s)", err, whereOf(err))
	}
	if _, err := conn.Exec(ctx, "DELETE items"); err != nil {
		t.Fatal(err)
	}

	// Inside a transaction a COPY is one statement: a rollback undoes it.
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"items"}, []string{"id", "name"}, pgx.CopyFromRows([][]any{{int32(1), "a"}})); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(t, conn, "items"); n != 0 {
		t.Fatalf("after ROLLBACK: %d rows stayed", n)
	}
}

func whereOf(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Where
	}
	return ""
}

// failingSource yields rows, then fails: pgx then ends the copy with
// CopyFail.
type failingSource struct{ rows, i int }

func (s *failingSource) Next() bool { s.i++; return true }
func (s *failingSource) Values() ([]any, error) {
	if s.i > s.rows {
		return nil, errors.New("the source broke")
	}
	return []any{int32(s.i), "x"}, nil
}
func (s *failingSource) Err() error { return nil }

// endlessRows is COPY text data that never ends.
type endlessRows struct {
	i       int
	started chan struct{}
}

func (r *endlessRows) Read(p []byte) (int, error) {
	if r.i == 1000 {
		close(r.started)
	}
	line := fmt.Sprintf("%d\tx\n", r.i)
	r.i++
	if len(p) < len(line) {
		return 0, io.ErrShortBuffer
	}
	return copy(p, line), nil
}

func TestCopyLibPQ(t *testing.T) {
	url, conn, _ := copySetup(t, "pqcopy")
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	stmt, err := tx.Prepare(pq.CopyIn("items", "id", "name", "price", "day"))
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 500; i++ {
		var day any
		if i%2 == 0 {
			day = time.Date(2024, 2, i%28+1, 0, 0, 0, 0, time.UTC)
		}
		if _, err := stmt.Exec(i, fmt.Sprintf("name\t%d\\", i), fmt.Sprintf("%d.25", i), day); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := stmt.Exec(); err != nil {
		t.Fatal(err)
	}
	if err := stmt.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	var n int
	var name string
	if err := conn.QueryRow(context.Background(), "SELECT COUNT(day), MAX(CASE WHEN id = 7 THEN name END) FROM items").Scan(&n, &name); err != nil || n != 250 || name != "name\t7\\" {
		t.Fatalf("lib/pq CopyIn: %d days, name %q, %v", n, name, err)
	}
}

// TestBulkInsert: T-SQL's BULK INSERT of a server file: csv with a header
// row, the default char format, rows that do not convert skipped up to
// MAXERRORS, a missing file (4860).
func TestBulkInsert(t *testing.T) {
	_, conn, _ := copySetup(t, "bulkdb")
	ctx := context.Background()
	dir := t.TempDir()
	csvFile := filepath.Join(dir, "items.csv")
	if err := os.WriteFile(csvFile, []byte("id,name,price\r\n1,\"Smith, J\",1.5\r\n2,plain,\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	exec := func(sql string) (pgconn.CommandTag, error) { return conn.Exec(ctx, sql) }
	tag, err := exec(`BULK INSERT people FROM '` + csvFile + `' WITH (FORMAT = 'CSV', FIRSTROW = 2, FIELDTERMINATOR = ',', ROWTERMINATOR = '\n', TABLOCK)`)
	if err != nil || tag.RowsAffected() != 2 {
		t.Fatalf("BULK INSERT csv: %v %v", tag, err)
	}
	var name string
	if err := conn.QueryRow(ctx, "SELECT name FROM people WHERE id = 1").Scan(&name); err != nil || name != "Smith, J" {
		t.Fatalf("csv field: %q %v", name, err)
	}
	// char format: fields split at every terminator; the identity column
	// is in the file but takes its own values; an empty field takes the
	// column's default unless KEEPNULLS.
	if _, err := exec("CREATE TABLE notes (seq INT IDENTITY(1,1) PRIMARY KEY, msg VARCHAR(10), kind VARCHAR(5) DEFAULT 'info')"); err != nil {
		t.Fatal(err)
	}
	logFile := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(logFile, []byte("99|first|warn\n99|second|\n99|third|x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := exec(`BULK INSERT notes FROM '` + logFile + `' WITH (FIELDTERMINATOR = '|')`); err != nil {
		t.Fatal(err)
	}
	if _, err := exec(`BULK INSERT notes FROM '` + logFile + `' WITH (FIELDTERMINATOR = '0x7c', KEEPNULLS, LASTROW = 2)`); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := conn.QueryRow(ctx, "SELECT STRING_AGG(CAST(seq AS VARCHAR(3)) + msg + ISNULL(kind, 'NULL'), ',') FROM notes").Scan(&got); err != nil {
		// no STRING_AGG: read the rows one by one
		rows, err := conn.Query(ctx, "SELECT seq, msg, ISNULL(kind, 'NULL') FROM notes ORDER BY seq")
		if err != nil {
			t.Fatal(err)
		}
		var parts []string
		for rows.Next() {
			var seq int
			var msg, kind string
			if err := rows.Scan(&seq, &msg, &kind); err != nil {
				t.Fatal(err)
			}
			parts = append(parts, fmt.Sprint(seq, msg, kind))
		}
		got = strings.Join(parts, ",")
	}
	if want := "1firstwarn,2secondinfo,3thirdx,4firstwarn,5secondNULL"; got != want {
		t.Fatalf("BULK INSERT char format: %s, want %s", got, want)
	}
	// Bad values: skipped (a notice each) while at most MAXERRORS.
	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(bad, []byte("10\tten\t1\nx\tbad\t2\n11\televen\t3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := exec(`BULK INSERT people FROM '` + bad + `' WITH (MAXERRORS = 0)`); !errorNumber(err, 4865) {
		t.Fatalf("MAXERRORS = 0: %v", err)
	}
	if n := count(t, conn, "people"); n != 2 {
		t.Fatalf("a failed BULK INSERT left %d rows, want the 2 before", n)
	}
	if tag, err := exec(`BULK INSERT people FROM '` + bad + `'`); err != nil || tag.RowsAffected() != 2 {
		t.Fatalf("bad row skipped: %v %v", tag, err)
	}
	if _, err := exec(`BULK INSERT items FROM '` + filepath.Join(dir, "missing.csv") + `'`); !errorNumber(err, 4860) {
		t.Fatalf("missing file: %v", err)
	}

	// COPY to and from a server file (sysadmin): out, emptied, back in.
	out := filepath.Join(dir, "people.out")
	if tag, err := exec(`COPY people TO '` + out + `' (FORMAT csv, HEADER)`); err != nil || tag.RowsAffected() != 4 {
		t.Fatalf("COPY TO a file: %v %v", tag, err)
	}
	if _, err := exec(`DELETE people`); err != nil {
		t.Fatal(err)
	}
	if tag, err := exec(`COPY people FROM '` + out + `' (FORMAT csv, HEADER match)`); err != nil || tag.RowsAffected() != 4 {
		t.Fatalf("COPY FROM a file: %v %v", tag, err)
	}
	if err := conn.QueryRow(ctx, "SELECT name FROM people WHERE id = 1").Scan(&name); err != nil || name != "Smith, J" {
		t.Fatalf("after COPY through a file: %q %v", name, err)
	}
}

func errorNumber(err error, n int) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && strings.HasPrefix(pe.Message, fmt.Sprintf("Msg %d,", n))
}

// TestCopyMemoryBudget: until it commits a load is held in memory, so its
// rows count against --query-memory: a load too big for it fails with
// Msg 701 (53200), loads nothing, and gives the pool its memory back.
func TestCopyMemoryBudget(t *testing.T) {
	g := startGoverned(t, func(c *server.Config) { c.QueryMemory, c.QueryMemoryPool = 32<<20, 64<<20 })
	ctx := context.Background()
	c := g.client(t)
	if _, err := c.Exec(ctx, "CREATE TABLE big (id INT PRIMARY KEY, v VARCHAR(40))"); err != nil {
		t.Fatal(err)
	}
	small, err := c.PgConn().CopyFrom(ctx, bytes.NewReader([]byte("1\tone\n2\ttwo\n")), "COPY big FROM STDIN")
	if err != nil || small.RowsAffected() != 2 {
		t.Fatalf("a small load: %v %v", small, err)
	}
	var buf bytes.Buffer
	for i := 3; i < 200000; i++ {
		fmt.Fprintf(&buf, "%d\tvalue %d\n", i, i)
	}
	_, err = c.PgConn().CopyFrom(ctx, &buf, "COPY big FROM STDIN")
	if pgCode(err) != "53200" || !errorNumber(err, 701) {
		t.Fatalf("a load past --query-memory: %v, want Msg 701", err)
	}
	if n := count(t, c, "big"); n != 2 {
		t.Fatalf("after 701: %d rows, want the 2 before", n)
	}
	if m := g.srv.Memory(); m.InUse() != 0 {
		t.Fatalf("pool: %d bytes still in use", m.InUse())
	}
}

// TestCopyMaintainsIndexes: COPY writes each row's index entries in the
// same transaction (a UNIQUE index refuses a duplicate with 2601 and the
// load leaves nothing, neither rows nor entries), and the loaded rows are
// found through the index; DBCC CHECKTABLE agrees.
func TestCopyMaintainsIndexes(t *testing.T) {
	_, conn, _ := copySetup(t, "ixcopy")
	ctx := context.Background()
	for _, sql := range []string{"USE ixcopy", "CREATE UNIQUE INDEX ux_people_name ON people (name)", "CREATE INDEX ix_people_price ON people (price)"} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	dup := [][]any{{int32(1), "ann", "1.00"}, {int32(2), "bob", "2.00"}, {int32(3), "ann", "3.00"}}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"people"}, []string{"id", "name", "price"}, pgx.CopyFromRows(dup)); pgCode(err) != "23505" || !strings.Contains(err.Error(), "2601") {
		t.Fatalf("COPY with a duplicate in a unique index: %v, want Msg 2601", err)
	}
	if n := count(t, conn, "people"); n != 0 {
		t.Fatalf("a failed COPY left %d rows", n)
	}
	var rows [][]any
	for i := 0; i < 500; i++ {
		rows = append(rows, []any{int32(i), fmt.Sprintf("name %03d", i), fmt.Sprintf("%d.00", i%7)})
	}
	if n, err := conn.CopyFrom(ctx, pgx.Identifier{"people"}, []string{"id", "name", "price"}, pgx.CopyFromRows(rows)); err != nil || n != 500 {
		t.Fatalf("COPY: %d, %v", n, err)
	}
	var id, sevens int
	if err := conn.QueryRow(ctx, "SELECT id FROM people WHERE name = 'name 123'").Scan(&id); err != nil || id != 123 {
		t.Fatalf("through the unique index: %d, %v", id, err)
	}
	if err := conn.QueryRow(ctx, "SELECT COUNT(*) FROM people WHERE price = 3").Scan(&sevens); err != nil || sevens != 71 {
		t.Fatalf("through the price index: %d, %v (want 71)", sevens, err)
	}
	if _, err := conn.Exec(ctx, "DBCC CHECKTABLE ('people') WITH NO_INFOMSGS"); err != nil {
		t.Fatalf("DBCC CHECKTABLE after COPY: %v", err)
	}
	if _, err := conn.Exec(ctx, "INSERT people VALUES (900, 'name 007', 1)"); pgCode(err) != "23505" {
		t.Fatalf("a duplicate of a COPY-loaded key: %v, want 2601", err)
	}
}
