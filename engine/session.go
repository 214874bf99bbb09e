package engine

import (
	"context"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/bind"
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/govern"
	"mirrordb/engine/storage"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// Session is one client connection's state. It implements session.Session.
type Session struct {
	inst    *Instance
	startup session.Startup
	home    string    // the database the session opened in (DISCARD ALL returns to it)
	db      *Database // current database (counted in db.users)
	// current mirrors db for other goroutines (KillSessionsUsing).
	current atomic.Pointer[Database]

	tx  *userTx // explicit transaction, nil in autocommit mode
	cur *txn    // write transaction of the statement running now
	// txDefaults are the modes new transactions (and statements outside
	// one) get (txmodes.go).
	txDefaults txModes

	nocount       bool
	xactAbort     bool
	lockTimeoutMS int64
	// stmtTimeout is PostgreSQL's statement_timeout: a statement running
	// longer is cancelled (Msg 50101); 0 means none.
	stmtTimeout  time.Duration
	params       map[string]string // PostgreSQL-style settings
	reported     map[string]string // Parameters' last answer, built from reportedFrom
	reportedFrom reportedParams
	rowcount     int64
	lastError    int
	lastIdentity *int64
	// identityInsert is the table SET IDENTITY_INSERT is on for (identity.go).
	identityInsert *identityInsertTable

	// showplan returns plans instead of running statements; showplanStmt
	// numbers the statements it showed in the current batch (StmtId).
	showplan     showplanMode
	showplanStmt int
	// statsIO and statsTime are SET STATISTICS IO / TIME; stats gathers
	// the running statement's figures while either is on (stats.go).
	statsIO, statsTime bool
	stats              *stmtStats
	readers            readerCache // the scans' readers, reused (table.go)
	// oldJoins plans joins as nested loops without pushdown (join_test.go
	// compares the two).
	oldJoins bool

	// memory is the pool the session's statements take memory from.
	memory *govern.Pool
	// activity is what sys.dm_exec_sessions and sys.dm_exec_requests show.
	activity activity

	killed     chan struct{}
	killOnce   sync.Once
	killReason atomic.Pointer[sqlerr.Error]
	runMu      sync.Mutex
	runCancel  context.CancelCauseFunc // stops the running statement
	runCtx     *runContext             // statements' context (runctx.go)
	closed     chan struct{}           // closed when Close has rolled back
	closeOnce  sync.Once
}

// userTx is a transaction opened with BEGIN TRAN (or PostgreSQL's BEGIN).
type userTx struct {
	depth      int  // @@TRANCOUNT
	t          *txn // write transaction, nil until the first write
	doomed     bool // uncommittable: only ROLLBACK is accepted
	name       string
	savepoints []savepoint // oldest first
	modes      txModes
	// queried is set once a statement other than transaction control, SET
	// or SHOW ran: SET TRANSACTION may then no longer change the isolation.
	queried bool
}

// Open creates a session (session.Backend) whose statements may use memory
// without limit; servers use OpenWith.
func (in *Instance) Open(ctx context.Context, st session.Startup) (session.Session, error) {
	return in.OpenWith(ctx, st, govern.Unlimited)
}

// OpenWith creates a session whose statements take their memory from pool.
// A missing database, or one named like the user when no such database
// exists (libpq's default), means master; any other unknown database fails
// with 4060. The startup parameters statement_timeout and lock_timeout
// (pgx's RuntimeParams, libpq's options) apply as SET would.
func (in *Instance) OpenWith(_ context.Context, st session.Startup, pool *govern.Pool) (session.Session, error) {
	name := st.Database
	if name == "" || (name == st.User && in.Database(name) == nil) {
		name = "master"
	}
	d, err := in.openForSession(name)
	if err != nil {
		e := sqlerr.As(err)
		if e.Number == 911 {
			e = sqlerr.New(4060, name)
		}
		e.Fatal = true
		return nil, e
	}
	s := &Session{inst: in, startup: st, home: name, db: d, lockTimeoutMS: -1, memory: pool,
		killed: make(chan struct{}), closed: make(chan struct{}), params: defaultParams(st)}
	if err := s.applyStartupSettings(st.Params); err != nil {
		d.users.Add(-1)
		e := *sqlerr.As(err)
		e.Fatal = true
		return nil, &e
	}
	s.current.Store(d)
	s.activity.begin(s)
	in.mu.Lock()
	in.sessions[st.ProcessID] = s
	in.mu.Unlock()
	return s, nil
}

// Sessions returns the number of open sessions.
func (in *Instance) Sessions() int {
	in.mu.RLock()
	defer in.mu.RUnlock()
	return len(in.sessions)
}

// Close ends the session, rolling back any open transaction.
func (s *Session) Close() {
	s.closeOnce.Do(func() {
		s.rollbackTx()
		s.db.users.Add(-1)
		s.inst.mu.Lock()
		if s.inst.sessions[s.startup.ProcessID] == s {
			delete(s.inst.sessions, s.startup.ProcessID)
		}
		s.inst.mu.Unlock()
		close(s.closed)
	})
}

// Kill ends the session from the server side: the running statement is
// cancelled and wire closes the connection with reason.
func (s *Session) Kill(reason *sqlerr.Error) {
	s.killOnce.Do(func() {
		r := *reason
		r.Fatal = true
		s.killReason.Store(&r)
		close(s.killed)
		s.runMu.Lock()
		if s.runCancel != nil {
			s.runCancel(&r)
		}
		s.runMu.Unlock()
	})
}

// Killed implements session.Session.
func (s *Session) Killed() <-chan struct{} { return s.killed }

// KillReason implements session.Session.
func (s *Session) KillReason() *sqlerr.Error { return s.killReason.Load() }

// TxStatus implements session.Session.
func (s *Session) TxStatus() session.TxStatus {
	switch {
	case s.tx == nil:
		return session.TxIdle
	case s.tx.doomed:
		return session.TxFailed
	}
	return session.TxActive
}

// reportedParams are the inputs of the parameters a session reports; the
// map is rebuilt only when they change (the wire asks after every
// statement and nearly always finds nothing new).
type reportedParams struct {
	clientEncoding, dateStyle, timeZone, applicationName string
	defaultReadOnly, readOnly                            bool
	user, partner                                        string
}

// Parameters implements session.Session. The map returned is shared: the
// caller must not modify it.
func (s *Session) Parameters() map[string]string {
	in := reportedParams{clientEncoding: s.params["client_encoding"], dateStyle: s.params["DateStyle"],
		timeZone: s.params["TimeZone"], applicationName: s.params["application_name"],
		defaultReadOnly: s.txDefaults.readOnly || s.readOnly(), readOnly: s.readOnly(),
		user: s.startup.User, partner: s.mirroringPartner()}
	if s.reported != nil && in == s.reportedFrom {
		return s.reported
	}
	s.reportedFrom = in
	s.reported = map[string]string{
		"server_version":                "16.0 (mirrordb " + Version + ")",
		"server_encoding":               "UTF8",
		"client_encoding":               in.clientEncoding,
		"DateStyle":                     in.dateStyle,
		"IntervalStyle":                 "postgres",
		"TimeZone":                      in.timeZone,
		"integer_datetimes":             "on",
		"standard_conforming_strings":   "on",
		"application_name":              in.applicationName,
		"default_transaction_read_only": onOff(in.defaultReadOnly),
		"in_hot_standby":                onOff(in.readOnly),
		"is_superuser":                  "on",
		"session_authorization":         in.user,
		"mirroring_partner":             in.partner,
	}
	return s.reported
}

// mirroringPartner is the failover partner of the session's database: the
// other partner's server name (its @@SERVERNAME, by default its SQL
// host:port), "" when the database is not mirrored. Clients learn it as
// SQL Server clients learn the failover partner, and hear of changes
// (ParameterStatus) after each statement.
func (s *Session) mirroringPartner() string {
	m, d := s.inst.mirror(), s.db
	if m == nil || d == nil || !d.Mirrored() {
		return ""
	}
	return m.Partner(d)
}

// readOnly reports whether the session's database refuses writes (a
// mirror; later issues set it).
func (s *Session) readOnly() bool { return false }

func (s *Session) spid() uint32 { return s.startup.ProcessID }

func (s *Session) trancount() int {
	if s.tx == nil {
		return 0
	}
	return s.tx.depth
}

func (s *Session) lastIdentityValue() types.Value {
	if s.lastIdentity == nil {
		return nil
	}
	return types.DecFromInt(*s.lastIdentity)
}

func (s *Session) clientHost() string {
	if s.startup.Remote == nil {
		return ""
	}
	addr := s.startup.Remote.String()
	if i := strings.LastIndexByte(addr, ':'); i > 0 {
		addr = addr[:i]
	}
	return strings.Trim(addr, "[]")
}

func (s *Session) lockTimeout() time.Duration {
	if s.lockTimeoutMS < 0 {
		return -1
	}
	return time.Duration(s.lockTimeoutMS) * time.Millisecond
}

// readerFor returns what statements read database d through: the running
// write transaction's view when it writes d, otherwise committed data.
func (s *Session) readerFor(d *Database) pebble.Reader {
	if s.cur != nil && s.cur.db == d {
		return s.cur.Reader()
	}
	if s.tx != nil && s.tx.t != nil && s.tx.t.db == d {
		return s.tx.t.Reader()
	}
	return d.storage.Reader()
}

// schemaFor returns the schema of d as this session sees it.
func (s *Session) schemaFor(d *Database) (*catalog.Schema, error) {
	if s.cur != nil && s.cur.db == d {
		return s.cur.schemaView()
	}
	if s.tx != nil && s.tx.t != nil && s.tx.t.db == d {
		return s.tx.t.schemaView()
	}
	return d.schema.Load(), nil
}

// Query implements session.Session: the simple-query protocol.
func (s *Session) Query(ctx context.Context, sql string, w session.ResultWriter) error {
	if handled, err := s.queryCached(ctx, sql, w); handled {
		return err
	}
	executed := 0
	var quiet *quietWriter // for batches with variables or control flow (flow.go)
	lastVerb := ""
	direct := false // a batch without them ran: its statements completed themselves
	for _, b := range parser.Split(sql) {
		var clock *stmtClock
		if s.statsTime && s.showplan == showplanOff {
			clock = startClock()
		}
		stmts, err := parser.ParseBatch(b)
		if err == nil {
			err = newBinder(s, bind.Binder{Batch: b}).checkShowplanBatch(stmts)
		}
		if err != nil {
			if clock != nil {
				clock.stop()
			}
			s.lastError = sqlerr.As(err).Number
			return err
		}
		s.showplanStmt = 0
		for rep := 0; rep < max(b.Count, 1); rep++ {
			// Each run of the batch has its own variables (flow.go).
			vars, flow, err := s.declareVars(b, stmts)
			if err != nil {
				return s.failed(err)
			}
			f := flowRun{s: s, batch: b, vars: vars, w: w, clock: clock}
			if flow {
				if quiet == nil {
					quiet = &quietWriter{ResultWriter: w}
				}
				f.w, lastVerb = quiet, statementVerb(stmts[0])
			} else {
				direct = true
			}
			clock = nil
			for _, st := range stmts {
				executed++
				sig, err := f.run(ctx, st)
				if err != nil {
					return err
				}
				if sig == flowReturn {
					break
				}
			}
		}
	}
	if executed == 0 {
		return session.ErrEmptyQuery
	}
	if quiet != nil && !quiet.completed && !direct {
		return w.Complete(lastVerb) // a client expects one completion at least
	}
	return nil
}

// atLine gives a run-time error the statement's line, as SQL Server
// reports "Msg N, Level L, State S, Line X" for every error.
func atLine(err error, st parser.Statement) error {
	e := sqlerr.As(err)
	if e.Line == 0 && e.Severity > 10 {
		c := *e
		c.Line = st.Position().Line
		return &c
	}
	return err
}

// failed records a statement error: @@ERROR, and XACT_ABORT dooms an open
// transaction.
func (s *Session) failed(err error) error {
	e := sqlerr.As(err)
	s.lastError = e.Number
	if s.tx != nil && s.xactAbort && e.Severity > 10 {
		s.tx.doomed = true
	}
	return err
}

// stmtPlan is a bound statement ready to run.
type stmtPlan struct {
	cols   []session.Column
	params *exec.ParamTypes
	// write is the database the statement writes; it then runs inside a
	// write transaction (the user's, or its own autocommit one).
	write *Database
	// noTx names the statement when it may not run inside a user
	// transaction: error noTxNumber (226 when 0; 574 for security and
	// endpoint statements and DISCARD ALL; 3021 for BACKUP/RESTORE).
	noTx       string
	noTxNumber int32
	// allowDoomed lets the statement run in an uncommittable transaction
	// (ROLLBACK, COMMIT).
	allowDoomed bool
	// control marks transaction control, SET, SHOW and RESET: they are not
	// a transaction's first query (userTx.queried).
	control bool
	dbs     []*Database // databases to keep open while running
	command string      // sys.dm_exec_requests.command
	// tree is the bound statement's operators, which describe themselves
	// as a plan (SHOWPLAN); nil for statements without one.
	tree explainable
	run  func(e *exec.Env, t *txn, w session.ResultWriter) (tag string, err error)
	// writes is the table an INSERT, UPDATE or DELETE writes, as bound: if
	// ALTER TABLE changed its columns before the statement got the writer
	// lock, the statement fails with 50131 and is bound again (alter.go).
	writes *catalog.TableDef
}

// run executes st's plan. describe says whether to send the column
// description first (simple protocol) or not (extended protocol).
func (s *Session) run(ctx context.Context, st parser.Statement, p *stmtPlan, args []types.Value, w session.ResultWriter, describe bool) error {
	if s.tx != nil && s.tx.doomed && !p.allowDoomed {
		return sqlerr.New(3930)
	}
	if p.noTx != "" && s.tx != nil {
		switch p.noTxNumber {
		case 0:
			return sqlerr.New(226, p.noTx)
		case 574: // names the statement, as 226 does
			return sqlerr.New(574, p.noTx)
		}
		return sqlerr.New(int(p.noTxNumber))
	}
	if err := s.readOnlyError(st, p); err != nil {
		return err
	}
	if s.tx != nil && !p.control {
		s.tx.queried = true
	}
	for i, d := range p.dbs {
		if !d.storage.Pin() {
			for _, done := range p.dbs[:i] {
				done.storage.Unpin()
			}
			return sqlerr.New(911, d.Name())
		}
	}
	defer func() {
		for _, d := range p.dbs {
			d.storage.Unpin()
		}
	}()
	// base is cancelled with a reason by KILL (Kill) and without one by a
	// CancelRequest or a shutdown (wire); ctx adds statement_timeout.
	rc := s.runContext(ctx)
	base := rc.ctx
	ctx = base
	if s.stmtTimeout > 0 {
		var stop context.CancelFunc
		ctx, stop = context.WithTimeoutCause(base, s.stmtTimeout, sqlerr.New(50101, formatTimeout(s.stmtTimeout)))
		defer stop()
	}
	s.runMu.Lock()
	s.runCancel = rc.cancel
	s.runMu.Unlock()
	defer func() {
		s.runMu.Lock()
		s.runCancel = nil
		s.runMu.Unlock()
	}()
	select {
	case <-s.killed:
		return s.KillReason()
	default:
	}

	var gov *govern.Statement
	if ctx == base {
		gov = s.memory.BeginWatched(ctx, &rc.stopped)
	} else {
		gov = s.memory.Begin(ctx)
	}
	defer gov.End()
	defer s.readers.release() // what the statement's readers hold ends with it
	req := s.activity.start(p.command, s.db, gov)
	defer s.activity.finish(s, req)
	w = req.counting(w)
	stats := s.startStats()
	if stats != nil {
		defer s.endStats(stats)
	}
	e := &exec.Env{Ctx: ctx, CommitCtx: base, Gov: gov, Sess: s, Params: args, Now: time.Now()}
	if describe && p.cols != nil {
		if err := w.Columns(p.cols); err != nil {
			return err
		}
	}
	var tag string
	var err error
	if p.write == nil {
		err = s.protect(func() (ferr error) {
			tag, ferr = p.run(e, nil, w)
			return ferr
		})
	} else {
		err = s.withWrite(e, p.write, func(t *txn) error {
			if err := p.checkBound(t); err != nil {
				return err
			}
			return s.protect(func() (ferr error) {
				tag, ferr = p.run(e, t, w)
				return ferr
			})
		})
	}
	if err != nil {
		err = s.inst.storageError(err)
		if ctx.Err() != nil {
			return s.stopped(ctx, err)
		}
		return err
	}
	if err := stats.report(w); err != nil {
		return err
	}
	s.lastError = 0 // @@ERROR: every statement that succeeds clears it
	return w.Complete(tag)
}

// stopped is the error of a statement whose context ended: the session's
// kill reason, the reason the context was given (statement_timeout), or
// Msg 3980 for a CancelRequest or a shutdown.
func (s *Session) stopped(ctx context.Context, err error) error {
	if r := s.KillReason(); r != nil {
		return r
	}
	if e, ok := context.Cause(ctx).(*sqlerr.Error); ok {
		return e
	}
	if sqlerr.Is(err, 3980) {
		return err
	}
	return sqlerr.New(3980)
}

// protect runs fn, turning a panic (a bug) into Msg 8630 for this
// statement only: the statement is rolled back like any failed statement
// and the session carries on. The stack goes to the log.
func (s *Session) protect(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.inst.log.Error("internal error in statement", "panic", r, "stack", string(debug.Stack()))
			err = sqlerr.New(8630)
		}
	}()
	// A storage fault panicked out of Pebble is not a bug of this
	// statement: it comes back as the fault, for run to report.
	return storage.Protect(fn)
}

// withWrite runs fn in a write transaction on d: the user's transaction
// (with a savepoint, so a failing statement undoes only itself) or an
// autocommit transaction committed right after. The wait for the writer
// lock honours LOCK_TIMEOUT and statement_timeout; the commit only a
// cancel or a kill (as in PostgreSQL, the timeout stops before commit).
func (s *Session) withWrite(e *exec.Env, d *Database, fn func(t *txn) error) error {
	if err := d.checkOpen(); err != nil {
		return err
	}
	if s.tx != nil {
		if s.tx.t == nil {
			t, err := s.beginWrite(e.Ctx, d)
			if err != nil {
				return err
			}
			s.tx.t = t
		} else if s.tx.t.db != d {
			return sqlerr.New(40517, "a transaction that writes to more than one database")
		}
		t := s.tx.t
		sp := t.Savepoint()
		s.cur = t
		err := fn(t)
		s.cur = nil
		if err != nil {
			if rerr := t.RollbackTo(sp); rerr != nil {
				s.tx.doomed = true
			}
			return err
		}
		return nil
	}
	t, err := s.beginWrite(e.Ctx, d)
	if err != nil {
		return err
	}
	return s.finish(e.CommitCtx, t, fn)
}

// finish runs fn in t, then commits t, or rolls it back if fn failed.
func (s *Session) finish(commitCtx context.Context, t *txn, fn func(t *txn) error) error {
	s.cur = t
	err := fn(t)
	s.cur = nil
	if err != nil {
		t.Rollback()
		return err
	}
	return s.commit(commitCtx, t)
}

// rowsTag builds a command tag with a row count (omitted under SET NOCOUNT ON).
func (s *Session) rowsTag(verb string, n int64) string {
	s.rowcount = n
	if s.nocount {
		return verb
	}
	if n == 0 || n == 1 {
		if t, ok := smallTags[verb]; ok {
			return t[n]
		}
	}
	if verb == "INSERT" {
		return "INSERT 0 " + itoa(n)
	}
	return verb + " " + itoa(n)
}

// smallTags are the tags of statements that read or wrote no row or one,
// the usual case of OLTP statements, made once rather than per statement.
var smallTags = map[string][2]string{
	"SELECT": {"SELECT 0", "SELECT 1"},
	"INSERT": {"INSERT 0 0", "INSERT 0 1"},
	"UPDATE": {"UPDATE 0", "UPDATE 1"},
	"DELETE": {"DELETE 0", "DELETE 1"},
}

func itoa(n int64) string { return types.ToText(n, types.TypeBigInt) }

// Prepare implements session.Session for the extended protocol.
func (s *Session) Prepare(_ context.Context, sql string, paramTypes []types.Type) (session.Prepared, error) {
	st, err := parser.ParseStatement(sql)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return nil, session.ErrEmptyQuery
	}
	if runsAsBatch(st) { // flowprepared.go
		return s.newFlowPrepared(sql, st, paramTypes)
	}
	p := &prepared{s: s, stmt: st, batch: parser.BatchText{Text: sql, Line: 1, Count: 1}, declared: paramTypes}
	if err := p.bind(); err != nil {
		return nil, err
	}
	p.cols = p.plan.cols
	return p, nil
}

// convertArgs converts the extended protocol's arguments to their
// parameters' types, into dst (grown as needed and returned).
func convertArgs(dst, args []types.Value, params *exec.ParamTypes) ([]types.Value, error) {
	dst = slices.Grow(dst[:0], len(args))[:len(args)]
	for i, a := range args {
		v, err := types.Convert(a, types.TypeUnknown, params.Get(i), types.Implicit)
		if err != nil {
			return dst, err
		}
		dst[i] = v
	}
	return dst, nil
}

// prepared is a statement prepared with Parse. It re-binds when the schema
// or the current database changed since it was bound; a change of result
// shape is then an error, as PostgreSQL reports it.
type prepared struct {
	s        *Session
	stmt     parser.Statement
	batch    parser.BatchText
	declared []types.Type
	plan     *stmtPlan
	cols     []session.Column
	boundDB  *Database
	boundGen uint64
	// boundShowplan is the SHOWPLAN setting it was bound under: a plan
	// bound to be shown re-binds to run once SHOWPLAN is off, and back.
	boundShowplan showplanMode
	args          []types.Value // scratch: the arguments of a run, converted
}

func (p *prepared) bind() error {
	params := &exec.ParamTypes{T: append([]types.Type{}, p.declared...)}
	b := newBinder(p.s, bind.Binder{Batch: p.batch, Params: params})
	var plan *stmtPlan
	err := p.s.protect(func() (berr error) {
		plan, berr = b.plan(p.stmt)
		return berr
	})
	if err != nil {
		return err
	}
	p.plan, p.boundDB, p.boundGen, p.boundShowplan = plan, p.s.db, p.s.inst.schemaGeneration(), p.s.showplan
	return nil
}

func (p *prepared) Params() []types.Type {
	out := make([]types.Type, len(p.plan.params.T))
	for i := range out {
		out[i] = p.plan.params.Get(i)
	}
	return out
}

func (p *prepared) Columns() []session.Column { return p.cols }

func (p *prepared) Execute(ctx context.Context, args []types.Value, w session.ResultWriter) error {
	s := p.s
	if p.boundDB != s.db || p.boundGen != s.inst.schemaGeneration() || p.boundShowplan != s.showplan || (s.tx != nil && s.tx.t != nil && s.tx.t.SchemaChanged()) {
		if err := p.bind(); err != nil {
			return s.failed(err)
		}
		if !sameColumns(p.cols, p.plan.cols) {
			return s.failed(sqlerr.Protocol(sqlerr.FeatureNotSupported, "cached plan must not change result type"))
		}
	}
	// The converted arguments live in p.args, reused: a prepared statement
	// runs once at a time, and nothing keeps its arguments past the run.
	conv, err := convertArgs(p.args, args, p.plan.params)
	p.args = conv
	defer clear(conv)
	if err != nil {
		return s.failed(err)
	}
	err = s.run(ctx, p.stmt, p.plan, conv, w, false)
	if p.plan.rebindable(err) { // ALTER TABLE changed the table meanwhile
		if err = p.bind(); err == nil {
			err = s.run(ctx, p.stmt, p.plan, conv, w, false)
		}
	}
	if err != nil {
		return s.failed(err)
	}
	return nil
}

func sameColumns(a, b []session.Column) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
