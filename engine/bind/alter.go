package bind

import (
	"slices"
	"strings"

	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// ALTER TABLE's column changes (ADD, DROP COLUMN, ALTER COLUMN) are
// checked when bound, against the table as it is then, and again when
// they run, against the table as the writer lock finds it: the checks
// here take the table's definition and return the new columns; the
// engine decides how the rows follow (engine/alter.go, alter_rewrite.go).

// AddedColumns binds ALTER TABLE ... ADD's columns (in x.Add's order) of
// a table of database d as
// CREATE TABLE binds them (tableDefinition), computed ones untyped until
// AddColumns types them against the whole new table, and each one's
// DEFAULT as a value of its type (nil without one). A PRIMARY KEY is not
// supported there (40517).
func (b DDLBinder[D]) AddedColumns(d D, x *parser.AlterTable) ([]catalog.ColumnDef, []exec.Expr, error) {
	ct := &parser.CreateTable{Pos: x.Pos, Name: x.Table}
	for _, c := range x.Add {
		if c.PrimaryKey {
			return nil, nil, b.ErrAt(c, sqlerr.New(40517, "a PRIMARY KEY in ALTER TABLE ADD"))
		}
		if c.Computed == nil { // typed once the whole new table is known
			ct.Columns = append(ct.Columns, c.ColumnDef)
		}
	}
	typed, err := b.tableDefinition(d, ct)
	if err != nil {
		return nil, nil, err
	}
	added := make([]catalog.ColumnDef, len(x.Add))
	defaults := make([]exec.Expr, len(x.Add))
	for i, k := 0, 0; i < len(x.Add); i++ {
		c := x.Add[i]
		if c.Computed != nil {
			added[i] = catalog.ColumnDef{Name: c.Name, Nullable: true, Computed: c.Computed.String(), Persisted: c.Persisted}
			continue
		}
		added[i] = typed.Columns[k]
		k++
		if c.Default != nil {
			if defaults[i], err = b.BindTypedValue(c.Default, nil, added[i].Type); err != nil {
				return nil, nil, err
			}
		}
	}
	return added, defaults, nil
}

// AddColumns checks ADD's columns (AddedColumns) against def, the table
// as the statement finds it, and returns a copy of def with them
// appended: 2705 for a name in use, 2744 for a second identity column,
// 2738 for a second rowversion column, 1702 past maxColumns; computed
// columns typed against the new table.
func (b *Binder) AddColumns(x *parser.AlterTable, def *catalog.TableDef, added []catalog.ColumnDef) (*catalog.TableDef, error) {
	nd := def.Clone()
	width := len(def.Columns)
	computed := false
	for _, c := range added {
		if nd.ColumnIndex(c.Name) >= 0 {
			return nil, sqlerr.New(2705, c.Name, def.Name)
		}
		if c.Identity != nil && def.IdentityColumn() >= 0 {
			return nil, sqlerr.New(2744, def.Name)
		}
		computed = computed || c.Computed != ""
		nd.Columns = append(nd.Columns, c)
	}
	if len(nd.Columns) > maxColumns {
		return nil, sqlerr.New(1702, nd.Columns[maxColumns].Name, def.Name, maxColumns)
	}
	if err := checkRowversionColumns(nd); err != nil {
		return nil, err
	}
	if computed {
		all := &parser.CreateTable{Columns: make([]*parser.ColumnDef, len(nd.Columns))}
		for i := range all.Columns {
			all.Columns[i] = &parser.ColumnDef{}
			if i >= width {
				all.Columns[i] = x.Add[i-width].ColumnDef
			}
		}
		if err := b.computedTypes(all, nd); err != nil {
			return nil, err
		}
	}
	return nd, nil
}

// DroppedColumns checks DROP COLUMN [IF EXISTS] c [, ...] against def and
// returns the columns dropped: 4924 for a column that does not exist,
// 5074 (with 4922) while its DEFAULT, an index or the primary key uses it
// (columnDependents), 4923 for the last column.
func (b DDLBinder[D]) DroppedColumns(x *parser.AlterTable, def *catalog.TableDef) (map[int]bool, error) {
	drop := map[int]bool{}
	for _, name := range x.Drop {
		i := def.ColumnIndex(name)
		if i < 0 {
			if x.IfExists {
				continue
			}
			return nil, sqlerr.New(4924, "ALTER TABLE DROP COLUMN", name, def.Name)
		}
		if err := b.columnDependents(def, i, "DROP COLUMN "+def.Columns[i].Name, true); err != nil {
			return nil, err
		}
		drop[i] = true
	}
	if len(drop) > 0 && len(drop) == len(def.Columns) {
		return nil, sqlerr.New(4923, def.Columns[len(def.Columns)-1].Name, def.Name)
	}
	return drop, nil
}

// AlterColumnType binds ALTER COLUMN's new type in database d as CREATE
// TABLE binds a column's (ColumnType): a system type, one with a declared
// name, or an alias type (2715, 2716).
func (b DDLBinder[D]) AlterColumnType(d D, x *parser.AlterColumn) (DeclaredType, error) {
	return b.columnType(d, x.Type, 1)
}

// AlteredColumn checks ALTER COLUMN c to [NULL | NOT NULL] against def
// and returns the column's number and new definition, typed and nullable
// as CREATE TABLE would make it (DeclaredType.apply): 4924 for a column
// that does not exist, 4928 for a computed or timestamp column, 4927 for
// timestamp as the new type, 2749 for an identity column made another
// type or NULL, 5074 (with 4922) for a column a DEFAULT, an index or the
// primary key uses that changes more than SQL Server allows, 1919 for an
// index key made MAX.
func (b DDLBinder[D]) AlteredColumn(x *parser.AlterColumn, to DeclaredType, def *catalog.TableDef) (int, catalog.ColumnDef, error) {
	i := def.ColumnIndex(x.Name)
	if i < 0 {
		return i, catalog.ColumnDef{}, sqlerr.New(4924, "ALTER TABLE ALTER COLUMN", x.Name, def.Name)
	}
	old := def.Columns[i]
	switch {
	case old.Computed != "":
		return i, old, sqlerr.New(4928, old.Name, "COMPUTED")
	case old.IsRowversion():
		return i, old, sqlerr.New(4928, old.Name, "timestamp")
	case to.Name == "timestamp":
		return i, old, sqlerr.New(4927, old.Name, "timestamp")
	}
	col := old
	to.apply(&col, x.Nullable)
	if old.Identity != nil {
		if !identityType(to.Type) || (x.Nullable != nil && *x.Nullable) {
			return i, col, sqlerr.New(2749, old.Name)
		}
		col.Nullable = false
	}
	// As in SQL Server, a column a default, an index or the primary key
	// uses may only grow a variable-length type or keep its type; a
	// default allows any length, precision or scale of its type.
	if col.Type != old.Type && !widened(old.Type, col.Type) || (col.Nullable && slices.Contains(def.PK, i)) {
		if err := b.columnDependents(def, i, "ALTER COLUMN "+old.Name, col.Type.Kind != old.Type.Kind); err != nil {
			return i, col, err
		}
	}
	if col.Type.Length == types.MaxLength {
		for k := range def.Indexes {
			if slices.Contains(def.Indexes[k].Columns, i) {
				return i, col, sqlerr.New(1919, old.Name, def.Name)
			}
		}
	}
	return i, col, nil
}

// widened reports whether to is from's variable-length type made no
// shorter (and not MAX, which an index key cannot hold).
func widened(from, to types.Type) bool {
	switch from.Kind {
	case types.VarChar, types.NVarChar, types.VarBinary:
		return to.Kind == from.Kind && to.Length != types.MaxLength && from.Length != types.MaxLength && to.Length >= from.Length
	}
	return false
}

// columnDependents is 5074 (with 4922's text, what, as its detail) when
// the column's DEFAULT (if withDefault), the primary key or an index uses
// column i: as a key, an included column or in its filter. The
// constraints that depend on a column (CHECK, FOREIGN KEY, computed
// columns) the engine checks as the change runs.
func (b DDLBinder[D]) columnDependents(def *catalog.TableDef, i int, what string, withDefault bool) error {
	col := &def.Columns[i]
	dependent := func(kind, name string) error { return DependentError(kind, name, col.Name, what) }
	if withDefault && col.Default != "" {
		return dependent("object", defaultConstraintName(def, col))
	}
	if slices.Contains(def.PK, i) {
		return dependent("object", def.PKName)
	}
	for k := range def.Indexes {
		ix := &def.Indexes[k]
		if slices.Contains(ix.Columns, i) || slices.Contains(ix.Include, i) || NamesColumn(b.Eng.IndexFilter(ix), col.Name) {
			if ix.Constraint {
				return dependent("object", ix.Name) // a UNIQUE constraint, as SQL Server names it
			}
			return dependent("index", ix.Name)
		}
	}
	return nil
}

// DependentError is 5074 (kind name depends on column) with 4922's
// text, what (the ALTER TABLE that failed), as its detail.
func DependentError(kind, name, column, what string) error {
	e := sqlerr.New(5074, kind, name, column)
	e.Detail = sqlerr.New(4922, what).Message
	return e
}

// NamesColumn reports whether x (nil: none) names the column.
func NamesColumn(x parser.Expr, column string) bool {
	found := false
	WalkExpr(x, func(e parser.Expr) bool {
		if c, ok := e.(*parser.ColumnRef); ok && strings.EqualFold(c.Parts[len(c.Parts)-1], column) {
			found = true
		}
		return !found
	})
	return found
}

// defaultConstraintName is the name of a column's DEFAULT: its own, or
// the one SQL Server would make up (DF__table__column__).
func defaultConstraintName(def *catalog.TableDef, col *catalog.ColumnDef) string {
	if col.DefaultName != "" {
		return col.DefaultName
	}
	return "DF__" + catalog.TruncateName(def.Name, 9) + "__" + catalog.TruncateName(col.Name, 5) + "__"
}
