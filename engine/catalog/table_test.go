package catalog

import (
	"testing"

	"mirrordb/types"
)

func TestConstraintName(t *testing.T) {
	for _, c := range []struct {
		prefix, table, column string
		id                    uint32
		want                  string
	}{
		{"DF", "customers", "created_at", 0x1A2B, "DF__customer__created___00001A2B"},
		{"PK", "t", "", PKObjectID(7), "PK__t__3B4A0007"},
		{"CK", "naïveté_table", "ü", 1, "CK__naïveté___ü__00000001"}, // cut by characters, not bytes
	} {
		if got := ConstraintName(c.prefix, c.table, c.column, c.id); got != c.want {
			t.Errorf("ConstraintName(%q, %q, %q, %#x) = %q, want %q", c.prefix, c.table, c.column, c.id, got, c.want)
		}
	}
}

func TestSameLayout(t *testing.T) {
	a := &TableDef{ID: 1, Columns: []ColumnDef{{Name: "a", Type: types.TypeInt}, {Name: "b", Type: types.TypeInt, Nullable: true}}}
	renamedTable := a.Clone()
	renamedTable.Name, renamedTable.Checks = "other", []CheckDef{{Name: "ck"}}
	if !a.SameLayout(renamedTable) || !(*TableDef)(nil).SameLayout(nil) {
		t.Errorf("a name or a constraint does not change how rows are stored")
	}
	for name, change := range map[string]func(d *TableDef){
		"id":          func(d *TableDef) { d.ID = 2 },
		"store":       func(d *TableDef) { d.Store = 3 },
		"a column":    func(d *TableDef) { d.Columns = d.Columns[:1] },
		"a type":      func(d *TableDef) { d.Columns[1].Type = types.TypeBigInt },
		"nullability": func(d *TableDef) { d.Columns[1].Nullable = false },
		"identity":    func(d *TableDef) { d.Columns[0].Identity = &Identity{Seed: 1, Increment: 1} },
		"a name":      func(d *TableDef) { d.Columns[0].Name = "z" },
	} {
		d := a.Clone()
		change(d)
		if a.SameLayout(d) || a.SameLayout(nil) {
			t.Errorf("changing %s kept the layout", name)
		}
	}
}
