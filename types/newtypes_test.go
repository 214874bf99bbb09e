package types

import (
	"bytes"
	"testing"

	"mirrordb/sqlerr"
)

// TestConvertNewTypes covers money, smalldatetime, time, datetimeoffset
// and the deprecated large types: their input forms, rounding, ranges and
// the errors SQL Server gives.
func TestConvertNewTypes(t *testing.T) {
	vc := VarCharType(MaxLength)
	nvc := NVarCharType(MaxLength)
	runConversions(t, []conversion{
		{"12.5", vc, TypeMoney, Explicit, "12.50"},
		{"$12.5", vc, TypeMoney, Explicit, "12.50"},
		{"-$1,234.56", vc, TypeMoney, Explicit, "-1234.56"},
		{"$-1,234.56", vc, TypeMoney, Explicit, "-1234.56"},
		{"£3", vc, TypeMoney, Explicit, "3.00"},
		{"1,2.5", vc, TypeMoney, Explicit, "12.50"}, // SQL Server ignores comma placement
		{"1.5,0", vc, TypeMoney, Explicit, "Msg 235"},
		{"abc", vc, TypeMoney, Explicit, "Msg 235"},
		{"1e3", vc, TypeMoney, Explicit, "Msg 235"},
		{"abc", nvc, TypeMoney, Explicit, "Msg 235"},
		{int64(300000), TypeInt, TypeSmallMoney, Explicit, "Msg 8115"},
		{int64(214748), TypeInt, TypeSmallMoney, Explicit, "214748.00"},
		{1e20, TypeFloat, TypeMoney, Explicit, "Msg 8115"},
		{mustDec("922337203685477.5807"), DecimalType(19, 4), TypeMoney, Explicit, "922337203685477.58"},
		{mustDec("922337203685477.5808"), DecimalType(19, 4), TypeMoney, Explicit, "Msg 8115"},
		{mustDec("1.23456"), DecimalType(6, 5), TypeMoney, Explicit, "1.23"},
		{mustDec("12.5"), TypeMoney, TypeInt, Explicit, "13"}, // money rounds
		{mustDec("-12.5"), TypeMoney, TypeInt, Explicit, "-13"},
		{mustDec("1.0000"), TypeMoney, VarBinaryType(MaxLength), Explicit, "\x00\x00\x00\x00\x00\x00'\x10"},

		{"2024-01-02 10:11:29.998", vc, TypeSmallDateTime, Explicit, "2024-01-02 10:11:00"},
		{"2024-01-02 10:11:29.999", vc, TypeSmallDateTime, Explicit, "2024-01-02 10:12:00"},
		{"2079-06-06 23:59", vc, TypeSmallDateTime, Explicit, "2079-06-06 23:59:00"},
		{"2079-06-07", vc, TypeSmallDateTime, Explicit, "Msg 242"},
		{"1899-12-31", vc, TypeSmallDateTime, Explicit, "Msg 242"},

		{"2024-01-02 10:11:12.001", vc, TypeDateTime, Explicit, "2024-01-02 10:11:12.000"},
		{"2024-01-02 10:11:12.002", vc, TypeDateTime, Explicit, "2024-01-02 10:11:12.003"},
		{"2024-01-02 10:11:12.005", vc, TypeDateTime, Explicit, "2024-01-02 10:11:12.007"},
		{"2024-01-02 23:59:59.999", vc, TypeDateTime, Explicit, "2024-01-03 00:00:00.000"},

		{"10:11:12.1234567", vc, TimeType(7), Explicit, "10:11:12.1234567"},
		{"10:11:12.1234567", vc, TimeType(2), Explicit, "10:11:12.12"},
		{"1:05PM", vc, TimeType(0), Explicit, "13:05:00"},
		{"12:30AM", vc, TimeType(0), Explicit, "00:30:00"},
		{"13:05PM", vc, TimeType(0), Explicit, "Msg 241"},
		{"25:00", vc, TimeType(0), Explicit, "Msg 241"},
		{mustTime("2024-01-02 10:11:12"), TypeDateTime, TimeType(0), Explicit, "10:11:12"},
		{mustTime("1900-01-01 10:11:12"), TimeType(0), TypeDateTime, Explicit, "1900-01-01 10:11:12.000"},
		{mustTime("2024-01-02"), TypeDate, TimeType(0), Explicit, "Msg 529"},
		{int64(1), TypeInt, TimeType(0), Explicit, "Msg 529"},

		{"2024-01-02 10:11:12 +02:00", vc, DateTimeOffsetType(0), Explicit, "2024-01-02 10:11:12 +02:00"},
		{"2024-01-02T10:11:12.5-05:30", vc, DateTimeOffsetType(1), Explicit, "2024-01-02 10:11:12.5 -05:30"},
		{"2024-01-02", vc, DateTimeOffsetType(0), Explicit, "2024-01-02 00:00:00 +00:00"},
		{"2024-01-02 10:11:12 +15:00", vc, DateTimeOffsetType(0), Explicit, "Msg 241"},
		{mustDTO("2024-01-02 10:11:12 +02:00"), DateTimeOffsetType(7), DateTime2Type(0), Explicit, "2024-01-02 10:11:12"},
		{mustTime("2024-01-02 10:11:12"), DateTime2Type(0), DateTimeOffsetType(0), Explicit, "2024-01-02 10:11:12 +00:00"},

		// Input forms (SET DATEFORMAT mdy) and the two-digit year cutoff.
		{"01/02/24", vc, TypeDate, Explicit, "2024-01-02"},
		{"1/2/49", vc, TypeDate, Explicit, "2049-01-02"},
		{"1/2/50", vc, TypeDate, Explicit, "1950-01-02"},
		{"01-02-2024", vc, TypeDate, Explicit, "2024-01-02"},
		{"01.02.2024", vc, TypeDate, Explicit, "2024-01-02"},
		{"2024/01/02", vc, TypeDate, Explicit, "2024-01-02"},
		{"20240102", vc, TypeDate, Explicit, "2024-01-02"},
		{"240102", vc, TypeDate, Explicit, "2024-01-02"},
		{"2 Jan 2024", vc, TypeDate, Explicit, "2024-01-02"},
		{"02 January 2024", vc, TypeDate, Explicit, "2024-01-02"},
		{"Jan 2 2024", vc, TypeDate, Explicit, "2024-01-02"},
		{"Jan 2, 2024", vc, TypeDate, Explicit, "2024-01-02"},
		{"Jan 2 24", vc, TypeDate, Explicit, "2024-01-02"},
		{"January 2024", vc, TypeDate, Explicit, "2024-01-01"},
		{"Jan 2 2024 10:11AM", vc, TypeDateTime, Explicit, "2024-01-02 10:11:00.000"},
		{"Jan  2 2024 10:11PM", vc, TypeDateTime, Explicit, "2024-01-02 22:11:00.000"},
		{"2024-01-02T10:11:12.123", vc, TypeDateTime, Explicit, "2024-01-02 10:11:12.123"},
		{"20240102 10:11:12:5", vc, TypeDateTime, Explicit, "2024-01-02 10:11:12.007"},
		{"10:11", vc, TypeDateTime, Explicit, "1900-01-01 10:11:00.000"},
		{"Foo 2 2024", vc, TypeDate, Explicit, "Msg 241"},
		{"13/02/2024", vc, TypeDate, Explicit, "Msg 241"},
		{"2024-02-29", vc, TypeDate, Explicit, "2024-02-29"},
		{"2023-02-29", vc, TypeDate, Explicit, "Msg 241"},
		{"", vc, TypeDate, Explicit, "Msg 241"},
	})
}

func mustDTO(s string) Value {
	v, ok := ParseDateTimeOffset(s)
	if !ok {
		panic(s)
	}
	return v
}

func TestFromNameNewTypes(t *testing.T) {
	tests := []struct {
		name string
		args []int
		want string // Type.String(), or "Msg N"
		max  int    // sys.columns.max_length
	}{
		{"money", nil, "money", 8},
		{"smallmoney", nil, "smallmoney", 4},
		{"smalldatetime", nil, "smalldatetime", 4},
		{"time", nil, "time(7)", 5},
		{"time", []int{0}, "time(0)", 3},
		{"time", []int{8}, "Msg 1001", 0},
		{"datetimeoffset", []int{3}, "datetimeoffset(3)", 9},
		{"datetimeoffset", nil, "datetimeoffset(7)", 10},
		{"text", nil, "varchar(max)", -1},
		{"ntext", nil, "nvarchar(max)", -1},
		{"image", nil, "varbinary(max)", -1},
		{"text", []int{5}, "Msg 2716", 0},
		{"rowversion", nil, "binary(8)", 8},
		{"money", []int{5}, "Msg 2716", 0},
	}
	for _, tt := range tests {
		typ, err := FromName(tt.name, tt.args, false)
		got := typ.String()
		if err != nil {
			got = "Msg " + itoa(sqlerr.As(err).Number)
		}
		if got != tt.want || (err == nil && typ.MaxBytes() != tt.max) {
			t.Errorf("FromName(%s, %v) = %s (max_length %d), want %s (%d)", tt.name, tt.args, got, typ.MaxBytes(), tt.want, tt.max)
		}
	}
}

func TestPrecedenceNewTypes(t *testing.T) {
	order := []Kind{DateTimeOffset, DateTime2, DateTime, SmallDateTime, Date, Time, Float, Real, Decimal,
		Money, SmallMoney, BigInt, Int, SmallInt, TinyInt, Bit, UniqueIdentifier, NVarChar, NChar, VarChar, Char, VarBinary, Binary}
	for i := 1; i < len(order); i++ {
		if order[i-1].Precedence() <= order[i].Precedence() {
			t.Errorf("%s should rank above %s", order[i-1], order[i])
		}
	}
}

func TestStyles(t *testing.T) {
	dt := mustTime("2024-01-02 15:04:05.123")
	tests := []struct {
		typ   Type
		style int
		want  string
	}{
		{TypeDateTime, 0, "Jan  2 2024 3:04PM"},
		{TypeDateTime, 1, "01/02/24"},
		{TypeDateTime, 101, "01/02/2024"},
		{TypeDateTime, 103, "02/01/2024"},
		{TypeDateTime, 104, "02.01.2024"},
		{TypeDateTime, 106, "02 Jan 2024"},
		{TypeDateTime, 107, "Jan 02, 2024"},
		{TypeDateTime, 108, "15:04:05"},
		{TypeDateTime, 109, "Jan  2 2024 3:04:05:123PM"},
		{TypeDateTime, 112, "20240102"},
		{TypeDateTime, 113, "02 Jan 2024 15:04:05:123"},
		{TypeDateTime, 120, "2024-01-02 15:04:05"},
		{TypeDateTime, 121, "2024-01-02 15:04:05.123"},
		{TypeDateTime, 126, "2024-01-02T15:04:05.123"},
		{DateTime2Type(7), 121, "2024-01-02 15:04:05.1230000"},
		{DateTime2Type(2), 126, "2024-01-02T15:04:05.12"},
		{TypeDate, 23, "2024-01-02"},
		{TypeDate, 0, "Jan  2 2024 12:00AM"},
	}
	for _, tt := range tests {
		v, _ := NormalizeTime(dt, tt.typ)
		got, ok := FormatTimeStyle(v, tt.typ, tt.style)
		if !ok || got != tt.want {
			t.Errorf("style %d of %s = %q, want %q", tt.style, tt.typ, got, tt.want)
		}
	}
	if _, ok := FormatTimeStyle(dt, TypeDateTime, 99); ok {
		t.Error("style 99 accepted")
	}
	for _, tt := range []struct {
		s     string
		style int
		want  string
	}{
		{"02/01/2024", 103, "2024-01-02"},
		{"02.01.2024", 104, "2024-01-02"},
		{"02/01/2024", 101, "2024-02-01"},
		{"2024/01/02", 111, "2024-01-02"},
		{"20240102", 112, "2024-01-02"},
		// Two-digit years in the day-first and year-first styles.
		{"01/05/24", 3, "2024-05-01"},
		{"01.05.24", 4, "2024-05-01"},
		{"24.05.01", 2, "2024-05-01"},
		{"24/05/01", 11, "2024-05-01"},
		{"01/05/60", 3, "1960-05-01"},
	} {
		got, ok := ParseTimeStyle(tt.s, tt.style)
		if !ok || FormatTime(got, TypeDate) != tt.want {
			t.Errorf("ParseTimeStyle(%q, %d) = %v, want %s", tt.s, tt.style, got, tt.want)
		}
	}
	if got, ok := ParseTimeStyle("13/31/24", 3); ok {
		t.Errorf("style 3 read day 13, month 31 as %v", got)
	}
	m := mustDec("-1234567.8912")
	for style, want := range map[int]string{0: "-1234567.89", 1: "-1,234,567.89", 2: "-1234567.8912"} {
		if got := FormatMoney(m, style); got != want {
			t.Errorf("FormatMoney style %d = %q, want %q", style, got, want)
		}
	}
	for style, want := range map[int]string{0: "AB", 1: "0x4142", 2: "4142"} {
		if got, _ := FormatBinaryStyle([]byte("AB"), style); got != want {
			t.Errorf("FormatBinaryStyle style %d = %q, want %q", style, got, want)
		}
		if b, err := ParseBinaryStyle(want, style); err != nil || !bytes.Equal(b, []byte("AB")) {
			t.Errorf("ParseBinaryStyle(%q, %d) = %v, %v", want, style, b, err)
		}
	}
}

// TestUUIDOrder checks SQL Server's uniqueidentifier order: the last group
// is most significant, the first group's bytes least, from its last byte.
func TestUUIDOrder(t *testing.T) {
	ordered := []string{
		"01000000-0000-0000-0000-000000000000",
		"00000001-0000-0000-0000-000000000000",
		"00000000-0100-0000-0000-000000000000",
		"00000000-0000-0100-0000-000000000000",
		"00000000-0000-0000-0100-000000000000",
		"00000000-0000-0000-0000-000000000001",
		"00000000-0000-0000-0000-010000000000",
	}
	for i := 1; i < len(ordered); i++ {
		a, _ := ParseUUID(ordered[i-1])
		b, _ := ParseUUID(ordered[i])
		if Compare(a, b) >= 0 {
			t.Errorf("%s should sort before %s", ordered[i-1], ordered[i])
		}
	}
	prev := NewSequentialUUID(UUID{})
	for i := 0; i < 300; i++ {
		next := NewSequentialUUID(prev)
		if Compare(prev, next) >= 0 {
			t.Fatalf("NEWSEQUENTIALID went backwards: %s then %s", prev, next)
		}
		prev = next
	}
}
