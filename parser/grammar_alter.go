package parser

import "github.com/alecthomas/participle/v2/lexer"

// The grammar of ALTER TABLE's column forms (ast_alter.go). Same
// conventions as grammar.go.

// alterMembers lists the ALTER TABLE column productions.
func alterMembers() []stmtNode {
	return []stmtNode{&alterTableStmt{}}
}

type alterTableStmt struct {
	Pos   lexer.Position
	Table objectName         `parser:"'ALTER' 'TABLE' @@"`
	Add   []*addColumnClause `parser:"(  'ADD' @@ ( ',' @@ )*"`
	Drop  *dropColumnClause  `parser:" | 'DROP' 'COLUMN' @@"`
	Alter *alterColumnClause `parser:" | 'ALTER' 'COLUMN' @@ )"`
}

type dropColumnClause struct {
	IfExists bool     `parser:"( @'IF' 'EXISTS' )?"`
	Names    []string `parser:"@( Ident | QuotedIdent ) ( ',' 'COLUMN'? @( Ident | QuotedIdent ) )*"`
}

type addColumnClause struct {
	Column     *columnDef `parser:"@@"`
	WithValues bool       `parser:"( @'WITH' 'VALUES' )?"`
}

type alterColumnClause struct {
	Pos     lexer.Position
	Name    string   `parser:"@( Ident | QuotedIdent )"`
	Type    typeName `parser:"@@"`
	Collate string   `parser:"( 'COLLATE' @( Ident | QuotedIdent ) )?"`
	Null    bool     `parser:"(  @'NULL'"`
	NotNull bool     `parser:" | @'NOT' 'NULL' )?"`
}

func (s *alterTableStmt) build(string) (Statement, error) {
	at := &AlterTable{Pos: posOf(s.Pos), Table: ObjectName(s.Table)}
	switch {
	case s.Alter != nil:
		a := s.Alter
		ac := &AlterColumn{Pos: posOf(a.Pos), Name: unquote(a.Name), Type: TypeName(a.Type), Collation: unquote(a.Collate)}
		if a.Null || a.NotNull {
			nullable := a.Null
			ac.Nullable = &nullable
		}
		at.Alter = ac
	case s.Drop != nil:
		at.IfExists, at.Drop = s.Drop.IfExists, unquoteAll(s.Drop.Names)
	default:
		for _, c := range s.Add {
			at.Add = append(at.Add, &AddColumn{ColumnDef: c.Column.build(), WithValues: c.WithValues})
		}
	}
	return at, nil
}
