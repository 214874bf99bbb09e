package bind

import (
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/sqlerr"
)

// The first of the statement binders to move out of the engine: an
// INSERT's column list and its VALUES rows, which need nothing but the
// table's descriptor and the session's SET IDENTITY_INSERT.

// InsertTargets binds an INSERT's (or COPY's) column list: the named
// columns, else every column but identity, rowversion and computed ones.
// An identity column may be named only under SET IDENTITY_INSERT (544;
// checked again at run time, when the setting may have changed).
func (b *Binder) InsertTargets(x Positioned, def *catalog.TableDef, columns []string, set Settings) ([]int, error) {
	var targets []int
	if len(columns) == 0 {
		for i, c := range def.Columns {
			if c.Identity == nil && !c.IsRowversion() && c.Computed == "" {
				targets = append(targets, i)
			}
		}
		return targets, nil
	}
	seen := map[int]bool{}
	for _, name := range columns {
		i := def.ColumnIndex(name)
		if i < 0 {
			return nil, b.ErrAt(x, sqlerr.New(207, name))
		}
		if seen[i] {
			return nil, b.ErrAt(x, sqlerr.New(264, name))
		}
		if def.Columns[i].Identity != nil && !set.IdentityInsert(def.ID) {
			return nil, b.ErrAt(x, sqlerr.New(544, def.Name))
		}
		if def.Columns[i].IsRowversion() {
			return nil, b.ErrAt(x, sqlerr.New(273))
		}
		if def.Columns[i].Computed != "" {
			return nil, b.ErrAt(x, sqlerr.New(271, def.Columns[i].Name))
		}
		seen[i] = true
		targets = append(targets, i)
	}
	return targets, nil
}

// valuesCountError is the error for a VALUES row of n values for its
// targets: 213 without a column list, else 110 for more values than
// columns and 109 for fewer.
func (b *Binder) valuesCountError(x *parser.Insert, n, targets int) error {
	switch {
	case len(x.Columns) == 0:
		return b.ErrAt(x, sqlerr.New(213))
	case n > targets:
		return b.ErrAt(x, sqlerr.New(110))
	}
	return b.ErrAt(x, sqlerr.New(109))
}

// BindValues binds an INSERT's VALUES rows, each value as its target
// column's type; a DEFAULT keyword leaves a nil expression (the column's
// default, filled in when the row is written).
func (b *Binder) BindValues(x *parser.Insert, def *catalog.TableDef, targets []int) ([][]exec.Expr, error) {
	rows := make([][]exec.Expr, 0, len(x.Rows))
	for _, vals := range x.Rows {
		if len(vals) != len(targets) {
			return nil, b.valuesCountError(x, len(vals), len(targets))
		}
		row := make([]exec.Expr, len(vals))
		for j, v := range vals {
			if _, isDef := v.(*parser.Default); isDef {
				continue
			}
			bound, err := b.BindTypedValue(v, nil, def.Columns[targets[j]].Type)
			if err != nil {
				return nil, err
			}
			row[j] = bound
		}
		rows = append(rows, row)
	}
	return rows, nil
}
