package bind

import (
	"strings"

	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// Constraints bind here into the descriptors a table's definition keeps
// (catalog.CheckDef, ForeignKeyDef, a UNIQUE constraint's IndexDef, a
// column's DEFAULT). The engine adds them in the statement's transaction
// (engine/constraint_ddl.go): it numbers them (the object id passed
// in), refuses a name in use, and checks the rows already there. The
// errors here carry no position: the engine places them at the
// constraint.

// ConstraintName is a constraint's given name, or the one SQL Server
// makes up from prefix, table, column and object id.
func ConstraintName(given, prefix, table, column string, id uint32) string {
	if given != "" {
		return given
	}
	return catalog.ConstraintName(prefix, table, column, id)
}

// CheckDefinition binds a CHECK constraint of def in database db (on
// column, "" for a table-level one) into its descriptor, and returns its
// expression bound as a bit too (WITH CHECK tests the rows with it): 1046
// for a subquery, 8141 for a column-level CHECK naming another column.
func (b *Binder) CheckDefinition(c *parser.CheckConstraint, column, db string, def *catalog.TableDef, id uint32) (catalog.CheckDef, exec.Expr, error) {
	if hasSubquery(c.Expr) {
		return catalog.CheckDef{}, nil, sqlerr.New(1046)
	}
	col := -1
	if column != "" {
		col = def.ColumnIndex(column)
		var other string
		WalkExpr(c.Expr, func(n parser.Expr) bool {
			if r, ok := n.(*parser.ColumnRef); ok && !strings.EqualFold(r.Parts[len(r.Parts)-1], column) {
				other = column
			}
			return other == ""
		})
		if other != "" {
			return catalog.CheckDef{}, nil, sqlerr.New(8141, column, def.Name)
		}
	}
	bound, err := b.BindExpr(c.Expr, TableScope(db, def), nil, types.TypeBit)
	if err != nil {
		return catalog.CheckDef{}, nil, err
	}
	colName := ""
	if col >= 0 {
		colName = column
	}
	return catalog.CheckDef{ObjectID: id, Name: ConstraintName(c.Name, "CK", def.Name, colName, id), Expr: c.Expr.String(), Column: col}, bound, nil
}

// ForeignKeyDefinition binds a FOREIGN KEY (or a column's REFERENCES) of
// def in database db, whose tables as the statement sees them are set,
// into its descriptor, and returns the table it references: 1763 for
// another database, 1767 for no such table, 1769 and 1770 for no such
// column, 1773 for a referenced table without a primary key, 8139 for
// column counts that differ, 1776 for referenced columns no key or
// unique index has, 1778 for types that differ, 1761 for SET NULL on a
// NOT NULL column, 1785 for a cascade that would close a cycle or add a
// second path.
func ForeignKeyDefinition(c *parser.ForeignKey, column, db string, set *catalog.Schema, def *catalog.TableDef, id uint32) (catalog.ForeignKeyDef, *catalog.TableDef, error) {
	names := c.Columns
	if column != "" {
		names = []string{column}
	}
	name := ConstraintName(c.Name, "FK", def.Name, names[0], id)
	fk := catalog.ForeignKeyDef{ObjectID: id, Name: name, OnDelete: c.OnDelete, OnUpdate: c.OnUpdate}
	if d := c.RefTable.Database(); d != "" && !strings.EqualFold(d, db) {
		return fk, nil, sqlerr.New(1763, name)
	}
	parent := set.Table("dbo", c.RefTable.Object())
	if strings.EqualFold(c.RefTable.Object(), def.Name) {
		parent = def
	}
	if parent == nil {
		return fk, nil, sqlerr.New(1767, name, c.RefTable.Object())
	}
	fk.RefTable = parent.ID
	for _, n := range names {
		i := def.ColumnIndex(n)
		if i < 0 {
			return fk, nil, sqlerr.New(1769, name, n, def.Name)
		}
		fk.Columns = append(fk.Columns, i)
	}
	if len(c.RefColumns) == 0 {
		if len(parent.PK) == 0 {
			return fk, nil, sqlerr.New(1773, name, parent.Name)
		}
		fk.RefColumns = append([]int(nil), parent.PK...)
	}
	for _, n := range c.RefColumns {
		i := parent.ColumnIndex(n)
		if i < 0 {
			return fk, nil, sqlerr.New(1770, name, n, parent.Name)
		}
		fk.RefColumns = append(fk.RefColumns, i)
	}
	if len(fk.RefColumns) != len(fk.Columns) {
		return fk, nil, sqlerr.New(8139, def.Name)
	}
	if pk, ix := parent.RowKeyFor(fk.RefColumns, true); !pk && ix == nil {
		return fk, nil, sqlerr.New(1776, parent.Name, name)
	}
	for i, c := range fk.Columns {
		ct, pt := def.Columns[c].Type, parent.Columns[fk.RefColumns[i]].Type
		if ct.Kind != pt.Kind || (ct.Kind == types.Decimal && (ct.Precision != pt.Precision || ct.Scale != pt.Scale)) {
			return fk, nil, sqlerr.New(1778, parent.Name, parent.Columns[fk.RefColumns[i]].Name, def.Name, def.Columns[c].Name, name)
		}
		if !def.Columns[c].Nullable && (fk.OnDelete == catalog.ActionSetNull || fk.OnUpdate == catalog.ActionSetNull) {
			return fk, nil, sqlerr.New(1761, name)
		}
	}
	if fk.Cascades() && cascadePathExists(set, def, parent.ID, def.ID) {
		return fk, nil, sqlerr.New(1785, name, def.Name)
	}
	return fk, parent, nil
}

// cascadePathExists reports whether a new cascading foreign key from
// parent to child (def, the definition being changed, beside set's
// tables) would close a cycle or add a second cascade path: the child is
// the parent, or either already reaches the other through cascading
// foreign keys (SQL Server's 1785).
func cascadePathExists(set *catalog.Schema, def *catalog.TableDef, parent, child uint32) bool {
	if parent == child {
		return true
	}
	edges := map[uint32][]uint32{} // parent → children it cascades to
	for _, t := range append(set.Tables(), def) {
		for i := range t.ForeignKeys {
			if fk := &t.ForeignKeys[i]; fk.Cascades() {
				edges[fk.RefTable] = append(edges[fk.RefTable], t.ID)
			}
		}
	}
	reaches := func(from, to uint32) bool {
		seen := map[uint32]bool{}
		stack := []uint32{from}
		for len(stack) > 0 {
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if n == to {
				return true
			}
			if !seen[n] {
				seen[n] = true
				stack = append(stack, edges[n]...)
			}
		}
		return false
	}
	return reaches(parent, child) || reaches(child, parent)
}

// UniqueDefinition binds a UNIQUE constraint of def (on column, "" for a
// table-level one) into its index: its key columns (KeyColumns) and
// index_id, 1902 when CLUSTERED and the table has a clustered index
// already. def's NextIndexID moves past the index's.
func UniqueDefinition(c *parser.UniqueConstraint, column string, def *catalog.TableDef, id uint32) (catalog.IndexDef, error) {
	names, desc := c.Columns, c.Desc
	if column != "" {
		names, desc = []string{column}, []bool{false}
	}
	ix := catalog.IndexDef{Name: ConstraintName(c.Name, "UQ", def.Name, "", id), Unique: true, Clustered: c.Clustered,
		Desc: desc, Constraint: true, ObjectID: id}
	cols, err := KeyColumns(def, names)
	if err != nil {
		return ix, err
	}
	ix.Columns = cols
	next := max(def.NextIndexID, catalog.FirstNonclusteredID)
	if def.PKNonclustered && next == def.PKIndexID() {
		next++
	}
	if c.Clustered {
		if name := def.ClusteredName(); name != "" {
			return ix, sqlerr.New(1902, def.Name, name)
		}
		ix.ID = 1
	} else {
		ix.ID, next = next, next+1
	}
	def.NextIndexID = next
	return ix, nil
}

// DefaultDefinition binds ADD [CONSTRAINT name] DEFAULT expr FOR column
// into the column of def: 1752 for no such column or one computed or an
// identity, 1781 for a column with a DEFAULT already, and the DEFAULT's
// own checks (checkDefault).
func (b *Binder) DefaultDefinition(c *parser.DefaultConstraint, def *catalog.TableDef, id uint32) error {
	i := def.ColumnIndex(c.Column)
	if i < 0 || def.Columns[i].Computed != "" || def.Columns[i].Identity != nil {
		return sqlerr.New(1752, c.Column, def.Name)
	}
	col := &def.Columns[i]
	if col.Default != "" {
		return sqlerr.New(1781)
	}
	if err := b.checkDefault(c.Expr, col.Type); err != nil {
		return err
	}
	col.Default, col.DefaultID = c.Expr.String(), id
	col.DefaultName = ConstraintName(c.Name, "DF", def.Name, col.Name, id)
	return nil
}

// SetPrimaryKey gives def (a copy) the primary key c of ALTER TABLE ...
// ADD, checked as SQL Server checks it: 1779 for a second key,
// KeyColumns' errors, 8111 for a
// nullable column, 1902 for a second clustered index.
func SetPrimaryKey(def *catalog.TableDef, c *parser.PrimaryKey) error {
	if len(def.PK) > 0 {
		return sqlerr.New(1779, def.Name)
	}
	pk, err := KeyColumns(def, c.Columns)
	if err != nil {
		return err
	}
	for _, i := range pk {
		if def.Columns[i].Nullable {
			return sqlerr.New(8111, def.Name)
		}
	}
	if !c.Nonclustered && def.ClusteredName() != "" {
		return sqlerr.New(1902, def.Name, def.ClusteredName())
	}
	def.PK, def.PKNonclustered = pk, c.Nonclustered
	def.PKName = c.Name
	if def.PKName == "" {
		def.PKName = catalog.ConstraintName("PK", def.Name, "", catalog.PKObjectID(def.ID))
	}
	return nil
}

// CheckToggled checks the constraints [WITH CHECK | NOCHECK] { CHECK |
// NOCHECK } CONSTRAINT names enables or disables on def: 4917 for a name
// def has not, 11415 for one that is not a CHECK or FOREIGN KEY.
func CheckToggled(x *parser.AlterTableConstraint, def *catalog.TableDef) error {
	for _, n := range x.Names {
		found := false
		for _, own := range def.OwnNames() {
			found = found || strings.EqualFold(own, n)
		}
		if !found {
			return sqlerr.New(4917, n)
		}
		if !def.HasCheckOrForeignKey(n) {
			return sqlerr.New(11415, n) // a PRIMARY KEY, UNIQUE or DEFAULT (or the table)
		}
	}
	return nil
}
