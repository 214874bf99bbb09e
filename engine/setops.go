package engine

import (
	"strings"

	"mirrordb/engine/bind"
	"mirrordb/engine/exec"
	"mirrordb/engine/govern"
	"mirrordb/engine/keys"
	"mirrordb/engine/plan"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// Set operations: UNION [ALL], EXCEPT and INTERSECT. A compound query is
// planned as SELECT * over a setOpSource, so its ORDER BY, OFFSET and
// FETCH run as any query's do. The columns are named by the left operand
// and typed by SQL Server's data type precedence over both operands; each
// operand's select list converts to those types.

// setOpSource produces the rows of left op right.
type setOpSource struct {
	op          string // UNION, EXCEPT, INTERSECT
	all         bool
	left, right *exec.Select
}

// bindSetOp plans a compound query's operands and returns its source and
// the scope its ORDER BY sees: one source with the result's columns.
func (b *binder) bindSetOp(so *parser.SetOp) (exec.Operator, *bind.Scope, error) {
	left, err := b.planOperand(so.Left)
	if err != nil {
		return nil, nil, err
	}
	right, err := b.planOperand(so.Right)
	if err != nil {
		return nil, nil, err
	}
	if len(left.Cols) != len(right.Cols) {
		return nil, nil, b.ErrAt(so, sqlerr.New(205))
	}
	cols := make([]session.Column, len(left.Cols))
	for i := range cols {
		t := types.Common(left.Project[i].Type(), right.Project[i].Type())
		if t.Kind == types.Unknown { // NULL UNION NULL
			t = types.TypeInt
		}
		for _, p := range []*exec.Select{left, right} {
			x, err := b.CoerceChecked(so, p.Project[i], t)
			if err != nil {
				return nil, nil, err
			}
			p.ConvertOutput(i, x, t)
		}
		cols[i] = session.Column{Name: left.Cols[i].Name, Type: t}
	}
	sc := &bind.Scope{}
	sc.Add(&bind.Source{Name: strings.ToLower(so.Op[:1]) + strings.ToLower(so.Op[1:]), Cols: cols})
	return &setOpSource{op: so.Op, all: so.All, left: left, right: right}, sc, nil
}

// planOperand plans one operand; an ORDER BY there needs TOP or OFFSET.
func (b *binder) planOperand(sel *parser.Select) (*exec.Select, error) {
	if err := b.CheckInnerOrder(sel); err != nil {
		return nil, err
	}
	return b.planSelect(sel)
}

func (s *setOpSource) Run(e *exec.Env, fn func(row []types.Value) error) error {
	if s.op == "UNION" && s.all {
		if err := s.left.Run(e, fn); err != nil {
			return err
		}
		return s.right.Run(e, fn)
	}
	seen := map[string]bool{}
	var enc []byte
	h := exec.Holding{Gov: e.Gov} // the sets, given back when the scan ends
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
	if s.op == "UNION" {
		emitNew := func(row []types.Value) error {
			if ok, err := first(row); !ok || err != nil {
				return err
			}
			return fn(row)
		}
		if err := s.left.Run(e, emitNew); err != nil {
			return err
		}
		return s.right.Run(e, emitNew)
	}
	// EXCEPT and INTERSECT: the right rows as a set, then each distinct
	// left row that is (INTERSECT) or is not (EXCEPT) in it.
	right := map[string]bool{}
	if err := s.right.Run(e, func(row []types.Value) error {
		k := string(encodeRow(nil, row))
		if !right[k] {
			right[k] = true
			return h.Grow(int64(len(k)) + govern.EntrySize)
		}
		return nil
	}); err != nil {
		return err
	}
	want := s.op == "INTERSECT"
	return s.left.Run(e, func(row []types.Value) error {
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
func (s *setOpSource) Explain(x *exec.Explainer, _ *exec.Names) *plan.Node {
	l, r := s.left.Explain(x), s.right.Explain(x)
	var n *plan.Node
	switch {
	case s.op == "UNION" && s.all:
		return x.Node("Concatenation", "Concatenation", "", l, r)
	case s.op == "UNION":
		n = x.Node("Hash Match", "Union", "", l, r)
	case s.op == "EXCEPT":
		n = x.Node("Hash Match", "Right Anti Semi Join", "", r, l)
	default:
		n = x.Node("Hash Match", "Right Semi Join", "", r, l)
	}
	n.NamesLogical = true
	return n
}

// BindSource binds what a query reads (bind.Engine): its FROM clause, or
// for a compound query its set operation, read as SELECT * over the result.
func (b *binder) BindSource(sel *parser.Select) (exec.Operator, *bind.Scope, []*parser.SelectItem, error) {
	if sel.SetOp == nil {
		src, sc, err := b.bindFrom(sel.From)
		return src, sc, sel.Items, err
	}
	if err := b.CheckSetOpOrder(sel); err != nil {
		return nil, nil, nil, err
	}
	src, sc, err := b.bindSetOp(sel.SetOp)
	return src, sc, []*parser.SelectItem{{Pos: sel.Pos, Star: true}}, err
}
