package engine

import (
	"mirrordb/engine/bind"
	"mirrordb/engine/exec"
	"mirrordb/engine/opt"
	"mirrordb/parser"
)

// planSelect binds a SELECT (bind.Binder.BindSelect) and plans it: the
// WHERE clause's conjuncts pushed into a derived table and down to the
// joins (opt.PushIntoDerived, join.go), then the key order, the index for
// groups and the covering indexes (order.go, covering.go) are chosen,
// before exec builds it.
func (b *binder) planSelect(sel *parser.Select) (*exec.Select, error) {
	p, err := b.BindSelect(sel)
	if err != nil {
		return nil, err
	}
	p.Where = opt.PushIntoDerived(p.Src, p.Where, impliesFilter)
	if p.Src, p.Where, err = b.planJoins(p.Src, p.Scope.(*bind.Scope).Width(), p.Where, sel.Hints); err != nil {
		return nil, b.ErrAt(sel, err)
	}
	useKeyOrder(p)
	if p.Grouped {
		useIndexForGroups(p)
	}
	useCovering(p)
	p.GroupsArrive = p.Grouped && groupsTogether(p)
	p.Build()
	return p, nil
}
