package exec

import (
	"strings"

	"mirrordb/engine/plan"
	"mirrordb/types"
)

// Project computes the select list of each row it is given, and for a
// sort above it the ORDER BY values after them. It emits one buffer,
// overwritten row after row.
type Project struct {
	In        Operator
	Exprs     []Expr
	Order     []OrderKey
	WithOrder bool // a sort follows: append the ORDER BY values
}

func (p *Project) Run(e *Env, emit func([]types.Value) error) error {
	width := len(p.Exprs)
	if p.WithOrder {
		width += len(p.Order)
	}
	out := make([]types.Value, width)
	return p.In.Run(e, func(row []types.Value) error {
		e.Row = row
		for i, x := range p.Exprs {
			v, err := x.Eval(e)
			if err != nil {
				return err
			}
			out[i] = v
		}
		if p.WithOrder {
			base := len(p.Exprs)
			for i, k := range p.Order {
				if k.Col >= 0 {
					out[base+i] = out[k.Col]
					continue
				}
				v, err := k.X.Eval(e)
				if err != nil {
					return err
				}
				out[base+i] = v
			}
		}
		return emit(out)
	})
}

// Explain names each output, [ExprN] for a computed one, and each ORDER
// BY value (in nm, for the nodes above), defining the computed ones in a
// Compute Scalar.
func (p *Project) Explain(x *Explainer, nm *Names) *plan.Node {
	n := p.In.Explain(x, nm)
	var defined []string
	nm.Outs = make([]string, len(p.Exprs))
	for i, e := range p.Exprs {
		if simpleOutput(e) {
			nm.Outs[i] = x.Text(e, nm)
			continue
		}
		nm.Outs[i] = x.NewExpr()
		defined = append(defined, nm.Outs[i]+"="+x.Text(e, nm))
	}
	nm.OrderNames = make([]string, len(p.Order))
	for i, k := range p.Order {
		switch {
		case k.Col >= 0:
			nm.OrderNames[i] = nm.Outs[k.Col]
		case simpleOutput(k.X):
			nm.OrderNames[i] = x.Text(k.X, nm)
		default:
			nm.OrderNames[i] = x.NewExpr()
			defined = append(defined, nm.OrderNames[i]+"="+x.Text(k.X, nm))
		}
	}
	if len(defined) > 0 {
		n = x.Node("Compute Scalar", "Compute Scalar", "DEFINE:("+strings.Join(defined, ", ")+")", n)
		n.DefinedValues = strings.Join(defined, ", ")
	}
	return n
}

// simpleOutput reports outputs that are passed through, not computed.
func simpleOutput(e Expr) bool {
	switch e.(type) {
	case *ColRef, *AggRef, *GroupKeyRef, *WinRef, *SrfRef:
		return true
	}
	return false
}
