package bind

import (
	"strings"
	"testing"

	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// testEngine answers for the engine: one alias type, a set-returning
// function (unnest) that returns its hint's type, every table the table
// of testScope but s, table s with int column b; a nested query it binds
// with b, when set.
type testEngine struct {
	asked []string
	b     *Binder
}

func (e *testEngine) BindOther(n parser.Expr, _ *Scope, _ *AggContext, hint types.Type) (exec.Expr, error) {
	e.asked = append(e.asked, n.String())
	return &exec.Const{T: hint}, nil
}

func (e *testEngine) BindPGCast(parser.Expr, parser.TypeName, *Scope, *AggContext) (exec.Expr, bool, error) {
	return nil, false, nil
}

func (e *testEngine) AliasType(tn parser.TypeName) (types.Type, bool) {
	return types.VarCharType(12), strings.EqualFold(tn.Name, "phone")
}

func (e *testEngine) Session() any { return nil }

// nestingBinder is a Binder over a testEngine that binds nested queries
// with it.
func nestingBinder() *Binder {
	eng := &testEngine{}
	b := &Binder{Params: &exec.ParamTypes{}, Engine: eng}
	eng.b = b
	return b
}

func (e *testEngine) PlanQuery(sel *parser.Select) (*exec.Select, error) {
	if e.b == nil {
		return nil, sqlerr.New(40517, "nested query")
	}
	return e.b.BindSelect(sel)
}

// BindTable reads table s, or testScope's table t for any other name (with
// no operator: binding never looks at it).
func (e *testEngine) BindTable(te parser.TableExpr, sc *Scope) (exec.Operator, error) {
	src := testScope().Sources[0]
	if te.String() == "s" {
		src = &Source{Name: "s", Cols: []session.Column{{Name: "b", Type: types.TypeInt}}}
	}
	b := e.b
	if b == nil {
		b = &Binder{}
	}
	return nil, b.AddSource(te.(Positioned), sc, src)
}

// bindSelect binds the WHERE clause of text, or its first select-list
// item, over a scope with int column a and uniqueidentifier column u.
func bindSelect(t *testing.T, b *Binder, text string) (exec.Expr, error) {
	t.Helper()
	st, err := parser.ParseStatement(text)
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	sc := testScope()
	b.Batch = parser.BatchText{Text: text, Line: 1, Count: 1}
	sel := st.(*parser.Select)
	if sel.Where != nil {
		return b.BindExpr(sel.Where, sc, nil, types.TypeBit)
	}
	return b.BindExpr(sel.Items[0].Expr, sc, nil, types.TypeUnknown)
}

// testScope has table t with int column a and uniqueidentifier column u.
func testScope() *Scope {
	sc := &Scope{}
	sc.Add(&Source{Name: "t", Cols: []session.Column{{Name: "a", Type: types.TypeInt}, {Name: "u", Type: types.TypeUUID}}})
	return sc
}

// parseExpr parses an expression (as the select item of SELECT text).
func parseExpr(t *testing.T, text string) (parser.Expr, error) {
	t.Helper()
	st, err := parser.ParseStatement("SELECT " + text)
	if err != nil {
		return nil, err
	}
	return st.(*parser.Select).Items[0].Expr, nil
}

func TestBinderTypesAndConversions(t *testing.T) {
	eng := &testEngine{}
	b := &Binder{Params: &exec.ParamTypes{}, Engine: eng}
	for _, c := range []struct {
		text string
		want types.Type
	}{
		{"SELECT a + '1' FROM t", types.TypeInt},
		{"SELECT a * 1.5 FROM t", types.DecimalType(13, 1)},
		{"SELECT 'ab' + N'c'", types.NVarCharType(3)},
		{"SELECT CASE WHEN a > 0 THEN a ELSE 2.5 END FROM t", types.DecimalType(11, 1)},
		{"SELECT CAST(a AS phone) FROM t", types.VarCharType(12)},
		{"SELECT unnest(a) + 1 FROM t", types.TypeInt},
	} {
		x, err := bindSelect(t, b, c.text)
		if err != nil || x.Type() != c.want {
			t.Errorf("%s: %v (%v), want %s", c.text, x, err, c.want)
		}
	}
	if len(eng.asked) != 1 || eng.asked[0] != "unnest(a)" {
		t.Errorf("the engine was asked for %q, want unnest(a) alone", eng.asked)
	}
	x, err := bindSelect(t, b, "SELECT 2 * (3 + 4)")
	if c, ok := x.(*exec.Const); err != nil || !ok || c.V != int64(14) {
		t.Errorf("2 * (3 + 4) bound to %#v (%v), want the constant 14", x, err)
	}
}

func TestBinderErrors(t *testing.T) {
	b := &Binder{Params: &exec.ParamTypes{}, Engine: &testEngine{}}
	for _, c := range []struct {
		text string
		err  int
		pos  int // 1-based character position reported: where the expression starts
	}{
		{"SELECT 1 FROM t WHERE a = 'x'", 245, 23},
		{"SELECT u + 1 FROM t", 8117, 8},
		{"SELECT 1 FROM t WHERE a = u", 206, 23},
		{"SELECT  nope FROM t", 207, 9},
		{"SELECT CAST(a AS nosuchtype) FROM t", 2715, 8},
	} {
		_, err := bindSelect(t, b, c.text)
		if e := sqlerr.As(err); e == nil {
			t.Errorf("%s bound, want Msg %d", c.text, c.err)
		} else if e.Number != c.err || e.Position != c.pos {
			t.Errorf("%s: %v at %d, want Msg %d at %d", c.text, e, e.Position, c.err, c.pos)
		}
	}
}

func TestBinderParameters(t *testing.T) {
	b := &Binder{Params: &exec.ParamTypes{}, Checks: &ParamChecks{}, Engine: &testEngine{}}
	if _, err := bindSelect(t, b, "SELECT $1 + a FROM t"); err != nil {
		t.Fatal(err)
	}
	if got := b.Params.Get(0); got != types.TypeInt {
		t.Errorf("$1 + a infers $1 as %s, want int", got)
	}
	b.Simple = true
	if _, err := bindSelect(t, b, "SELECT $2"); !sqlerr.Is(err, 137) {
		t.Errorf("a parameter in a simple query: %v, want Msg 137", err)
	}
}
