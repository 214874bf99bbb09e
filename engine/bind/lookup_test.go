package bind

import (
	"testing"

	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/sqlerr"
)

// testCatalog has databases by name (their handle is their name), one of
// them restoring, each with the tables listed; the current one is "app".
type testCatalog struct {
	tables map[string][]*catalog.TableDef
}

func (c testCatalog) Current() string { return "app" }
func (c testCatalog) Database(name string) (string, bool) {
	_, ok := c.tables[name]
	return name, ok
}
func (c testCatalog) DatabaseByID(int32) (string, bool) { return "", false }
func (c testCatalog) Available(d string) error {
	if d == "restoring" {
		return sqlerr.New(927, d)
	}
	return nil
}
func (c testCatalog) Schema(d string) (*catalog.Schema, error) {
	return catalog.NewSchema(c.tables[d]...), nil
}
func (c testCatalog) UserType(string, string) (*catalog.UserType, error) { return nil, nil }

func TestLookupTable(t *testing.T) {
	cat := testCatalog{tables: map[string][]*catalog.TableDef{
		"app":       {{ID: 1, Schema: "dbo", Name: "orders"}},
		"other":     {{ID: 1, Schema: "dbo", Name: "items"}},
		"restoring": {{ID: 1, Schema: "dbo", Name: "orders"}},
	}}
	b := &Binder{Params: &exec.ParamTypes{}, Engine: &testEngine{}}
	for _, c := range []struct {
		name   []string
		wantDB string
		err    int
	}{
		{[]string{"orders"}, "app", 0},
		{[]string{"dbo", "ORDERS"}, "app", 0},
		{[]string{"other", "dbo", "items"}, "other", 0},
		{[]string{"other", "", "items"}, "other", 0},
		{[]string{"items"}, "", 208},
		{[]string{"sales", "orders"}, "", 208},
		{[]string{"nosuch", "dbo", "orders"}, "", 911},
		{[]string{"restoring", "dbo", "orders"}, "", 927},
	} {
		n := parser.ObjectName{Parts: c.name}
		db, def, err := LookupTable(b, Catalog[string](cat), n)
		switch {
		case c.err != 0 && !sqlerr.Is(err, c.err):
			t.Errorf("%v: %v, want Msg %d", c.name, err, c.err)
		case c.err == 0 && (err != nil || db != c.wantDB || def == nil):
			t.Errorf("%v: %q %v (%v), want a table of %q", c.name, db, def, err, c.wantDB)
		}
	}
}
