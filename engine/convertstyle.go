package engine

import (
	"time"

	"mirrordb/sqlerr"
	"mirrordb/types"
)

// styledConvert is CONVERT(type, x, style) where the style matters: dates
// and times to and from strings, money and binary values to strings, and
// strings to binary (types/styles.go has the formats).
type styledConvert struct {
	x, style expr
	to       types.Type
	try      bool
}

// hasStyles reports the conversions whose result depends on a style.
func hasStyles(from, to types.Kind) bool {
	switch {
	case to.IsString():
		return from.IsTemporal() || from.IsMoney() || from.IsBinary()
	case from.IsString():
		return to.IsTemporal() || to.IsBinary()
	}
	return false
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
	out, err := s.convert(v, int(toInt(st)))
	if err != nil && s.try && !sqlerr.Is(err, 281) {
		return nil, nil
	}
	return out, err
}

func (s *styledConvert) convert(v types.Value, style int) (types.Value, error) {
	from := s.x.typ()
	text := types.VarCharType(types.MaxLength)
	switch x := v.(type) {
	case time.Time:
		out, ok := types.FormatTimeStyle(x, from, style)
		if !ok {
			return nil, sqlerr.New(281, style)
		}
		return types.Convert(out, text, s.to, types.Explicit)
	case types.Dec: // money
		if style < 0 || style > 2 && style != 126 {
			return nil, sqlerr.New(281, style)
		}
		return types.Convert(types.FormatMoney(x, style), text, s.to, types.Explicit)
	case []byte:
		out, ok := types.FormatBinaryStyle(x, style)
		if !ok {
			return nil, sqlerr.New(281, style)
		}
		return types.Convert(out, text, s.to, types.Explicit)
	case string:
		if s.to.Kind.IsBinary() {
			b, err := types.ParseBinaryStyle(x, style)
			if err != nil {
				return nil, err
			}
			return types.Convert(b, types.VarBinaryType(types.MaxLength), s.to, types.Explicit)
		}
		if !types.DateStyleKnown(style) {
			return nil, sqlerr.New(281, style)
		}
		if s.to.Kind == types.DateTimeOffset && !types.StyleOrdersDate(style) {
			// The general forms, read as CAST reads them: the offset kept.
			return types.Convert(x, from, s.to, types.Explicit)
		}
		t, ok := types.ParseTimeStyle(x, style)
		if !ok {
			return nil, sqlerr.New(241)
		}
		return types.Convert(t, types.DateTime2Type(7), s.to, types.Explicit)
	}
	return types.Convert(v, from, s.to, types.Explicit)
}
