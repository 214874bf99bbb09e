package bind

import (
	"fmt"
	"testing"

	"mirrordb/engine/catalog"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// The tables the constraint tests bind against: parents (a primary key
// id and a unique code), nokey (no key) and kids, the table changed.
var (
	parents = &catalog.TableDef{ID: 20, Schema: "dbo", Name: "parents", PK: []int{0}, Columns: []catalog.ColumnDef{
		{Name: "id", Type: types.TypeInt}, {Name: "code", Type: types.VarCharType(5), Nullable: true},
		{Name: "amount", Type: types.DecimalType(10, 2), Nullable: true}},
		Indexes: []catalog.IndexDef{{ID: 2, Name: "uq_code", Columns: []int{1}, Unique: true}}}
	nokey = &catalog.TableDef{ID: 21, Schema: "dbo", Name: "nokey", Columns: []catalog.ColumnDef{{Name: "a", Type: types.TypeInt}}}
)

// kids is a fresh copy of the table the constraints are added to: a
// clustered primary key id, a nullable parent_id, a varchar, a bigint,
// a NOT NULL int with a DEFAULT, an identity and a computed column.
func kids() *catalog.TableDef {
	return &catalog.TableDef{ID: 22, Schema: "dbo", Name: "kids", PK: []int{0}, PKName: "PK_kids", Columns: []catalog.ColumnDef{
		{Name: "id", Type: types.TypeInt}, {Name: "parent_id", Type: types.TypeInt, Nullable: true},
		{Name: "pcode", Type: types.VarCharType(5), Nullable: true}, {Name: "big", Type: types.TypeBigInt, Nullable: true},
		{Name: "req", Type: types.TypeInt, Default: "0"}, {Name: "seq", Type: types.TypeInt, Identity: &catalog.Identity{Seed: 1, Increment: 1}},
		{Name: "twice", Type: types.TypeInt, Computed: "req * 2"}}}
}

// constraint parses ALTER TABLE kids ADD text's constraint.
func constraint[C parser.TableConstraint](t *testing.T, b *Binder, text string) C {
	t.Helper()
	return parseAs[*parser.AlterTableConstraint](t, b, "ALTER TABLE kids ADD "+text).Add[0].(C)
}

func TestCheckDefinition(t *testing.T) {
	b := ddlBinder()
	ck, bound, err := b.CheckDefinition(constraint[*parser.CheckConstraint](t, b.Binder, "CHECK (req > parent_id)"), "", "app", kids(), 77)
	if err != nil || ck.Column != -1 || ck.ObjectID != 77 || ck.Name != catalog.ConstraintName("CK", "kids", "", 77) ||
		ck.Expr != "req > parent_id" || bound == nil || bound.Type() != types.TypeBit {
		t.Errorf("%+v %v: want a table-level CHECK named as SQL Server names it, bound as a bit", ck, err)
	}
	ck, _, err = b.CheckDefinition(constraint[*parser.CheckConstraint](t, b.Binder, "CONSTRAINT ck_req CHECK (req > 0)"), "req", "app", kids(), 78)
	if err != nil || ck.Column != 4 || ck.Name != "ck_req" {
		t.Errorf("%+v %v: want req's CHECK ck_req", ck, err)
	}
	for _, c := range []struct {
		text, column string
		err          int
	}{
		{"CHECK (req > 0 AND big > 0)", "req", 8141},
		{"CHECK (req IN (SELECT 1))", "", 1046},
		{"CHECK (nothere > 0)", "", 207},
	} {
		if _, _, err := b.CheckDefinition(constraint[*parser.CheckConstraint](t, b.Binder, c.text), c.column, "app", kids(), 79); !sqlerr.Is(err, c.err) {
			t.Errorf("%s on %q: %v, want Msg %d", c.text, c.column, err, c.err)
		}
	}
}

func TestForeignKeyDefinition(t *testing.T) {
	b := ddlBinder()
	set := catalog.NewSchema(parents, nokey)
	fk, parent, err := ForeignKeyDefinition(constraint[*parser.ForeignKey](t, b.Binder, "FOREIGN KEY (parent_id) REFERENCES parents ON DELETE CASCADE"), "", "app", set, kids(), 90)
	if err != nil || parent != parents || fk.RefTable != 20 || fmt.Sprint(fk.Columns, fk.RefColumns) != "[1] [0]" ||
		fk.Name != catalog.ConstraintName("FK", "kids", "parent_id", 90) || !fk.Cascades() {
		t.Errorf("%+v %v: want parent_id referencing parents' key, cascading", fk, err)
	}
	fk, _, err = ForeignKeyDefinition(constraint[*parser.ForeignKey](t, b.Binder, "CONSTRAINT fk_code FOREIGN KEY (pcode) REFERENCES parents (code)"), "", "app", set, kids(), 91)
	if err != nil || fmt.Sprint(fk.Columns, fk.RefColumns) != "[2] [1]" || fk.Name != "fk_code" {
		t.Errorf("%+v %v: want pcode referencing parents' unique code", fk, err)
	}
	for _, c := range []struct {
		text string
		err  int
	}{
		{"FOREIGN KEY (parent_id) REFERENCES other.dbo.parents", 1763},
		{"FOREIGN KEY (parent_id) REFERENCES nothere", 1767},
		{"FOREIGN KEY (nothere) REFERENCES parents", 1769},
		{"FOREIGN KEY (parent_id) REFERENCES nokey", 1773},
		{"FOREIGN KEY (parent_id) REFERENCES parents (nothere)", 1770},
		{"FOREIGN KEY (parent_id, pcode) REFERENCES parents (id)", 8139},
		{"FOREIGN KEY (parent_id) REFERENCES parents (amount)", 1776},
		{"FOREIGN KEY (big) REFERENCES parents (id)", 1778},
		{"FOREIGN KEY (req) REFERENCES parents ON DELETE SET NULL", 1761},
		{"FOREIGN KEY (parent_id) REFERENCES kids (id) ON DELETE CASCADE", 1785},
	} {
		if _, _, err := ForeignKeyDefinition(constraint[*parser.ForeignKey](t, b.Binder, c.text), "", "app", set, kids(), 92); !sqlerr.Is(err, c.err) {
			t.Errorf("%s: %v, want Msg %d", c.text, err, c.err)
		}
	}
	// A second cascade path: parents cascades to middle, which cascades
	// to kids; kids cascading from parents too is refused.
	middle := &catalog.TableDef{ID: 23, Schema: "dbo", Name: "middle", PK: []int{0}, Columns: []catalog.ColumnDef{{Name: "id", Type: types.TypeInt}},
		ForeignKeys: []catalog.ForeignKeyDef{{Name: "fk_m", Columns: []int{0}, RefTable: 20, RefColumns: []int{0}, OnDelete: catalog.ActionCascade}}}
	k := kids()
	k.ForeignKeys = []catalog.ForeignKeyDef{{Name: "fk_k", Columns: []int{1}, RefTable: 23, RefColumns: []int{0}, OnDelete: catalog.ActionCascade}}
	x := constraint[*parser.ForeignKey](t, b.Binder, "FOREIGN KEY (parent_id) REFERENCES parents ON UPDATE CASCADE")
	if _, _, err := ForeignKeyDefinition(x, "", "app", catalog.NewSchema(parents, middle), k, 93); !sqlerr.Is(err, 1785) {
		t.Errorf("a second cascade path: %v, want Msg 1785", err)
	}
}

func TestUniqueDefinition(t *testing.T) {
	b := ddlBinder()
	def := kids()
	ix, err := UniqueDefinition(constraint[*parser.UniqueConstraint](t, b.Binder, "UNIQUE (pcode DESC, big)"), "", def, 95)
	if err != nil || ix.ID != catalog.FirstNonclusteredID || def.NextIndexID != ix.ID+1 || fmt.Sprint(ix.Columns, ix.Desc) != "[2 3] [true false]" ||
		!ix.Unique || !ix.Constraint || ix.ObjectID != 95 || ix.Name != catalog.ConstraintName("UQ", "kids", "", 95) {
		t.Errorf("%+v %v (next %d): want the first nonclustered index on (pcode DESC, big)", ix, err, def.NextIndexID)
	}
	if ix, err := UniqueDefinition(constraint[*parser.UniqueConstraint](t, b.Binder, "CONSTRAINT uq UNIQUE (id)"), "big", def, 96); err != nil ||
		ix.ID != catalog.FirstNonclusteredID+1 || fmt.Sprint(ix.Columns) != "[3]" || ix.Name != "uq" {
		t.Errorf("%+v %v: want the next index on the column big", ix, err)
	}
	for text, want := range map[string]int{"UNIQUE CLUSTERED (big)": 1902, "UNIQUE (nothere)": 1911, "UNIQUE (big, BIG)": 1909} {
		if _, err := UniqueDefinition(constraint[*parser.UniqueConstraint](t, b.Binder, text), "", kids(), 97); !sqlerr.Is(err, want) {
			t.Errorf("%s: %v, want Msg %d", text, err, want)
		}
	}
}

func TestDefaultDefinition(t *testing.T) {
	b := ddlBinder()
	def := kids()
	if err := b.DefaultDefinition(constraint[*parser.DefaultConstraint](t, b.Binder, "DEFAULT 5 FOR big"), def, 98); err != nil ||
		def.Columns[3].Default != "5" || def.Columns[3].DefaultID != 98 || def.Columns[3].DefaultName != catalog.ConstraintName("DF", "kids", "big", 98) {
		t.Errorf("%+v %v: want big's DEFAULT 5 numbered and named", def.Columns[3], err)
	}
	for text, want := range map[string]int{"DEFAULT 1 FOR nothere": 1752, "DEFAULT 1 FOR seq": 1752, "DEFAULT 1 FOR twice": 1752,
		"DEFAULT 1 FOR req": 1781, "DEFAULT id FOR big": 128} {
		if err := b.DefaultDefinition(constraint[*parser.DefaultConstraint](t, b.Binder, text), kids(), 99); !sqlerr.Is(err, want) {
			t.Errorf("%s: %v, want Msg %d", text, err, want)
		}
	}
}

func TestSetPrimaryKey(t *testing.T) {
	b := ddlBinder()
	def := kids()
	def.PK, def.PKName = nil, ""
	if err := SetPrimaryKey(def, constraint[*parser.PrimaryKey](t, b.Binder, "PRIMARY KEY NONCLUSTERED (req, id)")); err != nil ||
		fmt.Sprint(def.PK) != "[4 0]" || !def.PKNonclustered || def.PKName != catalog.ConstraintName("PK", "kids", "", catalog.PKObjectID(22)) {
		t.Errorf("%v %v %q: want a nonclustered key (req, id) named as SQL Server names it", err, def.PK, def.PKName)
	}
	clustered := kids()
	clustered.PK = nil
	clustered.Indexes = []catalog.IndexDef{{ID: 1, Name: "cx", Columns: []int{3}, Clustered: true}}
	for _, c := range []struct {
		def  *catalog.TableDef
		text string
		err  int
	}{
		{kids(), "PRIMARY KEY (req)", 1779},
		{clustered, "PRIMARY KEY (req)", 1902},
		{clustered, "PRIMARY KEY (parent_id)", 8111},
		{clustered, "PRIMARY KEY (nothere)", 1911},
	} {
		if err := SetPrimaryKey(c.def, constraint[*parser.PrimaryKey](t, b.Binder, c.text)); !sqlerr.Is(err, c.err) {
			t.Errorf("%s: %v, want Msg %d", c.text, err, c.err)
		}
	}
}

func TestCheckToggled(t *testing.T) {
	b := ddlBinder()
	def := kids()
	def.Checks = []catalog.CheckDef{{Name: "ck_req", Column: -1}}
	def.ForeignKeys = []catalog.ForeignKeyDef{{Name: "fk_parent", Columns: []int{1}}}
	for text, want := range map[string]int{"NOCHECK CONSTRAINT ck_req, FK_PARENT": 0, "CHECK CONSTRAINT ALL": 0,
		"CHECK CONSTRAINT ck_req, nothere": 4917, "NOCHECK CONSTRAINT PK_kids": 11415} {
		err := CheckToggled(parseAs[*parser.AlterTableConstraint](t, b.Binder, "ALTER TABLE kids "+text), def)
		if (want == 0 && err != nil) || (want != 0 && !sqlerr.Is(err, want)) {
			t.Errorf("%s: %v, want Msg %d", text, err, want)
		}
	}
}
