package engine

import (
	"mirrordb/engine/builtins"
	"mirrordb/engine/exec"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// styledConvert is CONVERT(type, x, style) where the style matters: dates
// and times to and from strings, money and binary values to strings, and
// strings to binary (builtins.ConvertStyled converts the value).
type styledConvert struct {
	x, style exec.Expr
	to       types.Type
	try      bool
}

func (s *styledConvert) Type() types.Type { return s.to }

// Explain prints CONVERT(type,x,style).
func (v *styledConvert) Explain(x *exec.Explainer, n *exec.Names) string {
	return "CONVERT(" + v.to.String() + "," + x.Text(v.x, n) + "," + x.Text(v.style, n) + ")"
}

func (s *styledConvert) Eval(e *exec.Env) (types.Value, error) {
	v, err := s.x.Eval(e)
	if err != nil || v == nil {
		return v, err
	}
	st, err := s.style.Eval(e)
	if err != nil {
		return nil, err
	}
	out, err := builtins.ConvertStyled(v, s.x.Type(), s.to, int(builtins.ToInt(st)))
	if err != nil && s.try && !sqlerr.Is(err, 281) {
		return nil, nil
	}
	return out, err
}
