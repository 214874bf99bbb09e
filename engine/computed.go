package engine

import (
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/keys"
	"mirrordb/types"
)

// Reading a row stored before ALTER TABLE added columns. ADD of nullable
// columns and of non-persisted computed columns changes only the
// definition (alter.go), so such a row is shorter than its table: the
// nullable columns read as NULL, and a computed column is computed from
// the row's other values on every read, as SQL Server computes a column
// that is not PERSISTED. A row written since stores every column, its
// computed ones computed at the write, so only the old rows pay for the
// expression.

// completeRow widens a row decoded from def's store (raw, its stored
// form) to def's width.
func completeRow(e *exec.Env, db *Database, def *catalog.TableDef, raw []byte, row []types.Value) ([]types.Value, error) {
	return completeRowBut(e, db, def, raw, row, nil)
}

// completeRowBut is completeRow leaving the columns of skip NULL (those an
// ALTER TABLE drops, which need not be computed to be dropped).
func completeRowBut(e *exec.Env, db *Database, def *catalog.TableDef, raw []byte, row []types.Value, skip map[int]bool) ([]types.Value, error) {
	stored := len(row)
	row = padRow(row, len(def.Columns))
	if stored == len(row) || !computedFrom(def, stored) {
		return row, nil
	}
	rules, err := rulesFor(e, db, def)
	if err != nil {
		return nil, err
	}
	// The decode may have left out columns the expression reads.
	full, err := keys.DecodeRow(raw, nil)
	if err != nil {
		return nil, db.storage.Corrupt(err)
	}
	full = padRow(full, len(def.Columns))
	if err := rules.ComputeFrom(e, def, full, stored, skip); err != nil {
		return nil, err
	}
	for i := stored; i < len(row); i++ {
		row[i] = full[i]
	}
	return row, nil
}

// computedFrom reports whether def has a computed column at from or after.
func computedFrom(def *catalog.TableDef, from int) bool {
	for i := from; i < len(def.Columns); i++ {
		if def.Columns[i].Computed != "" {
			return true
		}
	}
	return false
}

// addComputedColumnsView adds sys.computed_columns: the columns of
// sys.columns that are computed, with their definition and whether they
// are stored (is_persisted).
func (vs viewSet) addComputedColumnsView() {
	vs["sys.computed_columns"] = &view{
		cols: cols("object_id", intT, "name", sysname, "column_id", intT, "system_type_id", tinyint,
			"user_type_id", intT, "max_length", types.TypeSmallInt, "precision", tinyint, "scale", tinyint,
			"is_nullable", bit, "definition", types.NVarCharType(types.MaxLength), "uses_database_collation", bit,
			"is_persisted", bit),
		rows: func(e *exec.Env, _ []types.Value) ([][]types.Value, error) {
			return columnRows(e, func(t *catalog.TableDef, i int, c *catalog.ColumnDef) []types.Value {
				if c.Computed == "" {
					return nil
				}
				p, sc := c.Type.PrecisionScale()
				sysID, userID, _, maxLen := declaredType(c)
				return []types.Value{int64(t.ID), c.Name, int64(i + 1), sysID, userID, maxLen,
					int64(p), int64(sc), c.Nullable, printedDefinition(c.Computed), true, c.Persisted}
			})
		},
	}
}
