package exec

import (
	"strings"

	"mirrordb/engine/catalog"
	"mirrordb/engine/plan"
)

// ConstraintAssert puts over a write's plan node (verb Insert, Update or
// Delete) the Assert SQL Server shows for the constraint work of
// foreignkeys.go: what the written rows must satisfy (checks, the CHECK
// constraints' definitions as printed; each foreign key with the index its
// parent is sought through) and, for DELETE and UPDATE, the foreign keys
// of set's tables that reference the rows (their action, and whether
// their child rows are sought through an index or scanned). An UPDATE
// passes the columns it sets: only foreign keys on those need work. A
// write without any keeps its node.
func ConstraintAssert(x *Explainer, db string, set *catalog.Schema, def *catalog.TableDef, verb string, cols []int, checks []string, write *plan.Node) *plan.Node {
	touches := func(key []int) bool {
		if verb != "Update" {
			return true
		}
		for _, c := range key {
			for _, s := range cols {
				if c == s {
					return true
				}
			}
		}
		return false
	}
	var parts []string
	if verb != "Delete" {
		for _, ck := range checks {
			parts = append(parts, "CHECK:"+ck)
		}
		for i := range def.ForeignKeys {
			fk := &def.ForeignKeys[i]
			if parent := set.ByID(fk.RefTable); parent != nil && !fk.Disabled && touches(fk.Columns) {
				parts = append(parts, "FOREIGN KEY:("+Bracket(fk.Name)+" "+keyAccess(db, parent, fk.RefColumns, true)+")")
			}
		}
	}
	if verb != "Insert" {
		for _, child := range set.Tables() {
			for i := range child.ForeignKeys {
				fk := &child.ForeignKeys[i]
				if fk.RefTable != def.ID || fk.Disabled || !touches(fk.RefColumns) {
					continue
				}
				action := fk.OnDelete
				if verb == "Update" {
					action = fk.OnUpdate
				}
				parts = append(parts, "REFERENCE:("+Bracket(fk.Name)+" "+action+" "+keyAccess(db, child, fk.Columns, false)+")")
			}
		}
	}
	if len(parts) == 0 {
		return write
	}
	return x.Node("Assert", "Assert", "WHERE:("+strings.Join(parts, ", ")+")", write)
}

// keyAccess is how rows of t with the given values of cols are found, as
// keyExists (exact: a unique key on exactly cols) and findRows find them:
// SEEK through the primary key or an index, else SCAN.
func keyAccess(db string, t *catalog.TableDef, cols []int, exact bool) string {
	switch pk, ix := t.RowKeyFor(cols, exact); {
	case pk:
		return "SEEK " + TableName(db, t) + "." + Bracket(t.PKName)
	case ix != nil:
		return "SEEK " + TableName(db, t) + "." + Bracket(ix.Name)
	}
	return "SCAN " + TableName(db, t)
}
