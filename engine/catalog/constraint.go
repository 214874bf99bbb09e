package catalog

import (
	"fmt"
	"slices"
	"strings"
)

// Constraints. FOREIGN KEY and CHECK constraints are part of their table's
// definition (TableDef.ForeignKeys, .Checks), a UNIQUE constraint is a
// unique index marked Constraint, a DEFAULT lives on its column: so they
// are stored, logged, mirrored and backed up with the table. exec
// enforces them (engine/exec/foreignkeys.go, rowrules.go).

// Referential actions, as written after ON DELETE / ON UPDATE.
const (
	ActionNone       = "NO ACTION"
	ActionCascade    = "CASCADE"
	ActionSetNull    = "SET NULL"
	ActionSetDefault = "SET DEFAULT"
)

// ForeignKeyDef is a FOREIGN KEY constraint of the table that holds it
// (the referencing, child, table).
type ForeignKeyDef struct {
	ObjectID   uint32 `json:"object_id"`
	Name       string `json:"name"`
	Columns    []int  `json:"columns"`     // the child's columns
	RefTable   uint32 `json:"ref_table"`   // the parent table's id
	RefColumns []int  `json:"ref_columns"` // the parent's columns, parallel to Columns
	OnDelete   string `json:"on_delete"`
	OnUpdate   string `json:"on_update"`
	// Disabled is NOCHECK CONSTRAINT; NotTrusted is set when rows were not
	// all checked (WITH NOCHECK, or disabled once): sys.foreign_keys.
	Disabled   bool `json:"disabled,omitempty"`
	NotTrusted bool `json:"not_trusted,omitempty"`
}

// Cascades reports whether either action does more than refuse.
func (fk *ForeignKeyDef) Cascades() bool {
	return fk.OnDelete != ActionNone || fk.OnUpdate != ActionNone
}

// CheckDef is a CHECK constraint.
type CheckDef struct {
	ObjectID uint32 `json:"object_id"`
	Name     string `json:"name"`
	Expr     string `json:"expr"`   // canonical T-SQL text
	Column   int    `json:"column"` // a column-level constraint's column, else -1
	// Disabled and NotTrusted as for foreign keys.
	Disabled   bool `json:"disabled,omitempty"`
	NotTrusted bool `json:"not_trusted,omitempty"`
}

// HasCheckOrForeignKey reports whether t has a CHECK or FOREIGN KEY
// constraint of that name: the only kinds NOCHECK / CHECK CONSTRAINT
// disable and enable.
func (t *TableDef) HasCheckOrForeignKey(name string) bool {
	named := func(n string) bool { return strings.EqualFold(n, name) }
	return slices.ContainsFunc(t.ForeignKeys, func(fk ForeignKeyDef) bool { return named(fk.Name) }) ||
		slices.ContainsFunc(t.Checks, func(ck CheckDef) bool { return named(ck.Name) })
}

// RowKeyFor decides how rows of t are found by the values of cols: through
// the primary key (pk) or through an index (ix); neither when it returns
// false, nil (a scan then). exact is a foreign key's parent lookup, one
// point read: the primary key or a unique index on exactly cols, which the
// referenced columns of a foreign key always have (1776 otherwise).
// Otherwise (a parent's children) the primary key or an index whose
// leading columns are cols serves. Only a ready, unfiltered index counts:
// one still being built does not hold every row yet.
func (t *TableDef) RowKeyFor(cols []int, exact bool) (pk bool, ix *IndexDef) {
	serves := func(key []int) bool {
		if exact {
			return SameColumnSet(key, cols)
		}
		return len(key) >= len(cols) && SameColumnSet(key[:len(cols)], cols)
	}
	if len(t.PK) > 0 && serves(t.PK) {
		return true, nil
	}
	for i := range t.Indexes {
		ix := &t.Indexes[i]
		if ix.State == IndexReady && ix.Filter == "" && (ix.Unique || !exact) && serves(ix.Columns) {
			return false, ix
		}
	}
	return false, nil
}

// SameColumnSet reports whether a and b hold the same columns, in any order.
func SameColumnSet(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		found := false
		for _, y := range b {
			found = found || x == y
		}
		if !found {
			return false
		}
	}
	return true
}

// ConstraintName is SQL Server's generated name: PREFIX__table__column__HEX
// (the table and column cut to 8 characters), or without the column.
func ConstraintName(prefix, table, column string, id uint32) string {
	if column == "" {
		return fmt.Sprintf("%s__%s__%08X", prefix, TruncateName(table, 8), id)
	}
	return fmt.Sprintf("%s__%s__%s__%08X", prefix, TruncateName(table, 8), TruncateName(column, 8), id)
}

// TruncateName cuts a name to its first n characters, as generated names
// take them.
func TruncateName(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}
