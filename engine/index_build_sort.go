package engine

import (
	"bufio"
	"bytes"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/keys"
	"mirrordb/engine/storage"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// A build outside a user transaction sorts all its entries before it
// writes any (docs/ARCHITECTURE.md, "Secondary indexes"). Steps that each
// sorted their own rows wrote keys scattered over the whole index, and
// putting each into Pebble's memtable meant a search of a skiplist of
// millions of keys (a third of a build's time, and flushes of overlapping
// files to compact after); keys written in order are appended.
//
//  1. scan: the table is read through one iterator, a consistent view of
//     it as committed after the index was defined, without the writer
//     lock. Entries are encoded into runs of runBytes; a second goroutine
//     sorts each full run and spills it to a temporary file (unlinked as
//     soon as it is created, so a crash leaves nothing) while the scan
//     fills the next. A table whose entries make one run is sorted in
//     memory.
//  2. write: the runs are merged, and the entries written in key order in
//     steps of indexChunkRows rows or indexChunkBytes, each its own
//     transaction under the writer lock, as before.
//
// Writers run meanwhile and maintain the building index; the database's
// buildWatch records the keys they touch. An entry from the scan whose key
// no writer touched is still right (any change of its row since the scan
// would have touched it) and is written as new. A touched one is checked
// against its row as it is now: written if the row still has exactly this
// entry, dropped otherwise, with its before-image read. When the watch was
// not kept (too many keys, or a key space that was not empty), every entry
// is checked. Duplicates of a unique index are neighbours in the merge
// (Msg 1505), or found by the before-image read of a touched key.

// runBytes is the size of one sorted run of entries (a variable for
// tests): two are in memory at a time, with their index (stepEntry, 40
// bytes an entry). At 8 MB a 1M-row build grew the live heap by over
// 100 MB; at 4 MB the merge has twice the runs to choose from.
var runBytes = 4 << 20

// entryRun is a run of encoded entries: buf holds them, entries index
// them (sorted once the run is full).
type entryRun struct {
	buf     []byte
	entries []stepEntry
}

func (r *entryRun) reset() { r.buf, r.entries = r.buf[:0], r.entries[:0] }

// spilledRun is a sorted run in the spill file: entries as
// uvarint(bytes shared with the last key) uvarint(len rest of key)
// uvarint(len value) rest-of-key value.
type spilledRun struct{ off, size int64 }

// buildSort holds what a build's scan produced: the spilled runs, the last
// run in memory, and the merge over them.
type buildSort struct {
	file  *os.File
	runs  []spilledRun
	last  *entryRun
	merge entryMerge
	// fingerprint is what the entries' encoding depends on in the table's
	// definition as scanned; a step refuses to write them into another.
	fingerprint string
	sorter      entrySorter
	// packs are the merged entries, a step's at a time (produce); stop
	// ends the merge early.
	packs chan *entryPack
	stop  chan struct{}
	spare chan *entryPack // packs written and committed, to fill again
	// lastKey is the key of the last entry written (a unique index's
	// duplicates are neighbours).
	lastKey []byte
}

func (s *buildSort) close() {
	if s.stop != nil {
		close(s.stop)
		for range s.packs { // until the merge stopped: it reads the file
		}
		s.stop = nil
	}
	if s.file != nil {
		s.file.Close()
		s.file = nil
	}
}

// indexFingerprint is what a build's entries depend on in the table's
// definition: its id (a rewritten table has a new one) and the types of
// the indexed and included columns.
func indexFingerprint(def *catalog.TableDef, ix *catalog.IndexDef) string {
	var b bytes.Buffer
	fmt.Fprint(&b, def.ID, ix.Filter)
	for _, cols := range [][]int{ix.Columns, ix.Include} {
		for _, c := range cols {
			if c >= len(def.Columns) {
				fmt.Fprint(&b, "?")
				continue
			}
			fmt.Fprintf(&b, "|%d:%v", c, def.Columns[c].Type)
		}
	}
	return b.String()
}

// scan runs step 1: it reads every row, encodes the entries and sorts them
// into runs.
func (x *indexBuild) scan(e *exec.Env) (*buildSort, error) {
	set := x.db.schema.Load()
	var def *catalog.TableDef
	var ix *catalog.IndexDef
	if d := set.ByStore(x.tableID); d != nil {
		def = d
		for i := range d.Indexes {
			if d.Indexes[i].StoreID() == x.ix.StoreID() && d.Indexes[i].State == catalog.IndexBuilding {
				ix = &d.Indexes[i]
			}
		}
	}
	if ix == nil {
		return nil, sqlerr.New(3703, x.ix.Name) // dropped (or its table changed) since it was defined
	}
	s := &buildSort{fingerprint: indexFingerprint(def, ix)}
	full := make(chan *entryRun, 1)
	free := make(chan *entryRun, 2)
	for range 2 {
		free <- &entryRun{buf: make([]byte, 0, runBytes+16<<10), entries: make([]stepEntry, 0, runBytes/64)}
	}
	sorted := make(chan error, 1)
	dir := spillDir
	if dir == "" {
		dir = x.db.inst.cfg.DataDir
	}
	go func() { sorted <- s.spill(dir, full, free) }()
	err := x.scanRows(e, def, ix, s, full, free)
	close(full)
	if serr := <-sorted; err == nil || err == errSortFailed {
		err = spillError(x.db.Name(), serr, "write")
	}
	if err != nil {
		s.close()
		return nil, err
	}
	if s.last != nil {
		s.sorter.sort(s.last.buf, s.last.entries)
	}
	s.sorter = entrySorter{}
	if err := s.merge.init(s); err != nil {
		s.close()
		return nil, spillError(x.db.Name(), err, "read")
	}
	s.packs, s.stop, s.spare = make(chan *entryPack, 1), make(chan struct{}), make(chan *entryPack, 2)
	go s.produce()
	return s, nil
}

// scanRows reads the rows into runs, handing each full one to the sorter.
func (x *indexBuild) scanRows(e *exec.Env, def *catalog.TableDef, ix *catalog.IndexDef, s *buildSort, full, free chan *entryRun) error {
	prefix := keys.TablePrefix(def.StoreID())
	it, err := x.db.storage.KV().NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: keys.PrefixEnd(prefix)})
	if err != nil {
		return x.db.storage.ReadError(err)
	}
	defer it.Close()
	var (
		row     []types.Value
		enc     exec.EntryEncoder
		run     = <-free
		read    int
		spilled bool
		need    []bool // the columns the entries take (all for a filter)
	)
	if ix.Filter == "" {
		need = make([]bool, len(def.Columns))
		for _, cols := range [][]int{ix.Columns, ix.Include} {
			for _, c := range cols {
				need[c] = true
			}
		}
	}
	for it.First(); it.Valid(); it.Next() {
		if read++; read%indexChunkRows == 0 {
			x.rows += int64(indexChunkRows)
			if err := x.progress(); err != nil {
				return err
			}
		}
		if read%256 == 0 {
			if err := e.Gov.Check(); err != nil {
				return err
			}
		}
		if row, err = keys.DecodeColumns(it.Value(), row, need); err != nil {
			return x.db.storage.Corrupt(err)
		}
		if row, err = completeRow(e, x.db, def, it.Value(), row); err != nil {
			return err
		}
		if !covers(ix, def, row) {
			continue
		}
		if len(run.buf) >= runBytes {
			full <- run
			spilled = true
			var ok bool
			if run, ok = <-free; !ok {
				return errSortFailed
			}
			run.reset()
		}
		k := len(run.buf)
		var v int
		run.buf, v = enc.Append(run.buf, def, ix, it.Key(), row)
		run.entries = append(run.entries, newStepEntry(run.buf, k, v, len(run.buf), enc.PrefixLen()))
	}
	if err := it.Error(); err != nil {
		return x.db.storage.ReadError(err)
	}
	x.rows += int64(read % indexChunkRows)
	if spilled {
		full <- run // the merge reads it from the file too, and the memory is free
	} else {
		s.last = run
	}
	return nil
}

// errSortFailed stops a scan whose sorter failed (its error is returned).
var errSortFailed = errors.New("index build: the sort failed")

// spill sorts each full run and appends it to the spill file, then hands
// the run back; it runs beside the scan. On an error it closes free.
func (s *buildSort) spill(dir string, full <-chan *entryRun, free chan<- *entryRun) (err error) {
	var w *bufio.Writer
	var off int64
	for r := range full {
		if err != nil {
			continue // drain
		}
		if s.file == nil {
			if s.file, err = os.CreateTemp(dir, "index-sort-*"); err != nil {
				close(free)
				continue
			}
			os.Remove(s.file.Name()) // the open file lives on; a crash leaves nothing
			w = bufio.NewWriterSize(s.file, 256<<10)
		}
		s.sorter.sort(r.buf, r.entries)
		start := off
		var hdr [3 * binary.MaxVarintLen64]byte
		var prev []byte
		for _, en := range r.entries {
			key := r.buf[en.k:en.v]
			shared := 0
			for shared < len(prev) && shared < len(key) && prev[shared] == key[shared] {
				shared++
			}
			n := binary.PutUvarint(hdr[:], uint64(shared))
			n += binary.PutUvarint(hdr[n:], uint64(len(key)-shared))
			n += binary.PutUvarint(hdr[n:], uint64(en.end-en.v))
			w.Write(hdr[:n])
			w.Write(r.buf[en.k+shared : en.end])
			off += int64(n + en.end - en.k - shared)
			prev = key
		}
		if err = w.Flush(); err != nil {
			close(free)
			continue
		}
		s.runs = append(s.runs, spilledRun{start, off - start})
		free <- r
	}
	return err
}

// spillError is the error a build reports when its spill file fails: a
// full disk is Msg 1105 for the sort's run storage (SQL Server reports a
// sort that fills tempdb so), any other failure Msg 823 naming the
// operating system's error. Neither takes the database out of service:
// the file is the build's own.
func spillError(dbName string, err error, op string) error {
	if err == nil {
		return nil
	}
	f := storage.Classify(err, op, "")
	if f == nil {
		f = &storage.Fault{Kind: storage.IOError, Op: op, Offset: -1, Err: err}
	}
	if f.Kind == storage.NoSpace {
		return sqlerr.New(1105, "index sort run storage", dbName, "PRIMARY")
	}
	return sqlerr.New(823, f.OSError(), op, 0, "index sort run storage")
}

// spillDir is where builds spill their runs ("": the instance's data
// directory, a variable for tests).
var spillDir = ""

// entrySource is one sorted run being merged.
type entrySource interface {
	// next moves to the next entry; false at the end.
	next() (bool, error)
	// entry returns the current entry (valid until next).
	entry() (key, val []byte)
}

// memSource is the run kept in memory.
type memSource struct {
	r *entryRun
	i int
}

func (m *memSource) next() (bool, error) { m.i++; return m.i < len(m.r.entries), nil }

func (m *memSource) entry() ([]byte, []byte) {
	en := m.r.entries[m.i]
	return m.r.buf[en.k:en.v:en.v], m.r.buf[en.v:en.end:en.end]
}

// fileSource is a spilled run.
type fileSource struct {
	rd  *bufio.Reader
	buf []byte
	k   int
}

func (f *fileSource) next() (bool, error) {
	shared, err := binary.ReadUvarint(f.rd)
	if err == io.EOF {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	rest, err := binary.ReadUvarint(f.rd)
	if err != nil {
		return false, err
	}
	vl, err := binary.ReadUvarint(f.rd)
	if err != nil {
		return false, err
	}
	if shared > uint64(f.k) {
		return false, errors.New("index build: corrupt spill file")
	}
	kl := int(shared + rest)
	if need := kl + int(vl); cap(f.buf) >= need {
		f.buf = f.buf[:need]
	} else {
		nb := make([]byte, need, 2*need)
		copy(nb, f.buf[:shared]) // the bytes shared with the last key
		f.buf = nb
	}
	f.k = kl
	_, err = io.ReadFull(f.rd, f.buf[shared:])
	return err == nil, err
}

func (f *fileSource) entry() ([]byte, []byte) { return f.buf[:f.k:f.k], f.buf[f.k:] }

// entryMerge is a heap of the runs, ordered by their current keys.
type entryMerge struct{ cur []mergeCursor }

// mergeCursor is a run and its current entry.
type mergeCursor struct {
	key, val []byte
	src      entrySource
}

func (m *entryMerge) init(s *buildSort) error {
	var all []entrySource
	if s.last != nil {
		all = append(all, &memSource{r: s.last, i: -1})
	}
	for _, r := range s.runs {
		all = append(all, &fileSource{rd: bufio.NewReaderSize(io.NewSectionReader(s.file, r.off, r.size), 64<<10)})
	}
	for _, src := range all {
		ok, err := src.next()
		if err != nil {
			return err
		}
		if ok {
			k, v := src.entry()
			m.cur = append(m.cur, mergeCursor{k, v, src})
		}
	}
	heap.Init(m)
	return nil
}

func (m *entryMerge) Len() int           { return len(m.cur) }
func (m *entryMerge) Less(i, j int) bool { return bytes.Compare(m.cur[i].key, m.cur[j].key) < 0 }
func (m *entryMerge) Swap(i, j int)      { m.cur[i], m.cur[j] = m.cur[j], m.cur[i] }
func (m *entryMerge) Push(x any)         { m.cur = append(m.cur, x.(mergeCursor)) }
func (m *entryMerge) Pop() any {
	x := m.cur[len(m.cur)-1]
	m.cur = m.cur[:len(m.cur)-1]
	return x
}

// peek returns the smallest entry left (ok false at the end).
func (m *entryMerge) peek() (key, val []byte, ok bool) {
	if len(m.cur) == 0 {
		return nil, nil, false
	}
	return m.cur[0].key, m.cur[0].val, true
}

// advance moves past the entry peek returned.
func (m *entryMerge) advance() error {
	c := &m.cur[0]
	ok, err := c.src.next()
	if err != nil {
		return err
	}
	if !ok {
		heap.Pop(m)
		return nil
	}
	c.key, c.val = c.src.entry()
	if len(m.cur) > 1 {
		heap.Fix(m, 0)
	}
	return nil
}

// entryPack is a step's worth of merged entries, in order: the merge
// fills the next while a step writes one, and the step's transaction
// takes its buffer over (WriteOwned).
type entryPack struct {
	buf     []byte
	entries []stepEntry // heads unused
	err     error       // the merge failed after these entries
}

// produce merges the runs into packs until the end, an error, or stop.
func (s *buildSort) produce() {
	defer close(s.packs)
	for {
		var p *entryPack
		select {
		case p = <-s.spare:
			p.buf, p.entries = p.buf[:0], p.entries[:0]
		default:
			p = &entryPack{buf: make([]byte, 0, indexChunkBytes+4<<10)}
		}
		for len(p.entries) < indexChunkRows && len(p.buf) < indexChunkBytes {
			k, v, ok := s.merge.peek()
			if !ok {
				break
			}
			kl := len(p.buf)
			p.buf = append(append(p.buf, k...), v...)
			p.entries = append(p.entries, stepEntry{k: kl, v: kl + len(k), end: len(p.buf)})
			if p.err = s.merge.advance(); p.err != nil {
				break
			}
		}
		if len(p.entries) == 0 && p.err == nil {
			return
		}
		select {
		case s.packs <- p:
		case <-s.stop:
			return
		}
		if p.err != nil {
			return
		}
	}
}

// recycle hands back a pack whose step has committed: the commit copied
// its entries into the log record and the batch, and the transaction that
// owned its buffer has ended. The packs in use stay a handful, however
// long the garbage collector takes to find the old ones.
func (s *buildSort) recycle(p *entryPack) {
	select {
	case s.spare <- p:
	default:
	}
}

// writeSorted writes one pack of merged entries: step 2.
func (x *indexBuild) writeSorted(e *exec.Env, t *txn, s *buildSort, p *entryPack) error {
	def, ix, err := x.building(t)
	if err != nil {
		return err
	}
	if indexFingerprint(def, ix) != s.fingerprint {
		return sqlerr.New(50131, def.Name)
	}
	t.WriteOnly()
	mayExist, watched := x.db.builds.mayExist(def.StoreID(), ix.StoreID())
	t.Grow(len(p.entries))
	for n, en := range p.entries {
		k, v := p.buf[en.k:en.v:en.v], p.buf[en.v:en.end:en.end]
		if n%256 == 0 {
			if err := e.Gov.Check(); err != nil {
				return err
			}
		}
		check := !watched || mayExist(k)
		if check {
			if v, err = x.currentEntry(e, t, def, ix, k, v); err != nil || v == nil {
				if err != nil {
					return err
				}
				continue // its row changed since the scan: the writer did what it needs
			}
		}
		if ix.Unique && bytes.Equal(k, s.lastKey) {
			return x.duplicate(e, t, def, ix, v)
		}
		s.lastKey = append(s.lastKey[:0], k...)
		var before []byte
		had := false
		if check {
			cur, found, err := t.Get(k)
			if err != nil {
				return err
			}
			if found {
				other, err := keys.EntryRowKey(def.StoreID(), cur)
				if err == nil && bytes.Equal(other, rowKeyOfEntry(def.StoreID(), v)) {
					continue // a write since the build began indexed it already
				} else if ix.Unique {
					return x.duplicate(e, t, def, ix, v)
				}
			}
			before, had = cur, found
		}
		if err := t.WriteOwned(k, before, had, v); err != nil {
			return err
		}
	}
	return spillError(x.db.Name(), p.err, "read")
}

// currentEntry returns the value the entry with key k (value v, from the
// scan) has now: nil when its row is gone or has another entry.
func (x *indexBuild) currentEntry(e *exec.Env, t *txn, def *catalog.TableDef, ix *catalog.IndexDef, k, v []byte) ([]byte, error) {
	rowKey, err := keys.EntryRowKey(def.StoreID(), v)
	if err != nil {
		return nil, x.db.storage.Corrupt(err)
	}
	raw, had, err := t.Get(rowKey)
	if err != nil || !had {
		return nil, err
	}
	row, err := keys.DecodeRow(raw, nil)
	if err != nil {
		return nil, x.db.storage.Corrupt(err)
	}
	if row, err = completeRow(e, x.db, def, raw, row); err != nil {
		return nil, err
	}
	if !covers(ix, def, row) {
		return nil, nil
	}
	nk, nv := exec.IndexEntry(def, ix, rowKey, row)
	if !bytes.Equal(nk, k) {
		return nil, nil
	}
	return nv, nil
}
