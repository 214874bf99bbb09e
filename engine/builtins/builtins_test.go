package builtins

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"mirrordb/engine/govern"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// The table is reachable by name, with its argument bounds.
func TestTable(t *testing.T) {
	got := map[string]*Func{}
	for name, f := range All() {
		got[name] = f
	}
	for _, name := range []string{"LEN", "ROUND", "EOMONTH", "NEWSEQUENTIALID", "YEAR"} {
		if got[name] == nil {
			t.Errorf("%s is missing", name)
		}
	}
	v, err := got["LEFT"].Eval([]types.Value{"abcdef", int64(3)}, []types.Type{types.VarCharType(10), types.TypeInt})
	if err != nil || v != "abc" {
		t.Errorf("LEFT('abcdef', 3) = %v, %v", v, err)
	}
	if _, err := got["LEFT"].Eval([]types.Value{"abc", int64(-1)}, []types.Type{types.VarCharType(10), types.TypeInt}); !sqlerr.Is(err, 536) {
		t.Errorf("LEFT with a negative length: %v, want 536", err)
	}
}

func TestLike(t *testing.T) {
	var g *govern.Statement // ungoverned
	for _, c := range []struct {
		pattern, s, prefix string
		match              bool
	}{
		{"ab%", "abc", "ab", true},
		{"a_c", "abc", "a", true},
		{"[a-c]x", "bx", "", true},
		{"[^a-c]x", "bx", "", false},
		{"%z", "abc", "", false},
	} {
		m := CompileLike(c.pattern, 0)
		if ok, err := m.Match(g, c.s); err != nil || ok != c.match {
			t.Errorf("%q LIKE %q = %v, %v; want %v", c.s, c.pattern, ok, err, c.match)
		}
		if p := m.LiteralPrefix(); p != c.prefix {
			t.Errorf("prefix of %q = %q, want %q", c.pattern, p, c.prefix)
		}
	}
}

// A long match stops when its statement is cancelled.
func TestLikeCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	g := govern.NewPool(0, 0).Begin(ctx)
	for deadline := time.Now().Add(10 * time.Second); g.Check() == nil && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond) // the governor learns of the cancel asynchronously
	}
	long := strings.Repeat("a", 100_000)
	if _, err := CompileLike("%b%", 0).Match(g, long); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled match returned %v", err)
	}
}

func TestDates(t *testing.T) {
	a := time.Date(2024, 12, 31, 23, 0, 0, 0, time.UTC)
	b := time.Date(2025, 1, 1, 1, 0, 0, 0, time.UTC)
	if n, err := DateDiff("year", a, b); err != nil || n != 1 {
		t.Errorf("DATEDIFF(year) = %d, %v", n, err)
	}
	if _, err := DateDiff("fortnight", a, b); !sqlerr.Is(err, 155) {
		t.Errorf("an unknown part: %v, want 155", err)
	}
	v, err := DateDiffFunc("nanosecond", false)([]types.Value{a, b}, []types.Type{types.DateTime2Type(7), types.DateTime2Type(7)})
	if !sqlerr.Is(err, 535) {
		t.Errorf("DATEDIFF(ns) over two hours = %v, %v; want 535", v, err)
	}
	if _, err := ConvertStyled(a, types.TypeDateTime, types.VarCharType(30), 999); !sqlerr.Is(err, 281) {
		t.Errorf("an unknown style: %v, want 281", err)
	}
}
