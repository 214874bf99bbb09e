package bind

import (
	"mirrordb/engine/exec"
	"mirrordb/types"
)

// PGInputExpr applies a PostgreSQL type's text input (bytea's hex form, a
// timestamptz's zone, a time of day) before the cast converts the value.
type PGInputExpr struct {
	X  exec.Expr
	In types.PGInput
}

func (p *PGInputExpr) Type() types.Type {
	if k := p.X.Type().Kind; !k.IsString() && k != types.Unknown {
		return p.X.Type()
	}
	switch p.In {
	case types.PGBytea:
		return types.VarBinaryType(types.MaxLength)
	case types.PGTimestampTZ:
		return types.DateTime2Type(7)
	}
	return p.X.Type() // PGBool: a string that may have become a bool, which converts to bit alike
}

func (p *PGInputExpr) Eval(e *exec.Env) (types.Value, error) {
	v, err := p.X.Eval(e)
	if err != nil || v == nil {
		return v, err
	}
	return types.PGInputValue(v, p.In)
}
