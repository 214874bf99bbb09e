package engine

import (
	"context"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"unicode"

	"mirrordb/engine/bind"
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/sqlerr"
)

// seekUsed binds a SELECT and reports whether its table is read through a
// secondary index or a range of its clustered key.
func seekUsed(t *testing.T, s *Session, sql string) bool {
	ts := boundScan(t, s, sql)
	return ts != nil && (ts.Seek != nil || ts.Rng != nil)
}

// boundScan binds a SELECT and returns its table scan, nil when it reads
// something else.
func boundScan(t *testing.T, s *Session, sql string) *exec.TableScan {
	t.Helper()
	b := parser.Split(sql)[0]
	st, err := parser.ParseStatement(sql)
	if err != nil {
		t.Fatal(err)
	}
	bd := newBinder(s, bind.Binder{Batch: b, Params: &exec.ParamTypes{}, Simple: true})
	sp, err := bd.planSelect(st.(*parser.Select))
	if err != nil {
		t.Fatal(err)
	}
	chooseAccess(sp.Src, sp.Where)
	ts, _ := sp.Src.(*exec.TableScan)
	return ts
}

// TestIndexSeekMatchesScan: on random data with NULLs, duplicates and
// mixed case, every predicate (comparisons, ranges, IN lists, ORs of
// equalities, LIKE prefixes) returns the same rows through an index
// (several shapes: composite, DESC, unique, on a heap) or a range of the
// clustered key as through a full scan of an identical table without
// indexes, in the same order under ORDER BY and TOP read from the index;
// and the seek is really taken.
func TestIndexSeekMatchesScan(t *testing.T) {
	in := openTestInstance(t)
	s := openSession(t, in, "master")
	r := rand.New(rand.NewSource(13))
	for _, tbl := range []string{"ixd", "plain"} {
		mustQuery(t, s, "CREATE TABLE "+tbl+" (id INT PRIMARY KEY, a INT, b VARCHAR(10), c DECIMAL(6,2), u INT)")
	}
	mustQuery(t, s, "CREATE TABLE heap (id INT, a INT, b VARCHAR(10), c DECIMAL(6,2), u INT)")
	val := func(p float64, f func() string) string {
		if r.Float64() < p {
			return "NULL"
		}
		return f()
	}
	var rows []string
	for i := 0; i < 600; i++ {
		rows = append(rows, fmt.Sprintf("(%d, %s, %s, %s, %d)", i,
			val(0.1, func() string { return fmt.Sprint(r.Intn(20) - 5) }),
			val(0.1, func() string {
				return "'" + mixedCase(r, string(rune('a'+r.Intn(6)))+strings.Repeat("x", r.Intn(3))) + "'"
			}),
			val(0.1, func() string { return fmt.Sprintf("%d.%02d", r.Intn(50)-10, r.Intn(100)) }),
			i*7%600))
	}
	for _, tbl := range []string{"ixd", "plain", "heap"} {
		for i := 0; i < len(rows); i += 200 {
			mustQuery(t, s, "INSERT "+tbl+" VALUES "+strings.Join(rows[i:i+200], ", "))
		}
	}
	for _, tbl := range []string{"ixd", "heap"} {
		mustQuery(t, s, "CREATE INDEX i_ab ON "+tbl+" (a, b DESC)")
		mustQuery(t, s, "CREATE INDEX i_c ON "+tbl+" (c DESC) INCLUDE (b)")
		mustQuery(t, s, "CREATE UNIQUE INDEX i_u ON "+tbl+" (u)")
		mustQuery(t, s, "CREATE INDEX i_ba ON "+tbl+" (b, a)")
	}
	// Writes after the build go through maintenance, including key moves.
	for _, tbl := range []string{"ixd", "plain", "heap"} {
		mustQuery(t, s, "UPDATE "+tbl+" SET a = a + 1, b = 'b' WHERE id % 7 = 0")
		mustQuery(t, s, "UPDATE "+tbl+" SET c = NULL WHERE id % 11 = 0")
		mustQuery(t, s, "DELETE FROM "+tbl+" WHERE id % 13 = 0")
	}
	mustQuery(t, s, "UPDATE ixd SET id = id + 1000 WHERE id % 17 = 0")
	mustQuery(t, s, "UPDATE plain SET id = id + 1000 WHERE id % 17 = 0")
	mustQuery(t, s, "UPDATE heap SET id = id + 1000 WHERE id % 17 = 0")
	ops := []string{"=", "<", "<=", ">", ">=", "!<", "!>"}
	lit := map[string]func() string{
		"a":  func() string { return fmt.Sprint(r.Intn(24) - 7) },
		"b":  func() string { return "'" + string(rune('a'+r.Intn(7))) + strings.Repeat("x", r.Intn(3)) + "'" },
		"c":  func() string { return fmt.Sprintf("%d.%d", r.Intn(50)-10, r.Intn(10)) },
		"u":  func() string { return fmt.Sprint(r.Intn(700)) },
		"id": func() string { return fmt.Sprint(r.Intn(1700)) },
	}
	cols := []string{"a", "b", "c", "u", "id"}
	pred := func() string {
		c := cols[r.Intn(len(cols))]
		op := ops[r.Intn(len(ops))]
		switch r.Intn(8) {
		case 0:
			return c + " IN (" + lit[c]() + ", " + lit[c]() + ", " + lit[c]() + ")"
		case 1:
			return "(" + c + " = " + lit[c]() + " OR " + c + " = " + lit[c]() + ")"
		case 2:
			return c + " BETWEEN " + lit[c]() + " AND " + lit[c]()
		case 3:
			pat := mixedCase(r, string(rune('a'+r.Intn(7)))+strings.Repeat("x", r.Intn(2)))
			return "b LIKE '" + pat + []string{"%", "_%", "", "x%"}[r.Intn(4)] + "'"
		}
		if r.Intn(2) == 0 {
			return lit[c]() + " " + op + " " + c
		}
		return c + " " + op + " " + lit[c]()
	}
	orders := [][2]string{{"id", "id DESC"}, {"id", "id"}, {"u", "u DESC"}, {"u", "u"}, {"a, b", "a, b DESC"},
		{"a, b", "a DESC, b"}, {"a", "a DESC"}, {"c", "c DESC"}, {"c", "c"}, {"b, a", "b, a"}, {"b, a", "b DESC, a DESC"}}
	seeks, covered := 0, 0
	for i := 0; i < 400; i++ {
		where := pred()
		switch r.Intn(4) {
		case 0:
			where = "a = " + lit["a"]() + " AND " + pred()
		case 1:
			where += " AND " + pred()
		case 2:
			where = "b = " + lit["b"]() + " AND a " + ops[r.Intn(len(ops))] + " " + lit["a"]()
		}
		if i%40 == 39 { // UPDATE and DELETE find their rows through the indexes too
			for _, tbl := range []string{"ixd", "plain", "heap"} {
				mustQuery(t, s, "UPDATE "+tbl+" SET c = c + 1, b = LEFT(b + 'u', 10) WHERE "+where)
				mustQuery(t, s, "DELETE FROM "+tbl+" WHERE "+where+" AND id % 5 = 0 AND u > 560")
			}
			want := mustQuery(t, s, "SELECT id, a, b, c, u FROM plain ORDER BY id").text()
			for _, tbl := range []string{"ixd", "heap"} {
				if got := mustQuery(t, s, "SELECT id, a, b, c, u FROM "+tbl+" ORDER BY id").text(); got != want {
					t.Fatalf("after UPDATE/DELETE WHERE %s, %s differs from plain", where, tbl)
				}
			}
		}
		want := mustQuery(t, s, "SELECT id, a, b, c, u FROM plain WHERE "+where+" ORDER BY id").text()
		for _, tbl := range []string{"ixd", "heap"} {
			q := "SELECT id, a, b, c, u FROM " + tbl + " WHERE " + where + " ORDER BY id"
			if got := mustQuery(t, s, q).text(); got != want {
				t.Fatalf("%s\n got %s\nwant %s", q, got, want)
			}
			if seekUsed(t, s, q) {
				seeks++
			}
		}
		// The order an index gives, forward or backward, with and without
		// TOP: only the ORDER BY columns are compared, ties being free.
		ord := orders[r.Intn(len(orders))]
		top := []string{"", "TOP 7 ", "TOP 1 "}[r.Intn(3)]
		if r.Intn(3) == 0 {
			where = "1 = 1"
		}
		q := func(tbl string) string {
			return "SELECT " + top + ord[0] + " FROM " + tbl + " WHERE " + where + " ORDER BY " + ord[1]
		}
		want = mustQuery(t, s, q("plain")).text()
		for _, tbl := range []string{"ixd", "heap"} {
			if got := mustQuery(t, s, q(tbl)).text(); got != want {
				t.Fatalf("%s\n got %s\nwant %s", q(tbl), got, want)
			}
			if ts := boundScan(t, s, q(tbl)); ts != nil && ts.Seek != nil && ts.Seek.Covering {
				covered++
			}
		}
	}
	// GROUP BY over an index whose leading column is the group's (a
	// stream aggregate over the entries) and over the table (hashed).
	for _, g := range []string{"c, COUNT(*), MAX(b)", "u, COUNT(*)", "a, COUNT(*), SUM(c)", "b, COUNT(*)"} {
		where := []string{"1 = 1", "a > 2", "c IS NOT NULL"}[r.Intn(3)]
		q := func(tbl string) string {
			return "SELECT " + g + " FROM " + tbl + " WHERE " + where + " GROUP BY " + strings.Split(g, ",")[0] + " ORDER BY 1"
		}
		want := mustQuery(t, s, q("plain")).text()
		for _, tbl := range []string{"ixd", "heap"} {
			if got := mustQuery(t, s, q(tbl)).text(); got != want {
				t.Fatalf("%s\n got %s\nwant %s", q(tbl), got, want)
			}
		}
	}
	if covered < 50 {
		t.Fatalf("only %d statements read a covering index alone", covered)
	}
	if seeks < 400 {
		t.Fatalf("only %d of 800 queries used an index", seeks)
	}
	// And the other way round: the index holds exactly the table's rows.
	mustQuery(t, s, "DBCC CHECKTABLE('ixd')")
	mustQuery(t, s, "DBCC CHECKTABLE('heap')")
}

// mixedCase upper-cases some of the letters of s.
func mixedCase(r *rand.Rand, s string) string {
	b := []byte(s)
	for i := range b {
		if r.Intn(3) == 0 {
			b[i] = byte(unicode.ToUpper(rune(b[i])))
		}
	}
	return string(b)
}

// TestUniqueIndexErrors: 1505 at build and 2601 at insert and update, with
// the duplicate value; a failed build leaves no index and no entries.
func TestUniqueIndexErrors(t *testing.T) {
	in := openTestInstance(t)
	s := openSession(t, in, "master")
	mustQuery(t, s, "CREATE TABLE t (id INT PRIMARY KEY, k VARCHAR(10), n INT)")
	mustQuery(t, s, "INSERT t VALUES (1, 'x', 1), (2, 'y', 2), (3, 'x', 3)")
	err := s.Query(context.Background(), "CREATE UNIQUE INDEX uk ON t (k)", &collect{})
	if !sqlerr.Is(err, 1505) || !strings.Contains(err.Error(), "(x)") {
		t.Fatalf("build over a duplicate: %v", err)
	}
	if got := mustQuery(t, s, "SELECT COUNT(*) FROM sys.indexes WHERE name = 'uk'").text(); got != "[[0]]" {
		t.Fatalf("the failed index is still there: %s", got)
	}
	mustQuery(t, s, "UPDATE t SET k = 'z' WHERE id = 3")
	mustQuery(t, s, "CREATE UNIQUE INDEX uk ON t (k, n)")
	mustQuery(t, s, "CREATE UNIQUE INDEX un ON t (n)")
	err = s.Query(context.Background(), "INSERT t VALUES (4, 'x', 1)", &collect{})
	if !sqlerr.Is(err, 2601) || !strings.Contains(err.Error(), "The duplicate key value is (x, 1).") {
		t.Fatalf("insert of a duplicate: %v", err)
	}
	err = s.Query(context.Background(), "UPDATE t SET n = 2 WHERE id = 1", &collect{})
	if !sqlerr.Is(err, 2601) || !strings.Contains(err.Error(), "'un'") {
		t.Fatalf("update to a duplicate: %v", err)
	}
	// Rows swapping unique values in one statement do not collide.
	mustQuery(t, s, "UPDATE t SET n = 3 - n WHERE id IN (1, 2)")
	if got := mustQuery(t, s, "SELECT id FROM t WHERE n = 1").text(); got != "[[2]]" {
		t.Fatalf("after the swap: %s", got)
	}
	// Two NULLs are duplicates in a unique index, as in SQL Server.
	mustQuery(t, s, "INSERT t VALUES (5, NULL, NULL)")
	err = s.Query(context.Background(), "INSERT t VALUES (6, NULL, NULL)", &collect{})
	if !sqlerr.Is(err, 2601) || !strings.Contains(err.Error(), "<NULL>") {
		t.Fatalf("a second NULL: %v", err)
	}
	mustQuery(t, s, "DBCC CHECKTABLE('t')")
}

// TestFilteredIndex: a filtered index holds the rows its filter accepts,
// and only those: a unique one allows duplicates outside its filter (the
// NULLs of UNIQUE ... WHERE c IS NOT NULL), rows moving into and out of
// the filter by UPDATE gain and lose their entries, DBCC agrees; filters
// SQL Server refuses are refused with its errors.
func TestFilteredIndex(t *testing.T) {
	in := openTestInstance(t)
	s := openSession(t, in, "master")
	mustQuery(t, s, "CREATE TABLE u (id INT PRIMARY KEY, email VARCHAR(50), status INT)")
	mustQuery(t, s, "INSERT u VALUES (1, NULL, 1), (2, NULL, 1), (3, 'a@x', 1), (4, 'b@x', 0), (5, 'b@x', 2)")
	err := s.Query(context.Background(), "CREATE UNIQUE INDEX ux ON u (email) WHERE email IS NOT NULL", &collect{})
	if !sqlerr.Is(err, 1505) {
		t.Fatalf("build over duplicates inside the filter: %v", err)
	}
	mustQuery(t, s, "CREATE UNIQUE INDEX ux ON u (email) WHERE email IS NOT NULL AND status IN (1, 2)")
	mustQuery(t, s, "CREATE INDEX ix_active ON u (status) WHERE status > 0 AND status <> -1")
	mustQuery(t, s, "INSERT u VALUES (6, NULL, 1), (7, 'b@x', 0)")
	if err := s.Query(context.Background(), "INSERT u VALUES (8, 'a@x', 2)", &collect{}); !sqlerr.Is(err, 2601) {
		t.Fatalf("a duplicate inside the filter: %v", err)
	}
	if err := s.Query(context.Background(), "UPDATE u SET status = 1 WHERE id = 4", &collect{}); !sqlerr.Is(err, 2601) {
		t.Fatalf("a row moved into the filter onto a duplicate: %v", err)
	}
	mustQuery(t, s, "UPDATE u SET status = 0 WHERE id = 5") // out of the filter
	mustQuery(t, s, "UPDATE u SET status = 1 WHERE id = 4") // now free to come in
	mustQuery(t, s, "DELETE FROM u WHERE id = 3")
	mustQuery(t, s, "DBCC CHECKTABLE('u')")
	if got := mustQuery(t, s, "SELECT name, has_filter, filter_definition FROM sys.indexes WHERE name IN ('ux', 'ix_active') ORDER BY name").text(); got != "[[ix_active true (status > 0 AND status <> -1)] [ux true (email IS NOT NULL AND status IN (1, 2))]]" {
		t.Fatalf("sys.indexes: %s", got)
	}
	if got := mustQuery(t, s, "SELECT p.rows FROM sys.partitions p JOIN sys.indexes i ON i.object_id = p.object_id AND i.index_id = p.index_id WHERE i.name IN ('ux', 'ix_active') ORDER BY i.name").text(); got != "[[4] [1]]" {
		t.Fatalf("entries: %s", got)
	}
	for q, want := range map[string]int{
		"CREATE INDEX f1 ON u (status) WHERE status = 1 OR status = 2": 10735,
		"CREATE INDEX f2 ON u (status) WHERE LEN(email) > 3":           10735,
		"CREATE INDEX f3 ON u (status) WHERE status > id":              10735,
		"CREATE INDEX f4 ON u (status) WHERE status = 'abc'":           10609,
		"CREATE INDEX f5 ON u (status) WHERE nosuch = 1":               207,
	} {
		if err := s.Query(context.Background(), q, &collect{}); !sqlerr.Is(err, want) {
			t.Errorf("%s: %v, want Msg %d", q, err, want)
		}
	}
}

// TestIndexesThroughBackupAndRestore: a full backup taken while an index
// is in place and a log backup holding an index build, an index drop and
// writes restore on another instance into a database whose indexes agree
// with its tables and answer as scans do.
func TestIndexesThroughBackupAndRestore(t *testing.T) {
	dir := t.TempDir()
	src := openTestInstance(t)
	mustQuery(t, openSession(t, src, "master"), "CREATE DATABASE b")
	s := openSession(t, src, "b")
	mustQuery(t, s, "CREATE TABLE t (id INT PRIMARY KEY, a INT, c VARCHAR(10))")
	mustQuery(t, s, "INSERT t VALUES (1, 1, 'x'), (2, 2, 'y'), (3, 1, 'z'), (4, NULL, 'x')")
	mustQuery(t, s, "CREATE INDEX ia ON t (a DESC)")
	mustQuery(t, s, fmt.Sprintf("BACKUP DATABASE b TO DISK = '%s/full.bak'", dir))
	mustQuery(t, s, "UPDATE t SET a = 7 WHERE id = 1")
	mustQuery(t, s, "CREATE UNIQUE INDEX uc ON t (c, a)")
	mustQuery(t, s, "DROP INDEX ia ON t")
	mustQuery(t, s, "CREATE INDEX ia2 ON t (a) INCLUDE (c)")
	mustQuery(t, s, "INSERT t VALUES (5, 1, 'w')")
	mustQuery(t, s, fmt.Sprintf("BACKUP LOG b TO DISK = '%s/log.trn'", dir))

	dst := openTestInstance(t)
	m := openSession(t, dst, "master")
	mustQuery(t, m, fmt.Sprintf("RESTORE DATABASE b FROM DISK = '%s/full.bak' WITH NORECOVERY", dir))
	mustQuery(t, m, fmt.Sprintf("RESTORE LOG b FROM DISK = '%s/log.trn' WITH RECOVERY", dir))
	r := openSession(t, dst, "b")
	mustQuery(t, r, "DBCC CHECKDB")
	if got := mustQuery(t, r, "SELECT name FROM sys.indexes ORDER BY index_id").text(); got != "[[PK__t__3B4A0001] [uc] [ia2]]" {
		t.Fatalf("restored indexes: %s", got)
	}
	for _, w := range []string{"a = 1", "a > 1", "c = 'x' AND a IS NULL", "c = 'x'"} {
		got := mustQuery(t, r, "SELECT id FROM t WHERE "+w+" ORDER BY id").text()
		want := mustQuery(t, s, "SELECT id FROM t WHERE "+w+" ORDER BY id").text()
		if got != want {
			t.Errorf("%s: restored %s, source %s", w, got, want)
		}
	}
	if err := r.Query(context.Background(), "INSERT t VALUES (6, 1, 'w')", &collect{}); !sqlerr.Is(err, 2601) {
		t.Fatalf("the restored unique index: %v", err)
	}
}

// TestDropExistingRebuild: WITH (DROP_EXISTING = ON) replaces an index
// under its name and index_id; a rebuild that fails (1505 here) leaves the
// old index as it was; without an index of that name it is 7999.
func TestDropExistingRebuild(t *testing.T) {
	in := openTestInstance(t)
	s := openSession(t, in, "master")
	mustQuery(t, s, "CREATE TABLE t (id INT PRIMARY KEY, k INT, v VARCHAR(5))")
	mustQuery(t, s, "INSERT t VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 10, 'c')")
	mustQuery(t, s, "CREATE INDEX ik ON t (k)")
	mustQuery(t, s, "CREATE INDEX iv ON t (v)")
	shape := func() string {
		return mustQuery(t, s, "SELECT name, index_id, is_unique, is_disabled FROM sys.indexes ORDER BY index_id").text()
	}
	before := shape()
	if err := s.Query(context.Background(), "CREATE UNIQUE INDEX ik ON t (k) WITH (DROP_EXISTING = ON)", &collect{}); !sqlerr.Is(err, 1505) {
		t.Fatalf("a rebuild over duplicates: %v", err)
	}
	if got := shape(); got != before {
		t.Fatalf("after the failed rebuild: %s, want %s", got, before)
	}
	if got := mustQuery(t, s, "SELECT id FROM t WHERE k = 10 ORDER BY id").text(); got != "[[1] [3]]" {
		t.Fatalf("the old index after the failed rebuild: %s", got)
	}
	mustQuery(t, s, "UPDATE t SET k = 30 WHERE id = 3")
	mustQuery(t, s, "CREATE UNIQUE INDEX ik ON t (k DESC, v) WITH (DROP_EXISTING = ON)")
	if got := shape(); got != "[[PK__t__3B4A0001 1 true false] [ik 2 true false] [iv 3 false false]]" {
		t.Fatalf("after the rebuild: %s", got)
	}
	if got := mustQuery(t, s, "SELECT COUNT(*) FROM sys.index_columns WHERE index_id = 2").text(); got != "[[2]]" {
		t.Fatalf("the rebuilt index's columns: %s", got)
	}
	if err := s.Query(context.Background(), "INSERT t VALUES (4, 30, 'c')", &collect{}); !sqlerr.Is(err, 2601) {
		t.Fatalf("the rebuilt index is not unique: %v", err)
	}
	if err := s.Query(context.Background(), "CREATE INDEX nope ON t (k) WITH (DROP_EXISTING = ON)", &collect{}); !sqlerr.Is(err, 7999) {
		t.Fatalf("DROP_EXISTING without the index: %v", err)
	}
	mustQuery(t, s, "DBCC CHECKDB") // no entries of the replaced index left anywhere
	if got := mustQuery(t, s, "SELECT SUM(rows) FROM sys.partitions").text(); got != "[[9]]" {
		t.Fatalf("rows and entries: %s", got)
	}
}
