package parser

import (
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// The grammar of COPY and BULK INSERT (ast_copy.go). COPY's option list is
// hand-written (copyOptions): PostgreSQL has two forms of it, the
// parenthesised one (WITH (FORMAT csv, HEADER)) and the old keyword one
// that psql and drivers still send (WITH CSV HEADER, DELIMITER AS ','),
// and an option's value may be a string, a word, a number, * or a column
// list. The parser takes any option name; the engine says which it knows.

// copyMembers lists the bulk-load statement productions.
func copyMembers() []stmtNode {
	return []stmtNode{&copyStmt{}, &bulkInsertStmt{}}
}

type copyStmt struct {
	Pos     lexer.Position
	Query   *selectStmt `parser:"'COPY' ( '(' @@ ')'"`
	Table   objectName  `parser:"       | @@"`
	Columns *columnList `parser:"         @@? )"`
	Dir     string      `parser:"@( 'FROM' | 'TO' )"`
	Std     lexer.Token `parser:"( @( 'STDIN' | 'STDOUT' )"`
	Program bool        `parser:"  | @'PROGRAM'?"`
	File    string      `parser:"    @( String | NString ) )"`
	Options copyOptions `parser:"@@"`
}

type bulkInsertStmt struct {
	Pos     lexer.Position
	Table   objectName `parser:"'BULK' 'INSERT' @@"`
	File    string     `parser:"'FROM' @( String | NString )"`
	Options []*bulkOpt `parser:"( 'WITH' '(' @@ ( ',' @@ )* ')' )?"`
}

type bulkOpt struct {
	Pos    lexer.Position
	Name   string `parser:"@( Ident | Keyword )"`
	HasArg bool   `parser:"( @'='"`
	Value  string `parser:"  @( String | NString | Number | Ident | Keyword ) )?"`
}

// copyOptions is COPY's option list in either form, possibly empty.
type copyOptions struct {
	List []*CopyOption
}

// oldCopyWords are the words that open an old-style COPY option.
var oldCopyWords = map[string]bool{
	"BINARY": true, "FREEZE": true, "DELIMITER": true, "NULL": true, "CSV": true, "HEADER": true,
	"QUOTE": true, "ESCAPE": true, "FORCE": true, "ENCODING": true, "OIDS": true,
}

func (c *copyOptions) Parse(lex *lexer.PeekingLexer) error {
	if t := lex.Peek(); isKeyword(t, "WITH") {
		lex.Next()
		if !isPunct(lex.Peek(), "(") && !oldCopyWords[strings.ToUpper(lex.Peek().Value)] {
			return errAt(lex.Peek())
		}
	}
	if isPunct(lex.Peek(), "(") {
		lex.Next()
		for {
			o, err := parseCopyOption(lex)
			if err != nil {
				return err
			}
			c.List = append(c.List, o)
			t := lex.Next()
			if isPunct(t, ")") {
				return nil
			}
			if !isPunct(t, ",") {
				return errAt(t)
			}
		}
	}
	for {
		t := lex.Peek()
		if (t.Type != tokIdent && t.Type != tokKeyword) || !oldCopyWords[strings.ToUpper(t.Value)] {
			return nil
		}
		o, err := parseOldCopyOption(lex)
		if err != nil {
			return err
		}
		c.List = append(c.List, o)
	}
}

// parseCopyOption reads name [value | * | (columns)].
func parseCopyOption(lex *lexer.PeekingLexer) (*CopyOption, error) {
	t := lex.Next()
	if t.Type != tokIdent && t.Type != tokKeyword {
		return nil, errAt(t)
	}
	o := &CopyOption{Pos: posOf(t.Pos), Name: upperWord(t.Value)}
	switch v := lex.Peek(); {
	case isPunct(v, "*"):
		lex.Next()
		o.Star = true
	case isPunct(v, "("):
		var cols columnList
		if err := cols.Parse(lex); err != nil {
			return nil, err
		}
		o.Columns = cols.Names
	case v.Type == tokString || v.Type == tokNString:
		lex.Next()
		o.Value, o.Quoted, o.HasArg = unquote(v.Value), true, true
	case v.Type == tokIdent || v.Type == tokKeyword || v.Type == tokNumber:
		lex.Next()
		o.Value, o.HasArg = v.Value, true
	case isPunct(v, "-") && peek2(lex).Type == tokNumber:
		lex.Next()
		o.Value, o.HasArg = "-"+lex.Next().Value, true
	}
	return o, nil
}

// parseOldCopyOption reads one option of the keyword form and returns it
// under its new-style name.
func parseOldCopyOption(lex *lexer.PeekingLexer) (*CopyOption, error) {
	t := lex.Next()
	o := &CopyOption{Pos: posOf(t.Pos)}
	word := strings.ToUpper(t.Value)
	str := func() error {
		if isKeyword(lex.Peek(), "AS") {
			lex.Next()
		}
		v := lex.Next()
		if v.Type != tokString && v.Type != tokNString {
			return errAt(v)
		}
		o.Value, o.Quoted, o.HasArg = unquote(v.Value), true, true
		return nil
	}
	switch word {
	case "BINARY", "CSV":
		o.Name, o.Value, o.HasArg = "FORMAT", strings.ToLower(word), true
		return o, nil
	case "FREEZE", "HEADER", "OIDS":
		o.Name = word
		return o, nil
	case "DELIMITER", "NULL", "QUOTE", "ESCAPE", "ENCODING":
		o.Name = word
		return o, str()
	}
	// FORCE QUOTE { * | columns }, FORCE NOT NULL columns, FORCE NULL columns
	switch n := lex.Next(); {
	case isWord(n, "QUOTE"):
		o.Name = "FORCE_QUOTE"
		if isPunct(lex.Peek(), "*") {
			lex.Next()
			o.Star = true
			return o, nil
		}
	case isKeyword(n, "NOT") && isKeyword(lex.Peek(), "NULL"):
		lex.Next()
		o.Name = "FORCE_NOT_NULL"
	case isKeyword(n, "NULL"):
		o.Name = "FORCE_NULL"
	default:
		return nil, errAt(n)
	}
	cols, err := bareColumns(lex)
	o.Columns = cols
	return o, err
}

// bareColumns reads a, b, c (the old form lists columns without
// parentheses).
func bareColumns(lex *lexer.PeekingLexer) ([]string, error) {
	var out []string
	for {
		t := lex.Next()
		if !isName(t) {
			return nil, errAt(t)
		}
		out = append(out, unquote(t.Value))
		if !isPunct(lex.Peek(), ",") {
			return out, nil
		}
		lex.Next()
	}
}

var _ participle.Parseable = (*copyOptions)(nil)

func (s *copyStmt) build(string) (Statement, error) {
	c := &Copy{Pos: posOf(s.Pos), From: strings.EqualFold(s.Dir, "FROM"), Program: s.Program, Options: s.Options.List}
	if s.Query != nil {
		q, err := s.Query.buildSelect()
		if err != nil {
			return nil, err
		}
		c.Query = q
	} else {
		n := ObjectName(s.Table)
		c.Table = &n
		if s.Columns != nil {
			c.Columns = s.Columns.Names
		}
	}
	if s.Std.Value == "" {
		c.File = unquote(s.File)
	} else if strings.EqualFold(s.Std.Value, "STDIN") != c.From { // COPY t FROM STDOUT, COPY t TO STDIN
		return nil, errAt(&s.Std)
	}
	return c, nil
}

func (s *bulkInsertStmt) build(string) (Statement, error) {
	b := &BulkInsert{Pos: posOf(s.Pos), Table: ObjectName(s.Table), File: unquote(s.File)}
	for _, o := range s.Options {
		v := o.Value
		quoted := len(v) > 0 && (v[0] == '\'' || (len(v) > 1 && (v[0] == 'N' || v[0] == 'n') && v[1] == '\''))
		if quoted {
			v = unquote(v)
		}
		b.Options = append(b.Options, &BulkOption{Pos: posOf(o.Pos), Name: upperWord(o.Name), Value: v, Quoted: quoted, HasArg: o.HasArg})
	}
	return b, nil
}
