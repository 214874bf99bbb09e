package engine

import (
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/sqlerr"
)

// checkConstantCounts refuses, as SQL Server's compiler does, a constant
// OFFSET below zero (10742) and a constant FETCH below one (10744); an
// expression's value is checked when the statement runs (rowCount), where
// a FETCH of 0 returns no rows.
func (b *binder) checkConstantCounts(sel *parser.Select, p *exec.Select) error {
	if c, ok := p.Offset.(*exec.Const); ok {
		if n, _ := c.V.(int64); n < 0 {
			return b.ErrAt(sel.Offset, sqlerr.New(10742))
		}
	}
	if c, ok := p.Fetch.(*exec.Const); ok {
		if n, _ := c.V.(int64); n < 1 {
			return b.ErrAt(sel.Fetch, sqlerr.New(10744))
		}
	}
	return nil
}
