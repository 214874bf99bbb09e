package exec

import (
	"strconv"
	"strings"

	"mirrordb/engine/plan"
	"mirrordb/types"
)

// Explainer turns bound operators into plan nodes. It numbers computed
// values [Expr1001], [Expr1002], ... as SQL Server does, and collects the
// plans of the subqueries an operator's expressions use, which become
// that operator's extra inputs.
type Explainer struct {
	exprs      int
	subqueries int
	subs       []*plan.Node
}

// Names resolves what an expression refers to: columns of the FROM
// clause's combined row, and after grouping the group keys and
// aggregates.
type Names struct {
	Columns ColumnNamer
	Groups  []string // printed group-by expressions
	Aggs    []string // the [ExprN] each aggregate defines
	Wins    []string // the [ExprN] each window function defines (window.go)
	// outs and orderNames name the select list's values and the ORDER BY
	// values, as the projection defines them (exec_project.go)
	Outs, OrderNames []string
	Srfs             []string // the [ExprN] each set-returning function defines (pgsrf.go)
}

// Node builds an operator over its inputs, adding the plans of the
// subqueries met while printing its arguments. An operator over one input
// returns at most the rows it reads (every such operator here filters,
// computes, orders, limits, groups or writes), so it inherits its input's
// row estimate where that is known.
func (x *Explainer) Node(physical, logical, arg string, inputs ...*plan.Node) *plan.Node {
	n := &plan.Node{PhysicalOp: physical, LogicalOp: logical, Argument: arg}
	for _, in := range inputs {
		if in != nil {
			n.Children = append(n.Children, in)
		}
	}
	if len(n.Children) == 1 && n.Children[0].Estimated {
		n.EstimateRows, n.Estimated = n.Children[0].EstimateRows, true
	}
	n.Children = append(n.Children, x.subs...)
	x.subs = nil
	return n
}

// NewExpr names the next computed value [ExprN].
func (x *Explainer) NewExpr() string {
	x.exprs++
	return "[Expr" + strconv.Itoa(1000+x.exprs) + "]"
}

// Bracket quotes a name as SQL Server prints it: [name], ] doubled.
func Bracket(s string) string {
	return "[" + strings.ReplaceAll(s, "]", "]]") + "]"
}

// column names a position of the combined row, [ColN] where the names
// do not know it.
func (n *Names) column(idx int) string {
	if n != nil && n.Columns != nil {
		if s, ok := n.Columns.ColumnName(idx); ok {
			return s
		}
	}
	return "[Col" + strconv.Itoa(idx) + "]"
}

// ColumnNamer names the positions of a row in plans (the binder's scope).
type ColumnNamer interface {
	ColumnName(idx int) (string, bool)
}

// Text prints an expression the way SQL Server's plans do: columns in
// brackets, constants in parentheses, implicit conversions as
// CONVERT_IMPLICIT.
func (x *Explainer) Text(e Expr, n *Names) string {
	switch v := e.(type) {
	case nil:
		return ""
	case *Const:
		return ConstText(v.V, v.T)
	case *ColRef:
		return n.column(v.Idx)
	case *ParamRef:
		return "$" + strconv.Itoa(v.N+1)
	case *VarRef:
		return "@" + v.Var.Name
	case *AggRef:
		if n != nil && v.Idx < len(n.Aggs) {
			return n.Aggs[v.Idx]
		}
	case *GroupKeyRef:
		if n != nil && v.Idx < len(n.Groups) {
			return n.Groups[v.Idx]
		}
	case *Cast:
		fn := "CONVERT"
		switch {
		case v.Try:
			fn = "TRY_CONVERT"
		case v.Mode == types.Implicit:
			fn = "CONVERT_IMPLICIT"
		}
		return fn + "(" + v.To.String() + "," + x.Text(v.X, n) + ",0)"
	case *Arith:
		return x.Text(v.L, n) + v.Op + x.Text(v.R, n)
	case *Negate:
		if v.Bitwise {
			return "~" + x.Text(v.X, n)
		}
		return "-" + x.Text(v.X, n)
	case *Compare:
		return x.Text(v.L, n) + v.Op + x.Text(v.R, n)
	case *Logic:
		op := " OR "
		if v.And {
			op = " AND "
		}
		return x.Text(v.L, n) + op + x.Text(v.R, n)
	case *Not:
		return "NOT (" + x.Text(v.X, n) + ")"
	case *IsNull:
		if v.Not {
			return x.Text(v.X, n) + " IS NOT NULL"
		}
		return x.Text(v.X, n) + " IS NULL"
	case *InList:
		list := make([]string, len(v.List))
		for i, el := range v.List {
			list[i] = x.Text(el, n)
		}
		op := " IN ("
		if v.Not {
			op = " NOT IN ("
		}
		return x.Text(v.X, n) + op + strings.Join(list, ",") + ")"
	case *Case:
		var b strings.Builder
		b.WriteString("CASE")
		for i, c := range v.Conds {
			b.WriteString(" WHEN " + x.Text(c, n) + " THEN " + x.Text(v.Results[i], n))
		}
		if v.Else != nil {
			b.WriteString(" ELSE " + x.Text(v.Else, n))
		}
		b.WriteString(" END")
		return b.String()
	case *Like:
		op := " like "
		if v.Not {
			op = " not like "
		}
		s := x.Text(v.X, n) + op + x.Text(v.Pattern, n)
		if v.Escape != nil {
			s += " ESCAPE " + x.Text(v.Escape, n)
		}
		return s
	case Explained:
		return v.Explain(x, n)
	}
	return "?"
}

// Explained is an expression that prints itself in a plan (those of the
// PostgreSQL forms and correlated subqueries: the engine's pgarray.go,
// OuterRef).
type Explained interface {
	Explain(x *Explainer, n *Names) string
}

// Subquery names a subquery [SubqueryN] and keeps the plan describe
// builds for the operator being described: an uncorrelated subquery runs
// once per execution, its result cached (funcs.go).
func (x *Explainer) Subquery(describe func(*Explainer) *plan.Node, exists bool) string {
	x.subqueries++
	name := "[Subquery" + strconv.Itoa(x.subqueries) + "]"
	pending := x.subs // the subquery's own operators must not take them
	x.subs = nil
	n := describe(x)
	x.subs = append(pending, n)
	if exists {
		return "EXISTS(" + name + ")"
	}
	return name
}

// ConstText prints a constant: numbers in parentheses, strings quoted.
func ConstText(v types.Value, t types.Type) string {
	if v == nil {
		return "NULL"
	}
	s := types.ToText(v, t)
	switch {
	case t.Kind.IsString():
		q := "'" + strings.ReplaceAll(s, "'", "''") + "'"
		if t.Kind.IsUnicode() {
			return "N" + q
		}
		return q
	case t.Kind.IsTemporal() || t.Kind == types.UniqueIdentifier:
		return "'" + s + "'"
	}
	return "(" + s + ")"
}

// List prints expressions as a plan's argument lists them: comma
// separated.
func (x *Explainer) List(xs []Expr, nm *Names) string {
	t := make([]string, len(xs))
	for i, e := range xs {
		t[i] = x.Text(e, nm)
	}
	return strings.Join(t, ", ")
}
