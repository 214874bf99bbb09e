package testutil

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Ack is one commit a writer saw acknowledged.
type Ack struct {
	Key     int64
	Server  int   // which server acknowledged it (an index given to StartWriters)
	RoleSeq int64 // the server's mirroring role sequence, read in the transaction
	Sent    time.Time
	At      time.Time // when the acknowledgement arrived
}

// Writers insert unique keys into dbo.t (id, worker) of one database on
// whichever of several servers accepts them, each commit an explicit
// transaction that also reads the server's mirroring role sequence. They
// record the commits acknowledged to them; a failed batch is in doubt and
// not recorded, and its writer moves on to the next server.
type Writers struct {
	t    testing.TB
	stop chan struct{}
	done chan struct{}

	mu    sync.Mutex
	acks  []Ack
	fails int
	errs  map[int]int // failed batches by the SQL Server error number they got (0: none)
}

// WriterOptions configure StartWriters.
type WriterOptions struct {
	DB      string
	Workers int
	// URL is the connection string of server i for DB, asked at every
	// connection (servers restart on new ports).
	URL     func(server int) string
	Servers int
	// Timeout bounds each batch (default 30 s); shorter when a server may
	// be paused, so that writers move on.
	Timeout time.Duration
}

// StartWriters starts o.Workers writers.
func StartWriters(t testing.TB, o WriterOptions) *Writers {
	if o.Timeout == 0 {
		o.Timeout = 30 * time.Second
	}
	w := &Writers{t: t, stop: make(chan struct{}), done: make(chan struct{}), errs: map[int]int{}}
	var wg sync.WaitGroup
	for i := range o.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.run(o, i)
		}()
	}
	go func() {
		wg.Wait()
		close(w.done)
	}()
	t.Cleanup(func() {
		select {
		case <-w.stop:
		default:
			close(w.stop)
		}
		<-w.done
	})
	return w
}

func (w *Writers) run(o WriterOptions, worker int) {
	key := int64(worker) * 1_000_000_000
	target := worker % o.Servers
	var c *pgconn.PgConn
	defer func() {
		if c != nil {
			c.Close(context.Background())
		}
	}()
	failed := func(err error) {
		w.mu.Lock()
		w.fails++
		w.errs[MsgNumber(err)]++
		w.mu.Unlock()
		if c != nil {
			c.Close(context.Background())
			c = nil
		}
		target = (target + 1) % o.Servers
		select {
		case <-w.stop:
		case <-time.After(10 * time.Millisecond):
		}
	}
	for {
		select {
		case <-w.stop:
			return
		default:
		}
		if c == nil {
			ctx, cancel := context.WithTimeout(context.Background(), o.Timeout)
			var err error
			c, err = pgconn.Connect(ctx, o.URL(target))
			cancel()
			if err != nil {
				c = nil
				failed(err)
				continue
			}
		}
		key++
		batch := fmt.Sprintf(`BEGIN TRAN
INSERT INTO dbo.t (id, worker) VALUES (%d, %d)
SELECT mirroring_role_sequence FROM sys.database_mirroring WHERE database_id = DB_ID()
COMMIT`, key, worker)
		sent := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), o.Timeout)
		results, err := c.Exec(ctx, batch).ReadAll()
		cancel()
		if err != nil || len(results) != 4 || len(results[2].Rows) != 1 {
			failed(err)
			continue
		}
		seq, _ := strconv.ParseInt(string(results[2].Rows[0][0]), 10, 64)
		w.mu.Lock()
		w.acks = append(w.acks, Ack{Key: key, Server: target, RoleSeq: seq, Sent: sent, At: time.Now()})
		w.mu.Unlock()
	}
}

// Count is the number of acknowledged commits so far.
func (w *Writers) Count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.acks)
}

// WaitFor waits until n more commits are acknowledged (at most a minute).
func (w *Writers) WaitFor(n int) {
	w.t.Helper()
	want := w.Count() + n
	deadline := time.Now().Add(60 * time.Second)
	for w.Count() < want {
		if time.Now().After(deadline) {
			w.mu.Lock()
			fails, errs := w.fails, fmt.Sprint(w.errs)
			w.mu.Unlock()
			w.t.Fatalf("writers stalled at %d acknowledged commits (want %d); %d failed attempts, by message number: %s",
				w.Count(), want, fails, errs)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Since returns the acknowledgements that arrived after t.
func (w *Writers) Since(t time.Time) []Ack {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []Ack
	for _, a := range w.acks {
		if a.At.After(t) {
			out = append(out, a)
		}
	}
	return out
}

// Fails is the number of batches that failed (in doubt).
func (w *Writers) Fails() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.fails
}

// Errors counts the failed batches by the SQL Server error number they
// got (0 for failures without one: a lost connection, a timeout).
func (w *Writers) Errors() map[int]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make(map[int]int, len(w.errs))
	for n, c := range w.errs {
		out[n] = c
	}
	return out
}

// Finish stops the writers and returns every acknowledged commit.
func (w *Writers) Finish() []Ack {
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.acks
}

// CheckAcked verifies that every acknowledged key is in dbo.t, read on
// conn (the final principal), and that no key is there twice.
func CheckAcked(t testing.TB, conn *pgx.Conn, acks []Ack) {
	t.Helper()
	rows, err := conn.Query(context.Background(), "SELECT id FROM dbo.t")
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	have := map[int64]int{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		have[id]++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for id, n := range have {
		if n > 1 {
			t.Errorf("key %d is there %d times", id, n)
		}
	}
	lost := 0
	for _, a := range acks {
		if have[a.Key] == 0 {
			lost++
			if lost <= 5 {
				t.Errorf("acknowledged key %d (server %d, role sequence %d, at %s) is missing",
					a.Key, a.Server, a.RoleSeq, a.At.Format("15:04:05.000"))
			}
		}
	}
	if lost > 0 {
		t.Fatalf("%d of %d acknowledged commits lost", lost, len(acks))
	}
	t.Logf("all %d acknowledged commits present (%d rows)", len(acks), len(have))
}

// CheckOnePrincipal verifies from the acknowledgements that the database
// was never served by two principals at once: every role sequence's
// commits come from one server, and none of them was sent after a commit
// of a later role sequence had been acknowledged (a commit happens between
// its send and its acknowledgement, so this order is certain).
func CheckOnePrincipal(t testing.TB, acks []Ack) {
	t.Helper()
	type span struct {
		server            int
		firstAt, lastSent time.Time
		n                 int
	}
	// Each server's commits under each role sequence, for a report that
	// shows when each served.
	type served struct {
		n                 int
		firstSent, lastAt time.Time
	}
	byServer := map[int64]map[int]*served{}
	spans := map[int64]*span{}
	for _, a := range acks {
		s := spans[a.RoleSeq]
		if s == nil {
			s = &span{server: a.Server, firstAt: a.At, lastSent: a.Sent}
			spans[a.RoleSeq] = s
			byServer[a.RoleSeq] = map[int]*served{}
		}
		v := byServer[a.RoleSeq][a.Server]
		if v == nil {
			v = &served{firstSent: a.Sent, lastAt: a.At}
			byServer[a.RoleSeq][a.Server] = v
		}
		v.n++
		if a.Sent.Before(v.firstSent) {
			v.firstSent = a.Sent
		}
		if a.At.After(v.lastAt) {
			v.lastAt = a.At
		}
		if a.At.Before(s.firstAt) {
			s.firstAt = a.At
		}
		if a.Sent.After(s.lastSent) {
			s.lastSent = a.Sent
		}
		s.n++
	}
	seqs := make([]int64, 0, len(spans))
	for seq := range spans {
		seqs = append(seqs, seq)
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
	for i, seq := range seqs {
		s := spans[seq]
		t.Logf("role sequence %d: %d commits by server %d from %s", seq, s.n, s.server, s.firstAt.Format("15:04:05.000"))
		if len(byServer[seq]) > 1 {
			var each []string
			for _, server := range slices.Sorted(maps.Keys(byServer[seq])) {
				v := byServer[seq][server]
				each = append(each, fmt.Sprintf("server %d: %d commits, sent from %s, acknowledged until %s",
					server, v.n, v.firstSent.Format("15:04:05.000000"), v.lastAt.Format("15:04:05.000000")))
			}
			t.Errorf("role sequence %d: commits acknowledged by more than one server: %s", seq, strings.Join(each, "; "))
		}
		for _, later := range seqs[i+1:] {
			if l := spans[later]; s.lastSent.After(l.firstAt) {
				t.Errorf("two principals: a commit sent at %s was acknowledged under role sequence %d (server %d) after role sequence %d (server %d) acknowledged one at %s",
					s.lastSent.Format("15:04:05.000"), seq, s.server, later, l.server, l.firstAt.Format("15:04:05.000"))
			}
		}
	}
}
