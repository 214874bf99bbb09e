package parser

import (
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// T-SQL's variables and control flow: DECLARE, SET @v, IF ... ELSE,
// WHILE, BEGIN ... END, BREAK, CONTINUE, RETURN (ast_flow.go). IF, WHILE
// and a block hold statements of the whole union, so they nest.

// flowMembers are the control-flow statements, tried after the others: a
// bare BEGIN (beginStmt) stays PostgreSQL's transaction start.
func flowMembers() []stmtNode {
	return []stmtNode{&declareStmt{}, &setVarStmt{}, &ifStmt{}, &whileStmt{}, &blockStmt{},
		&breakStmt{}, &continueStmt{}, &returnStmt{}}
}

type declareStmt struct {
	Pos  lexer.Position
	Vars []*varDecl `parser:"'DECLARE' @@ ( ',' @@ )*"`
}

// varDecl is one @name [AS] type [= value], or @name TABLE (...), which
// parses so that the engine can refuse it by name.
type varDecl struct {
	Pos      lexer.Position
	Name     string       `parser:"@Variable 'AS'?"`
	Table    bool         `parser:"(  @'TABLE'"`
	Elements []*tableElem `parser:"   '(' @@ ( ',' @@ )* ','? ')'"`
	Type     typeName     `parser:" | @@ )"`
	Value    Expr         `parser:"( '=' @@ )?"`
	EndPos   lexer.Position
}

// setVarStmt is SET @v = expr and its compound forms (SET @v += expr).
type setVarStmt struct {
	Pos   lexer.Position
	Name  string `parser:"'SET' @Variable"`
	Op    string `parser:"@( '+' | '-' | '*' | '/' | '%' | '&' | '|' | '^' )? '='"`
	Value Expr   `parser:"@@"`
}

// ifStmt is IF condition statement [ELSE statement]; a semicolon may end
// the first statement before ELSE.
type ifStmt struct {
	Pos  lexer.Position
	Cond Expr       `parser:"'IF' @@"`
	Then nestedStmt `parser:"@@"`
	Else nestedStmt `parser:"( ';'? 'ELSE' @@ )?"`
}

type whileStmt struct {
	Pos  lexer.Position
	Cond Expr       `parser:"'WHILE' @@"`
	Body nestedStmt `parser:"@@"`
}

// blockStmt is BEGIN statement... END. BEGIN followed by ';' is the
// transaction start, and a block is never empty, as in SQL Server.
type blockStmt struct {
	Pos   lexer.Position
	First nestedStmt   `parser:"'BEGIN' (?! ';' | 'END' ) @@"`
	Rest  []nestedStmt `parser:"( (?! 'END' ) @@ | ';' )* 'END'"`
}

// nestedStmt is a statement inside IF, WHILE or a block. It is parsed by
// pstate.parseNested, which counts the control-flow nesting so that a deep
// one is Msg 191 before participle's recursion (or the engine's walks over
// the tree) can exhaust the stack.
type nestedStmt interface{ stmtNode }

// parseNested is the participle entry point for nestedStmt: the statement
// union again, one level deeper. It parses from the batch's own token
// stream, stopping after the statement (ELSE, END or the next statement
// follow).
func (st *pstate) parseNested(lex *lexer.PeekingLexer) (nestedStmt, error) {
	st.flow++
	defer func() { st.flow-- }()
	if st.flow > maxFlowDepth {
		err := &parseErr{number: 191, tok: *lex.Peek()}
		if st.refused == nil {
			st.refused = err
		}
		return nil, err
	}
	st.nested = true
	n, err := st.stmt.ParseFromLexer(lex, participle.AllowTrailing(true))
	if err != nil {
		return nil, err
	}
	return *n, nil
}

type breakStmt struct {
	Pos lexer.Position
	Kw  string `parser:"@'BREAK'"`
}

type continueStmt struct {
	Pos lexer.Position
	Kw  string `parser:"@'CONTINUE'"`
}

type returnStmt struct {
	Pos lexer.Position
	Kw  string `parser:"@'RETURN'"`
}

func (s *declareStmt) build(src string) (Statement, error) {
	d := &Declare{Pos: posOf(s.Pos), Vars: make([]*VarDecl, len(s.Vars))}
	for i, v := range s.Vars {
		d.Vars[i] = &VarDecl{Pos: posOf(v.Pos), Name: v.Name[1:], Type: TypeName(v.Type), Value: v.Value}
		if v.Table {
			text := src[v.Pos.Offset:v.EndPos.Offset]
			d.Vars[i].Table = strings.TrimSpace(text[len(v.Name):])
		}
	}
	return d, nil
}

func (s *setVarStmt) build(string) (Statement, error) {
	return &SetVar{Pos: posOf(s.Pos), Name: s.Name[1:], Op: s.Op, Value: s.Value}, nil
}

func (s *ifStmt) build(src string) (Statement, error) {
	then, err := s.Then.build(src)
	if err != nil {
		return nil, err
	}
	x := &If{Pos: posOf(s.Pos), Cond: s.Cond, Then: then}
	if s.Else != nil {
		if x.Else, err = s.Else.build(src); err != nil {
			return nil, err
		}
	}
	return x, nil
}

func (s *whileStmt) build(src string) (Statement, error) {
	body, err := s.Body.build(src)
	if err != nil {
		return nil, err
	}
	return &While{Pos: posOf(s.Pos), Cond: s.Cond, Body: body}, nil
}

func (s *blockStmt) build(src string) (Statement, error) {
	b := &Block{Pos: posOf(s.Pos), Stmts: make([]Statement, 0, 1+len(s.Rest))}
	for _, n := range append([]nestedStmt{s.First}, s.Rest...) {
		st, err := n.build(src)
		if err != nil {
			return nil, err
		}
		b.Stmts = append(b.Stmts, st)
	}
	return b, nil
}

func (s *breakStmt) build(string) (Statement, error)    { return &Break{Pos: posOf(s.Pos)}, nil }
func (s *continueStmt) build(string) (Statement, error) { return &Continue{Pos: posOf(s.Pos)}, nil }
func (s *returnStmt) build(string) (Statement, error)   { return &Return{Pos: posOf(s.Pos)}, nil }

// ---------------------------------------------------------------------------
// Printing

func (s *Declare) String() string { return nodeString(s) }
func (s *Declare) format(b *strings.Builder) {
	b.WriteString("DECLARE ")
	for i, v := range s.Vars {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("@" + v.Name + " ")
		if v.Table != "" {
			b.WriteString(v.Table)
			continue
		}
		v.Type.format(b)
		if v.Value != nil {
			b.WriteString(" = ")
			writeExpr(b, v.Value)
		}
	}
}

func (s *SetVar) String() string { return nodeString(s) }
func (s *SetVar) format(b *strings.Builder) {
	b.WriteString("SET @" + s.Name + " " + s.Op + "= ")
	writeExpr(b, s.Value)
}

func (s *If) String() string { return nodeString(s) }
func (s *If) format(b *strings.Builder) {
	b.WriteString("IF ")
	writeExpr(b, s.Cond)
	b.WriteByte(' ')
	b.WriteString(s.Then.String())
	if s.Else != nil {
		b.WriteString(" ELSE ")
		b.WriteString(s.Else.String())
	}
}

func (s *While) String() string { return nodeString(s) }
func (s *While) format(b *strings.Builder) {
	b.WriteString("WHILE ")
	writeExpr(b, s.Cond)
	b.WriteByte(' ')
	b.WriteString(s.Body.String())
}

func (s *Block) String() string { return nodeString(s) }
func (s *Block) format(b *strings.Builder) {
	b.WriteString("BEGIN ")
	for _, st := range s.Stmts {
		b.WriteString(st.String())
		b.WriteString("; ")
	}
	b.WriteString("END")
}

func (s *Break) String() string               { return "BREAK" }
func (s *Break) format(b *strings.Builder)    { b.WriteString("BREAK") }
func (s *Continue) String() string            { return "CONTINUE" }
func (s *Continue) format(b *strings.Builder) { b.WriteString("CONTINUE") }
func (s *Return) String() string              { return "RETURN" }
func (s *Return) format(b *strings.Builder)   { b.WriteString("RETURN") }
