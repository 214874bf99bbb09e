package engine

import (
	"strings"

	"mirrordb/engine/bind"
	"mirrordb/engine/exec"
	"mirrordb/engine/plan"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// showplanMode is the session's SET SHOWPLAN_TEXT / SHOWPLAN_ALL state
// (bind.ShowplanMode, which the binder reads through bind.Settings):
// while one is on, statements other than SET are bound but not run, and
// return their plan instead.
type showplanMode = bind.ShowplanMode

const (
	showplanOff  = bind.ShowplanOff
	showplanText = bind.ShowplanText
	showplanAll  = bind.ShowplanAll
)

// isShowplanSet reports SET SHOWPLAN_TEXT / SHOWPLAN_ALL / SHOWPLAN_XML.
func isShowplanSet(st parser.Statement) bool {
	set, ok := st.(*parser.Set)
	return ok && !set.PG && strings.HasPrefix(strings.ToUpper(set.Name), "SHOWPLAN_")
}

// checkShowplanBatch refuses a SET SHOWPLAN that shares its batch with
// other statements (Msg 1067), as SQL Server does: the setting decides how
// the whole batch is compiled.
func (b *binder) checkShowplanBatch(stmts []parser.Statement) error {
	if len(stmts) < 2 {
		return nil
	}
	for _, st := range stmts {
		if isShowplanSet(st) {
			return b.ErrAt(st, sqlerr.New(1067))
		}
	}
	return nil
}

// planShowplanSet is SET SHOWPLAN_TEXT | SHOWPLAN_ALL ON | OFF.
func (b *binder) planShowplanSet(x *parser.Set) (*stmtPlan, error) {
	s := b.s
	mode := showplanText
	switch strings.ToUpper(x.Name) {
	case "SHOWPLAN_ALL":
		mode = showplanAll
	case "SHOWPLAN_TEXT":
	default:
		return nil, b.ErrAt(x, sqlerr.New(40517, "SET "+strings.ToUpper(x.Name)))
	}
	var on bool
	switch strings.ToUpper(x.Value) {
	case "ON":
		on = true
	case "OFF":
	default:
		return nil, b.ErrAt(x, sqlerr.New(102, x.Value))
	}
	return setPlan(func() error {
		switch {
		case on:
			s.showplan = mode
		case s.showplan == mode:
			s.showplan = showplanOff
		}
		return nil
	}), nil
}

// showplanTextColumns is SHOWPLAN_TEXT's result: one column.
var showplanTextColumns = []session.Column{{Name: "StmtText", Type: types.NVarCharType(types.MaxLength)}}

// showplanAllColumns are SHOWPLAN_ALL's columns, as SQL Server names them.
var showplanAllColumns = func() []session.Column {
	text, i, f := types.NVarCharType(types.MaxLength), types.TypeInt, types.TypeFloat
	return []session.Column{
		{Name: "StmtText", Type: text}, {Name: "StmtId", Type: i}, {Name: "NodeId", Type: i},
		{Name: "Parent", Type: i}, {Name: "PhysicalOp", Type: text}, {Name: "LogicalOp", Type: text},
		{Name: "Argument", Type: text}, {Name: "DefinedValues", Type: text}, {Name: "EstimateRows", Type: f},
		{Name: "EstimateIO", Type: f}, {Name: "EstimateCPU", Type: f}, {Name: "AvgRowSize", Type: i},
		{Name: "TotalSubtreeCost", Type: f}, {Name: "OutputList", Type: text}, {Name: "Warnings", Type: text},
		{Name: "Type", Type: text}, {Name: "Parallel", Type: types.TypeBit}, {Name: "EstimateExecutions", Type: f},
	}
}()

// showplan replaces a bound statement by one that returns its plan.
// SHOWPLAN_TEXT returns, as SQL Server does, the statement's text as one
// result set and its operators as a second (a statement without a plan
// returns only the first); over the extended protocol, which carries one
// result set a statement, only the operators. SHOWPLAN_ALL returns one
// result set: the statement's row, then a row per operator.
func (b *binder) showplan(st parser.Statement, p *stmtPlan) *stmtPlan {
	var tree *plan.Node
	if p.tree != nil {
		tree = p.tree.Explain(&exec.Explainer{})
	}
	text := st.String()
	mode, simple := b.set.Showplan(), b.Simple
	stmtID := b.set.NextShowplanStatement()
	out := &stmtPlan{params: p.params, command: p.command, cols: showplanTextColumns}
	if mode == showplanAll {
		out.cols = showplanAllColumns
		out.run = func(_ *exec.Env, _ *txn, w session.ResultWriter) (string, error) {
			kind := strings.ToUpper(p.command)
			row := make([]types.Value, len(showplanAllColumns))
			row[0], row[1], row[2], row[15], row[16] = text, stmtID, int64(0), kind, false
			if tree != nil && tree.Estimated {
				row[8] = tree.EstimateRows // the statement returns what its root does
			}
			if err := w.Row(row); err != nil {
				return "", err
			}
			var rows []plan.Row
			if tree != nil {
				rows = tree.Rows()
			}
			for _, r := range rows {
				clear(row)
				n := r.Node
				row[0], row[1], row[2], row[3] = r.Text, stmtID, int64(r.NodeID), int64(r.Parent)
				row[4], row[5], row[6] = n.PhysicalOp, n.LogicalOp, nullIfEmpty(n.Argument)
				row[7], row[13] = nullIfEmpty(n.DefinedValues), nullIfEmpty(n.OutputList)
				if n.Estimated {
					row[8] = n.EstimateRows
				}
				row[15], row[16] = "PLAN_ROW", false
				if err := w.Row(row); err != nil {
					return "", err
				}
			}
			return "SELECT " + itoa(int64(len(rows)+1)), nil
		}
		return out
	}
	out.run = func(_ *exec.Env, _ *txn, w session.ResultWriter) (string, error) {
		if tree == nil || simple {
			if err := w.Row([]types.Value{text}); err != nil {
				return "", err
			}
			if tree == nil {
				return "SELECT 1", nil
			}
			if err := w.Complete("SELECT 1"); err != nil {
				return "", err
			}
			if err := w.Columns(showplanTextColumns); err != nil {
				return "", err
			}
		}
		rows := tree.Rows()
		for _, r := range rows {
			if err := w.Row([]types.Value{r.Text}); err != nil {
				return "", err
			}
		}
		return "SELECT " + itoa(int64(len(rows))), nil
	}
	return out
}
