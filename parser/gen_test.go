package parser

import (
	"math/rand"
	"strings"
	"testing"
)

// exprGen writes random, mostly valid expressions and statements, to
// check the print/parse fixed point on shapes the fuzzer rarely reaches.
type exprGen struct {
	r *rand.Rand
	b strings.Builder
}

func (g *exprGen) pick(s ...string) string { return s[g.r.Intn(len(s))] }

func (g *exprGen) expr(depth int) {
	if depth <= 0 || g.r.Intn(4) == 0 {
		g.primary()
		return
	}
	switch g.r.Intn(12) {
	case 0, 1, 2:
		g.expr(depth - 1)
		g.b.WriteString(" " + g.pick("+", "-", "*", "/", "%", "&", "|", "^", "=", "<>", "!=", "<", ">", "<=", ">=", "!<", "!>", "AND", "OR") + " ")
		g.expr(depth - 1)
	case 3:
		g.b.WriteString(g.pick("-", "+", "~", "NOT ", "- "))
		g.expr(depth - 1)
	case 4:
		g.b.WriteString("(")
		g.expr(depth - 1)
		g.b.WriteString(")")
	case 5:
		g.expr(depth - 1)
		g.b.WriteString(g.pick(" IS NULL", " IS NOT NULL"))
	case 6:
		g.expr(depth - 1)
		g.b.WriteString(g.pick(" IN (", " NOT IN ("))
		if g.r.Intn(3) == 0 {
			g.sel(depth - 1)
		} else {
			g.expr(depth - 1)
			g.b.WriteString(", ")
			g.expr(depth - 1)
		}
		g.b.WriteString(")")
	case 7:
		g.expr(depth - 1)
		g.b.WriteString(g.pick(" BETWEEN ", " NOT BETWEEN "))
		g.expr(depth - 1)
		g.b.WriteString(" AND ")
		g.expr(depth - 1)
	case 8:
		g.expr(depth - 1)
		g.b.WriteString(g.pick(" LIKE ", " NOT LIKE "))
		g.expr(depth - 1)
		if g.r.Intn(2) == 0 {
			g.b.WriteString(" ESCAPE ")
			g.expr(depth - 1)
		}
	case 9:
		g.b.WriteString("CASE ")
		if g.r.Intn(2) == 0 {
			g.expr(depth - 1)
			g.b.WriteString(" ")
		}
		g.b.WriteString("WHEN ")
		g.expr(depth - 1)
		g.b.WriteString(" THEN ")
		g.expr(depth - 1)
		if g.r.Intn(2) == 0 {
			g.b.WriteString(" ELSE ")
			g.expr(depth - 1)
		}
		g.b.WriteString(" END")
	case 10:
		g.b.WriteString(g.pick("f(", "dbo.f(", "COALESCE(", "COUNT(DISTINCT ", "CAST(", "CONVERT(INT, "))
		g.expr(depth - 1)
		if strings.HasSuffix(g.b.String(), "CAST(") {
			g.b.WriteString(" AS VARCHAR(10))")
		} else {
			g.b.WriteString(")")
		}
	case 11:
		g.b.WriteString(g.pick("EXISTS (", "(", "NOT EXISTS ("))
		g.sel(depth - 1)
		g.b.WriteString(")")
	}
}

func (g *exprGen) primary() {
	g.b.WriteString(g.pick("a", "t.b", "[x y]", "\"q\"", "1", "2.5", ".5", "1e3", "'s'", "N'n'", "''''",
		"0xFF", "NULL", "@v", "@@SPID", "$1", "CURRENT_TIMESTAMP", "USER", "COUNT(*)", "rows", "[select]"))
}

func (g *exprGen) sel(depth int) {
	g.b.WriteString("SELECT ")
	g.b.WriteString(g.pick("", "DISTINCT ", "TOP 3 ", "TOP (2) PERCENT "))
	g.expr(depth)
	g.b.WriteString(g.pick("", " AS x", " y", ", *", ", t.*"))
	if g.r.Intn(2) == 0 {
		g.b.WriteString(" FROM t" + g.pick("", " a", " JOIN u ON ", " LEFT JOIN u AS v ON ", " CROSS JOIN w"))
		if strings.HasSuffix(g.b.String(), "ON ") {
			g.expr(depth)
		}
	}
	if g.r.Intn(2) == 0 {
		g.b.WriteString(" WHERE ")
		g.expr(depth)
	}
	if g.r.Intn(3) == 0 {
		g.b.WriteString(" GROUP BY ")
		g.expr(depth)
		g.b.WriteString(" HAVING ")
		g.expr(depth)
	}
	if g.r.Intn(3) == 0 {
		g.b.WriteString(" ORDER BY ")
		g.expr(depth)
		g.b.WriteString(g.pick("", " DESC", " ASC OFFSET 1 ROWS", " OFFSET 1 ROW FETCH NEXT 2 ROWS ONLY"))
	}
}

var genCases, genSeed = 3000, int64(1)

func TestGeneratedRoundTrip(t *testing.T) {
	g := &exprGen{r: rand.New(rand.NewSource(genSeed))}
	parsed := 0
	for i := 0; i < genCases; i++ {
		g.b.Reset()
		switch i % 3 {
		case 0:
			g.sel(3)
		case 1:
			g.b.WriteString("UPDATE t SET a = ")
			g.expr(3)
			g.b.WriteString(" WHERE ")
			g.expr(3)
		case 2:
			g.b.WriteString("INSERT t VALUES (")
			g.expr(3)
			g.b.WriteString(", DEFAULT)")
		}
		sql := g.b.String()
		stmts, err := parseBatch(BatchText{Text: sql, Line: 1, Count: 1}, false)
		if err != nil {
			checkError(t, sql, err)
			continue
		}
		parsed++
		for _, s := range stmts {
			checkRoundTrip(t, s.String())
		}
	}
	t.Logf("%d of %d parsed", parsed, genCases)
	if parsed < genCases/2 {
		t.Errorf("only %d of %d generated statements parsed", parsed, genCases)
	}
}
