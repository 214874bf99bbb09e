package keys

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/big"
	"math/bits"
	"time"

	"mirrordb/types"
)

// Row values are stored compactly (not order-preserving): a column count,
// then per column a tag and its payload. Decoding is driven by the stored
// tags, so a row stays readable whatever the current definition says.

const (
	rowNull   = 0
	rowInt    = 1
	rowTrue   = 2
	rowFalse  = 3
	rowFloat  = 4
	rowDec    = 5
	rowString = 6
	rowBytes  = 7
	rowTime   = 8
	rowUUID   = 9
	// rowTimeZoned is a DATETIMEOFFSET away from UTC: rowTime's fields
	// and the offset in seconds east of UTC.
	rowTimeZoned = 10
)

// ErrCorruptRow reports a row value that cannot be decoded.
var ErrCorruptRow = errors.New("keys: corrupt row encoding")

// EncodeRow encodes a row of values.
func EncodeRow(dst []byte, vals []types.Value) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(vals)))
	for _, v := range vals {
		switch x := v.(type) {
		case nil:
			dst = append(dst, rowNull)
		case int64:
			dst = binary.AppendVarint(append(dst, rowInt), x)
		case bool:
			if x {
				dst = append(dst, rowTrue)
			} else {
				dst = append(dst, rowFalse)
			}
		case float64:
			dst = binary.BigEndian.AppendUint64(append(dst, rowFloat), math.Float64bits(x))
		case types.Dec:
			dst = append(dst, rowDec)
			dst = binary.AppendVarint(dst, int64(x.Scale))
			if v, ok := x.CoefInt64(); ok { // the usual decimal: no copy of its big.Int
				sign, mag := byte(0), uint64(v)
				if v < 0 {
					sign, mag = 1, -mag
				}
				var be [8]byte
				binary.BigEndian.PutUint64(be[:], mag)
				m := be[bits.LeadingZeros64(mag)/8:] // minimal big-endian, as big.Int.Bytes
				dst = append(dst, sign)
				dst = binary.AppendUvarint(dst, uint64(len(m)))
				dst = append(dst, m...)
				break
			}
			c := x.Coef()
			sign := byte(0)
			if c.Sign() < 0 {
				sign = 1
				c.Neg(c)
			}
			mag := c.Bytes()
			dst = append(dst, sign)
			dst = binary.AppendUvarint(dst, uint64(len(mag)))
			dst = append(dst, mag...)
		case string:
			dst = binary.AppendUvarint(append(dst, rowString), uint64(len(x)))
			dst = append(dst, x...)
		case []byte:
			dst = binary.AppendUvarint(append(dst, rowBytes), uint64(len(x)))
			dst = append(dst, x...)
		case time.Time:
			_, off := x.Zone()
			if off == 0 {
				dst = binary.AppendVarint(append(dst, rowTime), x.Unix())
				dst = binary.AppendUvarint(dst, uint64(x.Nanosecond()))
				break
			}
			dst = binary.AppendVarint(append(dst, rowTimeZoned), x.Unix())
			dst = binary.AppendUvarint(dst, uint64(x.Nanosecond()))
			dst = binary.AppendVarint(dst, int64(off))
		case types.UUID:
			dst = append(append(dst, rowUUID), x[:]...)
		default:
			panic("keys: unsupported value type in row")
		}
	}
	return dst
}

// EncodeRowExact is EncodeRow into a new slice of the row's length: a
// stored row lives until its transaction ends, so it gets one allocation
// and no spare capacity (encoding from nil grows the slice three or four
// times).
func EncodeRowExact(vals []types.Value) []byte {
	var scratch [256]byte
	return bytes.Clone(EncodeRow(scratch[:0], vals))
}

// DecodeRow decodes a row encoded by EncodeRow into dst (reused when large
// enough). Strings and byte slices are copied, so the input may be reused.
func DecodeRow(b []byte, dst []types.Value) ([]types.Value, error) { return DecodeColumns(b, dst, nil) }

// DecodeColumns is DecodeRow that materializes only the columns need marks
// (all when need is nil), leaving the others nil: a scan that reads two
// columns of many spares the rest their allocations.
func DecodeColumns(b []byte, dst []types.Value, need []bool) ([]types.Value, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return nil, ErrCorruptRow
	}
	b = b[k:]
	if cap(dst) < int(n) {
		dst = make([]types.Value, n)
	}
	dst = dst[:n]
	for i := range dst {
		if len(b) == 0 {
			return nil, ErrCorruptRow
		}
		want := need == nil || (i < len(need) && need[i])
		tag := b[0]
		b = b[1:]
		switch tag {
		case rowNull:
			dst[i] = nil
		case rowInt:
			v, k := binary.Varint(b)
			if k <= 0 {
				return nil, ErrCorruptRow
			}
			b = b[k:]
			if want {
				dst[i] = v
			}
		case rowTrue:
			dst[i] = true
		case rowFalse:
			dst[i] = false
		case rowFloat:
			if len(b) < 8 {
				return nil, ErrCorruptRow
			}
			dst[i], b = math.Float64frombits(binary.BigEndian.Uint64(b)), b[8:]
		case rowDec:
			scale, k := binary.Varint(b)
			if k <= 0 || len(b) < k+1 {
				return nil, ErrCorruptRow
			}
			sign := b[k]
			b = b[k+1:]
			l, k := binary.Uvarint(b)
			if k <= 0 || uint64(len(b)-k) < l {
				return nil, ErrCorruptRow
			}
			if want {
				c := new(big.Int).SetBytes(b[k : k+int(l)])
				if sign == 1 {
					c.Neg(c)
				}
				dst[i] = types.NewDec(c, int32(scale))
			}
			b = b[k+int(l):]
		case rowString, rowBytes:
			l, k := binary.Uvarint(b)
			if k <= 0 || uint64(len(b)-k) < l {
				return nil, ErrCorruptRow
			}
			data := b[k : k+int(l)]
			switch {
			case !want:
			case tag == rowString:
				dst[i] = string(data)
			default:
				dst[i] = append([]byte{}, data...)
			}
			b = b[k+int(l):]
		case rowTime, rowTimeZoned:
			secs, k := binary.Varint(b)
			if k <= 0 {
				return nil, ErrCorruptRow
			}
			b = b[k:]
			ns, k := binary.Uvarint(b)
			if k <= 0 || ns >= 1e9 {
				return nil, ErrCorruptRow
			}
			t := time.Unix(secs, int64(ns)).UTC()
			b = b[k:]
			if tag == rowTimeZoned {
				off, k := binary.Varint(b)
				if k <= 0 || off < -14*3600 || off > 14*3600 {
					return nil, ErrCorruptRow
				}
				t, b = t.In(time.FixedZone("", int(off))), b[k:]
			}
			dst[i] = t
		case rowUUID:
			if len(b) < 16 {
				return nil, ErrCorruptRow
			}
			var u types.UUID
			copy(u[:], b)
			dst[i], b = u, b[16:]
		default:
			return nil, ErrCorruptRow
		}
		if !want {
			dst[i] = nil
		}
	}
	return dst, nil
}
