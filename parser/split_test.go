package parser

import (
	"reflect"
	"testing"
)

func TestSplit(t *testing.T) {
	type b = BatchText
	for _, tc := range []struct {
		name string
		sql  string
		want []BatchText
	}{
		{"empty", "", nil},
		{"blank", "  \n\t\n", nil},
		{"no GO", "SELECT 1\nSELECT 2", []b{{Text: "SELECT 1\nSELECT 2", Line: 1, Count: 1}}},
		{"GO", "SELECT 1\nGO\nSELECT 2\n", []b{
			{Text: "SELECT 1\n", Line: 1, Count: 1},
			{Text: "SELECT 2\n", Offset: 12, RuneOffset: 12, Line: 3, Count: 1},
		}},
		{"GO at end", "SELECT 1\nGO", []b{{Text: "SELECT 1\n", Line: 1, Count: 1}}},
		{"GO count", "SELECT 1\nGO 5\nSELECT 2\nGO 2", []b{
			{Text: "SELECT 1\n", Line: 1, Count: 5},
			{Text: "SELECT 2\n", Offset: 14, RuneOffset: 14, Line: 3, Count: 2},
		}},
		{"lower case and spaces", "SELECT 1\n  go  \nSELECT 2", []b{
			{Text: "SELECT 1\n", Line: 1, Count: 1},
			{Text: "SELECT 2", Offset: 16, RuneOffset: 16, Line: 3, Count: 1},
		}},
		{"mixed case with count and tabs", "SELECT 1\n\tGo\t3\t\nSELECT 2", []b{
			{Text: "SELECT 1\n", Line: 1, Count: 3},
			{Text: "SELECT 2", Offset: 16, RuneOffset: 16, Line: 3, Count: 1},
		}},
		{"trailing comment", "SELECT 1\nGO -- run it\nSELECT 2\nGO 2 -- twice\n", []b{
			{Text: "SELECT 1\n", Line: 1, Count: 1},
			{Text: "SELECT 2\n", Offset: 22, RuneOffset: 22, Line: 3, Count: 2},
		}},
		{"comment right after GO", "SELECT 1\nGO--x\nSELECT 2", []b{
			{Text: "SELECT 1\n", Line: 1, Count: 1},
			{Text: "SELECT 2", Offset: 15, RuneOffset: 15, Line: 3, Count: 1},
		}},
		{"GO; is not a separator", "SELECT 1\nGO;\nSELECT 2", []b{
			{Text: "SELECT 1\nGO;\nSELECT 2", Line: 1, Count: 1},
		}},
		{"GO 0 and GO x are not separators", "SELECT 1\nGO 0\nGO x\nGOTO l\nGO5", []b{
			{Text: "SELECT 1\nGO 0\nGO x\nGOTO l\nGO5", Line: 1, Count: 1},
		}},
		{"huge count is not a separator", "SELECT 1\nGO 99999999999", []b{
			{Text: "SELECT 1\nGO 99999999999", Line: 1, Count: 1},
		}},
		{"GO not alone on its line", "SELECT 1 GO\nSELECT 2\nGO SELECT 3", []b{
			{Text: "SELECT 1 GO\nSELECT 2\nGO SELECT 3", Line: 1, Count: 1},
		}},
		{"GO in a string", "SELECT 'a\nGO\nb'\nGO\nSELECT 2", []b{
			{Text: "SELECT 'a\nGO\nb'\n", Line: 1, Count: 1},
			{Text: "SELECT 2", Offset: 19, RuneOffset: 19, Line: 5, Count: 1},
		}},
		{"GO in a string with doubled quotes", "SELECT 'it''s\nGO\n'''\nGO\n", []b{
			{Text: "SELECT 'it''s\nGO\n'''\n", Line: 1, Count: 1},
		}},
		{"GO in an N string", "SELECT N'x\nGO\n'", []b{
			{Text: "SELECT N'x\nGO\n'", Line: 1, Count: 1},
		}},
		{"GO in a bracketed name", "SELECT [a]]\nGO\n]\nGO", []b{
			{Text: "SELECT [a]]\nGO\n]\n", Line: 1, Count: 1},
		}},
		{"GO in a quoted name", "SELECT \"a\nGO\n\"", []b{
			{Text: "SELECT \"a\nGO\n\"", Line: 1, Count: 1},
		}},
		{"GO in a block comment", "/*\nGO\n*/ SELECT 1\nGO\nSELECT 2", []b{
			{Text: "/*\nGO\n*/ SELECT 1\n", Line: 1, Count: 1},
			{Text: "SELECT 2", Offset: 21, RuneOffset: 21, Line: 5, Count: 1},
		}},
		{"GO in a nested block comment", "/* /* */\nGO\n*/\nGO\nSELECT 2", []b{
			{Text: "/* /* */\nGO\n*/\n", Line: 1, Count: 1},
			{Text: "SELECT 2", Offset: 18, RuneOffset: 18, Line: 5, Count: 1},
		}},
		{"quote in a line comment", "SELECT 1 -- it's\nGO\nSELECT 2", []b{
			{Text: "SELECT 1 -- it's\n", Line: 1, Count: 1},
			{Text: "SELECT 2", Offset: 20, RuneOffset: 20, Line: 3, Count: 1},
		}},
		{"block comment opener in a string", "SELECT '/*'\nGO\nSELECT 2", []b{
			{Text: "SELECT '/*'\n", Line: 1, Count: 1},
			{Text: "SELECT 2", Offset: 15, RuneOffset: 15, Line: 3, Count: 1},
		}},
		{"CRLF", "SELECT 1\r\nGO\r\nSELECT 2\r\nGO 2\r\n", []b{
			{Text: "SELECT 1\r\n", Line: 1, Count: 1},
			{Text: "SELECT 2\r\n", Offset: 14, RuneOffset: 14, Line: 3, Count: 2},
		}},
		{"empty batches are dropped", "GO\n\nGO 3\nSELECT 1\nGO\n  \nGO", []b{
			{Text: "SELECT 1\n", Offset: 9, RuneOffset: 9, Line: 4, Count: 1},
		}},
		{"comment-only batch is kept", "-- nothing\nGO\nSELECT 1", []b{
			{Text: "-- nothing\n", Line: 1, Count: 1},
			{Text: "SELECT 1", Offset: 14, RuneOffset: 14, Line: 3, Count: 1},
		}},
		{"multi-byte characters", "SELECT 'é'\nGO\n-- ü\nSELECT N'日本'\nGO 2\nSELECT 3", []b{
			{Text: "SELECT 'é'\n", Line: 1, Count: 1},
			{Text: "-- ü\nSELECT N'日本'\n", Offset: 15, RuneOffset: 14, Line: 3, Count: 2},
			{Text: "SELECT 3", Offset: 43, RuneOffset: 37, Line: 6, Count: 1},
		}},
		{"unicode whitespace around GO", "SELECT 1\n\u00a0GO\u3000\nSELECT 2", []b{
			{Text: "SELECT 1\n", Line: 1, Count: 1},
			{Text: "SELECT 2", Offset: 17, RuneOffset: 14, Line: 3, Count: 1},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Split(tc.sql)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Split(%q)\n got %+v\nwant %+v", tc.sql, got, tc.want)
			}
			for _, b := range got {
				if tc.sql[b.Offset:b.Offset+len(b.Text)] != b.Text {
					t.Errorf("batch %+v: Offset does not locate Text", b)
				}
			}
		})
	}
}

// TestSplitPositions checks that error positions of later batches count
// characters of the whole query.
func TestSplitPositions(t *testing.T) {
	sql := "SELECT 'ü'\nGO\nSELECT 'ö' +"
	bs := Split(sql)
	if len(bs) != 2 {
		t.Fatalf("got %d batches", len(bs))
	}
	_, err := ParseBatch(bs[1])
	got := formatError(err)
	// '+' is the 26th character of the query (the 27th byte).
	want := "Msg 102, Level 15, State 1, Line 1, Position 26: Incorrect syntax near '+'.\nSQLSTATE 42601"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if p := bs[1].PositionOf(Pos{Offset: len("SELECT 'ö' ")}); p != 26 {
		t.Errorf("PositionOf = %d, want 26", p)
	}
}
