package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"mirrordb/internal/testutil"
	"mirrordb/server/servertest"
)

var (
	soakDuration = flag.Duration("soak.duration", 12*time.Second,
		"how long each soak test (TestSoakCrash, TestSoakMirrored) keeps starting crash or failover cycles; CI keeps the default")
	soakSeed    = flag.Uint64("soak.seed", 0, "seed of the soak's schedule and workload (0: a new one, printed); replays a failure's choices")
	soakWorkers = flag.Int("soak.workers", 4, "item workers in each soak test (a DDL worker, a backup taker and a restorer run besides)")
)

const (
	soakDB    = "Soak"
	soakCopy  = "SoakCopy"  // restored from a full backup while the load runs
	soakChain = "SoakChain" // rebuilt from the log-backup chain at each check
)

// soak is a crash-consistency soak: a mixed workload on real server
// processes, disturbed by kill -9 or failover at random moments, with the
// checker's invariants verified after every disturbance. Its randomness
// comes from one seed (-soak.seed), printed at the start: the schedule, the
// workload's choices and the checks replay with it, though thread timing
// does not.
type soak struct {
	t        *testing.T
	seed     uint64
	rng      *rand.Rand // the schedule: pauses, events, checks
	mirrored bool
	start    time.Time
	dir      string // backup files
	cycle    int

	hist    history
	ids     atomic.Int64
	clients []*client

	mu      sync.Mutex // guards backups
	backups []*backupRec
	logSeen map[*instance]int // how much of each instance's log was scanned
}

func newSoak(t *testing.T, mirrored bool) *soak {
	seed := *soakSeed
	if seed == 0 {
		seed = rand.Uint64()
	}
	t.Logf("soak seed %d for %s (rerun with -soak.seed=%d)", seed, *soakDuration, seed)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("soak seed %d failed: rerun with -run '^%s$' -soak.seed=%d -soak.duration=%s", seed, t.Name(), seed, *soakDuration)
		}
	})
	s := &soak{t: t, seed: seed, rng: rand.New(rand.NewPCG(seed, 0)), mirrored: mirrored, start: time.Now(),
		dir: t.TempDir(), logSeen: map[*instance]int{}}
	for i := 0; i <= *soakWorkers; i++ {
		s.clients = append(s.clients, &client{id: i, ddl: i == *soakWorkers, st: newDBState(),
			rng: rand.New(rand.NewPCG(seed, uint64(100+i)))})
	}
	return s
}

// more starts the next cycle while the duration lasts (at least two).
func (s *soak) more() bool {
	s.cycle++
	return s.cycle <= 2 || time.Since(s.start) < *soakDuration
}

// TestSoakCrash runs the soak's load against one server process and kills
// it with SIGKILL at a random moment of each cycle; the restarted server
// must recover, and the live database, a copy restored from a full backup
// and the database rebuilt from the log-backup chain must pass every
// invariant of the checker (soakcheck_test.go). CI runs it for
// -soak.duration (12 s of cycles); a soak runs it for minutes:
//
//	go test ./cmd/server -run '^TestSoakCrash$' -soak.duration=10m -v
//
// A failure prints its seed; -soak.seed replays the schedule.
func TestSoakCrash(t *testing.T) {
	s := newSoak(t, false)
	n := s.single("SOAK")
	for s.more() {
		l := s.startLoad(n)
		s.pause(300*time.Millisecond, 2*time.Second)
		n.kill()
		l.halt(t)
		n.start() // recovery must succeed: startServerWith fails the test otherwise
		noLeftovers(t, n.dir)
		s.check(n, n)
	}
	s.finish(n)
}

// noLeftovers fails the test when a restarted instance kept what a backup
// or restore killed half-way left in its data directory (each a full copy
// of a database).
func noLeftovers(t *testing.T, dir string) {
	t.Helper()
	for _, pattern := range []string{".restore-*", "backup/.checkpoint-*"} {
		if left, _ := filepath.Glob(filepath.Join(dir, pattern)); len(left) > 0 {
			t.Errorf("left behind after a restart: %v", left)
		}
	}
}

// TestSoakMirrored runs the soak's load on the principal of a session with
// a witness, all three as processes (the cluster harness), and in each cycle
// either kills the principal with SIGKILL (automatic failover; it restarts
// and rejoins as mirror) or fails over by hand. After each, the new
// principal must hold every acknowledged commit and pass every invariant;
// as the partners take turns, each is checked against the same history.
// The cluster's own writers run besides, for its check that one principal
// served at a time. At the end both partners' tables are compared across a
// last failover, and the log-backup chain, taken on both partners, is
// restored whole.
//
//	go test ./cmd/server -run '^TestSoakMirrored$' -soak.duration=10m -v
func TestSoakMirrored(t *testing.T) {
	s := newSoak(t, true)
	c := newCluster(t, soakDB, 0)
	p, _ := c.steady()
	s.setup(p)
	w := c.writers(2) // the cluster's own writers: one principal at a time
	for s.more() {
		p, m := c.steady()
		l := s.startLoad(p)
		s.pause(500*time.Millisecond, 2500*time.Millisecond)
		if s.rng.IntN(2) == 0 {
			t.Logf("cycle %d: kill -9 of the principal %s", s.cycle, p.name)
			p.kill()
			c.waitRole(m, "PRINCIPAL", time.Minute)
			l.halt(t)
			p.start()
		} else {
			t.Logf("cycle %d: manual failover from %s", s.cycle, p.name)
			p.exec(fmt.Sprintf("ALTER DATABASE %s SET PARTNER FAILOVER", soakDB))
			l.halt(t)
		}
		p, _ = c.steady()
		s.check(p, c.a, c.b, c.w)
	}
	p, m := c.steady()
	before := s.contents(p)
	c.finish(w) // fails over by hand
	if after := s.contents(m); !reflect.DeepEqual(before, after) {
		t.Errorf("the partners differ: %s has %d items, %d ledger rows, %d scratch tables; %s %d, %d, %d",
			p.name, len(before.items), len(before.ledger), len(before.scratch), m.name, len(after.items), len(after.ledger), len(after.scratch))
	}
	s.check(m, c.a, c.b, c.w) // says how m differs from the history
	s.finish(m)
}

// single starts one instance with the soak's database set up.
func (s *soak) single(name string) *instance {
	n := newInstance(s.t, name, servertest.LoopbackHosts(1)[0])
	n.exec("CREATE DATABASE " + soakDB)
	n.exec("ALTER DATABASE " + soakDB + " SET RECOVERY FULL")
	s.setup(n)
	return n
}

// setup creates the soak's tables in the database n serves and takes the
// full backup that starts the log-backup chain.
func (s *soak) setup(n *instance) {
	var totals []string
	for _, c := range s.clients {
		for g := range soakGroups {
			if !c.ddl {
				totals = append(totals, fmt.Sprintf("(%d, %d, %d, 0, 0)", totalsKey(c.id, g), c.id, g))
			}
		}
	}
	n.exec(fmt.Sprintf(`USE %s
CREATE TABLE dbo.items (id BIGINT PRIMARY KEY, worker INT NOT NULL, grp INT NOT NULL, val BIGINT NOT NULL, txn BIGINT NOT NULL, pad VARCHAR(100))
CREATE TABLE dbo.totals (k INT PRIMARY KEY, worker INT NOT NULL, grp INT NOT NULL, cnt BIGINT NOT NULL, total BIGINT NOT NULL)
CREATE TABLE dbo.ledger (txn BIGINT PRIMARY KEY, client INT NOT NULL)
INSERT INTO dbo.totals (k, worker, grp, cnt, total) VALUES %s`, soakDB, strings.Join(totals, ", ")))
	s.backupNow(n, true)
}

// backupNow takes a backup on n that must succeed (the load is stopped).
func (s *soak) backupNow(n *instance, full bool) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), soakStatementTimeout)
	defer cancel()
	conn, err := pgconn.Connect(ctx, n.url("master"))
	if err == nil {
		_, err = s.backup(conn, full)
		conn.Close(context.Background())
	}
	if err != nil {
		s.t.Fatalf("%s: backup: %v", n.name, err)
	}
}

// pause sleeps a random time of the schedule.
func (s *soak) pause(lo, hi time.Duration) { time.Sleep(between(s.rng, lo, hi)) }

// verify checks database db on n against the history within b.
func (s *soak) verify(ctx context.Context, n *instance, db string, b bounds) ([]string, map[int64]bool, error) {
	conn, err := n.connect(ctx, db)
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close(context.Background())
	return verify(ctx, conn, s.hist.snapshot(), b)
}

// contents reads the soak's tables on n (the principal).
func (s *soak) contents(n *instance) *contents {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := n.connect(ctx, soakDB)
	if err != nil {
		s.t.Fatalf("%s: %v", n.name, err)
	}
	defer conn.Close(context.Background())
	got, err := readContents(ctx, conn)
	if err != nil {
		s.t.Fatalf("%s: %v", n.name, err)
	}
	return got
}

// check runs after a restart or failover, with the load stopped: the live
// database on n must hold the whole history (which settles the
// transactions in doubt), a copy restored while the load ran must be a
// consistent cut, the log-backup chain from a recent full backup must
// restore, and the instances' logs must show no error.
func (s *soak) check(n *instance, all ...*instance) {
	t := s.t
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	problems, present, err := s.verify(ctx, n, soakDB, bounds{after: time.Now()})
	if err != nil {
		t.Fatalf("cycle %d: reading %s on %s: %v", s.cycle, soakDB, n.name, err)
	}
	s.fail(n.name+" "+soakDB, problems)
	committed, vanished := s.hist.resolve(present)
	for _, r := range committed {
		s.clients[r.client].st.apply(r.ops)
	}
	for _, x := range all {
		s.checkCopy(ctx, x)
	}
	// One of the last three full backups, so that a run of log backups
	// follows it.
	fulls := s.fulls()
	base := fulls[len(fulls)-1-s.rng.IntN(min(3, len(fulls)))]
	chain := s.checkChain(ctx, n, base, true)
	for _, x := range all {
		s.checkLog(x)
	}
	t.Logf("cycle %d: %d committed transactions on %s, of which %d were in doubt; %d in doubt vanished; %s",
		s.cycle, len(present), n.name, len(committed), vanished, chain)
}

// fail ends the test with the problems a check found in what.
func (s *soak) fail(what string, problems []string) {
	s.t.Helper()
	if len(problems) > 0 {
		s.t.Fatalf("cycle %d: %s:\n  %s", s.cycle, what, strings.Join(problems, "\n  "))
	}
}

// checkCopy checks the copy restored from a full backup on n, if any: a
// restore the kill interrupted leaves no copy or a whole one.
func (s *soak) checkCopy(ctx context.Context, n *instance) {
	s.t.Helper()
	var state string
	err := s.queryRow(ctx, n, "SELECT state_desc FROM sys.databases WHERE name = $1", []any{soakCopy}, &state)
	if err == pgx.ErrNoRows {
		return
	}
	if err != nil || state != "ONLINE" {
		s.t.Fatalf("cycle %d: %s on %s: state %q (%v)", s.cycle, soakCopy, n.name, state, err)
	}
	problems, _, err := s.verify(ctx, n, soakCopy, bounds{})
	if err != nil {
		s.t.Fatalf("cycle %d: reading %s on %s: %v", s.cycle, soakCopy, n.name, err)
	}
	s.fail(n.name+" "+soakCopy, problems)
}

func (s *soak) queryRow(ctx context.Context, n *instance, sql string, args []any, dest ...any) error {
	conn, err := n.connect(ctx, "master")
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	return conn.QueryRow(ctx, sql, args...).Scan(dest...)
}

// lsnRange is a backup's FirstLSN and LastLSN (the LSN after it).
type lsnRange struct{ first, last uint64 }

// header reads a backup file's LSN range with RESTORE HEADERONLY.
func (s *soak) header(ctx context.Context, conn *pgconn.PgConn, path string) (lsnRange, error) {
	results, err := conn.Exec(ctx, fmt.Sprintf("RESTORE HEADERONLY FROM DISK = '%s'", path)).ReadAll()
	if err != nil {
		return lsnRange{}, err
	}
	if len(results) != 1 || len(results[0].Rows) != 1 {
		return lsnRange{}, fmt.Errorf("RESTORE HEADERONLY FROM DISK = '%s': %d results", path, len(results))
	}
	var r lsnRange
	for i, f := range results[0].FieldDescriptions {
		v, _ := strconv.ParseUint(string(results[0].Rows[0][i]), 10, 64)
		switch f.Name {
		case "FirstLSN":
			r.first = v
		case "LastLSN":
			r.last = v
		}
	}
	return r, nil
}

// checkChain restores the full backup s.backups[base] and every log
// backup after it, in order, onto a scratch database on n, and checks that
// it holds the cut the last log backup was taken at. A log backup the kill
// interrupted is used if its file is whole, skipped otherwise; a gap in
// the chain fails the test. With mayStop, one time in three the last log
// is restored WITH STOPAT a moment between the previous backup and its
// start. It returns a summary.
func (s *soak) checkChain(ctx context.Context, n *instance, base int, mayStop bool) string {
	t := s.t
	t.Helper()
	conn, err := pgconn.Connect(ctx, n.url("master"))
	if err != nil {
		t.Fatalf("%s: %v", n.name, err)
	}
	defer conn.Close(context.Background())
	exec := func(sql string) {
		t.Helper()
		if _, err := conn.Exec(ctx, sql).ReadAll(); err != nil {
			t.Fatalf("cycle %d: log chain on %s: %s: %v", s.cycle, n.name, sql, err)
		}
	}
	s.mu.Lock()
	full, later := s.backups[base], append([]*backupRec(nil), s.backups[base+1:]...)
	s.mu.Unlock()
	exec(fmt.Sprintf("RESTORE DATABASE %s FROM DISK = '%s' WITH NORECOVERY, REPLACE", soakChain, full.path))
	h, err := s.header(ctx, conn, full.path)
	if err != nil {
		t.Fatal(err)
	}
	next, b := h.last, bounds{after: full.start, before: full.end}
	var logs []*backupRec
	var covered time.Time // the latest start of a log backup wholly restored by others
	for _, l := range later {
		if l.full {
			continue
		}
		h, err := s.header(ctx, conn, l.path)
		switch {
		case err != nil && l.state == txnInDoubt:
			continue // the kill cut it short
		case err != nil:
			t.Fatalf("cycle %d: log backup %s: %v", s.cycle, l.path, err)
		case h.last < next || (h.last == next && h.first < h.last):
			covered = l.start
			continue
		case h.first > next:
			t.Fatalf("cycle %d: the log chain is broken: %s (%s) starts at LSN %d, the restored database needs %d",
				s.cycle, l.path, l.state, h.first, next)
		}
		logs = append(logs, l)
		next = h.last
	}
	stopAt := mayStop && len(logs) > 0 && s.rng.IntN(3) == 0
	for i, l := range logs {
		b.after, b.before = l.start, l.end
		opts := "NORECOVERY"
		if i == len(logs)-1 && stopAt {
			from := full.end
			if i > 0 {
				from = logs[i-1].end
			}
			// The backup holds what committed before it started: a
			// moment after that could hold commits it lacks.
			stop := from.Add(between(s.rng, 0, l.start.Sub(from))).Truncate(time.Millisecond)
			opts = fmt.Sprintf("STOPAT = '%s', RECOVERY", stop.Format("2006-01-02 15:04:05.000"))
			b.after, b.before = stop, stop
		}
		exec(fmt.Sprintf("RESTORE LOG %s FROM DISK = '%s' WITH %s", soakChain, l.path, opts))
	}
	if !stopAt {
		exec(fmt.Sprintf("RESTORE DATABASE %s WITH RECOVERY", soakChain))
		if covered.After(b.after) {
			b.after = covered
		}
	}
	problems, present, err := s.verify(ctx, n, soakChain, b)
	if err != nil {
		t.Fatalf("cycle %d: reading %s on %s: %v", s.cycle, soakChain, n.name, err)
	}
	s.fail(fmt.Sprintf("%s restored from %s and %d log backups", soakChain, full.path, len(logs)), problems)
	if err := s.unused(n, "DROP DATABASE "+soakChain); err != nil {
		t.Fatalf("cycle %d: %v", s.cycle, err)
	}
	return fmt.Sprintf("chain: %s + %d log backups, %d transactions", full.path[strings.LastIndex(full.path, "/")+1:], len(logs), len(present))
}

// unused runs sql, which needs a database nobody uses, on n's master. The
// soak's own connection to it closed just before, but the server ends a
// session a moment after the client leaves: while it still counts (Msg
// 3101, 3702), it tries again, for ten seconds at most.
func (s *soak) unused(n *instance, sql string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := n.tryFor(sql, soakStatementTimeout)
		if m := testutil.MsgNumber(err); (m != 3101 && m != 3702) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkLog fails the test if n's log has an ERROR line it has not shown
// before: recovery, mirroring and statements must not log errors.
func (s *soak) checkLog(n *instance) {
	s.t.Helper()
	text := n.log.String()
	from := s.logSeen[n]
	s.logSeen[n] = len(text)
	var errs []string
	for _, line := range strings.Split(text[from:], "\n") {
		if strings.Contains(line, "level=ERROR") {
			errs = append(errs, line)
		}
	}
	if len(errs) > 0 {
		s.t.Fatalf("cycle %d: %s logged errors:\n%s", s.cycle, n.name, strings.Join(errs, "\n"))
	}
}

// finish backs the log up once more, with the load stopped, and restores
// the whole log-backup chain, from the first full backup through every log
// backup of the run: it must hold every committed transaction.
func (s *soak) finish(n *instance) {
	s.backupNow(n, false)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	s.t.Logf("the whole run: %s", s.checkChain(ctx, n, 0, false))
}
