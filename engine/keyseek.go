package engine

import (
	"github.com/cockroachdb/pebble"

	"mirrordb/engine/exec"
)

// A table scan's reading of a seek's key ranges: opt.FindKeySeek finds
// what the WHERE clause allows on a key, exec.KeySeek computes the ranges
// as the statement runs (and prints its SEEK:() in plans).

// scanRanges reads the keys and values of the table's store in the
// ranges in order (backward: from the last key of the last range),
// checking the statement's governor; fn's slices are valid only during
// the call.
func (t *tableScan) scanRanges(e *exec.Env, rs []exec.KeyRange, backward bool, fn func(key, val []byte) error) (err error) {
	if len(rs) == 0 {
		return nil
	}
	first := rs[0]
	if backward {
		first = rs[len(rs)-1]
	}
	it, err := sessionOf(e).readerFor(t.db).NewIter(&pebble.IterOptions{LowerBound: first.Lo, UpperBound: first.Hi})
	if err != nil {
		return t.db.storage.ReadError(err)
	}
	defer func() {
		if cerr := it.Close(); err == nil && cerr != nil {
			err = t.db.storage.ReadError(cerr)
		}
	}()
	for i := range rs {
		rg := rs[i]
		if backward {
			rg = rs[len(rs)-1-i]
		}
		if i > 0 {
			it.SetBounds(rg.Lo, rg.Hi)
		}
		valid, step := it.First, it.Next
		if backward {
			valid, step = it.Last, it.Prev
		}
		for ok := valid(); ok; ok = step() {
			if err := e.Gov.Check(); err != nil {
				return err
			}
			if err := fn(it.Key(), it.Value()); err != nil {
				return err
			}
		}
		if err := it.Error(); err != nil {
			return t.db.storage.ReadError(err)
		}
	}
	return nil
}
