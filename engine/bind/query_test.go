package bind

import (
	"testing"

	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// A SELECT binds from bind alone, the engine answering for its FROM
// clause only: result columns and their names, the sort keys by alias,
// position and expression, the star, the aggregates of a grouped query.
func TestBindSelect(t *testing.T) {
	b := &Binder{Params: &exec.ParamTypes{}, Engine: &testEngine{}}
	p, err := b.BindSelect(parseAs[*parser.Select](t, b, "SELECT a, u AS x, a + 1 FROM t WHERE a > 1 ORDER BY x DESC, 1, a * 2"))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Cols) != 3 || p.Cols[0].Name != "a" || p.Cols[1].Name != "x" || p.Cols[2].Name != "" {
		t.Errorf("columns %v, want a, x and an unnamed one", p.Cols)
	}
	if p.Where == nil || p.Grouped {
		t.Errorf("WHERE %v, grouped %v: want a WHERE clause, not grouped", p.Where, p.Grouped)
	}
	if k := p.OrderBy; len(k) != 3 || k[0].Col != 1 || !k[0].Desc || k[1].Col != 0 || k[1].Desc || k[2].Col != -1 || k[2].X == nil {
		t.Errorf("ORDER BY keys %+v, want column 1 DESC, column 0, an expression", k)
	}
	if p, err = b.BindSelect(parseAs[*parser.Select](t, b, "SELECT * FROM t")); err != nil || len(p.Project) != 2 || p.Cols[1].Name != "u" {
		t.Errorf("SELECT *: %v (%v), want a and u", p, err)
	}
	p, err = b.BindSelect(parseAs[*parser.Select](t, b, "SELECT a, COUNT(*) FROM t GROUP BY a HAVING COUNT(*) > 1"))
	if err != nil || !p.Grouped || len(p.GroupBy) != 1 || len(p.Aggs) != 1 || p.Having == nil {
		t.Errorf("grouped SELECT: %+v (%v), want one key, one aggregate and HAVING", p, err)
	}
}

func TestBindSelectErrors(t *testing.T) {
	b := &Binder{Params: &exec.ParamTypes{}, Engine: &testEngine{}}
	for _, c := range []struct {
		text string
		err  int
	}{
		{"SELECT a FROM t ORDER BY 2", 108},
		{"SELECT DISTINCT a FROM t ORDER BY u", 145},
		{"SELECT a, COUNT(*) FROM t", 8120},
		{"SELECT COUNT(*) FROM t ORDER BY a", 8127},
		{"SELECT a FROM t WHERE COUNT(*) > 1", 147},
		{"SELECT COUNT(*) FROM t GROUP BY COUNT(*)", 144},
		{"SELECT x.* FROM t", 4104},
		{"SELECT a FROM t ORDER BY a OFFSET -1 ROWS", 10742},
		{"SELECT a FROM t ORDER BY a OFFSET 0 ROWS FETCH NEXT 0 ROWS ONLY", 10744},
		{"SELECT a FROM t WHERE unnest(a) > 1", 50140},
		{"SELECT COUNT(unnest(a)) FROM t", 50141},
	} {
		if _, err := b.BindSelect(parseAs[*parser.Select](t, b, c.text)); !sqlerr.Is(err, c.err) {
			t.Errorf("%s: %v, want Msg %d", c.text, err, c.err)
		}
	}
}

// The rules of nested queries (nested.go).
func TestNestedQueryRules(t *testing.T) {
	b := &Binder{Params: &exec.ParamTypes{}, Engine: &testEngine{}}
	if err := b.CheckInnerOrder(parseAs[*parser.Select](t, b, "SELECT a FROM t ORDER BY a")); !sqlerr.Is(err, 1033) {
		t.Errorf("ORDER BY without TOP in a nested query: %v, want Msg 1033", err)
	}
	if err := b.CheckInnerOrder(parseAs[*parser.Select](t, b, "SELECT TOP 1 a FROM t ORDER BY a")); err != nil {
		t.Errorf("ORDER BY with TOP: %v", err)
	}
	if err := b.CheckSetOpOrder(parseAs[*parser.Select](t, b, "SELECT a FROM t UNION SELECT a FROM t ORDER BY a + 1")); !sqlerr.Is(err, 104) {
		t.Errorf("ORDER BY an expression of a UNION: %v, want Msg 104", err)
	}
	if err := b.CheckSetOpOrder(parseAs[*parser.Select](t, b, "SELECT a FROM t UNION SELECT a FROM t ORDER BY a, 1")); err != nil {
		t.Errorf("ORDER BY a name and a position of a UNION: %v", err)
	}
	inner := []session.Column{{Name: "a", Type: types.TypeInt}, {Name: "", Type: types.TypeInt}}
	at := parseAs[*parser.Select](t, b, "SELECT 1")
	for _, c := range []struct {
		names []string
		cols  []session.Column
		err   int
	}{
		{nil, inner, 8155},
		{[]string{"x"}, inner, 8158},
		{[]string{"x", "y", "z"}, inner, 8159},
		{[]string{"x", "X"}, inner, 8156},
		{[]string{"x", "y"}, inner, 0},
	} {
		cols, err := b.DerivedColumns(at, c.cols, c.names, "d")
		switch {
		case c.err != 0 && !sqlerr.Is(err, c.err):
			t.Errorf("columns %v named %v: %v, want Msg %d", c.cols, c.names, err, c.err)
		case c.err == 0 && (err != nil || cols[0].Name != "x" || cols[1].Name != "y" || inner[0].Name != "a"):
			t.Errorf("columns named x, y: %v (%v), the inner columns left alone", cols, err)
		}
	}
}
