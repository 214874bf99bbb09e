package engine

import (
	"mirrordb/engine/exec"
	"mirrordb/engine/opt"
	"mirrordb/parser"
)

// planSelect binds a SELECT (bind.Binder.BindSelect, which brings its
// common table expressions into scope) and plans it: the WHERE clause's
// conjuncts pushed into a derived table (opt.PushIntoDerived), then opt's
// passes (opt.PlanSelect: the joins and semi-joins, the key order, the
// index for groups, the covering indexes), before exec builds it.
func (b *binder) planSelect(sel *parser.Select) (*exec.Select, error) {
	p, err := b.BindSelect(sel)
	if err != nil {
		return nil, err
	}
	p.Where = opt.PushIntoDerived(p.Src, p.Where, impliesFilter)
	if err := opt.PlanSelect(p, b.planQuery(p, sel.Hints), planTables); err != nil {
		return nil, b.ErrAt(sel, err)
	}
	p.Build()
	return p, nil
}
