package engine

import (
	"context"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"time"

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
	s, pool := openBudgeted(t, in, 1<<20)
	setup := openSession(t, in, "master")
	createBig(t, setup)
	for _, q := range []string{
		"SELECT COUNT(*) FROM big a JOIN big b ON a.v = b.v",                            // an inner join's 2 MB build
		"SELECT COUNT(*) FROM big a LEFT JOIN big b ON a.v = b.v OPTION (HASH JOIN)",    // 2 MB of build rows
		"SELECT COUNT(*) FROM big a WHERE EXISTS (SELECT 1 FROM big b WHERE b.v = a.v)", // a semi-join's 2 MB of keys
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
	err := s.Query(ctx, "SELECT COUNT(*) FROM k a JOIN k b ON a.v = b.v", &collect{})
	if err == nil || ctx.Err() == nil {
		t.Fatalf("a cancelled hash join returned %v", err)
	}
	if n := pool.InUse(); n != 0 {
		t.Errorf("after cancel the pool still lends %d bytes", n)
	}
}

// orderTables are the tables of TestJoinOrderMatchesNestedLoops: small
// (nested loops over five of them must stay quick), of different sizes,
// with NULLs and mixed types; u4 has a secondary index, u5 is a heap.
var orderTables = []struct {
	name, create string
	rows         int
	nums, str    []string
}{
	{"u1", "CREATE TABLE u1 (id INT PRIMARY KEY, a INT NULL, d DECIMAL(10,2) NULL, s VARCHAR(10) NULL)", 12, []string{"id", "a", "d"}, []string{"s"}},
	{"u2", "CREATE TABLE u2 (id BIGINT PRIMARY KEY, a INT NULL, f FLOAT NULL, s NVARCHAR(10) NULL)", 6, []string{"id", "a", "f"}, []string{"s"}},
	{"u3", "CREATE TABLE u3 (k1 INT NOT NULL, k2 INT NOT NULL, a BIGINT NULL, s VARCHAR(10) NULL, PRIMARY KEY (k1, k2))", 10, []string{"k1", "k2", "a"}, []string{"s"}},
	{"u4", "CREATE TABLE u4 (id INT PRIMARY KEY, a INT NULL, d DECIMAL(12,4) NULL, s VARCHAR(10) NULL) CREATE INDEX u4_a ON u4 (a)", 15, []string{"id", "a", "d"}, []string{"s"}},
	{"u5", "CREATE TABLE u5 (a INT NULL, f FLOAT NULL, s VARCHAR(10) NULL)", 4, []string{"a", "f"}, []string{"s"}},
}

// TestJoinOrderMatchesNestedLoops runs random joins of three to five
// tables (inner joins the planner reorders, outer joins it must not, comma
// joins) with IN / NOT IN / EXISTS / NOT EXISTS conjuncts and NULLs on
// both sides, under every hint and OPTION (FORCE ORDER), and checks each
// answer against the written-order nested loops with per-row subqueries.
func TestJoinOrderMatchesNestedLoops(t *testing.T) {
	in := openTestInstance(t)
	s := openSession(t, in, "master")
	old := openSession(t, in, "master")
	old.oldJoins = true
	r := rand.New(rand.NewSource(6))
	mustQuery(t, s, "CREATE DATABASE jo")
	mustQuery(t, s, "USE jo")
	mustQuery(t, old, "USE jo")
	val := func() string {
		if r.Intn(5) == 0 {
			return "NULL"
		}
		return fmt.Sprint(r.Intn(6))
	}
	str := func() string {
		if r.Intn(5) == 0 {
			return "NULL"
		}
		return []string{"'a'", "'A'", "'a '", "'b'", "''"}[r.Intn(5)]
	}
	for _, tb := range orderTables {
		mustQuery(t, s, tb.create)
		for i := 0; i < tb.rows; i++ {
			var vals []string
			switch tb.name {
			case "u3":
				vals = []string{fmt.Sprint(i / 3), fmt.Sprint(i % 3), val(), str()}
			case "u5":
				vals = []string{val(), val(), str()}
			default:
				vals = []string{fmt.Sprint(i), val(), val(), str()}
			}
			mustQuery(t, s, "INSERT "+tb.name+" VALUES ("+strings.Join(vals, ", ")+")")
		}
	}
	for q := 0; q < 150; q++ {
		query := randomOrderJoin(r)
		want := runRows(t, old, query+" OPTION (LOOP JOIN, LOOP JOIN)")
		for _, hint := range []string{"", " OPTION (LOOP JOIN)", " OPTION (HASH JOIN)", " OPTION (FORCE ORDER)"} {
			if got := runRows(t, s, query+hint); !slices.Equal(got, want) {
				t.Fatalf("%s%s:\n got %v\nwant %v", query, hint, got, want)
			}
		}
	}
}

// randomOrderJoin writes a join of three to five of orderTables (one may
// come twice), each joined to an earlier one by at least one equality.
func randomOrderJoin(r *rand.Rand) string {
	n := 3 + r.Intn(3)
	pick := func(l []string) string { return l[r.Intn(len(l))] }
	tabs := make([]int, n)
	for i := range tabs {
		tabs[i] = r.Intn(len(orderTables))
	}
	alias := func(i int) string { return fmt.Sprintf("a%d", i) }
	col := func(i int, str bool) string {
		tb := orderTables[tabs[i]]
		if str {
			return alias(i) + "." + pick(tb.str)
		}
		return alias(i) + "." + pick(tb.nums)
	}
	var b strings.Builder
	var where []string
	b.WriteString("SELECT * FROM " + orderTables[tabs[0]].name + " AS a0")
	for i := 1; i < n; i++ {
		prev := r.Intn(i)
		on := []string{col(prev, false) + " = " + col(i, false)}
		if r.Intn(3) == 0 {
			on = append(on, col(prev, true)+" = "+col(i, true))
		}
		if r.Intn(4) == 0 {
			on = append(on, col(prev, false)+" <= "+col(i, false))
		}
		if r.Intn(4) == 0 {
			on = append(on, col(i, false)+" > 1")
		}
		kind := []string{"JOIN", "JOIN", "JOIN", "JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN", ","}[r.Intn(8)]
		name := orderTables[tabs[i]].name + " AS " + alias(i)
		if kind == "," && i == n-1 {
			b.WriteString(", " + name)
			where = append(where, on...)
			continue
		}
		if kind == "," {
			kind = "JOIN"
		}
		b.WriteString(" " + kind + " " + name + " ON " + strings.Join(on, " AND "))
	}
	for k := r.Intn(3); k > 0; k-- {
		i := r.Intn(n)
		where = append(where, []string{col(i, false) + " <> 2", col(i, true) + " IS NULL", col(i, false) + " = " + col(r.Intn(n), false)}[r.Intn(3)])
	}
	for k := r.Intn(3); k > 0; k-- {
		i, sub := r.Intn(n), orderTables[r.Intn(len(orderTables))]
		str := r.Intn(3) == 0
		subCol := pick(sub.nums)
		if str {
			subCol = pick(sub.str)
		}
		filter := ""
		if r.Intn(2) == 0 {
			filter = " AND q." + pick(sub.nums) + " > 1"
		}
		switch r.Intn(4) {
		case 0:
			where = append(where, col(i, str)+" IN (SELECT "+subCol+" FROM "+sub.name+" AS q WHERE 1 = 1"+filter+")")
		case 1:
			where = append(where, col(i, str)+" NOT IN (SELECT "+subCol+" FROM "+sub.name+" AS q WHERE 1 = 1"+filter+")")
		case 2:
			where = append(where, "EXISTS (SELECT 1 FROM "+sub.name+" AS q WHERE q."+subCol+" = "+col(i, str)+filter+")")
		default:
			where = append(where, "NOT EXISTS (SELECT 1 FROM "+sub.name+" AS q WHERE q."+subCol+" = "+col(i, str)+filter+")")
		}
	}
	if len(where) > 0 {
		b.WriteString(" WHERE " + strings.Join(where, " AND "))
	}
	return b.String()
}
