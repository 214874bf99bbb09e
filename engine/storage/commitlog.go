package storage

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/vfs"

	"mirrordb/engine/txlog"
)

// The commit log: a commit's fsync on the committing goroutine's side
//
// A commit used to be applied to Pebble with pebble.Sync and waited for:
// Pebble's WAL is written and fsynced by its own flush goroutine, so every
// commit handed over to that goroutine and was handed back (through the
// goroutine that turned the fsync into the commit's acknowledgement). On a
// lightly loaded server each hand-over woke an idle CPU, and a one-client
// commit paid for three such wake-ups around its fsync (BENCHMARKS.md,
// "where the one-client write cells lose"). PostgreSQL's backend writes
// and fsyncs its WAL itself.
//
// So a commit is applied to Pebble without sync (Pebble writes its WAL
// lazily, a block at a time, and syncs it only when asked), and the same
// batch goes, as one record, into the store's own file, COMMITLOG. The
// first commit of a group to wait writes every record queued so far and
// fsyncs the file itself, on its own goroutine (Store.Flush), as a
// PostgreSQL backend flushes the WAL; the commits queued meanwhile wait
// for it cancellably, and those queued while it flushed are handed to a
// flusher goroutine. A hand-over to a goroutine, even a fresh one started
// just before the committer parks, cost a one-client commit 0.33 ms
// against 0.23 inline (BENCHMARKS.md). The price: the commit that runs
// the fsync cannot be cancelled while a hung disk holds it, as a read in
// a hung pread cannot (wire closes the socket of a killed session that
// does not end); a failed store ends it at once (its file operations
// fail instead of parking, and Pebble's syncs are waited for as Store.Write
// waits).
//
// The file is a ring. Each record holds the batch's representation, the
// LSNs it ends, a checksum and the ring's generation; the file is
// zero-filled ahead of the records (a write that grows a file makes its
// fdatasync write the inode too) up to commitLogSize, and then the records
// start again at the front, after Pebble's WAL has been synced (everything
// in the ring was applied before that sync, so it is all durable in
// Pebble). A batch too big for the ring syncs Pebble's WAL instead.
//
// Recovery (at Open, before anyone reads the store): Pebble replays its
// WAL, which holds every batch it had written to the file; then the
// records of the ring whose LSNs are past the store's end of log are
// applied again, in order. The chain read from the front stops at the
// first record that is torn (checksum), of another generation, or does not
// follow its predecessor's LSN: records are written in LSN order and only
// a written prefix can have been acknowledged. The ring is then
// invalidated (its first header zeroed and synced, after Pebble's WAL).
//
// INVARIANT: every record of the chain whose LSN is past Pebble's durable
// end of log is a commit of this store's current history. Only Commit
// moves the end forward through the ring; every other write that moves the
// end of log (a mirror hardening shipped log, an undo) first calls
// ResetCommitLog, which syncs Pebble and invalidates the ring, so that a
// later recovery never reapplies a record that the history has left.

// commitLogName is the ring's file in the store's directory. Pebble
// ignores files whose names it does not know, and a checkpoint does not
// copy them (a checkpoint syncs Pebble's WAL first: pebble.WithFlushedWAL).
const commitLogName = "COMMITLOG"

// commitLogSize is the ring's size: a wrap syncs Pebble's WAL, once per
// this much log. (A variable: tests shrink it.)
var commitLogSize int64 = 16 << 20

const (
	// commitLogBig is the largest batch the ring takes; a bigger one
	// syncs Pebble's WAL instead (an index build's step, a bulk load's).
	commitLogBig = 1 << 20
	// commitLogFill and commitLogFillLow: the zeros ahead of the records
	// are extended by commitLogFill when a write comes within
	// commitLogFillLow of their end.
	commitLogFill    = 1 << 20
	commitLogFillLow = 256 << 10
	// recordHeader: crc32c(4) over the rest, payload length(4),
	// generation(8), first and last LSN(8 each), then the payload.
	recordHeader = 32
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

func isCommitLog(name string) bool { return filepath.Base(name) == commitLogName }

// commitLog is a store's ring (see above). Commit appends under the
// database's writer lock, so records queue in LSN order; the flusher owns
// the file.
type commitLog struct {
	s    *Store
	path string

	mu      sync.Mutex
	buf     []byte        // records queued, not yet written
	waiters []func(error) // their callbacks, in LSN order
	barrier bool          // a queued batch is not in buf: sync Pebble instead
	reset   []func(error) // ResetCommitLog calls waiting for the next flush
	running bool          // a flush is under way: a committer's (lead) or a flusher goroutine's
	stopped chan struct{} // closed when that flush's turn ends
	spare   []byte
	spareW  []func(error)

	// The flusher's own (one runs at a time):
	f      vfs.File
	off    int64  // where the next record goes
	zeroed int64  // the file holds written blocks up to here
	limit  int64  // the ring wraps here (less than commitLogSize when the disk had no room)
	gen    uint64 // the records' generation since the last wrap or reset
	dirty  bool   // the ring holds records since it was last invalidated
}

func newCommitLog(s *Store) *commitLog {
	return &commitLog{s: s, path: s.fs.PathJoin(s.dir, commitLogName), limit: commitLogSize, gen: rand.Uint64()}
}

// Commit applies b (built on this store's DB, holding the log records
// first..last)
// without waiting for its fsync: it returns once b is visible to readers,
// and synced is called with the fsync's outcome later (in LSN order, so a
// nil outcome means everything before b is durable too), once Flush has
// been called. Waiters must also watch Failed: a store that fails may
// never call synced. The store owns b from here on.
//
// The apply runs on the caller's goroutine, inside the database's writer
// lock (which is what orders the ring). It cannot hang on a failing disk:
// Pebble stalls a writer only while flushes are behind by
// MemTableStopWritesThreshold memtables, and a failed flush stops new
// commits at once (the store fails, or CheckSpace refuses them while the
// disk is full), which leaves the commit in flight headroom to finish.
func (s *Store) Commit(b *pebble.Batch, first, last txlog.LSN, synced func(error)) error {
	if f := s.Fault(); f != nil {
		b.Close()
		return f
	}
	if err := s.guarded("apply", func() error { return s.db.Apply(b, pebble.NoSync) }); err != nil {
		return err // a failed batch stays with the failed store
	}
	s.clog.append(b.Repr(), first, last, synced)
	b.Close()
	return nil
}

// Flush writes and fsyncs the commits queued so far on the caller's
// goroutine, unless a flush is under way; their callbacks follow. A
// committer calls it just before it waits for its own callback.
func (s *Store) Flush() { s.clog.lead() }

// FlushBehind starts the fsync of the commits queued so far on a
// goroutine of its own (for a commit nobody waits for yet).
func (s *Store) FlushBehind() { s.clog.kick() }

// ResetCommitLog makes everything applied to the store durable in
// Pebble's WAL and invalidates the ring, so that a recovery reapplies
// none of its records: the caller is about to move the end of log other
// than by Commit (see the INVARIANT above). It waits for the flusher, at
// most until ctx ends. A ring with nothing in it since it was last
// invalidated costs nothing.
func (s *Store) ResetCommitLog(ctx context.Context) error {
	c := s.clog
	c.mu.Lock()
	if !c.running && len(c.waiters) == 0 && !c.dirty { // dirty is the flusher's while it runs
		c.mu.Unlock()
		return nil
	}
	done := make(chan error, 1)
	c.reset = append(c.reset, func(err error) { done <- err })
	c.mu.Unlock()
	c.kick()
	return s.await(ctx, done)
}

// append queues a record. REQUIRES: the database's writer lock.
func (c *commitLog) append(repr []byte, first, last txlog.LSN, synced func(error)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waiters = append(c.waiters, synced)
	if len(repr) > commitLogBig {
		c.barrier = true
		return
	}
	n := len(c.buf)
	c.buf = append(c.buf, make([]byte, recordHeader)...)
	c.buf = append(c.buf, repr...)
	h := c.buf[n:]
	binary.LittleEndian.PutUint32(h[4:], uint32(len(repr)))
	binary.LittleEndian.PutUint64(h[16:], first)
	binary.LittleEndian.PutUint64(h[24:], last)
	// The generation and the checksum are the flusher's: it knows whether
	// the record starts a new ring.
}

// lead flushes what is queued on the caller's goroutine, unless a
// flush is under way (the caller's callback then comes from it). Commits
// queued meanwhile are handed to a flusher goroutine.
func (c *commitLog) lead() {
	if !c.start() {
		return
	}
	c.flushGroup()
	c.handOff()
}

// kick starts a flusher goroutine unless a flush is under way.
func (c *commitLog) kick() {
	if c.start() {
		go c.flushLoop()
	}
}

// start makes the caller the flusher if none runs and something is
// queued.
func (c *commitLog) start() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running || (len(c.waiters) == 0 && len(c.reset) == 0) {
		return false
	}
	c.running = true
	c.stopped = make(chan struct{})
	return true
}

// handOff ends the caller's turn as flusher: it stops, or, when more is
// queued, hands over to a flusher goroutine.
func (c *commitLog) handOff() {
	c.mu.Lock()
	if len(c.waiters) > 0 || len(c.reset) > 0 {
		c.mu.Unlock()
		go c.flushLoop()
		return
	}
	c.running = false
	close(c.stopped)
	c.mu.Unlock()
}

// flushLoop flushes group after group until nothing is queued.
func (c *commitLog) flushLoop() {
	for c.flushGroup() {
	}
	c.handOff()
}

// flushGroup writes and fsyncs what is queued, if anything, and calls its
// callbacks.
func (c *commitLog) flushGroup() bool {
	c.mu.Lock()
	buf, waiters, barrier, reset := c.buf, c.waiters, c.barrier, c.reset
	if len(waiters) == 0 && len(reset) == 0 {
		c.mu.Unlock()
		return false
	}
	c.buf, c.waiters, c.barrier, c.reset = c.spare[:0], c.spareW[:0], false, nil
	c.spare, c.spareW = nil, nil
	c.mu.Unlock()

	err := c.flush(buf, barrier, len(reset) > 0)
	for i, synced := range waiters {
		synced(err)
		waiters[i] = nil
	}
	for _, r := range reset {
		r(err)
	}
	c.mu.Lock()
	c.spare, c.spareW = buf[:0], waiters[:0]
	c.mu.Unlock()
	return true
}

// flush makes the group durable: written to the ring and fsynced, or,
// when it does not fit (or holds a batch too big for the ring), by an
// fsync of Pebble's WAL, after which the ring starts again at its front.
// A reset also invalidates the ring.
func (c *commitLog) flush(buf []byte, barrier, reset bool) error {
	s := c.s
	if f := s.Fault(); f != nil {
		return f
	}
	if s.fs.onWALFlush != nil {
		s.fs.onWALFlush()
	}
	end := c.off + int64(len(buf))
	if !barrier && !reset {
		if err := c.open(); err != nil {
			return err
		}
		if err := c.fill(end); err != nil { // may cap the ring: the disk had no room
			return err
		}
	}
	if barrier || reset || end > c.limit {
		if err := c.syncPebble(); err != nil {
			return err
		}
		c.off, c.gen = 0, c.gen+1
		if reset && c.dirty {
			return c.invalidate()
		}
		return nil // every record of buf was applied before the sync
	}
	c.seal(buf)
	if _, err := c.f.WriteAt(buf, c.off); err != nil {
		return s.failWith(err, "write")
	}
	c.off = end
	c.dirty = true
	if err := c.f.SyncData(); err != nil {
		return s.failWith(err, "sync")
	}
	return nil
}

// seal stamps the records of buf with the generation and their checksums.
func (c *commitLog) seal(buf []byte) {
	for len(buf) > 0 {
		n := recordHeader + int(binary.LittleEndian.Uint32(buf[4:]))
		binary.LittleEndian.PutUint64(buf[8:], c.gen)
		binary.LittleEndian.PutUint32(buf[0:], crc32.Checksum(buf[4:n], crcTable))
		buf = buf[n:]
	}
}

// syncPebble makes every batch applied so far durable in Pebble's WAL. It
// returns the store's fault as soon as the store fails (Pebble's pipeline
// may then never return), like any durable write (Store.Write).
func (c *commitLog) syncPebble() error {
	return c.s.Write(context.Background(), "sync", func(db *pebble.DB) error { return db.LogData(nil, pebble.Sync) })
}

// invalidate zeroes the ring's first header, so that its chain is empty.
func (c *commitLog) invalidate() error {
	if err := c.open(); err != nil {
		return err
	}
	if _, err := c.f.WriteAt(zeros[:recordHeader], 0); err != nil {
		return c.s.failWith(err, "write")
	}
	if err := c.f.SyncData(); err != nil {
		return c.s.failWith(err, "sync")
	}
	c.dirty = false
	return nil
}

// open opens (creating) the ring's file for writing.
func (c *commitLog) open() error {
	if c.f != nil {
		return nil
	}
	fs := c.s.fs
	f, err := fs.openNoPark(c.path)
	if err != nil {
		return c.s.failWith(err, "open")
	}
	st, err := f.Stat()
	if err == nil {
		err = syncDir(fs, c.s.dir) // the file may be new
	}
	if err != nil {
		_ = f.Close()
		return c.s.failWith(err, "open")
	}
	c.f, c.zeroed = f, st.Size()
	return nil
}

// syncDir fsyncs a directory, so that the files created in it stay.
func syncDir(fs vfs.FS, dir string) error {
	d, err := fs.OpenDir(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// fill extends the zeros ahead of the records so that they reach past end
// with room to spare, up to the ring's size. A disk without room for them
// caps the ring where the zeros end.
func (c *commitLog) fill(end int64) error {
	if end+commitLogFillLow <= c.zeroed || c.zeroed >= c.limit {
		return nil
	}
	to := min(end+commitLogFill, c.limit)
	for from := c.zeroed; from < to; {
		n := min(int64(len(zeros)), to-from)
		if _, err := c.f.WriteAt(zeros[:n], from); err != nil {
			if f := Classify(err, "write", c.path); f != nil && f.Kind == NoSpace {
				c.limit = c.zeroed
				c.s.log.Warn("the commit log could not grow: the disk is full", "size", c.limit)
				return nil
			}
			return c.s.failWith(err, "write")
		}
		from += n
		c.zeroed = from
	}
	return nil
}

// close waits for the flusher (at most until failed fires) and closes
// the file. A store that closes sound leaves the ring invalidated, its
// commits synced in Pebble's WAL: the next open need not read the end of
// log to know that nothing is to be replayed (a store damaged meanwhile
// still opens, for DBCC CHECKDB to report the damage).
func (c *commitLog) close(failed <-chan struct{}) {
	c.mu.Lock()
	running, stopped := c.running, c.stopped
	c.mu.Unlock()
	if running {
		select {
		case <-stopped:
		case <-failed:
			return // abandoned with the store
		}
	}
	if c.dirty && c.s.Fault() == nil {
		if err := c.syncPebble(); err == nil {
			_ = c.invalidate()
		}
	}
	if c.f != nil {
		_ = c.f.Close()
		c.f = nil
	}
}

// ringRecord is a record read back from the ring.
type ringRecord struct {
	first, last txlog.LSN
	off         int64
	repr        []byte
}

// chainOf reads the ring's chain from its front: the records up to the
// first that is torn (checksum), of another generation, or does not
// follow its predecessor's LSN.
func chainOf(data []byte) []ringRecord {
	var recs []ringRecord
	var gen uint64
	for off := 0; off+recordHeader <= len(data); {
		h := data[off:]
		n := int(binary.LittleEndian.Uint32(h[4:]))
		if n == 0 || off+recordHeader+n > len(data) ||
			crc32.Checksum(h[4:recordHeader+n], crcTable) != binary.LittleEndian.Uint32(h) {
			break
		}
		g, first, last := binary.LittleEndian.Uint64(h[8:]), binary.LittleEndian.Uint64(h[16:]), binary.LittleEndian.Uint64(h[24:])
		if last < first || len(recs) > 0 && (g != gen || first != recs[len(recs)-1].last+1) {
			break
		}
		gen = g
		recs = append(recs, ringRecord{first: first, last: last, off: int64(off), repr: h[recordHeader : recordHeader+n]})
		off += recordHeader + n
	}
	return recs
}

// recover applies the records of the ring past the store's end of log,
// then syncs Pebble and invalidates the ring. It runs at Open, before the
// store is used.
func (c *commitLog) recover() error {
	s := c.s
	f, err := s.fs.Open(c.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(f, commitLogSize+commitLogFill))
	_ = f.Close()
	if err != nil {
		return err
	}
	recs := chainOf(data)
	if len(recs) == 0 {
		return nil // the end of log is not even read: a damaged store opens
	}
	end, err := recoverEndLSN(s.db)
	if err != nil {
		return err
	}
	applied := 0
	for _, r := range recs {
		if r.last <= end {
			continue
		}
		if r.first != end+1 {
			return &Fault{Kind: Corruption, Op: "recover", Path: c.path, Offset: r.off,
				Err: fmt.Errorf("the commit log continues at LSN %d but the store ends at %d", r.first, end)}
		}
		b := s.db.NewBatch()
		if err := b.SetRepr(append([]byte(nil), r.repr...)); err != nil {
			b.Close()
			return err
		}
		err := s.db.Apply(b, pebble.NoSync)
		b.Close()
		if err != nil {
			return err
		}
		end = r.last
		applied++
	}
	if applied > 0 {
		s.log.Info("commit log replayed", "records", applied, "end_lsn", end)
	}
	if err := c.syncPebble(); err != nil {
		return err
	}
	c.dirty = true
	return c.invalidate()
}
