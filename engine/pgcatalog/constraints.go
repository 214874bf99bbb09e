package pgcatalog

import (
	"strings"

	"mirrordb/parser"
	"mirrordb/types"
)

// Constraints as the ISO views and pg_constraint show them: the primary
// key and UNIQUE constraints (from Table.Indexes), FOREIGN KEY and CHECK
// constraints. A foreign key's or a check's OID is its sys.objects
// object_id; a key constraint's is its index's OID, as pg_constraint.conindid.

// ForeignKey is a FOREIGN KEY constraint of the table that holds it.
type ForeignKey struct {
	OID        int64
	Name       string
	Columns    []int // 0-based, of the holding table
	RefTable   int64
	RefIndex   int64 // index_id of the referenced key
	RefColumns []int
	// OnDelete and OnUpdate are NO ACTION, CASCADE, SET NULL or SET DEFAULT.
	OnDelete, OnUpdate   string
	Disabled, NotTrusted bool
}

// Check is a CHECK constraint; Definition is SQL Server's printed form.
type Check struct {
	OID        int64
	Name       string
	Definition string
	Disabled   bool
	NotTrusted bool
}

// keyConstraint is a primary key or UNIQUE constraint.
func (ix *Index) keyConstraint() bool { return ix.Primary || ix.Constraint }

// pgActions are pg_constraint's confupdtype / confdeltype codes.
var pgActions = map[string]string{"NO ACTION": "a", "CASCADE": "c", "SET NULL": "n", "SET DEFAULT": "d"}

// constraintRows are pg_constraint's rows for UNIQUE, FOREIGN KEY and
// CHECK constraints (the primary key's row is pgviews.go's).
func constraintRows(s *Snapshot) [][]types.Value {
	var out [][]types.Value
	for _, t := range s.Tables {
		ns := s.schemaOID(t.Schema)
		for _, ix := range t.Indexes {
			if ix.Constraint {
				oid := IndexOID(t.OID, ix.ID)
				out = append(out, []types.Value{oid, ix.Name, ns, "u", false, false, true, t.OID, int64(0), oid,
					int64(0), int64(0), " ", " ", " ", true, int64(0), true, attnumArray(ix.Columns), nil, nil})
			}
		}
		for _, fk := range t.ForeignKeys {
			out = append(out, []types.Value{fk.OID, fk.Name, ns, "f", false, false, !fk.NotTrusted, t.OID, int64(0),
				IndexOID(fk.RefTable, fk.RefIndex), int64(0), fk.RefTable, pgActions[fk.OnUpdate], pgActions[fk.OnDelete],
				"s", true, int64(0), true, attnumArray(fk.Columns), attnumArray(fk.RefColumns), nil})
		}
		for _, ck := range t.Checks {
			out = append(out, []types.Value{ck.OID, ck.Name, ns, "c", false, false, !ck.NotTrusted, t.OID, int64(0),
				int64(0), int64(0), int64(0), " ", " ", " ", true, int64(0), true, nil, nil, ck.Definition})
		}
	}
	return out
}

// constraintDef is pg_get_constraintdef for a UNIQUE, FOREIGN KEY or
// CHECK constraint.
func (s *Snapshot) constraintDef(oid int64) (string, bool) {
	if t, ix := s.index(oid); ix != nil && ix.Constraint {
		return "UNIQUE (" + columnList(t, ix) + ")", true
	}
	for i := range s.Tables {
		t := &s.Tables[i]
		for _, fk := range t.ForeignKeys {
			if fk.OID != oid {
				continue
			}
			parent := s.Table(fk.RefTable)
			if parent == nil {
				return "", false
			}
			def := "FOREIGN KEY (" + names(t, fk.Columns) + ") REFERENCES " + parser.QuoteIdent(parent.Name) +
				"(" + names(parent, fk.RefColumns) + ")"
			if fk.OnUpdate != "NO ACTION" {
				def += " ON UPDATE " + fk.OnUpdate
			}
			if fk.OnDelete != "NO ACTION" {
				def += " ON DELETE " + fk.OnDelete
			}
			return def, true
		}
		for _, ck := range t.Checks {
			if ck.OID == oid {
				return "CHECK " + ck.Definition, true
			}
		}
	}
	return "", false
}

func names(t *Table, cols []int) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = parser.QuoteIdent(t.Columns[c].Name)
	}
	return strings.Join(out, ", ")
}

// keyName is the name of the key constraint a foreign key references.
func (s *Snapshot) keyName(fk *ForeignKey) types.Value {
	if parent := s.Table(fk.RefTable); parent != nil {
		for _, ix := range parent.Indexes {
			if ix.ID == fk.RefIndex {
				return ix.Name
			}
		}
	}
	return nil
}

func init() {
	defer upperCaseColumns("information_schema.")
	views["information_schema.table_constraints"] = View{
		Cols: cols("constraint_catalog", nameT, "constraint_schema", nameT, "constraint_name", nameT,
			"table_catalog", nameT, "table_schema", nameT, "table_name", nameT, "constraint_type", types.VarCharType(11),
			"is_deferrable", types.VarCharType(2), "initially_deferred", types.VarCharType(2)),
		Rows: func(s *Snapshot) [][]types.Value {
			var out [][]types.Value
			row := func(t *Table, name, kind string) {
				out = append(out, []types.Value{s.Database.Name, t.Schema, name, s.Database.Name, t.Schema, t.Name, kind, "NO", "NO"})
			}
			for i := range s.Tables {
				t := &s.Tables[i]
				for _, ix := range t.Indexes {
					switch {
					case ix.Primary:
						row(t, ix.Name, "PRIMARY KEY")
					case ix.Constraint:
						row(t, ix.Name, "UNIQUE")
					}
				}
				for _, fk := range t.ForeignKeys {
					row(t, fk.Name, "FOREIGN KEY")
				}
				for _, ck := range t.Checks {
					row(t, ck.Name, "CHECK")
				}
			}
			return out
		},
	}
	views["information_schema.referential_constraints"] = View{
		Cols: cols("constraint_catalog", nameT, "constraint_schema", nameT, "constraint_name", nameT,
			"unique_constraint_catalog", nameT, "unique_constraint_schema", nameT, "unique_constraint_name", nameT,
			"match_option", types.VarCharType(7), "update_rule", types.VarCharType(11), "delete_rule", types.VarCharType(11)),
		Rows: func(s *Snapshot) [][]types.Value {
			var out [][]types.Value
			for i := range s.Tables {
				t := &s.Tables[i]
				for j := range t.ForeignKeys {
					fk := &t.ForeignKeys[j]
					out = append(out, []types.Value{s.Database.Name, t.Schema, fk.Name, s.Database.Name, t.Schema,
						s.keyName(fk), "SIMPLE", fk.OnUpdate, fk.OnDelete})
				}
			}
			return out
		},
	}
	views["information_schema.key_column_usage"] = View{
		Cols: cols("constraint_catalog", nameT, "constraint_schema", nameT, "constraint_name", nameT,
			"table_catalog", nameT, "table_schema", nameT, "table_name", nameT, "column_name", nameT,
			"ordinal_position", int4T),
		Rows: func(s *Snapshot) [][]types.Value {
			var out [][]types.Value
			row := func(t *Table, name string, col, pos int) {
				out = append(out, []types.Value{s.Database.Name, t.Schema, name, s.Database.Name, t.Schema, t.Name,
					t.Columns[col].Name, int64(pos)})
			}
			for i := range s.Tables {
				t := &s.Tables[i]
				for _, ix := range t.Indexes {
					if ix.keyConstraint() {
						for k, c := range ix.Columns {
							row(t, ix.Name, c, k+1)
						}
					}
				}
				for _, fk := range t.ForeignKeys {
					for k, c := range fk.Columns {
						row(t, fk.Name, c, k+1)
					}
				}
			}
			return out
		},
	}
	views["information_schema.check_constraints"] = View{
		Cols: cols("constraint_catalog", nameT, "constraint_schema", nameT, "constraint_name", nameT,
			"check_clause", types.NVarCharType(4000)),
		Rows: func(s *Snapshot) [][]types.Value {
			var out [][]types.Value
			for _, t := range s.Tables {
				for _, ck := range t.Checks {
					out = append(out, []types.Value{s.Database.Name, t.Schema, ck.Name, ck.Definition})
				}
			}
			return out
		},
	}
}
