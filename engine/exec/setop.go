package exec

import (
	"mirrordb/engine/govern"
	"mirrordb/engine/keys"
	"mirrordb/engine/plan"
	"mirrordb/types"
)

// SetOp produces the rows of Left Op Right: UNION [ALL], EXCEPT or
// INTERSECT. A compound query is planned as SELECT * over a SetOp, so its
// ORDER BY, OFFSET and FETCH run as any query's do; the binder converts
// each operand's select list to the result's types.
type SetOp struct {
	Op          string // UNION, EXCEPT, INTERSECT
	All         bool
	Left, Right *Select
}

func (s *SetOp) Run(e *Env, fn func(row []types.Value) error) error {
	if s.Op == "UNION" && s.All {
		if err := s.Left.Run(e, fn); err != nil {
			return err
		}
		return s.Right.Run(e, fn)
	}
	seen := map[string]bool{}
	var enc []byte
	h := Holding{Gov: e.Gov} // the sets, given back when the scan ends
	defer h.Release()
	// first reports whether row is new to seen, adding it.
	first := func(row []types.Value) (bool, error) {
		enc = encodeRow(enc[:0], row)
		if seen[string(enc)] {
			return false, nil
		}
		seen[string(enc)] = true
		return true, h.Grow(int64(len(enc)) + govern.EntrySize)
	}
	if s.Op == "UNION" {
		emitNew := func(row []types.Value) error {
			if ok, err := first(row); !ok || err != nil {
				return err
			}
			return fn(row)
		}
		if err := s.Left.Run(e, emitNew); err != nil {
			return err
		}
		return s.Right.Run(e, emitNew)
	}
	// EXCEPT and INTERSECT: the right rows as a set, then each distinct
	// left row that is (INTERSECT) or is not (EXCEPT) in it.
	right := map[string]bool{}
	if err := s.Right.Run(e, func(row []types.Value) error {
		k := string(encodeRow(nil, row))
		if !right[k] {
			right[k] = true
			return h.Grow(int64(len(k)) + govern.EntrySize)
		}
		return nil
	}); err != nil {
		return err
	}
	want := s.Op == "INTERSECT"
	return s.Left.Run(e, func(row []types.Value) error {
		if ok, err := first(row); !ok || err != nil {
			return err
		}
		if right[string(enc)] != want {
			return nil
		}
		return fn(row)
	})
}

// encodeRow appends the key encoding of a row's values, equal for rows
// that set operations and DISTINCT call equal (NULLs included).
func encodeRow(dst []byte, row []types.Value) []byte {
	for _, v := range row {
		dst = keys.AppendValue(dst, v, types.TypeUnknown)
	}
	return dst
}

// Explain names the operators SQL Server shows: Concatenation for UNION
// ALL, a hash union for UNION, a hash anti semi join or semi join for
// EXCEPT and INTERSECT (the right input builds the hash table).
func (s *SetOp) Explain(x *Explainer, _ *Names) *plan.Node {
	l, r := s.Left.Explain(x), s.Right.Explain(x)
	var n *plan.Node
	switch {
	case s.Op == "UNION" && s.All:
		return x.Node("Concatenation", "Concatenation", "", l, r)
	case s.Op == "UNION":
		n = x.Node("Hash Match", "Union", "", l, r)
	case s.Op == "EXCEPT":
		n = x.Node("Hash Match", "Right Anti Semi Join", "", r, l)
	default:
		n = x.Node("Hash Match", "Right Semi Join", "", r, l)
	}
	n.NamesLogical = true
	return n
}
