package pgcatalog

import (
	"testing"

	"mirrordb/types"
)

func sample() *Snapshot {
	return &Snapshot{
		Database:  Database{OID: 5, Name: "shop", Owner: 1},
		Databases: []Database{{OID: 1, Name: "master", Owner: 1}, {OID: 5, Name: "shop", Owner: 1}},
		Logins:    []Login{{OID: 1, Name: "sa", Super: true, CanLogin: true, MemberOf: []int64{3}}},
		Roles:     []Login{{OID: 3, Name: "sysadmin", Super: true}},
		Schemas:   []Schema{{OID: 1, Name: "dbo"}, {OID: 4, Name: "sys"}, {OID: 6, Name: "sales"}},
		Tables: []Table{
			{OID: 7, Schema: "dbo", Name: "orders", Columns: []Column{
				{Name: "id", Type: types.TypeInt},
				{Name: "note", Type: types.NVarCharType(40), Nullable: true, Default: "'x'"},
				{Name: "total", Type: types.DecimalType(10, 2), Nullable: true, Identity: false},
			}, Indexes: []Index{{ID: 1, Name: "PK_orders", Columns: []int{0}, Primary: true, Unique: true, Clustered: true}}},
			{OID: 8, Schema: "sales", Name: "heap", Columns: []Column{{Name: "a", Type: types.TypeBigInt, Identity: true}}},
		},
		Procedures: []Procedure{{Name: "sp_who", Params: []ProcParam{{Name: "loginame", HasDefault: true}}}},
		Settings:   []Setting{{Name: "TimeZone", Value: "UTC"}},
	}
}

// Every row of every view has one value per column: a view whose rows and
// columns drift apart would send malformed DataRows.
func TestViewRowsMatchColumns(t *testing.T) {
	s := sample()
	for name, v := range Views() {
		for i, row := range v.Rows(s) {
			if len(row) != len(v.Cols) {
				t.Errorf("%s row %d: %d values for %d columns", name, i, len(row), len(v.Cols))
			}
		}
	}
	for _, want := range []string{"pg_catalog.pg_class", "pg_catalog.pg_attribute", "pg_catalog.pg_type",
		"information_schema.columns", "information_schema.tables"} {
		if _, ok := Views()[want]; !ok {
			t.Errorf("no view %s", want)
		}
	}
}

func TestRelations(t *testing.T) {
	s := sample()
	pk := IndexOID(7, 1)
	for _, c := range []struct {
		name string
		oid  int64
	}{{"orders", 7}, {"dbo.ORDERS", 7}, {"sales.heap", 8}, {`"PK_orders"`, pk}} {
		if oid, ok := s.RelationOID(c.name); !ok || oid != c.oid {
			t.Errorf("RelationOID(%q) = %d, %v; want %d", c.name, oid, ok, c.oid)
		}
	}
	if _, ok := s.RelationOID("heap"); ok {
		t.Error("heap is in schema sales, not on the search path")
	}
	if n, _ := s.RelationName(8); n != "sales.heap" {
		t.Errorf("RelationName(8) = %q", n)
	}
	if d, _ := s.ConstraintDef(pk); d != "PRIMARY KEY (id)" {
		t.Errorf("ConstraintDef = %q", d)
	}
	if d, _ := s.IndexDef(pk, 0); d != `CREATE UNIQUE INDEX "PK_orders" ON dbo.orders USING btree (id)` {
		t.Errorf("IndexDef = %q", d)
	}
	if d, _ := s.IndexDef(pk, 1); d != "id" {
		t.Errorf("IndexDef(column 1) = %q", d)
	}
	if _, ok := s.IndexDef(pk, 2); ok {
		t.Error("IndexDef: the key has one column")
	}
	if n, _ := s.OIDName("regnamespace", 6); n != "sales" {
		t.Errorf("regnamespace 6 = %q", n)
	}
	if oid, _ := s.NameOID("regrole", "SYSADMIN"); oid != 3 {
		t.Errorf("regrole sysadmin = %d", oid)
	}
}

func TestTypes(t *testing.T) {
	for _, c := range []struct {
		t    types.Type
		want string
	}{
		{types.TypeInt, "integer"}, {types.TypeTinyInt, "smallint"}, {types.NVarCharType(20), "character varying(20)"},
		{types.NVarCharType(types.MaxLength), "character varying"}, {types.DecimalType(10, 2), "numeric(10,2)"},
		{types.DateTime2Type(3), "timestamp(3) without time zone"}, {types.TypeBit, "boolean"},
		{types.Type{Kind: types.NChar, Length: 3}, "character(3)"}, {types.TypeUUID, "uuid"},
	} {
		oid, mod, _ := attType(c.t)
		if got, _ := FormatType(oid, mod); got != c.want {
			t.Errorf("%v: format_type = %q, want %q", c.t, got, c.want)
		}
	}
	for name, want := range map[string]int64{"int4": 23, "integer": 23, "pg_catalog.int8": 20, "character varying": 1043,
		"varchar": 1043, "bool": 16, "boolean": 16, "decimal": 1700} {
		if oid, ok := TypeOID(name); !ok || oid != want {
			t.Errorf("TypeOID(%q) = %d, %v; want %d", name, oid, ok, want)
		}
	}
	if _, ok := TypeOID("hstore"); ok {
		t.Error("mirrordb has no hstore")
	}
	if _, ok := FormatType(99999, -1); ok {
		t.Error("99999 is no type")
	}
}

func TestProcedureArguments(t *testing.T) {
	s := sample()
	if a, ok := s.ProcedureArguments(procOID(0)); !ok || a != "@loginame = default" {
		t.Errorf("ProcedureArguments = %q, %v", a, ok)
	}
	if _, ok := s.ProcedureArguments(procOID(1)); ok {
		t.Error("there is one procedure")
	}
}
