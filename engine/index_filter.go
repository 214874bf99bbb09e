package engine

import (
	"strings"
	"sync"

	"mirrordb/engine/bind"
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// Filtered indexes (CREATE INDEX ... WHERE filter) hold entries only for
// the rows the filter accepts. As in SQL Server the filter is simple: a
// conjunction (AND) of comparisons of a column with a constant, IN lists
// of constants and IS [NOT] NULL; anything else is Msg 10735, and a
// constant that does not convert to its column's type Msg 10609. The
// filter is kept as text in the index definition and interpreted on the
// row; its parse is cached by text, as DEFAULT expressions are.

var filterExprs sync.Map // filter text → parser.Expr

// filterExpr returns the parsed filter of an index (nil when it has none).
func filterExpr(ix *catalog.IndexDef) parser.Expr {
	if ix.Filter == "" {
		return nil
	}
	return parseCached(&filterExprs, "SELECT 1 WHERE "+ix.Filter, func(s *parser.Select) parser.Expr { return s.Where })
}

// parseCached parses a SELECT once per text and returns the expression
// pick takes from it (nil when the text is not such a SELECT): stored
// expressions (DEFAULTs, filters) are parsed once, not once per row.
func parseCached(cache *sync.Map, sql string, pick func(*parser.Select) parser.Expr) parser.Expr {
	if x, ok := cache.Load(sql); ok {
		return x.(parser.Expr)
	}
	st, err := parser.ParseStatement(sql)
	sel, ok := st.(*parser.Select)
	if err != nil || !ok {
		return nil
	}
	x := pick(sel)
	if x == nil {
		return nil
	}
	cache.Store(sql, x)
	return x
}

// covers reports whether a row belongs in the index: always for an
// unfiltered index, else when the filter accepts it.
func covers(ix *catalog.IndexDef, t *catalog.TableDef, row []types.Value) bool {
	x := filterExpr(ix)
	if x == nil {
		return true
	}
	ok, _ := filterEval{t, ix.Name}.eval(x, row)
	return ok
}

// checkFilter validates a filter against its table with SQL Server's
// errors (10735, 10609), by evaluating it on a row of NULLs.
func checkFilter(t *catalog.TableDef, ix string, x parser.Expr) error {
	_, err := filterEval{t, ix}.eval(x, make([]types.Value, len(t.Columns)))
	return err
}

// filterEval interprets the filter of index ix of table t.
type filterEval struct {
	t  *catalog.TableDef
	ix string
}

func (f filterEval) bad() error { return sqlerr.New(10735, f.ix, f.t.Name) }

// eval interprets a filter on a row; NULL comparisons are false.
func (f filterEval) eval(x parser.Expr, row []types.Value) (bool, error) {
	switch e := x.(type) {
	case *parser.Paren:
		return f.eval(e.X, row)
	case *parser.Binary:
		if e.Op == "AND" {
			l, err := f.eval(e.L, row)
			if err != nil {
				return false, err
			}
			r, err := f.eval(e.R, row)
			return l && r, err
		}
		col, lit, op := e.L, e.R, e.Op
		if _, isCol := col.(*parser.ColumnRef); !isCol {
			col, lit = lit, col
			op = map[string]string{"<": ">", ">": "<", "<=": ">=", ">=": "<=", "!<": "!>", "!>": "!<"}[op]
			if op == "" {
				op = e.Op
			}
		}
		i, ct, err := f.column(col)
		if err != nil {
			return false, err
		}
		switch e.Op {
		case "=", "<>", "!=", "<", ">", "<=", ">=", "!<", "!>":
		default:
			return false, f.bad()
		}
		v, err := f.constant(i, ct, lit)
		if err != nil || row[i] == nil || v == nil {
			return false, err
		}
		return exec.CmpResult(op, types.Compare(row[i], v)), nil
	case *parser.IsNull:
		i, _, err := f.column(e.X)
		if err != nil {
			return false, err
		}
		return (row[i] == nil) != e.Not, nil
	case *parser.InList:
		if e.Subquery != nil || e.Not {
			return false, f.bad()
		}
		i, ct, err := f.column(e.X)
		if err != nil {
			return false, err
		}
		found := false
		for _, l := range e.List {
			v, err := f.constant(i, ct, l)
			if err != nil {
				return false, err
			}
			found = found || (row[i] != nil && v != nil && types.Compare(row[i], v) == 0)
		}
		return found, nil
	}
	return false, f.bad()
}

// column resolves a filter's column reference.
func (f filterEval) column(x parser.Expr) (int, types.Type, error) {
	t := f.t
	c, ok := x.(*parser.ColumnRef)
	if !ok {
		return 0, types.Type{}, f.bad()
	}
	name := c.Parts[len(c.Parts)-1]
	i := t.ColumnIndex(name)
	if i < 0 {
		return 0, types.Type{}, sqlerr.New(207, strings.Join(c.Parts, "."))
	}
	return i, t.Columns[i].Type, nil
}

// constant converts a filter's constant (a literal, possibly negated) to
// its column's type; NULL is nil.
func (f filterEval) constant(col int, ct types.Type, x parser.Expr) (types.Value, error) {
	if p, ok := x.(*parser.Paren); ok {
		return f.constant(col, ct, p.X)
	}
	lit, ok := x.(*parser.Literal)
	if u, neg := x.(*parser.Unary); neg && u.Op == "-" {
		if l, isLit := u.X.(*parser.Literal); isLit && !strings.HasPrefix(l.Value, "-") {
			lit, ok = &parser.Literal{Pos: l.Pos, Kind: l.Kind, Value: "-" + l.Value}, true
		}
	}
	if !ok {
		return nil, f.bad()
	}
	c, err := (&bind.Binder{}).BindLiteral(lit)
	if err != nil {
		return nil, err
	}
	v, _ := c.Eval(nil)
	if v == nil {
		return nil, nil
	}
	out, err := types.Convert(v, c.Type(), ct, types.Implicit)
	if err != nil {
		return nil, sqlerr.New(10609, f.ix, f.t.Name, f.t.Columns[col].Name)
	}
	return out, nil
}
