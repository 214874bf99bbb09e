package bind

import (
	"fmt"
	"testing"

	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/sqlerr"
)

// TestSubqueryNamesTheQueryAroundIt plans subqueries over s inside a query
// over t from bind alone: a name s lacks resolves in t's scope as an
// exec.OuterRef of level 0 and makes the subquery correlated; one that
// names only s is not; after grouping, a column of t that is no GROUP BY
// key is 8120; a name neither has is 207; and the stack is empty again
// after each.
func TestSubqueryNamesTheQueryAroundIt(t *testing.T) {
	b := nestingBinder()
	parse := func(text string) *parser.Select { return parseAs[*parser.Select](t, b, text) }
	p, correlated, err := b.planSubquery(parse("SELECT b FROM s WHERE b = a"), testScope(), nil)
	if err != nil || !correlated {
		t.Fatalf("correlated = %v, err %v; want true", correlated, err)
	}
	cmp := p.Where.(*exec.Compare)
	if o, ok := cmp.R.(*exec.OuterRef); !ok || o.Level != 0 || o.Idx != 0 || o.Name != "[a]" {
		t.Errorf("a bound as %#v, want the outer row's column 0 at level 0", cmp.R)
	}
	if _, correlated, err = b.planSubquery(parse("SELECT b FROM s WHERE b = 1"), testScope(), nil); err != nil || correlated {
		t.Errorf("correlated = %v, err %v; want false", correlated, err)
	}
	grouped := &AggContext{Scope: testScope(), GroupBy: []exec.Expr{&exec.ColRef{Idx: 1}}}
	if _, _, err = b.planSubquery(parse("SELECT b FROM s WHERE b = a"), testScope(), grouped); !sqlerr.Is(err, 8120) {
		t.Errorf("a after grouping by u: %v, want 8120", err)
	}
	if _, _, err = b.planSubquery(parse("SELECT b FROM s WHERE b = nothing"), testScope(), nil); !sqlerr.Is(err, 207) {
		t.Errorf("an unknown name: %v, want 207", err)
	}
	if b.OuterDepth() != 0 {
		t.Errorf("%d scopes left on the stack", b.OuterDepth())
	}
}

// TestSubqueriesBindInBind: scalar, EXISTS and IN subqueries bind without
// the engine's BindOther; a scalar one of two columns is 116.
func TestSubqueriesBindInBind(t *testing.T) {
	b := nestingBinder()
	eng := b.Engine.(*testEngine)
	for text, want := range map[string]string{
		"SELECT a FROM t WHERE a IN (SELECT b FROM s WHERE b = a)": "*exec.InSubquery",
		"SELECT a FROM t WHERE EXISTS (SELECT b, b FROM s)":        "*exec.Subquery",
		"SELECT (SELECT MAX(b) FROM s) FROM t":                     "*exec.Subquery",
	} {
		x, err := bindSelect(t, b, text)
		if got := fmt.Sprintf("%T", x); err != nil || got != want {
			t.Errorf("%s: %s (%v), want %s", text, got, err, want)
		}
	}
	if _, err := bindSelect(t, b, "SELECT (SELECT b, b FROM s) FROM t"); !sqlerr.Is(err, 116) {
		t.Errorf("a scalar subquery of two columns: %v, want 116", err)
	}
	if len(eng.asked) != 0 {
		t.Errorf("the engine was asked for %q", eng.asked)
	}
}
