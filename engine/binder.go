package engine

import (
	"mirrordb/engine/bind"
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
	"strings"
)

// The binder is bind.Engine to the expression binder it embeds: what
// binding an expression needs of the session, the catalog and the
// engine's own expressions goes through these methods.

// newBinder makes a statement's binder over s.
func newBinder(s *Session, x bind.Binder) *binder {
	c := sessionCatalog{s}
	b := &binder{Binder: x, s: s, cat: c, set: c}
	b.Engine = b
	return b
}

// BindOther binds the expressions bind leaves to the engine.
func (b *binder) BindOther(n parser.Expr, sc *bind.Scope, agg *bind.AggContext, hint types.Type) (exec.Expr, error) {
	switch x := n.(type) {
	case *parser.FuncCall: // a select list's set-returning function (bind.IsSelectListSRF)
		return b.bindSelectListSRF(x, strings.ToUpper(x.Name.Object()), sc, agg) // pgsrf.go
	case *parser.ArraySubquery: // pgarray.go
		return b.bindArraySubquery(x, sc, agg)
	case *parser.ArrayCompare:
		return b.bindArrayCompare(x, sc, agg)
	case *parser.Subscript: // pgsubscript.go
		return b.bindSubscript(x, sc, agg)
	case *parser.FieldSelect: // pgsrf.go
		return b.bindFieldSelect(x, sc, agg)
	case *parser.Trim: // pgsubscript.go
		return b.bindTrim(x, sc, agg)
	}
	return nil, b.ErrAt(n, sqlerr.New(40517, n.String()))
}

// BindPGCast binds x::text (pgsubscript.go) and the reg types (pgregcast.go).
func (b *binder) BindPGCast(x parser.Expr, tn parser.TypeName, sc *bind.Scope, agg *bind.AggContext) (exec.Expr, bool, error) {
	if r, ok, err := b.bindPGTextCast(x, tn, sc, agg); ok {
		return r, true, err
	}
	return b.bindRegCast(x, tn, sc, agg)
}

// AliasType reads an alias type of the session's database (usertypes.go).
func (b *binder) AliasType(tn parser.TypeName) (types.Type, bool) {
	t, err := b.ddl().ColumnType(b.cat.Current(), tn)
	return t.Type, err == nil && t.Alias != nil
}

// PlanQuery binds and plans a nested query (query.go).
func (b *binder) PlanQuery(sel *parser.Select) (*exec.Select, error) { return b.planSelect(sel) }

// Session is the session constants are folded in.
func (b *binder) Session() any { return b.s }
