package engine

import (
	"strings"

	"mirrordb/engine/bind"
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/plan"
)

// explainable is a bound statement whose operators can describe
// themselves as a plan (SET SHOWPLAN_TEXT / SHOWPLAN_ALL, plan tests).
// The description is built only when asked for, from the same operators
// the executor runs, so it costs a statement nothing when not shown.
type explainable interface {
	explain(x *exec.Explainer) *plan.Node
}

// objectName is [db].[dbo].[table], and with its primary key (the
// clustered index) [db].[dbo].[table].[PK_name].
func objectName(db *Database, t *catalog.TableDef) string {
	s := exec.Bracket(db.Name()) + "." + exec.Bracket(bind.OrDbo(t.Schema)) + "." + exec.Bracket(t.Name)
	if len(t.PK) > 0 && t.PKName != "" {
		s += "." + exec.Bracket(t.PKName)
	}
	return s
}

// columnName is a table's column as plans print it: [db].[dbo].[t].[c].
func columnName(db *Database, t *catalog.TableDef, i int) string {
	return exec.Bracket(db.Name()) + "." + exec.Bracket(bind.OrDbo(t.Schema)) + "." + exec.Bracket(t.Name) + "." + exec.Bracket(t.Columns[i].Name)
}

// Explain names the subquery and keeps its plan (Explainer.Subquery).
func (v *subqueryExpr) Explain(x *exec.Explainer, _ *exec.Names) string {
	return x.Subquery(v.plan.explain, v.exists)
}

// Explain prints x [NOT] IN [SubqueryN].
func (v *inSubquery) Explain(x *exec.Explainer, n *exec.Names) string {
	op := " IN "
	if v.not {
		op = " NOT IN "
	}
	return x.Text(v.x, n) + op + v.sub.Explain(x, n)
}

func (t *tableScan) Explain(x *exec.Explainer, nm *exec.Names) *plan.Node {
	obj := "OBJECT:(" + objectName(t.db, t.table) + ")"
	if t.seek != nil {
		return t.explainIndexSeek(x, nm, obj)
	}
	if len(t.table.PK) == 0 {
		return x.Node("Table Scan", "Table Scan", obj)
	}
	pkCol := func(i int) string { return columnName(t.db, t.table, t.table.PK[i]) }
	if t.rng != nil {
		return x.Node("Clustered Index Seek", "Clustered Index Seek", obj+", SEEK:("+t.rng.Explain(x, nm, pkCol)+") "+exec.Direction(t.backward))
	}
	if len(t.eq) == 0 {
		if t.ordered {
			obj += ", " + exec.Direction(t.backward)
		}
		return x.Node("Clustered Index Scan", "Clustered Index Scan", obj)
	}
	seek := make([]string, len(t.eq))
	for i, v := range t.eq {
		seek[i] = pkCol(i) + "=" + x.Text(exec.Unconverted(v), nm) // a join's seek reads the outer row
	}
	n := x.Node("Clustered Index Seek", "Clustered Index Seek", obj+", SEEK:("+strings.Join(seek, " AND ")+") "+exec.Direction(t.backward))
	if len(t.eq) == len(t.table.PK) {
		n.EstimateRows, n.Estimated = 1, true
	}
	return n
}

// explainIndexSeek draws a secondary-index seek as SQL Server does: the
// index's range, and a lookup of each entry's row in the table (Key Lookup
// through the primary key, RID Lookup in a heap), joined by nested loops.
func (t *tableScan) explainIndexSeek(x *exec.Explainer, nm *exec.Names, obj string) *plan.Node {
	s := t.seek
	ix := exec.Bracket(t.db.Name()) + "." + exec.Bracket(bind.OrDbo(t.table.Schema)) + "." + exec.Bracket(t.table.Name) + "." + exec.Bracket(s.ix.Name)
	ixCol := func(i int) string { return columnName(t.db, t.table, s.ix.Columns[i]) }
	arg := "OBJECT:(" + ix + ")"
	if len(s.Eq) > 0 || s.Bounded() {
		arg += ", SEEK:(" + s.Explain(x, nm, ixCol) + ")" // a join's seek reads the outer row
	}
	op := "Index Seek"
	if len(s.Eq) == 0 && !s.Bounded() {
		op = "Index Scan"
	}
	sep := " "
	if op == "Index Scan" {
		sep = ", "
	}
	seek := x.Node(op, op, arg+sep+exec.Direction(t.backward))
	if s.covering {
		return seek // no lookup: the entries hold what the query reads
	}
	lookup := x.Node("RID Lookup", "RID Lookup", obj+", LOOKUP ORDERED FORWARD")
	if len(t.table.PK) > 0 {
		lookup = x.Node("Clustered Index Seek", "Key Lookup", obj+", SEEK:(the entry's key) LOOKUP ORDERED FORWARD")
	}
	n := x.Node("Nested Loops", "Inner Join", "", seek, lookup)
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

func (p *insertPlan) explain(x *exec.Explainer) *plan.Node {
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
					vals[i] = x.Text(v, nil)
				}
			}
			rows = append(rows, "("+strings.Join(vals, ",")+")")
		}
		arg := ""
		if len(p.targets) > 0 {
			arg = "VALUES:(" + strings.Join(rows, ",") + ")"
		}
		in = x.Node("Constant Scan", "Constant Scan", arg)
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
	return constraintAssert(x, p.w.db, p.w.table, "Insert", nil, x.Node(writeOp(p.w.table, "Insert"), "Insert", arg, in))
}

// explainMatch describes how UPDATE and DELETE find their rows: the scan
// or seek, the WHERE filter, TOP.
func explainMatch(x *exec.Explainer, scan *tableScan, sc *bind.Scope, where, top exec.Expr) *plan.Node {
	n := scan.Explain(x, nil)
	if where != nil {
		n = x.Node("Filter", "Filter", "WHERE:("+x.Text(where, &exec.Names{Columns: sc})+")", n)
	}
	if top != nil {
		n = x.Node("Top", "Top", "TOP EXPRESSION:("+x.Text(top, nil)+")", n)
	}
	return n
}

func (p *updatePlan) explain(x *exec.Explainer) *plan.Node {
	in := explainMatch(x, p.scan, p.sc, p.where, p.top)
	nm := &exec.Names{Columns: p.sc}
	set := make([]string, len(p.sets))
	cols := make([]int, len(p.sets))
	for i, s := range p.sets {
		cols[i] = s.col
		v := "DEFAULT"
		if s.x != nil {
			v = x.Text(s.x, nm)
		}
		set[i] = columnName(p.w.db, p.w.table, s.col) + " = " + v
	}
	return constraintAssert(x, p.w.db, p.w.table, "Update", cols, x.Node(writeOp(p.w.table, "Update"), "Update",
		"OBJECT:("+objectName(p.w.db, p.w.table)+"), SET:("+strings.Join(set, ", ")+")", in))
}

func (p *deletePlan) explain(x *exec.Explainer) *plan.Node {
	in := explainMatch(x, p.scan, p.sc, p.where, p.top)
	return constraintAssert(x, p.scan.db, p.scan.table, "Delete", nil,
		x.Node(writeOp(p.scan.table, "Delete"), "Delete", "OBJECT:("+objectName(p.scan.db, p.scan.table)+")", in))
}
