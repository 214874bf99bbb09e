package engine

import (
	"strconv"
	"strings"

	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/plan"
	"mirrordb/parser"
	"mirrordb/types"
)

// explainable is a bound statement whose operators can describe
// themselves as a plan (SET SHOWPLAN_TEXT / SHOWPLAN_ALL, plan tests).
// The description is built only when asked for, from the same operators
// the executor runs, so it costs a statement nothing when not shown.
type explainable interface {
	explain(x *explainer) *plan.Node
}

// explainer turns bound operators into plan nodes. It numbers computed
// values [Expr1001], [Expr1002], ... as SQL Server does, and collects the
// plans of the subqueries an operator's expressions use, which become
// that operator's extra inputs.
type explainer struct {
	exprs      int
	subqueries int
	subs       []*plan.Node
}

// names resolves what an expression refers to: columns of the FROM
// clause's combined row, and after grouping the group keys and
// aggregates.
type names struct {
	sc     *scope
	groups []string // printed group-by expressions
	aggs   []string // the [ExprN] each aggregate defines
	wins   []string // the [ExprN] each window function defines (window.go)
	// outs and orderNames name the select list's values and the ORDER BY
	// values, as the projection defines them (exec_project.go)
	outs, orderNames []string
	srfs             []string // the [ExprN] each set-returning function defines (pgsrf.go)
}

// node builds an operator over its inputs, adding the plans of the
// subqueries met while printing its arguments. An operator over one input
// returns at most the rows it reads (every such operator here filters,
// computes, orders, limits, groups or writes), so it inherits its input's
// row estimate where that is known.
func (x *explainer) node(physical, logical, arg string, inputs ...*plan.Node) *plan.Node {
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

func (x *explainer) newExpr() string {
	x.exprs++
	return "[Expr" + strconv.Itoa(1000+x.exprs) + "]"
}

// bracket quotes a name as SQL Server prints it: [name], ] doubled.
func bracket(s string) string {
	return "[" + strings.ReplaceAll(s, "]", "]]") + "]"
}

// objectName is [db].[dbo].[table], and with its primary key (the
// clustered index) [db].[dbo].[table].[PK_name].
func objectName(db *Database, t *catalog.TableDef) string {
	s := bracket(db.Name()) + "." + bracket(orDbo(t.Schema)) + "." + bracket(t.Name)
	if len(t.PK) > 0 && t.PKName != "" {
		s += "." + bracket(t.PKName)
	}
	return s
}

// columnName is a table's column as plans print it: [db].[dbo].[t].[c].
func columnName(db *Database, t *catalog.TableDef, i int) string {
	return bracket(db.Name()) + "." + bracket(orDbo(t.Schema)) + "." + bracket(t.Name) + "." + bracket(t.Columns[i].Name)
}

// column names a position of the combined row: a base table's column in
// full, an aliased or virtual source's by its exposed name.
func (n *names) column(idx int) string {
	if n != nil && n.sc != nil {
		for _, src := range n.sc.sources {
			if idx >= src.offset && idx < src.offset+len(src.cols) {
				col := bracket(src.cols[idx-src.offset].Name)
				if src.db != nil && !src.alias {
					return bracket(src.db.Name()) + "." + bracket(orDbo(src.schema)) + "." + bracket(src.name) + "." + col
				}
				return bracket(src.name) + "." + col
			}
		}
	}
	return "[Col" + strconv.Itoa(idx) + "]"
}

// text prints an expression the way SQL Server's plans do: columns in
// brackets, constants in parentheses, implicit conversions as
// CONVERT_IMPLICIT.
func (x *explainer) text(e exec.Expr, n *names) string {
	switch v := e.(type) {
	case nil:
		return ""
	case *exec.Const:
		return constText(v.V, v.T)
	case *exec.ColRef:
		return n.column(v.Idx)
	case *exec.ParamRef:
		return "$" + strconv.Itoa(v.N+1)
	case *exec.AggRef:
		if n != nil && v.Idx < len(n.aggs) {
			return n.aggs[v.Idx]
		}
	case *exec.GroupKeyRef:
		if n != nil && v.Idx < len(n.groups) {
			return n.groups[v.Idx]
		}
	case *exec.Cast:
		fn := "CONVERT"
		switch {
		case v.Try:
			fn = "TRY_CONVERT"
		case v.Mode == types.Implicit:
			fn = "CONVERT_IMPLICIT"
		}
		return fn + "(" + v.To.String() + "," + x.text(v.X, n) + ",0)"
	case *styledConvert:
		return "CONVERT(" + v.to.String() + "," + x.text(v.x, n) + "," + x.text(v.style, n) + ")"
	case *exec.Arith:
		return x.text(v.L, n) + v.Op + x.text(v.R, n)
	case *exec.Negate:
		if v.Bitwise {
			return "~" + x.text(v.X, n)
		}
		return "-" + x.text(v.X, n)
	case *exec.Compare:
		return x.text(v.L, n) + v.Op + x.text(v.R, n)
	case *exec.Logic:
		op := " OR "
		if v.And {
			op = " AND "
		}
		return x.text(v.L, n) + op + x.text(v.R, n)
	case *exec.Not:
		return "NOT (" + x.text(v.X, n) + ")"
	case *exec.IsNull:
		if v.Not {
			return x.text(v.X, n) + " IS NOT NULL"
		}
		return x.text(v.X, n) + " IS NULL"
	case *exec.InList:
		list := make([]string, len(v.List))
		for i, el := range v.List {
			list[i] = x.text(el, n)
		}
		op := " IN ("
		if v.Not {
			op = " NOT IN ("
		}
		return x.text(v.X, n) + op + strings.Join(list, ",") + ")"
	case *exec.Case:
		var b strings.Builder
		b.WriteString("CASE")
		for i, c := range v.Conds {
			b.WriteString(" WHEN " + x.text(c, n) + " THEN " + x.text(v.Results[i], n))
		}
		if v.Else != nil {
			b.WriteString(" ELSE " + x.text(v.Else, n))
		}
		b.WriteString(" END")
		return b.String()
	case *exec.Like:
		op := " like "
		if v.Not {
			op = " not like "
		}
		s := x.text(v.X, n) + op + x.text(v.Pattern, n)
		if v.Escape != nil {
			s += " ESCAPE " + x.text(v.Escape, n)
		}
		return s
	case *funcExpr:
		if strings.HasPrefix(v.name, "@@") {
			return v.name
		}
		args := make([]string, len(v.args))
		for i, a := range v.args {
			args[i] = x.text(a, n)
		}
		return strings.ToLower(v.name) + "(" + strings.Join(args, ",") + ")"
	case *subqueryExpr:
		return x.subquery(v)
	case *inSubquery:
		op := " IN "
		if v.not {
			op = " NOT IN "
		}
		return x.text(v.x, n) + op + x.subquery(v.sub)
	case explained:
		return v.explain(x, n)
	}
	return "?"
}

// explained is an expression that prints itself in a plan (those of the
// PostgreSQL forms and correlated subqueries, pgarray.go, correlate.go).
type explained interface {
	explain(x *explainer, n *names) string
}

// subquery names an uncorrelated subquery [SubqueryN] and keeps its plan
// for the operator being described: it runs once per execution, its
// result cached (funcs.go).
func (x *explainer) subquery(s *subqueryExpr) string {
	x.subqueries++
	name := "[Subquery" + strconv.Itoa(x.subqueries) + "]"
	pending := x.subs // the subquery's own operators must not take them
	x.subs = nil
	n := s.plan.explain(x)
	x.subs = append(pending, n)
	if s.exists {
		return "EXISTS(" + name + ")"
	}
	return name
}

// constText prints a constant: numbers in parentheses, strings quoted.
func constText(v types.Value, t types.Type) string {
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

func (t *tableScan) explain(x *explainer, nm *names) *plan.Node {
	obj := "OBJECT:(" + objectName(t.db, t.table) + ")"
	if t.seek != nil {
		return t.explainIndexSeek(x, nm, obj)
	}
	if len(t.table.PK) == 0 {
		return x.node("Table Scan", "Table Scan", obj)
	}
	pkCol := func(i int) string { return columnName(t.db, t.table, t.table.PK[i]) }
	if t.rng != nil {
		return x.node("Clustered Index Seek", "Clustered Index Seek", obj+", SEEK:("+t.rng.explain(x, nm, pkCol)+") "+direction(t.backward))
	}
	if len(t.eq) == 0 {
		if t.ordered {
			obj += ", " + direction(t.backward)
		}
		return x.node("Clustered Index Scan", "Clustered Index Scan", obj)
	}
	seek := make([]string, len(t.eq))
	for i, v := range t.eq {
		seek[i] = pkCol(i) + "=" + x.text(unconverted(v), nm) // a join's seek reads the outer row
	}
	n := x.node("Clustered Index Seek", "Clustered Index Seek", obj+", SEEK:("+strings.Join(seek, " AND ")+") "+direction(t.backward))
	if len(t.eq) == len(t.table.PK) {
		n.EstimateRows, n.Estimated = 1, true
	}
	return n
}

// explainIndexSeek draws a secondary-index seek as SQL Server does: the
// index's range, and a lookup of each entry's row in the table (Key Lookup
// through the primary key, RID Lookup in a heap), joined by nested loops.
func (t *tableScan) explainIndexSeek(x *explainer, nm *names, obj string) *plan.Node {
	s := t.seek
	ix := bracket(t.db.Name()) + "." + bracket(orDbo(t.table.Schema)) + "." + bracket(t.table.Name) + "." + bracket(s.ix.Name)
	ixCol := func(i int) string { return columnName(t.db, t.table, s.ix.Columns[i]) }
	arg := "OBJECT:(" + ix + ")"
	if len(s.eq) > 0 || s.bounded() {
		arg += ", SEEK:(" + s.explain(x, nm, ixCol) + ")" // a join's seek reads the outer row
	}
	op := "Index Seek"
	if len(s.eq) == 0 && !s.bounded() {
		op = "Index Scan"
	}
	sep := " "
	if op == "Index Scan" {
		sep = ", "
	}
	seek := x.node(op, op, arg+sep+direction(t.backward))
	if s.covering {
		return seek // no lookup: the entries hold what the query reads
	}
	lookup := x.node("RID Lookup", "RID Lookup", obj+", LOOKUP ORDERED FORWARD")
	if len(t.table.PK) > 0 {
		lookup = x.node("Clustered Index Seek", "Key Lookup", obj+", SEEK:(the entry's key) LOOKUP ORDERED FORWARD")
	}
	n := x.node("Nested Loops", "Inner Join", "", seek, lookup)
	n.NamesLogical = true
	return n
}

func (v *virtualScan) explain(x *explainer, _ *names) *plan.Node {
	return x.node("Table-valued function", "Table-valued function", "OBJECT:("+bracket("sys")+"."+bracket(v.name)+")")
}

func (oneRow) explain(x *explainer, _ *names) *plan.Node {
	n := x.node("Constant Scan", "Constant Scan", "")
	n.EstimateRows, n.Estimated = 1, true
	return n
}

// joinLogical is the logical operator SQL Server names for a join kind.
var joinLogical = map[parser.JoinKind]string{
	parser.InnerJoin: "Inner Join", parser.CrossJoin: "Inner Join",
	parser.LeftJoin: "Left Outer Join", parser.RightJoin: "Right Outer Join", parser.FullJoin: "Full Outer Join",
}

// explain describes the join as what it runs: nested loops over the left
// input, the right input read once and held in memory.
func (j *joinSource) explain(x *explainer, nm *names) *plan.Node {
	left, right := j.left.explain(x, nm), j.right.explain(x, nm)
	arg := ""
	if j.on != nil {
		arg = "WHERE:(" + x.text(j.on, nm) + ")"
	}
	n := x.node("Nested Loops", joinLogical[j.kind], arg, left, right)
	n.NamesLogical = true
	return n
}

// writeOp is the physical operator name of a write: on the clustered
// index of a table with a primary key, on the heap of one without.
func writeOp(t *catalog.TableDef, verb string) string {
	if len(t.PK) > 0 {
		return "Clustered Index " + verb
	}
	return "Table " + verb
}

func (p *insertPlan) explain(x *explainer) *plan.Node {
	var in *plan.Node
	switch {
	case p.sel != nil:
		in = p.sel.explain(x)
	default:
		rows := make([]string, 0, len(p.rows))
		for _, r := range p.rows {
			vals := make([]string, len(r))
			for i, v := range r {
				if v == nil {
					vals[i] = "DEFAULT"
				} else {
					vals[i] = x.text(v, nil)
				}
			}
			rows = append(rows, "("+strings.Join(vals, ",")+")")
		}
		arg := ""
		if len(p.targets) > 0 {
			arg = "VALUES:(" + strings.Join(rows, ",") + ")"
		}
		in = x.node("Constant Scan", "Constant Scan", arg)
		in.EstimateRows, in.Estimated = float64(len(p.rows)), true
	}
	set := make([]string, len(p.targets))
	for i, c := range p.targets {
		set[i] = columnName(p.w.db, p.w.table, c)
	}
	arg := "OBJECT:(" + objectName(p.w.db, p.w.table) + ")"
	if len(set) > 0 {
		arg += ", SET:(" + strings.Join(set, ", ") + ")"
	}
	return constraintAssert(x, p.w.db, p.w.table, "Insert", nil, x.node(writeOp(p.w.table, "Insert"), "Insert", arg, in))
}

// explainMatch describes how UPDATE and DELETE find their rows: the scan
// or seek, the WHERE filter, TOP.
func explainMatch(x *explainer, scan *tableScan, sc *scope, where, top exec.Expr) *plan.Node {
	n := scan.explain(x, nil)
	if where != nil {
		n = x.node("Filter", "Filter", "WHERE:("+x.text(where, &names{sc: sc})+")", n)
	}
	if top != nil {
		n = x.node("Top", "Top", "TOP EXPRESSION:("+x.text(top, nil)+")", n)
	}
	return n
}

func (p *updatePlan) explain(x *explainer) *plan.Node {
	in := explainMatch(x, p.scan, p.sc, p.where, p.top)
	nm := &names{sc: p.sc}
	set := make([]string, len(p.sets))
	cols := make([]int, len(p.sets))
	for i, s := range p.sets {
		cols[i] = s.col
		v := "DEFAULT"
		if s.x != nil {
			v = x.text(s.x, nm)
		}
		set[i] = columnName(p.w.db, p.w.table, s.col) + " = " + v
	}
	return constraintAssert(x, p.w.db, p.w.table, "Update", cols, x.node(writeOp(p.w.table, "Update"), "Update",
		"OBJECT:("+objectName(p.w.db, p.w.table)+"), SET:("+strings.Join(set, ", ")+")", in))
}

func (p *deletePlan) explain(x *explainer) *plan.Node {
	in := explainMatch(x, p.scan, p.sc, p.where, p.top)
	return constraintAssert(x, p.scan.db, p.scan.table, "Delete", nil,
		x.node(writeOp(p.scan.table, "Delete"), "Delete", "OBJECT:("+objectName(p.scan.db, p.scan.table)+")", in))
}
