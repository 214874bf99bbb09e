package exec

import (
	"bytes"
	"slices"
	"strings"

	"mirrordb/engine/builtins"
	"mirrordb/engine/catalog"
	"mirrordb/engine/keys"
	"mirrordb/types"
)

// KeySeek is what the planner found a WHERE clause tells a seek on one key (the clustered
// key, or a secondary index's columns): values for its leading columns
// (equalities), then for the next column a list of values (IN, or an OR
// of equalities), bounds (<, <=, >, >=, BETWEEN) or a LIKE pattern whose
// literal prefix bounds it. The seek reads a superset of the rows the
// clause selects (every bound taken as inclusive, NULLs left in a LIKE's
// range, a value that does not convert exactly sought as it encodes):
// the full WHERE clause is still applied to every row read, so the
// ranges only ever remove work. Ranges computes them as a statement
// runs; TableScan and IndexSeek read them.
type KeySeek struct {
	Eq     []Expr // values of the leading key columns
	In     []Expr // alternatives for column len(Eq)
	Lo, Hi Expr   // bounds of column len(Eq) (nil: open)
	LoX    bool   // the bounds exclude their value (>, <)
	HiX    bool
	Like   *Like        // LIKE on column len(Eq)
	Types  []types.Type // the key columns' types, which values encode as
	Desc   []bool       // the key columns stored descending
}

// EqualKeySeek is the seek of given values (eq) of a key's leading
// columns; cols are the key's columns of def, desc which are descending.
func EqualKeySeek(def *catalog.TableDef, cols []int, desc []bool, eq []Expr) KeySeek {
	s := KeySeek{Desc: desc, Eq: eq}
	for _, c := range cols {
		s.Types = append(s.Types, def.Columns[c].Type)
	}
	return s
}

// Bounded reports whether the seek narrows the column after its
// equalities.
func (s *KeySeek) Bounded() bool {
	return len(s.In) > 0 || s.Lo != nil || s.Hi != nil || s.Like != nil
}

// Score ranks seeks: each column fixed by equality counts two, a bounded
// next column one; the clustered key wins ties.
func (s *KeySeek) Score() int {
	n := 2 * len(s.Eq)
	if s.Bounded() {
		n++
	}
	return n
}

// KeyRange is a range [lo, hi) of encoded keys.
type KeyRange struct{ Lo, Hi []byte }

// Ranges returns the disjoint Ranges of keys under prefix the seek reads,
// in key order; none when a sought value is NULL (= NULL matches nothing).
func (s *KeySeek) Ranges(e *Env, prefix []byte) ([]KeyRange, error) {
	p := append([]byte{}, prefix...)
	for i, x := range s.Eq {
		v, err := x.Eval(e)
		if err != nil || v == nil {
			return nil, err
		}
		p = SeekKey(p, v, s.Types[i], s.Desc[i])
	}
	k := len(s.Eq)
	switch {
	case len(s.In) > 0:
		var out []KeyRange
		for _, x := range s.In {
			v, err := x.Eval(e)
			if err != nil {
				return nil, err
			}
			if v == nil {
				continue
			}
			enc := SeekKey(append([]byte{}, p...), v, s.Types[k], s.Desc[k])
			out = append(out, KeyRange{enc, keys.PrefixEnd(enc)})
		}
		slices.SortFunc(out, func(a, b KeyRange) int { return bytes.Compare(a.Lo, b.Lo) })
		return slices.CompactFunc(out, func(a, b KeyRange) bool { return bytes.Equal(a.Lo, b.Lo) }), nil
	case s.Like != nil:
		lit, ok, err := s.likePrefix(e)
		if !ok || err != nil {
			return nil, err
		}
		if lit != "" {
			enc := keys.AppendValue(nil, lit, s.Types[k])
			enc = enc[:len(enc)-2] // no terminator: every string that starts so
			if s.Desc[k] {
				for i := range enc {
					enc[i] = ^enc[i]
				}
			}
			p = append(p, enc...)
		}
	case s.Lo != nil || s.Hi != nil:
		lower, upper := p, keys.PrefixEnd(p)
		for _, b := range [2]struct {
			x             Expr
			isLower, excl bool
		}{{s.Lo, true, s.LoX}, {s.Hi, false, s.HiX}} {
			if b.x == nil {
				continue
			}
			v, err := b.x.Eval(e)
			if err != nil || v == nil {
				return nil, err // a comparison with NULL matches nothing
			}
			enc := SeekKey(append([]byte{}, p...), v, s.Types[k], s.Desc[k])
			// Every key whose column equals the value starts with enc: an
			// exclusive bound skips them all, an inclusive one takes them.
			switch {
			case b.isLower != s.Desc[k] && b.excl: // the smaller key end
				lower = keys.PrefixEnd(enc)
			case b.isLower != s.Desc[k]:
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
		return []KeyRange{{lower, upper}}, nil
	}
	return []KeyRange{{p, keys.PrefixEnd(p)}}, nil
}

// likePrefix is the literal text a LIKE pattern's matches start with, its
// trailing spaces dropped (values are stored without theirs); ok false when
// the pattern or escape is NULL.
func (s *KeySeek) likePrefix(e *Env) (string, bool, error) {
	m := s.Like.Cached
	if m == nil {
		pv, err := s.Like.Pattern.Eval(e)
		if err != nil || pv == nil {
			return "", false, err
		}
		esc := rune(0)
		if s.Like.Escape != nil {
			ev, err := s.Like.Escape.Eval(e)
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

// SeekKey appends the encoding of a sought value as column c of the index
// stores it.
func SeekKey(dst []byte, v types.Value, colT types.Type, desc bool) []byte {
	if i, ok := v.(int64); ok && colT.Kind == types.Decimal {
		v = types.DecFromInt(i)
	}
	return keys.AppendIndexValue(dst, v, colT, desc)
}

// Explain prints the seek's predicate as SQL Server's SEEK:() does, col
// naming key column i: equalities, then the next column's range, its
// values one OR-ed equality each, or a LIKE's prefix range.
func (s *KeySeek) Explain(x *Explainer, nm *Names, col func(i int) string) string {
	var conds []string
	for i, v := range s.Eq {
		conds = append(conds, col(i)+"="+x.Text(Unconverted(v), nm))
	}
	k := len(s.Eq)
	switch {
	case len(s.In) > 0:
		alts := make([]string, len(s.In))
		for i, v := range s.In {
			alts[i] = strings.Join(append(slices.Clip(conds), col(k)+"="+x.Text(v, nm)), " AND ")
		}
		return strings.Join(alts, " OR ")
	case s.Like != nil:
		pat := x.Text(s.Like.Pattern, nm)
		conds = append(conds, col(k)+" >= LikeRangeStart("+pat+")", col(k)+" < LikeRangeEnd("+pat+")")
	default:
		if s.Lo != nil {
			conds = append(conds, col(k)+map[bool]string{false: " >= ", true: " > "}[s.LoX]+x.Text(s.Lo, nm))
		}
		if s.Hi != nil {
			conds = append(conds, col(k)+map[bool]string{false: " <= ", true: " < "}[s.HiX]+x.Text(s.Hi, nm))
		}
	}
	return strings.Join(conds, " AND ")
}

// Unconverted is a sought value as a plan shows it: the conversion to the
// key column's type is printed only where it changes the value's type.
func Unconverted(v Expr) Expr {
	if c, ok := v.(*Cast); ok && (c.X.Type() == c.To || ConstTree(c.X)) {
		return c.X
	}
	return v
}

// Direction is how a plan names the order a scan reads in.
func Direction(backward bool) string {
	if backward {
		return "ORDERED BACKWARD"
	}
	return "ORDERED FORWARD"
}
