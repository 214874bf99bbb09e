package exec

import (
	"mirrordb/types"
)

// WinRef reads a window function's value for the current row.
type WinRef struct {
	Idx int
	T   types.Type
}

func (w *WinRef) Type() types.Type                 { return w.T }
func (w *WinRef) Eval(e *Env) (types.Value, error) { return e.Win[w.Idx], nil }

func (w *WinRef) Explain(_ *Explainer, n *Names) string {
	if n != nil && w.Idx < len(n.Wins) {
		return n.Wins[w.Idx]
	}
	return "?"
}

// SrfRef reads a set-returning function's element for the current row.
type SrfRef struct {
	Idx int
	T   types.Type
}

func (r *SrfRef) Type() types.Type { return r.T }

func (r *SrfRef) Eval(e *Env) (types.Value, error) {
	if r.Idx < len(e.Srf) {
		return e.Srf[r.Idx], nil
	}
	return nil, nil
}

func (r *SrfRef) Explain(_ *Explainer, n *Names) string {
	if n != nil && r.Idx < len(n.Srfs) {
		return n.Srfs[r.Idx]
	}
	return "?"
}
