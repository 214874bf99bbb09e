package exec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"mirrordb/engine/catalog"
	"mirrordb/engine/govern"
	"mirrordb/engine/keys"
	"mirrordb/types"
)

// memTable is a table's store held in memory, with the real encodings of
// rows and index entries, behind the Table seam the engine implements
// over pebble: what the scans read, counted as SET STATISTICS IO counts.
type memTable struct {
	def, current *catalog.TableDef
	keys, vals   [][]byte // sorted by key
	opens, reads int
	corrupt      []error
}

func (m *memTable) put(k, v []byte) {
	i := sort.Search(len(m.keys), func(i int) bool { return bytes.Compare(m.keys[i], k) >= 0 })
	m.keys = append(m.keys[:i], append([][]byte{k}, m.keys[i:]...)...)
	m.vals = append(m.vals[:i], append([][]byte{v}, m.vals[i:]...)...)
}

func (m *memTable) Open(e *Env) (Reader, error)    { m.opens++; return memReader{m, e}, nil }
func (m *memTable) Current(*Env) *catalog.TableDef { return m.current }
func (m *memTable) Database() string               { return "db" }

type memReader struct {
	m *memTable
	e *Env
}

func (r memReader) Ranges(rs []KeyRange, backward, rows bool, fn func(key, val []byte) error) error {
	for i := range rs {
		rg := rs[i]
		if backward {
			rg = rs[len(rs)-1-i]
		}
		var in []int
		for j, k := range r.m.keys {
			if bytes.Compare(k, rg.Lo) >= 0 && bytes.Compare(k, rg.Hi) < 0 {
				in = append(in, j)
			}
		}
		for n := range in {
			j := in[n]
			if backward {
				j = in[len(in)-1-n]
			}
			if err := r.e.Gov.Check(); err != nil {
				return err
			}
			if rows {
				r.m.reads++
			}
			if err := fn(r.m.keys[j], r.m.vals[j]); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r memReader) Get(key []byte) ([]byte, bool, error) {
	for j, k := range r.m.keys {
		if bytes.Equal(k, key) {
			r.m.reads++
			return r.m.vals[j], true, nil
		}
	}
	return nil, false, nil
}

func (r memReader) Row(raw []byte, dst []types.Value, need []bool) ([]types.Value, error) {
	row, err := keys.DecodeColumns(raw, dst, need)
	if err != nil {
		return nil, r.Corrupt(err)
	}
	return row, nil
}

func (r memReader) Corrupt(err error) error {
	r.m.corrupt = append(r.m.corrupt, err)
	return fmt.Errorf("824: %w", err)
}

// TestTableScans reads a table (id int primary key, name, score) with an
// index on score (INCLUDE name) through the scans from exec alone: whole
// forward and backward, one key, an index seek that looks its rows up
// and one whose entries cover the statement, a seek whose index is no
// longer ready falling back to the table, and an entry without its row
// reported as corruption; with the reads counted and the plans printed.
func TestTableScans(t *testing.T) {
	intT, strT := types.TypeInt, types.NVarCharType(20)
	ix := catalog.IndexDef{ID: 2, Name: "ix_score", Columns: []int{2}, Desc: []bool{false}, Include: []int{1}}
	def := &catalog.TableDef{ID: 7, Schema: "dbo", Name: "t", PK: []int{0}, PKName: "PK_t",
		Columns: []catalog.ColumnDef{{Name: "id", Type: intT}, {Name: "name", Type: strT}, {Name: "score", Type: intT}},
		Indexes: []catalog.IndexDef{ix}}
	m := &memTable{def: def, current: def}
	for _, r := range [][]types.Value{{int64(1), "a", int64(20)}, {int64(2), "b", int64(10)}, {int64(3), "c", int64(20)}, {int64(4), "d", int64(30)}} {
		rowKey := keys.RowKey(def.StoreID(), keys.EncodeTuple(r[:1], []types.Type{intT}))
		m.put(rowKey, keys.EncodeRow(nil, r))
		entry := keys.AppendIndexValue(keys.IndexPrefix(def.StoreID(), ix.StoreID()), r[2], intT, false)
		m.put(append(entry, keys.RowSuffix(rowKey)...), keys.EncodeRow(nil, []types.Value{keys.RowSuffix(rowKey), r[1]}))
	}
	gov := govern.NewPool(1<<20, 1<<20).Begin(context.Background())
	defer gov.End()
	e := &Env{Ctx: context.Background(), Gov: gov}
	read := func(ts *TableScan) string {
		t.Helper()
		m.opens, m.reads = 0, 0
		var got []string
		if err := ts.Run(e, func(row []types.Value) error { got = append(got, fmt.Sprint(row)); return nil }); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%s opens=%d reads=%d", strings.Join(got, " "), m.opens, m.reads)
	}
	plan := func(ts *TableScan) string {
		var x Explainer
		return ts.Explain(&x, nil).String()
	}
	ten := &Const{V: int64(20), T: intT}
	seek := func(covering bool) *TableScan {
		return &TableScan{Table: m, Def: def, Seek: &IndexSeek{Index: ix, Covering: covering,
			KeySeek: KeySeek{Eq: []Expr{ten}, Types: []types.Type{intT}, Desc: []bool{false}}}}
	}

	for _, c := range []struct {
		name     string
		scan     *TableScan
		rows     string
		planText string
	}{
		{"whole table", &TableScan{Table: m, Def: def},
			"[1 a 20] [2 b 10] [3 c 20] [4 d 30] opens=1 reads=4", "Clustered Index Scan(OBJECT:([db].[dbo].[t].[PK_t]))"},
		{"backward", &TableScan{Table: m, Def: def, Backward: true, Ordered: true},
			"[4 d 30] [3 c 20] [2 b 10] [1 a 20] opens=1 reads=4", "OBJECT:([db].[dbo].[t].[PK_t]), ORDERED BACKWARD"},
		{"one key", &TableScan{Table: m, Def: def, Eq: []Expr{&Const{V: int64(3), T: intT}}},
			"[3 c 20] opens=1 reads=1", "SEEK:([db].[dbo].[t].[id]=(3))"},
		{"index seek with lookups", seek(false),
			"[1 a 20] [3 c 20] opens=1 reads=2", "SEEK:(the entry's key) LOOKUP ORDERED FORWARD"},
		{"covering index seek", seek(true),
			"[1 a 20] [3 c 20] opens=1 reads=2", "Index Seek(OBJECT:([db].[dbo].[t].[ix_score]), SEEK:([db].[dbo].[t].[score]=(20)) ORDERED FORWARD)"},
	} {
		if got := read(c.scan); got != c.rows {
			t.Errorf("%s: read %s, want %s", c.name, got, c.rows)
		}
		if p := plan(c.scan); !strings.Contains(p, c.planText) {
			t.Errorf("%s: plan\n%s\nlacks %q", c.name, p, c.planText)
		}
	}
	if p := plan(seek(true)); strings.Contains(p, "LOOKUP") {
		t.Errorf("a covering seek looks its rows up:\n%s", p)
	}

	// DROP INDEX began after the statement was bound: the table is read.
	dropping := *def
	dropping.Indexes = []catalog.IndexDef{ix}
	dropping.Indexes[0].State = catalog.IndexDropping
	m.current = &dropping
	if got, want := read(seek(false)), "[1 a 20] [2 b 10] [3 c 20] [4 d 30] opens=1 reads=4"; got != want {
		t.Errorf("a seek on an index no longer ready read %s, want the table: %s", got, want)
	}
	m.current = def

	// An entry whose row is gone is corruption, not a missing row.
	for i, k := range m.keys {
		if bytes.HasPrefix(k, keys.RowKey(def.StoreID(), keys.EncodeTuple([]types.Value{int64(3)}, []types.Type{intT}))) {
			m.keys, m.vals = append(m.keys[:i], m.keys[i+1:]...), append(m.vals[:i], m.vals[i+1:]...)
			break
		}
	}
	err := seek(false).Run(e, func([]types.Value) error { return nil })
	if err == nil || len(m.corrupt) != 1 || !strings.Contains(m.corrupt[0].Error(), "index 'ix_score' has an entry without its row") {
		t.Errorf("a dangling entry: %v, reported %v", err, m.corrupt)
	}
	if !errors.Is(err, m.corrupt[0]) {
		t.Errorf("the scan did not return the reader's corruption error: %v", err)
	}
}
