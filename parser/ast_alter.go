package parser

// AlterTable is the column forms of ALTER TABLE (grammar_alter.go):
//
//	ALTER TABLE t ADD col type [NULL | NOT NULL] [DEFAULT expr [WITH VALUES]] [, ...]
//	ALTER TABLE t DROP COLUMN [IF EXISTS] col [, ...]
//	ALTER TABLE t ALTER COLUMN col type [NULL | NOT NULL]
//
// Exactly one of Add, Drop and Alter is set. The constraint forms (ADD
// CONSTRAINT, DROP CONSTRAINT, [NO]CHECK) are AlterTableConstraint.
type AlterTable struct {
	Pos
	Table ObjectName
	Add   []*AddColumn
	// Drop lists DROP COLUMN's columns; IfExists is its IF EXISTS.
	Drop     []string
	IfExists bool
	Alter    *AlterColumn
}

// AddColumn is one column of ALTER TABLE ... ADD; WithValues is DEFAULT's
// WITH VALUES (fill existing rows with the default even when nullable).
type AddColumn struct {
	*ColumnDef
	WithValues bool
}

// AlterColumn is ALTER COLUMN name type [NULL | NOT NULL]; Nullable is nil
// when neither was written (SQL Server then makes the column nullable).
type AlterColumn struct {
	Pos
	Name      string
	Type      TypeName
	Nullable  *bool
	Collation string
}

func (*AlterTable) statementNode() {}
