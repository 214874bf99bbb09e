package exec

import (
	"fmt"
	"sync"
	"sync/atomic"

	"mirrordb/engine/catalog"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// RowRules are a table's computed columns, CHECK constraints and
// DEFAULTs bound for evaluation against one of its rows. The engine binds
// them from their SQL text, once per table definition; evaluating them
// needs only the row.
type RowRules struct {
	Computed []ComputedColumn
	Checks   []BoundCheck
	Defaults []Expr // per column, nil without a DEFAULT
}

// ComputedColumn is column Col's bound expression.
type ComputedColumn struct {
	Col int
	X   Expr
}

// BoundCheck is a CHECK constraint with its bound expression.
type BoundCheck struct {
	Def *catalog.CheckDef
	X   Expr
}

// Compute stores the row's computed columns in it.
func (r *RowRules) Compute(e *Env, def *catalog.TableDef, row []types.Value) error {
	return r.ComputeFrom(e, def, row, 0, nil)
}

// ComputeFrom computes the computed columns numbered from on but those of
// skip (what a row stored before they were added lacks).
func (r *RowRules) ComputeFrom(e *Env, def *catalog.TableDef, row []types.Value, from int, skip map[int]bool) error {
	saved := e.Row
	defer func() { e.Row = saved }()
	e.Row = row
	for _, c := range r.Computed {
		if c.Col < from || skip[c.Col] {
			continue
		}
		v, err := c.X.Eval(e)
		if err != nil {
			return err
		}
		if v != nil {
			if v, err = types.Convert(v, c.X.Type(), def.Columns[c.Col].Type, types.Implicit); err != nil {
				return err
			}
		}
		row[c.Col] = v
	}
	return nil
}

// Check evaluates the CHECK constraints on a row of def in database db;
// only FALSE fails (NULL passes), with 547 naming the constraint.
func (r *RowRules) Check(e *Env, verb, db string, def *catalog.TableDef, row []types.Value) error {
	saved := e.Row
	defer func() { e.Row = saved }()
	e.Row = row
	for _, c := range r.Checks {
		v, err := c.X.Eval(e)
		if err != nil {
			return err
		}
		if v != nil && !Truth(v) {
			return CheckConflict(verb, db, def, c.Def)
		}
	}
	return nil
}

// CheckConflict is 547 for a row CHECK constraint ck refuses, with the
// SQLSTATE of a check violation.
func CheckConflict(verb, db string, def *catalog.TableDef, ck *catalog.CheckDef) *sqlerr.Error {
	var col []int
	if ck.Column >= 0 {
		col = []int{ck.Column}
	}
	err := Conflict(verb, "CHECK", ck.Name, db, def, col)
	err.Code = sqlerr.CheckViolation
	return err
}

// Conflict is Msg 547: the statement conflicted with a constraint, in
// table def of database db; the column is named when the constraint has
// exactly one. SQL Server follows it with 3621 "The statement has been
// terminated.", which rides along as the error's Detail.
func Conflict(verb, kind, name, db string, def *catalog.TableDef, cols []int) *sqlerr.Error {
	col := ""
	if len(cols) == 1 {
		col = fmt.Sprintf(", column '%s'", def.Columns[cols[0]].Name)
	}
	e := sqlerr.New(547, verb, kind, name, db, "dbo."+def.Name, col)
	e.Detail = sqlerr.New(3621).Text() // SQL Server's trailer, as BACKUP's 3013
	return e
}

// RulesCache holds the bound rules of each table definition in use: the
// engine binds a definition's rules once (a schema change makes a new
// definition, a new pointer) and every row written, from every session,
// asks the cache, so a lookup takes no lock: m is a *sync.Map replaced
// whole when it holds Max definitions, n counts what it holds.
type RulesCache struct {
	m atomic.Pointer[sync.Map]
	n atomic.Int64
}

// RulesCacheMax is how many definitions' rules a RulesCache holds before
// it starts again.
const RulesCacheMax = 512

// Get returns the rules bound for def, if the cache holds them.
func (c *RulesCache) Get(def *catalog.TableDef) (*RowRules, bool) {
	if m := c.m.Load(); m != nil {
		if r, ok := m.Load(def); ok {
			return r.(*RowRules), true
		}
	}
	return nil, false
}

// Put keeps the rules bound for def.
func (c *RulesCache) Put(def *catalog.TableDef, r *RowRules) {
	m := c.m.Load()
	if m == nil || c.n.Add(1) > RulesCacheMax {
		// Two sessions may both start a new map; one wins, and the other's
		// rules are bound again on next use.
		m = new(sync.Map)
		c.m.Store(m)
		c.n.Store(1)
	}
	m.Store(def, r)
}

// Len counts the definitions the cache holds.
func (c *RulesCache) Len() int {
	n := 0
	if m := c.m.Load(); m != nil {
		m.Range(func(_, _ any) bool { n++; return true })
	}
	return n
}
