package engine

import (
	"context"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"time"

	"mirrordb/engine/govern"
	"mirrordb/session"
	"mirrordb/sqlerr"
)

// joinTables are three tables with NULLs, duplicates and mixed types:
// integers, decimals of different scales and floats holding the same
// numbers, strings differing in case and trailing spaces. t2 has a
// composite primary key, t3 none.
var joinTables = []struct {
	name      string
	create    string
	nums, str []string
}{
	{"t1", "CREATE TABLE t1 (id INT PRIMARY KEY, a INT NULL, b BIGINT NULL, d DECIMAL(10,2) NULL, f FLOAT NULL, s VARCHAR(10) NULL)",
		[]string{"id", "a", "b", "d", "f"}, []string{"s"}},
	{"t2", "CREATE TABLE t2 (k1 INT NOT NULL, k2 VARCHAR(5) NOT NULL, a INT NULL, d DECIMAL(12,4) NULL, f FLOAT NULL, s NVARCHAR(10) NULL, PRIMARY KEY (k1, k2))",
		[]string{"k1", "a", "d", "f"}, []string{"k2", "s"}},
	{"t3", "CREATE TABLE t3 (a BIGINT NULL, d DECIMAL(10,1) NULL, s VARCHAR(10) NULL, f FLOAT NULL)",
		[]string{"a", "d", "f"}, []string{"s"}},
}

// TestJoinsMatchNestedLoops runs random joins (inner, outer, comma joins,
// composite and mixed-type keys, residual conditions, pushed-down
// predicates) through the join planner with and without hints, and checks
// each answer against nested loops without any rewriting.
func TestJoinsMatchNestedLoops(t *testing.T) {
	in := openTestInstance(t)
	s := openSession(t, in, "master")
	old := openSession(t, in, "master")
	old.oldJoins = true
	r := rand.New(rand.NewSource(13))
	mustQuery(t, s, "CREATE DATABASE j")
	mustQuery(t, s, "USE j")
	mustQuery(t, old, "USE j")
	for _, tb := range joinTables {
		mustQuery(t, s, tb.create)
	}
	num := func() string {
		if r.Intn(5) == 0 {
			return "NULL"
		}
		v := r.Intn(12)
		return fmt.Sprintf("%d.%d", v/2, 5*(v%2))
	}
	integer := func() string {
		if r.Intn(5) == 0 {
			return "NULL"
		}
		return fmt.Sprint(r.Intn(7))
	}
	str := func() string {
		if r.Intn(5) == 0 {
			return "NULL"
		}
		return []string{"'a'", "'A'", "'a '", "'b'", "'ab'", "''"}[r.Intn(6)]
	}
	for i := 1; i <= 40; i++ {
		mustQuery(t, s, fmt.Sprintf("INSERT t1 VALUES (%d, %s, %s, %s, %s, %s)", i, integer(), integer(), num(), num(), str()))
	}
	seen := map[string]bool{}
	for len(seen) < 35 {
		k1, k2 := r.Intn(10), []string{"a", "A", "b", "ab", "x"}[r.Intn(5)]
		if key := fmt.Sprint(k1, k2); !seen[key] {
			seen[key] = true
			mustQuery(t, s, fmt.Sprintf("INSERT t2 VALUES (%d, '%s', %s, %s, %s, N%s)", k1, k2, integer(), num(), num(), strings.Replace(str(), "NULL", "ULL", 1)))
		}
	}
	mustQuery(t, s, "UPDATE t2 SET s = NULL WHERE s = 'ULL'")
	for i := 0; i < 30; i++ {
		mustQuery(t, s, fmt.Sprintf("INSERT t3 VALUES (%s, %s, %s, %s)", integer(), num(), str(), num()))
	}

	for q := 0; q < 300; q++ {
		query := randomJoin(r)
		want := runRows(t, old, query+" OPTION (LOOP JOIN, LOOP JOIN)") // text of its own: no cached plan shared
		for _, hint := range []string{"", " OPTION (LOOP JOIN)", " OPTION (HASH JOIN)"} {
			if got := runRows(t, s, query+hint); !slices.Equal(got, want) {
				t.Fatalf("%s%s:\n got %v\nwant %v", query, hint, got, want)
			}
		}
	}
}

// randomJoin writes a join of two or three of joinTables.
func randomJoin(r *rand.Rand) string {
	order := r.Perm(len(joinTables))[:2+r.Intn(2)]
	alias := []string{"x", "y", "z"}
	pick := func(l []string) string { return l[r.Intn(len(l))] }
	var b strings.Builder
	var where []string
	b.WriteString("SELECT * FROM " + joinTables[order[0]].name + " AS x")
	for i := 1; i < len(order); i++ {
		cur := joinTables[order[i]]
		prevIdx := r.Intn(i)
		prev := joinTables[order[prevIdx]]
		var on []string
		for n := 1 + r.Intn(2); n > 0; n-- {
			if r.Intn(3) == 0 {
				on = append(on, alias[prevIdx]+"."+pick(prev.str)+" = "+alias[i]+"."+pick(cur.str))
			} else {
				on = append(on, alias[prevIdx]+"."+pick(prev.nums)+" = "+alias[i]+"."+pick(cur.nums))
			}
		}
		if r.Intn(3) == 0 {
			on = append(on, alias[prevIdx]+"."+pick(prev.nums)+" < "+alias[i]+"."+pick(cur.nums))
		}
		if r.Intn(3) == 0 {
			on = append(on, alias[i]+"."+pick(cur.nums)+" > 1")
		}
		if r.Intn(4) == 0 {
			on = append(on, alias[prevIdx]+"."+pick(prev.str)+" IS NOT NULL")
		}
		slices.Reverse(on[:r.Intn(len(on)+1)])
		kind := []string{"JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN", ","}[r.Intn(5)]
		if kind == "," && i == len(order)-1 { // (a later ON could not see past a comma)
			b.WriteString(", " + cur.name + " AS " + alias[i])
			where = append(where, on...)
			continue
		}
		if kind == "," {
			kind = "JOIN"
		}
		b.WriteString(" " + kind + " " + cur.name + " AS " + alias[i] + " ON " + strings.Join(on, " AND "))
	}
	for n := r.Intn(3); n > 0; n-- {
		i := r.Intn(len(order))
		tb := joinTables[order[i]]
		switch r.Intn(3) {
		case 0:
			where = append(where, alias[i]+"."+pick(tb.nums)+" <> 2")
		case 1:
			where = append(where, alias[i]+"."+pick(tb.str)+" IS NULL")
		default:
			where = append(where, "("+alias[i]+"."+pick(tb.nums)+" > 3 OR "+alias[i]+"."+pick(tb.str)+" = 'a')")
		}
	}
	if joinTables[order[0]].name == "t1" && r.Intn(3) == 0 {
		// The left input a seek on its whole key: seeks or a left build.
		where = append(where, fmt.Sprintf("x.id %s %d", pick([]string{"=", "=", "<"}), r.Intn(8)))
	}
	if len(where) > 0 {
		b.WriteString(" WHERE " + strings.Join(where, " AND "))
	}
	return b.String()
}

// runRows returns a query's rows as sorted text.
func runRows(t *testing.T, s *Session, sql string) []string {
	t.Helper()
	w := &collect{}
	if err := s.Query(context.Background(), sql, w); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	out := make([]string, len(w.rows))
	for i, row := range w.rows {
		var b strings.Builder
		for _, v := range row {
			fmt.Fprintf(&b, "%T:%v|", v, v)
		}
		out[i] = b.String()
	}
	slices.Sort(out)
	return out
}

// TestHashJoinMemoryAndCancel: a hash join's table counts against the
// statement's memory (Msg 701 past it, everything given back), and a
// join producing millions of matches stops when its context is cancelled.
func TestHashJoinMemoryAndCancel(t *testing.T) {
	in := openTestInstance(t)
	pool := govern.NewPool(64<<20, 1<<20)
	st, err := in.OpenWith(context.Background(), session.Startup{User: "t", Database: "master", ProcessID: 1}, pool)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := st.(*Session)
	setup := openSession(t, in, "master")
	mustQuery(t, setup, "CREATE TABLE ten (n INT PRIMARY KEY) INSERT ten VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)")
	mustQuery(t, setup, "CREATE TABLE big (id INT PRIMARY KEY, v VARCHAR(MAX))")
	mustQuery(t, setup, "INSERT big SELECT a.n*1000 + b.n*100 + c.n*10 + d.n, REPLICATE('v', 500) FROM ten a, ten b, ten c, ten d WHERE a.n < 4")
	for _, q := range []string{
		"SELECT COUNT(*) FROM big a JOIN big b ON a.v = b.v",                         // an inner join's 2 MB build
		"SELECT COUNT(*) FROM big a LEFT JOIN big b ON a.v = b.v OPTION (HASH JOIN)", // 2 MB of build rows
	} {
		err := s.Query(context.Background(), q, &collect{})
		if !sqlerr.Is(err, 701) {
			t.Errorf("%s: %v, want Msg 701", q, err)
		}
		if n := pool.InUse(); n != 0 {
			t.Errorf("%s: the pool still lends %d bytes", q, n)
		}
	}
	if got := mustQuery(t, s, "SELECT COUNT(*) FROM big a JOIN ten b ON a.id = b.n").text(); got != "[[10]]" {
		t.Fatalf("join within budget: %s", got)
	}

	// 4,000 x 4,000 equal keys: 16M matches, far more than 100 ms of work.
	mustQuery(t, setup, "CREATE TABLE k (id INT PRIMARY KEY, v INT) INSERT k SELECT id, 1 FROM big")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err = s.Query(ctx, "SELECT COUNT(*) FROM k a JOIN k b ON a.v = b.v", &collect{})
	if err == nil || ctx.Err() == nil {
		t.Fatalf("a cancelled hash join returned %v", err)
	}
	if n := pool.InUse(); n != 0 {
		t.Errorf("after cancel the pool still lends %d bytes", n)
	}
}
