package exec

import (
	"fmt"
	"strings"
	"testing"

	"mirrordb/engine/catalog"
	"mirrordb/engine/plan"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// enforcerLog is an Enforcer that writes down when the run methods call
// it; its tables are views of the one memWrites store, and the rules it
// gives are a table's checks (rules, by table name).
type enforcerLog struct {
	calls []string
	ws    *memWrites
	rules map[string]*RowRules
}

func (l *enforcerLog) add(format string, args ...any) {
	l.calls = append(l.calls, fmt.Sprintf(format, args...))
}

// expect compares the calls since the last expect with want.
func (l *enforcerLog) expect(t *testing.T, want string) {
	t.Helper()
	if got := strings.Join(l.calls, "; "); got != want {
		t.Errorf("calls:\n got %s\nwant %s", got, want)
	}
	l.calls = nil
}

func (l *enforcerLog) IdentityInsert(_ *Env, listed, explicitID bool) error {
	l.add("identity insert listed=%v explicit=%v", listed, explicitID)
	return nil
}

func (l *enforcerLog) Identity(_ *Env, v int64) { l.add("identity %d", v) }

func (l *enforcerLog) Store(def *catalog.TableDef) Table {
	l.add("store %s", def.Name)
	return memView{l.ws.m, def}
}

func (l *enforcerLog) Rules(_ *Env, def *catalog.TableDef) (*RowRules, error) {
	l.add("rules %s", def.Name)
	if r := l.rules[def.Name]; r != nil {
		return r, nil
	}
	return &RowRules{Defaults: make([]Expr, len(def.Columns))}, nil
}

func (l *enforcerLog) Explain(x *Explainer, verb string, set []int, write *plan.Node) *plan.Node {
	return write
}

// memView is the memTable (which holds every table's keys) as one
// table's store.
type memView struct {
	*memTable
	def *catalog.TableDef
}

func (v memView) Current(*Env) *catalog.TableDef { return v.def }

// identityTable is t (id int identity(1,1) primary key, name nvarchar(3)
// not null, score int default 7 check (score <> 99)), and an enforcerLog
// whose rules are that CHECK's.
func identityTable() (*catalog.TableDef, *memWrites, *enforcerLog) {
	def := &catalog.TableDef{ID: 9, Schema: "dbo", Name: "t", PK: []int{0}, PKName: "PK_t",
		Columns: []catalog.ColumnDef{{Name: "id", Type: types.TypeInt, Identity: &catalog.Identity{Seed: 1, Increment: 1}},
			{Name: "name", Type: types.NVarCharType(3)}, {Name: "score", Type: types.TypeInt, Nullable: true}},
		Checks: []catalog.CheckDef{{Name: "CK_score", Expr: "([score]<>(99))", Column: 2}}}
	ws := &memWrites{m: &memTable{def: def, current: def}, schema: catalog.NewSchema(def)}
	check := &Compare{Op: "<>", L: &ColRef{Idx: 2, T: types.TypeInt}, R: constant(int64(99))}
	log := &enforcerLog{ws: ws, rules: map[string]*RowRules{"t": {Checks: []BoundCheck{{Def: &def.Checks[0], X: check}}}}}
	return def, ws, log
}

func constant(v types.Value) Expr {
	if _, ok := v.(string); ok {
		return &Const{V: v, T: types.VarCharType(10)}
	}
	return &Const{V: v, T: types.TypeInt}
}

// TestInsertRun inserts VALUES rows through the Enforcer's points: SET
// IDENTITY_INSERT applied, the identity generated (and, given
// explicitly, moving the counter on) and recorded, a DEFAULT filled, each
// row checked by the table's rules before it is stored, the OUTPUT row
// kept; a row the CHECK refuses ends the INSERT with its 547.
func TestInsertRun(t *testing.T) {
	def, ws, log := identityTable()
	e := testEnv(t)
	w := &RowWriter{Table: def, Database: "db", Verb: "INSERT"}
	p := &Insert{W: w, Rules: log, Targets: []int{1, 2},
		Rows: [][]Expr{{constant("a"), constant(int64(20))}, {constant("b"), nil}},
		Defs: []Expr{nil, nil, constant(int64(7))},
		Out:  &Output{Project: []Expr{&ColRef{Idx: 0, T: types.TypeInt}}, Deleted: -1, Inserted: 0, Width: 3}}
	n, err := p.Run(e, ws)
	if err != nil || n != 2 {
		t.Fatalf("%d rows, %v", n, err)
	}
	log.expect(t, "identity insert listed=false explicit=false; identity 1; rules t; identity 2; rules t")
	if got := fmt.Sprint(e.Output); got != "[[1] [2]]" {
		t.Errorf("OUTPUT rows %s, want [[1] [2]]", got)
	}

	// Explicit identity values: 10 moves the counter on, 5 does not move it back.
	explicit := &Insert{W: w, Rules: log, Targets: []int{0, 1}, Listed: true, ExplicitID: true,
		Rows: [][]Expr{{constant(int64(10)), constant("c")}, {constant(int64(5)), constant("d")}}, Defs: p.Defs}
	if _, err := explicit.Run(e, ws); err != nil {
		t.Fatal(err)
	}
	log.expect(t, "identity insert listed=true explicit=true; identity 10; rules t; identity 5; rules t")
	if _, err := p.Run(e, ws); err != nil {
		t.Fatal(err)
	}
	if got, want := ws.store(t, def), "[1 a 20] [2 b 7] [5 d 7] [10 c 7] [11 a 20] [12 b 7]"; got != want {
		t.Errorf("store:\n got %s\nwant %s", got, want)
	}
	log.expect(t, "identity insert listed=false explicit=false; identity 11; rules t; identity 12; rules t")

	refused := &Insert{W: w, Rules: log, Targets: []int{1, 2}, Rows: [][]Expr{{constant("e"), constant(int64(99))}}, Defs: p.Defs}
	if _, err := refused.Run(e, ws); !sqlerr.Is(err, 547) {
		t.Fatalf("%v, want the CHECK's 547", err)
	} else if !strings.Contains(err.Error(), `conflicted with the CHECK constraint "CK_score"`) || !strings.Contains(err.Error(), "column 'score'") {
		t.Errorf("547's text: %v", err)
	}
	log.expect(t, "identity insert listed=false explicit=false; identity 13; rules t")
}

// TestUpdateAndDeleteRun updates the rows WHERE finds (a SET from the
// old row, one to DEFAULT), each new row checked by the table's rules;
// OUTPUT has both images; DELETE with TOP deletes one row, asking the
// Enforcer nothing (no foreign key references the table).
func TestUpdateAndDeleteRun(t *testing.T) {
	def, ws, log := identityTable()
	e := testEnv(t)
	w := &RowWriter{Table: def, Database: "db", Verb: "UPDATE"}
	for _, r := range [][]types.Value{{int64(1), "a", int64(20)}, {int64(2), "b", int64(5)}, {int64(3), "c", int64(30)}} {
		if err := w.Insert(ws, w.PKKey(r), r); err != nil {
			t.Fatal(err)
		}
	}
	score := &ColRef{Idx: 2, T: types.TypeInt}
	over10 := &Compare{Op: ">", L: score, R: constant(int64(10))}
	up := &Update{Match: Match{Scan: &TableScan{Table: ws.m, Def: def}, Where: over10}, W: w, Rules: log,
		Sets: []SetColumn{{Col: 1, X: constant("z")}, {Col: 2}},
		Defs: []Expr{nil, nil, constant(int64(7))},
		Out:  &Output{Project: []Expr{score, &ColRef{Idx: 5, T: types.TypeInt}}, Deleted: 0, Inserted: 3, Width: 6}}
	n, err := up.Run(e, ws)
	if err != nil || n != 2 {
		t.Fatalf("UPDATE: %d rows, %v", n, err)
	}
	if got, want := ws.store(t, def), "[1 z 7] [2 b 5] [3 z 7]"; got != want {
		t.Errorf("store:\n got %s\nwant %s", got, want)
	}
	log.expect(t, "rules t; rules t")
	if got := fmt.Sprint(e.Output); got != "[[20 7] [30 7]]" {
		t.Errorf("OUTPUT rows %s, want the old and new scores", got)
	}

	del := &Delete{Match: Match{Scan: &TableScan{Table: ws.m, Def: def}, Top: &Const{V: int64(1), T: types.TypeBigInt}}, Rules: log}
	if n, err := del.Run(e, ws); err != nil || n != 1 {
		t.Fatalf("DELETE: %d rows, %v", n, err)
	}
	if got, want := ws.store(t, def), "[2 b 5] [3 z 7]"; got != want {
		t.Errorf("after DELETE TOP (1):\n got %s\nwant %s", got, want)
	}
	log.expect(t, "")
}
