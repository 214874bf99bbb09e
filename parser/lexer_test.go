package parser

import (
	"fmt"
	"strings"
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
)

var kindNames = map[lexer.TokenType]string{}

func init() {
	for name, typ := range tokenSymbols {
		kindNames[typ] = name
	}
}

// lexAll returns "Kind:value@line:col" for each token, or the error.
func lexAll(t *testing.T, src string) string {
	t.Helper()
	l, err := Lexer.(lexer.StringDefinition).LexString("", src)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for {
		tok, err := l.Next()
		if err != nil {
			le := err.(*lexError)
			return strings.Join(append(out, fmt.Sprintf("error %d %q@%d:%d", le.number, le.arg, le.pos.Line, le.pos.Column)), " ")
		}
		if tok.EOF() {
			return strings.Join(append(out, fmt.Sprintf("EOF@%d:%d", tok.Pos.Line, tok.Pos.Column)), " ")
		}
		out = append(out, fmt.Sprintf("%s:%s@%d:%d", kindNames[tok.Type], tok.Value, tok.Pos.Line, tok.Pos.Column))
	}
}

func TestLexer(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"", "EOF@1:1"},
		{"select From wHeRe", "Keyword:SELECT@1:1 Keyword:FROM@1:8 Keyword:WHERE@1:13 EOF@1:18"},
		{"Recovery nocount GO cast try_cast", "Ident:Recovery@1:1 Ident:nocount@1:10 Ident:GO@1:18 Ident:cast@1:21 Ident:try_cast@1:26 EOF@1:34"},
		{"_a #t ##g a$b@c x1 Ünï 日本", "Ident:_a@1:1 Ident:#t@1:4 Ident:##g@1:7 Ident:a$b@c@1:11 Ident:x1@1:17 Ident:Ünï@1:20 Ident:日本@1:24 EOF@1:26"},
		{"[a b] [a]]b] \"x\"\"y\"", `QuotedIdent:[a b]@1:1 QuotedIdent:[a]]b]@1:7 QuotedIdent:"x""y"@1:14 EOF@1:20`},
		{"1 1.5 .5 5. 1e10 2.5E-3 1e 1e+", "Number:1@1:1 Number:1.5@1:3 Number:.5@1:7 Number:5.@1:10 Number:1e10@1:13 Number:2.5E-3@1:18 Number:1e@1:25 Number:1e+@1:28 EOF@1:31"},
		{"'a''b' N'x' n'y' ''", "String:'a''b'@1:1 NString:N'x'@1:8 NString:n'y'@1:13 String:''@1:18 EOF@1:20"},
		{"0x0AFF 0x 0XfF 0xZ", "Binary:0x0AFF@1:1 Binary:0x@1:8 Binary:0XfF@1:11 Binary:0x@1:16 Ident:Z@1:18 EOF@1:19"},
		{"@v @@SERVERNAME @ @@ $1 $ $12", "Variable:@v@1:1 GlobalVar:@@SERVERNAME@1:4 Punct:@@1:17 Punct:@@1:19 Punct:@@1:20 Param:$1@1:22 Punct:$@1:25 Param:$12@1:27 EOF@1:30"},
		{"<= >= <> != !< !> = < > + - * / % & | ^ ~ ( ) , . ; :: :", "Punct:<=@1:1 Punct:>=@1:4 Punct:<>@1:7 Punct:!=@1:10 Punct:!<@1:13 Punct:!>@1:16 Punct:=@1:19 Punct:<@1:21 Punct:>@1:23 Punct:+@1:25 Punct:-@1:27 Punct:*@1:29 Punct:/@1:31 Punct:%@1:33 Punct:&@1:35 Punct:|@1:37 Punct:^@1:39 Punct:~@1:41 Punct:(@1:43 Punct:)@1:45 Punct:,@1:47 Punct:.@1:49 Punct:;@1:51 Punct:::@1:53 Punct::@1:56 EOF@1:57"},
		{"a-- comment\nb /* c /* d */ e */ c", "Ident:a@1:1 Ident:b@2:1 Ident:c@2:21 EOF@2:22"},
		{"a-b--c", "Ident:a@1:1 Punct:-@1:2 Ident:b@1:3 EOF@1:7"},
		{"x /* 1\n2\n3 */ y\r\n  'multi\nline' z", "Ident:x@1:1 Ident:y@3:6 String:'multi\nline'@4:3 Ident:z@5:7 EOF@5:8"},
		{"é = 'ü' + [ö]", "Ident:é@1:1 Punct:=@1:3 String:'ü'@1:5 Punct:+@1:9 QuotedIdent:[ö]@1:11 EOF@1:14"},
		{"\u00a0\ufeffa\u3000b", "Ident:a@1:3 Ident:b@1:5 EOF@1:6"},
		{"? ` \\ {", "Punct:?@1:1 Punct:`@1:3 Punct:\\@1:5 Punct:{@1:7 EOF@1:8"},
		{"a 'open", `Ident:a@1:1 error 105 "open"@1:3`},
		{"a\n [open\nx", "Ident:a@1:1 error 105 \"open\\nx\"@2:2"},
		{"a \"open", `Ident:a@1:1 error 105 "open"@1:3`},
		{"a N'open", `Ident:a@1:1 error 105 "open"@1:3`},
		{"a /* /* */", `Ident:a@1:1 error 113 ""@1:3`},
		{"[]", `error 1038 ""@1:1`},
		{strings.Repeat("x", 129), `error 103 "` + strings.Repeat("x", 129) + `"@1:1`},
		{strings.Repeat("x", 128), "Ident:" + strings.Repeat("x", 128) + "@1:1 EOF@1:129"},
		{"[" + strings.Repeat("]]", 128) + "]", "QuotedIdent:[" + strings.Repeat("]]", 128) + "]@1:1 EOF@1:259"},
	} {
		if got := lexAll(t, tc.src); got != tc.want {
			t.Errorf("%q\n got %s\nwant %s", tc.src, got, tc.want)
		}
	}
}

func TestKeywords(t *testing.T) {
	if len(keywordSet) != len(reservedKeywords) {
		t.Errorf("duplicate keywords in the table")
	}
	for _, k := range reservedKeywords {
		if lookupKeyword(strings.ToLower(k)) != k || !IsReserved(k) {
			t.Errorf("%s not recognised", k)
		}
	}
	for _, w := range []string{"RECOVERY", "SIMPLE", "NOCOUNT", "PARTNER", "TRY_CAST", "CAST", "GO", "SHOW",
		"WORK", "ROWS", "NEXT", "ONLY", "FIRST", "DELAY", "TIME", "MAX", "OFFSET", "SELECTX", "", "A"} {
		if IsReserved(w) {
			t.Errorf("%q should not be reserved", w)
		}
	}
	if !IsReserved("percent") {
		t.Errorf("PERCENT is reserved")
	}
}

func TestUnquote(t *testing.T) {
	for in, want := range map[string]string{
		"[a]]b]": "a]b", `"a""b"`: `a"b`, "'it''s'": "it's", "N'x''y'": "x'y", "n'z'": "z",
		"name": "name", "N": "N", "Nx": "Nx", "''": "", "[a]": "a",
	} {
		if got := unquote(in); got != want {
			t.Errorf("unquote(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestQuoteIdent(t *testing.T) {
	for in, want := range map[string]string{
		"a": "a", "select": "[select]", "Select": "[Select]", "a b": "[a b]", "a]b": "[a]]b]",
		"1a": "[1a]", "#t": "#t", "_x": "_x", "@x": "[@x]", "é": "é", "": "[]", "N'": "[N']",
		"GO": "GO", "rows": "rows", "a.b": "[a.b]",
	} {
		if got := QuoteIdent(in); got != want {
			t.Errorf("QuoteIdent(%q) = %s, want %s", in, got, want)
		}
	}
	if got := QuoteString("it's"); got != "'it''s'" {
		t.Errorf("QuoteString = %s", got)
	}
}
