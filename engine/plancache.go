package engine

import (
	"container/list"
	"context"
	"encoding/binary"
	"hash/maphash"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"mirrordb/engine/bind"
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// The plan cache: SQL Server's answer to ad hoc statements. A simple-query
// statement that parser.Parameterize accepts is looked up by its
// parameterized text (SELECT v FROM kv WHERE k = $1), the types its
// literals were given, the current database and the login; a hit skips
// parsing and binding. Entries are per instance, bounded (LRU), dropped
// when the schema generation changes (any DDL), and listed by
// sys.dm_exec_cached_plans; DBCC FREEPROCCACHE empties it.
//
// A parameterized statement must behave exactly as its literal form:
//   - a literal's parameter has the literal's own type (int, bigint,
//     decimal(p,s), float), except strings, which are varchar(8000) and
//     nvarchar(4000) as in SQL Server; they are only replaced where the
//     value is compared with or assigned to a column, so the width changes
//     no result type;
//   - where binding would have converted the literal and reported a failing
//     conversion at once (bind.Binder.CoerceChecked), the cached entry remembers the
//     target types; a value that does not convert is run the uncached way,
//     which reports the error exactly as before;
//   - statements that do not parse or bind run the uncached way too.
//
// Bound plans are not safe for two statements at once, so an entry keeps a
// few idle plans and a session takes one for the length of a statement
// (binding another when all are busy).

const (
	planCacheEntries = 2048
	maxIdlePlans     = 4
	// planBuckets is the bucket count SQL Server reports for the SQL plans
	// store (sys.dm_exec_cached_plans.bucketid).
	planBuckets = 40009
)

// planCache is an instance's cache of compiled plans.
type planCache struct {
	off atomic.Bool // parameterization and caching disabled (tests compare both)

	mu      sync.Mutex
	gen     uint64                    // the schema generation the entries were bound under
	entries map[planKey][]*cachedPlan // entries differ by parameter types
	n       int                       // number of entries
	lru     list.List                 // of *cachedPlan, most recently used first
	nextID  uint64
	seed    maphash.Seed
}

// planKey is what an entry is found by, with its parameters' types: the
// parameterized text, the database names resolve in and the login
// (USER_NAME() and such are folded at binding).
type planKey struct {
	text  string
	db    *Database
	login string
}

// cachedPlan is one entry.
type cachedPlan struct {
	key      planKey
	handle   []byte
	bucket   int64
	text     string // the parameterized text as parsed
	stmt     parser.Statement
	params   []types.Type
	prepared bool // has parameters (objtype Prepared, else Adhoc)
	// schema is the database's schema as it was read before binding: a
	// schema published since (the generation counts up before a new
	// schema is stored, so the generation alone could pair a new number
	// with a plan bound to the old schema) makes the entry stale.
	schema *catalog.Schema
	// checks lists, per parameter, the types binding converts it to with
	// its failure reported at binding time.
	checks [][]types.Type
	// guarded by planCache.mu:
	idle  []*stmtPlan
	inUse int
	uses  int64
	elem  *list.Element // nil once the entry has left the cache
}

// queryCached runs sql through the plan cache when it can; handled is
// false when sql must take the ordinary path (then nothing was run).
func (s *Session) queryCached(ctx context.Context, sql string, w session.ResultWriter) (handled bool, err error) {
	c := &s.inst.plans
	if c.off.Load() || s.showplan != showplanOff || s.statsTime || s.statsIO ||
		(s.tx != nil && s.tx.t != nil && s.tx.t.SchemaChanged()) {
		return false, nil
	}
	pz, ok := parser.Parameterize(sql)
	if !ok {
		return false, nil
	}
	var tbuf [8]types.Type // the parameters' types stay on the stack
	args, ptypes, ok := bind.LiteralArgs(pz.Lits, tbuf[:0])
	if !ok {
		return false, nil
	}
	key := planKey{text: pz.Text, db: s.db, login: s.loginName()}
	gen := s.inst.schemaGeneration()
	schema := s.db.schema.Load() // read before binding: see cachedPlan.schema
	entry, plan := c.take(key, ptypes, gen, schema)
	if entry == nil {
		if entry, plan = s.compileCached(key, pz.Text, ptypes); entry == nil {
			return false, nil
		}
		entry.schema = schema
		c.add(entry, gen)
	}
	if !entry.converts(args) {
		c.giveBack(entry, plan)
		return false, nil
	}
	if plan == nil {
		if plan, err = s.bindCached(entry.text, entry.stmt, entry.params, nil); err != nil {
			c.giveBack(entry, nil)
			return false, nil
		}
	}
	err = s.run(ctx, entry.stmt, plan, args, w, true)
	c.giveBack(entry, plan)
	if plan.rebindable(err) {
		return false, nil // ALTER TABLE changed the table: bound again from the text
	}
	if err != nil {
		return true, s.failed(atLine(err, entry.stmt))
	}
	return true, nil
}

// compileCached parses and binds a parameterized statement for a new
// entry; nil when it does not parse or bind (the ordinary path then
// reports the error with the statement's own text).
func (s *Session) compileCached(key planKey, text string, ptypes []types.Type) (*cachedPlan, *stmtPlan) {
	st, err := parser.ParseStatement(text)
	if err != nil || st == nil {
		return nil, nil
	}
	switch st.(type) {
	case *parser.Select, *parser.Insert, *parser.Update, *parser.Delete:
	default:
		return nil, nil
	}
	checks := &bind.ParamChecks{}
	p, err := s.bindCached(text, st, ptypes, checks)
	if err != nil || len(p.params.T) != len(ptypes) || !onlyDatabase(p, s.db) {
		return nil, nil
	}
	e := &cachedPlan{key: key, text: text, stmt: st, params: slices.Clone(ptypes), prepared: len(ptypes) > 0, checks: checks.ByParam()}
	return e, p
}

// onlyDatabase reports whether p uses no database but d: a name in
// another database is checked (online, not a mirror) when it is bound,
// so a statement naming one is bound every time.
func onlyDatabase(p *stmtPlan, d *Database) bool {
	if p.write != nil && p.write != d {
		return false
	}
	for _, x := range p.dbs {
		if x != d {
			return false
		}
	}
	return true
}

// bindCached binds st with its parameters' types declared.
func (s *Session) bindCached(text string, st parser.Statement, ptypes []types.Type, checks *bind.ParamChecks) (*stmtPlan, error) {
	b := newBinder(s, bind.Binder{Batch: parser.BatchText{Text: text, Line: 1, Count: 1},
		Params: &exec.ParamTypes{T: append([]types.Type(nil), ptypes...)}, Checks: checks})
	var p *stmtPlan
	err := s.protect(func() (berr error) {
		p, berr = b.plan(st)
		return berr
	})
	return p, err
}

// converts reports whether every argument converts to the types binding
// would have converted its literal to at once.
func (e *cachedPlan) converts(args []types.Value) bool {
	for i, ts := range e.checks {
		for _, t := range ts {
			if args[i] == nil {
				continue
			}
			if _, err := types.Convert(args[i], e.params[i], t, types.Implicit); err != nil {
				return false
			}
		}
	}
	return true
}

// take finds the entry for key and takes one of its idle plans (nil when
// all are busy: the caller binds another).
func (c *planCache) take(key planKey, ptypes []types.Type, gen uint64, schema *catalog.Schema) (*cachedPlan, *stmtPlan) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		c.clearLocked(gen)
		return nil, nil
	}
	e := c.findLocked(key, ptypes)
	if e == nil {
		return nil, nil
	}
	if e.schema != schema {
		c.removeLocked(e)
		return nil, nil
	}
	c.lru.MoveToFront(e.elem)
	e.uses++
	e.inUse++
	var p *stmtPlan
	if n := len(e.idle); n > 0 {
		p, e.idle = e.idle[n-1], e.idle[:n-1]
	}
	return e, p
}

func (c *planCache) findLocked(key planKey, ptypes []types.Type) *cachedPlan {
	for _, e := range c.entries[key] {
		if slices.Equal(e.params, ptypes) {
			return e
		}
	}
	return nil
}

// removeLocked drops e.
func (c *planCache) removeLocked(e *cachedPlan) {
	c.lru.Remove(e.elem)
	e.elem = nil
	list := c.entries[e.key]
	if i := slices.Index(list, e); i >= 0 {
		list = slices.Delete(list, i, i+1)
	}
	if len(list) == 0 {
		delete(c.entries, e.key)
	} else {
		c.entries[e.key] = list
	}
	c.n--
}

// add inserts a new entry (its first plan in use), evicting the least
// recently used one when full.
func (c *planCache) add(e *cachedPlan, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		c.clearLocked(gen)
	}
	if c.entries == nil {
		c.entries = make(map[planKey][]*cachedPlan)
		c.seed = maphash.MakeSeed()
	}
	e.uses, e.inUse = 1, 1
	if old := c.findLocked(e.key, e.params); old != nil { // another session compiled it first
		c.removeLocked(old)
	}
	for c.n >= planCacheEntries {
		c.removeLocked(c.lru.Back().Value.(*cachedPlan))
	}
	c.nextID++
	var dbID int32
	if e.key.db != nil {
		dbID = e.key.db.id
	}
	e.handle = planHandle(dbID, c.nextID)
	e.bucket = int64(maphash.String(c.seed, e.key.text) % planBuckets)
	e.elem = c.lru.PushFront(e)
	c.entries[e.key] = append(c.entries[e.key], e)
	c.n++
}

// giveBack returns a plan taken with take (or bound for the entry).
func (c *planCache) giveBack(e *cachedPlan, p *stmtPlan) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e.inUse--
	if p != nil && len(e.idle) < maxIdlePlans && e.elem != nil {
		e.idle = append(e.idle, p)
	}
}

func (c *planCache) clearLocked(gen uint64) {
	c.gen = gen
	for el := c.lru.Front(); el != nil; el = el.Next() {
		el.Value.(*cachedPlan).elem = nil // gone: its plans are not kept
	}
	clear(c.entries)
	c.lru.Init()
	c.n = 0
}

// free empties the cache (DBCC FREEPROCCACHE).
func (c *planCache) free() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clearLocked(c.gen)
}

// planHandle is a plan_handle: 0x06 (a SQL plan, as in SQL Server), the
// database id and the entry's number.
func planHandle(db int32, id uint64) []byte {
	h := make([]byte, 16)
	h[0] = 0x06
	binary.LittleEndian.PutUint16(h[2:], uint16(db))
	binary.BigEndian.PutUint64(h[8:], id)
	return h
}

// cachedPlanRow is an entry as the DMVs see it.
type cachedPlanRow struct {
	bucket, refs, uses, size int64
	objtype                  string
	handle                   []byte
	db                       int32
	text                     string
}

// snapshot lists the entries, most recently used first.
func (c *planCache) snapshot() []cachedPlanRow {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]cachedPlanRow, 0, c.n)
	for el := c.lru.Front(); el != nil; el = el.Next() {
		e := el.Value.(*cachedPlan)
		objtype := "Adhoc"
		if e.prepared {
			objtype = "Prepared"
		}
		var db int32
		if e.key.db != nil {
			db = e.key.db.id
		}
		// size: whole 8 KB pages for the text, the tree and each plan kept.
		size := int64(8192 * (1 + (len(e.text)*8+4095)/8192 + len(e.idle) + e.inUse))
		out = append(out, cachedPlanRow{bucket: e.bucket, refs: int64(1 + e.inUse), uses: e.uses, size: size,
			objtype: objtype, handle: e.handle, db: db, text: e.displayText()})
	}
	return out
}

// displayText is sys.dm_exec_sql_text's text: for a parameterized entry,
// the parameter list in front, as SQL Server shows it.
func (e *cachedPlan) displayText() string {
	if len(e.params) == 0 {
		return e.text
	}
	var sb strings.Builder
	sb.WriteByte('(')
	for i, t := range e.params {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString("$" + itoa(int64(i+1)) + " " + t.String())
	}
	sb.WriteByte(')')
	sb.WriteString(e.text)
	return sb.String()
}

// addPlanCacheViews adds sys.dm_exec_cached_plans and
// sys.dm_exec_sql_text(plan_handle).
func (vs viewSet) addPlanCacheViews() {
	handleT := types.VarBinaryType(64)
	vs["sys.dm_exec_cached_plans"] = &view{
		cols: cols("bucketid", intT, "refcounts", intT, "usecounts", intT, "size_in_bytes", intT,
			"memory_object_address", types.VarBinaryType(8), "cacheobjtype", types.NVarCharType(34),
			"objtype", types.NVarCharType(16), "plan_handle", handleT, "pool_id", intT, "parent_plan_handle", handleT),
		rows: func(e *exec.Env, _ []types.Value) ([][]types.Value, error) {
			if !sessionOf(e).isSysadmin() { // VIEW SERVER STATE
				return nil, nil
			}
			var out [][]types.Value
			for _, r := range sessionOf(e).inst.plans.snapshot() {
				out = append(out, []types.Value{r.bucket, r.refs, r.uses, r.size, r.handle[8:],
					"Compiled Plan", r.objtype, r.handle, int64(2), nil})
			}
			return out, nil
		},
	}
	vs["sys.dm_exec_sql_text"] = &view{
		function: true,
		cols: cols("dbid", types.TypeSmallInt, "objectid", intT, "number", types.TypeSmallInt,
			"encrypted", bit, "text", types.NVarCharType(types.MaxLength)),
		rows: func(e *exec.Env, args []types.Value) ([][]types.Value, error) {
			if len(args) != 1 || args[0] == nil || !sessionOf(e).isSysadmin() {
				return nil, nil
			}
			h, ok := args[0].([]byte)
			if !ok {
				return nil, sqlerr.New(206, "varchar", "varbinary")
			}
			for _, r := range sessionOf(e).inst.plans.snapshot() {
				if string(r.handle) == string(h) {
					return [][]types.Value{{int64(r.db), nil, nil, false, r.text}}, nil
				}
			}
			return nil, nil
		},
	}
}

// planFreeProcCache is DBCC FREEPROCCACHE: every cached plan is dropped
// (sysadmin only, like every DBCC command here).
func (b *binder) planFreeProcCache(quiet bool) *stmtPlan {
	in := b.s.inst
	return &stmtPlan{run: func(_ *exec.Env, _ *txn, w session.ResultWriter) (string, error) {
		in.plans.free()
		if quiet {
			return "DBCC", nil
		}
		return "DBCC", w.Notice(sqlerr.New(2528))
	}}
}

// SetSimpleParameterization turns simple parameterization and the plan
// cache on (the default) or off; off, every statement is parsed and bound
// from its own text. Tests run the SQL scripts both ways.
func (in *Instance) SetSimpleParameterization(on bool) {
	in.plans.off.Store(!on)
	in.plans.free()
}
