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

// PostgreSQL's set-returning functions in FROM, as catalog queries use
// them: generate_series(start, stop [, step]) and unnest(array). Their one
// column is named by the alias, as in PostgreSQL (FROM generate_series(0,
// 3) s ... WHERE x = s).

// setFuncs are the set-returning functions, by lower-case name.
var setFuncs = map[string]struct {
	min, max int
	typ      types.Type
	rows     func(e *exec.Env, args []types.Value) ([]types.Value, error)
}{
	"generate_series": {2, 3, types.TypeBigInt, generateSeries},
	"unnest":          {1, 1, textMax, unnest},
}

// isSetFunc says whether a FROM entry calls a set-returning function
// (plain or pg_catalog-qualified).
func isSetFunc(x *parser.TableFunc) bool {
	n := x.Name.Parts
	if len(n) > 2 || len(n) == 2 && !strings.EqualFold(n[0], "pg_catalog") {
		return false
	}
	_, ok := setFuncs[strings.ToLower(x.Name.Object())]
	return ok
}

// seriesChunk is how many values generate_series makes between checks of
// the statement's memory grant and cancellation.
const seriesChunk = 1024

// seriesHeld is what generateSeries counted for a series of n values.
func seriesHeld(n int) int64 { return int64((n+seriesChunk-1)/seriesChunk) * seriesChunk * 16 }

// generateSeries makes start, start+step, ... up to stop. Its values count
// against the statement's memory grant as they are made (Msg 701 past it,
// and a cancel stops it), and it ends where the next value would overflow.
func generateSeries(e *exec.Env, a []types.Value) ([]types.Value, error) {
	start, _ := a[0].(int64)
	stop, _ := a[1].(int64)
	step := int64(1)
	if len(a) > 2 {
		step, _ = a[2].(int64)
	}
	if step == 0 {
		return nil, sqlerr.New(40517, "generate_series step 0")
	}
	if a[0] == nil || a[1] == nil || len(a) > 2 && a[2] == nil {
		return nil, nil
	}
	var out []types.Value
	for i := start; step > 0 && i <= stop || step < 0 && i >= stop; i += step {
		if len(out)%seriesChunk == 0 {
			if err := e.Gov.Check(); err != nil {
				return nil, err
			}
			if err := e.Gov.Grow(seriesChunk * 16); err != nil {
				return nil, err
			}
		}
		out = append(out, i)
		if next := i + step; (next > i) != (step > 0) {
			break // the next value would overflow bigint
		}
	}
	return out, nil
}

func unnest(_ *exec.Env, a []types.Value) ([]types.Value, error) {
	s, ok := a[0].(string)
	if !ok {
		return nil, nil
	}
	elems, _ := arrayElems(s)
	return elems, nil
}

// setFuncSource runs a set-returning function: one row per value.
type setFuncSource struct {
	name string
	args []exec.Expr
	f    func(*exec.Env, []types.Value) ([]types.Value, error)
}

func (s *setFuncSource) Run(e *exec.Env, fn func(row []types.Value) error) error {
	vals := make([]types.Value, len(s.args))
	for i, a := range s.args {
		v, err := a.Eval(e)
		if err != nil {
			return err
		}
		vals[i] = v
	}
	out, err := s.f(e, vals)
	if err != nil {
		return err
	}
	if s.name == "generate_series" { // run once per row of APPLY's left side
		defer e.Gov.Shrink(seriesHeld(len(out)))
	}
	rows := make([][]types.Value, len(out))
	for i, v := range out {
		rows[i] = []types.Value{v}
	}
	return exec.ScanRows(e, rows, fn)
}

func (s *setFuncSource) Explain(x *exec.Explainer, _ *exec.Names) *plan.Node {
	return x.Node("Table-valued function", "Table-valued function", "OBJECT:("+exec.Bracket("pg_catalog")+"."+exec.Bracket(s.name)+")")
}

func (b *binder) bindSetFunc(x *parser.TableFunc, sc *bind.Scope) (exec.Operator, error) {
	name := strings.ToLower(x.Name.Object())
	f := setFuncs[name]
	if len(x.Args) < f.min || len(x.Args) > f.max {
		return nil, b.ErrAt(x, sqlerr.New(189, name, f.min, f.max))
	}
	src := &setFuncSource{name: name, f: f.rows}
	for _, a := range x.Args {
		hint := f.typ
		v, err := b.BindExpr(a, nil, nil, hint)
		if err != nil {
			return nil, err
		}
		src.args = append(src.args, exec.Coerce(v, hint))
	}
	alias := name
	if x.Alias != "" {
		alias = x.Alias
	}
	col := alias
	switch len(x.Columns) {
	case 0:
	case 1:
		col = x.Columns[0]
	default:
		return nil, b.ErrAt(x, sqlerr.New(8159, alias))
	}
	if err := b.AddSource(x, sc, &bind.Source{Name: alias, Alias: true, Cols: []session.Column{{Name: col, Type: f.typ}}}); err != nil {
		return nil, err
	}
	return src, nil
}

func init() {
	// array_upper(array, dimension): the last subscript of a one-dimension
	// array (vectors count from 0, arrays from 1), NULL when empty.
	bind.Functions["ARRAY_UPPER"] = &exec.Builtin{Min: 2, Max: 2, Type: fixed(types.TypeInt), Eval: func(_ *exec.Env, a []types.Value, ts []types.Type) (types.Value, error) {
		elems, base := arrayElems(types.ToText(a[0], ts[0]))
		if len(elems) == 0 {
			return nil, nil
		}
		return int64(len(elems)) - 1 + base, nil
	}}
	// mirrordb publishes nothing (no logical replication).
	bind.Functions["PG_RELATION_IS_PUBLISHABLE"] = &exec.Builtin{Min: 1, Max: 1, Type: fixed(types.TypeBit), Eval: constant(false)}
}
