package types

import (
	"testing"
	"time"
)

func TestParseTimeZones(t *testing.T) {
	utc := func(y, mo, d, h, mi int) time.Time { return time.Date(y, time.Month(mo), d, h, mi, 0, 0, time.UTC) }
	for _, c := range []struct {
		in    string
		toUTC bool
		want  time.Time
	}{
		{"2024-01-03 +00", false, utc(2024, 1, 3, 0, 0)},
		{"2024-01-03 +05:30", false, utc(2024, 1, 3, 0, 0)},
		{"2024-01-03 10:00:00+01", false, utc(2024, 1, 3, 10, 0)},
		{"2024-01-03 10:00:00+01", true, utc(2024, 1, 3, 9, 0)},
		{"2024-01-03T10:00:00-05:30", true, utc(2024, 1, 3, 15, 30)},
		{"2024-01-03 10:00:00+0100", true, utc(2024, 1, 3, 9, 0)},
		{"2024-01-03 10:00:00Z", true, utc(2024, 1, 3, 10, 0)},
		{"2024-01-03 10:00:00 UTC", true, utc(2024, 1, 3, 10, 0)},
		{"2024-01-03", true, utc(2024, 1, 3, 0, 0)},
		{"01/03/2024 10:00", true, utc(2024, 1, 3, 10, 0)},
		{"10:00:00-01", true, utc(1900, 1, 1, 11, 0)},
	} {
		got, ok := parseTime(c.in, c.toUTC)
		if !ok || !got.Equal(c.want) {
			t.Errorf("parseTime(%q, %v) = %v, %v; want %v", c.in, c.toUTC, got, ok, c.want)
		}
	}
	for _, bad := range []string{"2024-01-03 +99", "2024-01-03 +1:5", "x +01", "2024-13-01 +00"} {
		if got, ok := parseTime(bad, true); ok {
			t.Errorf("parseTime(%q) = %v, want a failure", bad, got)
		}
	}
}

func TestFromPGName(t *testing.T) {
	for _, c := range []struct {
		name string
		args []int
		want Type
		in   PGInput
	}{
		{"int4", nil, TypeInt, PGPlain},
		{"INT8", nil, TypeBigInt, PGPlain},
		{"numeric", []int{10, 2}, DecimalType(10, 2), PGPlain},
		{"numeric", nil, DecimalType(38, 0), PGNumeric},
		{"text", nil, NVarCharType(MaxLength), PGPlain},
		{"varchar", []int{20}, NVarCharType(20), PGPlain},
		{"varchar", []int{10000}, NVarCharType(MaxLength), PGPlain},
		{"bpchar", nil, Type{Kind: NChar, Length: 1}, PGPlain},
		{"bool", nil, TypeBit, PGBool},
		{"bytea", nil, VarBinaryType(MaxLength), PGBytea},
		{"timestamptz", nil, DateTime2Type(6), PGTimestampTZ},
		{"timestamp", []int{3}, DateTime2Type(3), PGPlain},
		{"uuid", nil, TypeUUID, PGPlain},
		{"time", nil, pgTimeType, PGTime},
	} {
		got, in, ok, err := FromPGName(c.name, c.args)
		if !ok || err != nil || got != c.want || in != c.in {
			t.Errorf("FromPGName(%s %v) = %v, %v, %v, %v; want %v, %v", c.name, c.args, got, in, ok, err, c.want, c.in)
		}
	}
	if _, _, ok, _ := FromPGName("nvarchar", nil); ok {
		t.Error("nvarchar is T-SQL's, not PostgreSQL's")
	}
	if _, _, ok, err := FromPGName("int4", []int{3}); !ok || err == nil {
		t.Error("int4(3) must be refused")
	}
}

func TestParseBytea(t *testing.T) {
	for in, want := range map[string]string{`\x0102ff`: "\x01\x02\xff", `\X0A 0b`: "\x0a\x0b", `a\\b\001`: "a\\b\x01", ``: ""} {
		if got, ok := ParseBytea(in); !ok || string(got) != want {
			t.Errorf("ParseBytea(%q) = %x, %v; want %x", in, got, ok, want)
		}
	}
	for _, bad := range []string{`\x0`, `\xzz`, `a\b`, `\400`} {
		if got, ok := ParseBytea(bad); ok {
			t.Errorf("ParseBytea(%q) = %x, want a failure", bad, got)
		}
	}
}
