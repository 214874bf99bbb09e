package pgcodec

import (
	"encoding/binary"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"mirrordb/sqlerr"
	"mirrordb/types"
)

// Binary format: PostgreSQL's send/recv functions. Integers are
// big-endian at the type's width, floats IEEE 754, bool one byte, text and
// bytea raw, date int32 days and timestamp int64 microseconds since
// 2000-01-01, uuid 16 bytes, numeric base-10000 digits.

// pgEpochUnix is 2000-01-01 00:00:00 UTC in Unix seconds.
const pgEpochUnix = 946684800

const (
	numericPos  = 0x0000
	numericNeg  = 0x4000
	numericNaN  = 0xC000
	numericPInf = 0xD000
	numericNInf = 0xF000
	// numericMaxDScale is PostgreSQL's NUMERIC_MAX_DISPLAY_SCALE.
	numericMaxDScale = 0x3FFF
	// numericMaxWeight bounds accepted values far beyond DECIMAL(38)'s
	// range (10^160) while keeping the arithmetic cheap.
	numericMaxWeight = 40
)

// AppendBinary appends the binary form of v (not NULL) for a column of
// type t.
func AppendBinary(dst []byte, t types.Type, v types.Value) ([]byte, error) {
	switch oid := TypeOf(t).OID; oid {
	case OIDInt2, OIDInt4, OIDInt8:
		n, err := asInt64(v)
		if err != nil {
			return dst, err
		}
		switch oid {
		case OIDInt2:
			if n < math.MinInt16 || n > math.MaxInt16 {
				return dst, sqlerr.New(220, "smallint", strconv.FormatInt(n, 10))
			}
			return binary.BigEndian.AppendUint16(dst, uint16(n)), nil
		case OIDInt4:
			if n < math.MinInt32 || n > math.MaxInt32 {
				return dst, sqlerr.New(220, "int", strconv.FormatInt(n, 10))
			}
			return binary.BigEndian.AppendUint32(dst, uint32(n)), nil
		}
		return binary.BigEndian.AppendUint64(dst, uint64(n)), nil
	case OIDBool:
		b, err := asBool(v)
		if b {
			return append(dst, 1), err
		}
		return append(dst, 0), err
	case OIDNumeric:
		d, err := asDec(v)
		if err != nil {
			return dst, err
		}
		return appendNumericBinary(dst, d), nil
	case OIDFloat4:
		f, err := asFloat(v)
		return binary.BigEndian.AppendUint32(dst, math.Float32bits(float32(f))), err
	case OIDFloat8:
		f, err := asFloat(v)
		return binary.BigEndian.AppendUint64(dst, math.Float64bits(f)), err
	case OIDDate:
		tm, err := asTime(v)
		if err != nil {
			return dst, err
		}
		return binary.BigEndian.AppendUint32(dst, uint32(int32(floorDiv(tm.Unix()-pgEpochUnix, 86400)))), nil
	case OIDTimestamp, OIDTimestampTZ: // timestamptz is the UTC instant
		tm, err := asTime(v)
		if err != nil {
			return dst, err
		}
		// As in text: a DATETIME's 1/300 s ticks show as milliseconds.
		return binary.BigEndian.AppendUint64(dst, uint64(timestampMicros(roundToPrecision(tm, t)))), nil
	case OIDTime:
		tm, err := asTime(v)
		if err != nil {
			return dst, err
		}
		return binary.BigEndian.AppendUint64(dst, uint64(timeOfDayMicros(tm))), nil
	case OIDUUID:
		u, err := asUUID(v)
		return append(dst, u[:]...), err
	case OIDBytea:
		b, err := asBytes(v)
		return append(dst, b...), err
	}
	return appendAnyText(dst, v), nil
}

// timestampMicros returns t as microseconds since 2000-01-01 UTC, rounded
// to the microsecond. (time.Duration cannot span year 1 to 2000.)
func timestampMicros(t time.Time) int64 {
	t = t.Round(time.Microsecond)
	return (t.Unix()-pgEpochUnix)*1000000 + int64(t.Nanosecond()/1000)
}

// timeOfDayMicros returns t's clock time as microseconds since midnight
// (PostgreSQL's time), rounded to the microsecond within the day.
func timeOfDayMicros(t time.Time) int64 {
	us := (int64(t.Hour())*3600+int64(t.Minute())*60+int64(t.Second()))*1000000 + int64(t.Nanosecond()+500)/1000
	return min(us, 86400*1000000-1)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// appendNumericBinary encodes d as PostgreSQL's numeric_send does:
// ndigits, weight, sign, dscale (int16 each), then ndigits base-10000
// digits, most significant first, with leading and trailing zero digits
// stripped; the value is Σ digit[i]·10000^(weight−i).
func appendNumericBinary(dst []byte, d types.Dec) []byte {
	coef, scale := d.Coef(), int(d.Scale)
	if scale < 0 {
		coef.Mul(coef, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-scale)), nil))
		scale = 0
	}
	sign := uint16(numericPos)
	if coef.Sign() < 0 {
		sign = numericNeg
		coef.Neg(coef)
	}
	var groups []uint16
	weight := 0
	if coef.Sign() != 0 {
		digits := coef.String()
		var intPart, frac string
		if len(digits) > scale {
			intPart, frac = digits[:len(digits)-scale], digits[len(digits)-scale:]
		} else {
			frac = strings.Repeat("0", scale-len(digits)) + digits
		}
		intPart = strings.Repeat("0", (4-len(intPart)%4)%4) + intPart
		frac += strings.Repeat("0", (4-len(frac)%4)%4)
		all := intPart + frac
		groups = make([]uint16, 0, len(all)/4)
		for i := 0; i < len(all); i += 4 {
			n, _ := strconv.Atoi(all[i : i+4])
			groups = append(groups, uint16(n))
		}
		weight = len(intPart)/4 - 1
		for len(groups) > 0 && groups[0] == 0 {
			groups = groups[1:]
			weight--
		}
		for len(groups) > 0 && groups[len(groups)-1] == 0 {
			groups = groups[:len(groups)-1]
		}
	}
	if len(groups) == 0 {
		weight, sign = 0, numericPos
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(groups)))
	dst = binary.BigEndian.AppendUint16(dst, uint16(int16(weight)))
	dst = binary.BigEndian.AppendUint16(dst, sign)
	dst = binary.BigEndian.AppendUint16(dst, uint16(min(scale, numericMaxDScale)))
	for _, g := range groups {
		dst = binary.BigEndian.AppendUint16(dst, g)
	}
	return dst
}

// decodeNumericBinary is the inverse of appendNumericBinary; the result
// carries the display scale as its Scale.
func decodeNumericBinary(src []byte) (types.Dec, error) {
	if len(src) < 8 {
		return types.Dec{}, ErrBadBinary
	}
	ndigits := int(int16(binary.BigEndian.Uint16(src)))
	weight := int(int16(binary.BigEndian.Uint16(src[2:])))
	sign := binary.BigEndian.Uint16(src[4:])
	dscale := int(binary.BigEndian.Uint16(src[6:]))
	if ndigits < 0 || len(src) != 8+2*ndigits || dscale > numericMaxDScale {
		return types.Dec{}, ErrBadBinary
	}
	switch sign {
	case numericPos, numericNeg:
	case numericNaN, numericPInf, numericNInf:
		return types.Dec{}, sqlerr.New(8114, "numeric", "decimal")
	default:
		return types.Dec{}, ErrBadBinary
	}
	if ndigits == 0 {
		return types.NewDec(new(big.Int), int32(dscale)), nil
	}
	if weight > numericMaxWeight {
		return types.Dec{}, sqlerr.New(8115, "numeric", "decimal")
	}
	coef := new(big.Int)
	base := big.NewInt(10000)
	for i := 0; i < ndigits; i++ {
		g := binary.BigEndian.Uint16(src[8+2*i:])
		if g > 9999 {
			return types.Dec{}, ErrBadBinary
		}
		coef.Mul(coef, base).Add(coef, big.NewInt(int64(g)))
	}
	// value = coef · 10^(4·(weight−ndigits+1))
	scale := -4 * (weight - ndigits + 1)
	if scale > numericMaxDScale+4 {
		return types.Dec{}, ErrBadBinary
	}
	if sign == numericNeg {
		coef.Neg(coef)
	}
	return types.NewDec(coef, int32(scale)).Rescale(int32(dscale)), nil
}

// ErrBadBinary marks a binary parameter whose length or content does not
// fit its type; Bind reports it with the parameter's number.
var ErrBadBinary = sqlerr.Protocol(sqlerr.InvalidBinaryRep, "incorrect binary data format")

// DecodeBinary parses a binary-format parameter declared with the given
// OID into its Go representation.
func DecodeBinary(oid uint32, src []byte) (types.Value, error) {
	need := func(n int) error {
		if len(src) != n {
			return ErrBadBinary
		}
		return nil
	}
	switch oid {
	case OIDInt2:
		if err := need(2); err != nil {
			return nil, err
		}
		return int64(int16(binary.BigEndian.Uint16(src))), nil
	case OIDInt4:
		if err := need(4); err != nil {
			return nil, err
		}
		return int64(int32(binary.BigEndian.Uint32(src))), nil
	case OIDInt8:
		if err := need(8); err != nil {
			return nil, err
		}
		return int64(binary.BigEndian.Uint64(src)), nil
	case OIDBool:
		if err := need(1); err != nil {
			return nil, err
		}
		return src[0] != 0, nil
	case OIDNumeric:
		d, err := decodeNumericBinary(src)
		if err != nil {
			return nil, err
		}
		return d, nil
	case OIDFloat4:
		if err := need(4); err != nil {
			return nil, err
		}
		return float64(math.Float32frombits(binary.BigEndian.Uint32(src))), nil
	case OIDFloat8:
		if err := need(8); err != nil {
			return nil, err
		}
		return math.Float64frombits(binary.BigEndian.Uint64(src)), nil
	case OIDDate:
		if err := need(4); err != nil {
			return nil, err
		}
		days := int32(binary.BigEndian.Uint32(src))
		if days == math.MaxInt32 || days == math.MinInt32 { // ±infinity
			return nil, sqlerr.New(242, "date", "date")
		}
		return time.Unix(pgEpochUnix+int64(days)*86400, 0).UTC(), nil
	case OIDTimestamp, OIDTimestampTZ:
		if err := need(8); err != nil {
			return nil, err
		}
		us := int64(binary.BigEndian.Uint64(src))
		if us == math.MaxInt64 || us == math.MinInt64 { // ±infinity
			return nil, sqlerr.New(242, "timestamp", "datetime2")
		}
		sec := floorDiv(us, 1000000)
		return time.Unix(pgEpochUnix+sec, (us-sec*1000000)*1000).UTC(), nil
	case OIDTime:
		if err := need(8); err != nil {
			return nil, err
		}
		us := int64(binary.BigEndian.Uint64(src))
		if us < 0 || us > 86400*1000000 {
			return nil, sqlerr.New(242, "time", "time")
		}
		return time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(us) * time.Microsecond), nil
	case OIDUUID:
		if err := need(16); err != nil {
			return nil, err
		}
		var u types.UUID
		copy(u[:], src)
		return u, nil
	case OIDBytea:
		return append([]byte{}, src...), nil
	case OIDText, OIDVarChar, OIDBPChar, OIDName, OIDUnknown:
		if !utf8.Valid(src) {
			return nil, sqlerr.Protocol(sqlerr.CharNotInRepertoire, "invalid byte sequence for encoding \"UTF8\"")
		}
		return string(src), nil
	}
	return nil, sqlerr.Protocol(sqlerr.FeatureNotSupported, "binary format is not supported for parameters of type OID %d", oid)
}

// Decode decodes one value sent in format (0 text, 1 binary); nil is
// NULL.
func Decode(oid uint32, format int16, src []byte) (types.Value, error) {
	if src == nil {
		return nil, nil
	}
	if format == 1 {
		return DecodeBinary(oid, src)
	}
	return DecodeText(oid, src)
}
