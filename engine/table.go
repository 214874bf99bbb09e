package engine

import (
	"fmt"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/govern"
	"mirrordb/engine/keys"
	"mirrordb/engine/storage"
	"mirrordb/types"
)

// storedTable is a table of a database as the scans read it (exec.Table):
// the database's availability, the session's snapshot, its SET STATISTICS
// IO counts and the store's errors stay here, behind the seam.
type storedTable struct {
	db  *Database
	def *catalog.TableDef
}

func (t storedTable) Open(e *exec.Env) (exec.Reader, error) {
	if err := t.db.storage.Available(); err != nil {
		return nil, err // out of service after a storage failure: no rows from it
	}
	s := sessionOf(e)
	want := tableReader{storedTable: t, e: e, r: s.readerFor(t.db), tio: s.stats.open(t.db, t.def)}
	return s.readers.reader(want), nil
}

func (t storedTable) Current(e *exec.Env) *catalog.TableDef {
	set, err := sessionOf(e).schemaFor(t.db)
	if err != nil {
		return nil
	}
	return set.ByID(t.def.ID)
}

func (t storedTable) Database() string { return t.db.Name() }

// tableReader is one reading of a stored table by a statement's run.
type tableReader struct {
	storedTable
	e   *exec.Env
	r   pebble.Reader
	tio *tableIO // nil unless SET STATISTICS IO is on
}

// readerCache is a session's table readers, kept for the statements that
// follow: a point lookup would otherwise allocate one per statement. Every
// Env of a statement shares its governor (only Session.run begins one) and
// a session runs one statement at a time, so the readers of another
// governor belong to a statement that ended and may be refilled. A reader
// holds no position, so the running statement's equal readers are one
// (a join's inner lookups open the same reader for every outer row).
type readerCache struct {
	gov  *govern.Statement
	used int
	rs   [4]tableReader
}

func (c *readerCache) reader(want tableReader) *tableReader {
	if want.e.Gov == nil { // outside a statement's run (recovery, DDL's own reads)
		return fresh(want)
	}
	if c.gov != want.e.Gov {
		c.gov, c.used = want.e.Gov, 0
	}
	for i := range c.rs[:c.used] {
		// == compares the snapshot's pebble.Reader as an interface: every
		// reader readerFor gives (storage's committed reader, a batch, the
		// DB) must stay a comparable type, or this panics.
		if c.rs[i] == want {
			return &c.rs[i]
		}
	}
	if c.used == len(c.rs) {
		return fresh(want)
	}
	c.rs[c.used] = want
	c.used++
	return &c.rs[c.used-1]
}

// release forgets the ended statement's readers, so that the results and
// rows its environment holds (Env.Cache, OUTPUT) are not kept alive until
// the session's next statement opens a table.
func (c *readerCache) release() { *c = readerCache{} }

// fresh is a reader of its own (not escaping want keeps the reused path
// free of allocations).
func fresh(want tableReader) *tableReader {
	r := new(tableReader)
	*r = want
	return r
}

func (t *tableReader) Ranges(rs []exec.KeyRange, backward, rows bool, fn func(key, val []byte) error) (err error) {
	if len(rs) == 0 {
		return nil
	}
	first := rs[0]
	if backward {
		first = rs[len(rs)-1]
	}
	it, err := t.r.NewIter(&pebble.IterOptions{LowerBound: first.Lo, UpperBound: first.Hi})
	if err != nil {
		return t.db.storage.ReadError(err)
	}
	defer func() {
		if cerr := it.Close(); err == nil && cerr != nil {
			err = t.db.storage.ReadError(cerr)
		}
	}()
	count := rows && t.tio != nil
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
			if err := t.e.Gov.Check(); err != nil {
				return err
			}
			if count {
				t.tio.reads++
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

func (t *tableReader) Get(key []byte) ([]byte, bool, error) {
	v, ok, err := storage.ReadValue(t.r, key)
	if err != nil {
		return nil, false, t.db.storage.ReadError(err)
	}
	if ok && t.tio != nil {
		t.tio.reads++
	}
	return v, ok, nil
}

func (t *tableReader) Row(raw []byte, dst []types.Value, need []bool) ([]types.Value, error) {
	row, err := keys.DecodeColumns(raw, dst, need)
	if err != nil {
		return nil, t.Corrupt(fmt.Errorf("a row of table '%s.%s' does not decode: %w", t.def.Schema, t.def.Name, err))
	}
	return completeRow(t.e, t.db, t.def, raw, row) // stored before ADD
}

func (t *tableReader) Corrupt(err error) error { return t.db.storage.Corrupt(err) }

// storeOf is the database a scan reads, for the engine's own uses of it
// (row counts, the writes that scan).
func storeOf(ts *exec.TableScan) *Database { return ts.Table.(storedTable).db }
