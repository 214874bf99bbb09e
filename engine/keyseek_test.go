package engine

import (
	"context"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"mirrordb/types"
)

// TestClusteredSeeksMatchScan: on a table clustered on a composite key
// (x, y) with mixed-case strings, equality on x with ranges, IN lists and
// LIKE prefixes on y, ranges and IN lists on x, and ORDER BY / TOP on the
// key forward and backward, return what the same statements return on an
// identical heap; the same through a prepared statement whose IN list and
// LIKE pattern are parameters. Each statement is checked to read through
// a seek where one applies, and to print no Sort where the key orders it.
func TestClusteredSeeksMatchScan(t *testing.T) {
	in := openTestInstance(t)
	s := openSession(t, in, "master")
	r := rand.New(rand.NewSource(6))
	mustQuery(t, s, "CREATE TABLE cc (x INT NOT NULL, y VARCHAR(10) NOT NULL, z INT, PRIMARY KEY (x, y))")
	mustQuery(t, s, "CREATE TABLE ch (x INT NOT NULL, y VARCHAR(10) NOT NULL, z INT)")
	word := func() string {
		return mixedCase(r, string(rune('a'+r.Intn(5)))+strings.Repeat(string(rune('a'+r.Intn(3))), r.Intn(3)))
	}
	seen := map[string]bool{}
	var rows []string
	for len(rows) < 700 {
		x, y := r.Intn(40)-10, word()
		if seen[fmt.Sprint(x, y)] {
			continue
		}
		seen[fmt.Sprint(x, y)] = true
		z := "NULL"
		if r.Intn(5) > 0 {
			z = fmt.Sprint(r.Intn(100))
		}
		rows = append(rows, fmt.Sprintf("(%d, '%s', %s)", x, y, z))
	}
	for _, tbl := range []string{"cc", "ch"} {
		mustQuery(t, s, "INSERT "+tbl+" VALUES "+strings.Join(rows, ", "))
	}
	num := func() string { return fmt.Sprint(r.Intn(50) - 15) }
	str := func() string { return "'" + word() + "'" }
	ops := []string{"<", "<=", ">", ">=", "="}
	preds := []func() string{
		func() string { return "x = " + num() + " AND y " + ops[r.Intn(len(ops))] + " " + str() },
		func() string { return "x = " + num() + " AND y BETWEEN " + str() + " AND " + str() },
		func() string { return "x = " + num() + " AND y IN (" + str() + ", " + str() + ", " + str() + ")" },
		func() string { return "x = " + num() + " AND y LIKE '" + word()[:1] + "%'" },
		func() string { return "x = " + num() + " AND (y = " + str() + " OR y = " + str() + ")" },
		func() string { return "x BETWEEN " + num() + " AND " + num() },
		func() string { return "x " + ops[r.Intn(4)] + " " + num() + " AND x " + ops[r.Intn(4)] + " " + num() },
		func() string { return "x IN (" + num() + ", " + num() + ", " + num() + ", " + num() + ")" },
		func() string { return "x > " + num() + " AND y LIKE '" + word() + "%'" },
	}
	// The columns selected are the ORDER BY's: ties are free to come in any order.
	orders := [][2]string{{"x, y", "x, y"}, {"x, y", "x DESC, y DESC"}, {"y", "y"}, {"x", "x DESC"}}
	seeks, unsorted := 0, 0
	for i := 0; i < 300; i++ {
		where := preds[r.Intn(len(preds))]()
		ord := orders[r.Intn(len(orders))]
		top := []string{"", "TOP 5 "}[r.Intn(2)]
		q := func(tbl string) string {
			return "SELECT " + top + ord[0] + " FROM " + tbl + " WHERE " + where + " ORDER BY " + ord[1]
		}
		want := mustQuery(t, s, q("ch")).text()
		if got := mustQuery(t, s, q("cc")).text(); got != want {
			t.Fatalf("%s\n got %s\nwant %s", q("cc"), got, want)
		}
		if ts := boundScan(t, s, q("cc")); ts != nil && (ts.Rng != nil || len(ts.Eq) > 0) {
			seeks++
		}
		if plan := showPlan(t, s, q("cc")); !strings.Contains(plan, "Sort(") {
			unsorted++
		} else if ord[0] != "y" {
			t.Fatalf("%s sorts:\n%s", q("cc"), plan)
		}
		all := "SELECT z, COUNT(*), SUM(x) FROM %s WHERE " + where + " GROUP BY z"
		if top != "" {
			all = "SELECT x, COUNT(*), MAX(y) FROM %s WHERE " + where + " GROUP BY x" // a stream aggregate
		}
		want = mustQuery(t, s, strings.Replace(all, "%s", "ch", 1)+" ORDER BY 1").text()
		if got := mustQuery(t, s, strings.Replace(all, "%s", "cc", 1)+" ORDER BY 1").text(); got != want {
			t.Fatalf("%s\n got %s\nwant %s", strings.Replace(all, "%s", "cc", 1), got, want)
		}
	}
	if seeks != 300 || unsorted < 150 {
		t.Fatalf("%d of 300 statements seek, %d read in order", seeks, unsorted)
	}
	// Parameters: the IN list and the LIKE pattern come with the Execute.
	p, err := s.Prepare(context.Background(), "SELECT x, y FROM cc WHERE x IN ($1, $2, $3) AND y LIKE $4 ORDER BY x DESC, y DESC",
		[]types.Type{types.TypeInt, types.TypeInt, types.TypeInt, types.VarCharType(10)})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		a, b, c, pat := int64(r.Intn(40)-10), int64(r.Intn(40)-10), int64(r.Intn(40)-10), word()[:1]+"%"
		w := &collect{}
		if err := p.Execute(context.Background(), []types.Value{a, b, c, pat}, w); err != nil {
			t.Fatal(err)
		}
		want := mustQuery(t, s, fmt.Sprintf("SELECT x, y FROM ch WHERE x IN (%d, %d, %d) AND y LIKE '%s' ORDER BY x DESC, y DESC", a, b, c, pat)).text()
		if got := w.text(); got != want {
			t.Fatalf("x IN (%d, %d, %d) AND y LIKE %q: got %s, want %s", a, b, c, pat, got, want)
		}
	}
}

// showPlan returns a statement's SHOWPLAN_TEXT.
func showPlan(t *testing.T, s *Session, sql string) string {
	t.Helper()
	mustQuery(t, s, "SET SHOWPLAN_TEXT ON")
	defer mustQuery(t, s, "SET SHOWPLAN_TEXT OFF")
	return mustQuery(t, s, sql).text()
}
