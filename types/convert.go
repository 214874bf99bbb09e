package types

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"mirrordb/sqlerr"
)

// Mode says which conversion rules apply.
type Mode uint8

const (
	// Implicit is assignment and operator coercion: conversions SQL Server
	// does not do implicitly fail with 257, and strings or binaries that do
	// not fit fail with 8152 (the engine adds table and column: 2628).
	Implicit Mode = iota
	// Explicit is CAST / CONVERT: strings and binaries are silently cut to
	// the target length; 529 for conversions that do not exist at all.
	Explicit
)

// Convert converts v, a value of type from, to type to. NULL converts to
// NULL. Errors are *sqlerr.Error with SQL Server's numbers (220, 241, 242,
// 245, 257, 529, 8114, 8115, 8152, 8169).
func Convert(v Value, from, to Type, mode Mode) (Value, error) {
	out, err := convert(v, from, to, mode)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func convert(v Value, from, to Type, mode Mode) (Value, *sqlerr.Error) {
	if v == nil {
		return nil, nil
	}
	if from.Kind == Unknown {
		from = TypeOf(v)
	}
	if !convertible(from.Kind, to.Kind, mode) {
		if mode == Implicit {
			return nil, sqlerr.New(257, from.String(), to.String())
		}
		return nil, sqlerr.New(529, from.String(), to.String())
	}
	switch {
	case to.Kind.IsInteger():
		return toInteger(v, from, to)
	case to.Kind == Bit:
		return toBit(v, from)
	case to.Kind == Decimal:
		return toDecimal(v, from, to)
	case to.Kind.IsMoney():
		return toMoney(v, from, to)
	case to.Kind == Float || to.Kind == Real:
		return toFloat(v, from, to)
	case to.Kind.IsString():
		return toString(v, from, to, mode)
	case to.Kind.IsTemporal():
		return toTime(v, from, to)
	case to.Kind == UniqueIdentifier:
		return toUUID(v, from)
	case to.Kind.IsBinary():
		return toBinary(v, from, to, mode)
	case to.Kind == Unknown:
		return v, nil
	}
	return nil, sqlerr.New(529, from.String(), to.String())
}

// TypeOf returns a natural type for a Go value whose SQL type is not known
// (used for NULL-typed literals and dynamic values).
func TypeOf(v Value) Type {
	switch x := v.(type) {
	case int64:
		return TypeBigInt
	case bool:
		return TypeBit
	case float64:
		return TypeFloat
	case Dec:
		return DecimalType(MaxDecPrecision, int(x.Scale))
	case string:
		return VarCharType(MaxLength)
	case []byte:
		return VarBinaryType(MaxLength)
	case time.Time:
		return DateTime2Type(7)
	case UUID:
		return TypeUUID
	}
	return TypeUnknown
}

// convertible encodes SQL Server's conversion chart for the kinds mirrordb
// has: which conversions exist, and which of those happen implicitly.
func convertible(from, to Kind, mode Mode) bool {
	if from == to || from == Unknown || to == Unknown {
		return true
	}
	switch {
	case from.IsString():
		return true
	case to.IsString():
		return true
	case from.IsNumeric() && to.IsNumeric():
		return true
	case from.IsTemporal() && to.IsTemporal():
		// TIME has no date and DATE no time of day.
		return !(from == Date && to == Time) && !(from == Time && to == Date)
	case from.IsNumeric() && (to == DateTime || to == SmallDateTime):
		// int → datetime counts days from 1900-01-01; implicit for ints only.
		return mode == Explicit || from.IsInteger() || from == Bit || from.IsMoney()
	case (from == DateTime || from == SmallDateTime) && to.IsNumeric():
		return mode == Explicit && to != Bit
	case from.IsBinary() && to.IsBinary():
		return true
	case from.IsBinary() && (to.IsInteger() || to == Decimal || to == Bit || to == UniqueIdentifier || to.IsMoney()):
		return true
	case to.IsBinary() && (from.IsInteger() || from == Decimal || from == Bit || from == UniqueIdentifier || from.IsMoney()):
		return mode == Explicit
	case from.IsBinary() && to.IsTemporal():
		return mode == Explicit && (to == DateTime || to == SmallDateTime)
	}
	return false
}

// CheckIntRange reports whether n fits the integer kind. A switch, not a
// map: it runs for every integer conversion, per row of an expression.
func CheckIntRange(n int64, k Kind) bool {
	switch k { // a switch, not a lookup in intRange: every integer result passes here
	case BigInt:
		return true
	case Int:
		return n >= math.MinInt32 && n <= math.MaxInt32
	case SmallInt:
		return n >= math.MinInt16 && n <= math.MaxInt16
	case TinyInt:
		return n >= 0 && n <= 255
	}
	return n == 0 // not an integer kind: the zero-value lookup intRange gave
}

func toInteger(v Value, from, to Type) (Value, *sqlerr.Error) {
	var n int64
	switch x := v.(type) {
	case int64:
		n = x
		if !CheckIntRange(n, to.Kind) {
			if from.Kind.IsInteger() && to.Kind.Precedence() < from.Kind.Precedence() {
				return nil, sqlerr.New(220, to.Kind.String(), strconv.FormatInt(n, 10))
			}
			return nil, sqlerr.New(8115, "expression", to.Kind.String())
		}
		return v, nil // the value as it is: boxing n again would allocate per row
	case bool:
		if x {
			return int64(1), nil
		}
		return int64(0), nil
	case Dec:
		name := "numeric"
		if from.Kind.IsMoney() { // money rounds to the nearest integer
			x, name = x.Rescale(0), from.Kind.String()
		}
		i, ok := x.Int64()
		if !ok || !CheckIntRange(i, to.Kind) {
			return nil, sqlerr.New(8115, name, to.Kind.String())
		}
		return i, nil
	case float64:
		t := math.Trunc(x)
		if math.IsNaN(t) || t < -9.223372036854775808e18 || t >= 9.223372036854775808e18 || !CheckIntRange(int64(t), to.Kind) {
			return nil, sqlerr.New(8115, "float", to.Kind.String())
		}
		return int64(t), nil
	case string:
		s := strings.TrimSpace(x)
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
				return nil, sqlerr.New(248, from.Kind.String(), x, to.Kind.String())
			}
			return nil, sqlerr.New(245, from.Kind.String(), x, to.Kind.String())
		}
		if !CheckIntRange(i, to.Kind) {
			return nil, sqlerr.New(244, from.Kind.String(), x, to.Kind.String())
		}
		return i, nil
	case []byte:
		return toInteger(bytesToInt(x, to.Kind), TypeBigInt, to)
	case time.Time:
		days := int64(x.Sub(sqlEpoch).Hours() / 24)
		return toInteger(days, TypeBigInt, to)
	}
	return nil, sqlerr.New(529, from.String(), to.String())
}

// bytesToInt reads the trailing bytes of b as a big-endian integer of the
// kind's width, as CAST(0x... AS INT) does.
func bytesToInt(b []byte, k Kind) int64 {
	width := map[Kind]int{TinyInt: 1, SmallInt: 2, Int: 4, BigInt: 8}[k]
	if len(b) > width {
		b = b[len(b)-width:]
	}
	var buf [8]byte
	copy(buf[8-len(b):], b)
	u := binary.BigEndian.Uint64(buf[:])
	switch k {
	case TinyInt:
		return int64(uint8(u))
	case SmallInt:
		return int64(int16(u))
	case Int:
		return int64(int32(u))
	}
	return int64(u)
}

func toBit(v Value, from Type) (Value, *sqlerr.Error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case int64:
		return x != 0, nil
	case Dec:
		return x.Sign() != 0, nil
	case float64:
		return x != 0, nil
	case string:
		s := strings.TrimSpace(x)
		switch strings.ToUpper(s) {
		case "TRUE", "T": // "t"/"f" are PostgreSQL's spellings, sent by drivers
			return true, nil
		case "FALSE", "F":
			return false, nil
		}
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i != 0, nil
		}
		return nil, sqlerr.New(245, from.Kind.String(), x, "bit")
	case []byte:
		for _, c := range x {
			if c != 0 {
				return true, nil
			}
		}
		return false, nil
	}
	return nil, sqlerr.New(529, from.String(), "bit")
}

// exactOf reads a value as an exact number for DECIMAL and MONEY targets,
// floats rounded to scale. ok is false for text parse refuses; err for a
// value of no numeric meaning or a float out of range.
func exactOf(v Value, from, to Type, scale int32, parse func(string) (Dec, bool)) (d Dec, ok bool, err *sqlerr.Error) {
	switch x := v.(type) {
	case int64:
		return DecFromInt(x), true, nil
	case bool:
		return DecFromInt(map[bool]int64{false: 0, true: 1}[x]), true, nil
	case Dec:
		return x, true, nil
	case float64:
		if d, ok = DecFromFloat(x, scale); !ok {
			return d, true, sqlerr.New(8115, "float", to.Kind.String())
		}
		return d, true, nil
	case string:
		d, ok = parse(x)
		return d, ok, nil
	case time.Time:
		d, _ = DecFromFloat(x.Sub(sqlEpoch).Hours()/24, scale)
		return d, true, nil
	}
	return d, true, sqlerr.New(529, from.String(), to.String())
}

func toDecimal(v Value, from, to Type) (Value, *sqlerr.Error) {
	if b, isBytes := v.([]byte); isBytes {
		v = bytesToInt(b, BigInt)
	}
	d, ok, err := exactOf(v, from, to, int32(to.Scale), ParseDec)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, sqlerr.New(8114, from.Kind.String(), "numeric")
	}
	d = d.Rescale(int32(to.Scale))
	if !d.FitsPrecision(int(to.Precision)) {
		name := "numeric"
		if from.Kind.IsInteger() {
			name = from.Kind.String()
		} else if from.Kind == Float || from.Kind == Real {
			name = "float"
		} else if from.Kind.IsString() {
			name = from.Kind.String()
		}
		return nil, sqlerr.New(8115, name, "numeric")
	}
	if x, same := v.(Dec); same && x.coef == d.coef && x.Scale == d.Scale {
		return v, nil // unchanged: no new interface value (a load converts millions)
	}
	return d, nil
}

func toFloat(v Value, from, to Type) (Value, *sqlerr.Error) {
	var f float64
	switch x := v.(type) {
	case int64:
		f = float64(x)
	case bool:
		f = map[bool]float64{false: 0, true: 1}[x]
	case Dec:
		f = x.Float64()
	case float64:
		f = x
	case string:
		var err error
		if f, err = strconv.ParseFloat(strings.TrimSpace(x), 64); err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, sqlerr.New(8114, from.Kind.String(), "float")
		}
	case time.Time:
		f = float64(x.Sub(sqlEpoch)) / float64(24*time.Hour)
	default:
		return nil, sqlerr.New(529, from.String(), to.String())
	}
	if to.Kind == Real {
		if math.Abs(f) > math.MaxFloat32 {
			return nil, sqlerr.New(8115, "float", "real")
		}
		f = float64(float32(f))
	}
	return f, nil
}

// FormatFloat renders a float the way CAST(float AS VARCHAR) does in SQL
// Server: up to 6 significant digits, exponent with three digits.
func FormatFloat(f float64) string {
	s := strconv.FormatFloat(f, 'g', 6, 64)
	if i := strings.IndexAny(s, "e"); i >= 0 {
		mant, exp := s[:i], s[i+1:]
		sign := exp[0]
		digits := exp[1:]
		for len(digits) < 3 {
			digits = "0" + digits
		}
		s = mant + "e" + string(sign) + digits
	}
	return s
}

// ToText renders a value as SQL Server's CAST(v AS NVARCHAR(MAX)) would.
func ToText(v Value, typ Type) string {
	switch x := v.(type) {
	case nil:
		return ""
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		if x {
			return "1"
		}
		return "0"
	case Dec:
		if typ.Kind.IsMoney() {
			return FormatMoney(x, 0)
		}
		return x.String()
	case float64:
		return FormatFloat(x)
	case string:
		return x
	case []byte:
		return string(x)
	case time.Time:
		if !typ.Kind.IsTemporal() {
			typ = DateTime2Type(7)
		}
		return FormatTime(x, typ)
	case UUID:
		return x.String()
	}
	return ""
}

func toString(v Value, from, to Type, mode Mode) (Value, *sqlerr.Error) {
	s := ToText(v, from)
	if b, ok := v.([]byte); ok {
		s = string(b)
	}
	if to.Length != MaxLength {
		n := utf8.RuneCountInString(s)
		if n > int(to.Length) {
			// Trailing spaces never count as truncation (ANSI padding).
			trimmed := strings.TrimRight(s, " ")
			if utf8.RuneCountInString(trimmed) <= int(to.Length) {
				s = trimmed
			} else if mode == Explicit {
				if from.Kind.IsNumeric() && from.Kind != Float && from.Kind != Real {
					return "*", nil
				}
				s = cutRunes(s, int(to.Length))
			} else {
				return nil, sqlerr.New(8152)
			}
		}
		if to.Kind.IsFixedLength() {
			if n = utf8.RuneCountInString(s); n < int(to.Length) {
				s += strings.Repeat(" ", int(to.Length)-n)
			}
		}
	}
	if x, same := v.(string); same && x == s {
		return v, nil // unchanged: no new interface value (a load converts millions)
	}
	return s, nil
}

func cutRunes(s string, n int) string {
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

func toTime(v Value, from, to Type) (Value, *sqlerr.Error) {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
		if from.Kind == DateTimeOffset && to.Kind != DateTimeOffset {
			t = WallTime(t)
		}
	case string:
		var ok bool
		if to.Kind == DateTimeOffset {
			t, ok = ParseDateTimeOffset(x)
		} else {
			t, ok = ParseTime(x)
		}
		if !ok {
			return nil, sqlerr.New(241)
		}
	case int64:
		t = sqlEpoch.AddDate(0, 0, int(x))
	case bool:
		t = sqlEpoch.AddDate(0, 0, map[bool]int{false: 0, true: 1}[x])
	case Dec:
		t = sqlEpoch.Add(time.Duration(x.Float64() * float64(24*time.Hour)))
	case float64:
		t = sqlEpoch.Add(time.Duration(x * float64(24*time.Hour)))
	case []byte:
		t = sqlEpoch.AddDate(0, 0, int(bytesToInt(x, Int)))
	default:
		return nil, sqlerr.New(529, from.String(), to.String())
	}
	if from.Kind == Time && to.Kind != Time {
		t = TimeOfDay(t) // a time of day becomes that time on 1900-01-01
	}
	n, ok := NormalizeTime(t, to)
	if !ok {
		return nil, sqlerr.New(242, from.Kind.String(), to.Kind.String())
	}
	if x, same := v.(time.Time); same && n == x {
		return v, nil // unchanged: no new interface value (a load converts millions)
	}
	return n, nil
}

func toUUID(v Value, from Type) (Value, *sqlerr.Error) {
	switch x := v.(type) {
	case UUID:
		return x, nil
	case string:
		u, ok := ParseUUID(x)
		if !ok {
			return nil, sqlerr.New(8169)
		}
		return u, nil
	case []byte:
		var u UUID
		copy(u[:], x)
		return u, nil
	}
	return nil, sqlerr.New(529, from.String(), "uniqueidentifier")
}

func toBinary(v Value, from, to Type, mode Mode) (Value, *sqlerr.Error) {
	var b []byte
	switch x := v.(type) {
	case []byte:
		b = x
	case string:
		b = []byte(x)
		// PostgreSQL drivers interpolating bytea in the simple protocol send
		// '\x0a1b'; read it as hex when assigned (CAST keeps T-SQL's meaning).
		if mode == Implicit && len(x) >= 2 && x[0] == '\\' && x[1] == 'x' {
			if h, err := hex.DecodeString(x[2:]); err == nil {
				b = h
			}
		}
	case int64:
		width := map[Kind]int{TinyInt: 1, SmallInt: 2, Int: 4, BigInt: 8}[from.Kind]
		if width == 0 {
			width = 8
		}
		var buf [8]byte
		binary.BigEndian.PutUint64(buf[:], uint64(x))
		b = buf[8-width:]
	case bool:
		b = []byte{map[bool]byte{false: 0, true: 1}[x]}
	case UUID:
		b = x[:]
	case Dec:
		b = x.Coef().Bytes()
		if from.Kind.IsMoney() { // the 8- or 4-byte integer of 1/10000 units
			var buf [8]byte
			binary.BigEndian.PutUint64(buf[:], uint64(x.Rescale(MoneyScale).Coef().Int64()))
			b = buf[8-from.MaxBytes():]
		}
	default:
		return nil, sqlerr.New(529, from.String(), to.String())
	}
	if to.Length != MaxLength && len(b) > int(to.Length) {
		if mode == Implicit {
			return nil, sqlerr.New(8152)
		}
		b = b[:to.Length]
	}
	out := bytes.Clone(b)
	if to.Kind == Binary && len(out) < int(to.Length) {
		out = append(out, make([]byte, int(to.Length)-len(out))...)
	}
	return out, nil
}
