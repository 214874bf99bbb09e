package builtins

import (
	"time"

	"mirrordb/sqlerr"
	"mirrordb/types"
)

// HasStyles reports the conversions whose result depends on CONVERT's
// style argument: dates and times to and from strings, money and binary
// values to strings, and strings to binary.
func HasStyles(from, to types.Kind) bool {
	switch {
	case to.IsString():
		return from.IsTemporal() || from.IsMoney() || from.IsBinary()
	case from.IsString():
		return to.IsTemporal() || to.IsBinary()
	}
	return false
}

// ConvertStyled is CONVERT(to, v, style) for a value v of type from
// (types/styles.go has the formats); an unknown style is 281.
func ConvertStyled(v types.Value, from, to types.Type, style int) (types.Value, error) {
	text := types.VarCharType(types.MaxLength)
	switch x := v.(type) {
	case time.Time:
		out, ok := types.FormatTimeStyle(x, from, style)
		if !ok {
			return nil, sqlerr.New(281, style)
		}
		return types.Convert(out, text, to, types.Explicit)
	case types.Dec: // money
		if style < 0 || style > 2 && style != 126 {
			return nil, sqlerr.New(281, style)
		}
		return types.Convert(types.FormatMoney(x, style), text, to, types.Explicit)
	case []byte:
		out, ok := types.FormatBinaryStyle(x, style)
		if !ok {
			return nil, sqlerr.New(281, style)
		}
		return types.Convert(out, text, to, types.Explicit)
	case string:
		if to.Kind.IsBinary() {
			b, err := types.ParseBinaryStyle(x, style)
			if err != nil {
				return nil, err
			}
			return types.Convert(b, types.VarBinaryType(types.MaxLength), to, types.Explicit)
		}
		if !types.DateStyleKnown(style) {
			return nil, sqlerr.New(281, style)
		}
		if to.Kind == types.DateTimeOffset && !types.StyleOrdersDate(style) {
			// The general forms, read as CAST reads them: the offset kept.
			return types.Convert(x, from, to, types.Explicit)
		}
		t, ok := types.ParseTimeStyle(x, style)
		if !ok {
			return nil, sqlerr.New(241)
		}
		return types.Convert(t, types.DateTime2Type(7), to, types.Explicit)
	}
	return types.Convert(v, from, to, types.Explicit)
}
