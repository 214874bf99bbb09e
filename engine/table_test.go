package engine

import (
	"testing"

	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/govern"
)

// TestReaderCache: a statement's equal readers are one, and its readers
// of other tables its own; the next statement (another governor) refills
// the same readers, with no allocation once they are there; readers
// outside a statement's run, or past the cache's few, are never kept.
func TestReaderCache(t *testing.T) {
	var c readerCache
	defs := make([]*catalog.TableDef, len(c.rs)+1)
	for i := range defs {
		defs[i] = &catalog.TableDef{ID: uint32(i + 1)}
	}
	kept := func(r *tableReader) bool {
		for i := range c.rs {
			if r == &c.rs[i] {
				return true
			}
		}
		return false
	}
	want := func(e *exec.Env, i int) tableReader { return tableReader{storedTable: storedTable{def: defs[i]}, e: e} }

	first := &exec.Env{Gov: &govern.Statement{}}
	r0 := c.reader(want(first, 0))
	if again := c.reader(want(first, 0)); again != r0 || !kept(r0) {
		t.Fatalf("the same table's reader twice in a statement: %p then %p", r0, again)
	}
	for i := 1; i < len(c.rs); i++ {
		if r := c.reader(want(first, i)); r == r0 || !kept(r) {
			t.Fatalf("table %d's reader %p: want one of its own, kept", i, r)
		}
	}
	if r := c.reader(want(first, len(c.rs))); kept(r) {
		t.Error("a reader past the cache's size was kept")
	}

	next := &exec.Env{Gov: &govern.Statement{}}
	if r := c.reader(want(next, 0)); r != r0 || r.e != next {
		t.Errorf("the next statement's reader %p (its env %p): want %p refilled for it", r, r.e, r0)
	}
	if n := testing.AllocsPerRun(100, func() { c.reader(want(next, 0)) }); n != 0 {
		t.Errorf("a kept reader costs %v allocations, want none", n)
	}
	if r := c.reader(want(&exec.Env{}, 0)); kept(r) || c.rs[0].e != next {
		t.Error("a reader outside a statement's run was kept")
	}
}
