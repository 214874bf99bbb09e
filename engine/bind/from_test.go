package bind

import (
	"fmt"
	"testing"

	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/sqlerr"
)

// TestFromBindsInBind binds what queries read from bind alone, the engine
// answering for tables t and s only: a derived table, a common table
// expression, a recursive one, a set operation, APPLY and a join each
// become their exec row source.
func TestFromBindsInBind(t *testing.T) {
	b := nestingBinder()
	for _, c := range []struct{ text, src string }{
		{"SELECT x.a FROM (SELECT a FROM t) AS x", "*exec.Derived"},
		{"WITH c AS (SELECT b FROM s) SELECT b FROM c", "*exec.Derived"},
		{"WITH c (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 3) SELECT n FROM c", "*exec.RecursiveUnion"},
		{"SELECT a FROM t UNION SELECT b FROM s ORDER BY a", "*exec.SetOp"},
		{"SELECT z FROM t CROSS APPLY (SELECT a AS z) AS x", "*exec.Apply"},
		{"SELECT a, b FROM t LEFT JOIN s ON b = a", "*exec.NestedLoops"},
		{"SELECT 1", "exec.OneRow"},
	} {
		p, err := b.BindSelect(parseAs[*parser.Select](t, b, c.text))
		if err != nil {
			t.Errorf("%s: %v", c.text, err)
			continue
		}
		if got := fmt.Sprintf("%T", p.Src); got != c.src {
			t.Errorf("%s: source %s, want %s", c.text, got, c.src)
		}
		switch src := p.Src.(type) {
		case *exec.RecursiveUnion:
			if len(src.Anchors) != 1 || len(src.Members) != 1 || src.Max != exec.DefaultMaxRecursion || src.Work.Cols[0].Name != "n" {
				t.Errorf("%s: %d anchors, %d members, MAXRECURSION %d, work table %v", c.text, len(src.Anchors), len(src.Members), src.Max, src.Work.Cols)
			}
		case *exec.Apply:
			if _, ok := src.Right.(*exec.Derived).Plan.Project[0].(*exec.OuterRef); !ok {
				t.Errorf("%s: APPLY's right side reads a as %T, want the left row's", c.text, src.Right.(*exec.Derived).Plan.Project[0])
			}
		}
	}
	if b.OuterDepth() != 0 || len(b.ctes) != 0 {
		t.Errorf("%d outer scopes, %d common table expressions left in scope", b.OuterDepth(), len(b.ctes))
	}
}

// TestFromErrors: the FROM side's errors arise in bind, with SQL Server's
// numbers.
func TestFromErrors(t *testing.T) {
	b := nestingBinder()
	for _, c := range []struct {
		text string
		err  int
	}{
		{"SELECT a FROM t, t", 1013},                                      // a name twice
		{"SELECT x.a FROM (SELECT a FROM t ORDER BY a) AS x", 1033},       // ORDER BY without TOP
		{"SELECT a FROM t UNION SELECT a, u FROM t", 205},                 // operands' widths
		{"WITH c AS (SELECT b FROM c) SELECT b FROM c", 252},              // no anchor
		{"SELECT x.z FROM s, t CROSS APPLY (SELECT s.b AS z) AS x", 4104}, // APPLY sees its left input only
		{"SELECT a FROM t JOIN s ON nothing = 1", 207},
		{"SELECT x.a FROM (SELECT a, a FROM t) AS x", 8156}, // a column twice
	} {
		_, err := b.BindSelect(parseAs[*parser.Select](t, b, c.text))
		if !sqlerr.Is(err, c.err) {
			t.Errorf("%s: %v, want %d", c.text, err, c.err)
		}
		if b.OuterDepth() != 0 || len(b.ctes) != 0 {
			t.Errorf("%s: %d outer scopes, %d common table expressions left in scope", c.text, b.OuterDepth(), len(b.ctes))
		}
	}
}
