package engine

import (
	"fmt"
	"runtime"

	"mirrordb/engine/bind"
	"mirrordb/engine/exec"
	"mirrordb/engine/govern"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// globalVars are the @@ variables (bind.Globals, which binding reads):
// those here, and @@DBTS (rowversion.go).
var globalVars = bind.Globals

func init() {
	for name, g := range map[string]*exec.Builtin{
		"SERVERNAME": {Type: fixed(nvarchar128), Eval: func(e *exec.Env, _ []types.Value, _ []types.Type) (types.Value, error) {
			return sessionOf(e).inst.ServerName(), nil
		}},
		"SERVICENAME": {Type: fixed(nvarchar128), Eval: constant("MSSQLSERVER")},
		"VERSION": {Type: fixed(types.NVarCharType(512)), Eval: func(*exec.Env, []types.Value, []types.Type) (types.Value, error) {
			return versionString(), nil
		}},
		"ROWCOUNT": {Type: fixed(types.TypeInt), Volatile: true, Eval: func(e *exec.Env, _ []types.Value, _ []types.Type) (types.Value, error) {
			return sessionOf(e).rowcount, nil
		}},
		"TRANCOUNT": {Type: fixed(types.TypeInt), Volatile: true, Eval: func(e *exec.Env, _ []types.Value, _ []types.Type) (types.Value, error) {
			return int64(sessionOf(e).trancount()), nil
		}},
		"SPID": {Type: fixed(types.TypeSmallInt), Eval: func(e *exec.Env, _ []types.Value, _ []types.Type) (types.Value, error) {
			return int64(sessionOf(e).spid()), nil
		}},
		"IDENTITY": {Type: fixed(types.DecimalType(38, 0)), NullSafe: true, Volatile: true, Eval: func(e *exec.Env, _ []types.Value, _ []types.Type) (types.Value, error) {
			return sessionOf(e).lastIdentityValue(), nil
		}},
		"ERROR": {Type: fixed(types.TypeInt), Volatile: true, Eval: func(e *exec.Env, _ []types.Value, _ []types.Type) (types.Value, error) {
			return int64(sessionOf(e).lastError), nil
		}},
		"LANGUAGE":      {Type: fixed(nvarchar128), Eval: constant("us_english")},
		"MAX_PRECISION": {Type: fixed(types.TypeTinyInt), Eval: constant(int64(38))},
		"DATEFIRST":     {Type: fixed(types.TypeTinyInt), Eval: constant(int64(7))},
		"LOCK_TIMEOUT": {Type: fixed(types.TypeInt), Volatile: true, Eval: func(e *exec.Env, _ []types.Value, _ []types.Type) (types.Value, error) {
			return int64(sessionOf(e).lockTimeoutMS), nil
		}},
	} {
		globalVars[name] = g
	}
}

func constant(v types.Value) func(*exec.Env, []types.Value, []types.Type) (types.Value, error) {
	return func(*exec.Env, []types.Value, []types.Type) (types.Value, error) { return v, nil }
}

func versionString() string {
	return fmt.Sprintf("mirrordb %s - T-SQL database mirroring over the PostgreSQL protocol (%s %s/%s)",
		Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// subqueryExpr is an uncorrelated subquery: run once per statement
// execution, its rows cached in the environment.
type subqueryExpr struct {
	Plan       *exec.Select
	Exists     bool
	Correlated bool // names a column of an enclosing row: runs per row (correlate.go)
	Grouped    bool // runs after its query's grouping: the enclosing row is the group's keys
}

func (s *subqueryExpr) Type() types.Type {
	if s.Exists {
		return types.TypeBit
	}
	return s.Plan.Cols[0].Type
}

func (s *subqueryExpr) Rows(e *exec.Env) ([][]types.Value, error) {
	if e.Cache == nil {
		e.Cache = map[any]any{}
	}
	if r, ok := e.Cache[s]; ok && !s.Correlated {
		return r.([][]types.Value), nil
	}
	sub := *e
	if s.Correlated {
		row := e.Row
		if s.Grouped {
			row = e.Keys
		}
		sub.Outer = append(e.Outer[:len(e.Outer):len(e.Outer)], row)
		releaseCorrelated(e, s) // correlate.go
	}
	sub.Row, sub.Aggs, sub.Keys = nil, nil, nil
	limit := -1
	if s.Exists {
		limit = 1
	}
	rows, err := CollectRows(&sub, s.Plan, limit)
	if err != nil {
		return nil, err
	}
	e.Cache[s] = rows
	return rows, nil
}

// CollectRows runs a SELECT and keeps (up to limit, when ≥ 0) its rows,
// counting them against the statement's memory.
func CollectRows(e *exec.Env, plan *exec.Select, limit int) ([][]types.Value, error) {
	var rows [][]types.Value
	err := plan.Run(e, func(row []types.Value) error {
		r := append([]types.Value{}, row...)
		rows = append(rows, r)
		if err := e.Gov.Grow(govern.RowSize(r) + 8); err != nil {
			return err
		}
		if len(rows) == limit {
			return exec.ErrStopScan
		}
		return nil
	})
	if err != nil && err != exec.ErrStopScan {
		return nil, err
	}
	return rows, nil
}

func (s *subqueryExpr) Eval(e *exec.Env) (types.Value, error) {
	rows, err := s.Rows(e)
	if err != nil {
		return nil, err
	}
	if s.Exists {
		return len(rows) > 0, nil
	}
	switch len(rows) {
	case 0:
		return nil, nil
	case 1:
		return rows[0][0], nil
	}
	return nil, sqlerr.New(512)
}

// inSubquery is x [NOT] IN (SELECT ...).
type inSubquery struct {
	X   exec.Expr
	Sub *subqueryExpr
	Not bool
}

func (in *inSubquery) Type() types.Type { return types.TypeBit }
func (in *inSubquery) Eval(e *exec.Env) (types.Value, error) {
	xv, err := in.X.Eval(e)
	if err != nil {
		return nil, err
	}
	rows, err := in.Sub.Rows(e)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return in.Not, nil // x [NOT] IN over no rows: false [true], even for a NULL x
	}
	if xv == nil {
		return nil, nil
	}
	xt, st := in.X.Type(), in.Sub.Type()
	ct := types.Common(xt, st)
	if !bind.SameRepresentation(xt.Kind, st.Kind) {
		if xv, err = types.Convert(xv, xt, ct, types.Implicit); err != nil {
			return nil, err
		}
	}
	sawNull := false
	for _, r := range rows {
		v := r[0]
		if v == nil {
			sawNull = true
			continue
		}
		if !bind.SameRepresentation(xt.Kind, st.Kind) {
			if v, err = types.Convert(v, st, ct, types.Implicit); err != nil {
				return nil, err
			}
		}
		if types.Compare(xv, v) == 0 {
			return !in.Not, nil
		}
	}
	if sawNull {
		return nil, nil
	}
	return in.Not, nil
}

func (b *binder) bindSubquery(n bind.Positioned, sel *parser.Select, exists bool, sc *bind.Scope, agg *bind.AggContext) (exec.Expr, error) {
	plan, correlated, err := b.planSubquery(sel, sc, agg)
	if err != nil {
		return nil, err
	}
	if !exists && len(plan.Cols) != 1 {
		return nil, b.ErrAt(n, sqlerr.New(116))
	}
	return &subqueryExpr{Plan: plan, Exists: exists, Correlated: correlated, Grouped: agg != nil}, nil
}
