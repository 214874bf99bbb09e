package types

import (
	"math/big"
	"math/rand"
	"testing"
	"time"

	"mirrordb/sqlerr"
)

func TestConvert(t *testing.T) {
	vc := VarCharType(MaxLength)
	runConversions(t, []conversion{
		{"42", vc, TypeInt, Implicit, "42"},
		{" 42 ", vc, TypeInt, Implicit, "42"},
		{"4.2", vc, TypeInt, Implicit, "Msg 245"},
		{"abc", vc, TypeInt, Implicit, "Msg 245"},
		{int64(300), TypeInt, TypeTinyInt, Explicit, "Msg 220"},
		{int64(-1), TypeInt, TypeTinyInt, Explicit, "Msg 220"},
		{int64(255), TypeInt, TypeTinyInt, Explicit, "255"},
		{DecFromInt(3), DecimalType(5, 0), TypeInt, Explicit, "3"},
		{mustDec("-3.99"), DecimalType(5, 2), TypeInt, Explicit, "-3"},
		{mustDec("2.345"), DecimalType(5, 3), DecimalType(5, 2), Explicit, "2.35"},
		{mustDec("-2.345"), DecimalType(5, 3), DecimalType(5, 2), Explicit, "-2.35"},
		{mustDec("12345.6"), DecimalType(6, 1), DecimalType(4, 1), Explicit, "Msg 8115"},
		{"x", vc, DecimalType(5, 1), Explicit, "Msg 8114"},
		{"1e3", vc, TypeFloat, Explicit, "1000"},
		{1.5, TypeFloat, DecimalType(5, 2), Explicit, "1.50"},
		{"TRUE", vc, TypeBit, Implicit, "1"},
		{"0", vc, TypeBit, Implicit, "0"},
		{"maybe", vc, TypeBit, Implicit, "Msg 245"},
		{"hello world", vc, VarCharType(5), Explicit, "hello"},
		{"hello world", vc, VarCharType(5), Implicit, "Msg 8152"},
		{"hi   ", vc, VarCharType(2), Implicit, "hi"}, // trailing spaces never truncate
		{"ab", vc, Type{Kind: Char, Length: 4}, Implicit, "ab  "},
		{int64(12345), TypeInt, VarCharType(3), Explicit, "*"},
		{"2024-02-29", vc, TypeDate, Implicit, "2024-02-29"},
		{"2024-02-30", vc, TypeDate, Implicit, "Msg 241"},
		{"1700-01-01", vc, TypeDateTime, Implicit, "Msg 242"},
		{"2024-02-29 13:45:30.1234567", vc, TypeDateTime, Implicit, "2024-02-29 13:45:30.123"},
		{"2024-02-29 13:45:30.1234567", vc, DateTime2Type(3), Implicit, "2024-02-29 13:45:30.123"},
		{"6f9619ff-8b86-d011-b42d-00c04fc964ff", vc, TypeUUID, Implicit, "6F9619FF-8B86-D011-B42D-00C04FC964FF"},
		{"nope", vc, TypeUUID, Implicit, "Msg 8169"},
		{int64(1), TypeInt, TypeDate, Explicit, "Msg 529"},
		{mustTime("2024-01-01"), TypeDate, TypeInt, Implicit, "Msg 257"},
		{nil, TypeInt, VarCharType(5), Implicit, ""},
	})
}

// conversion is one case of a table-driven Convert test.
type conversion struct {
	v        Value
	from, to Type
	mode     Mode
	want     string // ToText of the result, or "Msg N" for an error
}

func runConversions(t *testing.T, tests []conversion) {
	t.Helper()
	for _, tt := range tests {
		got, err := Convert(tt.v, tt.from, tt.to, tt.mode)
		text := ToText(got, tt.to)
		if err != nil {
			text = "Msg " + itoa(sqlerr.As(err).Number)
		}
		if text != tt.want {
			t.Errorf("Convert(%#v, %s → %s) = %q, want %q", tt.v, tt.from, tt.to, text, tt.want)
		}
	}
}

func itoa(n int) string { return ToText(int64(n), TypeInt) }

func mustDec(s string) Dec {
	d, ok := ParseDec(s)
	if !ok {
		panic(s)
	}
	return d
}

func mustTime(s string) time.Time {
	t, ok := ParseTime(s)
	if !ok {
		panic(s)
	}
	return t
}

func TestDecimalArithmetic(t *testing.T) {
	a, b := mustDec("10.5"), mustDec("-0.25")
	if got := a.Add(b).String(); got != "10.25" {
		t.Errorf("add: %s", got)
	}
	if got := a.Sub(b).String(); got != "10.75" {
		t.Errorf("sub: %s", got)
	}
	if got := a.Mul(b).String(); got != "-2.625" {
		t.Errorf("mul: %s", got)
	}
	if q, ok := a.Quo(mustDec("3"), 6); !ok || q.String() != "3.500000" {
		t.Errorf("quo: %s", q)
	}
	if _, ok := a.Quo(Dec{}, 2); ok {
		t.Error("division by zero accepted")
	}
	if m, _ := mustDec("-7").Mod(mustDec("3")); m.String() != "-1" {
		t.Errorf("mod: %s", m)
	}
	if mustDec("1.50").Cmp(mustDec("1.5")) != 0 || mustDec("-2").Cmp(mustDec("1")) >= 0 {
		t.Error("cmp")
	}
	if got := mustDec("0.005").Rescale(2).String(); got != "0.01" {
		t.Errorf("round half away from zero: %s", got)
	}
	if got := mustDec("-0.005").Rescale(2).String(); got != "-0.01" {
		t.Errorf("round negative half: %s", got)
	}
	if !mustDec("99.99").FitsPrecision(4) || mustDec("100.00").FitsPrecision(4) {
		t.Error("precision check")
	}
	// The int64 fast path and the big.Int path agree at their limits.
	for _, c := range []struct {
		d    string
		p    int
		fits bool
	}{{"-99.99", 4, true}, {"-100.00", 4, false}, {"0", 1, true}, {"999999999999999999", 18, true},
		{"1000000000000000000", 18, false}, {"-9223372036854775808", 19, true}, {"-9223372036854775808", 18, false},
		{"9223372036854775807", 19, true}, {"99999999999999999999", 20, true}, {"99999999999999999999", 19, false}} {
		if got := mustDec(c.d).FitsPrecision(c.p); got != c.fits {
			t.Errorf("%s fits precision %d: %v", c.d, c.p, got)
		}
	}
	for _, bad := range []string{"", "-", ".", "1.2.3", "1e5", "abc"} {
		if _, ok := ParseDec(bad); ok {
			t.Errorf("ParseDec(%q) accepted", bad)
		}
	}
}

func TestCommonTypeFollowsPrecedence(t *testing.T) {
	tests := []struct{ a, b, want Type }{
		{TypeInt, TypeBigInt, TypeBigInt},
		{TypeInt, DecimalType(5, 2), DecimalType(12, 2)},
		{VarCharType(10), TypeInt, TypeInt},
		{VarCharType(10), NVarCharType(5), NVarCharType(10)},
		{TypeDate, VarCharType(20), TypeDate},
		{TypeFloat, DecimalType(38, 0), TypeFloat},
		{TypeUnknown, TypeBit, TypeBit},
	}
	for _, tt := range tests {
		if got := Common(tt.a, tt.b); got != tt.want {
			t.Errorf("Common(%s, %s) = %s, want %s", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestCompare(t *testing.T) {
	if Compare("abc", "abc   ") != 0 {
		t.Error("trailing spaces must not matter")
	}
	if Compare("a", "B") <= 0 {
		t.Error("binary collation: 'a' > 'B'")
	}
	if Compare(int64(2), mustDec("1.5")) <= 0 || Compare(mustDec("1.5"), 1.5) != 0 {
		t.Error("mixed numeric compare")
	}
}

func TestFromName(t *testing.T) {
	tests := []struct {
		name string
		args []int
		max  bool
		want string
	}{
		{"INT", nil, false, "int"},
		{"varchar", nil, false, "varchar(1)"},
		{"NVARCHAR", nil, true, "nvarchar(max)"},
		{"decimal", nil, false, "decimal(18,0)"},
		{"numeric", []int{10, 2}, false, "decimal(10,2)"},
		{"float", []int{24}, false, "real"},
		{"datetime2", nil, false, "datetime2(7)"},
		{"varchar", []int{9000}, false, "Msg 131"},
		{"nvarchar", []int{4001}, false, "Msg 131"},
		{"int", []int{4}, false, "Msg 2716"},
		{"decimal", []int{39}, false, "Msg 2750"},
		{"decimal", []int{5, 6}, false, "Msg 192"},
		{"char", nil, true, "Msg 2716"},
		{"blob", nil, false, "Msg 2715"},
	}
	for _, tt := range tests {
		typ, err := FromName(tt.name, tt.args, tt.max)
		got := typ.String()
		if err != nil {
			got = "Msg " + itoa(sqlerr.As(err).Number)
		}
		if got != tt.want {
			t.Errorf("FromName(%s %v %v) = %s, want %s", tt.name, tt.args, tt.max, got, tt.want)
		}
	}
}

func TestDateTimeRounding(t *testing.T) {
	v, ok := NormalizeTime(time.Date(2024, 1, 1, 23, 59, 59, 998_000_000, time.UTC), TypeDateTime)
	if !ok || FormatTime(v, TypeDateTime) != "2024-01-01 23:59:59.997" {
		t.Errorf("datetime rounds to 1/300 s: %s", FormatTime(v, TypeDateTime))
	}
	v, _ = NormalizeTime(time.Date(2024, 1, 1, 23, 59, 59, 999_000_000, time.UTC), TypeDateTime)
	if FormatTime(v, TypeDateTime) != "2024-01-02 00:00:00.000" {
		t.Errorf("datetime .999 rounds up: %s", FormatTime(v, TypeDateTime))
	}
	if u, ok := ParseUUID("{6F9619FF-8B86-D011-B42D-00C04FC964FF}"); !ok || u.String() != "6F9619FF-8B86-D011-B42D-00C04FC964FF" {
		t.Error("uuid in braces")
	}
}

// TestFitsPrecisionProperty: FitsPrecision (an int64 fast path up to
// precision 18) agrees with |coefficient| < 10^p computed on big.Int, for
// coefficients of every bit length around int64's and every precision,
// and CoefInt64 returns a coefficient exactly when it fits.
func TestFitsPrecisionProperty(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for i := range 20000 {
		c := new(big.Int).Rand(rng, new(big.Int).Lsh(big.NewInt(1), uint(rng.Intn(80))))
		if i%3 == 0 { // near a power of ten
			c.Exp(big.NewInt(10), big.NewInt(int64(rng.Intn(21))), nil).Sub(c, big.NewInt(int64(rng.Intn(3))))
		}
		if rng.Intn(2) == 0 {
			c.Neg(c)
		}
		d := NewDec(c, int32(rng.Intn(10)))
		if v, ok := d.CoefInt64(); ok != c.IsInt64() || ok && v != c.Int64() {
			t.Fatalf("CoefInt64 of %v: %d, %v", c, v, ok)
		}
		for p := 0; p <= 38; p++ {
			want := new(big.Int).Abs(c).Cmp(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(p)), nil)) < 0
			if got := d.FitsPrecision(p); got != want {
				t.Fatalf("%v fits precision %d: %v, want %v", c, p, got, want)
			}
		}
	}
}
