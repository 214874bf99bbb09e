package engine

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// transcript records everything a statement sends, to compare a
// parameterized run with an unparameterized one.
type transcript struct{ sb strings.Builder }

func (t *transcript) Columns(cols []session.Column) error {
	for _, c := range cols {
		fmt.Fprintf(&t.sb, "col %s %s %d.%d\n", c.Name, c.Type, c.TableOID, c.Attr)
	}
	return nil
}
func (t *transcript) Row(v []types.Value) error {
	fmt.Fprintf(&t.sb, "row %v\n", v)
	return nil
}
func (t *transcript) Complete(tag string) error { fmt.Fprintf(&t.sb, "tag %s\n", tag); return nil }
func (t *transcript) Notice(e *sqlerr.Error) error {
	fmt.Fprintf(&t.sb, "notice %d %s\n", e.Number, e.Message)
	return nil
}

func (t *transcript) run(s *Session, sql string) string {
	t.sb.Reset()
	if err := s.Query(context.Background(), sql, t); err != nil {
		e := sqlerr.As(err)
		fmt.Fprintf(&t.sb, "error %d %s %s line %d position %d\n", e.Number, e.Code, e.Message, e.Line, e.Position)
	}
	return t.sb.String()
}

const planCacheSetup = `CREATE DATABASE pc USE pc
CREATE TABLE kv (k BIGINT PRIMARY KEY, v VARCHAR(10), n INT, t TINYINT, d DECIMAL(5,2), f FLOAT, u NVARCHAR(5), c CHAR(4))
INSERT kv VALUES (1, 'one', 10, 1, 1.50, 1e2, N'é', 'ab'), (2, 'two', 20, 2, 2.25, 2.5, N'x', 'cd')`

// TestPlanCacheSameResults runs statements that qualify for simple
// parameterization, with literals of every kind and values that overflow
// or do not convert, on an instance with parameterization and on one
// without: every column, row, tag and error (number, text, line,
// position) must be the same. Each statement runs twice so the second
// takes a cached plan that the first compiled with another literal.
func TestPlanCacheSameResults(t *testing.T) {
	on, off := openTestInstance(t), openTestInstance(t)
	off.SetSimpleParameterization(false)
	son, soff := openSession(t, on, "master"), openSession(t, off, "master")
	mustQuery(t, son, planCacheSetup)
	mustQuery(t, soff, planCacheSetup)
	stmts := []string{
		"SELECT v, n FROM kv WHERE k = 1",
		"SELECT v, n FROM kv WHERE k = 2",
		"SELECT v, n FROM kv WHERE k = 3",
		"SELECT v FROM kv WHERE k = 2147483648",           // bigint
		"SELECT v FROM kv WHERE k = 99999999999999999999", // decimal(20,0)
		"SELECT v FROM kv WHERE k = 1.0",                  // decimal(2,1)
		"SELECT v FROM kv WHERE k = 1e0",                  // float
		"SELECT v FROM kv WHERE k = '2'",                  // varchar converting to bigint
		"SELECT v FROM kv WHERE k = 'two'",                // conversion error (245) after a cached '2'
		"SELECT v FROM kv WHERE n = 99999999999",          // bigint against int
		"SELECT v FROM kv WHERE v = 'one  '",              // trailing spaces compare equal
		"SELECT v FROM kv WHERE v = N'one'",
		"SELECT v FROM kv WHERE c = 'ab'",
		"SELECT v FROM kv WHERE u = N'é'",
		"SELECT v FROM kv WHERE u = 'é'",
		"SELECT v FROM kv WHERE d = 1.5",
		"SELECT v FROM kv WHERE d = 1.500",
		"SELECT v FROM kv WHERE d > 1 AND d < 2.3",
		"SELECT v FROM kv WHERE f = 100",
		"SELECT v FROM kv WHERE f = 1e2",
		"SELECT v FROM kv WHERE t = 1",
		"SELECT v FROM kv WHERE t = 300",
		"SELECT v FROM kv WHERE t = -1",
		"SELECT v FROM kv WHERE n = 'x'", // 245 at binding
		"SELECT v FROM kv WHERE n = '10'",
		"SELECT v FROM kv WHERE nope = 1", // 207
		"SELECT * FROM kv WHERE k = 1",
		"SELECT k, v + 'x', n * 2 FROM kv WHERE k >= 1 AND v <> 'zzz'",
		"SELECT a.v, b.v FROM kv a JOIN kv b ON b.k = 2 WHERE a.k = 1",
		"INSERT INTO kv VALUES (10, 'ten', 100, 10, 10.5, 10, N'ten', 'te')",
		"INSERT INTO kv VALUES (11, 'eleven', 110, 11, 11.25, 11, N'elf', 'el')",
		"INSERT INTO kv VALUES (12, 'too long value', 120, 12, 12, 12, N'x', 'x')", // truncation
		"INSERT INTO kv VALUES (13, 'x', 130, 300, 12, 12, N'x', 'x')",             // tinyint overflow
		"INSERT INTO kv VALUES (14, 'x', 'abc', 1, 12, 12, N'x', 'x')",             // conversion
		"INSERT INTO kv VALUES (15, 'x', 1, 1, 1234.5, 12, N'x', 'x')",             // decimal overflow
		"INSERT INTO kv VALUES (1, 'dup', 1, 1, 1, 1, N'x', 'x')",                  // duplicate key
		"INSERT INTO kv (k, v) VALUES (16, 'sixteen')",
		"INSERT INTO kv (k, v) VALUES (17, NULL)",
		"INSERT INTO kv (k, v, n) VALUES (18, 'x', 2147483648)", // int overflow
		"UPDATE kv SET v = 'upd', n = 5 WHERE k = 10",
		"UPDATE kv SET v = 'upd2', n = 6 WHERE k = 11",
		"UPDATE kv SET t = 256 WHERE k = 10",
		"UPDATE kv SET n = n + 1 WHERE k = 10",
		"UPDATE kv SET n = n + 1 WHERE k = 11",
		"UPDATE kv SET n = n + 2147483647 WHERE k = 11", // overflow at run time
		"INSERT INTO kv (k, v, n) VALUES (19, 'x', -5)",
		"INSERT INTO kv (k, v, n) VALUES (20, 'x', -2147483648)",
		"DELETE FROM kv WHERE k = 16",
		"DELETE FROM kv WHERE k = 17",
		"SELECT k, v, n, t, d, f, u, c FROM kv WHERE k > 0",
	}
	var ton, toff transcript
	for _, st := range stmts {
		for rep := 0; rep < 2; rep++ {
			got, want := ton.run(son, st), toff.run(soff, st)
			if got != want {
				t.Errorf("%s (run %d):\nparameterized:\n%s\nunparameterized:\n%s", st, rep+1, got, want)
			}
		}
	}
	if n := len(on.plans.snapshot()); n == 0 {
		t.Errorf("nothing was cached")
	}
	if n := len(off.plans.snapshot()); n != 0 {
		t.Errorf("%d plans cached with parameterization off", n)
	}
}

// TestPlanCacheUseCounts checks that statements differing only in a
// literal share one entry, visible in sys.dm_exec_cached_plans, and that
// DDL and DBCC FREEPROCCACHE drop it.
func TestPlanCacheUseCounts(t *testing.T) {
	in := openTestInstance(t)
	s := openSession(t, in, "master")
	mustQuery(t, s, planCacheSetup)
	mustQuery(t, s, "DBCC FREEPROCCACHE WITH NO_INFOMSGS")
	for k := 1; k <= 5; k++ {
		mustQuery(t, s, fmt.Sprintf("SELECT v FROM kv WHERE k = %d", k))
	}
	mustQuery(t, s, "SELECT v FROM kv WHERE k = '7'") // another type: another entry
	entries := func() string { return preparedPlans(t, s) }
	if got, want := entries(), "[[Prepared Compiled Plan 1 1] [Prepared Compiled Plan 5 1]]"; got != want {
		t.Fatalf("cached plans: %s, want %s", got, want)
	}
	var handle []byte
	for _, r := range mustQuery(t, s, "SELECT usecounts, plan_handle FROM sys.dm_exec_cached_plans").rows {
		if r[0] == int64(5) {
			handle = r[1].([]byte)
		}
	}
	text := mustQuery(t, s, fmt.Sprintf("SELECT text FROM sys.dm_exec_sql_text(0x%x)", handle)).text()
	if want := "[[($1 int)SELECT v FROM kv WHERE k = $1]]"; text != want {
		t.Errorf("sql text %s, want %s", text, want)
	}

	// DDL changes the schema generation: the entry goes, and a statement
	// of the same text binds against the new definition.
	mustQuery(t, s, "DROP TABLE kv CREATE TABLE kv (k BIGINT PRIMARY KEY, v INT) INSERT kv VALUES (1, 42)")
	if got := mustQuery(t, s, "SELECT v FROM kv WHERE k = 1").rows; len(got) != 1 || got[0][0] != int64(42) {
		t.Fatalf("after DDL: %v", got)
	}
	if got, want := entries(), "[[Prepared Compiled Plan 1 1]]"; got != want {
		t.Errorf("after DDL: %s, want %s", got, want)
	}
	w := mustQuery(t, s, "DBCC FREEPROCCACHE")
	if len(w.notices) != 1 || w.notices[0].Number != 2528 {
		t.Errorf("FREEPROCCACHE notices: %v", w.notices)
	}
	if got := entries(); got != "[]" {
		t.Errorf("after FREEPROCCACHE: %s", got)
	}
}

// TestPlanCacheSessions checks that a plan compiled in one session serves
// another, and that a login's folded functions do not leak across logins.
func TestPlanCacheSessions(t *testing.T) {
	in := openTestInstance(t)
	a, b := openSession(t, in, "master"), openSession(t, in, "master")
	mustQuery(t, a, planCacheSetup)
	mustQuery(t, b, "USE pc")
	mustQuery(t, a, "SELECT v FROM kv WHERE k = 1")
	if got := mustQuery(t, b, "SELECT v FROM kv WHERE k = 2").text(); got != "[[two]]" {
		t.Fatalf("second session: %s", got)
	}
	if got := preparedPlans(t, a); got != "[[Prepared Compiled Plan 2 1]]" {
		t.Errorf("usecounts %s, want 2", got)
	}
	// A name in another database is checked at every binding: not cached.
	mustQuery(t, a, "USE master")
	mustQuery(t, a, "SELECT v FROM pc.dbo.kv WHERE k = 1")
	if got := preparedPlans(t, a); got != "[[Prepared Compiled Plan 2 1]]" {
		t.Errorf("three-part name cached: %s", got)
	}
}

// preparedPlans lists the parameterized entries of sys.dm_exec_cached_plans
// (read by a statement without literals, which is an Adhoc entry itself).
func preparedPlans(t *testing.T, s *Session) string {
	t.Helper()
	var out [][]types.Value
	for _, r := range mustQuery(t, s, "SELECT objtype, cacheobjtype, usecounts, refcounts FROM sys.dm_exec_cached_plans").rows {
		if r[0] == "Prepared" {
			out = append(out, r)
		}
	}
	return fmt.Sprint(out)
}

// TestPlanCacheConcurrent runs sessions that share entries at once (run
// it with -race): each statement takes a plan of its own, and every
// answer is the one its literal asks for.
func TestPlanCacheConcurrent(t *testing.T) {
	in := openTestInstance(t)
	setup := openSession(t, in, "master")
	mustQuery(t, setup, planCacheSetup)
	const sessions, rounds = 4, 100
	var wg sync.WaitGroup
	errs := make(chan error, sessions)
	for w := range sessions {
		s := openSession(t, in, "pc")
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				k := 1000 + w*rounds + i
				out := &collect{}
				if err := s.Query(context.Background(), fmt.Sprintf("INSERT INTO kv (k, v, n) VALUES (%d, 'v%d', %d)", k, k, k), out); err != nil {
					errs <- err
					return
				}
				if err := s.Query(context.Background(), fmt.Sprintf("SELECT v, n FROM kv WHERE k = %d", k), out); err != nil {
					errs <- err
					return
				}
				if got, want := out.text(), fmt.Sprintf("[[v%d %d]]", k, k); got != want {
					errs <- fmt.Errorf("k = %d: %s, want %s", k, got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := preparedPlans(t, setup); !strings.Contains(got, fmt.Sprintf(" %d ", sessions*rounds)) {
		t.Errorf("entries %s, want two used %d times each", got, sessions*rounds)
	}
}
