package parser

// Variables and control flow (grammar_flow.go). A batch's statements are
// no longer a flat list once these appear: IF, WHILE and BEGIN ... END
// hold statements, which the engine binds and runs when it reaches them.

// Declare is DECLARE @a type [= value] [, @b type [= value] ...].
type Declare struct {
	Pos
	Vars []*VarDecl
}

// VarDecl is one variable of a DECLARE. Table is the text of DECLARE @t
// TABLE (...) after the name: it parses, but the engine refuses it (no
// table variables).
type VarDecl struct {
	Pos
	Name  string // without the @
	Type  TypeName
	Table string
	Value Expr // nil without an initial value
}

// SetVar is SET @v = value, or with Op ("+", "-", "*", "/", "%", "&", "|",
// "^") the compound SET @v op= value.
type SetVar struct {
	Pos
	Name  string // without the @
	Op    string
	Value Expr
}

// If is IF condition Then [ELSE Else].
type If struct {
	Pos
	Cond Expr
	Then Statement
	Else Statement // nil without ELSE
}

// While is WHILE condition Body.
type While struct {
	Pos
	Cond Expr
	Body Statement
}

// Block is BEGIN statement... END.
type Block struct {
	Pos
	Stmts []Statement
}

// Break is BREAK: it leaves the innermost WHILE.
type Break struct{ Pos }

// Continue is CONTINUE: it goes back to the innermost WHILE's condition.
type Continue struct{ Pos }

// Return is RETURN: it ends the batch.
type Return struct{ Pos }

func (*Declare) statementNode()  {}
func (*SetVar) statementNode()   {}
func (*If) statementNode()       {}
func (*While) statementNode()    {}
func (*Block) statementNode()    {}
func (*Break) statementNode()    {}
func (*Continue) statementNode() {}
func (*Return) statementNode()   {}

// IsControlFlow reports whether st is a statement that the batch runner
// executes itself rather than binding it as one statement: IF, WHILE, a
// block, BREAK, CONTINUE, RETURN.
func IsControlFlow(st Statement) bool {
	switch st.(type) {
	case *If, *While, *Block, *Break, *Continue, *Return:
		return true
	}
	return false
}
