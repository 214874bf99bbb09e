package parser

import (
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// Hand-written productions of the administrative statements: option
// values and the listener address of an endpoint.

// literalValue is a constant option value: 'text', N'text' or a number
// (BACKUP and RESTORE options). lit is nil when the value was absent.
type literalValue struct{ lit *Literal }

func (v *literalValue) Parse(lex *lexer.PeekingLexer) error {
	lit := literalToken(lex.Peek())
	if lit == nil {
		return participle.NextMatch
	}
	lex.Next()
	v.lit = lit
	return nil
}

// expr returns the value as an Expr (nil when absent).
func (v literalValue) expr() Expr {
	if v.lit == nil {
		return nil
	}
	return v.lit
}

// literalToken returns the literal t spells, or nil if t is no string or
// number.
func literalToken(t *lexer.Token) *Literal {
	pos := posOf(t.Pos)
	switch t.Type {
	case tokString:
		return &Literal{Pos: pos, Kind: LitString, Value: unquote(t.Value)}
	case tokNString:
		return &Literal{Pos: pos, Kind: LitNString, Value: unquote(t.Value)}
	case tokNumber:
		return &Literal{Pos: pos, Kind: numberKind(t.Value), Value: t.Value}
	}
	return nil
}

// optionValue is the value of a login option or of an endpoint option the
// grammar does not know: a string, number or binary constant, a name (a
// *ColumnRef: DEFAULT_DATABASE = master, MESSAGE_FORWARDING = ENABLED), or
// ON, OFF or ALL (a *ColumnRef holding the keyword, printed bare).
type optionValue struct{ x Expr }

func (v *optionValue) Parse(lex *lexer.PeekingLexer) error {
	t := lex.Peek()
	pos := posOf(t.Pos)
	if lit := literalToken(t); lit != nil {
		v.x = lit
	} else {
		switch {
		case t.Type == tokBinary:
			v.x = &Literal{Pos: pos, Kind: LitBinary, Value: t.Value[2:]}
		case isName(t):
			v.x = &ColumnRef{Pos: pos, Parts: []string{unquote(t.Value)}}
		case t.Type == tokKeyword && optionKeywords[t.Value]:
			v.x = &ColumnRef{Pos: pos, Parts: []string{t.Value}}
		default:
			return participle.NextMatch
		}
	}
	lex.Next()
	return nil
}

// optionKeywords are the reserved words allowed as option values.
var optionKeywords = map[string]bool{"ON": true, "OFF": true, "ALL": true}

// listenerIP is the value of LISTENER_IP: ALL, ( a.b.c.d ) or ( 'ipv6' ).
// The IPv4 form is written bare, so the lexer cuts it into numbers
// ("127.0", ".0", ".1"); they are put back together here and must be
// written without spaces, in the shape of four dot-separated digit groups.
// A quoted address must contain a colon. Whether the address is valid is
// for the engine to say.
type listenerIP struct{ addr string }

func (ip *listenerIP) Parse(lex *lexer.PeekingLexer) error {
	t := lex.Peek()
	if isKeyword(t, "ALL") {
		lex.Next()
		ip.addr = "ALL"
		return nil
	}
	if !isPunct(t, "(") {
		return participle.NextMatch
	}
	lex.Next()
	t = lex.Peek()
	if t.Type == tokString || t.Type == tokNString {
		s := unquote(t.Value)
		if !strings.Contains(s, ":") {
			return errAt(t)
		}
		lex.Next()
		ip.addr = s
	} else {
		addr, err := ipv4(lex)
		if err != nil {
			return err
		}
		ip.addr = addr
	}
	if t := lex.Peek(); !isPunct(t, ")") {
		return errAt(t)
	}
	lex.Next()
	return nil
}

// ipv4 reassembles a bare IPv4 address from its tokens, stopping before
// the closing parenthesis. The error names the first token that does not
// fit (the parenthesis if the address is incomplete), with lex left at it.
func ipv4(lex *lexer.PeekingLexer) (string, error) {
	var b strings.Builder
	end := -1 // offset just past the previous token
	for {
		t := lex.Peek()
		if end >= 0 && isPunct(t, ")") {
			if s := b.String(); isIPv4Shape(s) {
				return s, nil
			}
			return "", errAt(t)
		}
		if (t.Type != tokNumber && !isPunct(t, ".")) || (end >= 0 && t.Pos.Offset != end) ||
			!ipv4Prefix(b.String()+t.Value) {
			return "", errAt(t)
		}
		b.WriteString(t.Value)
		end = t.Pos.Offset + len(t.Value)
		lex.Next()
	}
}

// ipv4Prefix reports whether s can begin a dotted-quad address: digit
// groups separated by single dots, at most four groups.
func ipv4Prefix(s string) bool {
	dots, digits := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isDigit(c):
			digits++
		case c == '.' && digits > 0 && dots < 3:
			dots, digits = dots+1, 0
		default:
			return false
		}
	}
	return true
}

// isIPv4Shape reports whether s is four dot-separated digit groups, i.e.
// prints bare inside LISTENER_IP's parentheses.
func isIPv4Shape(s string) bool {
	return ipv4Prefix(s) && strings.Count(s, ".") == 3 && !strings.HasSuffix(s, ".")
}

// tokenAt returns the token that starts at p in src, for errors found
// after parsing (a second ROLE, a misplaced CASCADE).
func tokenAt(src string, p lexer.Position) *lexer.Token {
	t := lexer.Token{Type: lexer.EOF}
	if p.Offset >= 0 && p.Offset < len(src) {
		if next, err := newLexer(src[p.Offset:]).Next(); err == nil {
			t = next
		}
	}
	t.Pos = p
	return &t
}
