package bind

import (
	"slices"
	"testing"

	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// identityInsert is the Settings of a session with SET IDENTITY_INSERT on
// for one table (0: none).
type identityInsert struct {
	Settings
	table uint32
}

func (s identityInsert) IdentityInsert(table uint32) bool { return s.table != 0 && s.table == table }

// insertTable has an identity key, a varchar, an int, a rowversion and a
// computed column.
var insertTable = &catalog.TableDef{ID: 7, Name: "t", Columns: []catalog.ColumnDef{
	{Name: "id", Type: types.TypeInt, Identity: &catalog.Identity{Seed: 1, Increment: 1}},
	{Name: "name", Type: types.VarCharType(10), Nullable: true},
	{Name: "n", Type: types.TypeInt, Nullable: true},
	{Name: "rv", Type: types.VarBinaryType(8), TypeName: "timestamp"},
	{Name: "twice", Type: types.TypeInt, Computed: "n * 2"},
}}

// parseAs parses text, a statement of type S, for b (its errors'
// positions).
func parseAs[S parser.Statement](t *testing.T, b *Binder, text string) S {
	t.Helper()
	st, err := parser.ParseStatement(text)
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	b.Batch = parser.BatchText{Text: text, Line: 1, Count: 1}
	return st.(S)
}

func TestInsertTargets(t *testing.T) {
	b := &Binder{Params: &exec.ParamTypes{}, Engine: &testEngine{}}
	for _, c := range []struct {
		text string
		on   uint32
		want []int
		err  int
	}{
		{"INSERT INTO t VALUES ('a', 1)", 0, []int{1, 2}, 0},
		{"INSERT INTO t (n, name) VALUES (1, 'a')", 0, []int{2, 1}, 0},
		{"INSERT INTO t (id, n) VALUES (5, 1)", 7, []int{0, 2}, 0},
		{"INSERT INTO t (id, n) VALUES (5, 1)", 0, nil, 544},
		{"INSERT INTO t (id, n) VALUES (5, 1)", 8, nil, 544},
		{"INSERT INTO t (nope) VALUES (1)", 0, nil, 207},
		{"INSERT INTO t (n, N) VALUES (1, 2)", 0, nil, 264},
		{"INSERT INTO t (rv) VALUES (1)", 0, nil, 273},
		{"INSERT INTO t (twice) VALUES (1)", 0, nil, 271},
	} {
		x := parseAs[*parser.Insert](t, b, c.text)
		got, err := b.InsertTargets(x, insertTable, x.Columns, identityInsert{table: c.on})
		switch {
		case c.err != 0 && !sqlerr.Is(err, c.err):
			t.Errorf("%s (IDENTITY_INSERT on %d): %v, want Msg %d", c.text, c.on, err, c.err)
		case c.err == 0 && (err != nil || !slices.Equal(got, c.want)):
			t.Errorf("%s (IDENTITY_INSERT on %d): %v (%v), want %v", c.text, c.on, got, err, c.want)
		}
	}
}

func TestBindValues(t *testing.T) {
	b := &Binder{Params: &exec.ParamTypes{}, Engine: &testEngine{}}
	x := parseAs[*parser.Insert](t, b, "INSERT INTO t (name, n) VALUES ('a', '12'), (DEFAULT, 3)")
	targets, err := b.InsertTargets(x, insertTable, x.Columns, identityInsert{})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := b.BindValues(x, insertTable, targets)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || len(rows[0]) != 2 || rows[0][0] == nil || rows[1][0] != nil || rows[1][1] == nil {
		t.Fatalf("rows %v: want two of two values, the second's name DEFAULT (nil)", rows)
	}
	x = parseAs[*parser.Insert](t, b, "INSERT INTO t (n, name) VALUES ($1, $2)")
	if _, err := b.BindValues(x, insertTable, []int{2, 1}); err != nil {
		t.Fatal(err)
	}
	if b.Params.Get(0) != types.TypeInt || b.Params.Get(1) != types.VarCharType(10) {
		t.Errorf("parameters typed %s, %s; want their columns' int, varchar(10)", b.Params.Get(0), b.Params.Get(1))
	}
	for _, c := range []struct {
		text string
		err  int
	}{
		{"INSERT INTO t VALUES ('a')", 213},
		{"INSERT INTO t (name) VALUES ('a', 1)", 110},
		{"INSERT INTO t (name, n) VALUES ('a')", 109},
	} {
		x := parseAs[*parser.Insert](t, b, c.text)
		targets, err := b.InsertTargets(x, insertTable, x.Columns, identityInsert{})
		if err == nil {
			_, err = b.BindValues(x, insertTable, targets)
		}
		if !sqlerr.Is(err, c.err) {
			t.Errorf("%s: %v, want Msg %d", c.text, err, c.err)
		}
	}
}

// parseStored reads a stored expression as the engine does ("SELECT
// (text)"), nil when it does not parse.
func parseStored(text string) parser.Expr {
	st, err := parser.ParseStatement("SELECT (" + text + ")")
	if err != nil {
		return nil
	}
	return st.(*parser.Select).Items[0].Expr
}

// TestBindRowRules binds a table's computed column, its enabled CHECK
// (not the disabled one) and its DEFAULT from their text over the
// table's columns, evaluated against a row; a text that does not parse
// is 102, a column the table lacks 207.
func TestBindRowRules(t *testing.T) {
	intT := types.TypeInt
	def := &catalog.TableDef{Name: "t", Schema: "dbo",
		Columns: []catalog.ColumnDef{{Name: "a", Type: intT}, {Name: "b", Type: intT, Default: "(5)"}, {Name: "s", Type: intT, Computed: "[a]+[b]"}},
		Checks:  []catalog.CheckDef{{Name: "CK_a", Expr: "[a]>(0)", Column: 0}, {Name: "CK_off", Expr: "[b]>(100)", Column: -1, Disabled: true}}}
	b := &Binder{Params: &exec.ParamTypes{}, Engine: &testEngine{}}
	r, err := b.BindRowRules("app", def, parseStored)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Computed) != 1 || r.Computed[0].Col != 2 || len(r.Checks) != 1 || r.Checks[0].Def.Name != "CK_a" || r.Defaults[0] != nil || r.Defaults[1] == nil {
		t.Fatalf("rules %+v", r)
	}
	e := &exec.Env{}
	row := []types.Value{int64(2), int64(3), nil}
	if err := r.Compute(e, def, row); err != nil || row[2] != int64(5) {
		t.Fatalf("computed %v, %v", row, err)
	}
	row[0] = int64(-1)
	if err := r.Check(e, "INSERT", "app", def, row); !sqlerr.Is(err, 547) {
		t.Fatalf("CHECK of a = -1: %v, want 547", err)
	}

	bad := *def
	bad.Checks = []catalog.CheckDef{{Name: "CK_bad", Expr: "[a] >", Column: -1}}
	if _, err := b.BindRowRules("app", &bad, parseStored); !sqlerr.Is(err, 102) {
		t.Errorf("unparsable CHECK: %v, want 102", err)
	}
	bad.Checks = []catalog.CheckDef{{Name: "CK_gone", Expr: "[z]>(0)", Column: -1}}
	if _, err := b.BindRowRules("app", &bad, parseStored); !sqlerr.Is(err, 207) {
		t.Errorf("CHECK of a missing column: %v, want 207", err)
	}
}
