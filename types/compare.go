package types

import (
	"bytes"
	"cmp"
	"strings"
	"time"
)

// Compare orders two non-NULL values that the caller has already brought
// to a common type (see Common). Strings compare ignoring trailing spaces,
// as SQL Server's ANSI padding rule requires, in binary (code point) order:
// mirrordb's collation is Latin1_General_BIN2-like and case-sensitive.
// Mixed numeric representations (int64, Dec, float64) are tolerated.
func Compare(a, b Value) int {
	switch x := a.(type) {
	case int64:
		switch y := b.(type) {
		case int64:
			return cmp.Compare(x, y)
		case Dec:
			return DecFromInt(x).Cmp(y)
		case float64:
			return cmp.Compare(float64(x), y)
		}
	case Dec:
		switch y := b.(type) {
		case Dec:
			return x.Cmp(y)
		case int64:
			return x.Cmp(DecFromInt(y))
		case float64:
			return cmp.Compare(x.Float64(), y)
		}
	case float64:
		switch y := b.(type) {
		case float64:
			return cmp.Compare(x, y)
		case int64:
			return cmp.Compare(x, float64(y))
		case Dec:
			return cmp.Compare(x, y.Float64())
		}
	case bool:
		if y, ok := b.(bool); ok {
			return cmp.Compare(b2i(x), b2i(y))
		}
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(strings.TrimRight(x, " "), strings.TrimRight(y, " "))
		}
	case []byte:
		if y, ok := b.([]byte); ok {
			return bytes.Compare(x, y)
		}
	case time.Time:
		if y, ok := b.(time.Time); ok {
			return x.Compare(y)
		}
	case UUID:
		if y, ok := b.(UUID); ok {
			kx, ky := x.SortKey(), y.SortKey()
			return bytes.Compare(kx[:], ky[:])
		}
	}
	// Different representations that the binder should have unified: order
	// by type name so sorting stays total.
	return strings.Compare(TypeOf(a).Kind.String(), TypeOf(b).Kind.String())
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Common returns the type two operands are brought to before comparing or
// combining them: the operand type with the higher data type precedence,
// widened so that neither side loses digits or characters.
func Common(a, b Type) Type {
	if a.Kind == Unknown {
		return b
	}
	if b.Kind == Unknown {
		return a
	}
	hi, lo := a, b
	if b.Kind.Precedence() > a.Kind.Precedence() {
		hi, lo = b, a
	}
	switch {
	case hi.Kind == Decimal:
		lp, ls := lo.PrecisionScale()
		if lp == 0 {
			lp, ls = 18, 0 // a non-numeric operand (a string) converts to DECIMAL(18,0)
		}
		hs, hiInt := int(hi.Scale), int(hi.Precision)-int(hi.Scale)
		s := max(ls, hs)
		p := min(max(lp-ls, hiInt)+s, MaxDecPrecision)
		return DecimalType(p, min(s, p))
	case hi.Kind.IsString() && lo.Kind.IsString():
		l := max(hi.Length, lo.Length)
		if hi.Length == MaxLength || lo.Length == MaxLength {
			l = MaxLength
		}
		k := hi.Kind
		if hi.Kind.IsUnicode() || lo.Kind.IsUnicode() {
			k = NVarChar
		} else {
			k = VarChar
		}
		return Type{Kind: k, Length: l}
	case hi.Kind.IsBinary() && lo.Kind.IsBinary():
		l := max(hi.Length, lo.Length)
		if hi.Length == MaxLength || lo.Length == MaxLength {
			l = MaxLength
		}
		return Type{Kind: VarBinary, Length: l}
	case hi.Kind == DateTime2 && lo.Kind == DateTime2:
		return DateTime2Type(int(max(hi.Precision, lo.Precision)))
	}
	return hi
}
