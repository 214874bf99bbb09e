package engine

import (
	"sort"
	"strings"

	"mirrordb/engine/catalog"
	"mirrordb/engine/keys"
	"mirrordb/sqlerr"
)

// How ALTER TABLE's column changes meet constraints. A change may not drop
// or retype a column that a FOREIGN KEY (of this table or of one that
// references it), a CHECK, a UNIQUE constraint, a named DEFAULT or a
// computed column depends on (5074, as SQL Server). Constraints name
// columns by number, so dropping columns renumbers them; and a rewrite
// moves the table to a new id (alter_rewrite.go), so the foreign keys that
// reference it are moved with it in the swap's transaction.

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
			e := sqlerr.New(5074, "object", name, def.Columns[i].Name)
			e.Detail = sqlerr.New(4922, what).Message
			return e
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

// retarget points def's foreign keys at table from to table to instead;
// refs, when set, renumbers the referenced columns. It reports whether
// any changed; def's list is copied first.
func retarget(def *catalog.TableDef, from, to uint32, refs []int) bool {
	changed := false
	var fks []catalog.ForeignKeyDef
	for i, fk := range def.ForeignKeys {
		if fk.RefTable != from {
			continue
		}
		if fks == nil {
			fks = append([]catalog.ForeignKeyDef(nil), def.ForeignKeys...)
		}
		fks[i].RefTable = to
		if refs != nil {
			fks[i].RefColumns = renumbered(fk.RefColumns, refs)
		}
		changed = true
	}
	if changed {
		def.ForeignKeys = fks
	}
	return changed
}

// moveReferences points the foreign keys of other tables that reference
// the table rewritten from oldID at its new definition nd (the swap),
// renumbering the referenced columns when columns were dropped.
func moveReferences(t *txn, oldID uint32, nd *catalog.TableDef, renumber []int) error {
	set, err := t.schemaView()
	if err != nil {
		return err
	}
	for _, child := range set.Tables() {
		if child.ID == oldID || child.ID == nd.ID {
			continue
		}
		d := child.Clone()
		if retarget(d, oldID, nd.ID, renumber) {
			if err := t.Put(keys.TableDefKey(d.ID), catalog.EncodeTable(d)); err != nil {
				return err
			}
		}
	}
	return nil
}
