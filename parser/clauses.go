package parser

import (
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// Hand-written productions used by the grammar: names and types
// (participle.Parseable, no state needed), and the select list and VALUES
// rows (custom productions of the per-parser state, as they parse
// expressions). They are hand-written because they are the hot spots of
// small statements: participle spends a reflect.New, a branch and a
// deferred capture per grammar node, and these lists are mostly nodes.

// objectName is a one- to four-part name as a grammar production.
type objectName ObjectName

func (n *objectName) Parse(lex *lexer.PeekingLexer) error {
	t := lex.Peek()
	if !isName(t) {
		return participle.NextMatch
	}
	lex.Next()
	parts, err := nameParts(lex, t)
	if err != nil {
		return err
	}
	*n = objectName{Pos: posOf(t.Pos), Parts: parts}
	return nil
}

// typeName is a data type as a grammar production.
type typeName TypeName

func (n *typeName) Parse(lex *lexer.PeekingLexer) error {
	if t := lex.Peek(); !isName(t) && !isKeyword(t, "DOUBLE") {
		return participle.NextMatch
	}
	t, err := parseTypeName(lex)
	if err != nil {
		return err
	}
	*n = typeName(t)
	return nil
}

// columnList is a parenthesised list of column names: (a, [b], ...).
type columnList struct {
	Names []string
}

func (c *columnList) Parse(lex *lexer.PeekingLexer) error {
	if !isPunct(lex.Peek(), "(") {
		return participle.NextMatch
	}
	lex.Next()
	for {
		t := lex.Peek()
		if !isName(t) {
			return errAt(t)
		}
		lex.Next()
		c.Names = append(c.Names, unquote(t.Value))
		t = lex.Peek()
		if isPunct(t, ")") {
			lex.Next()
			return nil
		}
		if !isPunct(t, ",") {
			return errAt(t)
		}
		lex.Next()
	}
}

// valueExpr is an expression or DEFAULT (pstate.parseValue).
type valueExpr interface{ Expr }

// selectList is the select list production (pstate.parseSelectList).
type selectList interface{ selectItems() []*SelectItem }

type selectItems []*SelectItem

func (s selectItems) selectItems() []*SelectItem { return s }

// valuesList is the rows of INSERT ... VALUES (pstate.parseValues).
type valuesList interface{ valueRows() [][]Expr }

type valueRows [][]Expr

func (v valueRows) valueRows() [][]Expr { return v }

// parseSelectList parses select items separated by commas.
func (st *pstate) parseSelectList(lex *lexer.PeekingLexer) (selectList, error) {
	var items selectItems
	for {
		item, err := st.selectItem(lex, len(items) == 0)
		if err != nil {
			return nil, err
		}
		items = append(items, item)
		if !isPunct(lex.Peek(), ",") {
			return items, nil
		}
		lex.Next()
	}
}

// selectItem parses *, qualifier.*, alias = expr, or expr [[AS] alias].
func (st *pstate) selectItem(lex *lexer.PeekingLexer, first bool) (*SelectItem, error) {
	t := lex.Peek()
	pos := posOf(t.Pos)
	switch {
	case isPunct(t, "*"):
		lex.Next()
		return &SelectItem{Pos: pos, Star: true}, nil
	case t.Type == tokVar:
		if item, ok, err := st.assignItem(lex, pos); ok || err != nil {
			return item, err
		}
	case isName(t) || t.Type == tokString:
		n := peek2(lex)
		if isPunct(n, "=") && !arrayCompareAhead(lex) {
			// alias = expr. The value cannot be a comparison or a logical
			// operation (not valid in a select list anyway), so that
			// "a = b = c" is an error rather than printing as "b = c AS a".
			cp := lex.MakeCheckpoint()
			lex.Next()
			lex.Next()
			p := exprParser{st: st, lex: lex}
			x, err := p.operand(precAdd)
			if err != nil {
				return nil, err
			}
			if !isKeyword(lex.Peek(), "AS") {
				return &SelectItem{Pos: pos, Expr: x, Alias: unquote(t.Value)}, nil
			}
			// a = b AS c is no T-SQL: PostgreSQL's comparison, aliased
			// (pgjdbc: typinput='pg_catalog.array_in'::regproc as is_array).
			lex.LoadCheckpoint(cp)
		}
		if t.Type != tokString && isPunct(n, ".") {
			cp := lex.MakeCheckpoint()
			lex.Next()
			parts, err := nameParts(lex, t)
			if err == nil && isPunct(lex.Peek(), ".") && isPunct(peek2(lex), "*") {
				lex.Next()
				lex.Next()
				return &SelectItem{Pos: pos, Star: true, StarOf: parts}, nil
			}
			lex.LoadCheckpoint(cp)
		}
	}
	if !canStartExpr(t) {
		if first {
			return nil, participle.NextMatch
		}
		return nil, errAt(t)
	}
	p := exprParser{st: st, lex: lex, item: true}
	x, err := p.expr(0)
	if err != nil {
		return nil, err
	}
	item := &SelectItem{Pos: pos, Expr: x}
	alias, err := parseAlias(lex, true)
	if err != nil {
		return nil, err
	}
	item.Alias = alias
	return item, nil
}

// assignItem parses @v = expr or @v op= expr, a variable assignment of
// SELECT; ok is false (nothing consumed) when the item is not one.
func (st *pstate) assignItem(lex *lexer.PeekingLexer, pos Pos) (*SelectItem, bool, error) {
	cp := lex.MakeCheckpoint()
	v := lex.Next()
	op := ""
	if t := lex.Peek(); t.Type == tokPunct && strings.Contains("+-*/%&|^", t.Value) && len(t.Value) == 1 && isPunct(peek2(lex), "=") {
		op = t.Value
		lex.Next()
	}
	if !isPunct(lex.Peek(), "=") {
		lex.LoadCheckpoint(cp)
		return nil, false, nil
	}
	lex.Next()
	p := exprParser{st: st, lex: lex}
	x, err := p.operand(precAdd)
	if err != nil {
		return nil, true, err
	}
	return &SelectItem{Pos: pos, Var: v.Value[1:], VarOp: op, Expr: x}, true, nil
}

// parseAlias parses an optional [AS] alias; strings ('alias') are allowed
// when str is set. It returns "" when there is none.
func parseAlias(lex *lexer.PeekingLexer, str bool) (string, error) {
	a := lex.Peek()
	if isKeyword(a, "AS") {
		lex.Next()
		a = lex.Peek()
		if pgKeywordAlias(a) {
			lex.Next()
			return strings.ToLower(a.Value), nil // as PostgreSQL folds it
		}
		if !isName(a) && !(str && a.Type == tokString) {
			return "", errAt(a)
		}
		lex.Next()
		return unquote(a.Value), nil
	}
	if (isName(a) && !startsStatement(a) && !pgClauseAhead(lex)) || (str && a.Type == tokString) {
		lex.Next()
		return unquote(a.Value), nil
	}
	return "", nil
}

// startsStatement reports whether t is an unreserved word that begins a
// statement (START TRANSACTION, SHOW x). Such a word after a select item or
// table is the next statement, not an alias without AS.
func startsStatement(t *lexer.Token) bool {
	return isWord(t, "START") || isWord(t, "SHOW")
}

// parseValues parses VALUES rows: ( value, ... ) [, ( value, ... ) ...].
func (st *pstate) parseValues(lex *lexer.PeekingLexer) (valuesList, error) {
	if !isPunct(lex.Peek(), "(") {
		return nil, participle.NextMatch
	}
	var rows valueRows
	for {
		if t := lex.Peek(); !isPunct(t, "(") {
			return nil, errAt(t)
		}
		lex.Next()
		var row []Expr
		for {
			v, err := st.parseValue(lex)
			if err == participle.NextMatch {
				return nil, errAt(lex.Peek())
			} else if err != nil {
				return nil, err
			}
			row = append(row, v)
			t := lex.Next()
			if isPunct(t, ")") {
				break
			}
			if !isPunct(t, ",") {
				return nil, errAt(t)
			}
		}
		rows = append(rows, row)
		if !isPunct(lex.Peek(), ",") {
			return rows, nil
		}
		lex.Next()
	}
}

// parseSubquery parses a SELECT (the next token) nested in an expression,
// through the participle grammar, leaving lex after it.
//
// The subquery is parsed from its own token stream, which ends where its
// closing parenthesis is (that token becomes the stream's EOF). A nested
// parse that stopped early would otherwise succeed on a prefix and lose
// the deepest error; this way participle reports the deepest error inside
// the subquery, as it does for the batch, and an unexpected end of the
// subquery reads "near ')'".
func (st *pstate) parseSubquery(lex *lexer.PeekingLexer) (*Select, error) {
	st.subqueries++
	defer func() { st.subqueries-- }()
	if st.subqueries > maxSubqueryDepth {
		return nil, &parseErr{number: 191, tok: *lex.Peek()}
	}
	cp := lex.MakeCheckpoint()
	start := lex.RawCursor()
	eof := lexer.Token{Type: lexer.EOF}
	// Find the closing parenthesis. On the way, refuse subqueries nested
	// too deeply at once, rather than rescanning the rest at each level.
	var open []bool // the parentheses open inside: does each start a subquery?
	nested := 0
	for {
		t := lex.Peek()
		if t.EOF() {
			eof.Pos = t.Pos
			break
		}
		if isPunct(t, "(") {
			sub := isKeyword(peek2(lex), "SELECT")
			open = append(open, sub)
			if sub {
				if nested++; st.subqueries+nested > maxSubqueryDepth {
					lex.Next()
					return nil, &parseErr{number: 191, tok: *lex.Peek()}
				}
			}
		} else if isPunct(t, ")") {
			if len(open) == 0 {
				eof.Value, eof.Pos = t.Value, t.Pos
				break
			}
			if open[len(open)-1] {
				nested--
			}
			open = open[:len(open)-1]
		}
		lex.Next()
	}
	end := lex.RawCursor()
	lex.LoadCheckpoint(cp)
	sub, err := lexer.Upgrade(&sliceLexer{toks: lex.Range(start, end), eof: eof})
	if err != nil {
		return nil, err
	}
	g, err := st.sel.ParseFromLexer(sub)
	if err != nil {
		// Leave lex at the error, so that participle ranks it by depth.
		if off, ok := errorOffset(err); ok {
			for t := lex.Peek(); !t.EOF() && t.Pos.Offset < off && lex.RawCursor() < end; t = lex.Peek() {
				lex.Next()
			}
		}
		return nil, err
	}
	lex.FastForward(end - 1)
	return g.buildSelect()
}

// sliceLexer replays tokens, then its EOF token.
type sliceLexer struct {
	toks []lexer.Token
	eof  lexer.Token
}

func (s *sliceLexer) Next() (lexer.Token, error) {
	if len(s.toks) == 0 {
		return s.eof, nil
	}
	t := s.toks[0]
	s.toks = s.toks[1:]
	return t, nil
}
