package engine

import (
	"mirrordb/engine/bind"
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/sqlerr"
)

// binder turns syntax into bound expressions and plans for one statement:
// it resolves names against the session's databases, computes static types,
// inserts SQL Server's implicit conversions and infers parameter types.
type binder struct {
	bind.Binder // expressions; Engine is the binder itself (binder.go)
	s           *Session
	corr        correlation    // the scopes around the subquery being bound (correlate.go)
	ctes        []*cteBinding  // common table expressions in scope (derived.go)
	win         *windowContext // where window functions may appear (window.go)
	srfs        *srfContext    // where set-returning functions may appear (pgsrf.go)
	// inDefault is the column DEFAULT being bound, if any (typefuncs.go).
	inDefault *defaultBinding
}

func (b *binder) bindGlobal(x *parser.GlobalVar) (exec.Expr, error) {
	g, ok := globalVars[x.Name]
	if !ok {
		return nil, b.ErrAt(x, sqlerr.New(137, "@@"+x.Name))
	}
	return &exec.Call{Name: "@@" + x.Name, Fn: g, T: g.Type(nil)}, nil
}
