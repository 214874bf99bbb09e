package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"mirrordb/internal/testutil"
)

// The soak's load: item workers and a DDL worker writing in explicit
// transactions, a backup taker and a restorer, all running until the cycle's
// event (kill -9, failover) or until stopped.

const (
	soakGroups = 8 // item groups per worker, each with a row in dbo.totals
	// soakStatementTimeout bounds every statement: a client waiting longer
	// is hung, not disconnected.
	soakStatementTimeout = 30 * time.Second
)

// client is one of the soak's writers. An item worker inserts, updates and
// deletes its own rows of dbo.items and keeps dbo.totals in step; the DDL
// worker creates, fills, truncates and drops its own scratch tables. Every
// transaction also writes its ledger row. A client touches only its own
// keys and tables, so its state follows from its own committed history.
type client struct {
	id   int
	ddl  bool
	rng  *rand.Rand
	st   dbState // what its committed transactions left
	next int64   // the next item key or scratch table number
}

// stmt is one statement of a transaction and the rows it must affect (-1:
// not counted).
type stmt struct {
	sql  string
	rows int64
}

func totalsKey(worker, grp int) int { return worker*100 + grp }

// txn makes the client's next transaction (id x) from its state.
func (c *client) txn(x int64) ([]stmt, []op) {
	if c.ddl {
		return c.ddlTxn(x)
	}
	return c.itemTxn(x)
}

// itemTxn writes new rows in one multi-row INSERT, updates a few rows by
// key and sometimes a whole group, deletes a row or a key range, and
// applies the changes' sums to dbo.totals.
func (c *client) itemTxn(x int64) ([]stmt, []op) {
	work := maps.Clone(c.st.items)
	var stmts []stmt
	var ops []op
	deltas := map[int][2]int64{} // group → (count, sum) change
	account := func(it item, sign int64) {
		d := deltas[it.grp]
		deltas[it.grp] = [2]int64{d[0] + sign, d[1] + sign*it.val}
	}
	put := func(id int64, it item) {
		if old, ok := work[id]; ok {
			account(old, -1)
		}
		account(it, 1)
		work[id] = it
		ops = append(ops, op{kind: opPut, id: id, item: it})
	}
	del := func(id int64) {
		account(work[id], -1)
		delete(work, id)
		ops = append(ops, op{kind: opDelete, id: id})
	}
	keys := func() []int64 { return slices.Sorted(maps.Keys(work)) }

	n := 1 + c.rng.IntN(3)
	if len(work) > 120 {
		n = c.rng.IntN(2)
	}
	var values []string
	for range n {
		id := int64(c.id)*1_000_000_000 + c.next
		c.next++
		it := item{worker: c.id, grp: c.rng.IntN(soakGroups), val: c.rng.Int64N(1000), txn: x, pad: c.rng.IntN(80)}
		put(id, it)
		values = append(values, fmt.Sprintf("(%d, %d, %d, %d, %d, REPLICATE('p', %d))", id, it.worker, it.grp, it.val, x, it.pad))
	}
	if n > 0 {
		stmts = append(stmts, stmt{"INSERT INTO dbo.items (id, worker, grp, val, txn, pad) VALUES " + strings.Join(values, ", "), int64(n)})
	}
	for range c.rng.IntN(3) {
		ids := keys()
		id := ids[c.rng.IntN(len(ids))]
		it := work[id]
		it.val, it.txn = c.rng.Int64N(1000), x
		if c.rng.IntN(3) == 0 {
			it.grp = c.rng.IntN(soakGroups)
		}
		put(id, it)
		stmts = append(stmts, stmt{fmt.Sprintf("UPDATE dbo.items SET grp = %d, val = %d, txn = %d WHERE id = %d", it.grp, it.val, x, id), 1})
	}
	if c.rng.IntN(4) == 0 {
		g := c.rng.IntN(soakGroups)
		var hit int64
		for _, id := range keys() {
			if it := work[id]; it.grp == g {
				it.val, it.txn = it.val+1, x
				put(id, it)
				hit++
			}
		}
		stmts = append(stmts, stmt{fmt.Sprintf("UPDATE dbo.items SET val = val + 1, txn = %d WHERE worker = %d AND grp = %d", x, c.id, g), hit})
	}
	if ids := keys(); c.rng.IntN(2) == 0 && len(ids) > 0 {
		id := ids[c.rng.IntN(len(ids))]
		del(id)
		stmts = append(stmts, stmt{fmt.Sprintf("DELETE FROM dbo.items WHERE id = %d", id), 1})
	}
	if ids := keys(); c.rng.IntN(6) == 0 && len(ids) > 0 {
		i := c.rng.IntN(len(ids))
		j := min(len(ids)-1, i+c.rng.IntN(5))
		for _, id := range ids[i : j+1] {
			del(id)
		}
		stmts = append(stmts, stmt{fmt.Sprintf("DELETE FROM dbo.items WHERE worker = %d AND id BETWEEN %d AND %d", c.id, ids[i], ids[j]), int64(j - i + 1)})
	}
	for _, g := range slices.Sorted(maps.Keys(deltas)) {
		if d := deltas[g]; d != [2]int64{} {
			stmts = append(stmts, stmt{fmt.Sprintf("UPDATE dbo.totals SET cnt = cnt + (%d), total = total + (%d) WHERE k = %d", d[0], d[1], totalsKey(c.id, g)), 1})
		}
	}
	return stmts, ops
}

// ddlTxn creates a scratch table (with rows, sometimes), or fills,
// truncates or drops one of the client's.
func (c *client) ddlTxn(x int64) ([]stmt, []op) {
	fill := func(name string, from, n int) (stmt, op) {
		var values []string
		for i := from + 1; i <= from+n; i++ {
			values = append(values, fmt.Sprintf("(%d, %d)", i, x))
		}
		return stmt{fmt.Sprintf("INSERT INTO dbo.%s (id, v) VALUES %s", name, strings.Join(values, ", ")), int64(n)},
			op{kind: opFill, table: name, rows: n}
	}
	names := slices.Sorted(maps.Keys(c.st.scratch))
	if len(names) == 0 || (len(names) < 3 && c.rng.IntN(3) == 0) {
		name := fmt.Sprintf("scratch_%d_%d", c.id, c.next)
		c.next++
		stmts := []stmt{{fmt.Sprintf("CREATE TABLE dbo.%s (id INT PRIMARY KEY, v BIGINT NOT NULL)", name), -1}}
		ops := []op{{kind: opCreate, table: name}}
		if n := c.rng.IntN(20); n > 0 {
			s, o := fill(name, 0, n)
			stmts, ops = append(stmts, s), append(ops, o)
		}
		return stmts, ops
	}
	name := names[c.rng.IntN(len(names))]
	switch c.rng.IntN(4) {
	case 0:
		return []stmt{{"TRUNCATE TABLE dbo." + name, -1}}, []op{{kind: opTruncate, table: name}}
	case 1:
		return []stmt{{"DROP TABLE dbo." + name, -1}}, []op{{kind: opDrop, table: name}}
	default:
		s, o := fill(name, c.st.scratch[name], 1+c.rng.IntN(20))
		return []stmt{s}, []op{o}
	}
}

// run sends c's transactions to url until stop or its first failure.
// After a failure its last transaction is in doubt until the next check
// settles it, so c writes nothing more in this cycle.
func (s *soak) run(c *client, url string, stop <-chan struct{}) {
	ctx, cancel := context.WithTimeout(context.Background(), soakStatementTimeout)
	conn, err := pgconn.Connect(ctx, url)
	cancel()
	if err != nil {
		s.expectLoss(fmt.Sprintf("client %d: connect", c.id), err)
		return
	}
	defer conn.Close(context.Background())
	for {
		select {
		case <-stop:
			return
		default:
		}
		x := s.ids.Add(1)
		stmts, ops := c.txn(x)
		stmts = append(stmts, stmt{fmt.Sprintf("INSERT INTO dbo.ledger (txn, client) VALUES (%d, %d)", x, c.id), 1})
		commit := c.rng.IntN(20) != 0
		var b strings.Builder
		b.WriteString("BEGIN TRAN\n")
		for _, st := range stmts {
			b.WriteString(st.sql + "\n")
		}
		if commit {
			b.WriteString("COMMIT")
		} else {
			b.WriteString("ROLLBACK")
		}

		r := s.hist.begin(x, c.id, ops)
		ctx, cancel := context.WithTimeout(context.Background(), soakStatementTimeout)
		results, err := conn.Exec(ctx, b.String()).ReadAll()
		cancel()
		if err != nil {
			s.hist.end(r, txnInDoubt)
			s.expectLoss(r.String(), err)
			return
		}
		if len(results) != len(stmts)+2 {
			s.t.Errorf("%s: %d results for %d statements", r, len(results), len(stmts)+2)
			return
		}
		for i, st := range stmts {
			if got := results[i+1].CommandTag.RowsAffected(); st.rows >= 0 && got != st.rows {
				// The database and the history disagree before any check.
				s.t.Errorf("%s: %q affected %d rows, want %d", r, st.sql, got, st.rows)
				return
			}
		}
		if !commit {
			s.hist.end(r, txnRolledBack)
			continue
		}
		s.hist.end(r, txnAcked)
		c.st.apply(ops)
	}
}

// expectLoss accepts err if it is how a client loses its server — the
// process was killed, or (mirrored) the database moved to the other
// partner — and fails the test otherwise. A timeout is a hang, not a loss.
func (s *soak) expectLoss(what string, err error) {
	var pe *pgconn.PgError
	hang := pgconn.Timeout(err) || errors.Is(err, context.DeadlineExceeded)
	switch {
	case hang:
	case !errors.As(err, &pe):
		return // the connection broke
	case s.mirrored && soakRoleChange[testutil.MsgNumber(err)]:
		return
	case s.mirrored && pe.Code == "57P01":
		return // a role change ends the demoted side's sessions
	}
	s.t.Errorf("%s: unexpected error (hang: %t): %v", what, hang, err)
}

// soakRoleChange are the errors a mirrored soak's clients meet when the
// database is no longer served where they are: the copy there is the
// mirror (954), or the database is closed for want of quorum (955).
var soakRoleChange = map[int]bool{954: true, 955: true}

// backupRec is one BACKUP the soak took, in a file of its own.
type backupRec struct {
	full       bool
	path       string
	state      txnState // txnAcked, or txnInDoubt when the server went away
	start, end time.Time
}

// backup takes a full or log backup of the soak's database on conn and
// records it.
func (s *soak) backup(conn *pgconn.PgConn, full bool) (*backupRec, error) {
	s.mu.Lock()
	kind, verb := "log", "LOG"
	if full {
		kind, verb = "full", "DATABASE"
	}
	b := &backupRec{full: full, path: fmt.Sprintf("%s/%s-%04d.bak", s.dir, kind, len(s.backups)), start: time.Now()}
	s.backups = append(s.backups, b)
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), soakStatementTimeout)
	defer cancel()
	_, err := conn.Exec(ctx, fmt.Sprintf("BACKUP %s %s TO DISK = '%s'", verb, soakDB, b.path)).ReadAll()
	s.mu.Lock()
	defer s.mu.Unlock()
	b.state, b.end = txnAcked, time.Now()
	if err != nil {
		b.state = txnInDoubt
	}
	return b, err
}

// fulls are the indexes of the acknowledged full backups, oldest first
// (setup took the first).
func (s *soak) fulls() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []int
	for i, b := range s.backups {
		if b.full && b.state == txnAcked {
			out = append(out, i)
		}
	}
	return out
}

// lastFull is the latest acknowledged full backup.
func (s *soak) lastFull() *backupRec {
	f := s.fulls()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.backups[f[len(f)-1]]
}

// takeBackups backs the database up now and then — mostly the log, a full
// backup one time in five — until stop or the first failure.
func (s *soak) takeBackups(master string, rng *rand.Rand, stop <-chan struct{}) {
	ctx, cancel := context.WithTimeout(context.Background(), soakStatementTimeout)
	conn, err := pgconn.Connect(ctx, master)
	cancel()
	if err != nil {
		s.expectLoss("backups: connect", err)
		return
	}
	defer conn.Close(context.Background())
	for pause(stop, rng, 100*time.Millisecond, 400*time.Millisecond) {
		if b, err := s.backup(conn, rng.IntN(5) == 0); err != nil {
			s.expectLoss(b.path, err)
			return
		}
	}
}

// restoreCopies restores the latest full backup over another database name
// now and then, and checks the copy holds the cut the backup was taken at.
func (s *soak) restoreCopies(n *instance, rng *rand.Rand, stop <-chan struct{}) {
	for pause(stop, rng, 300*time.Millisecond, time.Second) {
		f := s.lastFull()
		if err := s.unused(n, fmt.Sprintf("RESTORE DATABASE %s FROM DISK = '%s' WITH REPLACE", soakCopy, f.path)); err != nil {
			s.expectLoss("restore of "+f.path, err)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), soakStatementTimeout)
		problems, _, err := s.verify(ctx, n, soakCopy, bounds{after: f.start, before: f.end})
		cancel()
		if err != nil {
			s.expectLoss("checking the copy of "+f.path, err)
			return
		}
		for _, p := range problems {
			s.t.Errorf("the copy restored from %s: %s", f.path, p)
		}
	}
}

// pause waits a random time in [lo, hi) and reports whether stop did not
// come first.
func pause(stop <-chan struct{}, rng *rand.Rand, lo, hi time.Duration) bool {
	select {
	case <-stop:
		return false
	case <-time.After(between(rng, lo, hi)):
		return true
	}
}

// between is a random duration in [lo, hi).
func between(rng *rand.Rand, lo, hi time.Duration) time.Duration {
	return lo + time.Duration(rng.Int64N(max(int64(hi-lo), 1)))
}

// load is one cycle's clients, backups and restores.
type load struct {
	stop chan struct{}
	wg   sync.WaitGroup
}

// startLoad starts the load on the instance n that serves the database.
func (s *soak) startLoad(n *instance) *load {
	l := &load{stop: make(chan struct{})}
	url, master := n.url(soakDB), n.url("master")
	rng := func(stream uint64) *rand.Rand { return rand.New(rand.NewPCG(s.seed, stream<<32|uint64(s.cycle))) }
	for _, c := range s.clients {
		l.wg.Go(func() { s.run(c, url, l.stop) })
	}
	backups, copies := rng(1), rng(2)
	l.wg.Go(func() { s.takeBackups(master, backups, l.stop) })
	l.wg.Go(func() { s.restoreCopies(n, copies, l.stop) })
	return l
}

// halt stops the load and waits for it, a minute at most (every statement
// has its own timeout, so longer is a hang).
func (l *load) halt(t testing.TB) {
	t.Helper()
	close(l.stop)
	done := make(chan struct{})
	go func() {
		l.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("the soak's clients did not stop within a minute")
	}
}
