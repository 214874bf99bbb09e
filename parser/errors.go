package parser

import (
	"errors"
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"

	"mirrordb/sqlerr"
)

// Errors. Inside the parser, failures are *parseErr (from the hand-written
// parsers), participle's own errors, and *lexError; none of them leaves the
// package. toSQLError turns whichever arrives into a *sqlerr.Error:
//
//   - a syntax error names the token where parsing failed, SQL Server style:
//     Msg 156 "Incorrect syntax near the keyword 'FROM'." for a reserved
//     keyword, Msg 102 "Incorrect syntax near 'x'." otherwise; at the end
//     of the input it names the last token (SELECT * FROM → 'FROM');
//   - Line is the token's line within the batch, Position its 1-based
//     character offset within the whole query string.

// parseErr is an error at a token. number 0 means a syntax error (102 or
// 156 by the token's kind); other numbers are catalogued messages with args.
type parseErr struct {
	number int
	tok    lexer.Token
	args   []any
}

func (e *parseErr) Error() string { return e.tok.Pos.String() + ": syntax error" }

// errAt returns a syntax error at t.
func errAt(t *lexer.Token) error { return &parseErr{tok: *t} }

// errorContext is what toSQLError needs to place an error.
type errorContext struct {
	batch BatchText
	last  lexer.Token // last token before EOF, if any
}

func (c *errorContext) toSQLError(err error) *sqlerr.Error {
	var (
		le *lexError
		pe *parseErr
		ue *participle.UnexpectedTokenError
		pp participle.Error
	)
	switch {
	case errors.As(err, &le):
		e := sqlerr.New(le.number) // 113, 1038
		if le.number == 105 || le.number == 103 {
			e = sqlerr.New(le.number, messageText(le.arg))
		}
		return c.place(e, le.pos)
	case errors.As(err, &pe):
		if pe.number != 0 {
			return c.place(sqlerr.New(pe.number, pe.args...), c.nonEOF(pe.tok).Pos)
		}
		return c.syntaxError(pe.tok)
	case errors.As(err, &ue):
		return c.syntaxError(ue.Unexpected)
	case errors.As(err, &pp):
		return c.syntaxError(c.tokenAt(pp.Position()))
	}
	return c.syntaxError(lexer.Token{Type: lexer.EOF})
}

// nonEOF returns t, or the last token of the batch if t is the end of the
// batch. (The end of a subquery is an EOF token with value ")", reported
// as such.)
func (c *errorContext) nonEOF(t lexer.Token) lexer.Token {
	if t.EOF() && t.Value != "" {
		t.Type = tokPunct
	}
	if t.EOF() && c.last.Type != 0 {
		return c.last
	}
	return t
}

// errorOffset returns the byte offset an error refers to.
func errorOffset(err error) (int, bool) {
	var (
		pe *parseErr
		ue *participle.UnexpectedTokenError
		pp participle.Error
	)
	switch {
	case errors.As(err, &pe):
		return pe.tok.Pos.Offset, true
	case errors.As(err, &ue):
		return ue.Unexpected.Pos.Offset, true
	case errors.As(err, &pp):
		return pp.Position().Offset, true
	}
	return 0, false
}

// syntaxError builds Msg 102 or 156 naming token t.
func (c *errorContext) syntaxError(t lexer.Token) *sqlerr.Error {
	t = c.nonEOF(t)
	var e *sqlerr.Error
	switch t.Type {
	case tokKeyword:
		e = sqlerr.New(156, t.Value)
	case lexer.EOF:
		e = sqlerr.New(102, "")
	default:
		e = sqlerr.New(102, messageText(unquote(t.Value)))
	}
	return c.place(e, t.Pos)
}

// maxMessageText bounds the source text quoted in a message, in characters
// (SQL Server quotes the first 128 characters of an over-long identifier).
const maxMessageText = 128

// messageText makes source text fit for a message: valid UTF-8 and at
// most maxMessageText characters.
func messageText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	n := 0
	for i := range s {
		if n == maxMessageText {
			return s[:i]
		}
		n++
	}
	return s
}

// tokenAt re-lexes the token at a position participle reported.
func (c *errorContext) tokenAt(p lexer.Position) lexer.Token {
	text := c.batch.Text
	if p.Offset < 0 || p.Offset >= len(text) {
		return lexer.Token{Type: lexer.EOF}
	}
	l := newLexer(text[p.Offset:])
	t, err := l.Next()
	if err != nil || t.EOF() {
		return lexer.Token{Type: lexer.EOF}
	}
	t.Pos = p
	return t
}

// place sets the error's line (within the batch) and position (within the
// query string).
func (c *errorContext) place(e *sqlerr.Error, p lexer.Position) *sqlerr.Error {
	off := p.Offset
	if off > len(c.batch.Text) {
		off = len(c.batch.Text)
	}
	if off < 0 {
		off = 0
	}
	line := p.Line
	if line < 1 {
		line = 1
	}
	return e.WithPosition(c.batch.RuneOffset+runeCount(c.batch.Text[:off])+1, line)
}
