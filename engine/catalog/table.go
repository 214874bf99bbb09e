package catalog

import (
	"slices"
	"strings"
	"time"

	"mirrordb/types"
)

// TableDef is a table's definition. It is stored as JSON under s/t/<id> in
// the database's own store, so DDL travels through the log, backups and
// mirroring exactly like rows do.
type TableDef struct {
	ID      uint32      `json:"id"`
	Schema  string      `json:"schema"`
	Name    string      `json:"name"`
	Columns []ColumnDef `json:"columns"`
	// PK lists the primary key's column indexes; empty for a heap, whose
	// rows are keyed by a hidden row id.
	PK      []int     `json:"pk,omitempty"`
	PKName  string    `json:"pk_name,omitempty"`
	Created time.Time `json:"created"`
	// PKNonclustered records PRIMARY KEY NONCLUSTERED (index.go).
	PKNonclustered bool `json:"pk_nonclustered,omitempty"`
	// Indexes are the secondary indexes, NextIndexID the index_id the next
	// nonclustered one takes (index.go).
	Indexes     []IndexDef `json:"indexes,omitempty"`
	NextIndexID uint32     `json:"next_index_id,omitempty"`
	// ForeignKeys and Checks are the table's FOREIGN KEY and CHECK
	// constraints (constraint.go); UNIQUE constraints are Indexes.
	ForeignKeys []ForeignKeyDef `json:"foreign_keys,omitempty"`
	Checks      []CheckDef      `json:"checks,omitempty"`
	// Store numbers the table's rows and index entries (keys.TablePrefix,
	// keys.IndexPrefix) and its row-id counter when it is not ID: an ALTER
	// TABLE that rewrites the rows writes them beside the old ones under a
	// new number, and the table keeps its object_id, as in SQL Server.
	Store uint32 `json:"store,omitempty"`
}

// StoreID is the number under which the table's rows are kept.
func (t *TableDef) StoreID() uint32 {
	if t.Store != 0 {
		return t.Store
	}
	return t.ID
}

// ColumnDef is one column of a table.
type ColumnDef struct {
	Name     string     `json:"name"`
	Type     types.Type `json:"type"`
	Nullable bool       `json:"nullable"`
	Identity *Identity  `json:"identity,omitempty"`
	// Default is the DEFAULT expression in canonical T-SQL text.
	Default     string `json:"default,omitempty"`
	DefaultName string `json:"default_name,omitempty"`
	// TypeName is the declared type's name when the stored Type does not
	// say it (text, ntext, image, timestamp, an alias type); UserTypeID is
	// the alias type's id (usertype.go).
	TypeName   string `json:"type_name,omitempty"`
	UserTypeID int64  `json:"user_type_id,omitempty"`
	// DefaultID is the default constraint's object_id (0 for a table made
	// before constraints had object ids).
	DefaultID uint32 `json:"default_id,omitempty"`
	// Computed is a computed column's expression in T-SQL text; its value
	// is computed on every write and stored with the row (PERSISTED or
	// not; the engine binds and evaluates it).
	Computed  string `json:"computed,omitempty"`
	Persisted bool   `json:"persisted,omitempty"`
}

// Identity is a column's IDENTITY(seed, increment).
type Identity struct {
	Seed      int64 `json:"seed"`
	Increment int64 `json:"increment"`
}

// ColumnIndex returns the index of the named column (case-insensitive), or -1.
func (t *TableDef) ColumnIndex(name string) int {
	for i := range t.Columns {
		if strings.EqualFold(t.Columns[i].Name, name) {
			return i
		}
	}
	return -1
}

// IdentityColumn returns the index of the IDENTITY column, or -1.
func (t *TableDef) IdentityColumn() int {
	for i := range t.Columns {
		if t.Columns[i].Identity != nil {
			return i
		}
	}
	return -1
}

// IsRowversion reports a timestamp / rowversion column.
func (c *ColumnDef) IsRowversion() bool { return c.TypeName == "timestamp" }

// RowversionColumn returns the index of the table's rowversion column, or -1.
func (t *TableDef) RowversionColumn() int {
	for i := range t.Columns {
		if t.Columns[i].IsRowversion() {
			return i
		}
	}
	return -1
}

// HasRowRules reports whether rows of the table have anything to compute
// or check: a computed column or an enabled CHECK constraint.
func (t *TableDef) HasRowRules() bool {
	for i := range t.Columns {
		if t.Columns[i].Computed != "" {
			return true
		}
	}
	for i := range t.Checks {
		if !t.Checks[i].Disabled {
			return true
		}
	}
	return false
}

// OwnNames are the table's name and its constraints'.
func (t *TableDef) OwnNames() []string {
	out := []string{t.Name}
	if t.PKName != "" {
		out = append(out, t.PKName)
	}
	for i := range t.ForeignKeys {
		out = append(out, t.ForeignKeys[i].Name)
	}
	for i := range t.Checks {
		out = append(out, t.Checks[i].Name)
	}
	for i := range t.Indexes {
		if t.Indexes[i].Constraint {
			out = append(out, t.Indexes[i].Name)
		}
	}
	for i := range t.Columns {
		if t.Columns[i].DefaultName != "" {
			out = append(out, t.Columns[i].DefaultName)
		}
	}
	return out
}

// PKObjectID is the object_id of a table's PRIMARY KEY constraint, the
// number its generated name ends with.
func PKObjectID(tableID uint32) uint32 { return 0x3B4A0000 + tableID }

// Clone returns a deep copy of the definition: DDL changes a clone and
// stores it, while statements keep reading the original, which must
// never change under them. Every slice and pointer is copied
// (clone_test.go checks each field, so a field added later must be
// copied here too).
func (t *TableDef) Clone() *TableDef {
	d := *t
	d.Columns = slices.Clone(t.Columns)
	for i := range d.Columns {
		if id := d.Columns[i].Identity; id != nil {
			cp := *id
			d.Columns[i].Identity = &cp
		}
	}
	d.PK = slices.Clone(t.PK)
	d.Indexes = slices.Clone(t.Indexes)
	for i := range d.Indexes {
		ix := &d.Indexes[i]
		ix.Columns, ix.Desc, ix.Include = slices.Clone(ix.Columns), slices.Clone(ix.Desc), slices.Clone(ix.Include)
	}
	d.ForeignKeys = slices.Clone(t.ForeignKeys)
	for i := range d.ForeignKeys {
		fk := &d.ForeignKeys[i]
		fk.Columns, fk.RefColumns = slices.Clone(fk.Columns), slices.Clone(fk.RefColumns)
	}
	d.Checks = slices.Clone(t.Checks)
	return &d
}

// SameLayout reports whether two definitions of a table store rows the
// same way: same id, same store number (TableDef.Store) and the same
// columns, types and nullability.
func (t *TableDef) SameLayout(o *TableDef) bool {
	if t == o {
		return true
	}
	if t == nil || o == nil || t.ID != o.ID || t.StoreID() != o.StoreID() || len(t.Columns) != len(o.Columns) {
		return false
	}
	for i := range t.Columns {
		x, y := &t.Columns[i], &o.Columns[i]
		if x.Name != y.Name || x.Type != y.Type || x.Nullable != y.Nullable || (x.Identity == nil) != (y.Identity == nil) {
			return false
		}
	}
	return true
}

// ColumnTypes returns the types of the columns cols.
func (t *TableDef) ColumnTypes(cols []int) []types.Type {
	out := make([]types.Type, len(cols))
	for i, c := range cols {
		out[i] = t.Columns[c].Type
	}
	return out
}
