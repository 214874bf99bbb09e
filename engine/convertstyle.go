package engine

import (
	"mirrordb/engine/builtins"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// styledConvert is CONVERT(type, x, style) where the style matters: dates
// and times to and from strings, money and binary values to strings, and
// strings to binary (builtins.ConvertStyled converts the value).
type styledConvert struct {
	x, style expr
	to       types.Type
	try      bool
}

func (s *styledConvert) typ() types.Type { return s.to }

func (s *styledConvert) eval(e *env) (types.Value, error) {
	v, err := s.x.eval(e)
	if err != nil || v == nil {
		return v, err
	}
	st, err := s.style.eval(e)
	if err != nil {
		return nil, err
	}
	out, err := builtins.ConvertStyled(v, s.x.typ(), s.to, int(builtins.ToInt(st)))
	if err != nil && s.try && !sqlerr.Is(err, 281) {
		return nil, nil
	}
	return out, err
}
