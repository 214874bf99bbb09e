// Package govern stops statements and bounds their memory: SQL Server's
// resource governor, reduced to what keeps a server from being wedged.
//
// Every running statement has one Statement. Its two duties are small on
// purpose, so that any executor (today's callbacks, tomorrow's iterator
// operators) can honour them from every loop:
//
//   - Check, once per row, per pair of a join, per comparison of a sort,
//     per chunk of a file: it returns the reason the statement must stop
//     (a CancelRequest, statement_timeout, KILL, shutdown) as soon as the
//     statement's context ends. It reads one atomic flag that the context
//     sets when it ends (about a nanosecond, inlined), so no loop needs a
//     counter to space its checks out, and a statement stops within one
//     row's work of the flag being set. The context sets it from a
//     goroutine of its own, so on a loaded machine the flag trails the
//     context's end by a scheduling delay.
//   - Grow, for every buffer that grows with the input (a sort's rows, a
//     hash table's groups, a join's materialised side, a buffered result):
//     it counts approximate bytes against the per-query budget and the
//     server-wide Pool, and refuses with Msg 701 past either, rather than
//     letting many clients together run the process out of memory.
//
// End returns everything the statement took to the pool; the session calls
// it when the statement ends, on every path.
package govern

import (
	"context"
	"slices"
	"sync/atomic"

	"mirrordb/sqlerr"
	"mirrordb/types"
)

// Pool is the memory that all statements of a server share (SQL Server's
// resource pool 'default'), with a budget per statement. Its methods are
// safe for concurrent use.
type Pool struct {
	total, perQuery int64
	used, peak      atomic.Int64
	refused         atomic.Int64
}

// NewPool returns a pool of total bytes in which one statement may use at
// most perQuery (clipped to total); values ≤ 0 mean no limit.
func NewPool(total, perQuery int64) *Pool {
	if total <= 0 {
		total = 1<<63 - 1
	}
	if perQuery <= 0 || perQuery > total {
		perQuery = total
	}
	return &Pool{total: total, perQuery: perQuery}
}

// Unlimited is a pool without limits, for sessions opened without one.
var Unlimited = NewPool(0, 0)

// Limits returns the pool's total and per-statement budgets.
func (p *Pool) Limits() (total, perQuery int64) { return p.total, p.perQuery }

// InUse returns the bytes statements hold now; Peak the most they ever
// held together; Refused how many requests failed with Msg 701.
func (p *Pool) InUse() int64   { return p.used.Load() }
func (p *Pool) Peak() int64    { return p.peak.Load() }
func (p *Pool) Refused() int64 { return p.refused.Load() }

// ErrNoMemory is Msg 701, what a statement gets for asking too much.
func ErrNoMemory() *sqlerr.Error { return sqlerr.New(701, "default") }

// Reserve takes n more bytes for a buffer that already holds held bytes
// (wire's buffered portals use it directly). It fails with Msg 701 when the
// buffer would pass the per-statement budget or the pool is exhausted.
func (p *Pool) Reserve(held, n int64) error {
	if held+n > p.perQuery || !p.take(n) {
		p.refused.Add(1)
		return ErrNoMemory()
	}
	return nil
}

// Release returns n bytes taken with Reserve.
func (p *Pool) Release(n int64) { p.used.Add(-n) }

func (p *Pool) take(n int64) bool {
	used := p.used.Add(n)
	if used > p.total {
		p.used.Add(-n)
		return false
	}
	for peak := p.peak.Load(); used > peak && !p.peak.CompareAndSwap(peak, used); peak = p.peak.Load() {
	}
	return true
}

// chunk is how much a statement takes from the pool at a time, so that
// counting a row is a local addition and the shared counter moves rarely.
const chunk = 256 << 10

// Statement governs one running statement. Check and Grow are for the
// statement's own goroutine; Memory may be read from any.
type Statement struct {
	ctx     context.Context
	stopped *atomic.Bool // set when ctx ends: own, or the caller's (BeginWatched)
	own     atomic.Bool
	unhook  func() bool // removes the hook that sets own; nil with BeginWatched
	pool    *Pool
	used    int64        // bytes the statement's buffers hold (approximate)
	taken   atomic.Int64 // bytes taken from the pool: used rounded up to chunks
}

// Begin starts governing a statement that runs under ctx.
func (p *Pool) Begin(ctx context.Context) *Statement {
	g := &Statement{ctx: ctx, pool: p}
	g.stopped = &g.own
	g.unhook = context.AfterFunc(ctx, func() { g.own.Store(true) })
	return g
}

// BeginWatched starts governing a statement under ctx whose end the caller
// already watches: stopped must become true once ctx ends (a hook the
// caller registered with context.AfterFunc and keeps from one statement to
// the next). It saves Begin's hook, a registration with ctx per statement.
func (p *Pool) BeginWatched(ctx context.Context, stopped *atomic.Bool) *Statement {
	return &Statement{ctx: ctx, pool: p, stopped: stopped}
}

// Context is the statement's context, for waits (locks, timers, I/O).
func (g *Statement) Context() context.Context {
	if g == nil {
		return context.Background()
	}
	return g.ctx
}

// Check returns why the statement must stop, or nil. The reason is the
// context's cause: a *sqlerr.Error when whoever stopped it said why
// (statement_timeout, KILL), context.Canceled otherwise.
func (g *Statement) Check() error {
	if g == nil || !g.stopped.Load() {
		return nil
	}
	return context.Cause(g.ctx)
}

// Grow counts n more bytes held by the statement's buffers; Msg 701 when
// that passes its budget or the pool's.
func (g *Statement) Grow(n int64) error {
	if g == nil || n <= 0 {
		return nil
	}
	g.used += n
	taken := g.taken.Load()
	if g.used <= taken {
		return nil
	}
	if g.used > g.pool.perQuery {
		g.used -= n
		g.pool.refused.Add(1)
		return ErrNoMemory()
	}
	need := min(max(g.used-taken, chunk), g.pool.perQuery-taken)
	if err := g.pool.Reserve(taken, need); err != nil {
		g.used -= n
		return err
	}
	g.taken.Store(taken + need)
	return nil
}

// Shrink gives back n bytes of buffers the statement has dropped (a join's
// side once the join is done); the pool gets them back at End.
func (g *Statement) Shrink(n int64) {
	if g != nil {
		g.used = max(g.used-n, 0)
	}
}

// Memory returns the bytes the statement has taken from the pool.
func (g *Statement) Memory() int64 {
	if g == nil {
		return 0
	}
	return g.taken.Load()
}

// End returns the statement's memory to the pool. It may be called more
// than once.
func (g *Statement) End() {
	if g == nil {
		return
	}
	if g.unhook != nil {
		g.unhook()
	}
	if n := g.taken.Swap(0); n > 0 {
		g.pool.Release(n)
	}
	g.used = 0
}

// stopSort carries Check's error out of a comparison.
type stopSort struct{ err error }

// SortStable sorts s like slices.SortStableFunc, checking the statement
// at every comparison: a big sort stops when the statement must, instead
// of finishing first. It returns Check's error when it stopped.
func SortStable[T any](g *Statement, s []T, cmp func(a, b T) int) (err error) {
	defer func() {
		if r := recover(); r != nil {
			st, ok := r.(stopSort)
			if !ok {
				panic(r)
			}
			err = st.err
		}
	}()
	slices.SortStableFunc(s, func(a, b T) int {
		if err := g.Check(); err != nil {
			panic(stopSort{err})
		}
		return cmp(a, b)
	})
	return nil
}

// Approximate sizes, in bytes, of what buffers hold: enough to stop a
// runaway statement long before the process runs out, cheap to compute.
const (
	valueSize = 16 // an interface value
	sliceSize = 24 // a slice header
	// EntrySize is the overhead of one entry of a Go map (bucket share,
	// key header), added per group or distinct key.
	EntrySize = 48
)

// RowSize is the approximate size of a row held in a buffer: its slice,
// its values and what they point to.
func RowSize(row []types.Value) int64 {
	n := int64(sliceSize + valueSize*cap(row))
	for _, v := range row {
		n += ValueSize(v)
	}
	return n
}

// ValueSize is what one value points to beyond its interface word.
func ValueSize(v types.Value) int64 {
	switch x := v.(type) {
	case string:
		return int64(len(x))
	case []byte:
		return int64(sliceSize + len(x))
	case nil, int64, float64, bool:
		return 0
	}
	return 32 // decimals, times, UUIDs: small fixed-size structs
}
