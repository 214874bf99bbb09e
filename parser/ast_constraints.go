package parser

// Constraints of a table (grammar_constraints.go): FOREIGN KEY, CHECK,
// UNIQUE and DEFAULT, written inside CREATE TABLE (at column or table
// level) or added, dropped, enabled and disabled by ALTER TABLE. PRIMARY
// KEY keeps its own node (ast.go) and is a TableConstraint too.

// TableConstraint is one table-level constraint of CREATE TABLE or of
// ALTER TABLE ... ADD.
type TableConstraint interface {
	Node
	// ConstraintName is the name after CONSTRAINT, "" when none was given.
	ConstraintName() string
}

// ForeignKey is [CONSTRAINT name] [FOREIGN KEY (cols)] REFERENCES table
// [(cols)] [ON DELETE action] [ON UPDATE action]. At column level Columns
// is empty: the column is the key.
type ForeignKey struct {
	Pos
	Name       string
	Columns    []string
	RefTable   ObjectName
	RefColumns []string // empty: the referenced table's primary key
	// OnDelete and OnUpdate are "NO ACTION" (also when absent), "CASCADE",
	// "SET NULL" or "SET DEFAULT".
	OnDelete string
	OnUpdate string
}

// CheckConstraint is [CONSTRAINT name] CHECK [NOT FOR REPLICATION] (expr).
type CheckConstraint struct {
	Pos
	Name string
	Expr Expr
}

// UniqueConstraint is [CONSTRAINT name] UNIQUE [CLUSTERED | NONCLUSTERED]
// (col [ASC | DESC], ...); at column level Columns is empty.
type UniqueConstraint struct {
	Pos
	Name      string
	Clustered bool
	Columns   []string
	Desc      []bool
}

// DefaultConstraint is ALTER TABLE's [CONSTRAINT name] DEFAULT expr FOR col.
type DefaultConstraint struct {
	Pos
	Name   string
	Expr   Expr
	Column string
}

// AlterTableConstraint is the constraint forms of ALTER TABLE:
//
//	ALTER TABLE t [WITH CHECK | WITH NOCHECK] ADD constraint [, ...]
//	ALTER TABLE t DROP CONSTRAINT [IF EXISTS] name [, ...]
//	ALTER TABLE t [WITH CHECK | WITH NOCHECK] { CHECK | NOCHECK } CONSTRAINT { ALL | name [, ...] }
type AlterTableConstraint struct {
	Pos
	Table ObjectName
	// With is "CHECK" or "NOCHECK" when WITH was written, else "".
	With string
	// Action is "ADD", "DROP", "CHECK" or "NOCHECK".
	Action string
	Add    []TableConstraint
	// Names are the constraints of DROP, CHECK and NOCHECK; All is CHECK
	// / NOCHECK CONSTRAINT ALL.
	Names    []string
	All      bool
	IfExists bool
}

func (c *ForeignKey) ConstraintName() string        { return c.Name }
func (c *CheckConstraint) ConstraintName() string   { return c.Name }
func (c *UniqueConstraint) ConstraintName() string  { return c.Name }
func (c *DefaultConstraint) ConstraintName() string { return c.Name }
func (c *PrimaryKey) ConstraintName() string        { return c.Name }

func (*AlterTableConstraint) statementNode() {}
