package opt

import (
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/types"
)

// Conjuncts flattens an AND tree.
func Conjuncts(x exec.Expr, out []exec.Expr) []exec.Expr {
	if l, ok := x.(*exec.Logic); ok && l.And {
		return Conjuncts(l.R, Conjuncts(l.L, out))
	}
	return append(out, x)
}

// AndAll joins conditions with AND; nil when there are none.
func AndAll(xs []exec.Expr) exec.Expr {
	var out exec.Expr
	for _, x := range xs {
		if out == nil {
			out = x
		} else {
			out = &exec.Logic{And: true, L: out, R: x}
		}
	}
	return out
}

// KeyCompatible reports whether a value of type v can be converted to key
// column type c without changing which rows compare equal to it.
func KeyCompatible(c, v types.Type) bool {
	switch {
	case v.Kind == types.Unknown:
		return false
	case c.Kind.IsInteger():
		return v.Kind.IsInteger()
	case c.Kind == types.Decimal:
		return v.Kind.IsInteger() || (v.Kind == types.Decimal && v.Scale <= c.Scale)
	case c.Kind.IsString():
		return v.Kind.IsString()
	}
	return c.Kind == v.Kind
}

// Selectivity guesses.
const (
	selEquality = 0.1
	selRange    = 0.3
	selOther    = 0.3
)

// Selectivity is the fraction of rows a predicate is guessed to keep.
func Selectivity(c exec.Expr) float64 {
	switch x := c.(type) {
	case *exec.Compare:
		switch x.Op {
		case "=":
			return selEquality
		case "<>", "!=":
			return 1 - selEquality
		}
		return selRange
	case *exec.Like, *exec.IsNull, *exec.InList:
		return selEquality
	case *exec.Logic:
		l, r := Selectivity(x.L), Selectivity(x.R)
		if x.And {
			return l * r
		}
		return min(1, l+r-l*r)
	case *exec.Not:
		return 1 - Selectivity(x.X)
	}
	return selOther
}

// UniqueColumn reports a column that is by itself the primary key or a
// unique index's key.
func UniqueColumn(t *catalog.TableDef, col int) bool {
	if len(t.PK) == 1 && t.PK[0] == col {
		return true
	}
	for _, ix := range t.Indexes {
		if ix.Unique && ix.Filter == "" && len(ix.Columns) == 1 && ix.Columns[0] == col {
			return true
		}
	}
	return false
}
