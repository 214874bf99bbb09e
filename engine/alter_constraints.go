package engine

import (
	"sort"
	"strings"

	"mirrordb/engine/bind"
	"mirrordb/engine/catalog"
	"mirrordb/engine/keys"
)

// How ALTER TABLE's column changes meet constraints. A change may not drop
// or retype a column that a FOREIGN KEY (of this table or of one that
// references it), a CHECK, a UNIQUE constraint, a named DEFAULT or a
// computed column depends on (5074, as SQL Server). Constraints name
// columns by number, so dropping columns renumbers them, in the foreign
// keys that reference the table too (in the swap's transaction of the
// rewrite, alter_rewrite.go, which keeps the table's object_id).

// constraintsAllow refuses a change to a column a constraint depends on
// (constraintOnColumn), with 4922's words as the detail.
func constraintsAllow(t *txn, def *catalog.TableDef, a *alteration) error {
	if len(a.touched) == 0 {
		return nil
	}
	set, err := t.schemaView()
	if err != nil {
		return err
	}
	cols := make([]int, 0, len(a.touched))
	for i := range a.touched {
		cols = append(cols, i)
	}
	sort.Ints(cols)
	for _, i := range cols {
		what := a.touched[i]
		d := def
		if strings.HasPrefix(what, "ALTER COLUMN") && def.Columns[i].Default != "" {
			// The column's own DEFAULT follows ALTER COLUMN's rules
			// (alterColumn), not this one.
			d = def.Clone()
			d.Columns[i].Default, d.Columns[i].DefaultName = "", ""
		}
		if name := constraintOnColumn(set, d, i); name != "" {
			return bind.DependentError("object", name, def.Columns[i].Name, what)
		}
	}
	return nil
}

// renumberConstraints maps the column numbers of def's own constraints
// through renumber (DROP COLUMN, after constraintsAllow has made sure no
// constraint uses a dropped column). def is a fresh copy; its constraint
// lists are copied before they change.
func renumberConstraints(def *catalog.TableDef, renumber []int) {
	fks := make([]catalog.ForeignKeyDef, len(def.ForeignKeys))
	for i, fk := range def.ForeignKeys {
		fk.Columns = renumbered(fk.Columns, renumber)
		if fk.RefTable == def.ID {
			fk.RefColumns = renumbered(fk.RefColumns, renumber)
		}
		fks[i] = fk
	}
	checks := make([]catalog.CheckDef, len(def.Checks))
	for i, ck := range def.Checks {
		if ck.Column >= 0 {
			ck.Column = renumber[ck.Column]
		}
		checks[i] = ck
	}
	if len(fks) > 0 {
		def.ForeignKeys = fks
	}
	if len(checks) > 0 {
		def.Checks = checks
	}
}

// renumberRefs renumbers the columns that def's foreign keys referencing
// table name (refs maps old column positions to new ones). It reports
// whether any changed; def's list is copied first.
func renumberRefs(def *catalog.TableDef, table uint32, refs []int) bool {
	var fks []catalog.ForeignKeyDef
	for i, fk := range def.ForeignKeys {
		if fk.RefTable != table {
			continue
		}
		if fks == nil {
			fks = append([]catalog.ForeignKeyDef(nil), def.ForeignKeys...)
		}
		fks[i].RefColumns = renumbered(fk.RefColumns, refs)
	}
	if fks != nil {
		def.ForeignKeys = fks
	}
	return fks != nil
}

// moveReferences renumbers the referenced columns of the other tables'
// foreign keys that reference nd, a rewritten table whose columns were
// dropped (the swap).
func moveReferences(t *txn, nd *catalog.TableDef, renumber []int) error {
	set, err := t.schemaView()
	if err != nil {
		return err
	}
	for _, child := range set.Tables() {
		if child.ID == nd.ID {
			continue
		}
		d := child.Clone()
		if renumberRefs(d, nd.ID, renumber) {
			if err := t.Put(keys.TableDefKey(d.ID), catalog.EncodeTable(d)); err != nil {
				return err
			}
		}
	}
	return nil
}
