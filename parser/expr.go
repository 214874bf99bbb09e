package parser

import (
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// Binding powers, lowest first. An operator of power p takes right operands
// parsed at p+1, which makes every binary operator left-associative.
const (
	precOr    = 1 + iota // OR
	precAnd              // AND
	precNot              // prefix NOT
	precCmp              // = <> != < > <= >= !< !>, IS, IN, BETWEEN, LIKE
	precAdd              // + - & | ^
	precMul              // * / %
	precUnary            // prefix - + ~
)

// Nesting limits: expression depth (parentheses, prefix operators, CASE,
// function arguments), subquery depth and control-flow depth (IF, WHILE,
// BEGIN...END inside one another). Deeper input gets Msg 191 instead of a
// stack overflow. SQL Server documents no number for control flow; 128
// levels is far beyond any real script.
const (
	maxExprDepth     = 1000
	maxSubqueryDepth = 64
	maxFlowDepth     = 128
)

// exprParser is the hand-written Pratt parser for expressions, plugged into
// the participle grammar through participle.ParseTypeWith. It works on the
// participle token stream directly and builds AST nodes; a parenthesised
// SELECT goes back into the participle grammar (pstate.parseSubquery).
type exprParser struct {
	st  *pstate
	lex *lexer.PeekingLexer
	// item is set for a select item, where [name] right after an operand
	// outside parentheses is the item's alias (T-SQL), not a subscript;
	// open counts the parentheses and calls open around the operand.
	item bool
	open int
}

// parseExpr is the participle entry point for Expr.
func (st *pstate) parseExpr(lex *lexer.PeekingLexer) (Expr, error) {
	if !canStartExpr(lex.Peek()) {
		return nil, participle.NextMatch
	}
	p := exprParser{st: st, lex: lex}
	return p.expr(0)
}

// parseValue is the participle entry point for valueExpr: an expression
// or the DEFAULT keyword (INSERT ... VALUES, UPDATE ... SET).
func (st *pstate) parseValue(lex *lexer.PeekingLexer) (valueExpr, error) {
	if t := lex.Peek(); isKeyword(t, "DEFAULT") {
		lex.Next()
		return &Default{Pos: posOf(t.Pos)}, nil
	}
	return st.parseExpr(lex)
}

// canStartExpr reports whether t can be the first token of an expression.
func canStartExpr(t *lexer.Token) bool {
	switch t.Type {
	case tokIdent, tokQIdent, tokNumber, tokString, tokNString, tokBinary, tokMoney,
		tokVar, tokGlobalVar, tokParam, tokEString:
		return true
	case tokPunct:
		switch t.Value {
		case "(", "-", "+", "~":
			return true
		}
	case tokKeyword:
		switch t.Value {
		case "NULL", "NOT", "CASE", "EXISTS", "CONVERT", "TRY_CONVERT",
			"COALESCE", "NULLIF", "LEFT", "RIGHT",
			"CURRENT_TIMESTAMP", "CURRENT_USER", "SESSION_USER", "SYSTEM_USER", "USER":
			return true
		}
	}
	return false
}

func isKeyword(t *lexer.Token, kw string) bool { return t.Type == tokKeyword && t.Value == kw }
func isPunct(t *lexer.Token, p string) bool    { return t.Type == tokPunct && t.Value == p }
func isName(t *lexer.Token) bool               { return t.Type == tokIdent || t.Type == tokQIdent }

// isWord reports whether t is the unreserved word w (w upper-case).
func isWord(t *lexer.Token, w string) bool {
	return t.Type == tokIdent && strings.EqualFold(t.Value, w)
}

func posOf(p lexer.Position) Pos { return Pos{Offset: p.Offset, Line: p.Line, Col: p.Column} }

// peek2 returns the token after the next one.
func peek2(lex *lexer.PeekingLexer) *lexer.Token {
	cp := lex.MakeCheckpoint()
	lex.Next()
	t := lex.Peek()
	lex.LoadCheckpoint(cp)
	return t
}

func (p *exprParser) expect(punct string) (*lexer.Token, error) {
	t := p.lex.Peek()
	if !isPunct(t, punct) {
		return nil, errAt(t)
	}
	return p.lex.Next(), nil
}

func (p *exprParser) enter(t *lexer.Token) error {
	p.st.depth++
	if p.st.depth > maxExprDepth {
		return &parseErr{number: 191, tok: *t}
	}
	return nil
}

func (p *exprParser) leave() { p.st.depth-- }

// expr parses an expression whose operators all bind at least as tightly
// as minPrec.
func (p *exprParser) expr(minPrec int) (Expr, error) {
	if err := p.enter(p.lex.Peek()); err != nil {
		return nil, err
	}
	defer p.leave()
	left, err := p.prefix(minPrec)
	if err != nil {
		return nil, err
	}
	for {
		t := p.lex.Peek()
		if isKeyword(t, "COLLATE") && p.pgCollate() {
			continue
		}
		prec, not := infixPrec(p.lex, t)
		if prec == 0 || prec < minPrec {
			return left, nil
		}
		p.lex.Next()
		if not {
			t = p.lex.Next() // the IN, LIKE or BETWEEN after NOT
		}
		if left, err = p.infix(left, t, prec, not); err != nil {
			return nil, err
		}
	}
}

// infixPrec returns the binding power of t as an infix or postfix operator
// (0 if it is none) and whether it is NOT followed by IN, LIKE or BETWEEN.
func infixPrec(lex *lexer.PeekingLexer, t *lexer.Token) (int, bool) {
	if prec := pgInfixPrec(lex, t); prec != 0 {
		return prec, false
	}
	switch t.Type {
	case tokPunct:
		switch t.Value {
		case "=", "<>", "!=", "<", ">", "<=", ">=", "!<", "!>":
			return precCmp, false
		case "+", "-", "&", "|", "^":
			return precAdd, false
		case "*", "/", "%":
			return precMul, false
		}
	case tokKeyword:
		switch t.Value {
		case "OR":
			return precOr, false
		case "AND":
			return precAnd, false
		case "IS", "IN", "LIKE", "BETWEEN":
			return precCmp, false
		case "NOT":
			n := peek2(lex)
			if n.Type == tokKeyword && (n.Value == "IN" || n.Value == "LIKE" || n.Value == "BETWEEN") {
				return precCmp, true
			}
		}
	}
	return 0, false
}

// infix parses the rest of an infix or postfix operation whose operator
// token op has been consumed.
func (p *exprParser) infix(left Expr, op *lexer.Token, prec int, not bool) (Expr, error) {
	if x, ok, err := p.pgInfix(left, op, prec); ok {
		return x, err
	}
	pos := left.Position()
	if op.Type == tokPunct || op.Value == "AND" || op.Value == "OR" {
		right, err := p.operand(prec + 1)
		if err != nil {
			return nil, err
		}
		return &Binary{Pos: pos, Op: op.Value, L: left, R: right}, nil
	}
	switch op.Value {
	case "IS":
		n := false
		if isKeyword(p.lex.Peek(), "NOT") {
			p.lex.Next()
			n = true
		}
		if t := p.lex.Peek(); !isKeyword(t, "NULL") {
			return nil, errAt(t)
		}
		p.lex.Next()
		return &IsNull{Pos: pos, X: left, Not: n}, nil
	case "IN":
		in := &InList{Pos: pos, X: left, Not: not}
		if _, err := p.expect("("); err != nil {
			return nil, err
		}
		if isKeyword(p.lex.Peek(), "SELECT") {
			sel, err := p.st.parseSubquery(p.lex)
			if err != nil {
				return nil, err
			}
			in.Subquery = sel
		} else {
			list, err := p.list()
			if err != nil {
				return nil, err
			}
			in.List = list
		}
		if _, err := p.expect(")"); err != nil {
			return nil, err
		}
		return in, nil
	case "BETWEEN":
		lo, err := p.operand(precCmp + 1)
		if err != nil {
			return nil, err
		}
		if t := p.lex.Peek(); !isKeyword(t, "AND") {
			return nil, errAt(t)
		}
		p.lex.Next()
		hi, err := p.operand(precCmp + 1)
		if err != nil {
			return nil, err
		}
		return &Between{Pos: pos, X: left, Lo: lo, Hi: hi, Not: not}, nil
	case "LIKE":
		pat, err := p.operand(precCmp + 1)
		if err != nil {
			return nil, err
		}
		like := &Like{Pos: pos, X: left, Pattern: pat, Not: not}
		if isKeyword(p.lex.Peek(), "ESCAPE") {
			p.lex.Next()
			if like.Escape, err = p.operand(precCmp + 1); err != nil {
				return nil, err
			}
		}
		return like, nil
	}
	return nil, errAt(op)
}

// operand parses a required operand at minPrec.
func (p *exprParser) operand(minPrec int) (Expr, error) {
	if t := p.lex.Peek(); !canStartExpr(t) {
		return nil, errAt(t)
	}
	return p.expr(minPrec)
}

// list parses expr [, expr ...].
func (p *exprParser) list() ([]Expr, error) {
	var out []Expr
	for {
		e, err := p.operand(0)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
		if !isPunct(p.lex.Peek(), ",") {
			return out, nil
		}
		p.lex.Next()
	}
}

// prefix parses a prefix operation or a primary expression.
func (p *exprParser) prefix(minPrec int) (Expr, error) {
	t := p.lex.Peek()
	switch {
	case isKeyword(t, "NOT"):
		if minPrec > precNot {
			return nil, errAt(t)
		}
		p.lex.Next()
		x, err := p.operand(precNot)
		if err != nil {
			return nil, err
		}
		return &Unary{Pos: posOf(t.Pos), Op: "NOT", X: x}, nil
	case t.Type == tokPunct && (t.Value == "-" || t.Value == "+" || t.Value == "~"):
		p.lex.Next()
		x, err := p.operand(precUnary)
		if err != nil {
			return nil, err
		}
		return &Unary{Pos: posOf(t.Pos), Op: t.Value, X: x}, nil
	}
	x, err := p.primary()
	if err != nil {
		return nil, err
	}
	return p.pgCasts(x)
}

func (p *exprParser) primary() (Expr, error) {
	t := p.lex.Next()
	pos := posOf(t.Pos)
	switch t.Type {
	case tokNumber:
		return &Literal{Pos: pos, Kind: numberKind(t.Value), Value: t.Value}, nil
	case tokString:
		return &Literal{Pos: pos, Kind: LitString, Value: unquote(t.Value)}, nil
	case tokNString:
		return &Literal{Pos: pos, Kind: LitNString, Value: unquote(t.Value)}, nil
	case tokEString:
		v, ok := unescapeE(t.Value)
		if !ok {
			return nil, errAt(t)
		}
		return &Literal{Pos: pos, Kind: LitString, Value: v}, nil
	case tokBinary:
		return &Literal{Pos: pos, Kind: LitBinary, Value: t.Value[2:]}, nil
	case tokMoney:
		return &Literal{Pos: pos, Kind: LitMoney, Value: t.Value}, nil
	case tokVar:
		return &Variable{Pos: pos, Name: t.Value[1:]}, nil
	case tokGlobalVar:
		return &GlobalVar{Pos: pos, Name: strings.ToUpper(t.Value[2:])}, nil
	case tokParam:
		n, err := strconv.Atoi(t.Value[1:])
		if err != nil || n < 1 || n > 65535 {
			return nil, errAt(t)
		}
		return &Param{Pos: pos, N: n}, nil
	case tokIdent, tokQIdent:
		if x, ok, err := p.pgArraySubquery(t); ok {
			return x, err
		}
		return p.nameExpr(t)
	case tokPunct:
		if t.Value == "(" {
			return p.paren(t)
		}
	case tokKeyword:
		switch t.Value {
		case "NULL":
			return &Literal{Pos: pos, Kind: LitNull}, nil
		case "CASE":
			return p.caseExpr(t)
		case "EXISTS":
			if _, err := p.expect("("); err != nil {
				return nil, err
			}
			if s := p.lex.Peek(); !isKeyword(s, "SELECT") {
				return nil, errAt(s)
			}
			sel, err := p.st.parseSubquery(p.lex)
			if err != nil {
				return nil, err
			}
			if _, err := p.expect(")"); err != nil {
				return nil, err
			}
			return &Exists{Pos: pos, Select: sel}, nil
		case "CONVERT", "TRY_CONVERT":
			return p.convert(t)
		case "COALESCE", "NULLIF", "LEFT", "RIGHT":
			if n := p.lex.Peek(); !isPunct(n, "(") {
				return nil, errAt(n)
			}
			return p.call(&FuncCall{Pos: pos, Name: ObjectName{Pos: pos, Parts: []string{t.Value}}})
		case "CURRENT_TIMESTAMP", "CURRENT_USER", "SESSION_USER", "SYSTEM_USER", "USER":
			return &FuncCall{Pos: pos, Name: ObjectName{Pos: pos, Parts: []string{t.Value}}, NoParens: true}, nil
		}
	}
	return nil, errAt(t)
}

func numberKind(v string) LiteralKind {
	if strings.ContainsAny(v, "eE") {
		return LitFloat
	}
	if strings.IndexByte(v, '.') >= 0 {
		return LitDecimal
	}
	return LitInt
}

// paren parses what follows "(": a subquery or a parenthesised expression.
func (p *exprParser) paren(open *lexer.Token) (Expr, error) {
	pos := posOf(open.Pos)
	p.open++
	defer func() { p.open-- }()
	if isKeyword(p.lex.Peek(), "SELECT") {
		sel, err := p.st.parseSubquery(p.lex)
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(")"); err != nil {
			return nil, err
		}
		return &Subquery{Pos: pos, Select: sel}, nil
	}
	x, err := p.operand(0)
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(")"); err != nil {
		return nil, err
	}
	paren := &Paren{Pos: pos, X: x}
	if f, ok := p.fieldSelect(paren); ok { // ast_query.go
		return f, nil
	}
	return paren, nil
}

// nameExpr parses a column reference or function call starting at name
// token t (consumed).
func (p *exprParser) nameExpr(t *lexer.Token) (Expr, error) {
	pos := posOf(t.Pos)
	if t.Type == tokIdent && isPunct(p.lex.Peek(), "(") {
		if strings.EqualFold(t.Value, "CAST") || strings.EqualFold(t.Value, "TRY_CAST") {
			return p.cast(t)
		}
	}
	parts, err := nameParts(p.lex, t)
	if err != nil {
		return nil, err
	}
	if isPunct(p.lex.Peek(), "(") {
		return p.call(&FuncCall{Pos: pos, Name: ObjectName{Pos: pos, Parts: parts}})
	}
	return &ColumnRef{Pos: pos, Parts: parts}, nil
}

// nameParts reads the rest of a multi-part name whose first token first
// has been consumed: first[.[part]]... An omitted middle part ("db..t")
// is "". At most four parts.
func nameParts(lex *lexer.PeekingLexer, first *lexer.Token) ([]string, error) {
	if !isPunct(lex.Peek(), ".") {
		return []string{unquote(first.Value)}, nil
	}
	parts := make([]string, 1, 4)
	parts[0] = unquote(first.Value)
	for isPunct(lex.Peek(), ".") {
		// Stop before ".*" (qualifier.* in a select list).
		n := peek2(lex)
		if isPunct(n, "*") {
			break
		}
		if len(parts) == 4 {
			return nil, errAt(lex.Peek())
		}
		dotOffset := lex.Peek().Pos.Offset
		lex.Next()
		if isPunct(n, ".") {
			parts = append(parts, "")
			continue
		}
		// A reserved word written right after the dot is a name too, as SQL
		// Server reads c.precision; "a. FROM" stays the usual mistake.
		if !isName(n) && (n.Type != tokKeyword || n.Pos.Offset != dotOffset+1) {
			return nil, errAt(n)
		}
		lex.Next()
		parts = append(parts, unquote(n.Value))
	}
	if parts[len(parts)-1] == "" {
		return nil, errAt(lex.Peek())
	}
	return parts, nil
}
