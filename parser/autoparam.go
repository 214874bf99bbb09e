package parser

import (
	"strconv"
	"strings"
	"sync"

	"github.com/alecthomas/participle/v2/lexer"
)

// Simple parameterization, the way SQL Server does it for ad hoc
// statements: after lexing, the literals of a statement that is safe to
// parameterize become parameters, so "SELECT v FROM kv WHERE k = 42" and
// "... k = 43" share one text ("... k = $1"), one parse and one plan.
//
// Only literals whose value cannot change the statement's shape or the
// types of its results are replaced: the right side of a comparison with a
// column in a WHERE or ON clause or an UPDATE's SET (col = 42), and the
// values of a single-row INSERT ... VALUES; other literals stay in the
// text (SET n = n + 1). Statement classes SQL Server
// leaves alone (TOP, IN lists, GROUP BY/ORDER BY, set operators, variables,
// several statements, subqueries, temporary tables, OUTPUT, LIKE) are not
// parameterized at all; when in doubt, a statement is left as it is.

// maxParameterizedText bounds the statements considered (longer texts are
// bulk scripts, not the point statements the plan cache is for).
const maxParameterizedText = 4 << 10

// Parameterized is a statement with its literals replaced by $1..$n.
type Parameterized struct {
	// Text is the statement as written, with each replaced literal's
	// text swapped for $n; everything else (spacing, lines, comments) is
	// kept, so lines in the parameterized text are the original lines.
	Text string
	// Lits are the replaced literals, in order ($1 first).
	Lits []Literal
}

// Parameterize returns text's parameterized form, or false when text is
// not one statement that simple parameterization applies to, or has
// literals of which none can be replaced. Literals elsewhere stay in the
// text (n = n + 1). A statement without literals is its own parameterized
// form (Lits is empty).
func Parameterize(text string) (Parameterized, bool) {
	if len(text) > maxParameterizedText {
		return Parameterized{}, false
	}
	buf := tokenPool.Get().(*[]lexer.Token)
	defer tokenPool.Put(buf)
	toks, ok := autoParamTokens(text, (*buf)[:0])
	*buf = toks[:0]
	if !ok {
		return Parameterized{}, false
	}
	var slots [8]int
	lits := literalSlots(toks, slots[:0])
	if len(lits) == 0 {
		if countLiterals(toks) > 0 {
			// Nothing to share: every value would be an entry of its own.
			return Parameterized{}, false
		}
		return Parameterized{Text: text}, true
	}
	var sb strings.Builder
	sb.Grow(len(text) + 2*len(lits))
	out := Parameterized{Lits: make([]Literal, 0, len(lits))}
	prev := 0
	for n, i := range lits {
		t := toks[i]
		lit := Literal{Pos: posOf(t.Pos)}
		switch t.Type {
		case tokNumber:
			lit.Kind, lit.Value = numberKind(t.Value), t.Value
		case tokString:
			lit.Kind, lit.Value = LitString, unquote(t.Value)
		case tokNString:
			lit.Kind, lit.Value = LitNString, unquote(t.Value)
		}
		out.Lits = append(out.Lits, lit)
		sb.WriteString(text[prev:t.Pos.Offset])
		sb.WriteByte('$')
		sb.WriteString(strconv.Itoa(n + 1))
		prev = t.Pos.Offset + len(t.Value)
	}
	sb.WriteString(text[prev:])
	out.Text = sb.String()
	return out, true
}

// tokenPool holds token slices for Parameterize, which runs for every
// simple-query statement.
var tokenPool = sync.Pool{New: func() any { s := make([]lexer.Token, 0, 64); return &s }}

// autoParamRefused lists the words whose presence leaves a statement as it
// is: its literals may be counts (TOP, OFFSET), shape it (GROUP BY and
// ORDER BY match expressions by their text; ORDER BY 1 is an ordinal), or
// SQL Server does not parameterize the class (set operators, OUTPUT, IN
// lists, LIKE patterns, CTEs, hints, cursors, procedure calls).
var autoParamRefused = map[string]bool{
	"TOP": true, "UNION": true, "EXCEPT": true, "INTERSECT": true, "GROUP": true,
	"HAVING": true, "ORDER": true, "OVER": true, "COLLATE": true, "OUTPUT": true,
	"OPTION": true, "FOR": true, "WITH": true, "EXEC": true, "EXECUTE": true,
	"IN": true, "LIKE": true, "ESCAPE": true, "PIVOT": true, "UNPIVOT": true,
	"TABLESAMPLE": true, "OPENROWSET": true, "OPENQUERY": true, "OPENXML": true,
	"OPENDATASOURCE": true, "CONTAINS": true, "FREETEXT": true, "CONTAINSTABLE": true,
	"FREETEXTTABLE": true, "MERGE": true, "EXISTS": true, "COMPUTE": true, "BROWSE": true,
	"LIMIT": true, "OFFSET": true, "RETURNING": true, "GO": true, "DEFAULT": true,
	"PERCENT": true,
	// Functions of who is connected are folded when the statement is bound
	// and may change without a schema change (CREATE USER, server roles).
	"HOST_NAME": true, "USER": true, "USER_NAME": true, "SUSER_NAME": true, "SUSER_SNAME": true,
	"SYSTEM_USER": true, "CURRENT_USER": true, "SESSION_USER": true, "ORIGINAL_LOGIN": true,
	"IS_SRVROLEMEMBER": true, "IS_MEMBER": true, "SUSER_ID": true, "SUSER_SID": true, "USER_ID": true,
}

// refusedWord looks w up in autoParamRefused in any case, without
// allocating.
func refusedWord(w string) bool {
	var buf [24]byte
	if len(w) > len(buf) {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		buf[i] = c
	}
	return autoParamRefused[string(buf[:len(w)])]
}

// autoParamTokens lexes text and checks the statement class: one SELECT,
// INSERT, UPDATE or DELETE (at most one SELECT keyword, so no subquery and
// no INSERT ... SELECT), no variable or parameter, no refused word, no
// temporary table, ";" only at the end, no string spanning lines.
func autoParamTokens(text string, toks []lexer.Token) ([]lexer.Token, bool) {
	l := newLexer(text)
	selects := 0
	for {
		t, err := l.Next()
		if err != nil {
			return toks, false
		}
		if t.Type == lexer.EOF {
			break
		}
		if len(toks) > 0 && isPunct(&toks[len(toks)-1], ";") {
			return toks, false // a second statement
		}
		switch t.Type {
		case tokVar, tokGlobalVar, tokParam, tokEString:
			return toks, false
		case tokKeyword, tokIdent:
			if strings.HasPrefix(t.Value, "#") || refusedWord(t.Value) {
				return toks, false
			}
			if t.Type == tokKeyword && t.Value == "SELECT" {
				selects++
			}
		case tokQIdent:
			if len(t.Value) > 1 && t.Value[1] == '#' {
				return toks, false
			}
		case tokString, tokNString:
			if strings.ContainsAny(t.Value, "\r\n") {
				return toks, false
			}
		}
		toks = append(toks, t)
	}
	if len(toks) == 0 || toks[0].Type != tokKeyword || selects > 1 {
		return toks, false
	}
	switch toks[0].Value {
	case "SELECT", "UPDATE", "DELETE":
	case "INSERT":
		if selects > 0 {
			return toks, false
		}
	default:
		return toks, false
	}
	return toks, true
}

// literalSlots returns the indexes of the tokens to replace.
func literalSlots(toks []lexer.Token, out []int) []int {
	if toks[0].Value == "INSERT" {
		return insertSlots(toks, out)
	}
	// region: where a comparison's literal may be replaced; "set" is an
	// UPDATE's SET list, "pred" a WHERE or ON clause.
	region := ""
	for i := range toks {
		t := &toks[i]
		switch {
		case isKeyword(t, "WHERE"), isKeyword(t, "ON"):
			region = "pred"
		case isKeyword(t, "SET") && toks[0].Value == "UPDATE" && region == "":
			region = "set"
		case isKeyword(t, "FROM") && region == "set":
			region = "" // UPDATE ... FROM: the FROM clause itself
		case region != "" && isLiteralToken(t) && i >= 2 && isComparison(&toks[i-1]) && isColumnToken(&toks[i-2]):
			next := lexer.Token{Type: lexer.EOF}
			if i+1 < len(toks) {
				next = toks[i+1]
			}
			if endsComparison(&next, region) {
				out = append(out, i)
			}
		}
	}
	return out
}

// insertSlots handles INSERT [INTO] name [(columns)] VALUES (v, ...) [;]:
// each value that is a lone literal, in a single row.
func insertSlots(toks []lexer.Token, out []int) []int {
	i := 0
	for i < len(toks) && !isKeyword(&toks[i], "VALUES") {
		i++
	}
	if i+1 >= len(toks) || !isPunct(&toks[i+1], "(") {
		return nil
	}
	open := i + 1
	depth, end := 0, -1
	for j := open; j < len(toks); j++ {
		switch {
		case isPunct(&toks[j], "("):
			depth++
		case isPunct(&toks[j], ")"):
			depth--
		}
		if depth == 0 {
			end = j
			break
		}
	}
	if end < 0 {
		return nil
	}
	// Only ";" may follow the row (a second row, or anything else, leaves
	// the statement as it is).
	if rest := toks[end+1:]; len(rest) > 1 || (len(rest) == 1 && !isPunct(&rest[0], ";")) {
		return nil
	}
	for j := open + 1; j < end; j++ {
		if isLiteralToken(&toks[j]) && (j == open+1 || isPunct(&toks[j-1], ",")) && (isPunct(&toks[j+1], ",") || j+1 == end) {
			out = append(out, j)
		}
	}
	return out
}

func countLiterals(toks []lexer.Token) int {
	n := 0
	for i := range toks {
		if isLiteralToken(&toks[i]) || toks[i].Type == tokBinary {
			n++
		}
	}
	return n
}

func isLiteralToken(t *lexer.Token) bool {
	return t.Type == tokNumber || t.Type == tokString || t.Type == tokNString
}

func isComparison(t *lexer.Token) bool {
	if t.Type != tokPunct {
		return false
	}
	switch t.Value {
	case "=", "<>", "!=", "<", ">", "<=", ">=":
		return true
	}
	return false
}

// isColumnToken reports whether t can end a column reference.
func isColumnToken(t *lexer.Token) bool { return t.Type == tokIdent || t.Type == tokQIdent }

// endsComparison reports whether t may follow the literal of a replaced
// comparison: the end of the statement or of a condition.
func endsComparison(t *lexer.Token, region string) bool {
	switch {
	case t.Type == lexer.EOF, isPunct(t, ";"), isPunct(t, ")"), isKeyword(t, "AND"), isKeyword(t, "OR"):
		return true
	case region == "set":
		return isPunct(t, ",") || isKeyword(t, "WHERE")
	case region == "pred":
		// ON a.x = 5 JOIN ... / WHERE after an ON clause
		return isKeyword(t, "WHERE") || isKeyword(t, "JOIN") || isKeyword(t, "INNER") ||
			isKeyword(t, "LEFT") || isKeyword(t, "RIGHT") || isKeyword(t, "FULL") || isKeyword(t, "CROSS")
	}
	return false
}
