package engine

import (
	"context"
	"math"
	"sort"
	"strconv"
	"sync/atomic"
	"time"

	"mirrordb/engine/builtins"
	"mirrordb/engine/exec"
	"mirrordb/engine/govern"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/types"
)

// What a DBA sees of sessions and their running statements, to find what
// to KILL: sys.dm_exec_sessions (one row per session) and
// sys.dm_exec_requests (one row per statement running now; mirrordb's
// request is one statement, not a whole batch). A session's own goroutine
// writes its activity; other sessions read it while it runs, so every
// field is atomic or fixed before it is published.

// activity is a session's history as sys.dm_exec_sessions shows it.
type activity struct {
	login       time.Time
	req         atomic.Pointer[request] // the running statement, nil when idle
	lastStart   atomic.Int64            // UnixNano of the last statement's start
	lastEnd     atomic.Int64            // ... and of its end; 0 before the first
	rows        atomic.Int64            // rows returned over the session's life
	busy        atomic.Int64            // ns statements spent running, not waiting
	prevError   atomic.Int64
	openTx      atomic.Int64
	lockTimeout atomic.Int64
}

// request is the statement a session runs now.
type request struct {
	start    time.Time
	command  string
	db       *Database
	gov      *govern.Statement
	rows     atomic.Int64
	percent  atomic.Uint64 // float64 bits: BACKUP/RESTORE progress
	waited   atomic.Int64  // ns spent in finished waits
	wait     atomic.Pointer[waitState]
	lastWait atomic.Pointer[string]
	// out is the statement's writer as counting returns it, kept here
	// so that it costs no allocation of its own.
	out countingWriter
}

// waitState is a wait in progress: its SQL Server wait type, the resource,
// and the database whose writer lock it waits for (blocking_session_id).
type waitState struct {
	kind, resource string
	holder         *Database
	since          time.Time
}

func (a *activity) begin(s *Session) {
	a.login = time.Now()
	a.lockTimeout.Store(s.lockTimeoutMS)
}

func (a *activity) start(command string, db *Database, gov *govern.Statement) *request {
	r := &request{start: time.Now(), command: command, db: db, gov: gov}
	a.lastStart.Store(r.start.UnixNano())
	a.req.Store(r)
	return r
}

// finish records the end of r. The statement's own time less its waits is
// reported as cpu_time: mirrordb cannot measure a goroutine's CPU, and a
// statement runs on one goroutine, so this is its CPU time unless the
// machine is starved.
func (a *activity) finish(s *Session, r *request) {
	now := time.Now()
	a.busy.Add(int64(now.Sub(r.start)) - r.waited.Load())
	a.rows.Add(r.rows.Load())
	a.openTx.Store(int64(s.trancount()))
	a.lockTimeout.Store(s.lockTimeoutMS)
	a.prevError.Store(int64(s.lastError))
	a.lastEnd.Store(now.UnixNano())
	a.req.Store(nil)
}

// counting counts the rows w is given (row_count).
func (r *request) counting(w session.ResultWriter) session.ResultWriter {
	r.out = countingWriter{ResultWriter: w, n: &r.rows}
	return &r.out
}

type countingWriter struct {
	session.ResultWriter
	n *atomic.Int64
}

func (c *countingWriter) Row(values []types.Value) error {
	c.n.Add(1)
	return c.ResultWriter.Row(values)
}

// progress records BACKUP or RESTORE progress (percent_complete) for the
// running request, then passes it on.
func (s *Session) progress(next Progress) Progress {
	r := s.activity.req.Load()
	return func(done, total int64) {
		if r != nil && total > 0 {
			r.percent.Store(math.Float64bits(100 * float64(min(done, total)) / float64(total)))
		}
		if next != nil {
			next(done, total)
		}
	}
}

// waiting runs fn, a wait, so that the running request shows it. s may be
// nil (work not done for a session).
func (s *Session) waiting(w waitState, fn func() error) error {
	var r *request
	if s != nil {
		r = s.activity.req.Load()
	}
	if r == nil {
		return fn()
	}
	w.since = time.Now()
	r.wait.Store(&w)
	err := fn()
	r.waited.Add(int64(time.Since(w.since)))
	r.lastWait.Store(&w.kind)
	r.wait.Store(nil)
	return err
}

// writerWait is the wait for d's writer lock: an exclusive lock on the
// database, in SQL Server's words. Its resource is named when shown, not
// at every write.
func writerWait(d *Database) waitState {
	return waitState{kind: "LCK_M_X", holder: d}
}

// resourceName is wait_resource: the resource, or the database whose
// writer lock the wait is for.
func (w *waitState) resourceName() string {
	if w.resource == "" && w.holder != nil {
		return "DATABASE: " + strconv.Itoa(int(w.holder.id))
	}
	return w.resource
}

// beginWrite starts the session's write transaction on d, waiting for the
// writer lock as LOCK_TIMEOUT and ctx allow.
func (s *Session) beginWrite(ctx context.Context, d *Database) (t *txn, err error) {
	err = s.waiting(writerWait(d), func() error {
		t, err = d.beginWriteFor(ctx, s)
		return err
	})
	return t, err
}

// lockWriter takes d's writer lock for work that is not a transaction
// (BACKUP), waiting as beginWrite does; s may be nil.
func (s *Session) lockWriter(ctx context.Context, d *Database) error {
	timeout := time.Duration(-1)
	if s != nil {
		timeout = s.lockTimeout()
	}
	return s.waiting(writerWait(d), func() error { return d.storage.LockWriter(ctx, timeout) })
}

// commit commits t, showing the wait for the log flush (and the mirror).
func (s *Session) commit(ctx context.Context, t *txn) error {
	return s.waiting(waitState{kind: "WRITELOG"}, func() error {
		_, err := t.Commit(ctx)
		return err
	})
}

// visibleSessions lists the sessions e's session may see, by session id:
// all of them for a sysadmin (VIEW SERVER STATE), else its own.
func visibleSessions(e *exec.Env) []*Session {
	if !sessionOf(e).isSysadmin() {
		return []*Session{sessionOf(e)}
	}
	in := sessionOf(e).inst
	in.mu.RLock()
	out := make([]*Session, 0, len(in.sessions))
	for _, s := range in.sessions {
		out = append(out, s)
	}
	in.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].spid() < out[j].spid() })
	return out
}

func millis(d time.Duration) int64 { return int64(d / time.Millisecond) }

func wallOrNil(unixNano int64) types.Value {
	if unixNano == 0 {
		return nil
	}
	return builtins.LocalWall(time.Unix(0, unixNano))
}

// pages is a byte count in SQL Server's 8 KB pages.
func pages(n int64) int64 { return (n + 8191) / 8192 }

var (
	name128 = types.NVarCharType(128)
	name30  = types.NVarCharType(30)
	name60  = types.NVarCharType(60)
)

// addRequestViews adds sys.dm_exec_sessions and sys.dm_exec_requests.
func (vs viewSet) addRequestViews() {
	vs["sys.dm_exec_sessions"] = &view{
		cols: cols("session_id", intT, "login_time", dtT, "host_name", name128, "program_name", name128,
			"login_name", name128, "status", name30, "cpu_time", intT, "memory_usage", intT,
			"total_elapsed_time", intT, "last_request_start_time", dtT, "last_request_end_time", dtT,
			"is_user_process", bit, "transaction_isolation_level", types.TypeSmallInt, "lock_timeout", intT,
			"row_count", bigint, "prev_error", intT, "original_login_name", name128, "database_id", intT,
			"open_transaction_count", intT),
		rows: func(e *exec.Env, _ []types.Value) ([][]types.Value, error) {
			var out [][]types.Value
			now := time.Now()
			for _, s := range visibleSessions(e) {
				a := &s.activity
				status, busy, mem := "sleeping", a.busy.Load(), int64(0)
				if r := a.req.Load(); r != nil {
					status, mem = "running", r.gov.Memory()
					busy += int64(now.Sub(r.start)) - r.waited.Load() - currentWait(r, now)
				}
				var db int64
				if d := s.current.Load(); d != nil {
					db = int64(d.id)
				}
				login := s.loginName()
				out = append(out, []types.Value{int64(s.spid()), builtins.LocalWall(a.login), nilIfEmpty(s.clientHost()),
					nilIfEmpty(s.startup.ApplicationName), login, status, millis(time.Duration(busy)), pages(mem),
					millis(now.Sub(a.login)), wallOrNil(a.lastStart.Load()), wallOrNil(a.lastEnd.Load()), true,
					int64(2), a.lockTimeout.Load(), a.rows.Load(), a.prevError.Load(), login, db, a.openTx.Load()})
			}
			return out, nil
		},
	}
	vs["sys.dm_exec_requests"] = &view{
		cols: cols("session_id", intT, "request_id", intT, "start_time", dtT, "status", name30,
			"command", types.NVarCharType(32), "database_id", intT, "blocking_session_id", intT,
			"wait_type", name60, "wait_time", intT, "last_wait_type", name60, "wait_resource", types.NVarCharType(256),
			"open_transaction_count", intT, "percent_complete", types.TypeReal, "cpu_time", intT,
			"total_elapsed_time", intT, "row_count", bigint, "granted_query_memory", intT,
			"transaction_isolation_level", types.TypeSmallInt, "lock_timeout", intT),
		rows: func(e *exec.Env, _ []types.Value) ([][]types.Value, error) {
			var out [][]types.Value
			now := time.Now()
			for _, s := range visibleSessions(e) {
				r := s.activity.req.Load()
				if r == nil {
					continue
				}
				status, blocker := "running", int64(0)
				var waitType, resource types.Value = nil, ""
				var waitTime int64
				if w := r.wait.Load(); w != nil {
					status, waitType, resource, waitTime = "suspended", w.kind, w.resourceName(), millis(now.Sub(w.since))
					if w.holder != nil {
						if owner := w.holder.writerOwner.Load(); owner != nil && owner != s {
							blocker = int64(owner.spid())
						}
					}
				}
				lastWait := ""
				if lw := r.lastWait.Load(); lw != nil {
					lastWait = *lw
				}
				var db int64
				if r.db != nil {
					db = int64(r.db.id)
				}
				busy := int64(now.Sub(r.start)) - r.waited.Load() - currentWait(r, now)
				a := &s.activity
				out = append(out, []types.Value{int64(s.spid()), int64(0), builtins.LocalWall(r.start), status, r.command, db,
					blocker, waitType, waitTime, lastWait, resource, a.openTx.Load(),
					math.Float64frombits(r.percent.Load()), millis(time.Duration(busy)), millis(now.Sub(r.start)),
					r.rows.Load(), pages(r.gov.Memory()), int64(2), a.lockTimeout.Load()})
			}
			return out, nil
		},
	}
}

// commandName is sys.dm_exec_requests.command for a statement.
func commandName(st parser.Statement) string {
	switch x := st.(type) {
	case *parser.Select:
		return "SELECT"
	case *parser.Insert:
		return "INSERT"
	case *parser.Update:
		return "UPDATE"
	case *parser.Delete:
		return "DELETE"
	case *parser.Set:
		return "SET OPTION ON"
	case *parser.BeginTran:
		return "BEGIN TRANSACTION"
	case *parser.CommitTran:
		return "COMMIT TRANSACTION"
	case *parser.RollbackTran:
		return "ROLLBACK TRANSACTION"
	case *parser.Backup:
		if x.Log {
			return "BACKUP LOG"
		}
		return "BACKUP DATABASE"
	case *parser.Restore:
		return "RESTORE " + x.Kind
	}
	k := statementKeywords(st)
	switch k.name {
	case "CREATE", "DROP", "ALTER", "TRUNCATE":
		return k.verb // and what it makes: CREATE TABLE
	}
	return k.name
}

// currentWait is how long r has been in its current wait, in ns.
func currentWait(r *request, now time.Time) int64 {
	if w := r.wait.Load(); w != nil {
		return int64(now.Sub(w.since))
	}
	return 0
}

func nilIfEmpty(s string) types.Value {
	if s == "" {
		return nil
	}
	return s
}
