package engine

import (
	"bytes"
	"slices"
	"strings"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/builtins"
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/keys"
	"mirrordb/engine/opt"
	"mirrordb/types"
)

// keySeek is what a WHERE clause tells a seek on one key (the clustered
// key, or a secondary index's columns): values for its leading columns
// (equalities), then for the next column a list of values (IN, or an OR
// of equalities), bounds (<, <=, >, >=, BETWEEN) or a LIKE pattern whose
// literal prefix bounds it. The seek reads a superset of the rows the
// clause selects (every bound taken as inclusive, NULLs left in a LIKE's
// range, a value that does not convert exactly sought as it encodes):
// the full WHERE clause is still applied to every row read, so the
// ranges only ever remove work.
type keySeek struct {
	eq     []exec.Expr // values of the leading key columns
	in     []exec.Expr // alternatives for column len(eq)
	lo, hi exec.Expr   // bounds of column len(eq) (nil: open)
	loX    bool        // the bounds exclude their value (>, <)
	hiX    bool
	like   *exec.Like // LIKE on column len(eq)
	types  []types.Type
	desc   []bool
}

// bounded reports whether the seek narrows the column after its
// equalities.
func (s *keySeek) bounded() bool {
	return len(s.in) > 0 || s.lo != nil || s.hi != nil || s.like != nil
}

// score ranks seeks: each column fixed by equality counts two, a bounded
// next column one; the clustered key wins ties.
func (s *keySeek) score() int {
	n := 2 * len(s.eq)
	if s.bounded() {
		n++
	}
	return n
}

// equalKeySeek is the seek of given values of a key's leading columns.
func equalKeySeek(def *catalog.TableDef, cols []int, desc []bool, eq []exec.Expr) keySeek {
	s := keySeek{desc: desc, eq: eq}
	for _, c := range cols {
		s.types = append(s.types, def.Columns[c].Type)
	}
	return s
}

// findKeySeek builds the seek the conjuncts allow on a key whose columns
// are cols of def (desc: which are descending); the table's columns start
// at base in the combined row.
func findKeySeek(conj []exec.Expr, base int, def *catalog.TableDef, cols []int, desc []bool) keySeek {
	s := keySeek{desc: desc}
	for _, c := range cols {
		s.types = append(s.types, def.Columns[c].Type)
	}
	for i, c := range cols {
		colT := s.types[i]
		if v := seekValue(conj, base+c, colT, "="); v != nil {
			s.eq = append(s.eq, v)
			continue
		}
		if s.in = seekList(conj, base+c, colT); s.in != nil {
			break
		}
		var loOp, hiOp string
		s.lo, loOp = seekBound(conj, base+c, colT, ">", ">=", "!<")
		s.hi, hiOp = seekBound(conj, base+c, colT, "<", "<=", "!>")
		s.loX, s.hiX = loOp == ">", hiOp == "<"
		if s.lo == nil && s.hi == nil {
			s.like = seekLike(conj, base+c, colT)
		}
		break
	}
	return s
}

// seekList finds a conjunct that allows column col only a list of
// row-independent values: col IN (v1, v2, ...) or col = v1 OR col = v2 ...
func seekList(conj []exec.Expr, col int, colT types.Type) []exec.Expr {
	if colT.Kind.IsBinary() {
		return nil
	}
	for _, c := range conj {
		if in, ok := c.(*exec.InList); ok && !in.Not {
			if x, isCol := in.X.(*exec.ColRef); isCol && x.Idx == col && allKeyValues(in.List, colT) {
				return in.List
			}
			continue
		}
		if l, ok := c.(*exec.Logic); ok && !l.And {
			var vals []exec.Expr
			if orEqualities(l, col, colT, &vals) {
				return vals
			}
		}
	}
	return nil
}

// orEqualities collects the values of an OR tree whose every leaf is an
// equality of column col with a row-independent value.
func orEqualities(x exec.Expr, col int, colT types.Type, vals *[]exec.Expr) bool {
	if l, ok := x.(*exec.Logic); ok && !l.And {
		return orEqualities(l.L, col, colT, vals) && orEqualities(l.R, col, colT, vals)
	}
	v := seekValue([]exec.Expr{x}, col, colT, "=")
	if v == nil {
		return false
	}
	*vals = append(*vals, v)
	return true
}

// allKeyValues reports whether every value of a list can be sought in a
// key column of type colT.
func allKeyValues(list []exec.Expr, colT types.Type) bool {
	for _, v := range list {
		if !opt.RowIndependent(v) || !opt.KeyCompatible(colT, v.Type()) {
			return false
		}
	}
	return len(list) > 0
}

// seekLike finds "col LIKE pattern" with a row-independent pattern on a
// string column.
func seekLike(conj []exec.Expr, col int, colT types.Type) *exec.Like {
	if !colT.Kind.IsString() {
		return nil
	}
	for _, c := range conj {
		l, ok := c.(*exec.Like)
		if !ok || l.Not {
			continue
		}
		if x, isCol := l.X.(*exec.ColRef); isCol && x.Idx == col && opt.RowIndependent(l.Pattern) &&
			l.Pattern.Type().Kind.IsString() && (l.Escape == nil || opt.RowIndependent(l.Escape)) {
			return l
		}
	}
	return nil
}

// keyRange is a range [lo, hi) of encoded keys.
type keyRange struct{ lo, hi []byte }

// ranges returns the disjoint ranges of keys under prefix the seek reads,
// in key order; none when a sought value is NULL (= NULL matches nothing).
func (s *keySeek) ranges(e *exec.Env, prefix []byte) ([]keyRange, error) {
	p := append([]byte{}, prefix...)
	for i, x := range s.eq {
		v, err := x.Eval(e)
		if err != nil || v == nil {
			return nil, err
		}
		p = seekKey(p, v, s.types[i], s.desc[i])
	}
	k := len(s.eq)
	switch {
	case len(s.in) > 0:
		var out []keyRange
		for _, x := range s.in {
			v, err := x.Eval(e)
			if err != nil {
				return nil, err
			}
			if v == nil {
				continue
			}
			enc := seekKey(append([]byte{}, p...), v, s.types[k], s.desc[k])
			out = append(out, keyRange{enc, keys.PrefixEnd(enc)})
		}
		slices.SortFunc(out, func(a, b keyRange) int { return bytes.Compare(a.lo, b.lo) })
		return slices.CompactFunc(out, func(a, b keyRange) bool { return bytes.Equal(a.lo, b.lo) }), nil
	case s.like != nil:
		lit, ok, err := s.likePrefix(e)
		if !ok || err != nil {
			return nil, err
		}
		if lit != "" {
			enc := keys.AppendValue(nil, lit, s.types[k])
			enc = enc[:len(enc)-2] // no terminator: every string that starts so
			if s.desc[k] {
				for i := range enc {
					enc[i] = ^enc[i]
				}
			}
			p = append(p, enc...)
		}
	case s.lo != nil || s.hi != nil:
		lower, upper := p, keys.PrefixEnd(p)
		for _, b := range [2]struct {
			x             exec.Expr
			isLower, excl bool
		}{{s.lo, true, s.loX}, {s.hi, false, s.hiX}} {
			if b.x == nil {
				continue
			}
			v, err := b.x.Eval(e)
			if err != nil || v == nil {
				return nil, err // a comparison with NULL matches nothing
			}
			enc := seekKey(append([]byte{}, p...), v, s.types[k], s.desc[k])
			// Every key whose column equals the value starts with enc: an
			// exclusive bound skips them all, an inclusive one takes them.
			switch {
			case b.isLower != s.desc[k] && b.excl: // the smaller key end
				lower = keys.PrefixEnd(enc)
			case b.isLower != s.desc[k]:
				lower = enc
			case b.excl:
				upper = enc
			default:
				upper = keys.PrefixEnd(enc)
			}
		}
		if upper != nil && bytes.Compare(lower, upper) >= 0 {
			return nil, nil
		}
		return []keyRange{{lower, upper}}, nil
	}
	return []keyRange{{p, keys.PrefixEnd(p)}}, nil
}

// likePrefix is the literal text a LIKE pattern's matches start with, its
// trailing spaces dropped (values are stored without theirs); ok false when
// the pattern or escape is NULL.
func (s *keySeek) likePrefix(e *exec.Env) (string, bool, error) {
	m := s.like.Cached
	if m == nil {
		pv, err := s.like.Pattern.Eval(e)
		if err != nil || pv == nil {
			return "", false, err
		}
		esc := rune(0)
		if s.like.Escape != nil {
			ev, err := s.like.Escape.Eval(e)
			if err != nil || ev == nil {
				return "", false, err
			}
			r := []rune(ev.(string))
			if len(r) != 1 {
				return "", true, nil // the filter reports the bad escape
			}
			esc = r[0]
		}
		m = builtins.CompileLike(pv.(string), esc)
	}
	return strings.TrimRight(m.LiteralPrefix(), " "), true, nil
}

// scanRanges reads the keys and values of the table's store in the
// ranges in order (backward: from the last key of the last range),
// checking the statement's governor; fn's slices are valid only during
// the call.
func (t *tableScan) scanRanges(e *exec.Env, rs []keyRange, backward bool, fn func(key, val []byte) error) (err error) {
	if len(rs) == 0 {
		return nil
	}
	first := rs[0]
	if backward {
		first = rs[len(rs)-1]
	}
	it, err := sessionOf(e).readerFor(t.db).NewIter(&pebble.IterOptions{LowerBound: first.lo, UpperBound: first.hi})
	if err != nil {
		return t.db.storage.ReadError(err)
	}
	defer func() {
		if cerr := it.Close(); err == nil && cerr != nil {
			err = t.db.storage.ReadError(cerr)
		}
	}()
	for i := range rs {
		rg := rs[i]
		if backward {
			rg = rs[len(rs)-1-i]
		}
		if i > 0 {
			it.SetBounds(rg.lo, rg.hi)
		}
		valid, step := it.First, it.Next
		if backward {
			valid, step = it.Last, it.Prev
		}
		for ok := valid(); ok; ok = step() {
			if err := e.Gov.Check(); err != nil {
				return err
			}
			if err := fn(it.Key(), it.Value()); err != nil {
				return err
			}
		}
		if err := it.Error(); err != nil {
			return t.db.storage.ReadError(err)
		}
	}
	return nil
}

// explain prints the seek's predicate as SQL Server's SEEK:() does, col
// naming key column i: equalities, then the next column's range, its
// values one OR-ed equality each, or a LIKE's prefix range.
func (s *keySeek) explain(x *exec.Explainer, nm *exec.Names, col func(i int) string) string {
	var conds []string
	for i, v := range s.eq {
		conds = append(conds, col(i)+"="+x.Text(unconverted(v), nm))
	}
	k := len(s.eq)
	switch {
	case len(s.in) > 0:
		alts := make([]string, len(s.in))
		for i, v := range s.in {
			alts[i] = strings.Join(append(slices.Clip(conds), col(k)+"="+x.Text(v, nm)), " AND ")
		}
		return strings.Join(alts, " OR ")
	case s.like != nil:
		pat := x.Text(s.like.Pattern, nm)
		conds = append(conds, col(k)+" >= LikeRangeStart("+pat+")", col(k)+" < LikeRangeEnd("+pat+")")
	default:
		if s.lo != nil {
			conds = append(conds, col(k)+map[bool]string{false: " >= ", true: " > "}[s.loX]+x.Text(s.lo, nm))
		}
		if s.hi != nil {
			conds = append(conds, col(k)+map[bool]string{false: " <= ", true: " < "}[s.hiX]+x.Text(s.hi, nm))
		}
	}
	return strings.Join(conds, " AND ")
}

// unconverted is a sought value as a plan shows it: the conversion to the
// key column's type is printed only where it changes the value's type.
func unconverted(v exec.Expr) exec.Expr {
	if c, ok := v.(*exec.Cast); ok && (c.X.Type() == c.To || isConstTree(c.X)) {
		return c.X
	}
	return v
}

// direction is how a plan names the order a scan reads in.
func direction(backward bool) string {
	if backward {
		return "ORDERED BACKWARD"
	}
	return "ORDERED FORWARD"
}
