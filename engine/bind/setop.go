package bind

import (
	"strings"

	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// Set operations: UNION [ALL], EXCEPT and INTERSECT. A compound query is
// planned as SELECT * over an exec.SetOp, so its ORDER BY, OFFSET and
// FETCH run as any query's do. The columns are named by the left operand
// and typed by SQL Server's data type precedence over both operands; each
// operand's select list converts to those types.

// bindSetOp plans a compound query's operands and returns its source and
// the scope its ORDER BY sees: one source with the result's columns.
func (b *Binder) bindSetOp(so *parser.SetOp) (exec.Operator, *Scope, error) {
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
	sc := &Scope{}
	sc.Add(&Source{Name: strings.ToLower(so.Op[:1]) + strings.ToLower(so.Op[1:]), Cols: cols})
	return &exec.SetOp{Op: so.Op, All: so.All, Left: left, Right: right}, sc, nil
}

// planOperand plans one operand; an ORDER BY there needs TOP or OFFSET.
func (b *Binder) planOperand(sel *parser.Select) (*exec.Select, error) {
	if err := b.CheckInnerOrder(sel); err != nil {
		return nil, err
	}
	return b.Engine.PlanQuery(sel)
}
