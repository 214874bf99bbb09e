package parser

import (
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// PostgreSQL's operators that catalog queries use (psql's \d commands,
// pgjdbc's DatabaseMetaData, SQLAlchemy's reflection), read only where
// T-SQL gives the same tokens no meaning: ~ written between two operands
// (T-SQL's ~ is prefix only), !~, ~*, !~*, || and OPERATOR(schema.op).
// Each becomes a call of the PostgreSQL function behind the operator
// (pg_catalog.textregexeq for ~, textcat for ||), which the engine
// registers with its other PostgreSQL functions; a trailing
// COLLATE pg_catalog.default (the only collation a PostgreSQL client names
// in an expression) is read and changes nothing.

// pgOperatorFuncs maps an operator's spelling to its function.
var pgOperatorFuncs = map[string]string{
	"~": "textregexeq", "!~": "textregexne", "~*": "texticregexeq", "!~*": "texticregexne", "||": "textcat",
}

// pgInfixPrec returns the binding power of a PostgreSQL operator starting
// at t, or 0. PostgreSQL binds these above comparisons and below + and -;
// here they bind like comparisons (~) or like + (||), which gives the same
// trees for what catalog queries write.
func pgInfixPrec(lex *lexer.PeekingLexer, t *lexer.Token) int {
	switch {
	case isPunct(t, "~"):
		return precCmp
	case isPunct(t, "!") && adjacentPunct(t, peek2(lex), "~"):
		return precCmp
	case isPunct(t, "|") && adjacentPunct(t, peek2(lex), "|"):
		return precAdd
	case isWord(t, "OPERATOR") && isPunct(peek2(lex), "("):
		return precCmp
	}
	return 0
}

// adjacentPunct reports whether n is punctuation p written right after t.
func adjacentPunct(t, n *lexer.Token, p string) bool {
	return isPunct(n, p) && n.Pos.Offset == t.Pos.Offset+len(t.Value)
}

// pgInfix parses the rest of a PostgreSQL operation whose first token op
// has been consumed; ok is false when op does not start one.
func (p *exprParser) pgInfix(left Expr, op *lexer.Token, prec int) (x Expr, ok bool, err error) {
	var spelling string
	switch {
	case op.Type == tokPunct && (op.Value == "=" || op.Value == "<>" || op.Value == "!=" || op.Value == "<" ||
		op.Value == ">" || op.Value == "<=" || op.Value == ">="):
		return p.pgArrayCompare(left, op)
	case isWord(op, "OPERATOR"):
		if spelling, err = p.operatorName(); err != nil {
			return nil, true, err
		}
	case op.Type == tokPunct && (op.Value == "~" || op.Value == "!" || op.Value == "|"):
		spelling = op.Value
		for n := p.lex.Peek(); len(spelling) < 3 && (adjacentPunct(op, n, "~") || adjacentPunct(op, n, "*") ||
			adjacentPunct(op, n, "|")) && pgOperatorFuncs[spelling+n.Value] != ""; n = p.lex.Peek() {
			spelling += n.Value
			op = p.lex.Next()
		}
		if spelling == "|" {
			return nil, false, nil // T-SQL's bitwise or
		}
	default:
		return nil, false, nil
	}
	fn := pgOperatorFuncs[spelling]
	if fn == "" {
		return nil, true, errAt(op)
	}
	right, err := p.operand(prec + 1)
	if err != nil {
		return nil, true, err
	}
	pos := left.Position()
	return &FuncCall{Pos: pos, Name: ObjectName{Pos: pos, Parts: []string{"pg_catalog", fn}}, Args: []Expr{left, right}}, true, nil
}

// operatorName reads ( [schema.] op ) after OPERATOR and returns op. Only
// pg_catalog's operators exist.
func (p *exprParser) operatorName() (string, error) {
	if _, err := p.expect("("); err != nil {
		return "", err
	}
	if t := p.lex.Peek(); isName(t) {
		if !strings.EqualFold(unquote(t.Value), "pg_catalog") {
			return "", errAt(t)
		}
		p.lex.Next()
		if _, err := p.expect("."); err != nil {
			return "", err
		}
	}
	var op strings.Builder
	for t := p.lex.Peek(); t.Type == tokPunct && !isPunct(t, ")"); t = p.lex.Peek() {
		op.WriteString(p.lex.Next().Value)
	}
	if _, err := p.expect(")"); err != nil {
		return "", err
	}
	if s := op.String(); s == "=" || s == "<>" || s == "<" || s == ">" || s == "<=" || s == ">=" {
		return "", errAt(p.lex.Peek()) // not needed by any client yet
	}
	return op.String(), nil
}

// pgCollate reads COLLATE pg_catalog.default or COLLATE "default" after an
// expression and reports whether it did: mirrordb has one collation, the
// default, so naming it changes nothing. Any other COLLATE is left to the
// grammar (a column definition's COLLATE).
func (p *exprParser) pgCollate() bool {
	cp := p.lex.MakeCheckpoint()
	p.lex.Next() // COLLATE
	n := p.lex.Next()
	if isWord(n, "PG_CATALOG") && isPunct(p.lex.Peek(), ".") {
		p.lex.Next()
		if n = p.lex.Next(); isKeyword(n, "DEFAULT") {
			return true
		}
	} else if n.Type == tokQIdent && unquote(n.Value) == "default" {
		return true
	}
	p.lex.LoadCheckpoint(cp)
	return false
}

// ArraySubquery is PostgreSQL's ARRAY(subquery): the subquery's values as
// one array. mirrordb has no array type; the engine gives the array's
// PostgreSQL text form ({a,b}).
type ArraySubquery struct {
	Pos
	Select *Select
}

// ArrayCompare is x op ANY (array) or x op ALL (array), with an array
// value (a T-SQL quantified comparison takes a subquery instead).
type ArrayCompare struct {
	Pos
	Op    string
	All   bool
	X     Expr
	Array Expr
}

func (*ArraySubquery) exprNode() {}
func (*ArrayCompare) exprNode()  {}

func (e *ArraySubquery) String() string { return nodeString(e) }
func (e *ArraySubquery) format(b *strings.Builder) {
	b.WriteString("ARRAY(")
	e.Select.format(b)
	b.WriteByte(')')
}

func (e *ArrayCompare) String() string { return nodeString(e) }
func (e *ArrayCompare) format(b *strings.Builder) {
	writeExpr(b, e.X)
	b.WriteString(" " + e.Op + " ")
	if e.All {
		b.WriteString("ALL (")
	} else {
		b.WriteString("ANY (")
	}
	writeExpr(b, e.Array)
	b.WriteByte(')')
}

// pgArraySubquery parses ARRAY(SELECT ...) after the word ARRAY (t,
// consumed); ok is false when ARRAY is not followed by ( SELECT.
func (p *exprParser) pgArraySubquery(t *lexer.Token) (Expr, bool, error) {
	if !isWord(t, "ARRAY") || !isPunct(p.lex.Peek(), "(") || !isKeyword(peek2(p.lex), "SELECT") {
		return nil, false, nil
	}
	p.lex.Next()
	sel, err := p.st.parseSubquery(p.lex)
	if err != nil {
		return nil, true, err
	}
	if _, err := p.expect(")"); err != nil {
		return nil, true, err
	}
	return &ArraySubquery{Pos: posOf(t.Pos), Select: sel}, true, nil
}

// pgArrayCompare parses ANY|SOME|ALL ( expr ) after comparison op (which
// has been consumed); ok is false when what follows is not that with an
// expression other than a SELECT.
func (p *exprParser) pgArrayCompare(left Expr, op *lexer.Token) (Expr, bool, error) {
	q := p.lex.Peek()
	if !(isKeyword(q, "ANY") || isKeyword(q, "SOME") || isKeyword(q, "ALL")) || !isPunct(peek2(p.lex), "(") {
		return nil, false, nil
	}
	cp := p.lex.MakeCheckpoint()
	p.lex.Next()
	p.lex.Next()
	if isKeyword(p.lex.Peek(), "SELECT") {
		p.lex.LoadCheckpoint(cp)
		return nil, false, nil
	}
	arr, err := p.operand(0)
	if err != nil {
		return nil, true, err
	}
	if _, err := p.expect(")"); err != nil {
		return nil, true, err
	}
	return &ArrayCompare{Pos: left.Position(), Op: op.Value, All: q.Value == "ALL", X: left, Array: arr}, true, nil
}

// arrayCompareAhead reports whether the tokens ahead are x = ANY|SOME|ALL
// ( followed by anything but SELECT: in a select list that is
// PostgreSQL's comparison with an array, which T-SQL's alias = expr
// cannot be (its ANY takes a subquery).
func arrayCompareAhead(lex *lexer.PeekingLexer) bool {
	cp := lex.MakeCheckpoint()
	defer lex.LoadCheckpoint(cp)
	lex.Next() // x
	lex.Next() // =
	q := lex.Next()
	if !(isKeyword(q, "ANY") || isKeyword(q, "SOME") || isKeyword(q, "ALL")) || !isPunct(lex.Next(), "(") {
		return false
	}
	return !isKeyword(lex.Peek(), "SELECT")
}

// pgKeywordAlias reports whether t, written after AS, is a reserved word
// PostgreSQL takes as a column alias there (SQLAlchemy writes AS DEFAULT
// and AS key); T-SQL would have it bracketed, so it means nothing else.
func pgKeywordAlias(t *lexer.Token) bool {
	return isKeyword(t, "DEFAULT") || isKeyword(t, "KEY") || isKeyword(t, "SCHEMA")
}
