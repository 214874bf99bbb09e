package exec

import (
	"strings"
	"testing"

	"mirrordb/engine/catalog"
	"mirrordb/engine/plan"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// fkFixture is p (id int primary key, name nvarchar(3)); c (id int
// primary key, pid int default 2 references p(id) with the actions
// given, an index on pid); g (id int primary key, cid int references
// c(id) on delete cascade, no index on cid); each as one memWrites store
// holds it, with INSERT, UPDATE and DELETE run from exec alone.
type fkFixture struct {
	t       *testing.T
	e       *Env
	ws      *memWrites
	log     *enforcerLog
	p, c, g *catalog.TableDef
}

func newFKFixture(t *testing.T, onDelete, onUpdate string) *fkFixture {
	intT := types.TypeInt
	cols := func(second string, t types.Type) []catalog.ColumnDef {
		return []catalog.ColumnDef{{Name: "id", Type: intT}, {Name: second, Type: t, Nullable: true}}
	}
	p := &catalog.TableDef{ID: 20, Schema: "dbo", Name: "p", PK: []int{0}, PKName: "PK_p", Columns: cols("name", types.NVarCharType(3))}
	c := &catalog.TableDef{ID: 21, Schema: "dbo", Name: "c", PK: []int{0}, PKName: "PK_c", Columns: cols("pid", intT),
		Indexes:     []catalog.IndexDef{{ID: 2, Name: "ix_pid", Columns: []int{1}, Desc: []bool{false}}},
		ForeignKeys: []catalog.ForeignKeyDef{{Name: "FK_c_p", Columns: []int{1}, RefTable: 20, RefColumns: []int{0}, OnDelete: onDelete, OnUpdate: onUpdate}}}
	g := &catalog.TableDef{ID: 22, Schema: "dbo", Name: "g", PK: []int{0}, PKName: "PK_g", Columns: cols("cid", intT),
		ForeignKeys: []catalog.ForeignKeyDef{{Name: "FK_g_c", Columns: []int{1}, RefTable: 21, RefColumns: []int{0}, OnDelete: catalog.ActionCascade, OnUpdate: catalog.ActionNone}}}
	ws := &memWrites{m: &memTable{def: p, current: p}, schema: catalog.NewSchema(p, c, g)}
	log := &enforcerLog{ws: ws, rules: map[string]*RowRules{"c": {Defaults: []Expr{nil, constant(int64(2))}}}}
	f := &fkFixture{t: t, e: testEnv(t), ws: ws, log: log, p: p, c: c, g: g}
	f.load(p, []types.Value{int64(1), "a"}, []types.Value{int64(2), "b"})
	f.load(c, []types.Value{int64(10), int64(1)}, []types.Value{int64(11), int64(1)}, []types.Value{int64(12), int64(2)})
	f.load(g, []types.Value{int64(100), int64(10)}, []types.Value{int64(101), int64(12)})
	log.calls = nil
	return f
}

// load stores rows as they are, constraints unchecked.
func (f *fkFixture) load(def *catalog.TableDef, rows ...[]types.Value) {
	w := &RowWriter{Table: def, Database: "db"}
	for _, r := range rows {
		if err := w.Insert(f.ws, w.PKKey(r), r); err != nil {
			f.t.Fatal(err)
		}
	}
}

func (f *fkFixture) insert(def *catalog.TableDef, rows ...[]Expr) error {
	p := &Insert{W: &RowWriter{Table: def, Database: "db", Verb: "INSERT"}, Rules: f.log, Targets: []int{0, 1}, Rows: rows, Defs: make([]Expr, 2)}
	_, err := p.Run(f.e, f.ws)
	return err
}

// idIs is WHERE id = v.
func idIs(v int64) Expr {
	return &Compare{Op: "=", L: &ColRef{Idx: 0, T: types.TypeInt}, R: constant(v)}
}

func (f *fkFixture) match(def *catalog.TableDef, where Expr) Match {
	return Match{Scan: &TableScan{Table: memView{f.ws.m, def}, Def: def}, Where: where}
}

func (f *fkFixture) update(def *catalog.TableDef, where Expr, col int, v Expr) (int64, error) {
	p := &Update{Match: f.match(def, where), W: &RowWriter{Table: def, Database: "db", Verb: "UPDATE"}, Rules: f.log,
		Sets: []SetColumn{{Col: col, X: v}}, Defs: make([]Expr, 2)}
	return p.Run(f.e, f.ws)
}

func (f *fkFixture) delete(def *catalog.TableDef, where Expr) (int64, error) {
	p := &Delete{Match: f.match(def, where), Rules: f.log}
	return p.Run(f.e, f.ws)
}

// expectStore compares what each table holds (rows, then index entries).
func (f *fkFixture) expectStore(p, c, g string) {
	f.t.Helper()
	for _, x := range []struct {
		def  *catalog.TableDef
		want string
	}{{f.p, p}, {f.c, c}, {f.g, g}} {
		if got := f.ws.store(f.t, x.def); got != x.want {
			f.t.Errorf("%s holds %s, want %s", x.def.Name, got, x.want)
		}
	}
}

// expect547 checks err is 547 with SQL Server's text.
func expect547(t *testing.T, err error, want string) {
	t.Helper()
	if !sqlerr.Is(err, 547) || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v, want 547: %s", err, want)
	}
}

// TestForeignKeyInsertAndUpdate: a new row version's foreign key finds
// its parent by one Get of the transaction (no table opened), NULL
// passes, a missing parent is 547 naming the parent's table and column;
// an UPDATE that leaves the key alone looks nothing up.
func TestForeignKeyInsertAndUpdate(t *testing.T) {
	f := newFKFixture(t, catalog.ActionNone, catalog.ActionNone)
	if err := f.insert(f.c, []Expr{constant(int64(13)), constant(int64(2))}, []Expr{constant(int64(14)), &Const{T: types.TypeInt}}); err != nil {
		t.Fatal(err)
	}
	f.log.expect(t, "identity insert listed=false explicit=false") // c has no rules to bind, p is not opened
	expect547(t, f.insert(f.c, []Expr{constant(int64(15)), constant(int64(9))}),
		`The INSERT statement conflicted with the FOREIGN KEY constraint "FK_c_p". The conflict occurred in database "db", table "dbo.p", column 'id'.`)

	_, err := f.update(f.c, idIs(13), 1, constant(int64(9)))
	expect547(t, err, `The UPDATE statement conflicted with the FOREIGN KEY constraint "FK_c_p". The conflict occurred in database "db", table "dbo.p", column 'id'.`)
	f.log.calls = nil
	if n, err := f.update(f.c, idIs(13), 0, constant(int64(16))); err != nil || n != 1 {
		t.Fatalf("UPDATE of c's id: %d, %v", n, err)
	}
	// c's key changed: g's foreign key looks for children, by scanning g.
	f.log.expect(t, "store g")
}

// TestForeignKeySameTableParent: an INSERT's row may reference a row the
// same statement inserts later; one that finds none by the end is 547,
// and a load's row (Put) must find its parent at once.
func TestForeignKeySameTableParent(t *testing.T) {
	e := &catalog.TableDef{ID: 23, Schema: "dbo", Name: "e", PK: []int{0}, PKName: "PK_e",
		Columns:     []catalog.ColumnDef{{Name: "id", Type: types.TypeInt}, {Name: "boss", Type: types.TypeInt, Nullable: true}},
		ForeignKeys: []catalog.ForeignKeyDef{{Name: "FK_e_boss", Columns: []int{1}, RefTable: 23, RefColumns: []int{0}, OnDelete: catalog.ActionNone, OnUpdate: catalog.ActionNone}}}
	f := newFKFixture(t, catalog.ActionNone, catalog.ActionNone)
	f.ws.schema = catalog.NewSchema(f.p, f.c, f.g, e)
	if err := f.insert(e, []Expr{constant(int64(1)), constant(int64(2))}, []Expr{constant(int64(2)), &Const{T: types.TypeInt}}); err != nil {
		t.Fatalf("row 1's boss is row 2, inserted after it: %v", err)
	}
	const refused = `The INSERT statement conflicted with the FOREIGN KEY constraint "FK_e_boss". The conflict occurred in database "db", table "dbo.e", column 'id'.`
	expect547(t, f.insert(e, []Expr{constant(int64(3)), constant(int64(9))}), refused)
	load := &Insert{W: &RowWriter{Table: e, Database: "db", Verb: "INSERT"}, Rules: f.log, Targets: []int{0, 1}, Defs: make([]Expr, 2)}
	expect547(t, load.Put(f.e, f.ws, []types.Value{int64(4), int64(5)}, []types.Type{types.TypeInt, types.TypeInt}, nil), refused)
}

// TestForeignKeyDeleteActions deletes p's row 1 under each ON DELETE
// action: NO ACTION refuses (547 naming the child), CASCADE deletes c's
// rows through ix_pid and, a level down, g's by scanning g, SET NULL and
// SET DEFAULT change c's rows (a default without a parent is 547).
func TestForeignKeyDeleteActions(t *testing.T) {
	f := newFKFixture(t, catalog.ActionNone, catalog.ActionNone)
	_, err := f.delete(f.p, idIs(1))
	expect547(t, err, `The DELETE statement conflicted with the REFERENCE constraint "FK_c_p". The conflict occurred in database "db", table "dbo.c", column 'pid'.`)

	f = newFKFixture(t, catalog.ActionCascade, catalog.ActionNone)
	if n, err := f.delete(f.p, idIs(1)); err != nil || n != 1 {
		t.Fatalf("CASCADE: %d rows, %v", n, err)
	}
	f.expectStore("[2 b]", "[12 2] ix_pid", "[101 12]")
	f.log.expect(t, "store c; store g; store g") // each deleted row of c looks for its own

	f = newFKFixture(t, catalog.ActionSetNull, catalog.ActionNone)
	if _, err := f.delete(f.p, idIs(1)); err != nil {
		t.Fatal(err)
	}
	f.expectStore("[2 b]", "[10 <nil>] [11 <nil>] [12 2] ix_pid ix_pid ix_pid", "[100 10] [101 12]")

	f = newFKFixture(t, catalog.ActionSetDefault, catalog.ActionNone)
	if _, err := f.delete(f.p, idIs(1)); err != nil {
		t.Fatal(err)
	}
	f.expectStore("[2 b]", "[10 2] [11 2] [12 2] ix_pid ix_pid ix_pid", "[100 10] [101 12]")
	// Deleting p's row 2 sets c's rows to the default 2 they hold: the
	// key went, so the default finds no parent.
	_, err = f.delete(f.p, idIs(2))
	expect547(t, err, `The DELETE statement conflicted with the FOREIGN KEY constraint "FK_c_p". The conflict occurred in database "db", table "dbo.p", column 'id'.`)
	f = newFKFixture(t, catalog.ActionSetDefault, catalog.ActionNone)
	f.log.rules["c"].Defaults[1] = constant(int64(9))
	_, err = f.delete(f.p, idIs(1))
	expect547(t, err, `The DELETE statement conflicted with the FOREIGN KEY constraint "FK_c_p". The conflict occurred in database "db", table "dbo.p", column 'id'.`)
}

// TestForeignKeyUpdateActions changes p's key 1 to 5: NO ACTION refuses,
// CASCADE carries the new key to c's rows; a key another row still holds
// after the statement's earlier writes leaves the children alone.
func TestForeignKeyUpdateActions(t *testing.T) {
	f := newFKFixture(t, catalog.ActionNone, catalog.ActionNone)
	_, err := f.update(f.p, idIs(1), 0, constant(int64(5)))
	expect547(t, err, `The UPDATE statement conflicted with the REFERENCE constraint "FK_c_p". The conflict occurred in database "db", table "dbo.c", column 'pid'.`)

	f = newFKFixture(t, catalog.ActionNone, catalog.ActionCascade)
	if n, err := f.update(f.p, idIs(1), 0, constant(int64(5))); err != nil || n != 1 {
		t.Fatalf("CASCADE: %d rows, %v", n, err)
	}
	f.expectStore("[2 b] [5 a]", "[10 5] [11 5] [12 2] ix_pid ix_pid ix_pid", "[100 10] [101 12]")

	// SET id = 3 - id swaps the keys 1 and 2: each is held again once
	// the statement's rows are written, so nothing references a lost key.
	f = newFKFixture(t, catalog.ActionNone, catalog.ActionNone)
	swap := &Arith{Op: "-", L: constant(int64(3)), R: &ColRef{Idx: 0, T: types.TypeInt}, T: types.TypeInt}
	if n, err := f.update(f.p, nil, 0, swap); err != nil || n != 2 {
		t.Fatalf("swap: %d rows, %v", n, err)
	}
	f.expectStore("[1 b] [2 a]", "[10 1] [11 1] [12 2] ix_pid ix_pid ix_pid", "[100 10] [101 12]")
}

// TestCascadeDepth: a cascade path that loops (which 1785 keeps DDL from
// making) ends at maxCascadeDepth levels.
func TestCascadeDepth(t *testing.T) {
	f := newFKFixture(t, catalog.ActionNone, catalog.ActionNone)
	e := &catalog.TableDef{ID: 23, Schema: "dbo", Name: "e", PK: []int{0}, PKName: "PK_e",
		Columns:     []catalog.ColumnDef{{Name: "id", Type: types.TypeInt}, {Name: "boss", Type: types.TypeInt, Nullable: true}},
		ForeignKeys: []catalog.ForeignKeyDef{{Name: "FK_e_boss", Columns: []int{1}, RefTable: 23, RefColumns: []int{0}, OnDelete: catalog.ActionCascade, OnUpdate: catalog.ActionNone}}}
	f.ws.schema = catalog.NewSchema(f.p, f.c, f.g, e)
	for i := int64(1); i <= maxCascadeDepth+3; i++ {
		var boss types.Value
		if i > 1 {
			boss = i - 1
		}
		f.load(e, []types.Value{i, boss})
	}
	_, err := f.delete(e, idIs(1))
	want := "Introducing FOREIGN KEY constraint 'FK_e_boss' on table 'e' may cause cycles or multiple cascade paths."
	if !sqlerr.Is(err, 1785) || !strings.HasPrefix(sqlerr.As(err).Message, want) {
		t.Fatalf("%v, want 1785 past %d levels: %s ...", err, maxCascadeDepth, want)
	}
}

// TestConstraintAssert prints the constraint work of writes as the
// checks above do it: c's parent sought through p's primary key, p's
// children in c through ix_pid and g's by a scan of g; an UPDATE of
// columns no key holds has none; a table without any keeps its node.
func TestConstraintAssert(t *testing.T) {
	f := newFKFixture(t, catalog.ActionCascade, catalog.ActionNone)
	x := &Explainer{}
	write := func() *plan.Node { return x.Node("Clustered Index Update", "Update", "") }
	for _, tc := range []struct {
		def    *catalog.TableDef
		verb   string
		cols   []int
		checks []string
		want   string
	}{
		{f.c, "Insert", nil, []string{"([pid]>(0))"}, "WHERE:(CHECK:([pid]>(0)), FOREIGN KEY:([FK_c_p] SEEK [db].[dbo].[p].[PK_p]))"},
		{f.c, "Delete", nil, []string{"([pid]>(0))"}, "WHERE:(REFERENCE:([FK_g_c] CASCADE SCAN [db].[dbo].[g]))"},
		{f.p, "Delete", nil, nil, "WHERE:(REFERENCE:([FK_c_p] CASCADE SEEK [db].[dbo].[c].[ix_pid]))"},
		{f.p, "Update", []int{0}, nil, "WHERE:(REFERENCE:([FK_c_p] NO ACTION SEEK [db].[dbo].[c].[ix_pid]))"},
		{f.p, "Update", []int{1}, nil, ""},
		{f.g, "Insert", nil, nil, "WHERE:(FOREIGN KEY:([FK_g_c] SEEK [db].[dbo].[c].[PK_c]))"},
		{f.g, "Delete", nil, nil, ""},
	} {
		n := ConstraintAssert(x, "db", f.ws.schema, tc.def, tc.verb, tc.cols, tc.checks, write())
		got := ""
		if n.PhysicalOp == "Assert" {
			got = n.Argument
		}
		if got != tc.want {
			t.Errorf("%s %s: got %q, want %q", tc.verb, tc.def.Name, got, tc.want)
		}
	}
}
