package bind

import (
	"fmt"
	"strings"
	"testing"

	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// aliasCatalog is testCatalog with one alias type, phone (varchar(12)
// NOT NULL, id 257), in every database.
type aliasCatalog struct{ testCatalog }

func (aliasCatalog) UserType(_ string, name string) (*catalog.UserType, error) {
	if !strings.EqualFold(name, "phone") {
		return nil, nil
	}
	return &catalog.UserType{ID: 257, Schema: "dbo", Name: "phone", Base: types.VarCharType(12)}, nil
}

// filterRefuser refuses every index filter naming column secret, and
// parses the filters stored.
type filterRefuser struct{}

func (filterRefuser) IndexFilter(ix *catalog.IndexDef) parser.Expr {
	if ix.Filter == "" {
		return nil
	}
	st, _ := parser.ParseStatement("SELECT 1 WHERE " + ix.Filter)
	return st.(*parser.Select).Where
}

func (filterRefuser) CheckFilter(def *catalog.TableDef, index string, where parser.Expr) error {
	if strings.Contains(strings.ToLower(where.String()), "secret") {
		return sqlerr.New(10735, index, def.Name)
	}
	return nil
}

// ddlBinder binds DDL against database app holding insertTable (as
// dbo.t) and an alias type phone.
func ddlBinder() DDLBinder[string] {
	def := *insertTable
	def.Schema = "dbo"
	b := &Binder{Params: &exec.ParamTypes{}, Engine: &testEngine{}}
	return DDLBinder[string]{Binder: b, Cat: aliasCatalog{testCatalog{tables: map[string][]*catalog.TableDef{"app": {&def}, "other": nil}}},
		Eng: filterRefuser{}}
}

func TestCreateTable(t *testing.T) {
	b := ddlBinder()
	d, def, pending, err := b.CreateTable(parseAs[*parser.CreateTable](t, b.Binder, `CREATE TABLE other.dbo.orders (
		id int IDENTITY(10, 5) PRIMARY KEY, ref int REFERENCES t(id), tel phone NULL, note text,
		qty int DEFAULT 1 + 1 CHECK (qty > 0), total AS qty * 2, rv timestamp,
		CONSTRAINT uq UNIQUE (tel), CHECK (id > ref))`))
	if err != nil {
		t.Fatal(err)
	}
	if d != "other" || def.Name != "orders" || def.Schema != "dbo" || def.ID != 0 || len(def.Columns) != 7 {
		t.Fatalf("%q %+v: want other's orders, seven columns, no id yet", d, def)
	}
	c := def.Columns
	if c[0].Identity == nil || c[0].Identity.Seed != 10 || c[0].Identity.Increment != 5 || c[0].Nullable || len(def.PK) != 1 || def.PK[0] != 0 {
		t.Errorf("id %+v, PK %v: want IDENTITY(10, 5), NOT NULL, the primary key", c[0], def.PK)
	}
	if c[2].Type != types.VarCharType(12) || c[2].TypeName != "phone" || c[2].UserTypeID != 257 || !c[2].Nullable {
		t.Errorf("tel %+v: want the alias type phone's varchar(12), NULL as declared", c[2])
	}
	if c[3].Type.Length != types.MaxLength || c[3].TypeName != "text" || c[6].TypeName != "timestamp" || !c[6].IsRowversion() {
		t.Errorf("note %+v, rv %+v: want the declared names text and timestamp kept", c[3], c[6])
	}
	if c[4].Default != "1 + 1" || c[5].Computed == "" || c[5].Type != types.TypeInt {
		t.Errorf("qty %+v, total %+v: want the DEFAULT's text, total typed int", c[4], c[5])
	}
	var order []string
	for _, p := range pending {
		order = append(order, strings.Fields(p.C.String())[0]+" "+p.Column)
	}
	if got := strings.Join(order, ", "); !strings.HasPrefix(got, "CONSTRAINT") || len(pending) != 4 ||
		pending[0].Column != "" || pending[1].Column != "qty" || pending[2].Column != "" || pending[3].Column != "ref" {
		t.Errorf("constraints %s: want UNIQUE, then the CHECKs (qty's first), then REFERENCES", got)
	}
}

func TestTableDefinitionRefusals(t *testing.T) {
	b := ddlBinder()
	for _, c := range []errAt{
		{"CREATE TABLE sales.t (a int)", 2760, "sales.t"},
		{"CREATE TABLE nowhere.dbo.t (a int)", 911, "nowhere.dbo.t"},
		{"CREATE TABLE x (a int, A int)", 2705, "A int"},
		{"CREATE TABLE x (a money2)", 2715, "money2"},
		{"CREATE TABLE x (a int, b phone(5))", 2716, "phone(5)"},
		{"CREATE TABLE x (a int IDENTITY, b bigint IDENTITY)", 2744, "b bigint"},
		{"CREATE TABLE x (a varchar(5) IDENTITY)", 2749, "a varchar"},
		{"CREATE TABLE x (a decimal(5, 2) IDENTITY)", 2749, "a decimal"},
		{"CREATE TABLE x (a int, b int DEFAULT a + 1)", 128, "a + 1"},
		{"CREATE TABLE x (a int DEFAULT NEWSEQUENTIALID())", 302, "NEWSEQUENTIALID"},
		{"CREATE TABLE x (a int PRIMARY KEY, b int PRIMARY KEY)", 8110, "b int"},
		{"CREATE TABLE x (a int PRIMARY KEY, b int, PRIMARY KEY (b))", 8110, "PRIMARY KEY (b)"},
		{"CREATE TABLE x (a int, PRIMARY KEY (c))", 1911, "PRIMARY KEY (c)"},
		{"CREATE TABLE x (a int NULL, PRIMARY KEY (a))", 8111, "a int NULL"},
		{"CREATE TABLE x (a varchar(max), PRIMARY KEY (a))", 1919, "PRIMARY KEY (a)"},
		{"CREATE TABLE x (a int, PRIMARY KEY (a, A))", 1909, "PRIMARY KEY (a, A)"},
		{"CREATE TABLE x (a int, b AS (SELECT 1))", 1046, "b AS"},
		{"CREATE TABLE x (a int, b AS a + 1, c AS b * 2)", 1759, "b * 2"},
		{"CREATE TABLE x (a int, b AS nothere + 1)", 207, "nothere"},
		{"CREATE TABLE x (a rowversion, b timestamp)", 2738, ""},
	} {
		_, _, _, err := b.CreateTable(parseAs[*parser.CreateTable](t, b.Binder, c.text))
		wantErrAt(t, c.text, err, c.err, c.at)
	}
	x := &parser.CreateTable{Name: parser.ObjectName{Parts: []string{"wide"}}}
	for i := 0; i <= maxColumns; i++ {
		x.Columns = append(x.Columns, &parser.ColumnDef{Name: fmt.Sprint("c", i), Type: parser.TypeName{Name: "INT"}})
	}
	if _, _, _, err := b.CreateTable(x); !sqlerr.Is(err, 1702) {
		t.Errorf("%d columns: %v, want Msg 1702", len(x.Columns), err)
	}
}

// indexTable has a key, a varchar, a varchar(max) and a column whose
// name filterRefuser refuses in a filter.
var indexTable = &catalog.TableDef{ID: 9, Schema: "dbo", Name: "items", Columns: []catalog.ColumnDef{
	{Name: "id", Type: types.TypeInt}, {Name: "name", Type: types.VarCharType(10), Nullable: true},
	{Name: "body", Type: types.VarCharType(types.MaxLength), Nullable: true}, {Name: "secret", Type: types.TypeInt, Nullable: true},
}}

func TestIndexDefinition(t *testing.T) {
	b := ddlBinder()
	x := parseAs[*parser.CreateIndex](t, b.Binder,
		"CREATE UNIQUE INDEX ix ON items (name DESC, id) INCLUDE (body) WHERE name IS NOT NULL WITH (FILLFACTOR = 80, DROP_EXISTING = ON)")
	ix, dropExisting, err := b.IndexDefinition(x, indexTable)
	if err != nil {
		t.Fatal(err)
	}
	if ix.Name != "ix" || !ix.Unique || ix.State != catalog.IndexBuilding || ix.Filter != "name IS NOT NULL" || !dropExisting ||
		fmt.Sprint(ix.Columns, ix.Desc, ix.Include) != "[1 0] [true false] [2]" {
		t.Errorf("%+v (DROP_EXISTING %v): want a unique index building on (name DESC, id) including body, filtered, replacing", ix, dropExisting)
	}
	for _, c := range []errAt{
		{"CREATE INDEX ix ON items (nothere)", 1911, "CREATE"},
		{"CREATE INDEX ix ON items (id, ID)", 1909, "CREATE"},
		{"CREATE INDEX ix ON items (id) INCLUDE (id)", 1909, "CREATE"},
		{"CREATE INDEX ix ON items (body)", 1919, "CREATE"},
		{"CREATE INDEX ix ON items (id) WHERE secret > 1", 10735, "secret"},
		{"CREATE INDEX ix ON items (id) WITH (IGNORE_DUP_KEY = ON)", 40517, "IGNORE_DUP_KEY"},
		{"CREATE INDEX ix ON items (id) WITH (NOSUCH = 1)", 155, "NOSUCH"},
		{"CREATE INDEX ix ON items (id, name, body, secret, id, name, body, secret, id, name, body, secret, id, name, body, secret, id, name, body, secret, id, name, body, secret, id, name, body, secret, id, name, body, secret, id, name)",
			1904, "CREATE"},
	} {
		_, _, err := b.IndexDefinition(parseAs[*parser.CreateIndex](t, b.Binder, c.text), indexTable)
		wantErrAt(t, c.text, err, c.err, c.at)
	}
}

func TestKeyColumns(t *testing.T) {
	if cols, err := KeyColumns(indexTable, []string{"NAME", "id"}); err != nil || fmt.Sprint(cols) != "[1 0]" {
		t.Errorf("KeyColumns(NAME, id) = %v, %v; want [1 0]", cols, err)
	}
	for names, want := range map[string]int{"id nothere": 1911, "id Id": 1909, "body": 1919} {
		if _, err := KeyColumns(indexTable, strings.Fields(names)); !sqlerr.Is(err, want) {
			t.Errorf("KeyColumns(%s): %v, want Msg %d", names, err, want)
		}
	}
}

func TestCreateType(t *testing.T) {
	b := ddlBinder()
	d, ut, err := b.CreateType(parseAs[*parser.CreateType](t, b.Binder, "CREATE TYPE other.dbo.zip FROM varchar(10) NOT NULL"))
	if err != nil || d != "other" || ut.Name != "zip" || ut.Schema != "dbo" || ut.Base != types.VarCharType(10) || ut.Nullable || ut.ID != 0 {
		t.Errorf("%q %+v %v: want other's zip, a varchar(10) NOT NULL without an id yet", d, ut, err)
	}
	if _, ut, err := b.CreateType(parseAs[*parser.CreateType](t, b.Binder, "CREATE TYPE money3 FROM decimal(9, 3)")); err != nil || !ut.Nullable {
		t.Errorf("%+v %v: want a nullable type by default", ut, err)
	}
	for _, c := range []errAt{
		{"CREATE TYPE sales.zip FROM int", 2760, "sales.zip"},
		{"CREATE TYPE nowhere.dbo.zip FROM int", 911, "nowhere"},
		{"CREATE TYPE zip FROM dbo.phone", 2715, "dbo.phone"},
		{"CREATE TYPE zip FROM money2", 2715, "money2"},
		{"CREATE TYPE zip FROM timestamp", 2715, "timestamp"},
		{"CREATE TYPE zip FROM varchar(9000)", 131, "varchar"},
		{"CREATE TYPE nvarchar FROM int", 219, "nvarchar"},
		{"CREATE TYPE text FROM int", 219, "text"},
	} {
		_, _, err := b.CreateType(parseAs[*parser.CreateType](t, b.Binder, c.text))
		wantErrAt(t, c.text, err, c.err, c.at)
	}
}

// errAt is a statement refused with Msg err, placed at the text at.
type errAt struct {
	text string
	err  int
	at   string
}

// wantErrAt fails t unless err is Msg want placed at the text at of the
// statement text ("": anywhere).
func wantErrAt(t *testing.T, text string, err error, want int, at string) {
	t.Helper()
	if !sqlerr.Is(err, want) {
		t.Errorf("%s: %v, want Msg %d", text, err, want)
		return
	}
	if pos := sqlerr.As(err).Position; at != "" && (pos < 1 || !strings.HasPrefix(text[pos-1:], at)) {
		t.Errorf("%s: Msg %d at %d, want at %q", text, want, pos, at)
	}
}

func TestDropTables(t *testing.T) {
	b := ddlBinder()
	if d, err := b.DropTables(parseAs[*parser.DropTable](t, b.Binder, "DROP TABLE other.dbo.a, other..b")); err != nil || d != "other" {
		t.Errorf("%q %v: want other's tables", d, err)
	}
	for _, c := range []errAt{
		{"DROP TABLE a, other.dbo.b", 40517, "other.dbo.b"},
		{"DROP TABLE nowhere.dbo.a", 911, "nowhere"},
		{"DROP TABLE a, nowhere.dbo.b", 911, "nowhere"},
	} {
		_, err := b.DropTables(parseAs[*parser.DropTable](t, b.Binder, c.text))
		wantErrAt(t, c.text, err, c.err, c.at)
	}
	if _, err := b.DropTables(&parser.DropTable{}); !sqlerr.Is(err, 102) {
		t.Errorf("DROP TABLE naming none: %v, want Msg 102", err)
	}
}

func TestAlterTarget(t *testing.T) {
	b := ddlBinder()
	if d, def, err := b.AlterTarget(parseAs[*parser.AlterTable](t, b.Binder, "ALTER TABLE dbo.T ADD x int").Table); err != nil || d != "app" || def.Name != "t" {
		t.Errorf("%q %v %v: want app's t", d, def, err)
	}
	for _, c := range []errAt{
		{"ALTER TABLE nothere ADD x int", 4902, "nothere"},
		{"ALTER TABLE sales.t ADD x int", 4902, "sales.t"},
		{"ALTER TABLE nowhere.dbo.t ADD x int", 911, "nowhere"},
	} {
		_, _, err := b.AlterTarget(parseAs[*parser.AlterTable](t, b.Binder, c.text).Table)
		wantErrAt(t, c.text, err, c.err, c.at)
	}
}
