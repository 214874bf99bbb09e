package bind

import (
	"fmt"
	"strings"
	"testing"

	"mirrordb/engine/catalog"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// alterTable has an identity primary key, a varchar an index keys, a
// column with a named DEFAULT, one an index's filter reads, one a UNIQUE
// constraint includes and a free one.
var alterTable = &catalog.TableDef{ID: 11, Schema: "dbo", Name: "accounts", PK: []int{0}, PKName: "PK_accounts",
	Columns: []catalog.ColumnDef{
		{Name: "id", Type: types.TypeInt, Identity: &catalog.Identity{Seed: 1, Increment: 1}},
		{Name: "name", Type: types.VarCharType(10), Nullable: true},
		{Name: "state", Type: types.TypeInt, Nullable: true, Default: "0"},
		{Name: "flag", Type: types.TypeInt, Nullable: true},
		{Name: "code", Type: types.TypeInt, Nullable: true},
		{Name: "note", Type: types.VarCharType(20), Nullable: true},
	},
	Indexes: []catalog.IndexDef{
		{ID: 2, Name: "ix_name", Columns: []int{1}},
		{ID: 3, Name: "ix_flagged", Columns: []int{0}, Filter: "flag = 1"},
		{ID: 4, Name: "uq_code", Columns: []int{4}, Unique: true, Constraint: true},
	}}

func TestAlteredColumn(t *testing.T) {
	b := ddlBinder()
	alter := func(text string) (int, catalog.ColumnDef, error) {
		x := parseAs[*parser.AlterTable](t, b.Binder, text)
		to, err := b.AlterColumnType("app", x.Alter)
		if err != nil {
			return 0, catalog.ColumnDef{}, err
		}
		return b.AlteredColumn(x.Alter, to, alterTable)
	}
	for _, c := range []struct {
		text, want string
	}{
		{"ALTER TABLE accounts ALTER COLUMN name varchar(30)", "1 varchar(30) true"}, // an index key may grow
		{"ALTER TABLE accounts ALTER COLUMN note bigint NOT NULL", "5 bigint false"},
		{"ALTER TABLE accounts ALTER COLUMN id bigint NULL", "Msg 2749"},
		{"ALTER TABLE accounts ALTER COLUMN id varchar(5)", "Msg 2749"},
		{"ALTER TABLE accounts ALTER COLUMN id bigint", "Msg 5074 object 'PK_accounts'"},
		{"ALTER TABLE accounts ALTER COLUMN name varchar(5)", "Msg 5074 index 'ix_name'"},
		{"ALTER TABLE accounts ALTER COLUMN name varchar(max)", "Msg 5074 index 'ix_name'"},
		{"ALTER TABLE accounts ALTER COLUMN flag bigint", "Msg 5074 index 'ix_flagged'"},
		{"ALTER TABLE accounts ALTER COLUMN code bigint", "Msg 5074 object 'uq_code'"},
		{"ALTER TABLE accounts ALTER COLUMN state bigint", "Msg 5074 object 'DF__accounts__state__'"},
		{"ALTER TABLE accounts ALTER COLUMN state int NOT NULL", "2 int false"}, // its own DEFAULT allows a same-kind change
		{"ALTER TABLE accounts ALTER COLUMN nothere int", "Msg 4924"},
		{"ALTER TABLE accounts ALTER COLUMN note money2", "Msg 2715"},
	} {
		i, col, err := alter(c.text)
		got := fmt.Sprint(i, " ", col.Type, " ", col.Nullable)
		if e := sqlerr.As(err); err != nil {
			got = fmt.Sprint("Msg ", e.Number)
			if e.Number == 5074 { // "The object|index 'name' is dependent on column ..."
				got += " " + strings.Join(strings.Fields(e.Message)[1:3], " ")
				if !strings.Contains(e.Detail, "ALTER COLUMN") {
					t.Errorf("%s: detail %q, want 4922's ALTER COLUMN", c.text, e.Detail)
				}
			}
		}
		if got != c.want {
			t.Errorf("%s: %s, want %s", c.text, got, c.want)
		}
	}
}

func TestDroppedColumns(t *testing.T) {
	b := ddlBinder()
	for _, c := range []struct {
		text, want string
	}{
		{"ALTER TABLE accounts DROP COLUMN note, NOTE", "[5]"},
		{"ALTER TABLE accounts DROP COLUMN IF EXISTS nothere, note", "[5]"},
		{"ALTER TABLE accounts DROP COLUMN IF EXISTS nothere", "[]"},
		{"ALTER TABLE accounts DROP COLUMN nothere", "Msg 4924"},
		{"ALTER TABLE accounts DROP COLUMN state", "Msg 5074"}, // its DEFAULT
		{"ALTER TABLE accounts DROP COLUMN flag", "Msg 5074"},  // a filter reads it
		{"ALTER TABLE accounts DROP COLUMN id", "Msg 5074"},
	} {
		drop, err := b.DroppedColumns(parseAs[*parser.AlterTable](t, b.Binder, c.text), alterTable)
		got := fmt.Sprint(sortedKeys(drop))
		if err != nil {
			got = fmt.Sprint("Msg ", sqlerr.As(err).Number)
		}
		if got != c.want {
			t.Errorf("%s: %s, want %s", c.text, got, c.want)
		}
	}
	lone := &catalog.TableDef{Name: "lone", Columns: []catalog.ColumnDef{{Name: "a", Type: types.TypeInt}}}
	if _, err := b.DroppedColumns(parseAs[*parser.AlterTable](t, b.Binder, "ALTER TABLE lone DROP COLUMN a"), lone); !sqlerr.Is(err, 4923) {
		t.Errorf("dropping the last column: %v, want Msg 4923", err)
	}
}

func sortedKeys(m map[int]bool) []int {
	var out []int
	for i := range alterTable.Columns {
		if m[i] {
			out = append(out, i)
		}
	}
	return out
}

func TestAddColumns(t *testing.T) {
	b := ddlBinder()
	x := parseAs[*parser.AlterTable](t, b.Binder, "ALTER TABLE accounts ADD total AS code * 2.5, extra phone DEFAULT 'x', seq bigint NOT NULL DEFAULT 7")
	added, defaults, err := b.AddedColumns("app", x)
	if err != nil {
		t.Fatal(err)
	}
	if len(added) != 3 || added[0].Computed == "" || added[1].TypeName != "phone" || defaults[0] != nil || defaults[1] == nil ||
		defaults[2] == nil || added[2].Type != types.TypeBigInt || added[2].Nullable {
		t.Fatalf("%+v %v: want a computed column, an alias-typed one and a NOT NULL bigint, their DEFAULTs bound", added, defaults)
	}
	nd, err := b.AddColumns(x, alterTable, added)
	if err != nil {
		t.Fatal(err)
	}
	if len(nd.Columns) != 9 || len(alterTable.Columns) != 6 || nd.Columns[6].Type.Kind != types.Decimal {
		t.Errorf("%+v: want accounts' copy with three columns more, total typed decimal", nd.Columns)
	}
	for _, c := range []struct {
		text string
		err  int
	}{
		{"ALTER TABLE accounts ADD k int PRIMARY KEY", 40517},
		{"ALTER TABLE accounts ADD k money2", 2715},
		{"ALTER TABLE accounts ADD k int, K int", 2705},
		{"ALTER TABLE accounts ADD k date DEFAULT NEWSEQUENTIALID()", 302},
		{"ALTER TABLE accounts ADD NAME int", 2705},
		{"ALTER TABLE accounts ADD k int IDENTITY", 2744},
		{"ALTER TABLE accounts ADD k AS (SELECT 1)", 1046},
		{"ALTER TABLE accounts ADD k AS nothere + 1", 207},
	} {
		x := parseAs[*parser.AlterTable](t, b.Binder, c.text)
		added, _, err := b.AddedColumns("app", x)
		if err == nil {
			_, err = b.AddColumns(x, alterTable, added)
		}
		if !sqlerr.Is(err, c.err) {
			t.Errorf("%s: %v, want Msg %d", c.text, err, c.err)
		}
	}
}

// TestAlteredColumnType: ALTER COLUMN's type resolves as CREATE TABLE's
// does, and the column's declared name and alias follow the new type;
// timestamp and computed columns are refused with SQL Server's texts.
func TestAlteredColumnType(t *testing.T) {
	b := ddlBinder()
	def := alterTable.Clone()
	def.Columns = append(def.Columns,
		catalog.ColumnDef{Name: "memo", Type: types.VarCharType(types.MaxLength), Nullable: true, TypeName: "text"},
		catalog.ColumnDef{Name: "rv", Type: types.Type{Kind: types.Binary, Length: 8}, TypeName: "timestamp"},
		catalog.ColumnDef{Name: "twice", Type: types.TypeInt, Nullable: true, Computed: "code * 2"},
		catalog.ColumnDef{Name: "tel", Type: types.VarCharType(12), TypeName: "phone", UserTypeID: 257})
	for _, c := range []struct {
		text, want string
	}{
		{"ALTER TABLE accounts ALTER COLUMN note phone", "varchar(12) phone 257 false"}, // the alias's NOT NULL
		{"ALTER TABLE accounts ALTER COLUMN note dbo.phone NULL", "varchar(12) phone 257 true"},
		{"ALTER TABLE accounts ALTER COLUMN memo varchar(50)", "varchar(50)  0 true"},
		{"ALTER TABLE accounts ALTER COLUMN memo varchar(max)", "varchar(max)  0 true"},
		{"ALTER TABLE accounts ALTER COLUMN tel int", "int  0 true"},
		{"ALTER TABLE accounts ALTER COLUMN note phone(5)", "Msg 2716: Column, parameter, or variable #1: Cannot specify a column width on data type phone."},
		{"ALTER TABLE accounts ALTER COLUMN note sales.phone", "Msg 2715: Column, parameter, or variable #1: Cannot find data type phone."},
		{"ALTER TABLE accounts ALTER COLUMN note rowversion", "Msg 4927: Cannot alter column 'note' to be data type timestamp."},
		{"ALTER TABLE accounts ALTER COLUMN note timestamp NOT NULL", "Msg 4927: Cannot alter column 'note' to be data type timestamp."},
		{"ALTER TABLE accounts ALTER COLUMN rv varbinary(8)", "Msg 4928: Cannot alter column 'rv' because it is 'timestamp'."},
		{"ALTER TABLE accounts ALTER COLUMN rv rowversion", "Msg 4928: Cannot alter column 'rv' because it is 'timestamp'."},
		{"ALTER TABLE accounts ALTER COLUMN twice bigint", "Msg 4928: Cannot alter column 'twice' because it is 'COMPUTED'."},
		{"ALTER TABLE accounts ALTER COLUMN id phone", "Msg 2749: Identity column 'id' must be of data type int, bigint, smallint, tinyint, or decimal or numeric with a scale of 0, and constrained to be nonnullable."},
	} {
		x := parseAs[*parser.AlterTable](t, b.Binder, c.text)
		to, err := b.AlterColumnType("app", x.Alter)
		var col catalog.ColumnDef
		if err == nil {
			_, col, err = b.AlteredColumn(x.Alter, to, def)
		}
		got := fmt.Sprint(col.Type, " ", col.TypeName, " ", col.UserTypeID, " ", col.Nullable)
		if err != nil {
			got = fmt.Sprintf("Msg %d: %s", sqlerr.As(err).Number, sqlerr.As(err).Message)
		}
		if got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.text, got, c.want)
		}
	}
}
