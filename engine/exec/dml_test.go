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
// it (and refuses a row whose score is 99, as a CHECK would).
type enforcerLog struct{ calls []string }

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

func (l *enforcerLog) BeginInsert(_ *Env, _ Writes, listed, explicitID bool) error {
	l.add("begin listed=%v explicit=%v", listed, explicitID)
	return nil
}

func (l *enforcerLog) EndInsert(_ *Env, _ Writes, err error) error {
	l.add("end %v", err != nil)
	return err
}

func (l *enforcerLog) Identity(_ *Env, v int64) { l.add("identity %d", v) }

func (l *enforcerLog) CheckRow(_ *Env, _ Writes, row []types.Value) error {
	l.add("check %v", row)
	if row[2] == int64(99) {
		return sqlerr.New(547, "INSERT", "CHECK", "CK_score", "db", "dbo.t", "score")
	}
	return nil
}

func (l *enforcerLog) Inserted(_ *Env, _ Writes, row []types.Value) error {
	l.add("inserted %v", row)
	return nil
}

func (l *enforcerLog) Updated(_ *Env, _ Writes, changes []RowChange) error {
	for _, c := range changes {
		l.add("updated %v→%v", c.Old, c.Row)
	}
	return nil
}

func (l *enforcerLog) Deleted(_ *Env, _ Writes, rows [][]types.Value) error {
	l.add("deleted %v", rows)
	return nil
}

func (l *enforcerLog) Explain(x *Explainer, verb string, set []int, write *plan.Node) *plan.Node {
	return write
}

// identityTable is t (id int identity(1,1) primary key, name nvarchar(3)
// not null, score int default 7).
func identityTable() (*catalog.TableDef, *memWrites) {
	def := &catalog.TableDef{ID: 9, Schema: "dbo", Name: "t", PK: []int{0}, PKName: "PK_t",
		Columns: []catalog.ColumnDef{{Name: "id", Type: types.TypeInt, Identity: &catalog.Identity{Seed: 1, Increment: 1}},
			{Name: "name", Type: types.NVarCharType(3)}, {Name: "score", Type: types.TypeInt, Nullable: true}}}
	return def, &memWrites{m: &memTable{def: def, current: def}, schema: catalog.NewSchema(def)}
}

func constant(v types.Value) Expr {
	if _, ok := v.(string); ok {
		return &Const{V: v, T: types.VarCharType(10)}
	}
	return &Const{V: v, T: types.TypeInt}
}

// TestInsertRun inserts VALUES rows through the Enforcer's points: the
// identity generated (and, given explicitly, moving the counter on), a
// DEFAULT filled, each row checked before it is stored and its foreign
// keys after, the OUTPUT row kept; a refused row ends the INSERT with
// its error, the Enforcer told.
func TestInsertRun(t *testing.T) {
	def, ws := identityTable()
	e := testEnv(t)
	log := &enforcerLog{}
	w := &RowWriter{Table: def, Database: "db", Verb: "INSERT"}
	p := &Insert{W: w, Rules: log, Targets: []int{1, 2},
		Rows: [][]Expr{{constant("a"), constant(int64(20))}, {constant("b"), nil}},
		Defs: []Expr{nil, nil, constant(int64(7))},
		Out:  &Output{Project: []Expr{&ColRef{Idx: 0, T: types.TypeInt}}, Deleted: -1, Inserted: 0, Width: 3}}
	n, err := p.Run(e, ws)
	if err != nil || n != 2 {
		t.Fatalf("%d rows, %v", n, err)
	}
	log.expect(t, "begin listed=false explicit=false; identity 1; check [1 a 20]; inserted [1 a 20]; identity 2; check [2 b 7]; inserted [2 b 7]; end false")
	if got := fmt.Sprint(e.Output); got != "[[1] [2]]" {
		t.Errorf("OUTPUT rows %s, want [[1] [2]]", got)
	}

	// Explicit identity values: 10 moves the counter on, 5 does not move it back.
	explicit := &Insert{W: w, Rules: log, Targets: []int{0, 1}, Listed: true, ExplicitID: true,
		Rows: [][]Expr{{constant(int64(10)), constant("c")}, {constant(int64(5)), constant("d")}}, Defs: p.Defs}
	if _, err := explicit.Run(e, ws); err != nil {
		t.Fatal(err)
	}
	log.expect(t, "begin listed=true explicit=true; identity 10; check [10 c 7]; inserted [10 c 7]; identity 5; check [5 d 7]; inserted [5 d 7]; end false")
	if _, err := p.Run(e, ws); err != nil {
		t.Fatal(err)
	}
	if got, want := ws.store(t, def), "[1 a 20] [2 b 7] [5 d 7] [10 c 7] [11 a 20] [12 b 7]"; got != want {
		t.Errorf("store:\n got %s\nwant %s", got, want)
	}
	log.expect(t, "begin listed=false explicit=false; identity 11; check [11 a 20]; inserted [11 a 20]; identity 12; check [12 b 7]; inserted [12 b 7]; end false")

	refused := &Insert{W: w, Rules: log, Targets: []int{1, 2}, Rows: [][]Expr{{constant("e"), constant(int64(99))}}, Defs: p.Defs}
	if _, err := refused.Run(e, ws); !sqlerr.Is(err, 547) {
		t.Fatalf("%v, want the CHECK's 547", err)
	}
	log.expect(t, "begin listed=false explicit=false; identity 13; check [13 e 99]; end true")
}

// TestUpdateAndDeleteRun updates the rows WHERE finds (a SET from the
// old row, one to DEFAULT), the Enforcer seeing each new row and then
// the changes; OUTPUT has both images; DELETE with TOP deletes one row
// and hands it to the Enforcer.
func TestUpdateAndDeleteRun(t *testing.T) {
	def, ws := identityTable()
	e := testEnv(t)
	log := &enforcerLog{}
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
	log.expect(t, "check [1 z 7]; check [3 z 7]; updated [1 a 20]→[1 z 7]; updated [3 c 30]→[3 z 7]")
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
	log.expect(t, "deleted [[1 z 7]]")
}
