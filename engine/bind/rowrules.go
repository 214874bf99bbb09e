package bind

import (
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// BindRowRules binds a table's computed columns, enabled CHECK
// constraints and DEFAULTs from the text the catalog stores them as, over
// the table's columns alone (TableScope): what exec evaluates against each
// row written (exec.RowRules). parse reads a stored expression (nil when
// it does not parse: 102); the engine gives its cached parser.
func (b *Binder) BindRowRules(database string, def *catalog.TableDef, parse func(text string) parser.Expr) (*exec.RowRules, error) {
	sc := TableScope(database, def)
	r := &exec.RowRules{}
	bindText := func(text string, hint types.Type) (exec.Expr, error) {
		x := parse(text)
		if x == nil {
			return nil, sqlerr.New(102, text)
		}
		return b.BindExpr(x, sc, nil, hint)
	}
	for i := range def.Columns {
		c := &def.Columns[i]
		if c.Computed != "" {
			x, err := bindText(c.Computed, c.Type)
			if err != nil {
				return nil, err
			}
			r.Computed = append(r.Computed, exec.ComputedColumn{Col: i, X: x})
		}
	}
	var err error
	if r.Defaults, err = b.bindDefaults(def, parse); err != nil {
		return nil, err
	}
	for i := range def.Checks {
		if def.Checks[i].Disabled {
			continue
		}
		x, err := bindText(def.Checks[i].Expr, types.TypeBit)
		if err != nil {
			return nil, err
		}
		r.Checks = append(r.Checks, exec.BoundCheck{Def: &def.Checks[i], X: x})
	}
	return r, nil
}

// bindDefaults binds every column's DEFAULT (nil: none) from its stored
// text as a value of the column's type. INSERT binds them per statement
// (DMLBinder.BindDefaults), the foreign keys' SET DEFAULT once per table
// definition (BindRowRules).
func (b *Binder) bindDefaults(def *catalog.TableDef, parse func(text string) parser.Expr) ([]exec.Expr, error) {
	defs := make([]exec.Expr, len(def.Columns))
	for i := range def.Columns {
		c := &def.Columns[i]
		if c.Default == "" {
			continue
		}
		d := parse(c.Default)
		if d == nil {
			continue // a stored text that does not parse binds as no DEFAULT, as before
		}
		x, err := b.BindDefault(d, c.Type)
		if err != nil {
			return nil, err
		}
		defs[i] = x
	}
	return defs, nil
}
