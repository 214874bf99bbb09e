package pgcodec

import (
	"bytes"
	"math"
	"math/big"
	"math/rand"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"mirrordb/sqlerr"
	"mirrordb/types"
)

func dec(s string) types.Dec {
	d, ok := types.ParseDec(s)
	if !ok {
		panic(s)
	}
	return d
}

func TestTextEncoding(t *testing.T) {
	ts := time.Date(2024, 5, 1, 13, 45, 0, 123456000, time.UTC)
	cases := []struct {
		typ  types.Type
		v    types.Value
		want string
	}{
		{types.TypeTinyInt, int64(255), "255"},
		{types.TypeInt, int64(-7), "-7"},
		{types.TypeBit, true, "t"},
		{types.TypeBit, false, "f"},
		{types.DecimalType(10, 2), dec("-123.45"), "-123.45"},
		{types.DecimalType(10, 3), dec("0.100"), "0.100"},
		{types.DecimalType(10, 2), int64(5), "5"},
		{types.TypeFloat, 0.1, "0.1"},
		{types.TypeFloat, 1e15, "1e+15"},
		{types.TypeFloat, 123456789012345.0, "123456789012345"},
		{types.TypeFloat, 1e-5, "1e-05"},
		{types.TypeFloat, 0.0001, "0.0001"},
		{types.TypeFloat, 1.5e300, "1.5e+300"},
		{types.TypeFloat, math.Copysign(0, -1), "-0"},
		{types.TypeFloat, math.NaN(), "NaN"},
		{types.TypeFloat, math.Inf(1), "Infinity"},
		{types.TypeFloat, math.Inf(-1), "-Infinity"},
		{types.TypeReal, float64(float32(0.1)), "0.1"},
		{types.TypeReal, 1e6, "1e+06"},
		{types.TypeReal, 123456.0, "123456"},
		{types.Type{Kind: types.Char, Length: 5}, "ab   ", "ab   "},
		{types.TypeDate, time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), "2024-05-01"},
		{types.TypeDate, time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), "0001-01-01"},
		{types.DateTime2Type(7), ts, "2024-05-01 13:45:00.123456"},
		{types.DateTime2Type(7), ts.Add(100), "2024-05-01 13:45:00.123456"},
		{types.DateTime2Type(7), ts.Add(-123456000 + 100000000), "2024-05-01 13:45:00.1"},
		{types.TypeDateTime, time.Date(2024, 5, 1, 13, 45, 0, 0, time.UTC), "2024-05-01 13:45:00"},
		{types.TypeUUID, sampleUUID, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
		{types.VarBinaryType(10), []byte{0x0a, 0x1b}, `\x0a1b`},
		{types.VarBinaryType(10), []byte{}, `\x`},
		{types.TypeUnknown, int64(3), "3"},
		{types.TypeUnknown, []byte{1}, `\x01`},
	}
	for _, c := range cases {
		got, err := AppendText(nil, c.typ, c.v)
		if err != nil {
			t.Errorf("%s %v: %v", c.typ, c.v, err)
			continue
		}
		if string(got) != c.want {
			t.Errorf("%s %v: got %q, want %q", c.typ, c.v, got, c.want)
		}
	}
}

func TestTextDecoding(t *testing.T) {
	utc := func(y, mo, d, h, mi, s, ns int) time.Time {
		return time.Date(y, time.Month(mo), d, h, mi, s, ns, time.UTC)
	}
	cases := []struct {
		oid  uint32
		in   string
		want types.Value
	}{
		{OIDInt2, "-32768", int64(-32768)},
		{OIDInt4, " 42 ", int64(42)},
		{OIDInt8, "9223372036854775807", int64(math.MaxInt64)},
		{OIDBool, "t", true}, {OIDBool, "TRUE", true}, {OIDBool, "yes", true}, {OIDBool, "on", true}, {OIDBool, "1", true},
		{OIDBool, "f", false}, {OIDBool, "false", false}, {OIDBool, "no", false}, {OIDBool, "off", false}, {OIDBool, "0", false},
		{OIDNumeric, "-123.450", dec("-123.450")},
		{OIDNumeric, "1.5e3", dec("1500")},
		{OIDNumeric, "1.5E-3", dec("0.0015")},
		{OIDNumeric, ".5", dec("0.5")},
		{OIDNumeric, "-999999999999999999", dec("-999999999999999999")},   // 18 digits: the int64 path
		{OIDNumeric, "1234567890.123456789", dec("1234567890.123456789")}, // 19: big.Int
		{OIDNumeric, "+7.", dec("7")},
		{OIDFloat8, "1.5", 1.5},
		{OIDFloat8, "Infinity", math.Inf(1)},
		{OIDFloat8, "-Infinity", math.Inf(-1)},
		{OIDFloat4, "0.1", float64(float32(0.1))},
		{OIDDate, "2024-05-01", utc(2024, 5, 1, 0, 0, 0, 0)},
		{OIDTimestamp, "2024-05-01 13:45:00.123456", utc(2024, 5, 1, 13, 45, 0, 123456000)},
		{OIDTimestamp, "2024-05-01T13:45:00", utc(2024, 5, 1, 13, 45, 0, 0)},
		{OIDTimestamp, "2024-05-01 13:45", utc(2024, 5, 1, 13, 45, 0, 0)},
		{OIDTimestamp, "2024-05-01", utc(2024, 5, 1, 0, 0, 0, 0)},
		{OIDTimestampTZ, "2024-05-01 15:45:00+02", utc(2024, 5, 1, 13, 45, 0, 0)},
		{OIDTimestampTZ, "2024-05-01 15:45:00.5+02:00", utc(2024, 5, 1, 13, 45, 0, 500000000)},
		{OIDTimestampTZ, "2024-05-01 11:15:00-0230", utc(2024, 5, 1, 13, 45, 0, 0)},
		{OIDTimestampTZ, "2024-05-01 13:45:00.123456Z", utc(2024, 5, 1, 13, 45, 0, 123456000)},
		{OIDTimestampTZ, "2024-05-01 13:45:00 UTC", utc(2024, 5, 1, 13, 45, 0, 0)},
		// date and timestamp ignore a zone, as PostgreSQL does: pgjdbc's
		// setDate sends a date with a zone and no time.
		{OIDDate, "2024-01-03 +00", utc(2024, 1, 3, 0, 0, 0, 0)},
		{OIDDate, "2024-01-03 +05:30", utc(2024, 1, 3, 0, 0, 0, 0)},
		{OIDDate, "2024-01-03 23:30:00-05", utc(2024, 1, 3, 0, 0, 0, 0)},
		{OIDTimestamp, "2024-01-03 10:00:00+01", utc(2024, 1, 3, 10, 0, 0, 0)},
		{OIDTimestampTZ, "2024-01-03 +01", utc(2024, 1, 2, 23, 0, 0, 0)},
		{OIDUUID, "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", sampleUUID},
		{OIDUUID, "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", sampleUUID},
		{OIDUUID, "a0eebc999c0b4ef8bb6d6bb9bd380a11", sampleUUID},
		{OIDUUID, "a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11", sampleUUID},
		{OIDBytea, `\x0a1B`, []byte{0x0a, 0x1b}},
		{OIDBytea, `ab\\c\001`, []byte{'a', 'b', '\\', 'c', 1}},
		{OIDText, "héllo", "héllo"},
		{0, "anything", "anything"},
		{114, `{"json":1}`, `{"json":1}`},
	}
	for _, c := range cases {
		got, err := DecodeText(c.oid, []byte(c.in))
		if err != nil {
			t.Errorf("%d %q: %v", c.oid, c.in, err)
			continue
		}
		if !equalValues(got, c.want) {
			t.Errorf("%d %q: got %#v, want %#v", c.oid, c.in, got, c.want)
		}
	}
	bad := []struct {
		oid  uint32
		in   string
		code string
	}{
		{OIDInt4, "abc", sqlerr.InvalidTextRep},
		{OIDInt2, "40000", sqlerr.NumericOutOfRange},
		{OIDBool, "maybe", sqlerr.InvalidTextRep},
		{OIDNumeric, "NaN", sqlerr.InvalidTextRep},
		{OIDNumeric, "1e", sqlerr.InvalidTextRep},
		{OIDFloat8, "x", sqlerr.InvalidTextRep},
		{OIDDate, "2024-02-30", sqlerr.InvalidDatetimeFormat},
		{OIDTimestamp, "2024-05-01 25:00", sqlerr.InvalidDatetimeFormat},
		{OIDTimestamp, "yesterday", sqlerr.InvalidDatetimeFormat},
		{OIDUUID, "a0eebc99-9c0b", sqlerr.InvalidTextRep},
		{OIDUUID, "-a0eebc999c0b4ef8bb6d6bb9bd380a11", sqlerr.InvalidTextRep},
		{OIDBytea, `\xabc`, sqlerr.InvalidTextRep},
		{OIDBytea, `\q`, sqlerr.InvalidTextRep},
		{OIDText, "\xff", sqlerr.CharNotInRepertoire},
	}
	for _, c := range bad {
		_, err := DecodeText(c.oid, []byte(c.in))
		if err == nil {
			t.Errorf("%d %q: no error", c.oid, c.in)
			continue
		}
		if got := sqlerr.As(err).Code; got != c.code {
			t.Errorf("%d %q: code %s, want %s (%v)", c.oid, c.in, got, c.code, err)
		}
	}
}

func equalValues(a, b types.Value) bool {
	switch x := a.(type) {
	case types.Dec:
		y, ok := b.(types.Dec)
		return ok && x.Cmp(y) == 0 && x.Scale == y.Scale
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y) && x.Location() == time.UTC
	case float64:
		y, ok := b.(float64)
		return ok && (x == y || math.IsNaN(x) && math.IsNaN(y))
	}
	return a == b
}

// numericSamples covers signs, zero, fractions, scales beyond the digits,
// values with inner and trailing zero groups, and 38-digit values.
var numericSamples = []string{
	"0", "0.00", "1", "-1", "0.1", "-0.1", "0.0001", "0.00001234", "12345.6789", "-12345.678900",
	"10000", "100000000", "99999999", "1000000000000.0001", "-0.000000001", "123456789012345678901234567890.12345678",
	"99999999999999999999999999999999999999", "-99999999999999999999999999999999999999",
	"0.99999999999999999999999999999999999999", "5e-38",
}

// TestNumericBinaryAgainstPgx round-trips numeric binary values through
// pgx's own codec in both directions.
func TestNumericBinaryAgainstPgx(t *testing.T) {
	m := pgtype.NewMap()
	samples := []types.Dec{}
	for _, s := range numericSamples {
		if d, ok := parseNumeric(s); ok {
			samples = append(samples, d)
		} else {
			t.Fatalf("parseNumeric(%q) failed", s)
		}
	}
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 500; i++ {
		digits := 1 + rng.Intn(38)
		c := new(big.Int).Rand(rng, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(digits)), nil))
		if rng.Intn(2) == 0 {
			c.Neg(c)
		}
		samples = append(samples, types.NewDec(c, int32(rng.Intn(digits+3))))
	}
	for _, d := range samples {
		enc := appendNumericBinary(nil, d)
		var n pgtype.Numeric
		if err := m.Scan(pgtype.NumericOID, pgtype.BinaryFormatCode, enc, &n); err != nil {
			t.Fatalf("%s: pgx cannot read our encoding: %v", d, err)
		}
		if !sameNumber(d, n) {
			t.Fatalf("%s: pgx read %v×10^%d", d, n.Int, n.Exp)
		}
		// And pgx's text rendering of what it read matches ours.
		txt, err := m.Encode(pgtype.NumericOID, pgtype.TextFormatCode, n, nil)
		if err != nil {
			t.Fatal(err)
		}
		if back, ok := parseNumeric(string(txt)); !ok || back.Cmp(d) != 0 {
			t.Fatalf("%s: pgx text %q", d, txt)
		}

		// pgx → us.
		pg, err := m.Encode(pgtype.NumericOID, pgtype.BinaryFormatCode, pgtype.Numeric{Int: d.Coef(), Exp: -d.Scale, Valid: true}, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeNumericBinary(pg)
		if err != nil {
			t.Fatalf("%s: decoding pgx's %x: %v", d, pg, err)
		}
		if got.Cmp(d) != 0 {
			t.Fatalf("%s: decoded pgx's encoding as %s", d, got)
		}
		// Our own round trip keeps the scale too.
		own, err := decodeNumericBinary(enc)
		if err != nil || own.Cmp(d) != 0 || own.Scale != d.Scale {
			t.Fatalf("%s: own round trip gave %s (scale %d), %v", d, own, own.Scale, err)
		}
	}
}

func sameNumber(d types.Dec, n pgtype.Numeric) bool {
	a := new(big.Rat).SetFrac(d.Coef(), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d.Scale)), nil))
	b := new(big.Rat).SetInt(n.Int)
	if n.Exp >= 0 {
		b.Mul(b, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n.Exp)), nil)))
	} else {
		b.Quo(b, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-n.Exp)), nil)))
	}
	return a.Cmp(b) == 0
}

func TestNumericBinaryLayout(t *testing.T) {
	// Values from PostgreSQL's numeric_send: 12345.6789 is digits
	// [1 2345 6789], weight 1, dscale 4.
	got := appendNumericBinary(nil, dec("-12345.6789"))
	want := []byte{0, 3, 0, 1, 0x40, 0, 0, 4, 0, 1, 0x09, 0x29, 0x1a, 0x85}
	if !bytes.Equal(got, want) {
		t.Fatalf("got % x, want % x", got, want)
	}
	if got := appendNumericBinary(nil, dec("0.00")); !bytes.Equal(got, []byte{0, 0, 0, 0, 0, 0, 0, 2}) {
		t.Fatalf("zero: % x", got)
	}
	for _, bad := range [][]byte{
		{0, 1, 0, 0, 0, 0, 0, 0},             // one digit announced, none present
		{0, 1, 0, 0, 0, 0, 0, 0, 0x27, 0x10}, // digit 10000
		{0, 0, 0, 0, 0x12, 0x34, 0, 0},       // bad sign
		{0, 0, 0, 0, 0xC0, 0, 0, 0},          // NaN
	} {
		if _, err := decodeNumericBinary(bad); err == nil {
			t.Errorf("% x: no error", bad)
		}
	}
}

// TestBinaryAgainstPgx encodes every result type in binary and has pgx
// decode it, and decodes pgx's binary parameters.
func TestBinaryAgainstPgx(t *testing.T) {
	m := pgtype.NewMap()
	ts := time.Date(2024, 5, 1, 13, 45, 0, 123456000, time.UTC)
	old := time.Date(1, 1, 1, 0, 0, 0, 1000, time.UTC)
	day := time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		typ  types.Type
		v    types.Value
		dst  func() any
		want any
	}{
		{types.TypeTinyInt, int64(255), func() any { return new(int16) }, int16(255)},
		{types.TypeSmallInt, int64(-32768), func() any { return new(int16) }, int16(-32768)},
		{types.TypeInt, int64(math.MinInt32), func() any { return new(int32) }, int32(math.MinInt32)},
		{types.TypeBigInt, int64(math.MaxInt64), func() any { return new(int64) }, int64(math.MaxInt64)},
		{types.TypeBit, true, func() any { return new(bool) }, true},
		{types.TypeReal, float64(float32(1.25)), func() any { return new(float32) }, float32(1.25)},
		{types.TypeFloat, 0.1, func() any { return new(float64) }, 0.1},
		{types.TypeDate, day, func() any { return new(time.Time) }, day},
		{types.DateTime2Type(7), ts, func() any { return new(time.Time) }, ts},
		{types.DateTime2Type(7), old, func() any { return new(time.Time) }, old},
		{types.TypeUUID, sampleUUID, func() any { return new([16]byte) }, [16]byte(sampleUUID)},
		{types.VarBinaryType(5), []byte{1, 2, 0}, func() any { return new([]byte) }, []byte{1, 2, 0}},
		{types.NVarCharType(5), "wide ☃", func() any { return new(string) }, "wide ☃"},
	}
	for _, c := range cases {
		pt := TypeOf(c.typ)
		enc, err := AppendBinary(nil, c.typ, c.v)
		if err != nil {
			t.Fatalf("%s: %v", c.typ, err)
		}
		dst := c.dst()
		if err := m.Scan(pt.OID, pgtype.BinaryFormatCode, enc, dst); err != nil {
			t.Fatalf("%s: pgx scan: %v", c.typ, err)
		}
		got := derefAny(dst)
		if !equalAny(got, c.want) {
			t.Errorf("%s: pgx read %#v, want %#v", c.typ, got, c.want)
		}
		// pgx encodes the same Go value; we decode it back.
		pg, err := m.Encode(pt.OID, pgtype.BinaryFormatCode, c.want, nil)
		if err != nil {
			t.Fatalf("%s: pgx encode: %v", c.typ, err)
		}
		back, err := DecodeBinary(pt.OID, pg)
		if err != nil {
			t.Fatalf("%s: decode: %v", c.typ, err)
		}
		if !equalValues(back, normalize(c.v)) {
			t.Errorf("%s: decoded %#v, want %#v", c.typ, back, c.v)
		}
		// Text format, both ways.
		txt, err := AppendText(nil, c.typ, c.v)
		if err != nil {
			t.Fatal(err)
		}
		dst = c.dst()
		if err := m.Scan(pt.OID, pgtype.TextFormatCode, txt, dst); err != nil {
			t.Fatalf("%s: pgx text scan of %q: %v", c.typ, txt, err)
		}
		if got := derefAny(dst); !equalAny(got, c.want) {
			t.Errorf("%s: pgx read text %q as %#v", c.typ, txt, got)
		}
		pgt, err := m.Encode(pt.OID, pgtype.TextFormatCode, c.want, nil)
		if err != nil {
			t.Fatal(err)
		}
		back, err = DecodeText(pt.OID, pgt)
		if err != nil {
			t.Fatalf("%s: decode text %q: %v", c.typ, pgt, err)
		}
		if !equalValues(back, normalize(c.v)) {
			t.Errorf("%s: decoded text %q as %#v", c.typ, pgt, back)
		}
	}
	// timestamptz from pgx (what exec mode sends for time.Time).
	zoned := time.Date(2024, 5, 1, 15, 45, 0, 0, time.FixedZone("", 7200))
	for _, f := range []int16{pgtype.TextFormatCode, pgtype.BinaryFormatCode} {
		pg, err := m.Encode(pgtype.TimestamptzOID, f, zoned, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(OIDTimestampTZ, f, pg)
		if err != nil || !equalValues(got, time.Date(2024, 5, 1, 13, 45, 0, 0, time.UTC)) {
			t.Errorf("timestamptz format %d %q: %v %v", f, pg, got, err)
		}
	}
}

func normalize(v types.Value) types.Value {
	if u, ok := v.(types.UUID); ok {
		return u
	}
	return v
}

func derefAny(p any) any {
	switch x := p.(type) {
	case *int16:
		return *x
	case *int32:
		return *x
	case *int64:
		return *x
	case *bool:
		return *x
	case *float32:
		return *x
	case *float64:
		return *x
	case *time.Time:
		return *x
	case *[16]byte:
		return *x
	case *[]byte:
		return *x
	case *string:
		return *x
	}
	return p
}

func equalAny(a, b any) bool {
	switch x := a.(type) {
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	}
	return a == b
}

func TestBinaryDecodingErrors(t *testing.T) {
	for _, c := range []struct {
		oid uint32
		in  []byte
	}{
		{OIDInt4, []byte{1, 2}},
		{OIDInt8, []byte{1}},
		{OIDBool, nil},
		{OIDFloat8, []byte{1, 2, 3}},
		{OIDUUID, make([]byte, 15)},
		{OIDDate, []byte{0x7f, 0xff, 0xff, 0xff}},
		{OIDTimestamp, []byte{0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
		{OIDText, []byte{0xff}},
		{114, []byte("{}")},
	} {
		if _, err := DecodeBinary(c.oid, c.in); err == nil {
			t.Errorf("%d % x: no error", c.oid, c.in)
		}
	}
}

func TestTypeMapping(t *testing.T) {
	cases := []struct {
		typ    types.Type
		oid    uint32
		typmod int32
	}{
		{types.TypeTinyInt, OIDInt2, -1},
		{types.TypeSmallInt, OIDInt2, -1},
		{types.TypeInt, OIDInt4, -1},
		{types.TypeBigInt, OIDInt8, -1},
		{types.TypeBit, OIDBool, -1},
		{types.DecimalType(10, 2), OIDNumeric, (10<<16 | 2) + 4},
		{types.TypeReal, OIDFloat4, -1},
		{types.TypeFloat, OIDFloat8, -1},
		{types.Type{Kind: types.Char, Length: 5}, OIDBPChar, 9},
		{types.Type{Kind: types.NChar, Length: 5}, OIDBPChar, 9},
		{types.VarCharType(20), OIDVarChar, 24},
		{types.NVarCharType(types.MaxLength), OIDVarChar, -1},
		{types.TypeDate, OIDDate, -1},
		{types.TypeDateTime, OIDTimestamp, -1},
		{types.DateTime2Type(7), OIDTimestamp, -1},
		{types.DateTime2Type(3), OIDTimestamp, 3},
		{types.TypeUUID, OIDUUID, -1},
		{types.Type{Kind: types.Binary, Length: 4}, OIDBytea, -1},
		{types.VarBinaryType(types.MaxLength), OIDBytea, -1},
		{types.TypeUnknown, OIDText, -1},
	}
	for _, c := range cases {
		if got := TypeOf(c.typ); got.OID != c.oid || got.Typmod != c.typmod {
			t.Errorf("%s: got oid %d typmod %d, want %d %d", c.typ, got.OID, got.Typmod, c.oid, c.typmod)
		}
	}
	for oid, kind := range map[uint32]types.Kind{
		OIDInt2: types.SmallInt, OIDInt4: types.Int, OIDInt8: types.BigInt, OIDBool: types.Bit, OIDNumeric: types.Decimal,
		OIDFloat4: types.Real, OIDFloat8: types.Float, OIDText: types.NVarChar, OIDVarChar: types.NVarChar,
		OIDBPChar: types.NVarChar, OIDDate: types.Date, OIDTimestamp: types.DateTime2, OIDTimestampTZ: types.DateTime2,
		OIDUUID: types.UniqueIdentifier, OIDBytea: types.VarBinary, 0: types.Unknown, 114: types.Unknown,
	} {
		if got := TypeFromOID(oid).Kind; got != kind {
			t.Errorf("oid %d: got %s, want %s", oid, got, kind)
		}
	}
}

var sampleUUID = types.UUID{0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11}
