package engine

import (
	"strings"

	"mirrordb/engine/exec"
	"mirrordb/engine/plan"
	"mirrordb/types"
)

// projectOp computes the select list of each row it is given, and for a
// sort above it the ORDER BY values after them. It emits one buffer,
// overwritten row after row.
type projectOp struct {
	in        operator
	exprs     []exec.Expr
	order     []orderKey
	withOrder bool // a sort follows: append the ORDER BY values
}

func (p *projectOp) run(e *exec.Env, emit func([]types.Value) error) error {
	width := len(p.exprs)
	if p.withOrder {
		width += len(p.order)
	}
	out := make([]types.Value, width)
	return p.in.run(e, func(row []types.Value) error {
		e.Row = row
		for i, x := range p.exprs {
			v, err := x.Eval(e)
			if err != nil {
				return err
			}
			out[i] = v
		}
		if p.withOrder {
			base := len(p.exprs)
			for i, k := range p.order {
				if k.col >= 0 {
					out[base+i] = out[k.col]
					continue
				}
				v, err := k.x.Eval(e)
				if err != nil {
					return err
				}
				out[base+i] = v
			}
		}
		return emit(out)
	})
}

// explain names each output, [ExprN] for a computed one, and each ORDER
// BY value (in nm, for the nodes above), defining the computed ones in a
// Compute Scalar.
func (p *projectOp) explain(x *explainer, nm *names) *plan.Node {
	n := p.in.explain(x, nm)
	var defined []string
	nm.outs = make([]string, len(p.exprs))
	for i, e := range p.exprs {
		if simpleOutput(e) {
			nm.outs[i] = x.text(e, nm)
			continue
		}
		nm.outs[i] = x.newExpr()
		defined = append(defined, nm.outs[i]+"="+x.text(e, nm))
	}
	nm.orderNames = make([]string, len(p.order))
	for i, k := range p.order {
		switch {
		case k.col >= 0:
			nm.orderNames[i] = nm.outs[k.col]
		case simpleOutput(k.x):
			nm.orderNames[i] = x.text(k.x, nm)
		default:
			nm.orderNames[i] = x.newExpr()
			defined = append(defined, nm.orderNames[i]+"="+x.text(k.x, nm))
		}
	}
	if len(defined) > 0 {
		n = x.node("Compute Scalar", "Compute Scalar", "DEFINE:("+strings.Join(defined, ", ")+")", n)
		n.DefinedValues = strings.Join(defined, ", ")
	}
	return n
}

// simpleOutput reports outputs that are passed through, not computed.
func simpleOutput(e exec.Expr) bool {
	switch e.(type) {
	case *exec.ColRef, *exec.AggRef, *exec.GroupKeyRef, *winRef, *srfRef:
		return true
	}
	return false
}
