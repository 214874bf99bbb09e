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
