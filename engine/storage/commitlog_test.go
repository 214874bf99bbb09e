package storage

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/vfs"

	"mirrordb/engine/txlog"
)

// powerLoss is a file system that forgets, on crash, every write not
// synced (Pebble's strict in-memory file system), with a database on it.
type powerLoss struct {
	t   *testing.T
	mem *vfs.MemFS
	db  *DB
}

func newPowerLoss(t *testing.T) *powerLoss {
	p := &powerLoss{t: t, mem: vfs.NewStrictMem()}
	if err := p.mem.MkdirAll("/db", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syncDir(p.mem, "/"); err != nil { // the directory stays
		t.Fatal(err)
	}
	p.open()
	t.Cleanup(func() { _ = p.db.Close() })
	return p
}

func (p *powerLoss) open() {
	p.t.Helper()
	db, err := OpenDB(Config{Dir: "/db", Name: "db", ID: 5, Create: true, Logger: quiet(), FS: p.mem})
	if err != nil {
		p.t.Fatal(err)
	}
	p.db = db
}

// crash loses what was not synced and opens the database again.
func (p *powerLoss) crash() {
	p.t.Helper()
	p.mem.SetIgnoreSyncs(true)
	_ = p.db.Close()
	p.mem.ResetToSyncedState()
	p.mem.SetIgnoreSyncs(false)
	p.open()
}

// put commits key = value and returns the commit's LSN.
func (p *powerLoss) put(key, value string) txlog.LSN {
	p.t.Helper()
	lsn, err := putCommit(context.Background(), p.db, key, []byte(value))
	if err != nil {
		p.t.Fatal(err)
	}
	return lsn
}

// check says that the database ends at end and holds want, and none of
// gone.
func (p *powerLoss) check(end txlog.LSN, want map[string]string, gone ...string) {
	p.t.Helper()
	if got := p.db.EndLSN(); got != end {
		p.t.Fatalf("the database ends at LSN %d, want %d", got, end)
	}
	for k, v := range want {
		got, ok, err := p.db.Get([]byte(k))
		if err != nil || !ok || string(got) != v {
			p.t.Fatalf("%s: %d bytes, found %v, %v; want %d bytes", k, len(got), ok, err, len(v))
		}
	}
	for _, k := range gone {
		if _, ok, err := p.db.Get([]byte(k)); err != nil || ok {
			p.t.Fatalf("%s is there (%v) after it was undone", k, err)
		}
	}
}

// smallRing shrinks the commit log's ring for a test, so that it wraps.
func smallRing(t *testing.T, size int64) {
	old := commitLogSize
	commitLogSize = size
	t.Cleanup(func() { commitLogSize = old })
}

// TestCommitLogSurvivesPowerLoss: every acknowledged commit is there
// after a power loss, although Pebble's WAL holds none of the commits
// that its lazy writes had not reached the file yet: the commit log is
// replayed. Through rounds that wrap the ring, a batch too big for it (an
// fsync of Pebble's WAL instead), and crashes right after a recovery.
func TestCommitLogSurvivesPowerLoss(t *testing.T) {
	smallRing(t, 64<<10)
	p := newPowerLoss(t)
	want := map[string]string{}
	var end txlog.LSN
	for round := range 6 {
		n := []int{1, 7, 300, 40, 0, 120}[round]
		for i := range n {
			k, v := fmt.Sprintf("t/r%d-%04d", round, i), strings.Repeat(fmt.Sprint(i%10), 50+i%400)
			end = p.put(k, v)
			want[k] = v
		}
		if round == 3 { // too big for the ring
			k, v := fmt.Sprintf("t/r%d-big", round), strings.Repeat("b", commitLogBig+1)
			end = p.put(k, v)
			want[k] = v
			end = p.put("t/after-big", "x")
			want["t/after-big"] = "x"
		}
		p.crash()
		p.check(end, want)
	}
	// The recovered database commits on from where it ended.
	end = p.put("t/last", "v")
	want["t/last"] = "v"
	p.crash()
	p.check(end, want)
}

// TestCommitLogNotReplayedAfterUndo: an undo moves the end of log back
// (a former principal returning to the failover LSN); the commits it
// undid are still in the ring, and a later history writes records of the
// same LSNs and sizes over the front of it. A power loss then must bring
// back the new history, never the undone one.
func TestCommitLogNotReplayedAfterUndo(t *testing.T) {
	p := newPowerLoss(t)
	want := map[string]string{"t/keep": "k"}
	base := p.put("t/keep", "k")
	var undone []string
	for i := range 5 {
		k := fmt.Sprintf("t/undone%d", i)
		p.put(k, "u")
		undone = append(undone, k)
	}
	if err := p.db.UndoTo(context.Background(), base); err != nil {
		t.Fatal(err)
	}
	// The same keys' length and values: records of the same sizes.
	end := p.put("t/newer0", "n")
	want["t/newer0"] = "n"
	p.crash()
	p.check(end, want, undone...)
	for i := 1; i < 3; i++ {
		k := fmt.Sprintf("t/newer%d", i)
		end = p.put(k, "n")
		want[k] = "n"
	}
	p.crash()
	p.check(end, want, undone...)
}

// TestCommitLogTornRecord: recovery replays the ring up to a record that
// is torn (its checksum fails) and stops there: nothing after it was
// acknowledged.
func TestCommitLogTornRecord(t *testing.T) {
	p := newPowerLoss(t)
	base := p.put("t/base", "b")
	if err := p.db.Store().DB().LogData(nil, pebble.Sync); err != nil { // base is in Pebble's WAL
		t.Fatal(err)
	}
	var lsns []txlog.LSN
	for i := range 5 {
		lsns = append(lsns, p.put(fmt.Sprintf("t/k%d", i), strings.Repeat("v", 100)))
	}
	p.mem.SetIgnoreSyncs(true)
	_ = p.db.Close()
	p.mem.ResetToSyncedState()
	p.mem.SetIgnoreSyncs(false)
	// Tear the fourth record of the ring, t/k2's.
	f, err := p.mem.OpenReadWrite("/db/" + commitLogName)
	if err != nil {
		t.Fatal(err)
	}
	off := int64(0)
	for range 3 { // t/base, t/k0, t/k1
		var h [recordHeader]byte
		if _, err := f.ReadAt(h[:], off); err != nil {
			t.Fatal(err)
		}
		off += recordHeader + int64(binary.LittleEndian.Uint32(h[4:]))
	}
	if _, err := f.WriteAt([]byte{0xff}, off+recordHeader+10); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	p.open()
	want := map[string]string{"t/base": "b", "t/k0": strings.Repeat("v", 100), "t/k1": strings.Repeat("v", 100)}
	p.check(lsns[1], want, "t/k2", "t/k3", "t/k4")
	if lsns[0] != base+1 {
		t.Fatalf("LSNs %d, %v", base, lsns)
	}
}

// TestFlushOnFailedStore: the commit that writes the ring returns when
// the store fails, instead of parking with the fenced store's writes: its
// statement, and whoever waits for its pin (a database's Close), are not
// held for good.
func TestFlushOnFailedStore(t *testing.T) {
	s, _ := open(t, t.TempDir(), nil)
	defer s.Close(time.Second)
	b := s.DB().NewBatch()
	_ = b.Set([]byte("k"), []byte("v"), nil)
	synced := make(chan error, 1)
	if err := s.Commit(b, 1, 1, func(err error) { synced <- err }); err != nil {
		t.Fatal(err)
	}
	s.Fail(&Fault{Kind: IOError, Op: "test", Offset: -1, Err: syscall.EIO})
	within(t, 5*time.Second, "a flush on a failed store", func() { s.Flush() })
	if err := <-synced; !IsFault(err) {
		t.Fatalf("the commit's outcome on a failed store: %v, want the fault", err)
	}
}
