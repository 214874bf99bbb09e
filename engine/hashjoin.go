package engine

import (
	"encoding/binary"
	"hash/maphash"
	"math"
	"math/big"
	"strings"
	"time"

	"mirrordb/engine/govern"
	"mirrordb/engine/plan"
	"mirrordb/parser"
	"mirrordb/types"
)

// hashJoin is a Hash Match join: it reads its build input into a hash
// table on the equality keys, then streams the probe input through it.
// Two key values that the engine's = calls equal (types.Compare, so 1 =
// 1.0 and 'a' = 'a  ') always hash alike (writeKey), and every candidate
// is checked with types.Compare, so it joins exactly the rows nested loops
// would. A NULL key matches nothing. The table counts against the
// statement's memory grant (engine/govern): past it the statement fails
// with Msg 701, as a sort or a grouping does; there is no spill.
//
// The build input is the right one unless the left is estimated smaller:
// probing with the left streams rows in the order nested loops give them.
type hashJoin struct {
	joinSource // kind, inputs, the whole condition (for plans), offsets
	pairs      []joinPair
	rest       expr // the condition's other conjuncts, checked per match
	floats     []bool
	buildLeft  bool
}

func newHashJoin(j *joinSource, pairs []joinPair, rest []expr) *hashJoin {
	h := &hashJoin{joinSource: *j, pairs: pairs, rest: andAll(rest)}
	for _, p := range pairs {
		h.floats = append(h.floats, !exactNumber(p.l.typ()) || !exactNumber(p.r.typ()))
	}
	le, re := rowEstimate(j.left), rowEstimate(j.right)
	h.buildLeft = le >= 0 && (re < 0 || le < re)
	return h
}

func exactNumber(t types.Type) bool { return t.Kind.IsInteger() || t.Kind == types.Decimal }

// side is one input of the join as the hash join uses it.
type side struct {
	src       rowSource
	off, w    int // where its columns sit in the join's row
	keys      []expr
	preserved bool // an outer join keeps its unmatched rows
}

func (h *hashJoin) sides() (build, probe side) {
	l := side{src: h.left, off: 0, w: h.lw, preserved: h.kind == parser.LeftJoin || h.kind == parser.FullJoin}
	r := side{src: h.right, off: h.lw, w: h.rw, preserved: h.kind == parser.RightJoin || h.kind == parser.FullJoin}
	for _, p := range h.pairs {
		l.keys, r.keys = append(l.keys, p.l), append(r.keys, p.r)
	}
	if h.buildLeft {
		return l, r
	}
	return r, l
}

// hashTable holds the build rows: chains of row numbers by key hash, in
// the order the rows came.
type hashTable struct {
	seed    maphash.Seed
	floats  []bool
	chains  map[uint64][]int32
	rows    [][]types.Value
	keys    [][]types.Value
	matched []bool
}

func (h *hashJoin) scan(e *env, fn func(row []types.Value) error) error {
	build, probe := h.sides()
	full := make([]types.Value, h.base+h.lw+h.rw)
	combined := full[h.base:]
	saved := e.row
	defer func() { e.row = saved }()
	t := &hashTable{seed: maphash.MakeSeed(), floats: h.floats, chains: map[uint64][]int32{}}
	var held int64
	defer func() { e.gov.Shrink(held) }()
	var arena []types.Value // build rows and keys, allocated in chunks
	take := func(n int) []types.Value {
		if len(arena)+n > cap(arena) {
			arena = make([]types.Value, 0, max(n, 4096))
		}
		arena = arena[:len(arena)+n]
		return arena[len(arena)-n : len(arena) : len(arena)]
	}
	kbuf := make([]types.Value, len(build.keys))
	err := build.src.scan(e, func(r []types.Value) error {
		copy(combined[build.off:build.off+build.w], pad(r, build.w))
		e.row = full
		ok, err := evalKeys(e, build.keys, kbuf)
		if err != nil || !ok && !build.preserved {
			return err
		}
		row := take(build.w)
		copy(row, combined[build.off:])
		var kv []types.Value
		if ok {
			kv = take(len(kbuf))
			copy(kv, kbuf)
		}
		n := govern.RowSize(row) + govern.RowSize(kv) + 8 + 4 + 1
		if kv != nil {
			hk := t.hash(kv)
			if _, ok := t.chains[hk]; !ok {
				n += govern.EntrySize
			}
			t.chains[hk] = append(t.chains[hk], int32(len(t.rows)))
		}
		t.rows, t.keys = append(t.rows, row), append(t.keys, kv)
		held += n
		return e.gov.Grow(n)
	})
	if err != nil {
		return err
	}
	t.matched = make([]bool, len(t.rows))
	bcols := combined[build.off : build.off+build.w]
	err = probe.src.scan(e, func(r []types.Value) error {
		if err := e.gov.Check(); err != nil {
			return err
		}
		copy(combined[probe.off:], pad(r, probe.w))
		e.row = full
		ok, err := evalKeys(e, probe.keys, kbuf)
		if err != nil {
			return err
		}
		kv, matched := kbuf, false
		if ok {
			for _, i := range t.chains[t.hash(kv)] {
				if err := e.gov.Check(); err != nil {
					return err
				}
				if !keysEqual(t.keys[i], kv) {
					continue
				}
				copy(bcols, t.rows[i])
				if h.rest != nil {
					e.row = full
					v, err := h.rest.eval(e)
					if err != nil {
						return err
					}
					if !truth(v) {
						continue
					}
				}
				matched, t.matched[i] = true, true
				if err := fn(combined); err != nil {
					return err
				}
			}
		}
		if !matched && probe.preserved {
			clear(bcols)
			return fn(combined)
		}
		return nil
	})
	if err != nil || !build.preserved {
		return err
	}
	clear(combined[probe.off : probe.off+probe.w])
	for i, row := range t.rows {
		if err := e.gov.Check(); err != nil {
			return err
		}
		if !t.matched[i] {
			copy(bcols, row)
			if err := fn(combined); err != nil {
				return err
			}
		}
	}
	return nil
}

// evalKeys evaluates join keys over e.row into kv; false when one is NULL
// (the row matches nothing).
func evalKeys(e *env, keys []expr, kv []types.Value) (bool, error) {
	for i, k := range keys {
		v, err := k.eval(e)
		if err != nil || v == nil {
			return false, err
		}
		kv[i] = v
	}
	return true, nil
}

// keysEqual is the engine's = over each key.
func keysEqual(a, b []types.Value) bool {
	for i := range a {
		if types.Compare(a[i], b[i]) != 0 {
			return false
		}
	}
	return true
}

// hash hashes a key so that values types.Compare calls equal hash alike.
func (t *hashTable) hash(kv []types.Value) uint64 {
	var h maphash.Hash
	h.SetSeed(t.seed)
	for i, v := range kv {
		writeKey(&h, v, t.floats[i])
	}
	return h.Sum64()
}

// writeKey writes one key value in a form equal for equal values. Numbers
// compared with a float or real compare as float64 (types.Compare), so
// such a key hashes every number as its float64; exact numbers hash as
// their value with trailing fractional zeros dropped (1 and 1.00 alike).
// Strings compare without trailing spaces, times as instants.
func writeKey(h *maphash.Hash, v types.Value, float bool) {
	var b [8]byte
	num := func(tag byte, u uint64) {
		h.WriteByte(tag)
		binary.LittleEndian.PutUint64(b[:], u)
		h.Write(b[:])
	}
	fl := func(f float64) {
		if f == 0 {
			f = 0 // -0 = 0
		}
		if !float && f == math.Trunc(f) && f >= -(1<<63) && f < 1<<63 {
			num('i', uint64(int64(f)))
			return
		}
		num('f', math.Float64bits(f))
	}
	switch x := v.(type) {
	case int64:
		if float {
			fl(float64(x))
			return
		}
		num('i', uint64(x))
	case float64:
		fl(x)
	case types.Dec:
		if float {
			fl(x.Float64())
			return
		}
		c, s := canonicalDec(x)
		if s == 0 && c.IsInt64() {
			num('i', uint64(c.Int64()))
			return
		}
		h.WriteByte('d')
		h.WriteString(c.String())
		num('s', uint64(s))
	case string:
		h.WriteByte('s')
		h.WriteString(strings.TrimRight(x, " "))
	case bool:
		if x {
			num('b', 1)
		} else {
			num('b', 0)
		}
	case []byte:
		h.WriteByte('x')
		h.Write(x)
	case time.Time:
		num('t', uint64(x.Unix()))
		num('n', uint64(x.Nanosecond()))
	case types.UUID:
		h.WriteByte('u')
		h.Write(x[:])
	default:
		h.WriteByte('?')
		h.WriteString(types.TypeOf(v).Kind.String())
	}
}

var bigTen = big.NewInt(10)

// canonicalDec returns a decimal's coefficient (a copy) and scale with
// trailing fractional zeros removed.
func canonicalDec(d types.Dec) (*big.Int, int32) {
	c, s := d.Coef(), d.Scale
	if c.IsInt64() {
		v := c.Int64()
		for s > 0 && v%10 == 0 {
			v /= 10
			s--
		}
		return big.NewInt(v), s
	}
	q, m := new(big.Int), new(big.Int)
	for s > 0 {
		q.QuoRem(c, bigTen, m)
		if m.Sign() != 0 {
			break
		}
		c, q = q, c
		s--
	}
	return c, s
}

// explain draws the join as SQL Server does: Hash Match over the build
// input then the probe input, HASH:(build keys)=(probe keys) and the
// condition every match is checked against as RESIDUAL. The logical
// operator is named from the build input's point of view (a LEFT JOIN
// that builds on its right input is a Right Outer Join of the inputs as
// drawn).
func (h *hashJoin) explain(x *explainer, nm *names) *plan.Node {
	left, right := h.left.explain(x, nm), h.right.explain(x, nm)
	build, probe := h.sides()
	text := func(keys []expr) string {
		s := make([]string, len(keys))
		for i, k := range keys {
			s[i] = x.text(k, nm)
		}
		return strings.Join(s, ", ")
	}
	arg := "HASH:(" + text(build.keys) + ")=(" + text(probe.keys) + ")"
	if h.on != nil {
		arg += ", RESIDUAL:(" + x.text(h.on, nm) + ")"
	}
	kind, first, second := h.kind, left, right
	if !h.buildLeft {
		first, second = right, left
		switch kind {
		case parser.LeftJoin:
			kind = parser.RightJoin
		case parser.RightJoin:
			kind = parser.LeftJoin
		}
	}
	n := x.node("Hash Match", joinLogical[kind], arg, first, second)
	n.NamesLogical = true
	return n
}
