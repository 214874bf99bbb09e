package mirroring_test

import (
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/vfs"

	"mirrordb/internal/testutil"
)

// stallFS is the OS file system whose syncs block while stalled: a disk
// that stops completing writes.
type stallFS struct {
	vfs.FS
	mu      sync.Mutex
	stalled bool
	resume  *sync.Cond
}

func newStallFS() *stallFS {
	s := &stallFS{FS: vfs.Default}
	s.resume = sync.NewCond(&s.mu)
	return s
}

func (s *stallFS) stall(on bool) {
	s.mu.Lock()
	s.stalled = on
	s.mu.Unlock()
	s.resume.Broadcast()
}

func (s *stallFS) wait() {
	s.mu.Lock()
	for s.stalled {
		s.resume.Wait()
	}
	s.mu.Unlock()
}

func (s *stallFS) wrap(f vfs.File, err error) (vfs.File, error) {
	if err != nil {
		return nil, err
	}
	return stallFile{File: f, fs: s}, nil
}

func (s *stallFS) Create(name string) (vfs.File, error) { return s.wrap(s.FS.Create(name)) }
func (s *stallFS) Open(name string, o ...vfs.OpenOption) (vfs.File, error) {
	return s.wrap(s.FS.Open(name, o...))
}
func (s *stallFS) OpenReadWrite(name string, o ...vfs.OpenOption) (vfs.File, error) {
	return s.wrap(s.FS.OpenReadWrite(name, o...))
}
func (s *stallFS) OpenDir(name string) (vfs.File, error) { return s.wrap(s.FS.OpenDir(name)) }
func (s *stallFS) ReuseForWrite(oldname, newname string) (vfs.File, error) {
	return s.wrap(s.FS.ReuseForWrite(oldname, newname))
}

type stallFile struct {
	vfs.File
	fs *stallFS
}

func (f stallFile) Sync() error {
	f.fs.wait()
	return f.File.Sync()
}

func (f stallFile) SyncData() error {
	f.fs.wait()
	return f.File.SyncData()
}

func (f stallFile) SyncTo(length int64) (bool, error) {
	f.fs.wait()
	return f.File.SyncTo(length)
}

// Fd hides the descriptor so that nothing syncs around the wrapper.
func (f stallFile) Fd() uintptr { return vfs.InvalidFd }

// TestStalledDiskLetsFailoverHappen (SPEC §8.9): the principal's disk
// stops completing writes for longer than TIMEOUT. It must stop
// acknowledging and fall silent, so that the mirror takes over with the
// witness, instead of hanging clients; when its disk recovers, it returns
// as mirror and no acknowledged commit is lost.
func TestStalledDiskLetsFailoverHappen(t *testing.T) {
	a, b, _ := witnessed(t, "Stall")
	a.exec(`ALTER DATABASE Stall SET PARTNER TIMEOUT 5`)
	disk := newStallFS()
	a.stop()
	a.fs = disk
	a.start()
	// The witness may have let the mirror take over while a restarted:
	// then a manual failover gives a the principal role back.
	for deadline := time.Now().Add(20 * time.Second); ; sleep() {
		role, state, _ := a.mirroring("Stall")
		if state == "SYNCHRONIZED" {
			if role == "MIRROR" {
				b.exec(`ALTER DATABASE Stall SET PARTNER FAILOVER`)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ALPHA did not resynchronize after its restart: %s/%s", role, state)
		}
	}
	a.waitState("Stall", "PRINCIPAL", "SYNCHRONIZED")
	a.waitWitness("Stall", "CONNECTED")

	wr := startWriters(t, "Stall", 6, a, b)
	wr.WaitFor(200)
	start := time.Now()
	disk.stall(true)
	b.waitState("Stall", "PRINCIPAL", "DISCONNECTED")
	wr.WaitFor(200)
	t.Logf("the mirror took over %s after the principal's disk stalled (TIMEOUT 5 s)", time.Since(start))
	for _, ack := range wr.Since(start) {
		if ack.Server == 0 && ack.Sent.After(start) {
			t.Fatalf("the principal acknowledged a commit sent after its disk stalled (at %s)", ack.At.Format("15:04:05.000"))
		}
	}

	// A client of the stalled principal gets an answer, not a hang.
	if err := a.try(`INSERT INTO Stall.dbo.t (id, worker) VALUES (-1, -1)`); testutil.MsgNumber(err) != 955 {
		t.Fatalf("a write on the stalled former principal: %v, want Msg 955", err)
	}

	disk.stall(false)
	a.waitState("Stall", "MIRROR", "SYNCHRONIZED")
	b.waitState("Stall", "PRINCIPAL", "SYNCHRONIZED")
	wr.WaitFor(100)
	checkAcked(t, b, "Stall", wr.Finish())
}
