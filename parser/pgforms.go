package parser

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// The PostgreSQL forms that drivers and ORMs generate by themselves, read
// where they mean nothing else in T-SQL (docs/ARCHITECTURE.md, "What
// drivers send"):
//
//   - x::type, a cast that binds tighter than any operator (-1::text is
//     -(1::text)), with PostgreSQL's type names (ast_pg.go lists them);
//   - E'...' strings with backslash escapes (E immediately followed by the
//     quote; "e 'x'" with a space stays T-SQL's column e aliased 'x');
//   - LIMIT n [OFFSET m] and OFFSET m without ORDER BY (grammar.go);
//   - INSERT/UPDATE/DELETE ... RETURNING, read as T-SQL's OUTPUT.

// pgCasts applies the x::type casts that follow the primary expression x.
// Each one counts towards the expression depth limit.
func (p *exprParser) pgCasts(x Expr) (Expr, error) {
	depth := 0
	defer func() {
		for ; depth > 0; depth-- {
			p.leave()
		}
	}()
	for {
		if sub, ok, err := p.subscript(x); ok || err != nil {
			if err != nil {
				return nil, err
			}
			x = sub
			continue
		}
		if !isPunct(p.lex.Peek(), "::") {
			break
		}
		op := p.lex.Next()
		if err := p.enter(op); err != nil {
			return nil, err
		}
		depth++
		typ, err := parsePGTypeName(p.lex)
		if err != nil {
			return nil, err
		}
		x = &Cast{Pos: x.Position(), X: x, To: typ, PG: true}
	}
	return x, nil
}

// parsePGTypeName parses the type of x::type: [pg_catalog.] name, where name
// may be one of PostgreSQL's multi-word names (double precision, character
// varying, timestamp with time zone ...), with optional ( n [, m] ).
func parsePGTypeName(lex *lexer.PeekingLexer) (TypeName, error) {
	if t := lex.Peek(); isWord(t, "PG_CATALOG") && isPunct(peek2(lex), ".") {
		lex.Next()
		lex.Next()
	}
	t := lex.Peek()
	if isPunct(t, "[") || !(isName(t) || isKeyword(t, "DOUBLE")) {
		return TypeName{}, errAt(t)
	}
	typ, err := parseTypeName(lex)
	if err != nil {
		return TypeName{}, err
	}
	if isPunct(lex.Peek(), "[]") { // an array: its text form here (engine/pgarray.go)
		lex.Next()
		typ.Array = true
	}
	return typ, nil
}

// multiWordType reads the first words of a multi-word type name and returns
// its one-word spelling, or "" (consuming nothing) when the next tokens are
// not one. DOUBLE PRECISION and CHARACTER VARYING are T-SQL too (FLOAT,
// VARCHAR); TIMESTAMP and TIME WITH[OUT] TIME ZONE are PostgreSQL's, and
// their zone words follow the optional precision (zoneSuffix).
func multiWordType(lex *lexer.PeekingLexer) string {
	t := lex.Peek()
	n := peek2(lex)
	switch {
	case isKeyword(t, "DOUBLE") && isKeyword(n, "PRECISION"):
		lex.Next()
		lex.Next()
		return "FLOAT"
	case isWord(t, "CHARACTER") && isKeyword(n, "VARYING"):
		lex.Next()
		lex.Next()
		return "VARCHAR"
	}
	return ""
}

// zoneSuffix reads WITH TIME ZONE or WITHOUT TIME ZONE after TIMESTAMP or
// TIME [(p)] and returns the name it makes (TIMESTAMPTZ, TIMETZ, or the
// name unchanged).
func zoneSuffix(lex *lexer.PeekingLexer, name string) string {
	if name != "TIMESTAMP" && name != "TIME" {
		return name
	}
	t := lex.Peek()
	with := isKeyword(t, "WITH")
	if !with && !isWord(t, "WITHOUT") {
		return name
	}
	cp := lex.MakeCheckpoint()
	lex.Next()
	if !isWord(lex.Peek(), "TIME") {
		lex.LoadCheckpoint(cp)
		return name
	}
	lex.Next()
	if !isWord(lex.Peek(), "ZONE") {
		lex.LoadCheckpoint(cp)
		return name
	}
	lex.Next()
	if with {
		return name + "TZ"
	}
	return name
}

// pgClauseAhead reports whether the next tokens start a PostgreSQL clause
// that ends a select item or table without an alias: LIMIT or OFFSET
// followed by a count, or RETURNING followed by its list. "FROM t limit"
// alone stays T-SQL's alias.
func pgClauseAhead(lex *lexer.PeekingLexer) bool {
	t := lex.Peek()
	if t.Type != tokIdent {
		return false
	}
	n := peek2(lex)
	switch strings.ToUpper(t.Value) {
	case "LIMIT":
		return n.Type == tokNumber || n.Type == tokParam || n.Type == tokVar || isPunct(n, "(") || isKeyword(n, "ALL")
	case "OFFSET":
		return n.Type == tokNumber || n.Type == tokParam || n.Type == tokVar || isPunct(n, "(")
	case "RETURNING":
		return isPunct(n, "*") || isName(n)
	}
	return false
}

// limitCount is the count of LIMIT: an expression, or ALL, which reads as
// NULL (no limit, as in PostgreSQL).
type limitCount interface{ Expr }

// parseLimitCount is the participle entry point for limitCount.
func (st *pstate) parseLimitCount(lex *lexer.PeekingLexer) (limitCount, error) {
	if t := lex.Peek(); isKeyword(t, "ALL") {
		lex.Next()
		return &Literal{Pos: posOf(t.Pos), Kind: LitNull}, nil
	}
	x, err := st.parseExpr(lex)
	if err == participle.NextMatch {
		return nil, errAt(lex.Peek())
	}
	return x, err
}

// scanEString scans E'...' (l.pos at the E): a backslash escapes the next
// character, and ” stands for a quote as in any string.
func (l *tsqlLexer) scanEString(pos lexer.Position) error {
	src := l.src
	start := l.pos
	i := start + 2
	for {
		if i >= len(src) {
			return &lexError{number: 105, arg: src[start+2:], pos: pos}
		}
		switch src[i] {
		case '\\':
			i += 2
			continue
		case '\'':
			if i+1 < len(src) && src[i+1] == '\'' {
				i += 2
				continue
			}
			l.moveTo(start, i+1)
			return nil
		}
		i++
	}
}

// unescapeE returns the contents of an E'...' token with PostgreSQL's
// escapes replaced: \b \f \n \r \t, \ooo (octal), \xhh, \uXXXX,
// \UXXXXXXXX, and a backslash before any other character stands for that
// character. ok is false for an escape that makes no character.
func unescapeE(tok string) (string, bool) {
	body := tok[2 : len(tok)-1]
	if !strings.ContainsAny(body, `\'`) {
		return body, true
	}
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c == '\'' { // '' inside the string
			b.WriteByte('\'')
			i++
			continue
		}
		if c != '\\' || i+1 >= len(body) {
			b.WriteByte(c)
			continue
		}
		i++
		switch e := body[i]; e {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'x', 'u', 'U':
			width := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
			j := i + 1
			for j < len(body) && j < i+1+width && isHex(body[j]) {
				j++
			}
			if j == i+1 || (e != 'x' && j != i+1+width) {
				return "", false
			}
			v, _ := strconv.ParseUint(body[i+1:j], 16, 32)
			if e == 'x' {
				b.WriteByte(byte(v))
			} else if r := rune(v); utf8.ValidRune(r) && r != 0 {
				b.WriteRune(r)
			} else {
				return "", false
			}
			i = j - 1
		default:
			if '0' <= e && e <= '7' {
				j := i
				for j < len(body) && j < i+3 && '0' <= body[j] && body[j] <= '7' {
					j++
				}
				v, _ := strconv.ParseUint(body[i:j], 8, 16)
				b.WriteByte(byte(v))
				i = j - 1
				continue
			}
			b.WriteByte(e)
		}
	}
	if !utf8.ValidString(b.String()) {
		return "", false
	}
	return b.String(), true
}

// outputClause is T-SQL's OUTPUT list, before VALUES/SELECT (INSERT), FROM
// (UPDATE) or WHERE (DELETE).
type outputClause struct {
	Pos   lexer.Position
	Items selectList `parser:"'OUTPUT' @@"`
}

// returningClause is PostgreSQL's RETURNING list, at the end of the
// statement.
type returningClause struct {
	Pos   lexer.Position
	Items selectList `parser:"'RETURNING' @@"`
}

// buildOutput converts the OUTPUT or RETURNING clause of a DML statement;
// both in one statement is a syntax error at RETURNING.
func buildOutput(out *outputClause, ret *returningClause) (*Output, error) {
	switch {
	case out != nil && ret != nil:
		return nil, &parseErr{tok: lexer.Token{Type: tokIdent, Value: "RETURNING", Pos: ret.Pos}}
	case out != nil:
		return &Output{Pos: posOf(out.Pos), Items: out.Items.selectItems()}, nil
	case ret != nil:
		return &Output{Pos: posOf(ret.Pos), Items: ret.Items.selectItems(), Returning: true}, nil
	}
	return nil, nil
}

// buildLimit folds LIMIT n [OFFSET m] into the select's FETCH and OFFSET.
// OFFSET given twice (OFFSET m LIMIT n OFFSET k), or FETCH with LIMIT, is
// a syntax error at the second count.
func (s *selectStmt) buildLimit(sel *Select) error {
	twice := func(x Expr) error {
		p := x.Position()
		return &parseErr{tok: lexer.Token{Type: tokIdent, Value: strings.TrimSpace(x.String()),
			Pos: lexer.Position{Offset: p.Offset, Line: p.Line, Column: p.Col}}}
	}
	if s.Offset2 != nil {
		if sel.Offset != nil {
			return twice(s.Offset2)
		}
		sel.Offset = s.Offset2
	}
	if s.Limit != nil && sel.Fetch != nil {
		return twice(s.Limit)
	}
	if s.Limit != nil {
		sel.Limit = true
		if lit, ok := s.Limit.(*Literal); !ok || lit.Kind != LitNull {
			sel.Fetch = s.Limit
		}
	}
	return nil
}
