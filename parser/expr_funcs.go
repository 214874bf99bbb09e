package parser

import (
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// The special forms of the expression parser: function calls, CAST,
// CONVERT, CASE, and data types.

// call parses the argument list of a function call; the next token is "(".
func (p *exprParser) call(f *FuncCall) (Expr, error) {
	open := p.lex.Next()
	p.open++
	defer func() { p.open-- }()
	if err := p.enter(open); err != nil {
		return nil, err
	}
	defer p.leave()
	t := p.lex.Peek()
	if x, ok, err := p.trimFrom(f); ok || err != nil { // ast_query.go
		return x, err
	}
	switch {
	case isPunct(t, ")"):
		p.lex.Next()
		return p.over(f)
	case isPunct(t, "*"):
		p.lex.Next()
		f.Star = true
	default:
		if isKeyword(t, "DISTINCT") {
			p.lex.Next()
			f.Distinct = true
		} else if isKeyword(t, "ALL") {
			p.lex.Next()
		}
		args, err := p.list()
		if err != nil {
			return nil, err
		}
		f.Args = args
	}
	if _, err := p.expect(")"); err != nil {
		return nil, err
	}
	return p.over(f)
}

// over parses the OVER clause that may follow a function call:
// OVER ([PARTITION BY exprs] [ORDER BY items] [ROWS | RANGE frame]).
func (p *exprParser) over(f *FuncCall) (Expr, error) {
	t := p.lex.Peek()
	if !isKeyword(t, "OVER") {
		return f, nil
	}
	p.lex.Next()
	w := &Window{Pos: posOf(t.Pos)}
	if _, err := p.expect("("); err != nil {
		return nil, err
	}
	if t := p.lex.Peek(); t.Type == tokIdent && strings.EqualFold(t.Value, "PARTITION") {
		p.lex.Next()
		if t := p.lex.Next(); !isKeyword(t, "BY") {
			return nil, errAt(t)
		}
		list, err := p.list()
		if err != nil {
			return nil, err
		}
		w.PartitionBy = list
	}
	if isKeyword(p.lex.Peek(), "ORDER") {
		p.lex.Next()
		if t := p.lex.Next(); !isKeyword(t, "BY") {
			return nil, errAt(t)
		}
		for {
			start := p.lex.Peek()
			x, err := p.operand(0)
			if err != nil {
				return nil, err
			}
			o := &OrderItem{Pos: posOf(start.Pos), Expr: x}
			if n := p.lex.Peek(); isKeyword(n, "DESC") || isKeyword(n, "ASC") {
				p.lex.Next()
				o.Desc = n.Value == "DESC"
			}
			w.OrderBy = append(w.OrderBy, o)
			if !isPunct(p.lex.Peek(), ",") {
				break
			}
			p.lex.Next()
		}
	}
	if t := p.lex.Peek(); t.Type == tokIdent && (strings.EqualFold(t.Value, "ROWS") || strings.EqualFold(t.Value, "RANGE")) {
		var words []string
		for n := p.lex.Peek(); !isPunct(n, ")"); n = p.lex.Peek() {
			if n.EOF() || (n.Type != tokIdent && n.Type != tokKeyword && n.Type != tokNumber) {
				return nil, errAt(n)
			}
			words = append(words, strings.ToUpper(n.Value))
			p.lex.Next()
		}
		w.Frame = strings.Join(words, " ")
	}
	if _, err := p.expect(")"); err != nil {
		return nil, err
	}
	f.Over = w
	return f, nil
}

// cast parses CAST(x AS type) / TRY_CAST(...); name is the consumed word.
func (p *exprParser) cast(name *lexer.Token) (Expr, error) {
	p.lex.Next() // (
	x, err := p.operand(0)
	if err != nil {
		return nil, err
	}
	if t := p.lex.Peek(); !isKeyword(t, "AS") {
		return nil, errAt(t)
	}
	p.lex.Next()
	typ, err := parseTypeName(p.lex)
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(")"); err != nil {
		return nil, err
	}
	return &Cast{Pos: posOf(name.Pos), X: x, To: typ, Try: strings.EqualFold(name.Value, "TRY_CAST")}, nil
}

// convert parses CONVERT(type, x [, style]) / TRY_CONVERT(...).
func (p *exprParser) convert(name *lexer.Token) (Expr, error) {
	if _, err := p.expect("("); err != nil {
		return nil, err
	}
	typ, err := parseTypeName(p.lex)
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(","); err != nil {
		return nil, err
	}
	c := &Convert{Pos: posOf(name.Pos), To: typ, Try: name.Value == "TRY_CONVERT"}
	if c.X, err = p.operand(0); err != nil {
		return nil, err
	}
	if isPunct(p.lex.Peek(), ",") {
		p.lex.Next()
		if c.Style, err = p.operand(0); err != nil {
			return nil, err
		}
	}
	if _, err := p.expect(")"); err != nil {
		return nil, err
	}
	return c, nil
}

// caseExpr parses CASE [operand] WHEN ... THEN ... [ELSE ...] END.
func (p *exprParser) caseExpr(kw *lexer.Token) (Expr, error) {
	if err := p.enter(kw); err != nil {
		return nil, err
	}
	defer p.leave()
	p.open++ // no alias inside CASE ... END
	defer func() { p.open-- }()
	c := &Case{Pos: posOf(kw.Pos)}
	var err error
	if !isKeyword(p.lex.Peek(), "WHEN") {
		if c.Operand, err = p.operand(0); err != nil {
			return nil, err
		}
	}
	for {
		w := p.lex.Peek()
		if !isKeyword(w, "WHEN") {
			if len(c.Whens) == 0 {
				return nil, errAt(w)
			}
			break
		}
		p.lex.Next()
		arm := &When{Pos: posOf(w.Pos)}
		if arm.Cond, err = p.operand(0); err != nil {
			return nil, err
		}
		if t := p.lex.Peek(); !isKeyword(t, "THEN") {
			return nil, errAt(t)
		}
		p.lex.Next()
		if arm.Result, err = p.operand(0); err != nil {
			return nil, err
		}
		c.Whens = append(c.Whens, arm)
	}
	if isKeyword(p.lex.Peek(), "ELSE") {
		p.lex.Next()
		if c.Else, err = p.operand(0); err != nil {
			return nil, err
		}
	}
	if t := p.lex.Peek(); !isKeyword(t, "END") {
		return nil, errAt(t)
	}
	p.lex.Next()
	return c, nil
}

// parseTypeName parses a data type: name [ ( MAX | n [, m] ) ].
func parseTypeName(lex *lexer.PeekingLexer) (TypeName, error) {
	t := lex.Peek()
	typ := TypeName{Pos: posOf(t.Pos)}
	if typ.Name = multiWordType(lex); typ.Name == "" {
		if !isName(t) {
			return TypeName{}, errAt(t)
		}
		lex.Next()
		typ.Name = strings.ToUpper(unquote(t.Value))
		// schema.type names a user-defined type (CREATE TYPE).
		if dot := lex.Peek(); isPunct(dot, ".") {
			lex.Next()
			n := lex.Peek()
			if !isName(n) {
				return TypeName{}, errAt(n)
			}
			lex.Next()
			typ.Schema, typ.Name = unquote(t.Value), strings.ToUpper(unquote(n.Value))
		}
	}
	if !isPunct(lex.Peek(), "(") {
		typ.Name = zoneSuffix(lex, typ.Name)
		return typ, nil
	}
	lex.Next()
	if n := lex.Peek(); isWord(n, "MAX") {
		lex.Next()
		typ.Max = true
	} else {
		for {
			n := lex.Peek()
			v, ok := smallInt(n)
			if !ok {
				return TypeName{}, errAt(n)
			}
			lex.Next()
			typ.Args = append(typ.Args, v)
			if len(typ.Args) == 2 || !isPunct(lex.Peek(), ",") {
				break
			}
			lex.Next()
		}
	}
	if t := lex.Peek(); !isPunct(t, ")") {
		return TypeName{}, errAt(t)
	}
	lex.Next()
	typ.Name = zoneSuffix(lex, typ.Name)
	return typ, nil
}

// smallInt returns the value of an unsigned integer token that fits an int32.
func smallInt(t *lexer.Token) (int, bool) {
	if t.Type != tokNumber {
		return 0, false
	}
	n, err := strconv.ParseInt(t.Value, 10, 32)
	return int(n), err == nil
}
