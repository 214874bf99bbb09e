package exec

import (
	"hash/maphash"
	"math"
	"math/big"
	"strings"
	"time"

	"mirrordb/engine/govern"
	"mirrordb/engine/plan"
	"mirrordb/types"
)

// HashJoin is a Hash Match join: it reads its build input into a hash
// table on the equality keys, then streams the probe input through it.
// Two key values that the engine's = calls equal (types.Compare, so 1 =
// 1.0 and 'a' = 'a  ') always hash alike (writeKey), and every candidate
// is checked with types.Compare, so it joins exactly the rows nested loops
// would. A NULL key matches nothing. The table counts against the
// statement's memory grant (engine/govern): past it the statement fails
// with Msg 701, as a sort or a grouping does; there is no spill.
//
// The build input is the right one unless the planner chose the left
// (estimated smaller): probing with the left streams rows in the order
// nested loops give them.
type HashJoin struct {
	NestedLoops // kind, inputs, the whole condition (for plans), offsets
	Pairs       []JoinPair
	Rest        Expr // the condition's other conjuncts, checked per match
	Floats      []bool
	BuildLeft   bool
}

// NewHashJoin makes j a hash join on its equalities pairs, checking rest
// (the condition's other conjuncts) on each match; the planner chooses
// the build input (buildLeft: the left one).
func NewHashJoin(j *NestedLoops, pairs []JoinPair, rest Expr, buildLeft bool) *HashJoin {
	h := &HashJoin{NestedLoops: *j, Pairs: pairs, Rest: rest, BuildLeft: buildLeft}
	for _, p := range pairs {
		h.Floats = append(h.Floats, !ExactNumber(p.L.Type()) || !ExactNumber(p.R.Type()))
	}
	return h
}

func ExactNumber(t types.Type) bool { return t.Kind.IsInteger() || t.Kind == types.Decimal }

// side is one input of the join as the hash join uses it.
type side struct {
	src       Operator
	off, w    int // where its columns sit in the join's row
	keys      []Expr
	preserved bool // an outer join keeps its unmatched rows
}

func (h *HashJoin) sides() (build, probe side) {
	l := side{src: h.Left, off: 0, w: h.LW, preserved: h.Kind.Preserves(true)}
	r := side{src: h.Right, off: h.LW, w: h.RW, preserved: h.Kind.Preserves(false)}
	for _, p := range h.Pairs {
		l.keys, r.keys = append(l.keys, p.L), append(r.keys, p.R)
	}
	if h.BuildLeft {
		return l, r
	}
	return r, l
}

// HashTable holds the build rows, each stored with its key values in
// chunks of one flat slice (no slice header per row), and chains them by
// key hash in arrays of row numbers: heads by hash bucket, next by row.
// Rows keep the order they came in along a chain, so matches come out in
// the build input's order.
type HashTable struct {
	seed   maphash.Seed
	mix    uint64 // the seed for numbers, hashed without maphash
	floats []bool
	w, nk  int // row width, key count
	chunks [][]types.Value
	n      int      // rows held
	hashes []uint64 // by row; rows without a key (a NULL) are not chained
	keyed  []bool
	heads  []int32 // by bucket: 1 + the first row, 0 for none
	next   []int32 // by row: 1 + the next row of its chain, 0 at the end
	mask   uint64
}

const hashChunkRows = 1024

func NewHashTable(floats []bool, w int) *HashTable {
	t := &HashTable{seed: maphash.MakeSeed(), floats: floats, w: w, nk: len(floats)}
	t.mix = maphash.String(t.seed, "")
	return t
}

// Add stores a row and its key values (kv nil when a key is NULL) and
// returns the bytes it holds.
func (t *HashTable) Add(row, kv []types.Value) int64 {
	stride := t.w + t.nk
	i := t.n % hashChunkRows
	if i == 0 {
		t.chunks = append(t.chunks, make([]types.Value, hashChunkRows*stride))
	}
	c := t.chunks[len(t.chunks)-1][i*stride : (i+1)*stride]
	copy(c, row)
	n := int64(stride*16+8+1) + govern.RowSize(nil)
	for _, v := range row {
		n += govern.ValueSize(v)
	}
	var h uint64
	if kv != nil {
		copy(c[t.w:], kv)
		h = t.hash(kv)
		for _, v := range kv {
			n += govern.ValueSize(v) // a key computed from the row holds its own
		}
	}
	t.hashes, t.keyed = append(t.hashes, h), append(t.keyed, kv != nil)
	t.n++
	return n
}

// Link chains the rows by hash once all are in; it returns the bytes the
// chains hold.
func (t *HashTable) Link() int64 {
	size := 1
	for size < t.n*2 {
		size <<= 1
	}
	t.heads, t.next, t.mask = make([]int32, size), make([]int32, t.n), uint64(size-1)
	for i := t.n - 1; i >= 0; i-- {
		if t.keyed[i] {
			b := t.hashes[i] & t.mask
			t.next[i], t.heads[b] = t.heads[b], int32(i+1)
		}
	}
	return int64(4*size + 4*t.n)
}

func (t *HashTable) Row(i int) []types.Value {
	stride := t.w + t.nk
	j := i % hashChunkRows
	return t.chunks[i/hashChunkRows][j*stride : j*stride+t.w]
}

func (t *HashTable) Keys(i int) []types.Value {
	stride := t.w + t.nk
	j := i % hashChunkRows
	return t.chunks[i/hashChunkRows][j*stride+t.w : (j+1)*stride]
}

// Matches calls fn with each held row (its number and values) whose key
// equals kv.
func (t *HashTable) Matches(kv []types.Value, fn func(i int, row []types.Value) error) error {
	h := t.hash(kv)
	for i := t.heads[h&t.mask]; i != 0; i = t.next[i-1] {
		if t.hashes[i-1] != h || !KeysEqual(t.Keys(int(i-1)), kv) {
			continue
		}
		if err := fn(int(i-1), t.Row(int(i-1))); err != nil {
			return err
		}
	}
	return nil
}

func (h *HashJoin) Run(e *Env, fn func(row []types.Value) error) error {
	build, probe := h.sides()
	full := make([]types.Value, h.Base+h.LW+h.RW)
	combined := full[h.Base:]
	saved := e.Row
	defer func() { e.Row = saved }()
	t := NewHashTable(h.Floats, build.w)
	var held int64
	defer func() { e.Gov.Shrink(held) }()
	kbuf := make([]types.Value, len(build.keys))
	err := build.src.Run(e, func(r []types.Value) error {
		copy(combined[build.off:build.off+build.w], Pad(r, build.w))
		e.Row = full
		ok, err := EvalKeys(e, build.keys, kbuf)
		if err != nil || !ok && !build.preserved {
			return err
		}
		kv := kbuf
		if !ok {
			kv = nil
		}
		n := t.Add(combined[build.off:build.off+build.w], kv)
		held += n
		return e.Gov.Grow(n)
	})
	if err != nil {
		return err
	}
	n := t.Link()
	held += n
	if err := e.Gov.Grow(n); err != nil {
		return err
	}
	var matched []bool
	if build.preserved {
		matched = make([]bool, t.n)
	}
	bcols := combined[build.off : build.off+build.w]
	err = probe.src.Run(e, func(r []types.Value) error {
		if err := e.Gov.Check(); err != nil {
			return err
		}
		copy(combined[probe.off:], Pad(r, probe.w))
		e.Row = full
		ok, err := EvalKeys(e, probe.keys, kbuf)
		if err != nil {
			return err
		}
		found := false
		if ok {
			err = t.Matches(kbuf, func(i int, row []types.Value) error {
				if err := e.Gov.Check(); err != nil {
					return err
				}
				copy(bcols, row)
				if h.Rest != nil {
					e.Row = full
					if v, err := h.Rest.Eval(e); err != nil || !Truth(v) {
						return err
					}
				}
				found = true
				if matched != nil {
					matched[i] = true
				}
				return fn(combined)
			})
			if err != nil {
				return err
			}
		}
		if !found && probe.preserved {
			clear(bcols)
			return fn(combined)
		}
		return nil
	})
	if err != nil || !build.preserved {
		return err
	}
	clear(combined[probe.off : probe.off+probe.w])
	for i := 0; i < t.n; i++ {
		if err := e.Gov.Check(); err != nil {
			return err
		}
		if !matched[i] {
			copy(bcols, t.Row(i))
			if err := fn(combined); err != nil {
				return err
			}
		}
	}
	return nil
}

// EvalKeys evaluates join keys over e.row into kv; false when one is NULL
// (the row matches nothing).
func EvalKeys(e *Env, keys []Expr, kv []types.Value) (bool, error) {
	for i, k := range keys {
		v, err := k.Eval(e)
		if err != nil || v == nil {
			return false, err
		}
		kv[i] = v
	}
	return true, nil
}

// KeysEqual is the engine's = over each key.
func KeysEqual(a, b []types.Value) bool {
	for i := range a {
		if types.Compare(a[i], b[i]) != 0 {
			return false
		}
	}
	return true
}

// hash hashes a key so that values types.Compare calls equal hash alike.
func (t *HashTable) hash(kv []types.Value) uint64 {
	h := t.mix
	for i, v := range kv {
		h = mix64(h ^ t.keyHash(v, t.floats[i]))
	}
	return h
}

// mix64 scrambles the bits of x (MurmurHash3's finalizer), so that keys
// that differ in a few bits land in different buckets.
func mix64(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

// keyHash hashes one key value alike for equal values. Numbers compared
// with a float or real compare as float64 (types.Compare), so such a key
// hashes every number as its float64; exact numbers hash as their value
// with trailing fractional zeros dropped (1 and 1.00 alike). Strings
// compare without trailing spaces, times as instants.
func (t *HashTable) keyHash(v types.Value, float bool) uint64 {
	const (
		tagFloat = 0x9e3779b97f4a7c15
		tagOther = 0x6a09e667f3bcc909
	)
	fl := func(f float64) uint64 {
		if f == 0 {
			f = 0 // -0 = 0
		}
		if !float && f == math.Trunc(f) && f >= -(1<<63) && f < 1<<63 {
			return uint64(int64(f))
		}
		return math.Float64bits(f) ^ tagFloat
	}
	switch x := v.(type) {
	case int64:
		if float {
			return fl(float64(x))
		}
		return uint64(x)
	case float64:
		return fl(x)
	case types.Dec:
		if float {
			return fl(x.Float64())
		}
		c, s := canonicalDec(x)
		if s == 0 && c.IsInt64() {
			return uint64(c.Int64())
		}
		return maphash.String(t.seed, c.String()) ^ uint64(s)
	case string:
		return maphash.String(t.seed, strings.TrimRight(x, " "))
	case bool:
		if x {
			return tagOther + 1
		}
		return tagOther
	case []byte:
		return maphash.Bytes(t.seed, x) ^ tagOther
	case time.Time:
		return mix64(uint64(x.Unix())) ^ uint64(x.Nanosecond())
	case types.UUID:
		return maphash.Bytes(t.seed, x[:]) ^ tagFloat
	}
	return maphash.String(t.seed, types.TypeOf(v).Kind.String())
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

// Explain draws the join as SQL Server does: Hash Match over the build
// input then the probe input, HASH:(build keys)=(probe keys) and the
// condition every match is checked against as RESIDUAL. The logical
// operator is named from the build input's point of view (a LEFT JOIN
// that builds on its right input is a Right Outer Join of the inputs as
// drawn).
func (h *HashJoin) Explain(x *Explainer, nm *Names) *plan.Node {
	left, right := h.Left.Explain(x, nm), h.Right.Explain(x, nm)
	build, probe := h.sides()
	arg := "HASH:(" + x.List(build.keys, nm) + ")=(" + x.List(probe.keys, nm) + ")"
	if h.On != nil {
		arg += ", RESIDUAL:(" + x.Text(h.On, nm) + ")"
	}
	kind, first, second := h.Kind, left, right
	if !h.BuildLeft {
		first, second = right, left
		switch kind {
		case LeftJoin:
			kind = RightJoin
		case RightJoin:
			kind = LeftJoin
		}
	}
	n := x.Node("Hash Match", kind.Logical(), arg, first, second)
	n.NamesLogical = true
	return n
}

// PairSides returns the left and the right expressions of join pairs.
func PairSides(pairs []JoinPair) (l, r []Expr) {
	for _, p := range pairs {
		l, r = append(l, p.L), append(r, p.R)
	}
	return l, r
}
