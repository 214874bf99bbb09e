package keys

import (
	"math/big"

	"mirrordb/types"
)

// ExactInKey reports the column types whose values a key gives back
// exactly (DecodeKeyValue): numbers of exact kinds and BIT. Strings lose
// their trailing spaces in a key, and times their zone, so a query needing
// those reads the row.
func ExactInKey(t types.Type) bool {
	return t.Kind.IsInteger() || t.Kind == types.Bit || t.Kind == types.Decimal
}

// DecodeKeyValue decodes the value AppendIndexValue encoded at the start
// of b (inverted when desc) for a column of type t, which ExactInKey
// accepts, and returns the rest of b.
func DecodeKeyValue(b []byte, t types.Type, desc bool) (types.Value, []byte, error) {
	at := func(i int) byte {
		if desc {
			return ^b[i]
		}
		return b[i]
	}
	if len(b) == 0 {
		return nil, nil, ErrCorruptRow
	}
	switch at(0) {
	case tagNull:
		return nil, b[1:], nil
	case tagTrue:
		return true, b[1:], nil
	case tagFalse:
		return false, b[1:], nil
	case tagInt:
		if len(b) < 9 {
			return nil, nil, ErrCorruptRow
		}
		var u uint64
		for i := 1; i < 9; i++ {
			u = u<<8 | uint64(at(i))
		}
		return int64(u ^ 1<<63), b[9:], nil
	case tagDec:
		if len(b) < 2 {
			return nil, nil, ErrCorruptRow
		}
		sign := at(1)
		if sign == 0x80 {
			return types.NewDec(new(big.Int), int32(t.Scale)), b[2:], nil
		}
		if len(b) < 3 {
			return nil, nil, ErrCorruptRow
		}
		n := int(at(2))
		if sign == 0x7f {
			n = int(^at(2))
		}
		if len(b) < 3+n {
			return nil, nil, ErrCorruptRow
		}
		mag := make([]byte, n)
		for i := range mag {
			mag[i] = at(3 + i)
			if sign == 0x7f {
				mag[i] = ^mag[i]
			}
		}
		c := new(big.Int).SetBytes(mag)
		if sign == 0x7f {
			c.Neg(c)
		}
		return types.NewDec(c, int32(t.Scale)), b[3+n:], nil
	}
	return nil, nil, ErrCorruptRow
}

// DecodeKeyTuple decodes a key EncodeTuple made of values of the types ts
// (all ExactInKey) into dst.
func DecodeKeyTuple(b []byte, ts []types.Type, dst []types.Value) error {
	for i, t := range ts {
		v, rest, err := DecodeKeyValue(b, t, false)
		if err != nil {
			return err
		}
		dst[i], b = v, rest
	}
	return nil
}
