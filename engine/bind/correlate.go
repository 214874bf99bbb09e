package bind

import (
	"math"
	"strings"

	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/sqlerr"
)

// Correlated subqueries: a subquery may name the columns of the queries
// around it (psql's \d table reads pg_attrdef "WHERE d.adrelid =
// a.attrelid" inside a select list over pg_attribute). While a subquery
// is bound, the scopes around it are a stack; a name the subquery's own
// FROM does not have is looked up there, innermost first, and becomes an
// exec.OuterRef that reads the enclosing row at run time. A subquery that
// names an outer column runs once per outer row instead of once per
// statement.

// correlation is the binder's stack of enclosing scopes.
type correlation struct {
	scopes []outerScope
	// minLevel is the outermost stack level named since it was reset.
	minLevel int
}

// outerScope is an enclosing query's scope. agg is set for a subquery
// evaluated after grouping (select list, HAVING, ORDER BY of an aggregate
// query), where the source row is gone: the subquery reads the group's
// keys instead (exec.Subquery.Rows), so it may name a GROUP BY column but
// no other column (Msg 8120), as in SQL Server.
type outerScope struct {
	sc  *Scope
	agg *AggContext
}

// OuterDepth is the number of scopes around the query being bound: the
// level an exec.OuterRef to the innermost of them carries.
func (b *Binder) OuterDepth() int { return len(b.corr.scopes) }

// pushOuter puts sc on the stack of enclosing scopes, as the scope of a
// query around the one bound next; the returned function takes it off.
func (b *Binder) pushOuter(sc *Scope, agg *AggContext) func() {
	level := len(b.corr.scopes)
	b.corr.scopes = append(b.corr.scopes, outerScope{sc: sc, agg: agg})
	return func() { b.corr.scopes = b.corr.scopes[:level] }
}

// resolveOuter looks ref up in the enclosing scopes, innermost first; ok
// is false when none has it (the caller reports the name as unknown). A
// name the innermost enclosing scope lacks resolves further out through
// that scope's own Resolve (the stack cut below it), so one lookup
// searches them all; a name ambiguous in the nearest scope that has it is
// 209 there, as in SQL Server, never a match further out.
func (b *Binder) resolveOuter(ref *parser.ColumnRef) (exec.Expr, bool, error) {
	stack := b.corr.scopes
	defer func() { b.corr.scopes = stack }()
	if level := len(stack) - 1; level >= 0 {
		b.corr.scopes = stack[:level] // names beyond this scope resolve further out
		x, err := b.ResolveColumn(stack[level].sc, ref)
		if sqlerr.Is(err, 207) || sqlerr.Is(err, 4104) {
			return nil, false, nil
		}
		if err != nil {
			return nil, true, err
		}
		switch c := x.(type) {
		case *exec.ColRef:
			idx := c.Idx
			if agg := stack[level].agg; agg != nil {
				if idx = groupKeyOf(agg, c); idx < 0 {
					return nil, true, b.ErrAt(ref, sqlerr.New(8120, strings.Join(ref.Parts, ".")))
				}
			}
			b.corr.minLevel = min(b.corr.minLevel, level)
			parts := make([]string, len(ref.Parts))
			for i, p := range ref.Parts {
				parts[i] = "[" + p + "]"
			}
			return &exec.OuterRef{Level: level, Idx: idx, T: c.T, Name: strings.Join(parts, ".")}, true, nil
		case *exec.OuterRef:
			b.corr.minLevel = min(b.corr.minLevel, c.Level)
			return c, true, nil
		}
		return x, true, nil // a constant (true, false)
	}
	return nil, false, nil
}

// groupKeyOf returns the number of the GROUP BY key that is column c, or
// -1.
func groupKeyOf(agg *AggContext, c *exec.ColRef) int {
	for i, k := range agg.GroupBy {
		if kc, ok := k.(*exec.ColRef); ok && kc.Idx == c.Idx {
			return i
		}
	}
	return -1
}

// planSubquery plans sel (Engine.PlanQuery) with sc, the scope of the
// query around it, on the stack, and reports whether sel names a column
// of sc or of a scope further out. agg is set when sel runs after its
// query's grouping.
func (b *Binder) planSubquery(sel *parser.Select, sc *Scope, agg *AggContext) (*exec.Select, bool, error) {
	level := len(b.corr.scopes)
	pop := b.pushOuter(sc, agg)
	saved := b.corr.minLevel
	b.corr.minLevel = math.MaxInt
	plan, err := b.Engine.PlanQuery(sel)
	named := b.corr.minLevel
	pop()
	b.corr.minLevel = min(saved, named)
	return plan, named <= level, err
}

// BindSubquery binds a scalar subquery, or with exists EXISTS (subquery):
// a scalar one returns one column (116). It runs after its query's
// grouping when agg is set.
func (b *Binder) BindSubquery(n Positioned, sel *parser.Select, exists bool, sc *Scope, agg *AggContext) (*exec.Subquery, error) {
	plan, correlated, err := b.planSubquery(sel, sc, agg)
	if err != nil {
		return nil, err
	}
	if !exists && len(plan.Cols) != 1 {
		return nil, b.ErrAt(n, sqlerr.New(116))
	}
	return &exec.Subquery{Plan: plan, Exists: exists, Correlated: correlated, Grouped: agg != nil}, nil
}
