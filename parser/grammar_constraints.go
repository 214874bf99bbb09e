package parser

import (
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// The grammar of constraints (ast_constraints.go): the column- and
// table-level FOREIGN KEY, CHECK and UNIQUE of CREATE TABLE, and the
// constraint forms of ALTER TABLE, kept in a production of their own so
// that ALTER TABLE's column forms live beside them as other alternatives.
// Same conventions as grammar.go.

// constraintMembers lists the constraint statement productions.
func constraintMembers() []stmtNode {
	return []stmtNode{&alterConstraintStmt{}}
}

// fkReference is REFERENCES table [(cols)] [ON DELETE action] [ON UPDATE action].
type fkReference struct {
	Pos     lexer.Position
	Table   objectName  `parser:"'REFERENCES' @@"`
	Columns []string    `parser:"( '(' @( Ident | QuotedIdent ) ( ',' @( Ident | QuotedIdent ) )* ')' )?"`
	Actions []*fkAction `parser:"@@*"`
}

// fkAction is ON { DELETE | UPDATE } { NO ACTION | CASCADE | SET NULL | SET DEFAULT }.
type fkAction struct {
	On     string   `parser:"'ON' @( 'DELETE' | 'UPDATE' )"`
	Action []string `parser:"@( 'NO' 'ACTION' | 'CASCADE' | 'SET' 'NULL' | 'SET' 'DEFAULT' )"`
}

// uniqueHead is UNIQUE [CLUSTERED | NONCLUSTERED].
type uniqueHead struct {
	Pos       lexer.Position
	Unique    bool `parser:"@'UNIQUE'"`
	Clustered bool `parser:"( @'CLUSTERED' | 'NONCLUSTERED' )?"`
}

// tableConstraintElem is a table-level FOREIGN KEY, CHECK or UNIQUE, or
// ALTER TABLE's DEFAULT ... FOR col.
type tableConstraintElem struct {
	Pos     lexer.Position
	Name    string       `parser:"( 'CONSTRAINT' @( Ident | QuotedIdent ) )?"`
	FKCols  []string     `parser:"(  'FOREIGN' 'KEY' '(' @( Ident | QuotedIdent ) ( ',' @( Ident | QuotedIdent ) )* ')'"`
	Ref     *fkReference `parser:"   @@"`
	Check   Expr         `parser:" | 'CHECK' ( 'NOT' 'FOR' 'REPLICATION' )? '(' @@ ')'"`
	Unique  *uniqueHead  `parser:" | @@"`
	UCols   []*keyCol    `parser:"   '(' @@ ( ',' @@ )* ')'"`
	Default Expr         `parser:" | 'DEFAULT' @@"`
	For     string       `parser:"   'FOR' @( Ident | QuotedIdent ) )"`
}

// alterConstraintStmt is ALTER TABLE's ADD constraint, DROP CONSTRAINT and
// [WITH CHECK | NOCHECK] { CHECK | NOCHECK } CONSTRAINT.
type alterConstraintStmt struct {
	Pos       lexer.Position
	Table     objectName      `parser:"'ALTER' 'TABLE' @@"`
	With      string          `parser:"( 'WITH' @( 'CHECK' | 'NOCHECK' ) )?"`
	Add       []*alterAddItem `parser:"(  'ADD' @@ ( ',' @@ )*"`
	Drop      bool            `parser:" | @'DROP' 'CONSTRAINT'?"` // CONSTRAINT may be left out, as in SQL Server
	IfExists  bool            `parser:"   ( @'IF' 'EXISTS' )?"`
	DropNames []string        `parser:"   @( Ident | QuotedIdent ) ( ',' ( 'CONSTRAINT' )? @( Ident | QuotedIdent ) )*"`
	Toggle    string          `parser:" | @( 'CHECK' | 'NOCHECK' ) 'CONSTRAINT'"`
	All       bool            `parser:"   ( @'ALL'"`
	Names     []string        `parser:"   | @( Ident | QuotedIdent ) ( ',' @( Ident | QuotedIdent ) )* ) )"`
}

// alterAddItem is one constraint of ALTER TABLE ... ADD.
type alterAddItem struct {
	PK   *tablePK             `parser:"  @@"`
	Cons *tableConstraintElem `parser:"| @@"`
}

func (r *fkReference) build(name string, cols []string) *ForeignKey {
	fk := &ForeignKey{Pos: posOf(r.Pos), Name: name, Columns: cols, RefTable: ObjectName(r.Table),
		RefColumns: unquoteAll(r.Columns), OnDelete: "NO ACTION", OnUpdate: "NO ACTION"}
	for _, a := range r.Actions {
		act := strings.ToUpper(strings.Join(a.Action, " "))
		if a.On == "DELETE" {
			fk.OnDelete = act
		} else {
			fk.OnUpdate = act
		}
	}
	return fk
}

func (u *uniqueHead) build(name string, cols []*keyCol) *UniqueConstraint {
	uc := &UniqueConstraint{Pos: posOf(u.Pos), Name: name, Clustered: u.Clustered}
	for _, c := range cols {
		uc.Columns = append(uc.Columns, unquote(c.Name))
		uc.Desc = append(uc.Desc, c.Desc)
	}
	return uc
}

func (e *tableConstraintElem) build() TableConstraint {
	name := unquote(e.Name)
	switch {
	case e.Ref != nil:
		return e.Ref.build(name, unquoteAll(e.FKCols))
	case e.Check != nil:
		return &CheckConstraint{Pos: posOf(e.Pos), Name: name, Expr: e.Check}
	case e.Unique != nil:
		return e.Unique.build(name, e.UCols)
	}
	return &DefaultConstraint{Pos: posOf(e.Pos), Name: name, Expr: e.Default, Column: unquote(e.For)}
}

func (p *tablePK) build() *PrimaryKey {
	pk := &PrimaryKey{Pos: posOf(p.Pos), Name: unquote(p.Name), Nonclustered: p.Nonclustered, Storage: storageText(p.Storage)}
	pk.Columns = make([]string, len(p.Columns))
	pk.Desc = make([]bool, len(p.Columns))
	for i, c := range p.Columns {
		pk.Columns[i], pk.Desc[i] = unquote(c.Name), c.Desc
	}
	return pk
}

// addColumnConstraint records a column-level REFERENCES, CHECK or UNIQUE.
func (k *colConstraint) addColumnConstraint(col *ColumnDef) {
	name := unquote(k.Name)
	switch {
	case k.Ref != nil:
		col.References = k.Ref.build(name, nil)
	case k.Check != nil:
		col.Checks = append(col.Checks, &CheckConstraint{Pos: posOf(k.Pos), Name: name, Expr: k.Check})
	case k.Unique != nil:
		col.Unique = k.Unique.build(name, nil)
	}
}

func (s *alterConstraintStmt) build(string) (Statement, error) {
	at := &AlterTableConstraint{Pos: posOf(s.Pos), Table: ObjectName(s.Table), With: s.With, IfExists: s.IfExists, All: s.All}
	switch {
	case s.Drop:
		at.Action, at.Names = "DROP", unquoteAll(s.DropNames)
	case s.Toggle != "":
		at.Action, at.Names = s.Toggle, unquoteAll(s.Names)
	default:
		at.Action = "ADD"
		for _, a := range s.Add {
			if a.PK != nil {
				at.Add = append(at.Add, a.PK.build())
				continue
			}
			at.Add = append(at.Add, a.Cons.build())
		}
	}
	return at, nil
}

// ---------------------------------------------------------------------------
// Canonical text

func (c *ForeignKey) String() string { return nodeString(c) }
func (c *ForeignKey) format(b *strings.Builder) {
	writeConstraintName(b, c.Name)
	if len(c.Columns) > 0 {
		b.WriteString("FOREIGN KEY ")
		writeIdentList(b, c.Columns)
		b.WriteByte(' ')
	}
	b.WriteString("REFERENCES ")
	c.RefTable.format(b)
	if len(c.RefColumns) > 0 {
		b.WriteByte(' ')
		writeIdentList(b, c.RefColumns)
	}
	if c.OnDelete != "NO ACTION" {
		b.WriteString(" ON DELETE " + c.OnDelete)
	}
	if c.OnUpdate != "NO ACTION" {
		b.WriteString(" ON UPDATE " + c.OnUpdate)
	}
}

func (c *CheckConstraint) String() string { return nodeString(c) }
func (c *CheckConstraint) format(b *strings.Builder) {
	writeConstraintName(b, c.Name)
	b.WriteString("CHECK (")
	writeExpr(b, c.Expr)
	b.WriteByte(')')
}

func (c *UniqueConstraint) String() string { return nodeString(c) }
func (c *UniqueConstraint) format(b *strings.Builder) {
	writeConstraintName(b, c.Name)
	b.WriteString("UNIQUE")
	if c.Clustered {
		b.WriteString(" CLUSTERED")
	}
	if len(c.Columns) > 0 {
		b.WriteByte(' ')
		writeKeyColumns(b, c.Columns, c.Desc)
	}
}

func (c *DefaultConstraint) String() string { return nodeString(c) }
func (c *DefaultConstraint) format(b *strings.Builder) {
	writeConstraintName(b, c.Name)
	b.WriteString("DEFAULT ")
	writeExpr(b, c.Expr)
	b.WriteString(" FOR ")
	writeIdent(b, c.Column)
}

func (s *AlterTableConstraint) String() string { return nodeString(s) }
func (s *AlterTableConstraint) format(b *strings.Builder) {
	b.WriteString("ALTER TABLE ")
	s.Table.format(b)
	if s.With != "" {
		b.WriteString(" WITH " + s.With)
	}
	switch s.Action {
	case "ADD":
		b.WriteString(" ADD ")
		for i, c := range s.Add {
			if i > 0 {
				b.WriteString(", ")
			}
			c.(formatter).format(b)
		}
		return
	case "DROP":
		b.WriteString(" DROP CONSTRAINT ")
		if s.IfExists {
			b.WriteString("IF EXISTS ")
		}
	default:
		b.WriteString(" " + s.Action + " CONSTRAINT ")
		if s.All {
			b.WriteString("ALL")
			return
		}
	}
	writeNames(b, s.Names)
}

// formatColumnConstraints writes a column's REFERENCES, CHECKs and UNIQUE.
func (c *ColumnDef) formatColumnConstraints(b *strings.Builder) {
	if c.Unique != nil {
		b.WriteByte(' ')
		c.Unique.format(b)
	}
	for _, k := range c.Checks {
		b.WriteByte(' ')
		k.format(b)
	}
	if c.References != nil {
		b.WriteByte(' ')
		c.References.format(b)
	}
}

func writeConstraintName(b *strings.Builder, name string) {
	if name != "" {
		b.WriteString("CONSTRAINT ")
		writeIdent(b, name)
		b.WriteByte(' ')
	}
}

// writeIdentList writes "(a, b)".
func writeIdentList(b *strings.Builder, names []string) {
	b.WriteByte('(')
	writeNames(b, names)
	b.WriteByte(')')
}

// writeKeyColumns writes a key's "(a, b DESC)".
func writeKeyColumns(b *strings.Builder, cols []string, desc []bool) {
	b.WriteByte('(')
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		writeIdent(b, c)
		if i < len(desc) && desc[i] {
			b.WriteString(" DESC")
		}
	}
	b.WriteByte(')')
}
