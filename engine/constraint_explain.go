package engine

import (
	"strings"

	"mirrordb/engine/bind"
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/plan"
)

// How a write's constraint work shows in its plan: an Assert above the
// write that lists what the written rows must satisfy (CHECKs, foreign
// keys with the index their parent is sought through) and, for DELETE and
// UPDATE, the foreign keys that reference the rows (their action, and
// whether their child rows are sought through an index or scanned). The
// list is what engine/constraints.go does, from the same definitions.

// constraintAssert puts the constraint work of a write (verb Insert,
// Update or Delete) above its node; a table without any keeps the node.
// An UPDATE passes the columns it sets: only foreign keys on those need
// work (a row's unchanged key is not looked up again).
func constraintAssert(x *exec.Explainer, db *Database, def *catalog.TableDef, verb string, set []int, write *plan.Node) *plan.Node {
	touches := func(cols []int) bool {
		if verb != "Update" {
			return true
		}
		for _, c := range cols {
			for _, s := range set {
				if c == s {
					return true
				}
			}
		}
		return false
	}
	schema := db.schema.Load()
	if schema == nil {
		return write
	}
	var parts []string
	if verb != "Delete" {
		for i := range def.Checks {
			if ck := &def.Checks[i]; !ck.Disabled {
				parts = append(parts, "CHECK:"+printedDefinition(ck.Expr))
			}
		}
		for i := range def.ForeignKeys {
			fk := &def.ForeignKeys[i]
			if parent := schema.ByID(fk.RefTable); parent != nil && !fk.Disabled && touches(fk.Columns) {
				parts = append(parts, "FOREIGN KEY:("+exec.Bracket(fk.Name)+" "+keyAccess(db, parent, fk.RefColumns, true)+")")
			}
		}
	}
	if verb != "Insert" {
		for _, child := range schema.Tables() {
			for i := range child.ForeignKeys {
				fk := &child.ForeignKeys[i]
				if fk.RefTable != def.ID || fk.Disabled || !touches(fk.RefColumns) {
					continue
				}
				action := fk.OnDelete
				if verb == "Update" {
					action = fk.OnUpdate
				}
				parts = append(parts, "REFERENCE:("+exec.Bracket(fk.Name)+" "+action+" "+keyAccess(db, child, fk.Columns, false)+")")
			}
		}
	}
	if len(parts) == 0 {
		return write
	}
	return x.Node("Assert", "Assert", "WHERE:("+strings.Join(parts, ", ")+")", write)
}

// keyAccess is how rows of t with the given values of cols are found, as
// findRows and keyExists find them: SEEK through the primary key or an
// index (a unique one on exactly cols when unique is asked), else SCAN.
func keyAccess(db *Database, t *catalog.TableDef, cols []int, unique bool) string {
	table := exec.Bracket(db.Name()) + "." + exec.Bracket(bind.OrDbo(t.Schema)) + "." + exec.Bracket(t.Name)
	fits := func(key []int) bool {
		if unique {
			return catalog.SameColumnSet(key, cols)
		}
		return len(key) >= len(cols) && catalog.SameColumnSet(key[:len(cols)], cols)
	}
	if len(t.PK) > 0 && fits(t.PK) {
		return "SEEK " + table + "." + exec.Bracket(t.PKName)
	}
	for i := range t.Indexes {
		ix := &t.Indexes[i]
		if ix.State == catalog.IndexReady && ix.Filter == "" && (ix.Unique || !unique) && fits(ix.Columns) {
			return "SEEK " + table + "." + exec.Bracket(ix.Name)
		}
	}
	return "SCAN " + table
}
