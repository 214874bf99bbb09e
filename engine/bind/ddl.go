package bind

import (
	"slices"
	"strings"

	"mirrordb/engine/catalog"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// DDL binds here into catalog descriptors: what a CREATE TABLE, CREATE
// INDEX, CREATE TYPE or ALTER TABLE column change defines, checked for
// everything that needs no storage (names, types and sizes, DEFAULTs'
// and computed columns' types, index keys). The engine runs the
// statement: it numbers the objects, writes the descriptors in the
// statement's transaction, builds indexes and rewrites rows.

// maxColumns is SQL Server's limit on columns per table (1702).
const maxColumns = 1024

// DDLBinder binds DDL against the session's databases (Catalog) and the
// engine (DDL).
type DDLBinder[D comparable] struct {
	*Binder
	Cat Catalog[D]
	Eng DDL
}

// DDL is what binding DDL needs of the engine beyond Catalog.
type DDL interface {
	// CheckFilter checks a filtered index's WHERE against its table
	// (10735, 10609): the engine interprets filters on the rows it
	// indexes, and checks one by the same interpreter.
	CheckFilter(def *catalog.TableDef, index string, where parser.Expr) error
	// IndexFilter is a filtered index's WHERE, parsed from its stored
	// text (nil for an index without one).
	IndexFilter(ix *catalog.IndexDef) parser.Expr
}

// PendingConstraint is a constraint of a CREATE TABLE or an ALTER TABLE
// ... ADD, waiting for its table's id and the schema to resolve against.
type PendingConstraint struct {
	C      parser.TableConstraint
	Column string // a column-level constraint's column
}

// CreateTable binds a CREATE TABLE: its database d, the table's
// definition (without its id: tableDefinition) and its constraints
// besides the primary key (CreateTableConstraints). Tables live in dbo
// (2760 for another schema).
func (b DDLBinder[D]) CreateTable(x *parser.CreateTable) (d D, def *catalog.TableDef, pending []PendingConstraint, err error) {
	if d, err = DatabaseOf(b.Binder, b.Cat, x.Name); err != nil {
		return d, nil, nil, err
	}
	if s := x.Name.Schema(); s != "" && !strings.EqualFold(s, "dbo") {
		return d, nil, nil, b.ErrAt(x.Name, sqlerr.New(2760, s))
	}
	if def, err = b.tableDefinition(d, x); err != nil {
		return d, nil, nil, err
	}
	return d, def, CreateTableConstraints(x), nil
}

// tableDefinition validates a CREATE TABLE's columns and primary key and
// builds the definition (without its id) in database db, with SQL
// Server's errors for each mistake. ALTER TABLE ... ADD checks its
// columns with it.
func (b DDLBinder[D]) tableDefinition(db D, x *parser.CreateTable) (*catalog.TableDef, error) {
	def := &catalog.TableDef{Schema: "dbo", Name: x.Name.Object()}
	if len(x.Columns) > maxColumns {
		return nil, b.ErrAt(x, sqlerr.New(1702, x.Columns[maxColumns].Name, def.Name, maxColumns))
	}
	pkCols := []string(nil)
	pkName := ""
	pkNode := Positioned(x)
	for i, c := range x.Columns {
		if def.ColumnIndex(c.Name) >= 0 {
			return nil, b.ErrAt(c, sqlerr.New(2705, c.Name, def.Name))
		}
		if c.Computed != nil { // typed once every column is known (computedTypes)
			def.Columns = append(def.Columns, catalog.ColumnDef{Name: c.Name, Nullable: true, Computed: c.Computed.String(), Persisted: c.Persisted})
			continue
		}
		ct, err := b.columnType(db, c.Type, i+1)
		if err != nil {
			return nil, err
		}
		col := catalog.ColumnDef{Name: c.Name, DefaultName: c.DefaultName}
		ct.apply(&col, c.Nullable)
		t := ct.Type
		if c.Identity != nil {
			if def.IdentityColumn() >= 0 {
				return nil, b.ErrAt(c, sqlerr.New(2744, def.Name))
			}
			if !identityType(t) || (c.Nullable != nil && *c.Nullable) {
				return nil, b.ErrAt(c, sqlerr.New(2749, c.Name))
			}
			seed, ok1 := DecimalLiteral(orOne(c.Identity.Seed))
			inc, ok2 := DecimalLiteral(orOne(c.Identity.Increment))
			if !ok1 || !ok2 || inc == 0 {
				return nil, b.ErrAt(c.Identity, sqlerr.New(102, c.Identity.Seed))
			}
			col.Identity = &catalog.Identity{Seed: seed, Increment: inc}
			col.Nullable = false
		}
		if c.Default != nil {
			if err := b.checkDefault(c.Default, t); err != nil {
				return nil, err
			}
			col.Default = c.Default.String()
		}
		if c.PrimaryKey {
			if pkCols != nil {
				return nil, b.ErrAt(c, sqlerr.New(8110, def.Name))
			}
			pkCols, pkName, pkNode = []string{c.Name}, c.PrimaryKeyName, c
			def.PKNonclustered = c.PrimaryKeyNonclustered
		}
		def.Columns = append(def.Columns, col)
	}
	if err := b.computedTypes(x, def); err != nil {
		return nil, err
	}
	if x.PrimaryKey != nil {
		if pkCols != nil {
			return nil, b.ErrAt(x.PrimaryKey, sqlerr.New(8110, def.Name))
		}
		pkCols, pkName, pkNode = x.PrimaryKey.Columns, x.PrimaryKey.Name, x.PrimaryKey
		def.PKNonclustered = x.PrimaryKey.Nonclustered
	}
	// A key column declared NULL is 8111, placed at its declaration,
	// before the key's columns resolve.
	for _, n := range pkCols {
		for _, c := range x.Columns {
			if strings.EqualFold(c.Name, n) && c.Nullable != nil && *c.Nullable {
				return nil, b.ErrAt(c, sqlerr.New(8111, def.Name))
			}
		}
	}
	pk, err := KeyColumns(def, pkCols)
	if err != nil {
		return nil, b.ErrAt(pkNode, err)
	}
	for _, i := range pk {
		def.Columns[i].Nullable = false
	}
	def.PK, def.PKName = pk, pkName
	if err := checkRowversionColumns(def); err != nil {
		return nil, b.ErrAt(x, err)
	}
	return def, nil
}

// identityType reports whether a column of type t may be an IDENTITY
// column: an integer, or a decimal of scale 0 (2749 otherwise).
func identityType(t types.Type) bool {
	return t.Kind.IsInteger() || (t.Kind == types.Decimal && t.Scale == 0)
}

func orOne(s string) string {
	if s == "" {
		return "1"
	}
	return s
}

// checkRowversionColumns refuses a second rowversion column (2738).
func checkRowversionColumns(def *catalog.TableDef) error {
	seen := false
	for _, c := range def.Columns {
		if c.IsRowversion() {
			if seen {
				return sqlerr.New(2738, def.Name, c.Name)
			}
			seen = true
		}
	}
	return nil
}

// checkDefault verifies that a DEFAULT expression is a constant
// expression (128 for a column) convertible to the column's type.
func (b *Binder) checkDefault(d parser.Expr, t types.Type) error {
	var bad *parser.ColumnRef
	WalkExpr(d, func(e parser.Expr) bool {
		if c, ok := e.(*parser.ColumnRef); ok && bad == nil {
			bad = c
		}
		return bad == nil
	})
	if bad != nil {
		return b.ErrAt(bad, sqlerr.New(128, strings.Join(bad.Parts, ".")))
	}
	_, err := b.BindDefault(d, t)
	return err
}

// computedTypes gives each computed column of def the type of its
// expression in x (x.Columns and def.Columns in the same order): 1046 for
// a subquery, 1759 for a computed column naming another.
func (b *Binder) computedTypes(x *parser.CreateTable, def *catalog.TableDef) error {
	sc := TableScope("", def)
	for i, c := range x.Columns {
		if c.Computed == nil {
			continue
		}
		if hasSubquery(c.Computed) {
			return b.ErrAt(c, sqlerr.New(1046))
		}
		var other *parser.ColumnRef
		WalkExpr(c.Computed, func(n parser.Expr) bool {
			if r, ok := n.(*parser.ColumnRef); ok {
				if j := def.ColumnIndex(r.Parts[len(r.Parts)-1]); j >= 0 && def.Columns[j].Computed != "" {
					other = r
				}
			}
			return other == nil
		})
		if other != nil {
			return b.ErrAt(other, sqlerr.New(1759, strings.Join(other.Parts, "."), def.Name))
		}
		bound, err := b.BindExpr(c.Computed, sc, nil, types.TypeUnknown)
		if err != nil {
			return err
		}
		def.Columns[i].Type = bound.Type()
		if def.Columns[i].Type.Kind == types.Unknown {
			def.Columns[i].Type = types.TypeInt
		}
	}
	return nil
}

// hasSubquery says whether x holds a subquery (EXISTS, IN (SELECT ...)
// included), which computed columns and CHECK constraints may not (1046).
func hasSubquery(x parser.Expr) bool {
	found := false
	WalkExpr(x, func(n parser.Expr) bool {
		switch n.(type) {
		case *parser.Subquery, *parser.Exists:
			found = true
		case *parser.InList:
			found = found || n.(*parser.InList).Subquery != nil
		}
		return !found
	})
	return found
}

// CreateTableConstraints collects a CREATE TABLE's constraints besides
// its primary key: UNIQUE first (a foreign key of the same table may
// reference it), then CHECK, then FOREIGN KEY.
func CreateTableConstraints(x *parser.CreateTable) []PendingConstraint {
	var uniques, checks, fks []PendingConstraint
	add := func(c parser.TableConstraint, col string) {
		switch c.(type) {
		case *parser.UniqueConstraint:
			uniques = append(uniques, PendingConstraint{c, col})
		case *parser.CheckConstraint:
			checks = append(checks, PendingConstraint{c, col})
		default:
			fks = append(fks, PendingConstraint{c, col})
		}
	}
	for _, c := range x.Columns {
		if c.Unique != nil {
			add(c.Unique, c.Name)
		}
		for _, k := range c.Checks {
			add(k, c.Name)
		}
		if c.References != nil {
			add(c.References, c.Name)
		}
	}
	for _, c := range x.Constraints {
		add(c, "")
	}
	return append(append(uniques, checks...), fks...)
}

// declaredNames are the type names a column keeps beside its storage
// type: text, ntext and image are stored as their MAX types and
// timestamp as rowversion, but sys.columns and sys.types show what was
// declared.
var declaredNames = map[string]string{"TEXT": "text", "NTEXT": "ntext", "IMAGE": "image",
	"TIMESTAMP": "timestamp", "ROWVERSION": "timestamp"}

// DeclaredName is the name a column of the system type named name (any
// case) keeps beside its storage type ("" when it keeps none).
func DeclaredName(name string) string { return declaredNames[strings.ToUpper(name)] }

// DeclaredType is what a column's declared type resolves to (ColumnType).
type DeclaredType struct {
	Type types.Type
	// Name is the name sys.columns shows when it differs from Type's
	// (DeclaredName, or the alias type's name), else "".
	Name  string
	Alias *catalog.UserType // the alias type; nil for a system type
}

// apply gives col the type, and the nullability given (nil: none given),
// else the alias type's, else NULL. CREATE TABLE and ALTER COLUMN set a
// column's type so.
func (t DeclaredType) apply(col *catalog.ColumnDef, nullable *bool) {
	col.Type, col.TypeName, col.UserTypeID, col.Nullable = t.Type, t.Name, 0, true
	if t.Alias != nil {
		col.UserTypeID, col.Nullable = t.Alias.ID, t.Alias.Nullable
	}
	if nullable != nil {
		col.Nullable = *nullable
	}
}

// ColumnType resolves a column's declared type in database d: a system
// type, one with a declared name (DeclaredName), or an alias type
// (Catalog.UserType). Errors are 2715 (no such type) and 2716 (an alias
// type given a length).
func (b DDLBinder[D]) ColumnType(d D, tn parser.TypeName) (DeclaredType, error) {
	name := tn.Name
	if declaredNames[name] == "timestamp" {
		name = "ROWVERSION"
	}
	if tn.Schema == "" {
		t, err := types.FromName(name, tn.Args, tn.Max)
		if err == nil || !sqlerr.Is(err, 2715) {
			return DeclaredType{Type: t, Name: declaredNames[tn.Name]}, err
		}
	}
	ut, err := b.Cat.UserType(d, tn.Name)
	if err != nil {
		return DeclaredType{}, err
	}
	if ut == nil || (tn.Schema != "" && !strings.EqualFold(tn.Schema, ut.Schema)) {
		return DeclaredType{}, sqlerr.New(2715, 1, tn.Name)
	}
	if len(tn.Args) > 0 || tn.Max {
		return DeclaredType{}, sqlerr.New(2716, 1, ut.Name)
	}
	return DeclaredType{Type: ut.Base, Name: ut.Name, Alias: ut}, nil
}

// columnType is ColumnType for the ordinal-th column of a statement,
// placed at the type: 2715 and 2716 name the ordinal and the type as
// written.
func (b DDLBinder[D]) columnType(d D, tn parser.TypeName, ordinal int) (DeclaredType, error) {
	t, err := b.ColumnType(d, tn)
	if err != nil {
		if n := sqlerr.As(err).Number; n == 2715 || n == 2716 {
			err = sqlerr.New(n, ordinal, strings.ToLower(tn.Name))
		}
		return t, b.ErrAt(tn, err)
	}
	return t, nil
}

// ignoredIndexOptions are WITH options accepted and ignored: they tune
// SQL Server's pages, locks and parallelism, which mirrordb does not have.
var ignoredIndexOptions = map[string]bool{
	"PAD_INDEX": true, "FILLFACTOR": true, "SORT_IN_TEMPDB": true, "STATISTICS_NORECOMPUTE": true,
	"STATISTICS_INCREMENTAL": true, "ONLINE": true, "ALLOW_ROW_LOCKS": true, "ALLOW_PAGE_LOCKS": true,
	"MAXDOP": true, "DATA_COMPRESSION": true, "OPTIMIZE_FOR_SEQUENTIAL_KEY": true, "RESUMABLE": true,
	"MAX_DURATION": true, "XML_COMPRESSION": true, "IGNORE_DUP_KEY": true,
}

// IndexDefinition checks a CREATE INDEX against its table as bound, with
// SQL Server's errors, and returns the index (without its id) and whether
// WITH (DROP_EXISTING = ON) was given.
func (b DDLBinder[D]) IndexDefinition(x *parser.CreateIndex, def *catalog.TableDef) (catalog.IndexDef, bool, error) {
	ix := catalog.IndexDef{Name: x.Name, Unique: x.Unique, Clustered: x.Clustered, State: catalog.IndexBuilding}
	if x.Where != nil {
		if err := b.Eng.CheckFilter(def, x.Name, x.Where); err != nil {
			return ix, false, b.ErrAt(x.Where, sqlerr.As(err))
		}
		ix.Filter = x.Where.String()
	}
	dropExisting := false
	for _, o := range x.Options {
		switch {
		case o.Name == "DROP_EXISTING":
			dropExisting = o.Value == "ON"
		case o.Name == "IGNORE_DUP_KEY" && o.Value == "ON":
			return ix, false, b.ErrAt(o, sqlerr.New(40517, "IGNORE_DUP_KEY = ON"))
		case !ignoredIndexOptions[o.Name]:
			return ix, false, b.ErrAt(o, sqlerr.New(155, o.Name, "CREATE INDEX"))
		}
	}
	if len(x.Columns) > catalog.MaxIndexKeyColumns {
		return ix, false, b.ErrAt(x, sqlerr.New(1904, x.Name, def.Name, len(x.Columns), catalog.MaxIndexKeyColumns))
	}
	keys, err := KeyColumns(def, x.Columns)
	if err != nil {
		return ix, false, b.ErrAt(x, err)
	}
	all, err := appendColumns(def, slices.Clone(keys), x.Include, false)
	if err != nil {
		return ix, false, b.ErrAt(x, err)
	}
	ix.Columns, ix.Desc = keys, append([]bool(nil), x.Desc[:len(keys)]...)
	if len(x.Include) > 0 {
		ix.Include = all[len(keys):]
	}
	return ix, dropExisting, nil
}

// KeyColumns resolves the columns of a PRIMARY KEY or UNIQUE constraint:
// 1911 for a column that is not there, 1909 for one named twice, 1919 for
// a type an index key cannot hold (the MAX types, text, ntext, image).
func KeyColumns(def *catalog.TableDef, names []string) ([]int, error) {
	return appendColumns(def, nil, names, true)
}

// appendColumns resolves names, columns of def, onto cols: 1911 for a
// column that is not there, 1909 for one already in cols, and for key
// columns 1919 for a type an index key cannot hold. An index's INCLUDE
// list resolves so after its key.
func appendColumns(def *catalog.TableDef, cols []int, names []string, key bool) ([]int, error) {
	for _, n := range names {
		i := def.ColumnIndex(n)
		if i < 0 {
			return nil, sqlerr.New(1911, n)
		}
		if slices.Contains(cols, i) {
			return nil, sqlerr.New(1909, def.Columns[i].Name)
		}
		if key && def.Columns[i].Type.Length == types.MaxLength {
			return nil, sqlerr.New(1919, def.Columns[i].Name, def.Name)
		}
		cols = append(cols, i)
	}
	return cols, nil
}

// CreateType binds CREATE TYPE name FROM base [NULL | NOT NULL] (and
// sp_addtype): its database d and the alias type (without its id). Types
// live in dbo (2760); the base is a system type (2715; timestamp is
// not one here), and the name is not a system type's (219).
func (b DDLBinder[D]) CreateType(x *parser.CreateType) (d D, ut *catalog.UserType, err error) {
	if d, err = DatabaseOf(b.Binder, b.Cat, x.Name); err != nil {
		return d, nil, err
	}
	schema := x.Name.Schema()
	if schema == "" {
		schema = "dbo"
	}
	if !strings.EqualFold(schema, "dbo") {
		return d, nil, b.ErrAt(x.Name, sqlerr.New(2760, schema))
	}
	if x.Base.Schema != "" {
		return d, nil, b.ErrAt(x.Base, sqlerr.New(2715, 1, x.Base.Schema+"."+x.Base.Name))
	}
	base, err := types.FromName(x.Base.Name, x.Base.Args, x.Base.Max)
	if err != nil || DeclaredName(x.Base.Name) == "timestamp" {
		if err == nil {
			err = sqlerr.New(2715, 1, strings.ToLower(x.Base.Name))
		}
		return d, nil, b.ErrAt(x.Base, err)
	}
	name := x.Name.Object()
	if _, sysErr := types.FromName(name, nil, false); !sqlerr.Is(sysErr, 2715) || DeclaredName(name) != "" {
		return d, nil, b.ErrAt(x.Name, sqlerr.New(219, name)) // a system type's name
	}
	return d, &catalog.UserType{Schema: "dbo", Name: name, Base: base, Nullable: x.Nullable == nil || *x.Nullable}, nil
}

// DropTables binds DROP TABLE's names to their database d: every name in
// one database (40517 across databases), which must exist (911).
func (b DDLBinder[D]) DropTables(x *parser.DropTable) (d D, err error) {
	if len(x.Names) == 0 {
		return d, b.ErrAt(x, sqlerr.New(102, "TABLE"))
	}
	if d, err = DatabaseOf(b.Binder, b.Cat, x.Names[0]); err != nil {
		return d, err
	}
	for _, n := range x.Names[1:] {
		if other, err := DatabaseOf(b.Binder, b.Cat, n); err != nil {
			return d, err
		} else if other != d {
			return d, b.ErrAt(n, sqlerr.New(40517, "DROP TABLE across databases"))
		}
	}
	return d, nil
}

// AlterTarget resolves the table an ALTER TABLE changes (LookupTable),
// 4902 when there is none.
func (b DDLBinder[D]) AlterTarget(n parser.ObjectName) (D, *catalog.TableDef, error) {
	d, def, err := LookupTable(b.Binder, b.Cat, n)
	if sqlerr.Is(err, 208) {
		err = b.ErrAt(n, sqlerr.New(4902, strings.Join(n.Parts, ".")))
	}
	return d, def, err
}
