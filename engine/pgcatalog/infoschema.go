package pgcatalog

import (
	"strings"

	"mirrordb/types"
)

// The ISO information_schema, the same views SQL Server scripts read as
// INFORMATION_SCHEMA. Column names are upper case and data_type is the
// T-SQL type name, as in SQL Server (names are case-insensitive, so
// PostgreSQL clients' table_name finds TABLE_NAME).

func init() {
	defer upperCaseColumns("information_schema.")
	views["information_schema.schemata"] = View{
		Cols: cols("catalog_name", nameT, "schema_name", nameT, "schema_owner", nameT,
			"default_character_set_catalog", nameT, "default_character_set_schema", nameT,
			"default_character_set_name", nameT),
		Rows: func(s *Snapshot) [][]types.Value {
			var out [][]types.Value
			for _, sc := range s.Schemas {
				out = append(out, []types.Value{s.Database.Name, sc.Name, "dbo", nil, nil, "UTF8"})
			}
			return out
		},
	}
	views["information_schema.tables"] = View{
		Cols: cols("table_catalog", nameT, "table_schema", nameT, "table_name", nameT, "table_type", types.VarCharType(10)),
		Rows: func(s *Snapshot) [][]types.Value {
			var out [][]types.Value
			for _, t := range s.Tables {
				out = append(out, []types.Value{s.Database.Name, t.Schema, t.Name, "BASE TABLE"})
			}
			return out
		},
	}
	views["information_schema.columns"] = View{
		Cols: cols("table_catalog", nameT, "table_schema", nameT, "table_name", nameT, "column_name", nameT,
			"ordinal_position", int4T, "column_default", types.NVarCharType(4000), "is_nullable", types.VarCharType(3),
			"data_type", nameT, "character_maximum_length", int4T, "character_octet_length", int4T,
			"numeric_precision", types.TypeTinyInt, "numeric_precision_radix", int2T, "numeric_scale", int4T,
			"datetime_precision", int2T, "character_set_name", nameT, "collation_name", nameT, "is_identity",
			types.VarCharType(3)),
		Rows: func(s *Snapshot) [][]types.Value {
			var out [][]types.Value
			for _, t := range s.Tables {
				for i, c := range t.Columns {
					out = append(out, columnRow(s, &t, i, &c))
				}
			}
			return out
		},
	}
	views["information_schema.views"] = View{ // mirrordb has no views yet
		Cols: cols("table_catalog", nameT, "table_schema", nameT, "table_name", nameT, "view_definition",
			types.NVarCharType(4000), "check_option", types.VarCharType(7), "is_updatable", types.VarCharType(2)),
		Rows: func(*Snapshot) [][]types.Value { return nil },
	}
	// table_constraints, key_column_usage, referential_constraints and
	// check_constraints: constraints.go.
	views["information_schema.routines"] = View{
		Cols: cols("specific_catalog", nameT, "specific_schema", nameT, "specific_name", nameT,
			"routine_catalog", nameT, "routine_schema", nameT, "routine_name", nameT, "routine_type",
			types.VarCharType(20), "data_type", nameT),
		Rows: func(s *Snapshot) [][]types.Value {
			var out [][]types.Value
			for _, p := range s.Procedures {
				out = append(out, []types.Value{s.Database.Name, "sys", p.Name, s.Database.Name, "sys", p.Name,
					"PROCEDURE", nil})
			}
			return out
		},
	}
}

func columnRow(s *Snapshot, t *Table, i int, c *Column) []types.Value {
	var def, maxLen, octets, prec, radix, scale, dtPrec, charset, coll types.Value
	if c.Default != "" {
		def = "(" + c.Default + ")"
	}
	k := c.Type.Kind
	switch {
	case k.IsString() || k == types.Binary || k == types.VarBinary:
		if c.Type.Length == types.MaxLength {
			maxLen, octets = int64(-1), int64(-1)
		} else {
			maxLen, octets = int64(c.Type.Length), int64(c.Type.MaxBytes())
		}
		if k.IsString() {
			charset, coll = "UTF8", "Latin1_General_BIN2"
		}
	case k.IsNumeric() && k != types.Bit:
		p, sc := c.Type.PrecisionScale()
		prec, scale = int64(p), int64(sc)
		radix = int64(10)
		if k == types.Real || k == types.Float {
			radix, scale = int64(2), nil
		}
	case k.IsTemporal():
		_, sc := c.Type.PrecisionScale()
		dtPrec = int64(sc)
	}
	nullable := "NO"
	if c.Nullable {
		nullable = "YES"
	}
	identity := "NO"
	if c.Identity {
		identity = "YES"
	}
	return []types.Value{s.Database.Name, t.Schema, t.Name, c.Name, int64(i + 1), def, nullable, c.Type.Name(),
		maxLen, octets, prec, radix, scale, dtPrec, charset, coll, identity}
}

// ConstraintDef is pg_get_constraintdef(oid): PRIMARY KEY (a, b), and the
// other constraints' (constraints.go).
func (s *Snapshot) ConstraintDef(oid int64) (string, bool) {
	t, ix := s.index(oid)
	if ix == nil || !ix.Primary {
		return s.constraintDef(oid)
	}
	return "PRIMARY KEY (" + columnList(t, ix) + ")", true
}

// IndexDef is pg_get_indexdef(oid, column): with column 0 the statement
// that makes the index, in PostgreSQL's form; else the name of the
// index's column-th key column.
func (s *Snapshot) IndexDef(oid int64, column int) (string, bool) {
	t, ix := s.index(oid)
	if ix == nil || column < 0 || column > len(ix.Columns) {
		return "", false
	}
	if column > 0 {
		return QuoteIdent(t.Columns[ix.Columns[column-1]].Name), true
	}
	// PostgreSQL's form, which psql's \d takes apart at " USING ": the
	// index is an ordered (btree) key range, UNIQUE for a primary key.
	def := "CREATE "
	if ix.Unique || ix.Primary {
		def += "UNIQUE "
	}
	def += "INDEX " + QuoteIdent(ix.Name) + " ON " + QuoteIdent(t.Schema) + "." + QuoteIdent(t.Name) +
		" USING btree (" + columnList(t, ix) + ")"
	if ix.Filter != "" {
		def += " WHERE " + ix.Filter
	}
	return def, true
}

// QuoteIdent is PostgreSQL's quote_ident: "name" unless it is a plain
// lower-case identifier (PostgreSQL also quotes its reserved words;
// mirrordb has other ones).
func QuoteIdent(s string) string {
	plain := s != ""
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || i > 0 && (r >= '0' && r <= '9' || r == '$')) {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

func columnList(t *Table, ix *Index) string {
	names := make([]string, len(ix.Columns))
	for i, c := range ix.Columns {
		names[i] = QuoteIdent(t.Columns[c].Name)
		if i < len(ix.Desc) && ix.Desc[i] {
			names[i] += " DESC"
		}
	}
	return strings.Join(names, ", ")
}

// RelationName is oid::regclass::text: the table or index name, schema-
// qualified when its schema is not dbo.
func (s *Snapshot) RelationName(oid int64) (string, bool) {
	t, ix := s.index(oid)
	name := ""
	switch {
	case ix != nil:
		name = ix.Name
	default:
		if t = s.Table(oid); t == nil {
			return "", false
		}
		name = t.Name
	}
	if !equalFold(t.Schema, "dbo") {
		return t.Schema + "." + name, true
	}
	return name, true
}

// RelationOID is 'name'::regclass: the OID of the table or index named
// [schema.]name, false if there is none.
func (s *Snapshot) RelationOID(name string) (int64, bool) {
	schema, rel, found := strings.Cut(name, ".")
	if !found {
		schema, rel = "dbo", name
	}
	schema, rel = strings.Trim(schema, `"`), strings.Trim(rel, `"`)
	for _, t := range s.Tables {
		if !equalFold(t.Schema, schema) {
			continue
		}
		if equalFold(t.Name, rel) {
			return t.OID, true
		}
		for _, ix := range t.Indexes {
			if equalFold(ix.Name, rel) {
				return IndexOID(t.OID, ix.ID), true
			}
		}
	}
	return 0, false
}

// OIDName is oid::regclass, ::regnamespace or ::regrole as text.
func (s *Snapshot) OIDName(kind string, oid int64) (string, bool) {
	switch kind {
	case "regclass":
		return s.RelationName(oid)
	case "regrole":
		return s.UserName(oid)
	case "regnamespace":
		if oid == PGCatalogOID {
			return "pg_catalog", true
		}
		for _, sc := range s.Schemas {
			if sc.OID == oid {
				return sc.Name, true
			}
		}
	}
	return "", false
}

// NameOID is 'name'::regclass, ::regnamespace or ::regrole.
func (s *Snapshot) NameOID(kind, name string) (int64, bool) {
	switch kind {
	case "regclass":
		return s.RelationOID(name)
	case "regrole":
		for _, l := range append(append([]Login{}, s.Logins...), s.Roles...) {
			if equalFold(l.Name, name) {
				return l.OID, true
			}
		}
	case "regnamespace":
		if equalFold(name, "pg_catalog") {
			return PGCatalogOID, true
		}
		for _, sc := range s.Schemas {
			if equalFold(sc.Name, name) {
				return sc.OID, true
			}
		}
	}
	return 0, false
}

// upperCaseColumns spells the columns of the views under prefix as SQL
// Server's INFORMATION_SCHEMA does.
func upperCaseColumns(prefix string) {
	for name, v := range views {
		if strings.HasPrefix(name, prefix) {
			for i := range v.Cols {
				v.Cols[i].Name = strings.ToUpper(v.Cols[i].Name)
			}
		}
	}
}
