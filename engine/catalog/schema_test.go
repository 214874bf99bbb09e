package catalog

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/vfs"

	"mirrordb/engine/keys"
	"mirrordb/types"
)

func testTables() []*TableDef {
	parent := &TableDef{ID: 2, Schema: "dbo", Name: "Parent", PK: []int{0}, PKName: "PK_p",
		Columns: []ColumnDef{{Name: "id", Type: types.TypeInt}}}
	child := &TableDef{ID: 5, Schema: "dbo", Name: "child",
		Columns:     []ColumnDef{{Name: "p", Type: types.TypeInt, Default: "(0)", DefaultName: "DF_c"}},
		ForeignKeys: []ForeignKeyDef{{Name: "FK_c_p", Columns: []int{0}, RefTable: 2, RefColumns: []int{0}, OnDelete: ActionNone, OnUpdate: ActionNone}},
		Checks:      []CheckDef{{Name: "CK_c", Expr: "[p]>(0)", Column: 0}}}
	self := &TableDef{ID: 3, Schema: "sales", Name: "tree", PK: []int{0},
		Columns:     []ColumnDef{{Name: "id", Type: types.TypeInt}, {Name: "up", Type: types.TypeInt}},
		ForeignKeys: []ForeignKeyDef{{Name: "FK_tree", Columns: []int{1}, RefTable: 3, RefColumns: []int{0}}}}
	return []*TableDef{child, parent, self}
}

func TestSchemaLookups(t *testing.T) {
	s := NewSchema(testTables()...)
	if got := s.Table("", "PARENT"); got == nil || got.ID != 2 {
		t.Errorf("Table(\"\", PARENT) = %v, want table 2 (dbo by default, any case)", got)
	}
	if s.Table("dbo", "tree") != nil || s.Table("Sales", "Tree") == nil {
		t.Errorf("Table must look in the schema named")
	}
	if s.ByID(5).Name != "child" || s.ByID(4) != nil {
		t.Errorf("ByID(5) = %v, ByID(4) = %v", s.ByID(5), s.ByID(4))
	}
	var ids []uint32
	for _, d := range s.Tables() {
		ids = append(ids, d.ID)
	}
	if !reflect.DeepEqual(ids, []uint32{2, 3, 5}) {
		t.Errorf("Tables() ids %v, want ordered by id", ids)
	}
	refs := s.Referencing(2)
	if len(refs) != 1 || refs[0].Child.ID != 5 || refs[0].FK.Name != "FK_c_p" {
		t.Errorf("Referencing(2) = %+v", refs)
	}
	if got := s.ReferencedBy(s.ByID(2), nil); got != "FK_c_p" {
		t.Errorf("ReferencedBy(parent) = %q", got)
	}
	if got := s.ReferencedBy(s.ByID(2), map[uint32]bool{5: true}); got != "" {
		t.Errorf("ReferencedBy(parent) with the child dropped too = %q, want none", got)
	}
	if got := s.ReferencedBy(s.ByID(3), nil); got != "" {
		t.Errorf("a self-reference does not stop DROP TABLE: %q", got)
	}
	names := s.ObjectNames()
	for _, n := range []string{"parent", "pk_p", "child", "fk_c_p", "ck_c", "df_c", "tree", "fk_tree"} {
		if !names[n] {
			t.Errorf("ObjectNames lacks %q: %v", n, names)
		}
	}
}

func TestLoadSchemaReadsWhatEncodeTableWrote(t *testing.T) {
	db, err := pebble.Open("", &pebble.Options{FS: vfs.NewMem()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	want := testTables()
	for _, d := range want {
		if err := db.Set(keys.TableDefKey(d.ID), EncodeTable(d), nil); err != nil {
			t.Fatal(err)
		}
	}
	ut := &UserType{ID: 257, Schema: "dbo", Name: "Phone", Base: types.TypeInt, Nullable: true}
	raw, err := json.Marshal(ut)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Set(UserTypeKey(ut.Name), raw, nil); err != nil {
		t.Fatal(err)
	}
	s, err := LoadSchema(db)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range want {
		if got := s.ByID(d.ID); !reflect.DeepEqual(got, d) {
			t.Errorf("table %d loaded as %+v, want %+v", d.ID, got, d)
		}
	}
	if len(s.Tables()) != len(want) {
		t.Errorf("loaded %d tables, want %d (the user type must not be read as one)", len(s.Tables()), len(want))
	}
	got, err := LoadUserType(db, "PHONE")
	if err != nil || !reflect.DeepEqual(got, ut) {
		t.Errorf("LoadUserType(PHONE) = %+v, %v; want %+v", got, err, ut)
	}
	if none, err := LoadUserType(db, "fax"); none != nil || err != nil {
		t.Errorf("LoadUserType(fax) = %+v, %v; want nil, nil", none, err)
	}
	all, err := LoadUserTypes(db)
	if err != nil || len(all) != 1 || all[0].Name != "Phone" {
		t.Errorf("LoadUserTypes = %+v, %v", all, err)
	}
	if err := db.Set(keys.TableDefKey(9), []byte("{"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSchema(db); err == nil {
		t.Errorf("a corrupt definition loaded without an error")
	}
}

func TestReferencingKeyAndNameInUse(t *testing.T) {
	s := NewSchema(testTables()...)
	if table, fk := s.ReferencingKey(s.ByID(2), []int{0}); table != "dbo.child" || fk != "FK_c_p" {
		t.Errorf("ReferencingKey(parent, id) = %q, %q", table, fk)
	}
	if table, fk := s.ReferencingKey(s.ByID(5), []int{0}); table != "" || fk != "" {
		t.Errorf("nothing references child: %q, %q", table, fk)
	}
	// A changed copy of a table stands for it: its own foreign keys count,
	// not the stored ones.
	tree := s.ByID(3).Clone()
	tree.ForeignKeys = nil
	if _, fk := s.ReferencingKey(tree, []int{0}); fk != "" {
		t.Errorf("the copy without its self-reference still found %q", fk)
	}
	fresh := &TableDef{ID: 9, Name: "fresh", PKName: "PK_P", Columns: []ColumnDef{{Name: "a"}}}
	if got := s.NameInUse(fresh); got != "PK_P" {
		t.Errorf("NameInUse = %q, want PK_P (taken by parent's key, in another case)", got)
	}
	fresh.PKName, fresh.Columns[0].DefaultName = "fresh", "DF_a"
	if got := s.NameInUse(fresh); got != "fresh" {
		t.Errorf("NameInUse = %q, want the second use of fresh among the new names", got)
	}
	fresh.PKName = ""
	if got := s.NameInUse(fresh); got != "" {
		t.Errorf("NameInUse = %q, want none", got)
	}
	if _, err := DecodeTable([]byte(`{"id":"x"}`)); err == nil {
		t.Errorf("DecodeTable accepted a definition whose id is a string")
	}
}
