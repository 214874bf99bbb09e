package parser

import (
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"
)

// Token kinds produced by the lexer. Token values are the source text,
// except for reserved keywords, whose value is the canonical upper-case
// spelling (the original text is src[Pos.Offset:Pos.Offset+len(Value)]).
// Quoted tokens keep their quotes in the value ([a]]b], "a""b", 'x',
// N'x'), so no quoted token can ever be mistaken for a grammar literal;
// the parser unquotes them when it builds the tree.
const (
	tokKeyword   lexer.TokenType = iota + 1 // SELECT (reserved word)
	tokIdent                                // name, contextual keywords
	tokQIdent                               // [name] or "name"
	tokNumber                               // 42, 4.2, .5, 5., 1e10
	tokString                               // 'text'
	tokNString                              // N'text'
	tokBinary                               // 0x0AFF
	tokVar                                  // @name
	tokGlobalVar                            // @@NAME
	tokParam                                // $1
	tokPunct                                // operators and punctuation
	tokEString                              // E'text' (PostgreSQL escapes, pgforms.go)
	tokMoney                                // $12.50, £3 (money constants)
)

var tokenSymbols = map[string]lexer.TokenType{
	"EOF":         lexer.EOF,
	"Keyword":     tokKeyword,
	"Ident":       tokIdent,
	"QuotedIdent": tokQIdent,
	"Number":      tokNumber,
	"String":      tokString,
	"NString":     tokNString,
	"Binary":      tokBinary,
	"Variable":    tokVar,
	"GlobalVar":   tokGlobalVar,
	"Param":       tokParam,
	"Punct":       tokPunct,
	"EString":     tokEString,
	"Money":       tokMoney,
}

// maxIdentLen is SQL Server's limit on identifier length (Msg 103).
const maxIdentLen = 128

// Lexer is the T-SQL lexer as a participle lexer.Definition. Whitespace and
// comments (-- line and nested /* block */) produce no tokens.
var Lexer lexer.Definition = lexDef{}

type lexDef struct{}

func (lexDef) Symbols() map[string]lexer.TokenType { return tokenSymbols }

func (d lexDef) Lex(filename string, r io.Reader) (lexer.Lexer, error) {
	var sb strings.Builder
	if _, err := io.Copy(&sb, r); err != nil {
		return nil, err
	}
	return d.LexString(filename, sb.String())
}

func (lexDef) LexString(filename string, input string) (lexer.Lexer, error) {
	l := newLexer(input)
	l.filename = filename
	return l, nil
}

// lexError is a lexical error: an unclosed quotation mark (105), a missing
// end of comment (113), or an over-long identifier (103).
type lexError struct {
	number int
	arg    string
	pos    lexer.Position
}

func (e *lexError) Error() string { return e.pos.String() + ": lexical error" }

// tsqlLexer scans one batch. Columns are counted in characters; to stay
// linear on very long lines, the column of the previous token is reused.
type tsqlLexer struct {
	src       string
	filename  string
	pos       int // next byte to scan
	line      int // 1-based line of pos
	lineStart int // byte offset of the current line
	colPos    int // byte offset whose column is colAt (on the current line)
	colAt     int
	last      lexer.Token // last non-EOF token returned
}

func newLexer(src string) *tsqlLexer {
	return &tsqlLexer{src: src, line: 1, colAt: 1}
}

// position returns the lexer.Position of byte offset off, which must be on
// the current line and not before the previous call's offset.
func (l *tsqlLexer) position(off int) lexer.Position {
	if l.colPos < l.lineStart {
		l.colPos, l.colAt = l.lineStart, 1
	}
	l.colAt += runeCount(l.src[l.colPos:off])
	l.colPos = off
	return lexer.Position{Filename: l.filename, Offset: off, Line: l.line, Column: l.colAt}
}

func runeCount(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return i + utf8.RuneCountInString(s[i:])
		}
	}
	return len(s)
}

// Next implements lexer.Lexer.
func (l *tsqlLexer) Next() (lexer.Token, error) {
	if err := l.skipSpace(); err != nil {
		return lexer.Token{}, err
	}
	if l.pos >= len(l.src) {
		return lexer.Token{Type: lexer.EOF, Pos: l.position(len(l.src))}, nil
	}
	start := l.pos
	pos := l.position(start) // before scan, which may cross newlines
	typ, err := l.scan(pos)
	if err != nil {
		return lexer.Token{}, err
	}
	val := l.src[start:l.pos]
	if typ == tokIdent {
		if kw := lookupKeyword(val); kw != "" {
			typ, val = tokKeyword, kw
		} else if l.pos-start > maxIdentLen && runeCount(val) > maxIdentLen {
			return lexer.Token{}, &lexError{number: 103, arg: val, pos: pos}
		}
	}
	t := lexer.Token{Type: typ, Value: val, Pos: pos}
	l.last = t
	return t, nil
}

func (l *tsqlLexer) newline(next int) {
	l.line++
	l.lineStart = next
}

// skipSpace skips whitespace and comments.
func (l *tsqlLexer) skipSpace() error {
	src := l.src
	for l.pos < len(src) {
		c := src[l.pos]
		switch {
		case c == '\n':
			l.pos++
			l.newline(l.pos)
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			l.pos++
		case c == '-' && l.pos+1 < len(src) && src[l.pos+1] == '-':
			end := strings.IndexByte(src[l.pos:], '\n')
			if end < 0 {
				l.pos = len(src)
			} else {
				l.pos += end // the newline itself is handled above
			}
		case c == '/' && l.pos+1 < len(src) && src[l.pos+1] == '*':
			if err := l.skipBlockComment(); err != nil {
				return err
			}
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(src[l.pos:])
			if !isSpaceRune(r) {
				return nil
			}
			l.pos += n
		default:
			return nil
		}
	}
	return nil
}

func isSpaceRune(r rune) bool { return unicode.IsSpace(r) || r == '\uFEFF' }

// skipBlockComment skips a /* */ comment; T-SQL block comments nest.
func (l *tsqlLexer) skipBlockComment() error {
	end, lines, lastNL := blockCommentEnd(l.src, l.pos)
	if end < 0 {
		return &lexError{number: 113, pos: l.position(l.pos)}
	}
	if lines > 0 {
		l.line += lines
		l.lineStart = lastNL + 1
	}
	l.pos = end
	return nil
}

// blockCommentEnd returns the offset just past the (nested) block comment
// starting at src[start:], how many newlines it holds and the offset of the
// last one; end is -1 when the comment is not closed.
func blockCommentEnd(src string, start int) (end, lines, lastNL int) {
	depth := 0
	for i := start; i < len(src); {
		switch {
		case src[i] == '/' && i+1 < len(src) && src[i+1] == '*':
			depth++
			i += 2
		case src[i] == '*' && i+1 < len(src) && src[i+1] == '/':
			depth--
			i += 2
			if depth == 0 {
				return i, lines, lastNL
			}
		case src[i] == '\n':
			lines++
			lastNL = i
			i++
		default:
			i++
		}
	}
	return -1, lines, lastNL
}

// scan scans the token at l.pos (not whitespace, not EOF) and returns its kind.
func (l *tsqlLexer) scan(pos lexer.Position) (lexer.TokenType, error) {
	src := l.src
	start := l.pos
	c := src[start]
	switch {
	case (c == 'E' || c == 'e') && start+1 < len(src) && src[start+1] == '\'':
		return tokEString, l.scanEString(pos)
	case c == 'N' || c == 'n':
		if start+1 < len(src) && src[start+1] == '\'' {
			l.pos++
			if err := l.scanQuoted('\'', pos); err != nil {
				return 0, err
			}
			return tokNString, nil
		}
		l.scanIdent()
		return tokIdent, nil
	case isIdentStart(c):
		l.scanIdent()
		return tokIdent, nil
	case c == '0' && start+1 < len(src) && (src[start+1] == 'x' || src[start+1] == 'X'):
		l.pos += 2
		for l.pos < len(src) && isHex(src[l.pos]) {
			l.pos++
		}
		return tokBinary, nil
	case isDigit(c) || (c == '.' && start+1 < len(src) && isDigit(src[start+1])):
		l.scanNumber()
		return tokNumber, nil
	case c == '\'':
		return tokString, l.scanQuoted('\'', pos)
	case c == '[' && start+1 < len(src) && src[start+1] == ']' && start > 0 && isIdentByte(src[start-1]):
		l.pos += 2 // PostgreSQL's array type suffix: int2[] (a T-SQL name is never empty)
		return tokPunct, nil
	case c == '[':
		return tokQIdent, l.scanQuoted(']', pos)
	case c == '"':
		return tokQIdent, l.scanQuoted('"', pos)
	case c == '@':
		typ := tokVar
		l.pos++
		if l.pos < len(src) && src[l.pos] == '@' {
			typ = tokGlobalVar
			l.pos++
		}
		n := l.pos
		l.scanIdentRest()
		if l.pos == n {
			l.pos = start + 1 // a lone @ is punctuation
			return tokPunct, nil
		}
		return typ, nil
	case c == '$':
		// $1 is a PostgreSQL parameter; with a decimal point, $12.50 is
		// T-SQL's money constant (write $12.00 for twelve).
		l.pos++
		for l.pos < len(src) && isDigit(src[l.pos]) {
			l.pos++
		}
		if l.pos < len(src) && src[l.pos] == '.' && (l.pos > start+1 || (l.pos+1 < len(src) && isDigit(src[l.pos+1]))) {
			l.scanNumber()
			return tokMoney, nil
		}
		if l.pos == start+1 {
			return tokPunct, nil
		}
		return tokParam, nil
	case c >= utf8.RuneSelf:
		r, n := utf8.DecodeRuneInString(src[start:])
		if isCurrencySymbol(r) && start+n < len(src) && (isDigit(src[start+n]) || src[start+n] == '.') {
			l.pos += n
			l.scanNumber()
			return tokMoney, nil
		}
		if unicode.IsLetter(r) {
			l.scanIdent()
			return tokIdent, nil
		}
		l.pos += n
		return tokPunct, nil
	}
	// Operators and punctuation.
	l.pos++
	if l.pos < len(src) {
		d := src[l.pos]
		switch c {
		case '<':
			if d == '=' || d == '>' {
				l.pos++
			}
		case '>':
			if d == '=' {
				l.pos++
			}
		case '!':
			if d == '=' || d == '<' || d == '>' {
				l.pos++
			}
		case ':':
			if d == ':' {
				l.pos++
			}
		}
	}
	return tokPunct, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isHex(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

func isIdentStart(c byte) bool {
	return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || c == '_' || c == '#'
}

func isIdentByte(c byte) bool {
	return isIdentStart(c) || isDigit(c) || c == '@' || c == '$'
}

func isIdentRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)
}

func (l *tsqlLexer) scanIdent() {
	_, n := utf8.DecodeRuneInString(l.src[l.pos:])
	l.pos += n
	l.scanIdentRest()
}

func (l *tsqlLexer) scanIdentRest() {
	src := l.src
	for l.pos < len(src) {
		c := src[l.pos]
		if c < utf8.RuneSelf {
			if !isIdentByte(c) {
				return
			}
			l.pos++
			continue
		}
		r, n := utf8.DecodeRuneInString(src[l.pos:])
		if !isIdentRune(r) {
			return
		}
		l.pos += n
	}
}

// isCurrencySymbol reports the symbols other than $ that may start a money
// constant (£12.50, €3).
func isCurrencySymbol(r rune) bool {
	switch r {
	case '£', '€', '¥', '₩', '₹':
		return true
	}
	return false
}

func (l *tsqlLexer) scanNumber() {
	src := l.src
	for l.pos < len(src) && isDigit(src[l.pos]) {
		l.pos++
	}
	if l.pos < len(src) && src[l.pos] == '.' {
		l.pos++
		for l.pos < len(src) && isDigit(src[l.pos]) {
			l.pos++
		}
	}
	if l.pos < len(src) && (src[l.pos] == 'e' || src[l.pos] == 'E') {
		// SQL Server reads 1e, 1e+ and 1e5 all as float constants.
		l.pos++
		if l.pos < len(src) && (src[l.pos] == '+' || src[l.pos] == '-') {
			l.pos++
		}
		for l.pos < len(src) && isDigit(src[l.pos]) {
			l.pos++
		}
	}
}

// scanQuoted scans a token quoted with src[l.pos] and closed by close, in
// which a doubled close character stands for itself; pos is the token's
// position, for errors.
func (l *tsqlLexer) scanQuoted(close byte, pos lexer.Position) error {
	src := l.src
	start := l.pos
	i := start + 1
	for {
		j := strings.IndexByte(src[i:], close)
		if j < 0 {
			return &lexError{number: 105, arg: src[start+1:], pos: pos}
		}
		i += j + 1
		if i < len(src) && src[i] == close {
			i++
			continue
		}
		break
	}
	if close != '\'' {
		if i-start == 2 {
			return &lexError{number: 1038, pos: pos}
		}
		if i-start-2 > maxIdentLen {
			if name := unquote(src[start:i]); runeCount(name) > maxIdentLen {
				return &lexError{number: 103, arg: name, pos: pos}
			}
		}
	}
	l.moveTo(start, i)
	return nil
}

// moveTo moves the lexer past the quoted token src[start:end]. Newlines
// inside the token: the token keeps its start position, the lexer moves on
// to the line where it ends.
func (l *tsqlLexer) moveTo(start, end int) {
	if s := l.src[start:end]; strings.IndexByte(s, '\n') >= 0 {
		l.line += strings.Count(s, "\n")
		l.lineStart = start + strings.LastIndexByte(s, '\n') + 1
	}
	l.pos = end
}

// unquote returns the contents of a quoted token ([a]]b], "a""b", 'x',
// N'x') with each doubled closing quote unescaped. Other tokens are
// returned unchanged. It allocates only when there is an escape.
func unquote(tok string) string {
	if len(tok) > 1 && (tok[0] == 'N' || tok[0] == 'n') && tok[1] == '\'' {
		tok = tok[1:]
	}
	if len(tok) < 2 {
		return tok
	}
	var close string
	switch tok[0] {
	case '[':
		close = "]"
	case '"':
		close = `"`
	case '\'':
		close = "'"
	default:
		return tok
	}
	body := tok[1 : len(tok)-1]
	if !strings.Contains(body, close) {
		return body
	}
	return strings.ReplaceAll(body, close+close, close)
}
