package parser

import (
	"errors"
	"strings"
	"testing"

	"mirrordb/sqlerr"
)

// TestNestingLimits checks that deep nesting is refused with Msg 191
// (or a syntax error) instead of exhausting the stack; IF, WHILE and
// BEGIN...END ("flow" cases) just past maxFlowDepth and far past it.
func TestNestingLimits(t *testing.T) {
	deep := func(open, mid, close string, n int) string {
		return strings.Repeat(open, n) + mid + strings.Repeat(close, n)
	}
	for _, tc := range []struct {
		name string
		sql  string
		ok   bool
	}{
		{"parens ok", "SELECT " + deep("(", "1", ")", 200), true},
		{"parens", "SELECT " + deep("(", "1", ")", 100000), false},
		{"unclosed parens", "SELECT " + strings.Repeat("(", 100000), false},
		{"unary minus", "SELECT " + strings.Repeat("- ", 100000) + "1", false},
		{"not", "SELECT 1 WHERE " + strings.Repeat("NOT ", 100000) + "1 = 1", false},
		{"case", "SELECT " + deep("CASE WHEN 1 = 1 THEN ", "1", " END", 50000), false},
		{"functions", "SELECT " + deep("f(", "1", ")", 100000), false},
		{"subqueries ok", "SELECT " + deep("(SELECT ", "1", ")", 30), true},
		{"subqueries", "SELECT " + deep("(SELECT ", "1", ")", 10000), false},
		{"exists", "SELECT 1 WHERE " + deep("EXISTS (SELECT 1 WHERE ", "1 = 1", ")", 10000), false},
		{"in", "SELECT 1 WHERE " + deep("a IN (SELECT 1 WHERE ", "1 = 1", ")", 10000), false},
		{"flow if ok", deep("IF 1 = 1 ", "PRINT 1", "", maxFlowDepth), true},
		{"flow if", deep("IF 1 = 1 ", "PRINT 1", "", maxFlowDepth+1), false},
		{"flow if far", deep("IF 1 = 1 ", "PRINT 1", "", 400000), false},
		{"flow else if ok", "IF 1 = 1 PRINT 1" + strings.Repeat(" ELSE IF 1 = 1 PRINT 1", maxFlowDepth-1), true},
		{"flow else if", "IF 1 = 1 PRINT 1" + strings.Repeat(" ELSE IF 1 = 1 PRINT 1", maxFlowDepth), false},
		{"flow while ok", deep("WHILE 1 = 0 ", "BREAK", "", maxFlowDepth), true},
		{"flow while", deep("WHILE 1 = 0 ", "BREAK", "", maxFlowDepth+1), false},
		{"flow while far", deep("WHILE 1 = 0 ", "BREAK", "", 100000), false},
		{"flow block ok", deep("BEGIN ", "PRINT 1", " END", maxFlowDepth), true},
		{"flow block", deep("BEGIN ", "PRINT 1", " END", maxFlowDepth+1), false},
		{"flow block far", deep("BEGIN ", "PRINT 1", " END", 100000), false},
		{"flow unclosed blocks", strings.Repeat("BEGIN ", 100000) + "PRINT 1", false},
		{"flow mixed ok", deep("IF 1 = 1 BEGIN WHILE 1 = 0 ", "BREAK", " END", maxFlowDepth/3) + " ELSE PRINT 1", true},
		{"flow mixed", deep("IF 1 = 1 BEGIN WHILE 1 = 0 ", "BREAK", " END", maxFlowDepth/3+1), false},
		{"flow mixed far", deep("WHILE 1 = 0 BEGIN IF 1 = 1 ", "BREAK", " END", 50000), false},
		{"flow flat ok", strings.Repeat("BEGIN PRINT 1 END ", maxFlowDepth+1), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			allocs := testing.AllocsPerRun(1, func() {
				_, err = parseBatch(BatchText{Text: tc.sql, Line: 1, Count: 1}, false)
			})
			if tc.ok && err != nil {
				t.Fatalf("unexpected error: %s", formatError(err))
			}
			if !tc.ok {
				if err == nil {
					t.Fatal("no error")
				}
				checkError(t, tc.sql, err)
				// Control flow too deep is Msg 191 itself, not a syntax error.
				var e *sqlerr.Error
				if strings.HasPrefix(tc.name, "flow ") && (!errors.As(err, &e) || e.Number != 191) {
					t.Fatalf("want Msg 191: %s", formatError(err))
				}
			}
			// Work, counted in allocations rather than seconds (a loaded
			// machine is slow, never exponential): a parser that backtracks
			// over the nesting allocates far more than its input's length.
			// Control flow costs participle a few hundred allocations per
			// statement, and its cost must stop at the limit however long
			// the input.
			bound := 4096 + 10*len(tc.sql)
			if strings.HasPrefix(tc.name, "flow ") {
				bound = 4096 + 400*(maxFlowDepth+1)
			}
			t.Logf("%d allocations for %d bytes", int(allocs), len(tc.sql))
			if allocs > float64(bound) {
				t.Errorf("%d allocations for %d bytes of input", int(allocs), len(tc.sql))
			}
		})
	}
}

// TestLongInput checks that lexing and parsing stay linear on long input.
func TestLongInput(t *testing.T) {
	var b strings.Builder
	b.WriteString("INSERT INTO t VALUES ")
	for i := 0; i < 20000; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(1, N'é', 2.5)")
	}
	var stmts []Statement
	var err error
	allocs := testing.AllocsPerRun(1, func() {
		stmts, err = parseBatch(BatchText{Text: b.String(), Line: 1, Count: 1}, false)
	})
	if err != nil {
		t.Fatal(formatError(err))
	}
	if n := len(stmts[0].(*Insert).Rows); n != 20000 {
		t.Fatalf("%d rows", n)
	}
	// Linear work, counted in allocations (see TestNestingLimits).
	t.Logf("%d allocations for %d bytes", int(allocs), b.Len())
	if allocs > float64(4096+10*b.Len()) {
		t.Errorf("%d allocations for %d bytes of input", int(allocs), b.Len())
	}
}
