package parser

import (
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// typeMembers lists the data type statement productions.
func typeMembers() []stmtNode {
	return []stmtNode{&createTypeStmt{}, &dropTypeStmt{}}
}

type createTypeStmt struct {
	Pos     lexer.Position
	Name    objectName `parser:"'CREATE' 'TYPE' @@"`
	Base    typeName   `parser:"'FROM' @@"`
	Null    bool       `parser:"( @'NULL'"`
	NotNull bool       `parser:"| @'NOT' 'NULL' )?"`
}

type dropTypeStmt struct {
	Pos      lexer.Position
	IfExists bool       `parser:"'DROP' 'TYPE' ( @'IF' 'EXISTS' )?"`
	Name     objectName `parser:"@@"`
}

func (s *createTypeStmt) build(string) (Statement, error) {
	ct := &CreateType{Pos: posOf(s.Pos), Name: ObjectName(s.Name), Base: TypeName(s.Base)}
	if s.Null || s.NotNull {
		nullable := s.Null
		ct.Nullable = &nullable
	}
	return ct, nil
}

func (s *dropTypeStmt) build(string) (Statement, error) {
	return &DropType{Pos: posOf(s.Pos), IfExists: s.IfExists, Name: ObjectName(s.Name)}, nil
}

// The storage clauses CREATE TABLE accepts after its column list, which
// place data on filegroups and pages and mean nothing to mirrordb:
// ON filegroup | ON scheme(column), TEXTIMAGE_ON filegroup,
// FILESTREAM_ON filegroup, WITH (DATA_COMPRESSION = PAGE, ...).
type tableStorage struct {
	On        string         `parser:"  'ON' @( Ident | QuotedIdent | 'PRIMARY' | 'DEFAULT' )"`
	OnColumn  string         `parser:"    ( '(' @( Ident | QuotedIdent ) ')' )?"`
	TextImage []string       `parser:"| @( 'TEXTIMAGE_ON' | 'FILESTREAM_ON' ) @( Ident | QuotedIdent | 'PRIMARY' | 'DEFAULT' )"`
	With      []*indexOption `parser:"| 'WITH' '(' @@ ( ',' @@ )* ')'"`
}

// storageText renders storage clauses in canonical form (upper-case
// option names and values, identifiers as written).
func storageText(clauses []*tableStorage) string {
	var parts []string
	for _, c := range clauses {
		switch {
		case c.On != "":
			s := "ON " + c.On
			if c.OnColumn != "" {
				s += " (" + c.OnColumn + ")"
			}
			parts = append(parts, s)
		case len(c.TextImage) == 2:
			parts = append(parts, strings.ToUpper(c.TextImage[0])+" "+c.TextImage[1])
		default:
			opts := make([]string, len(c.With))
			for i, o := range c.With {
				opts[i] = strings.ToUpper(o.Name) + " = " + strings.ToUpper(o.Value)
			}
			parts = append(parts, "WITH ("+strings.Join(opts, ", ")+")")
		}
	}
	return strings.Join(parts, " ")
}

// identityInsert is SET IDENTITY_INSERT table ON | OFF.
type identityInsert struct {
	Table objectName `parser:"@@"`
	Value *setValue  `parser:"@@"`
}
