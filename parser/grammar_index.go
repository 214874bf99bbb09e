package parser

import (
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// The grammar of CREATE INDEX and DROP INDEX (ast_index.go). Same
// conventions as grammar.go.

// indexMembers lists the index statement productions.
func indexMembers() []stmtNode {
	return []stmtNode{&createIndexStmt{}, &dropIndexStmt{}}
}

type createIndexStmt struct {
	Pos       lexer.Position
	Unique    bool           `parser:"'CREATE' @'UNIQUE'?"`
	Clustered bool           `parser:"( @'CLUSTERED' | 'NONCLUSTERED' )?"`
	Name      string         `parser:"'INDEX' @( Ident | QuotedIdent )"`
	Table     objectName     `parser:"'ON' @@"`
	Columns   []*keyCol      `parser:"'(' @@ ( ',' @@ )* ')'"`
	Include   []string       `parser:"( 'INCLUDE' '(' @( Ident | QuotedIdent ) ( ',' @( Ident | QuotedIdent ) )* ')' )?"`
	Where     Expr           `parser:"( 'WHERE' @@ )?"`
	Options   []*indexOption `parser:"( 'WITH' '(' @@ ( ',' @@ )* ')' )?"`
	FileGroup string         `parser:"( 'ON' @( Ident | QuotedIdent | 'PRIMARY' ) )?"`
}

type indexOption struct {
	Pos   lexer.Position
	Name  string `parser:"@( Ident | Keyword ) '='"`
	Value string `parser:"@( 'ON' | 'OFF' | Number | Ident )"`
}

type dropIndexStmt struct {
	Pos      lexer.Position
	IfExists bool            `parser:"'DROP' 'INDEX' ( @'IF' 'EXISTS' )?"`
	Indexes  []*dropIndexRef `parser:"@@ ( ',' @@ )*"`
}

// dropIndexRef is "name ON table" or "table.name".
type dropIndexRef struct {
	Name  objectName  `parser:"@@"`
	Table *objectName `parser:"( 'ON' @@ )?"`
}

func (s *createIndexStmt) build(string) (Statement, error) {
	ci := &CreateIndex{Pos: posOf(s.Pos), Unique: s.Unique, Clustered: s.Clustered, Name: unquote(s.Name),
		Table: ObjectName(s.Table), Where: s.Where, FileGroup: unquote(s.FileGroup)}
	for _, c := range s.Columns {
		ci.Columns = append(ci.Columns, unquote(c.Name))
		ci.Desc = append(ci.Desc, c.Desc)
	}
	ci.Include = unquoteAll(s.Include)
	for _, o := range s.Options {
		ci.Options = append(ci.Options, &IndexOption{Pos: posOf(o.Pos), Name: strings.ToUpper(o.Name), Value: strings.ToUpper(o.Value)})
	}
	return ci, nil
}

func (s *dropIndexStmt) build(string) (Statement, error) {
	di := &DropIndex{Pos: posOf(s.Pos), IfExists: s.IfExists}
	for _, r := range s.Indexes {
		name := ObjectName(r.Name)
		if r.Table != nil {
			if len(name.Parts) != 1 {
				return nil, &parseErr{number: 102, tok: lexer.Token{Pos: s.Pos, Value: "ON"}, args: []any{"ON"}}
			}
			di.Indexes = append(di.Indexes, IndexRef{Table: ObjectName(*r.Table), Name: name.Parts[0]})
			continue
		}
		if len(name.Parts) < 2 { // DROP INDEX ix without ON: SQL Server's 159
			return nil, &parseErr{number: 159, tok: lexer.Token{Pos: s.Pos}}
		}
		table := ObjectName{Pos: name.Pos, Parts: name.Parts[:len(name.Parts)-1]}
		if table.Parts[len(table.Parts)-1] == "" { // t..ix names no table
			return nil, &parseErr{number: 102, tok: lexer.Token{Pos: s.Pos, Value: "."}, args: []any{"."}}
		}
		di.Indexes = append(di.Indexes, IndexRef{Table: table, Name: name.Parts[len(name.Parts)-1]})
	}
	return di, nil
}
