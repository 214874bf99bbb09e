package server_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"mirrordb/internal/faultfs"
	"mirrordb/internal/testutil"
	"mirrordb/server"
	"mirrordb/server/servertest"
)

// faultServer is an instance whose stores run on a fault-injecting file
// system, with two databases: d1, where faults are injected, and d2,
// which must keep working meanwhile.
type faultServer struct {
	t    *testing.T
	fs   *faultfs.FS
	dir  string
	srv  *server.Server
	ctrl *pgx.Conn // on master
}

func startFaultServer(t *testing.T, seed uint64) *faultServer {
	f := &faultServer{t: t, fs: faultfs.New(seed), dir: t.TempDir()}
	f.srv = servertest.StartWith(t, servertest.Options{Dir: f.dir, StoreFS: f.fs})
	f.ctrl = servertest.Connect(t, f.srv, "master")
	for _, db := range []string{"d1", "d2"} {
		f.exec("CREATE DATABASE " + db)
		f.exec("CREATE TABLE " + db + ".dbo.t (id BIGINT PRIMARY KEY, worker INT)")
	}
	return f
}

func (f *faultServer) exec(sql string) {
	f.t.Helper()
	if _, err := f.ctrl.Exec(context.Background(), sql); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
}

// state is sys.databases.state_desc of db.
func (f *faultServer) state(db string) string {
	f.t.Helper()
	var s string
	if err := f.ctrl.QueryRow(context.Background(), "SELECT state_desc FROM sys.databases WHERE name = $1", db).Scan(&s); err != nil {
		f.t.Fatalf("state of %s: %v", db, err)
	}
	return s
}

// waitState waits (at most limit) until db is in state want.
func (f *faultServer) waitState(db, want string, limit time.Duration) time.Duration {
	f.t.Helper()
	start := time.Now()
	for f.state(db) != want {
		if time.Since(start) > limit {
			f.t.Fatalf("%s is %s after %s, want %s", db, f.state(db), limit, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

func (f *faultServer) writers(db string, n int) *testutil.Writers {
	return testutil.StartWriters(f.t, testutil.WriterOptions{DB: db, Workers: n, Servers: 1, Timeout: 10 * time.Second,
		URL: func(int) string { return servertest.URL(f.srv, db) }})
}

// storeOf matches the files of database db's store.
func (f *faultServer) storeOf(db string, suffixes ...string) func(string) bool {
	return faultfs.And(faultfs.Store(f.dir, db), faultfs.Suffix(suffixes...))
}

// TestStorageFaults injects the failures of a real disk into one
// database's store while writers commit to it and to another database:
// the failing statement gets SQL Server's error, nothing acknowledged is
// lost, the database goes to a visible state instead of hanging, the other
// database keeps working, the database comes back (by itself once space
// returns, by ALTER DATABASE ... SET ONLINE after an I/O error), and the
// server still shuts down promptly.
func TestStorageFaults(t *testing.T) {
	enospc, eio := syscall.ENOSPC, syscall.EIO
	cases := []struct {
		name  string
		rule  faultfs.Rule
		want  []int // what the failing commit may get
		state string
		auto  bool // back ONLINE by itself once the fault clears
	}{
		{"no space in the WAL", faultfs.Rule{Op: faultfs.Write, Err: enospc}, []int{1105, 9002}, "RECOVERY_PENDING", true},
		{"EIO writing the WAL", faultfs.Rule{Op: faultfs.Write, Err: eio}, []int{823}, "RECOVERY_PENDING", false},
		{"short WAL write", faultfs.Rule{Op: faultfs.Write, Err: eio, Short: true}, []int{823}, "RECOVERY_PENDING", false},
		{"EIO on WAL fsync", faultfs.Rule{Op: faultfs.Sync, Err: eio}, []int{823}, "RECOVERY_PENDING", false},
		{"EIO at a random WAL write", faultfs.Rule{Op: faultfs.Write, Err: eio, Probability: 0.05}, []int{823}, "RECOVERY_PENDING", false},
		{"EIO at a random WAL fsync", faultfs.Rule{Op: faultfs.Sync, Err: eio, Probability: 0.05}, []int{823}, "RECOVERY_PENDING", false},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := startFaultServer(t, uint64(i+1))
			w1, w2 := f.writers("d1", 4), f.writers("d2", 2)
			w1.WaitFor(100)

			rule := c.rule
			rule.Match = f.storeOf("d1", ".log", "COMMITLOG")
			f.fs.Inject(rule)
			f.waitState("d1", c.state, 20*time.Second)
			// The failing commit's error, then 945 for whoever comes next.
			deadline := time.Now().Add(10 * time.Second)
			for !sawAny(w1.Errors(), c.want...) || w1.Errors()[945] == 0 {
				if time.Now().After(deadline) {
					t.Fatalf("writers of d1 got %v, want one of %v and then 945", w1.Errors(), c.want)
				}
				time.Sleep(20 * time.Millisecond)
			}
			w2.WaitFor(50) // the other database keeps working

			f.fs.Clear()
			if c.auto {
				took := f.waitState("d1", "ONLINE", 10*time.Second)
				t.Logf("d1 back ONLINE by itself %s after space returned", took.Round(time.Millisecond))
			} else {
				time.Sleep(1500 * time.Millisecond) // an I/O error waits for the DBA
				if st := f.state("d1"); st != c.state {
					t.Fatalf("d1 is %s without ALTER DATABASE SET ONLINE, want %s", st, c.state)
				}
				f.exec("ALTER DATABASE d1 SET ONLINE")
				if st := f.state("d1"); st != "ONLINE" {
					t.Fatalf("d1 is %s after SET ONLINE", st)
				}
			}
			w1.WaitFor(100) // writes succeed again
			acks1, acks2 := w1.Finish(), w2.Finish()
			// Besides the failing commits' error: 945 while out of service,
			// 952 during recovery, 0 for a connection the server closed.
			for n := range w1.Errors() {
				if n != 945 && n != 952 && n != 0 && !sawAny(map[int]int{n: 1}, c.want...) {
					t.Errorf("a writer of d1 got Msg %d (all: %v)", n, w1.Errors())
				}
			}
			if n := w2.Errors(); len(n) > 0 {
				t.Errorf("writers of d2 failed: %v", n)
			}
			testutil.CheckAcked(t, servertest.Connect(t, f.srv, "d1"), acks1)
			testutil.CheckAcked(t, servertest.Connect(t, f.srv, "d2"), acks2)
			t.Logf("injected %d faults; d1 writers' errors: %v", f.fs.Injected(), w1.Errors())
			start := time.Now()
			if err := f.srv.Close(); err != nil {
				t.Fatalf("shutdown: %v", err)
			}
			t.Logf("shutdown took %s", time.Since(start).Round(time.Millisecond))
		})
	}
}

// TestFullDiskRefusesWrites: when free space runs short, commits are
// refused with 1105 before anything reaches the WAL, the database stays
// ONLINE and readable, and writes succeed again as soon as space returns.
func TestFullDiskRefusesWrites(t *testing.T) {
	f := startFaultServer(t, 1)
	w := f.writers("d1", 4)
	w.WaitFor(100)
	f.fs.SetAvailable(1 << 20)
	deadline := time.Now().Add(10 * time.Second)
	for w.Errors()[1105] == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("writers got %v on a full disk, want 1105", w.Errors())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if st := f.state("d1"); st != "ONLINE" {
		t.Fatalf("d1 is %s on a full disk, want ONLINE", st)
	}
	var n int
	if err := servertest.Connect(t, f.srv, "d1").QueryRow(context.Background(), "SELECT COUNT(*) FROM dbo.t").Scan(&n); err != nil || n < 100 {
		t.Fatalf("reading d1 on a full disk: %d rows, %v", n, err)
	}
	_, err := servertest.Connect(t, f.srv, "d1").Exec(context.Background(), "INSERT INTO dbo.t VALUES (-1, -1)")
	if testutil.MsgNumber(err) != 1105 || testutil.SQLState(err) != "53100" {
		t.Fatalf("an insert on a full disk: %v, want Msg 1105 / 53100", err)
	}
	f.fs.SetAvailable(-1)
	w.WaitFor(100)
	testutil.CheckAcked(t, servertest.Connect(t, f.srv, "d1"), w.Finish())
}

// TestFullDiskDuringFlush: Pebble's flush meets a full disk. That is not
// fatal: the flush waits for space (it does not spin), commits are refused
// meanwhile, and everything proceeds once space returns.
func TestFullDiskDuringFlush(t *testing.T) {
	f := startFaultServer(t, 1)
	w := f.writers("d1", 2)
	w.WaitFor(100)
	f.fs.Inject(faultfs.Rule{Op: faultfs.Create, Match: f.storeOf("d1", ".sst"), Err: syscall.ENOSPC})
	d1 := servertest.Connect(t, f.srv, "d1")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := d1.Exec(ctx, "CHECKPOINT")
	if err == nil {
		t.Fatal("CHECKPOINT succeeded with no space for its table file")
	}
	injected := f.fs.Injected()
	time.Sleep(1500 * time.Millisecond)
	if retries := f.fs.Injected() - injected; retries > 10 { // about one a second; it was thousands
		t.Errorf("the flush was retried %d times in 1.5 s with the disk full: it spins", retries)
	}
	if st := f.state("d1"); st != "ONLINE" {
		t.Fatalf("d1 is %s, want ONLINE (a flush without space is not fatal)", st)
	}
	f.fs.Clear()
	w.WaitFor(100)
	d1 = servertest.Connect(t, f.srv, "d1") // the cancelled CHECKPOINT closed the first connection
	if _, err := d1.Exec(context.Background(), "CHECKPOINT"); err != nil {
		t.Fatalf("CHECKPOINT once space returned: %v", err)
	}
	testutil.CheckAcked(t, d1, w.Finish())
}

func sawAny(errs map[int]int, nums ...int) bool {
	for _, n := range nums {
		if errs[n] > 0 {
			return true
		}
	}
	return false
}
