package engine

import (
	"time"

	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// SYSDATETIMEOFFSET reads the statement's clock, so it is the engine's;
// the other value functions of the newer data types are in
// engine/builtins. The table is built in builtins.go (whose init runs
// first: files initialise in name order).
func init() {
	scalarFuncs["SYSDATETIMEOFFSET"] = &exec.Builtin{Type: fixed(types.DateTimeOffsetType(7)), Volatile: true,
		Eval: func(e *exec.Env, _ []types.Value, _ []types.Type) (types.Value, error) {
			_, off := e.Now.Local().Zone()
			v, _ := types.NormalizeTime(e.Now.In(time.FixedZone("", off)), types.DateTimeOffsetType(7))
			return v, nil
		}}
}

// defaultBinding is a column DEFAULT while it is bound.
type defaultBinding struct {
	expr parser.Expr
	col  types.Type
}

// bindDefault binds a column's DEFAULT expression as a value of its type;
// functions allowed only there (NEWSEQUENTIALID) see that they are in one.
func (b *binder) bindDefault(d parser.Expr, col types.Type) (exec.Expr, error) {
	outer := b.inDefault
	b.inDefault = &defaultBinding{expr: d, col: col}
	defer func() { b.inDefault = outer }()
	return b.BindTypedValue(d, nil, col)
}

// checkSequentialID rejects NEWSEQUENTIALID() anywhere but as the whole
// DEFAULT of a uniqueidentifier column (302).
func (b *binder) checkSequentialID(x *parser.FuncCall) error {
	d := b.inDefault
	if d == nil || d.col.Kind != types.UniqueIdentifier || unparen(d.expr) != parser.Expr(x) {
		return b.ErrAt(x, sqlerr.New(302))
	}
	return nil
}

func unparen(x parser.Expr) parser.Expr {
	for {
		p, ok := x.(*parser.Paren)
		if !ok {
			return x
		}
		x = p.X
	}
}
