package exec

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"mirrordb/engine/catalog"
	"mirrordb/engine/govern"
	"mirrordb/engine/keys"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// memWrites is a transaction over a memTable, behind the Writes seam the
// engine implements over its pebble transaction: the row writer's keys
// land in the same sorted store the scans read.
type memWrites struct {
	m      *memTable
	schema *catalog.Schema
	// inIndex is the filtered index's filter (the engine interprets SQL).
	inIndex func(ix *catalog.IndexDef, row []types.Value) bool
	built   []string // index entries an index build was told of
}

func (w *memWrites) find(key []byte) (int, bool) {
	for i, k := range w.m.keys {
		if bytes.Equal(k, key) {
			return i, true
		}
	}
	return -1, false
}

func (w *memWrites) Get(key []byte) ([]byte, bool, error) {
	if i, ok := w.find(key); ok {
		return w.m.vals[i], true, nil
	}
	return nil, false, nil
}

func (w *memWrites) Write(key, _ []byte, _ bool, after []byte) error {
	return w.WriteOwned(bytes.Clone(key), nil, false, bytes.Clone(after))
}

func (w *memWrites) WriteOwned(key, _ []byte, _ bool, after []byte) error {
	if i, ok := w.find(key); ok {
		w.m.keys = append(w.m.keys[:i], w.m.keys[i+1:]...)
		w.m.vals = append(w.m.vals[:i], w.m.vals[i+1:]...)
	}
	if after != nil {
		w.m.put(key, after)
	}
	return nil
}

func (w *memWrites) Delete(key []byte) error { return w.WriteOwned(key, nil, false, nil) }

func (w *memWrites) NextCounter(key []byte, start, delta int64) (int64, error) {
	v := start
	if cur, ok, _ := w.Get(key); ok {
		v = int64(binary.BigEndian.Uint64(cur)) + delta
	}
	return v, w.Write(key, nil, false, binary.BigEndian.AppendUint64(nil, uint64(v)))
}

func (w *memWrites) Schema() (*catalog.Schema, error) { return w.schema, nil }

func (w *memWrites) InIndex(ix *catalog.IndexDef, _ *catalog.TableDef, row []types.Value) bool {
	return w.inIndex == nil || w.inIndex(ix, row)
}

func (w *memWrites) Building(_, index uint32, key []byte) {
	w.built = append(w.built, fmt.Sprintf("%d:%x", index, key))
}

// store lists what the table holds: its rows by key, then each index's
// entries, decoded.
func (w *memWrites) store(t *testing.T, def *catalog.TableDef) string {
	t.Helper()
	var out []string
	for i, k := range w.m.keys {
		switch {
		case bytes.HasPrefix(k, keys.TablePrefix(def.StoreID())):
			row, err := keys.DecodeColumns(w.m.vals[i], nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprint(row))
		default:
			for _, ix := range def.Indexes {
				if bytes.HasPrefix(k, keys.IndexPrefix(def.StoreID(), ix.StoreID())) {
					out = append(out, ix.Name)
				}
			}
		}
	}
	return strings.Join(out, " ")
}

// writeTable is t (id int primary key, name nvarchar(3) not null, score
// int) with a unique index on name and an index on score filtered to
// scores above 10 (INCLUDE name).
func writeTable() (*catalog.TableDef, *memWrites) {
	intT := types.TypeInt
	def := &catalog.TableDef{ID: 9, Schema: "dbo", Name: "t", PK: []int{0}, PKName: "PK_t",
		Columns: []catalog.ColumnDef{{Name: "id", Type: intT}, {Name: "name", Type: types.NVarCharType(3)}, {Name: "score", Type: intT, Nullable: true}},
		Indexes: []catalog.IndexDef{
			{ID: 2, Name: "ux_name", Columns: []int{1}, Desc: []bool{false}, Unique: true},
			{ID: 3, Name: "ix_score", Columns: []int{2}, Desc: []bool{true}, Include: []int{1}, Filter: "score > 10"},
		}}
	ws := &memWrites{m: &memTable{def: def, current: def}, schema: catalog.NewSchema(def)}
	ws.inIndex = func(ix *catalog.IndexDef, row []types.Value) bool {
		s, ok := row[2].(int64)
		return ix.Filter == "" || (ok && s > 10)
	}
	return def, ws
}

func testEnv(t *testing.T) *Env {
	gov := govern.NewPool(1<<20, 1<<20).Begin(context.Background())
	t.Cleanup(gov.End)
	return &Env{Ctx: context.Background(), Gov: gov}
}

// TestRowWriterInsert stores rows with their index entries (the filtered
// index only those its filter holds) and refuses what SQL Server refuses,
// with its messages: a duplicate primary key (2627) or unique key (2601),
// NULL in a NOT NULL column (515), a value cut short (2628).
func TestRowWriterInsert(t *testing.T) {
	def, ws := writeTable()
	w := &RowWriter{Table: def, Database: "db", Verb: "INSERT"}
	insert := func(vals ...types.Value) error {
		row := make([]types.Value, len(vals))
		for i, v := range vals {
			var err error
			if row[i], err = w.Convert(i, v, def.Columns[i].Type); err != nil {
				return err
			}
		}
		key, err := w.Key(ws, row)
		if err != nil {
			return err
		}
		return w.Insert(ws, key, row)
	}
	for _, r := range [][]types.Value{{int64(1), "a", int64(20)}, {int64(2), "b", int64(5)}, {int64(3), "c", nil}} {
		if err := insert(r...); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := ws.store(t, def), "[1 a 20] [2 b 5] [3 c <nil>] ux_name ux_name ux_name ix_score"; got != want {
		t.Fatalf("store:\n got %s\nwant %s", got, want)
	}
	// The entries are exactly what IndexEntry gives (the key a seek finds).
	k, v := IndexEntry(def, &def.Indexes[1], w.PKKey([]types.Value{int64(1), "a", int64(20)}), []types.Value{int64(1), "a", int64(20)})
	if got, ok, _ := ws.Get(k); !ok || !bytes.Equal(got, v) {
		t.Fatalf("ix_score entry of row 1: %x, %v", got, ok)
	}
	for _, c := range []struct {
		row  []types.Value
		want string
	}{
		{[]types.Value{int64(1), "z", int64(1)}, "Msg 2627, Level 14, State 1: Violation of PRIMARY KEY constraint 'PK_t'. Cannot insert duplicate key in object 'dbo.t'. The duplicate key value is (1)."},
		{[]types.Value{int64(4), "b", int64(1)}, "Msg 2601, Level 14, State 1: Cannot insert duplicate key row in object 'dbo.t' with unique index 'ux_name'. The duplicate key value is (b)."},
		{[]types.Value{int64(4), nil, int64(1)}, "Msg 515, Level 16, State 1: Cannot insert the value NULL into column 'name', table 'db.dbo.t'; column does not allow nulls. INSERT fails."},
		{[]types.Value{int64(4), "long", int64(1)}, "Msg 2628, Level 16, State 1: String or binary data would be truncated in table 'db.dbo.t', column 'name'. Truncated value: 'lon'."},
	} {
		err := insert(c.row...)
		if err == nil || err.Error() != c.want {
			t.Errorf("insert %v: %v, want %s", c.row, err, c.want)
		}
	}
	// The row refused by its unique index was stored before the index
	// refused it (the engine's statement savepoint takes it back); no
	// other write got through.
	if got, want := ws.store(t, def), "[1 a 20] [2 b 5] [3 c <nil>] [4 b 1] ux_name ux_name ux_name ix_score"; got != want {
		t.Fatalf("store after refusals:\n got %s\nwant %s", got, want)
	}
}

// TestRowWriterUpdateAndDelete shifts every key by one (SET id = id + 1,
// two rows swapping their unique names, one keeping its own), which must
// not collide with rows not yet moved nor with the moving row's own entry, then deletes through MatchRows what a TableScan with a WHERE
// finds; each index follows its rows, and an index being built is told
// of the entries that change.
func TestRowWriterUpdateAndDelete(t *testing.T) {
	def, ws := writeTable()
	e := testEnv(t)
	w := &RowWriter{Table: def, Database: "db", Verb: "UPDATE"}
	for _, r := range [][]types.Value{{int64(1), "a", int64(20)}, {int64(2), "b", int64(30)}, {int64(3), "c", int64(5)}} {
		if err := w.Insert(ws, w.PKKey(r), r); err != nil {
			t.Fatal(err)
		}
	}
	scan := &TableScan{Table: ws.m, Def: def}
	ks, raws, rows, err := MatchRows(e, scan, nil, nil)
	if err != nil || len(rows) != 3 {
		t.Fatalf("MatchRows: %d rows, %v", len(rows), err)
	}
	names := []string{"b", "a", "c"} // two swap, one stays with its moving row
	changes := make([]RowChange, len(rows))
	for i, old := range rows {
		row := append([]types.Value{}, old...)
		row[0], row[1] = old[0].(int64)+1, names[i]
		changes[i] = RowChange{OldKey: ks[i], OldRaw: raws[i], NewKey: w.StorageKey(ks[i], row), Old: old, Row: row}
	}
	if err := w.ApplyChanges(e, ws, changes); err != nil {
		t.Fatal(err)
	}
	if got, want := ws.store(t, def), "[2 b 20] [3 a 30] [4 c 5] ux_name ux_name ux_name ix_score ix_score"; got != want {
		t.Fatalf("after the update:\n got %s\nwant %s", got, want)
	}
	for _, ix := range def.Indexes {
		for _, r := range changes {
			k, v := IndexEntry(def, &ix, r.NewKey, r.Row)
			got, ok, _ := ws.Get(k)
			if in := ws.InIndex(&ix, def, r.Row); ok != in || (ok && !bytes.Equal(got, v)) {
				t.Errorf("%s entry of %v: present %v, want %v", ix.Name, r.Row, ok, in)
			}
		}
	}

	def.Indexes[1].State = catalog.IndexBuilding
	where := &Compare{Op: ">", L: &ColRef{Idx: 2, T: types.TypeInt}, R: &Const{V: int64(10), T: types.TypeInt}}
	ks, raws, rows, err = MatchRows(e, &TableScan{Table: ws.m, Def: def}, where, &Const{V: int64(1), T: types.TypeBigInt})
	if err != nil || len(rows) != 1 || fmt.Sprint(rows[0]) != "[2 b 20]" {
		t.Fatalf("MatchRows with WHERE and TOP (1): %v, %v", rows, err)
	}
	if err := DeleteRows(e, ws, def.ID, ks, raws, rows); err != nil {
		t.Fatal(err)
	}
	if got, want := ws.store(t, def), "[3 a 30] [4 c 5] ux_name ux_name ix_score"; got != want {
		t.Fatalf("after the delete:\n got %s\nwant %s", got, want)
	}
	if len(ws.built) != 1 || !strings.HasPrefix(ws.built[0], "3:") {
		t.Errorf("the build was told of %v, want the one ix_score entry deleted", ws.built)
	}
}

// TestRowWriterCounters gives a heap's rows hidden row ids, an identity
// column its values until its type's range ends (8115), and an updated
// row a new rowversion.
func TestRowWriterCounters(t *testing.T) {
	def := &catalog.TableDef{ID: 4, Schema: "dbo", Name: "h",
		Columns: []catalog.ColumnDef{{Name: "n", Type: types.TypeTinyInt, Identity: &catalog.Identity{Seed: 250, Increment: 5}}, {Name: "rv", Type: types.VarBinaryType(8), TypeName: "timestamp"}}}
	ws := &memWrites{m: &memTable{def: def}, schema: catalog.NewSchema(def)}
	w := &RowWriter{Table: def, Database: "db", Verb: "INSERT"}
	var got []string
	for range 3 {
		k, err := w.Key(ws, nil)
		if err != nil {
			t.Fatal(err)
		}
		n, err := w.NextIdentity(ws, 0)
		got = append(got, fmt.Sprintf("%02x/%d/%v", k[len(k)-1], n, err))
	}
	if want := "01/250/<nil> 02/255/<nil> 03/0/" + sqlerr.New(8115, "IDENTITY", "tinyint").Error(); strings.Join(got, " ") != want {
		t.Errorf("keys/identities: %s, want %s", strings.Join(got, " "), want)
	}
	row := make([]types.Value, 2)
	for _, want := range []uint64{FirstRowversion + 1, FirstRowversion + 2} {
		if err := w.Stamp(ws, row); err != nil || binary.BigEndian.Uint64(row[1].([]byte)) != want {
			t.Errorf("rowversion %x, %v; want %d", row[1], err, want)
		}
	}
}

// TestRowRules computes a computed column (total = qty * 2, converted to
// its column's type) and checks CHECK (total < 10): NULL passes, FALSE
// is 547 naming the constraint and its one column, with the check
// violation's SQLSTATE and 3621 as its detail.
func TestRowRules(t *testing.T) {
	intT := types.TypeInt
	def := &catalog.TableDef{ID: 5, Schema: "dbo", Name: "c",
		Columns: []catalog.ColumnDef{{Name: "qty", Type: intT, Nullable: true}, {Name: "total", Type: types.TypeBigInt, Nullable: true}},
		Checks:  []catalog.CheckDef{{Name: "CK_total", Column: 1}}}
	total := &Arith{Op: "*", L: &ColRef{Idx: 0, T: intT}, R: &Const{V: int64(2), T: intT}, T: intT}
	r := &RowRules{
		Computed: []ComputedColumn{{Col: 1, X: total}},
		Checks:   []BoundCheck{{Def: &def.Checks[0], X: &Compare{Op: "<", L: &ColRef{Idx: 1, T: types.TypeBigInt}, R: &Const{V: int64(10), T: types.TypeBigInt}}}},
	}
	e := testEnv(t)
	for _, c := range []struct {
		qty  types.Value
		want string
	}{
		{int64(3), "[3 6] <nil>"},
		{nil, "[<nil> <nil>] <nil>"},
		{int64(7), `[7 14] Msg 547, Level 16, State 1: The INSERT statement conflicted with the CHECK constraint "CK_total". The conflict occurred in database "db", table "dbo.c", column 'total'.`},
	} {
		row := []types.Value{c.qty, nil}
		err := r.Compute(e, def, row)
		if err == nil {
			err = r.Check(e, "INSERT", "db", def, row)
		}
		if got := fmt.Sprint(row, " ", err); got != c.want {
			t.Errorf("qty %v:\n got %s\nwant %s", c.qty, got, c.want)
		}
		if se := sqlerr.As(err); se != nil && (se.Code != sqlerr.CheckViolation || se.Detail != sqlerr.New(3621).Text()) {
			t.Errorf("547's SQLSTATE %s, detail %q", se.Code, se.Detail)
		}
	}
}

// TestRulesCache: a definition's rules come back as they were put, and
// at most RulesCacheMax definitions' rules are held (past that the cache
// starts again).
func TestRulesCache(t *testing.T) {
	var c RulesCache
	def := &catalog.TableDef{Name: "t"}
	if _, ok := c.Get(def); ok {
		t.Fatal("an empty cache holds rules")
	}
	r := &RowRules{}
	c.Put(def, r)
	if got, ok := c.Get(def); !ok || got != r {
		t.Fatalf("Get gave %p %v, want %p", got, ok, r)
	}
	for i := 0; i < 3*RulesCacheMax; i++ {
		c.Put(&catalog.TableDef{Name: "t"}, &RowRules{})
	}
	if n := c.Len(); n == 0 || n > RulesCacheMax {
		t.Fatalf("the cache holds %d definitions' rules, at most %d", n, RulesCacheMax)
	}
}
