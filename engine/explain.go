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
	Explain(x *exec.Explainer) *plan.Node
}

// writeOp is the physical operator name of a write: on the clustered
// index of a table with a primary key, on the heap of one without.
func writeOp(t *catalog.TableDef, verb string) string {
	if len(t.PK) > 0 {
		return "Clustered Index " + verb
	}
	return "Table " + verb
}

func (p *insertPlan) Explain(x *exec.Explainer) *plan.Node {
	var in *plan.Node
	switch {
	case p.sel != nil:
		in = p.sel.Explain(x)
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
		set[i] = exec.ColumnName(p.w.db.Name(), p.w.Table, c)
	}
	arg := "OBJECT:(" + exec.ObjectName(p.w.db.Name(), p.w.Table) + ")"
	if len(set) > 0 {
		arg += ", SET:(" + strings.Join(set, ", ") + ")"
	}
	return constraintAssert(x, p.w.db, p.w.Table, "Insert", nil, x.Node(writeOp(p.w.Table, "Insert"), "Insert", arg, in))
}

// explainMatch describes how UPDATE and DELETE find their rows: the scan
// or seek, the WHERE filter, TOP.
func explainMatch(x *exec.Explainer, scan *exec.TableScan, sc *bind.Scope, where, top exec.Expr) *plan.Node {
	n := scan.Explain(x, nil)
	if where != nil {
		n = x.Node("Filter", "Filter", "WHERE:("+x.Text(where, &exec.Names{Columns: sc})+")", n)
	}
	if top != nil {
		n = x.Node("Top", "Top", "TOP EXPRESSION:("+x.Text(top, nil)+")", n)
	}
	return n
}

func (p *updatePlan) Explain(x *exec.Explainer) *plan.Node {
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
		set[i] = exec.ColumnName(p.w.db.Name(), p.w.Table, s.col) + " = " + v
	}
	return constraintAssert(x, p.w.db, p.w.Table, "Update", cols, x.Node(writeOp(p.w.Table, "Update"), "Update",
		"OBJECT:("+exec.ObjectName(p.w.db.Name(), p.w.Table)+"), SET:("+strings.Join(set, ", ")+")", in))
}

func (p *deletePlan) Explain(x *exec.Explainer) *plan.Node {
	in := explainMatch(x, p.scan, p.sc, p.where, p.top)
	return constraintAssert(x, storeOf(p.scan), p.scan.Def, "Delete", nil,
		x.Node(writeOp(p.scan.Def, "Delete"), "Delete", "OBJECT:("+exec.ObjectName(p.scan.Table.Database(), p.scan.Def)+")", in))
}
