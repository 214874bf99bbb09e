package types

import (
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"mirrordb/sqlerr"
)

// PostgreSQL's type names, as drivers write them in x::type casts, mapped
// onto mirrordb's types (docs/ARCHITECTURE.md, "What drivers send"), and
// the input conversions PostgreSQL applies to text that T-SQL's CAST does
// not: bytea's '\x..' form, and time zones in date/time strings.

// PGInput is the text conversion a PostgreSQL type name asks for beyond an
// ordinary explicit conversion to its mirrordb type.
type PGInput uint8

const (
	PGPlain       PGInput = iota // CAST's own conversion
	PGBytea                      // '\x0a1b' (hex) or escape format → bytes
	PGTimestampTZ                // a zone offset moves the time to UTC
	PGTime                       // a time of day, kept as text hh:mm:ss[.ffffff]
	PGNumeric                    // numeric without (p,s): sized by the value
	PGBool                       // t, yes, on ... as well as T-SQL's TRUE and 1
)

// pgTimeType is what time and timetz become: text holding the time of day.
var pgTimeType = VarCharType(15)

// FromPGName resolves a PostgreSQL type name (upper- or lower-case, args
// as written) into the mirrordb type it maps to. ok is false for a name
// that is not one of PostgreSQL's; err reports bad arguments.
func FromPGName(name string, args []int) (t Type, in PGInput, ok bool, err error) {
	n := strings.ToLower(name)
	plain := func(t Type) (Type, PGInput, bool, error) {
		if len(args) > 0 {
			return Type{}, 0, true, badArgs(n)
		}
		return t, PGPlain, true, nil
	}
	sized := func(tsql string, def Type) (Type, PGInput, bool, error) {
		if len(args) == 0 {
			return def, PGPlain, true, nil
		}
		t, err := FromName(tsql, args, false)
		return t, PGPlain, true, err
	}
	switch n {
	case "int2", "smallint":
		return plain(TypeSmallInt)
	case "int4", "int", "integer":
		return plain(TypeInt)
	case "int8", "bigint":
		return plain(TypeBigInt)
	case "real", "float4":
		return plain(TypeReal)
	case "float8":
		return plain(TypeFloat)
	case "float":
		return sized("float", TypeFloat)
	case "numeric", "decimal":
		if len(args) == 0 {
			return DecimalType(MaxDecPrecision, 0), PGNumeric, true, nil
		}
		t, err := FromName("decimal", args, false)
		return t, PGPlain, true, err
	case "bool", "boolean":
		t, _, _, err := plain(TypeBit)
		return t, PGBool, true, err
	case "text", "json", "jsonb", "xml":
		return plain(NVarCharType(MaxLength))
	case "name":
		return plain(TypeSysname)
	case "varchar":
		if len(args) == 1 && args[0] > MaxNCharLength {
			return NVarCharType(MaxLength), PGPlain, true, nil
		}
		return sized("nvarchar", NVarCharType(MaxLength))
	case "char", "bpchar", "character":
		return sized("nchar", Type{Kind: NChar, Length: 1})
	case "bytea":
		t, _, _, err := plain(VarBinaryType(MaxLength))
		return t, PGBytea, true, err
	case "uuid":
		return plain(TypeUUID)
	case "date":
		return plain(TypeDate)
	case "timestamp", "timestamptz":
		t, err := timestampType(args)
		if n == "timestamptz" {
			return t, PGTimestampTZ, true, err
		}
		return t, PGPlain, true, err
	case "time", "timetz":
		if len(args) > 1 {
			return Type{}, 0, true, badArgs(n)
		}
		return pgTimeType, PGTime, true, nil
	}
	return Type{}, 0, false, nil
}

func badArgs(n string) error { return sqlerr.New(2716, 1, n) }

// timestampType is timestamp[(p)]: datetime2(p), microseconds by default
// as in PostgreSQL (and at most 7 digits, mirrordb's limit).
func timestampType(args []int) (Type, error) {
	switch {
	case len(args) == 0:
		return DateTime2Type(6), nil
	case len(args) > 1 || args[0] < 0 || args[0] > 7:
		return FromName("datetime2", args, false)
	}
	return DateTime2Type(args[0]), nil
}

// PGInputValue applies in to v (the value of a text expression) and
// returns the value to convert to the target type. Values that are not
// text pass unchanged.
func PGInputValue(v Value, in PGInput) (Value, error) {
	s, ok := v.(string)
	if !ok {
		if t, isTime := v.(time.Time); isTime && in == PGTime {
			return formatTimeOfDay(t), nil
		}
		return v, nil
	}
	switch in {
	case PGBytea:
		b, ok := ParseBytea(s)
		if !ok {
			return nil, sqlerr.New(8114, "varchar", "bytea")
		}
		return b, nil
	case PGTimestampTZ:
		t, ok := parseTime(s, true)
		if !ok {
			return nil, sqlerr.New(241)
		}
		return t, nil
	case PGBool:
		if b, ok := ParsePGBool(s); ok {
			return b, nil
		}
		return v, nil // T-SQL's own conversion reports it
	case PGTime:
		t, ok := parseTime(s, false)
		if !ok {
			return nil, sqlerr.New(241)
		}
		return formatTimeOfDay(t), nil
	}
	return v, nil
}

func formatTimeOfDay(t time.Time) string { return t.Format("15:04:05.999999") }

// ParseBytea reads PostgreSQL's bytea input: '\x' followed by hex digits
// (whitespace between pairs allowed), or the escape format, where \\ is a
// backslash and \ooo an octal byte.
func ParseBytea(s string) ([]byte, bool) {
	if strings.HasPrefix(s, `\x`) || strings.HasPrefix(s, `\X`) {
		h := s[2:]
		out := make([]byte, 0, len(h)/2)
		for i := 0; i < len(h); {
			if h[i] == ' ' || h[i] == '\t' || h[i] == '\n' || h[i] == '\r' {
				i++
				continue
			}
			if i+1 >= len(h) {
				return nil, false
			}
			b, err := hex.DecodeString(h[i : i+2])
			if err != nil {
				return nil, false
			}
			out = append(out, b[0])
			i += 2
		}
		return out, true
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		if s[i] != '\\' {
			out = append(out, s[i])
			i++
			continue
		}
		switch {
		case i+1 < len(s) && s[i+1] == '\\':
			out = append(out, '\\')
			i += 2
		case i+3 < len(s) && s[i+1] >= '0' && s[i+1] <= '3' && isOctal(s[i+2]) && isOctal(s[i+3]):
			out = append(out, (s[i+1]-'0')<<6|(s[i+2]-'0')<<3|(s[i+3]-'0'))
			i += 4
		default:
			return nil, false
		}
	}
	return out, true
}

// ParsePGBool accepts PostgreSQL's boolean spellings (t, true, yes, on, 1
// and their opposites, in any case).
func ParsePGBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "t", "true", "y", "yes", "on", "1":
		return true, true
	case "f", "false", "n", "no", "off", "0":
		return false, true
	}
	return false, false
}

func isOctal(c byte) bool { return '0' <= c && c <= '7' }

// splitZone separates a trailing time zone from a date/time string:
// "2024-01-03 +00", "2024-01-03 10:00:00+01", "...-05:30", "...Z",
// "... UTC". It returns the rest and the zone's offset east of UTC in
// seconds; found is false when there is no zone.
func splitZone(s string) (rest string, offset int, found bool) {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasSuffix(s, "Z") || strings.HasSuffix(s, "z"):
		if len(s) > 10 {
			return strings.TrimSpace(s[:len(s)-1]), 0, true
		}
	case strings.HasSuffix(strings.ToUpper(s), " UTC"):
		return strings.TrimSpace(s[:len(s)-4]), 0, true
	}
	// The sign of a zone comes after the date (10 characters of ISO form)
	// or after a time of day, and is followed by digits and colons only.
	i := strings.LastIndexAny(s, "+-")
	if i < 1 || (i < 10 && !strings.Contains(s[:i], ":")) {
		return s, 0, false
	}
	zone := s[i+1:]
	parts := strings.Split(zone, ":")
	if len(parts) == 1 && len(zone) == 4 { // +0530
		parts = []string{zone[:2], zone[2:]}
	}
	if len(parts) > 3 || len(parts[0]) == 0 || len(parts[0]) > 2 {
		return s, 0, false
	}
	mult := []int{3600, 60, 1}
	for j, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || (j > 0 && (len(p) != 2 || n > 59)) || (j == 0 && n > 15) {
			return s, 0, false
		}
		offset += n * mult[j]
	}
	if s[i] == '-' {
		offset = -offset
	}
	return strings.TrimSpace(s[:i]), offset, true
}

// parseTime parses s, accepting a trailing zone. toUTC moves the time by
// the zone's offset (timestamptz); otherwise the zone is ignored, as
// PostgreSQL does for date and timestamp and SQL Server for datetime2.
func parseTime(s string, toUTC bool) (time.Time, bool) {
	rest, offset, zoned := splitZone(s)
	t, ok := parseLayouts(rest)
	if !ok && zoned { // the sign was part of the value after all
		t, ok = parseLayouts(s)
		zoned = false
	}
	if ok && zoned && toUTC {
		t = t.Add(-time.Duration(offset) * time.Second)
	}
	return t, ok
}
