package engine

import (
	"time"

	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/types"
)

// stmtBinder is stmtopt.Binder: what the feature packages' statements
// (backup, security) need of the binder, WITH option values and errors
// placed in the batch.
type stmtBinder struct{ b *binder }

// OptionValue evaluates a WITH option's value, a constant expression (nil
// when the option has none).
func (sb stmtBinder) OptionValue(opt *parser.BackupOption) (types.Value, error) {
	if opt.Value == nil {
		return nil, nil
	}
	b := sb.b
	x, err := b.BindExpr(opt.Value, nil, nil, types.TypeUnknown)
	if err != nil {
		return nil, err
	}
	val, err := x.Eval(&exec.Env{Sess: b.s, Now: time.Now()})
	if err != nil {
		return nil, b.ErrAt(opt, err)
	}
	return val, nil
}

// At places err at p.
func (sb stmtBinder) At(p parser.Pos, err error) error { return sb.b.ErrAt(p, err) }
