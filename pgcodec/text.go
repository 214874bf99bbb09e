package pgcodec

import (
	"encoding/hex"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"mirrordb/sqlerr"
	"mirrordb/types"
)

// Text format: values as PostgreSQL's output functions print them, and
// parameters as its input functions read them.

// AppendText appends the text form of v (not NULL) for a column of type t.
func AppendText(dst []byte, t types.Type, v types.Value) ([]byte, error) {
	switch TypeOf(t).OID {
	case OIDInt2, OIDInt4, OIDInt8:
		n, err := asInt64(v)
		return appendInt(dst, n), err
	case OIDBool:
		b, err := asBool(v)
		return appendBool(dst, b), err
	case OIDNumeric:
		d, err := asDec(v)
		return append(dst, d.String()...), err
	case OIDFloat4:
		f, err := asFloat(v)
		return formatFloat(dst, f, 32), err
	case OIDFloat8:
		f, err := asFloat(v)
		return formatFloat(dst, f, 64), err
	case OIDDate:
		tm, err := asTime(v)
		return appendDateText(dst, tm), err
	case OIDTimestamp:
		tm, err := asTime(v)
		return appendTimestampText(dst, roundToPrecision(tm, t)), err
	case OIDTimestampTZ:
		tm, err := asZonedTime(v)
		return appendZone(appendTimestampText(dst, roundToPrecision(tm, t)), tm), err
	case OIDTime:
		tm, err := asTime(v)
		return appendTimeText(dst, roundToPrecision(tm, t)), err
	case OIDUUID:
		u, err := asUUID(v)
		return appendUUIDText(dst, u), err
	case OIDBytea:
		b, err := asBytes(v)
		return appendByteaText(dst, b), err
	}
	return appendAnyText(dst, v), nil
}

func appendInt(dst []byte, n int64) []byte { return strconv.AppendInt(dst, n, 10) }

func appendBool(dst []byte, b bool) []byte {
	if b {
		return append(dst, 't')
	}
	return append(dst, 'f')
}

// formatFloat prints f as PostgreSQL 12+ does (extra_float_digits = 1):
// the shortest string that reads back as the same float4 or float8, in
// fixed notation for decimal exponents in [-4, 15) (float8) or [-4, 6)
// (float4) and in exponent notation otherwise.
func formatFloat(dst []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	}
	if bits == 32 {
		f = float64(float32(f))
	}
	limit := 15
	if bits == 32 {
		limit = 6
	}
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', -1, bits)
	exp := 0
	if i := strings.LastIndexByte(string(e), 'e'); i >= 0 {
		exp, _ = strconv.Atoi(string(e[i+1:]))
	}
	if exp < -4 || exp >= limit {
		return append(dst, e...)
	}
	return strconv.AppendFloat(dst, f, 'f', -1, bits)
}

func appendYear(dst []byte, year int) []byte {
	if year <= 0 { // 1 BC is year 0
		year = 1 - year
	}
	for n := 1000; n > 1 && year < n; n /= 10 {
		dst = append(dst, '0') // at least four digits
	}
	return strconv.AppendInt(dst, int64(year), 10)
}

func append2(dst []byte, n int) []byte { return append(dst, byte('0'+n/10), byte('0'+n%10)) }

// appendDateText prints YYYY-MM-DD.
func appendDateText(dst []byte, t time.Time) []byte {
	dst = appendYear(dst, t.Year())
	dst = append(dst, '-')
	dst = append2(dst, int(t.Month()))
	dst = append(dst, '-')
	dst = append2(dst, t.Day())
	if t.Year() <= 0 {
		dst = append(dst, " BC"...)
	}
	return dst
}

// roundToPrecision rounds a DATETIME to milliseconds (SQL Server shows
// its 1/300 s values as .000, .003, .007) and a DATETIME2(p) to p digits,
// so text output shows what the column holds.
func roundToPrecision(tm time.Time, t types.Type) time.Time {
	switch t.Kind {
	case types.DateTime:
		return tm.Round(time.Millisecond)
	case types.DateTime2, types.Time, types.DateTimeOffset:
		unit := time.Duration(1)
		for i := int(t.Precision); i < 9; i++ {
			unit *= 10
		}
		return tm.Round(unit)
	}
	return tm
}

// appendTimestampText prints YYYY-MM-DD HH:MM:SS[.ffffff], rounded to the
// microsecond, fraction digits trimmed of trailing zeros as PostgreSQL does.
func appendTimestampText(dst []byte, t time.Time) []byte {
	t = t.Round(time.Microsecond)
	dst = appendYear(dst, t.Year())
	dst = append(dst, '-')
	dst = append2(dst, int(t.Month()))
	dst = append(dst, '-')
	dst = append2(dst, t.Day())
	dst = append(dst, ' ')
	dst = append2(dst, t.Hour())
	dst = append(dst, ':')
	dst = append2(dst, t.Minute())
	dst = append(dst, ':')
	dst = append2(dst, t.Second())
	if us := t.Nanosecond() / 1000; us != 0 {
		frac := strconv.Itoa(us + 1000000)[1:]
		dst = append(dst, '.')
		dst = append(dst, strings.TrimRight(frac, "0")...)
	}
	if t.Year() <= 0 {
		dst = append(dst, " BC"...)
	}
	return dst
}

// appendZone prints a timestamptz's offset as PostgreSQL does: +02,
// -05:30. The value is printed in its own zone (a DATETIMEOFFSET keeps
// the offset it was given), not converted to the session's TimeZone.
func appendZone(dst []byte, t time.Time) []byte {
	_, off := t.Zone()
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	dst = append2(append(dst, sign), off/3600)
	if m := off % 3600 / 60; m != 0 {
		dst = append2(append(dst, ':'), m)
	}
	return dst
}

// appendTimeText prints a time of day as HH:MM:SS[.ffffff].
func appendTimeText(dst []byte, t time.Time) []byte {
	us := timeOfDayMicros(t)
	secs := us / 1000000
	dst = append2(dst, int(secs/3600))
	dst = append2(append(dst, ':'), int(secs/60%60))
	dst = append2(append(dst, ':'), int(secs%60))
	if frac := us % 1000000; frac != 0 {
		dst = append(dst, '.')
		dst = append(dst, strings.TrimRight(strconv.Itoa(int(frac) + 1000000)[1:], "0")...)
	}
	return dst
}

// appendUUIDText prints the lower-case 8-4-4-4-12 form.
func appendUUIDText(dst []byte, u types.UUID) []byte { return u.AppendLower(dst) }

// appendByteaText prints bytea's hex format: \x followed by lower-case hex.
func appendByteaText(dst []byte, b []byte) []byte {
	dst = append(dst, '\\', 'x')
	return hex.AppendEncode(dst, b)
}

// DecodeText parses a text-format parameter declared with the given OID
// into its Go representation.
func DecodeText(oid uint32, src []byte) (types.Value, error) {
	// Every case but the last only parses s and keeps nothing of it (error
	// messages are formatted copies), so s is a view of src, not a copy: a
	// COPY converts millions of fields.
	s := unsafe.String(unsafe.SliceData(src), len(src))
	switch oid {
	case OIDInt2, OIDInt4, OIDInt8:
		return parseInt(s, oid)
	case OIDBool:
		if b, ok := types.ParsePGBool(s); ok {
			return b, nil
		}
		return nil, sqlerr.New(245, "varchar", s, "bit")
	case OIDNumeric:
		if d, ok := parseNumeric(s); ok {
			return d, nil
		}
		return nil, sqlerr.New(8114, "varchar", "numeric")
	case OIDFloat4, OIDFloat8:
		bits := 64
		if oid == OIDFloat4 {
			bits = 32
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(s), bits)
		if err != nil {
			return nil, sqlerr.New(8114, "varchar", "float")
		}
		return f, nil
	case OIDDate, OIDTimestamp, OIDTimestampTZ:
		// A zone moves a timestamptz to UTC; date and timestamp ignore it,
		// as PostgreSQL does (pgjdbc's setDate sends "2024-01-03 +00").
		t, offset, ok := parseTimestamp(s)
		if !ok {
			return nil, sqlerr.New(241)
		}
		switch oid {
		case OIDDate:
			return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), nil
		case OIDTimestampTZ:
			return t.Add(-time.Duration(offset) * time.Second), nil
		}
		return t, nil
	case OIDTime:
		t, ok := types.ParseTime(s)
		if !ok {
			return nil, sqlerr.New(241)
		}
		return types.TimeOfDay(t), nil
	case OIDUUID:
		if u, ok := parseUUID(s); ok {
			return u, nil
		}
		return nil, sqlerr.New(8169)
	case OIDBytea:
		if b, ok := types.ParseBytea(s); ok {
			return b, nil
		}
		return nil, sqlerr.New(8114, "varchar", "varbinary")
	}
	if !utf8.Valid(src) {
		return nil, sqlerr.Protocol(sqlerr.CharNotInRepertoire, "invalid byte sequence for encoding \"UTF8\"")
	}
	return string(src), nil
}

// parseInt reads an integer of the OID's width.
func parseInt(s string, oid uint32) (types.Value, error) {
	bits, name := 64, "bigint"
	switch oid {
	case OIDInt2:
		bits, name = 16, "smallint"
	case OIDInt4:
		bits, name = 32, "int"
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, bits)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return nil, sqlerr.New(248, "varchar", s, name)
		}
		return nil, sqlerr.New(245, "varchar", s, name)
	}
	return n, nil
}

// parseNumeric reads [+-]digits[.digits][e[+-]digits] exactly. NaN and
// infinities have no T-SQL equivalent and are rejected.
func parseNumeric(s string) (types.Dec, bool) {
	s = strings.TrimSpace(s)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	mant, expPart, hasExp := s, "", false
	for i := 0; i < len(s); i++ {
		if s[i] == 'e' || s[i] == 'E' {
			mant, expPart, hasExp = s[:i], s[i+1:], true
			break
		}
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	n := len(intPart) + len(frac)
	if n == 0 || n > 1000 || !allDigits(intPart) || !allDigits(frac) {
		return types.Dec{}, false
	}
	scale := int64(len(frac))
	if hasExp {
		e, err := strconv.ParseInt(expPart, 10, 32)
		if err != nil || e > 1000 || e < -1000 {
			return types.Dec{}, false
		}
		scale -= e
	}
	var d types.Dec
	if n <= 18 { // fits an int64: no string to build and scan (COPY reads millions)
		var v int64
		for _, part := range [2]string{intPart, frac} {
			for i := 0; i < len(part); i++ {
				v = v*10 + int64(part[i]-'0')
			}
		}
		if neg {
			v = -v
		}
		d = types.DecFromInt(v)
		d.Scale = int32(scale)
	} else {
		c, ok := new(big.Int).SetString(intPart+frac, 10)
		if !ok {
			return types.Dec{}, false
		}
		if neg {
			c.Neg(c)
		}
		d = types.NewDec(c, int32(scale))
	}
	if scale < 0 {
		d = d.Rescale(0)
	}
	return d, true
}

// allDigits reports whether s holds only decimal digits (or nothing).
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseTimestamp reads an ISO date with an optional time of day and an
// optional zone (Z, UTC, +hh, +hh:mm, +hhmm, +hh:mm:ss), also after a date
// alone ("2024-01-03 +00"). It returns the wall time as written and the
// zone's offset east of UTC in seconds (0 without one).
func parseTimestamp(s string) (wall time.Time, offset int, ok bool) {
	s = strings.TrimSpace(s)
	p := &scanner{s: s}
	year, ok := p.number(1, 6)
	if !ok || !p.take('-') {
		return time.Time{}, 0, false
	}
	month, ok1 := p.number(1, 2)
	ok2 := p.take('-')
	day, ok3 := p.number(1, 2)
	if !ok1 || !ok2 || !ok3 {
		return time.Time{}, 0, false
	}
	var hour, minute, sec, nsec int
	sep := p.take(' ') || p.take('T') || p.take('t')
	for p.take(' ') {
	}
	if sep && p.i < len(p.s) && isDigit(p.s[p.i]) { // a time of day
		var okh, okc, okm bool
		hour, okh = p.number(1, 2)
		okc = p.take(':')
		minute, okm = p.number(1, 2)
		if !okh || !okc || !okm {
			return time.Time{}, 0, false
		}
		if p.take(':') {
			if sec, ok = p.number(1, 2); !ok {
				return time.Time{}, 0, false
			}
			if p.take('.') {
				start := p.i
				for p.i < len(p.s) && isDigit(p.s[p.i]) {
					p.i++
				}
				frac := p.s[start:p.i]
				if frac == "" {
					return time.Time{}, 0, false
				}
				// Digits past the nanosecond are dropped.
				nsec, _ = strconv.Atoi((frac + "000000000")[:9])
			}
		}
	}
	for p.take(' ') {
	}
	switch rest := p.s[p.i:]; {
	case rest == "":
	case rest == "Z" || rest == "z" || strings.EqualFold(rest, "UTC") || strings.EqualFold(rest, "GMT"):
	case rest[0] == '+' || rest[0] == '-':
		sign := 1
		if rest[0] == '-' {
			sign = -1
		}
		p.i++
		zh, ok := p.number(1, 2)
		if !ok {
			return time.Time{}, 0, false
		}
		zm, zs := 0, 0
		if p.take(':') {
			if zm, ok = p.number(2, 2); !ok {
				return time.Time{}, 0, false
			}
			if p.take(':') {
				if zs, ok = p.number(2, 2); !ok {
					return time.Time{}, 0, false
				}
			}
		} else if p.i < len(p.s) {
			if zm, ok = p.number(2, 2); !ok {
				return time.Time{}, 0, false
			}
		}
		if p.i != len(p.s) || zh > 15 || zm > 59 || zs > 59 {
			return time.Time{}, 0, false
		}
		offset = sign * (zh*3600 + zm*60 + zs)
	default:
		return time.Time{}, 0, false
	}
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, 0, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if t.Day() != day { // 31 February
		return time.Time{}, 0, false
	}
	return t, offset, true
}

// scanner is a cursor over a short string for the hand-written parsers.
type scanner struct {
	s string
	i int
}

func (p *scanner) take(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// number reads min..max decimal digits.
func (p *scanner) number(min, max int) (int, bool) {
	start := p.i
	for p.i < len(p.s) && p.i-start < max && isDigit(p.s[p.i]) {
		p.i++
	}
	if p.i-start < min {
		return 0, false
	}
	n, err := strconv.Atoi(p.s[start:p.i])
	return n, err == nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// parseUUID accepts what PostgreSQL's uuid_in accepts: 32 hex digits in
// any case, optionally in braces, with a hyphen allowed after any group of
// four digits.
func parseUUID(s string) (types.UUID, bool) {
	var u types.UUID
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "{") {
		if !strings.HasSuffix(s, "}") {
			return u, false
		}
		s = s[1 : len(s)-1]
	}
	var h [32]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '-' {
			if n == 0 || n%4 != 0 || n == 32 || s[i-1] == '-' {
				return u, false
			}
			continue
		}
		if n == 32 {
			return u, false
		}
		h[n] = c
		n++
	}
	if n != 32 {
		return u, false
	}
	if _, err := hex.Decode(u[:], h[:]); err != nil {
		return u, false
	}
	return u, true
}
