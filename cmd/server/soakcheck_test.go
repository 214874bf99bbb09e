package main

import (
	"context"
	"fmt"
	"maps"
	"mirrordb/internal/testutil"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// The soak's checker compares what its clients were told (the history)
// with what a database holds. One checker serves the live database after a
// restart or failover, a copy restored from a full backup and a database
// rebuilt from the log-backup chain: they differ only in the bounds of the
// cut of the history they may show.

// txnState is what a client knows of one of its transactions.
type txnState uint8

const (
	txnPending    txnState = iota // sent, no answer yet
	txnAcked                      // COMMIT acknowledged: must survive anything
	txnRolledBack                 // ROLLBACK acknowledged: must never be seen
	txnInDoubt                    // the connection failed before the answer
	txnCommitted                  // in doubt, then found in the live database
	txnVanished                   // in doubt, then found missing: must never be seen again
)

var txnStateNames = [...]string{"pending", "acknowledged", "rolled back", "in doubt", "committed (was in doubt)", "vanished (was in doubt)"}

func (s txnState) String() string { return txnStateNames[s] }

// txnRec is one transaction a client sent. It writes its ledger row
// (dbo.ledger, key id) with its other changes, so the ledger tells whether
// it committed.
type txnRec struct {
	id     int64
	client int
	ops    []op
	state  txnState
	sent   time.Time
	done   time.Time // acknowledged, or found committed
}

func (r *txnRec) committed() bool { return r.state == txnAcked || r.state == txnCommitted }

// possible reports whether the transaction may be in a database at all.
func (r *txnRec) possible() bool { return r.state != txnRolledBack && r.state != txnVanished }

func (r *txnRec) String() string {
	s := fmt.Sprintf("transaction %d (client %d, %s, sent %s", r.id, r.client, r.state, r.sent.Format("15:04:05.000"))
	if !r.done.IsZero() {
		s += ", done " + r.done.Format("15:04:05.000")
	}
	return s + ")"
}

// history is every transaction the clients sent, in the order sent.
type history struct {
	mu   sync.Mutex
	txns []*txnRec
	byID map[int64]*txnRec
}

// begin records a transaction about to be sent; its id comes from next.
func (h *history) begin(id int64, client int, ops []op) *txnRec {
	r := &txnRec{id: id, client: client, ops: ops, sent: time.Now()}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.byID == nil {
		h.byID = map[int64]*txnRec{}
	}
	h.txns = append(h.txns, r)
	h.byID[id] = r
	return r
}

// end records the outcome of r.
func (h *history) end(r *txnRec, st txnState) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r.state = st
	if st == txnAcked {
		r.done = time.Now()
	}
}

// snapshot copies the history for a check that runs while clients write.
func (h *history) snapshot() []txnRec {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]txnRec, len(h.txns))
	for i, r := range h.txns {
		out[i] = *r
	}
	return out
}

// resolve settles the transactions in doubt by what the live database
// shows and returns the ones found committed (their effects are now part
// of their clients' state).
func (h *history) resolve(present map[int64]bool) (committed []*txnRec, vanished int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := time.Now()
	for _, r := range h.txns {
		if r.state != txnInDoubt {
			continue
		}
		if present[r.id] {
			r.state, r.done = txnCommitted, now
			committed = append(committed, r)
		} else {
			r.state = txnVanished
			vanished++
		}
	}
	return committed, vanished
}

// item is a row of dbo.items; pad is the length of its padding.
type item struct {
	worker, grp int
	val         int64
	txn         int64
	pad         int
}

type opKind uint8

const (
	opPut      opKind = iota // an item row written (inserted or updated)
	opDelete                 // an item row deleted
	opCreate                 // a scratch table created, empty
	opFill                   // rows added to a scratch table
	opTruncate               // a scratch table emptied
	opDrop                   // a scratch table dropped
)

// op is one effect of a transaction on what the checker follows.
type op struct {
	kind  opKind
	id    int64  // opPut, opDelete
	item  item   // opPut
	table string // scratch ops
	rows  int    // opFill
}

// dbState is what the history determines of a database: its items and its
// scratch tables with their row counts.
type dbState struct {
	items   map[int64]item
	scratch map[string]int
}

func newDBState() dbState { return dbState{items: map[int64]item{}, scratch: map[string]int{}} }

func (s dbState) apply(ops []op) {
	for _, o := range ops {
		switch o.kind {
		case opPut:
			s.items[o.id] = o.item
		case opDelete:
			delete(s.items, o.id)
		case opCreate, opTruncate:
			s.scratch[o.table] = 0
		case opFill:
			s.scratch[o.table] += o.rows
		case opDrop:
			delete(s.scratch, o.table)
		}
	}
}

// contents is what a database holds, read by full scans.
type contents struct {
	ledger  map[int64]int // txn → client
	items   map[int64]item
	totals  map[[2]int][2]int64 // (worker, grp) → (cnt, total)
	scratch map[string]int      // scratch table → rows
}

// readContents scans the soak's tables. The database must be quiet: the
// scans are separate statements.
func readContents(ctx context.Context, c *pgx.Conn) (*contents, error) {
	got := &contents{ledger: map[int64]int{}, items: map[int64]item{}, totals: map[[2]int][2]int64{}, scratch: map[string]int{}}
	err := scan(ctx, c, "SELECT txn, client FROM dbo.ledger", func(r pgx.Rows) error {
		var txn int64
		var client int
		err := r.Scan(&txn, &client)
		got.ledger[txn] = client
		return err
	})
	if err == nil {
		err = scan(ctx, c, "SELECT id, worker, grp, val, txn, pad FROM dbo.items", func(r pgx.Rows) error {
			id, it, err := scanItem(r)
			got.items[id] = it
			return err
		})
	}
	if err == nil {
		err = scan(ctx, c, "SELECT worker, grp, cnt, total FROM dbo.totals", func(r pgx.Rows) error {
			var w, g int
			var cnt, total int64
			err := r.Scan(&w, &g, &cnt, &total)
			got.totals[[2]int{w, g}] = [2]int64{cnt, total}
			return err
		})
	}
	var tables []string
	if err == nil {
		err = scan(ctx, c, "SELECT name FROM sys.tables WHERE name LIKE 'scratch%'", func(r pgx.Rows) error {
			var name string
			err := r.Scan(&name)
			tables = append(tables, name)
			return err
		})
	}
	for _, name := range tables {
		if err == nil {
			n := 0
			err = scan(ctx, c, "SELECT id FROM dbo."+name, func(pgx.Rows) error { n++; return nil })
			got.scratch[name] = n
		}
	}
	return got, err
}

func scan(ctx context.Context, c *pgx.Conn, sql string, row func(pgx.Rows) error) error {
	rows, err := c.Query(ctx, sql)
	if err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows); err != nil {
			return fmt.Errorf("%s: %w", sql, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	return nil
}

func scanItem(r pgx.Rows) (int64, item, error) {
	var id int64
	var it item
	var pad *string
	err := r.Scan(&id, &it.worker, &it.grp, &it.val, &it.txn, &pad)
	if pad != nil {
		it.pad = len(*pad)
	}
	return id, it, err
}

// bounds are the cut of the history a database may show: every commit
// acknowledged before after is there, and nothing sent after before (zero:
// no limit). The live database has after = now; a backup's copy the
// backup's start and end.
type bounds struct{ after, before time.Time }

// verification is one database under check.
type verification struct {
	conn    *pgx.Conn
	hist    []txnRec
	b       bounds
	got     *contents
	present map[int64]bool // transactions whose ledger row is there
	want    dbState        // the present transactions replayed
}

// invariant is one property of a database; it returns what it found
// wrong. The list is open: index-vs-table checks (every index entry points
// at its row, every row has its entries: compare a scan forced through
// each index with the table scan) join it when the engine has CREATE
// INDEX.
type invariant struct {
	name  string
	check func(ctx context.Context, v *verification) ([]string, error)
}

var invariants = []invariant{
	{"the ledger is a consistent cut holding every acknowledged commit", checkLedger},
	{"items are the present transactions replayed (whole transactions only)", checkItems},
	{"totals match the items they count", checkTotals},
	{"scratch tables are the present DDL replayed", checkScratch},
	{"full scans agree with COUNT(*) and with point lookups of every key", checkLookups},
	{"DBCC CHECKDB finds nothing wrong", checkDBCC},
}

// checkDBCC runs DBCC CHECKDB on the database: every block verifies, every
// row belongs to its table and sits under its key, the log is dense.
func checkDBCC(ctx context.Context, v *verification) ([]string, error) {
	_, err := v.conn.Exec(ctx, "DBCC CHECKDB WITH NO_INFOMSGS")
	if testutil.MsgNumber(err) == 8989 {
		return []string{err.Error()}, nil
	}
	return nil, err
}

// verify checks the database c is connected to against hist within b and
// returns the problems found and the transactions present. err is set when
// the database could not be read.
func verify(ctx context.Context, c *pgx.Conn, hist []txnRec, b bounds) (problems []string, present map[int64]bool, err error) {
	got, err := readContents(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	v := &verification{conn: c, hist: hist, b: b, got: got, present: map[int64]bool{}, want: newDBState()}
	for id := range got.ledger {
		v.present[id] = true
	}
	for i := range hist {
		if r := &hist[i]; v.present[r.id] {
			v.want.apply(r.ops)
		}
	}
	for _, inv := range invariants {
		found, err := inv.check(ctx, v)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", inv.name, err)
		}
		for _, p := range found {
			problems = append(problems, inv.name+": "+p)
		}
	}
	return problems, v.present, nil
}

// problemList collects problems, keeping the first few of each kind.
type problemList struct {
	out   []string
	count map[string]int
}

func (l *problemList) add(kind, format string, args ...any) {
	if l.count == nil {
		l.count = map[string]int{}
	}
	if l.count[kind]++; l.count[kind] <= 5 {
		l.out = append(l.out, fmt.Sprintf(format, args...))
	} else if l.count[kind] == 6 {
		l.out = append(l.out, "... more: "+kind)
	}
}

// checkLedger: each ledger row is a transaction that may be there; every
// commit acknowledged before the bound is there; and the cut has no hole:
// a transaction acknowledged before a present one was sent committed
// before it, so it is there too.
func checkLedger(_ context.Context, v *verification) ([]string, error) {
	var l problemList
	byID := map[int64]*txnRec{}
	for i := range v.hist {
		byID[v.hist[i].id] = &v.hist[i]
	}
	var latest *txnRec // the present transaction sent last
	for id, client := range v.got.ledger {
		r := byID[id]
		switch {
		case r == nil:
			l.add("unknown", "ledger row %d (client %d) belongs to no transaction sent", id, client)
		case !r.possible():
			l.add("impossible", "%s is there", r)
		case !v.b.before.IsZero() && r.sent.After(v.b.before):
			l.add("late", "%s is there, though sent after %s", r, v.b.before.Format("15:04:05.000"))
		}
		if r != nil && (latest == nil || r.sent.After(latest.sent)) {
			latest = r
		}
	}
	for i := range v.hist {
		r := &v.hist[i]
		if !r.committed() || v.present[r.id] {
			continue
		}
		if r.done.Before(v.b.after) {
			l.add("lost", "%s is missing", r)
		} else if latest != nil && r.done.Before(latest.sent) {
			l.add("hole", "%s is missing, but %s, sent after it was acknowledged, is there", r, latest)
		}
	}
	return l.out, nil
}

// checkItems: the items are exactly the present transactions' effects, so
// no transaction is half there.
func checkItems(_ context.Context, v *verification) ([]string, error) {
	var l problemList
	for id, it := range v.got.items {
		w, ok := v.want.items[id]
		switch {
		case !ok:
			l.add("extra", "item %d %+v is there, written by no present transaction", id, it)
		case w != it:
			l.add("differs", "item %d is %+v, want %+v", id, it, w)
		}
	}
	for id, w := range v.want.items {
		if _, ok := v.got.items[id]; !ok {
			l.add("missing", "item %d %+v (written by transaction %d, present) is missing", id, w, w.txn)
		}
	}
	return l.out, nil
}

// checkTotals: dbo.totals is written in the same transactions as the items
// it counts, so it agrees with them in any cut.
func checkTotals(_ context.Context, v *verification) ([]string, error) {
	var l problemList
	sums := map[[2]int][2]int64{}
	for _, it := range v.got.items {
		k := [2]int{it.worker, it.grp}
		s := sums[k]
		sums[k] = [2]int64{s[0] + 1, s[1] + it.val}
	}
	for k, s := range sums {
		if _, ok := v.got.totals[k]; !ok {
			l.add("missing", "no totals row for worker %d group %d (%d items)", k[0], k[1], s[0])
		}
	}
	for k, t := range v.got.totals {
		if s := sums[k]; s != t {
			l.add("differs", "worker %d group %d: totals say %d items summing %d, the items are %d summing %d", k[0], k[1], t[0], t[1], s[0], s[1])
		}
	}
	return l.out, nil
}

// checkScratch: the scratch tables, created, filled, truncated and dropped
// in transactions with their ledger rows, are as the present ones left
// them.
func checkScratch(_ context.Context, v *verification) ([]string, error) {
	var l problemList
	for _, name := range slices.Sorted(maps.Keys(v.got.scratch)) {
		rows := v.got.scratch[name]
		if want, ok := v.want.scratch[name]; !ok {
			l.add("extra", "table %s (%d rows) is there, created by no present transaction", name, rows)
		} else if rows != want {
			l.add("differs", "table %s has %d rows, want %d", name, rows, want)
		}
	}
	for name, want := range v.want.scratch {
		if _, ok := v.got.scratch[name]; !ok {
			l.add("missing", "table %s (%d rows) is missing", name, want)
		}
	}
	return l.out, nil
}

// checkLookups reads the soak's tables a second way: COUNT(*) against the
// scans; every item by its primary key (a point lookup, not a scan)
// against the scanned row; and a sample of ledger keys, present and
// absent, spread over the whole table, which long runs flush and compact.
func checkLookups(ctx context.Context, v *verification) ([]string, error) {
	var l problemList
	counts := map[string]int{"ledger": len(v.got.ledger), "items": len(v.got.items)}
	for name, rows := range v.got.scratch {
		counts[name] = rows
	}
	for _, name := range slices.Sorted(maps.Keys(counts)) {
		var n int
		if err := v.conn.QueryRow(ctx, "SELECT COUNT(*) FROM dbo."+name).Scan(&n); err != nil {
			return nil, err
		}
		if n != counts[name] {
			l.add("count", "dbo.%s: COUNT(*) is %d, a scan reads %d rows", name, n, counts[name])
		}
	}

	ids := slices.Sorted(maps.Keys(v.got.items))
	for id := range v.want.items {
		if _, ok := v.got.items[id]; !ok {
			ids = append(ids, id)
		}
	}
	err := pointLookups(ctx, v.conn, "SELECT id, worker, grp, val, txn, pad FROM dbo.items WHERE id = $1", ids, func(id int64, rows pgx.Rows) error {
		var found []item
		for rows.Next() {
			_, it, err := scanItem(rows)
			if err != nil {
				return err
			}
			found = append(found, it)
		}
		scanned, inScan := v.got.items[id]
		switch {
		case len(found) > 1:
			l.add("duplicate", "item %d: a point lookup returns %d rows", id, len(found))
		case len(found) == 0 && inScan:
			l.add("unfound", "item %d is in the scan but a point lookup finds nothing", id)
		case len(found) == 1 && !inScan:
			l.add("unscanned", "item %d: a point lookup finds %+v, the scan does not", id, found[0])
		case len(found) == 1 && found[0] != scanned:
			l.add("differs", "item %d: a point lookup reads %+v, the scan %+v", id, found[0], scanned)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	present := slices.Sorted(maps.Keys(v.got.ledger))
	var sample []int64
	for i := 0; i < len(present); i += max(1, len(present)/300) {
		sample = append(sample, present[i])
	}
	for i := range v.hist {
		if r := &v.hist[i]; !v.present[r.id] && len(sample) < 400 {
			sample = append(sample, r.id)
		}
	}
	err = pointLookups(ctx, v.conn, "SELECT client FROM dbo.ledger WHERE txn = $1", sample, func(id int64, rows pgx.Rows) error {
		n := 0
		for rows.Next() {
			n++
		}
		want := 0
		if v.present[id] {
			want = 1
		}
		if n != want {
			l.add("ledger", "ledger row %d: a point lookup returns %d rows, the scan has %d", id, n, want)
		}
		return nil
	})
	return l.out, err
}

// pointLookups runs query (one $1 parameter) for each of ids, 200 to a
// round trip, and hands each id's rows to each.
func pointLookups(ctx context.Context, c *pgx.Conn, query string, ids []int64, each func(id int64, rows pgx.Rows) error) error {
	const perBatch = 200
	for start := 0; start < len(ids); start += perBatch {
		chunk := ids[start:min(start+perBatch, len(ids))]
		batch := &pgx.Batch{}
		for _, id := range chunk {
			batch.Queue(query, id)
		}
		br := c.SendBatch(ctx, batch)
		for _, id := range chunk {
			rows, err := br.Query()
			if err == nil {
				err = each(id, rows)
				rows.Close()
			}
			if err == nil {
				err = rows.Err()
			}
			if err != nil {
				br.Close()
				return err
			}
		}
		if err := br.Close(); err != nil {
			return err
		}
	}
	return nil
}
