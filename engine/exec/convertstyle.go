package exec

import (
	"mirrordb/engine/builtins"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// StyledConvert is CONVERT(type, x, style) where the style matters: dates
// and times to and from strings, money and binary values to strings, and
// strings to binary (builtins.ConvertStyled converts the value).
type StyledConvert struct {
	X, Style Expr
	To       types.Type
	Try      bool
}

func (s *StyledConvert) Type() types.Type { return s.To }

// Explain prints CONVERT(type,x,style).
func (v *StyledConvert) Explain(x *Explainer, n *Names) string {
	return "CONVERT(" + v.To.String() + "," + x.Text(v.X, n) + "," + x.Text(v.Style, n) + ")"
}

func (s *StyledConvert) Eval(e *Env) (types.Value, error) {
	v, err := s.X.Eval(e)
	if err != nil || v == nil {
		return v, err
	}
	st, err := s.Style.Eval(e)
	if err != nil {
		return nil, err
	}
	out, err := builtins.ConvertStyled(v, s.X.Type(), s.To, int(builtins.ToInt(st)))
	if err != nil && s.Try && !sqlerr.Is(err, 281) {
		return nil, nil
	}
	return out, err
}
