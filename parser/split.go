package parser

import (
	"strings"
	"unicode/utf8"
)

// maxGoCount caps the repeat count of "GO n"; a larger number makes the
// line an ordinary (and syntactically wrong) part of the batch.
const maxGoCount = 1<<31 - 1

// Split cuts a query string into batches at GO lines, as sqlcmd does: a line
// holding only GO (any case), optionally surrounded by whitespace, followed
// by a positive repeat count and/or a -- comment. GO inside a string, a
// quoted identifier or a (nested) block comment does not count, and neither
// does "GO;" or "GO 0", which stay in the batch and fail to parse there.
//
// Batches that hold nothing but whitespace are dropped, so an empty or
// blank query yields no batches; a batch holding only comments is kept
// (it parses to zero statements). A query without GO lines is one batch.
func Split(sql string) []BatchText {
	var (
		out        []BatchText
		sc         splitScanner
		start      = 0 // byte offset of the current batch
		startRunes = 0
		startLine  = 1
		line       = 1
		runes      = 0 // runes before lineStart
	)
	for lineStart := 0; lineStart < len(sql); {
		lineEnd := strings.IndexByte(sql[lineStart:], '\n')
		next := len(sql)
		if lineEnd < 0 {
			lineEnd = len(sql)
		} else {
			lineEnd += lineStart
			next = lineEnd + 1
		}
		text := sql[lineStart:lineEnd]
		if count, ok := sc.goLine(text); ok {
			out = appendBatch(out, BatchText{Text: sql[start:lineStart], Offset: start,
				RuneOffset: startRunes, Line: startLine, Count: count})
			start, startLine = next, line+1
			startRunes = runes + runeCount(sql[lineStart:next])
		} else {
			sc.scanLine(text)
		}
		runes += runeCount(sql[lineStart:next])
		lineStart = next
		line++
	}
	if start < len(sql) {
		out = appendBatch(out, BatchText{Text: sql[start:], Offset: start,
			RuneOffset: startRunes, Line: startLine, Count: 1})
	}
	return out
}

func appendBatch(out []BatchText, b BatchText) []BatchText {
	if isBlank(b.Text) {
		return out
	}
	return append(out, b)
}

func isBlank(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if !isSpaceByte(c) {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if !isSpaceRune(r) {
			return false
		}
		i += n
	}
	return true
}

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// trimSpace trims ASCII and Unicode whitespace (as the lexer sees it) from
// the start (left) or the end of s.
func trimSpace(s string, left bool) string {
	for len(s) > 0 {
		var r rune
		var n int
		if left {
			r, n = utf8.DecodeRuneInString(s)
		} else {
			r, n = utf8.DecodeLastRuneInString(s)
		}
		if !isSpaceRune(r) {
			break
		}
		if left {
			s = s[n:]
		} else {
			s = s[:len(s)-n]
		}
	}
	return s
}

// TextState tracks, line by line, whether a script has left a string, a
// quoted identifier or a block comment open: sqlcmd recognizes its
// commands (GO, :r, ...) only at the start of a line that begins outside
// them, and cuts batches by the same rules as Split.
type TextState struct{ sc splitScanner }

// Open reports whether the next line starts inside a string, a quoted
// identifier or a block comment.
func (t *TextState) Open() bool { return t.sc.quote != 0 || t.sc.comment > 0 }

// Scan advances the state over one line (without its newline).
func (t *TextState) Scan(line string) { t.sc.scanLine(line) }

// Reset forgets what earlier lines left open (a new batch).
func (t *TextState) Reset() { t.sc = splitScanner{} }

// splitScanner tracks, line by line, whether the text so far has left a
// string, quoted identifier or block comment open.
type splitScanner struct {
	quote   byte // ' " or ] while inside a quoted token, else 0
	comment int  // block comment nesting depth
}

// goLine reports whether line (without its \n) is a GO separator, and its
// repeat count, given the state left by the previous lines.
func (sc *splitScanner) goLine(line string) (int, bool) {
	if sc.quote != 0 || sc.comment > 0 {
		return 0, false
	}
	s := trimSpace(line, true)
	if len(s) < 2 || (s[0] != 'g' && s[0] != 'G') || (s[1] != 'o' && s[1] != 'O') {
		return 0, false
	}
	s = s[2:]
	if i := strings.Index(s, "--"); i >= 0 {
		s = s[:i]
	}
	if s != "" && !isSpaceRune(firstRune(s)) {
		return 0, false // GOTO, GO;, GO5 ...
	}
	s = trimSpace(trimSpace(s, true), false)
	if s == "" {
		return 1, true
	}
	count := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		count = count*10 + int(s[i]-'0')
		if count > maxGoCount {
			return 0, false
		}
	}
	return count, count > 0
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// scanLine advances the state over one line that is not a GO line.
func (sc *splitScanner) scanLine(line string) {
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case sc.comment > 0:
			if c == '/' && i+1 < len(line) && line[i+1] == '*' {
				sc.comment++
				i++
			} else if c == '*' && i+1 < len(line) && line[i+1] == '/' {
				sc.comment--
				i++
			}
		case sc.quote != 0:
			if c == sc.quote {
				if i+1 < len(line) && line[i+1] == sc.quote {
					i++ // doubled quote: still inside
				} else {
					sc.quote = 0
				}
			}
		case c == '\'' || c == '"':
			sc.quote = c
		case c == '[':
			sc.quote = ']'
		case c == '-' && i+1 < len(line) && line[i+1] == '-':
			return // comment to end of line
		case c == '/' && i+1 < len(line) && line[i+1] == '*':
			sc.comment = 1
			i++
		}
	}
}

// malformedGo returns the byte offset, line and column of the first line
// of text that looks like a GO separator but is not one ("GO;", "GO 0"),
// which SPEC §2.1 makes a syntax error rather than a column alias; ok is
// false when there is none. Lines inside strings and comments are skipped.
func malformedGo(text string) (offset, line, col int, ok bool) {
	var sc splitScanner
	line = 1
	for start := 0; start < len(text); line++ {
		end := strings.IndexByte(text[start:], '\n')
		next := len(text)
		if end < 0 {
			end = len(text)
		} else {
			end += start
			next = end + 1
		}
		l := text[start:end]
		if sc.quote == 0 && sc.comment == 0 {
			s := trimSpace(l, true)
			if len(s) >= 2 && strings.EqualFold(s[:2], "go") {
				rest := trimSpace(s[2:], true)
				if i := strings.Index(rest, "--"); i >= 0 {
					rest = rest[:i]
				}
				rest = trimSpace(rest, false)
				if strings.HasPrefix(rest, ";") || rest == "0" || (rest == "" && len(s) > 2 && s[2] == ';') {
					lead := len(l) - len(s)
					return start + lead, line, runeCount(l[:lead]) + 1, true
				}
			}
		}
		sc.scanLine(l)
		start = next
	}
	return 0, 0, 0, false
}
