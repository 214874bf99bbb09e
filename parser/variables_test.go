package parser

import (
	"slices"
	"strings"
	"testing"
)

func TestVisitVariables(t *testing.T) {
	st, err := parseStatementUncached(`IF EXISTS (SELECT * FROM t WHERE k = @a) BEGIN
SET @b += (SELECT MAX(v) FROM t WHERE x IN (@c, 1)); SELECT @d = v FROM t ORDER BY @e; EXEC p @param = @f END
ELSE WHILE @g < 1 DECLARE @h INT = @i`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	VisitVariables(st, func(name string, at Pos) {
		got = append(got, name)
		if at.Line == 0 {
			t.Errorf("@%s without a position", name)
		}
	})
	slices.Sort(got)
	// @param names EXEC's parameter and @h is declared: neither is read.
	if want := "a b c d e f g i"; strings.Join(got, " ") != want {
		t.Errorf("variables %v, want %s", got, want)
	}
}
