package bind

import (
	"testing"

	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/sqlerr"
)

// testDML answers for the engine as INSERT, UPDATE and DELETE bind: a
// writer of the table named, whose Enforcer gives its store, DEFAULTs parsed from their text
// (an INSERT's SELECT binds through the Binder's testEngine).
type testDML struct{}

func (d testDML) Writer(db string, def *catalog.TableDef, verb string) (*exec.RowWriter, exec.Enforcer) {
	return &exec.RowWriter{Table: def, Database: db, Verb: verb}, testRules{db: db}
}

// testRules is the Enforcer of a table of database db: it only gives
// the store UPDATE and DELETE scan (a namedTable).
type testRules struct {
	exec.Enforcer
	db string
}

func (r testRules) Store(*catalog.TableDef) exec.Table { return namedTable(r.db) }

func (testDML) Parse(text string) parser.Expr { return parseStored(text) }

// namedTable is a table only plans print: its database's name.
type namedTable string

func (n namedTable) Open(*exec.Env) (exec.Reader, error) { return nil, sqlerr.New(40517, "reading") }
func (n namedTable) Current(*exec.Env) *catalog.TableDef { return nil }
func (n namedTable) Database() string                    { return string(n) }

// dmlBinder binds against database app holding insertTable (as dbo.t,
// its n defaulting to 42), with IDENTITY_INSERT on for table on.
func dmlBinder(on uint32) DMLBinder[string] {
	def := *insertTable
	def.Schema = "dbo"
	def.Columns = append([]catalog.ColumnDef{}, def.Columns...)
	def.Columns[2].Default = "42"
	b := nestingBinder()
	return DMLBinder[string]{Binder: b, Cat: testCatalog{tables: map[string][]*catalog.TableDef{"app": {&def}}},
		Set: identityInsert{table: on}, Eng: testDML{}}
}

func TestBindInsert(t *testing.T) {
	b := dmlBinder(7)
	db, p, err := b.BindInsert(parseAs[*parser.Insert](t, b.Binder, "INSERT INTO t (id, n) OUTPUT inserted.id, inserted.n * 2 VALUES (5, 1), (6, DEFAULT)"))
	if err != nil {
		t.Fatal(err)
	}
	if db != "app" || p.W.Database != "app" || p.W.Verb != "INSERT" || !p.Listed || !p.ExplicitID || len(p.Rows) != 2 || p.Rows[1][1] != nil {
		t.Errorf("%q %+v: want app's writer, a column list naming the identity, two rows, the second's n DEFAULT", db, p)
	}
	if p.Defs[2] == nil || p.Defs[1] != nil {
		t.Errorf("DEFAULTs %v: want n's alone", p.Defs)
	}
	if o := p.Out; o == nil || len(o.Cols) != 2 || o.Cols[0].Name != "id" || o.Deleted != -1 || o.Inserted != 0 || o.Width != len(insertTable.Columns) {
		t.Errorf("OUTPUT %+v: want id and an unnamed column over the inserted image alone", o)
	}
	if _, p, err = b.BindInsert(parseAs[*parser.Insert](t, b.Binder, "INSERT INTO t DEFAULT VALUES")); err != nil || p.Targets != nil || len(p.Rows) != 1 || p.Listed {
		t.Errorf("DEFAULT VALUES: %+v (%v), want one row of no values", p, err)
	}
	if _, p, err = b.BindInsert(parseAs[*parser.Insert](t, b.Binder, "INSERT INTO t (n) SELECT a FROM t")); err != nil || p.Sel == nil || len(p.SelT) != 1 {
		t.Errorf("INSERT ... SELECT: %+v (%v), want the SELECT's one column", p, err)
	}
	for _, c := range []struct {
		text string
		err  int
	}{
		{"INSERT INTO t SELECT a FROM t", 213},
		{"INSERT INTO t (n) SELECT a, u FROM t", 121},
		{"INSERT INTO t (name, n) SELECT a FROM t", 120},
		{"INSERT INTO nosuch VALUES (1)", 208},
		{"INSERT INTO t (n) OUTPUT COUNT(*) VALUES (1)", 40517},
		{"INSERT INTO t (n) OUTPUT deleted.n VALUES (1)", 4104},
	} {
		if _, _, err := b.BindInsert(parseAs[*parser.Insert](t, b.Binder, c.text)); !sqlerr.Is(err, c.err) {
			t.Errorf("%s: %v, want Msg %d", c.text, err, c.err)
		}
	}
}

func TestBindUpdateAndDelete(t *testing.T) {
	b := dmlBinder(0)
	db, up, err := b.BindUpdate(parseAs[*parser.Update](t, b.Binder, "UPDATE TOP (2) t SET n = n + 1, name = DEFAULT OUTPUT deleted.n, inserted.n WHERE n > 0"))
	if err != nil {
		t.Fatal(err)
	}
	if db != "app" || up.W.Verb != "UPDATE" || len(up.Sets) != 2 || up.Sets[0].Col != 2 || up.Sets[0].X == nil || up.Sets[1].X != nil {
		t.Errorf("%q %+v: want n set to an expression and name to its DEFAULT", db, up)
	}
	if up.Scan == nil || up.Scan.Table.Database() != "app" || up.Where == nil || up.Top == nil || up.Scope == nil {
		t.Errorf("%+v: want the table's scan, WHERE and TOP", up.Match)
	}
	if o := up.Out; o == nil || o.Deleted != 0 || o.Inserted != len(insertTable.Columns) {
		t.Errorf("OUTPUT %+v: want the deleted image, then the inserted", o)
	}
	_, del, err := b.BindDelete(parseAs[*parser.Delete](t, b.Binder, "DELETE FROM t WHERE name = 'a' RETURNING n"))
	if err != nil || del.Where == nil || del.Out == nil || del.Out.Deleted != 0 || del.Out.Inserted != -1 {
		t.Errorf("DELETE: %+v (%v), want WHERE and RETURNING over the deleted row", del, err)
	}
	for _, c := range []struct {
		text string
		err  int
	}{
		{"UPDATE t SET nope = 1", 207},
		{"UPDATE t SET n = 1, N = 2", 264},
		{"UPDATE t SET id = 1", 8102},
		{"UPDATE t SET rv = 1", 272},
		{"UPDATE t SET twice = 1", 271},
		{"UPDATE t SET n = 1 WHERE COUNT(*) > 1", 147},
		{"UPDATE TOP (10) PERCENT t SET n = 1", 40517},
		{"UPDATE t SET n = 1 FROM t", 40517},
		{"UPDATE t SET n = nope", 207},
		{"DELETE FROM t WHERE SUM(n) > 1", 147},
		{"DELETE TOP (1) PERCENT FROM t", 40517},
		{"DELETE FROM t OUTPUT inserted.n", 4104},
		{"DELETE FROM nosuch", 208},
	} {
		var err error
		switch x := parseAs[parser.Statement](t, b.Binder, c.text).(type) {
		case *parser.Update:
			_, _, err = b.BindUpdate(x)
		case *parser.Delete:
			_, _, err = b.BindDelete(x)
		}
		if !sqlerr.Is(err, c.err) {
			t.Errorf("%s: %v, want Msg %d", c.text, err, c.err)
		}
	}
}

func TestTableScope(t *testing.T) {
	sc := TableScope("app", insertTable)
	if len(sc.Sources) != 1 || sc.Width() != len(insertTable.Columns) || sc.Sources[0].Database != "app" || sc.Sources[0].Cols[1].Name != "name" {
		t.Errorf("%+v: want one source of t's columns in app", sc.Sources)
	}
}
