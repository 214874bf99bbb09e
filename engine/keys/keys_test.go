package keys

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/big"
	"math/rand"
	"reflect"
	"testing"
	"time"

	"mirrordb/types"
)

func dec(s string) types.Dec {
	d, ok := types.ParseDec(s)
	if !ok {
		panic(s)
	}
	return d
}

// TestOrderPreserved checks that encoded keys sort exactly as the values do.
func TestOrderPreserved(t *testing.T) {
	groups := []struct {
		typ  types.Type
		vals []types.Value // ascending
	}{
		{types.TypeBigInt, []types.Value{int64(math.MinInt64), int64(-300), int64(-1), int64(0), int64(1), int64(256), int64(math.MaxInt64)}},
		{types.TypeFloat, []types.Value{math.Inf(-1), -1e300, -2.5, -1e-300, 0.0, 1e-300, 2.5, 1e300, math.Inf(1)}},
		{types.DecimalType(38, 2), []types.Value{dec("-99999999999999999999999999.99"), dec("-300.5"), dec("-1"), dec("0"), dec("0.01"), dec("1.5"), dec("255"), dec("256"), dec("99999999999999999999999999.99")}},
		{types.VarCharType(50), []types.Value{"", "\x00", "\x00\x00", "a", "a\x00", "ab", "b", "ba"}},
		{types.VarBinaryType(50), []types.Value{[]byte{}, []byte{0}, []byte{0, 0}, []byte{0, 1}, []byte{1}, []byte{0xff}, []byte{0xff, 0}}},
		{types.DateTime2Type(7), []types.Value{time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC), time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1970, 1, 1, 0, 0, 0, 1, time.UTC), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)}},
		{types.TypeBit, []types.Value{false, true}},
		{types.TypeMoney, []types.Value{dec("-922337203685477.5808"), dec("-1"), dec("0.0001"), dec("6"), dec("6.0001"), dec("922337203685477.5807")}},
		// datetimeoffset orders by instant: 10:00+02 is 08:00 UTC.
		{types.DateTimeOffsetType(7), []types.Value{time.Date(2024, 1, 2, 10, 0, 0, 0, time.FixedZone("", 7200)), time.Date(2024, 1, 2, 9, 0, 0, 0, time.UTC), time.Date(2024, 1, 2, 6, 0, 0, 0, time.FixedZone("", -4*3600))}},
		{types.TypeUUID, []types.Value{mustUUID("ff000000-0000-0000-0000-000000000000"), mustUUID("00000000-0000-0000-0000-000000000001")}},
	}
	for _, g := range groups {
		for i := 1; i < len(g.vals); i++ {
			a := AppendValue(nil, g.vals[i-1], g.typ)
			b := AppendValue(nil, g.vals[i], g.typ)
			if bytes.Compare(a, b) >= 0 {
				t.Errorf("%s: %v (%x) does not sort before %v (%x)", g.typ, g.vals[i-1], a, g.vals[i], b)
			}
		}
	}
}

func mustUUID(s string) types.UUID {
	u, ok := types.ParseUUID(s)
	if !ok {
		panic(s)
	}
	return u
}

// TestZonedRowValues checks that a row keeps a datetimeoffset's offset.
func TestZonedRowValues(t *testing.T) {
	in := []types.Value{time.Date(2024, 1, 2, 10, 0, 0, 5, time.FixedZone("", -5*3600-1800)), time.Date(2024, 1, 2, 10, 0, 0, 0, time.UTC)}
	out, err := DecodeRow(EncodeRow(nil, in), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range in {
		a, b := in[i].(time.Time), out[i].(time.Time)
		_, offA := a.Zone()
		_, offB := b.Zone()
		if !a.Equal(b) || offA != offB {
			t.Errorf("value %d: %v came back as %v", i, a, b)
		}
	}
}

func TestEqualValuesEncodeEqually(t *testing.T) {
	if !bytes.Equal(AppendValue(nil, dec("6"), types.TypeMoney), AppendValue(nil, dec("6.0000"), types.TypeMoney)) {
		t.Error("6 and 6.0000 encode differently as money")
	}
	typ := types.DecimalType(10, 2)
	if !bytes.Equal(AppendValue(nil, dec("1.5"), typ), AppendValue(nil, dec("1.50"), typ)) {
		t.Error("1.5 and 1.50 encode differently at scale 2")
	}
	vt := types.VarCharType(10)
	if !bytes.Equal(AppendValue(nil, "a", vt), AppendValue(nil, "a  ", vt)) {
		t.Error("trailing spaces change the key")
	}
	if bytes.Equal(AppendValue(nil, "a", vt), AppendValue(nil, "A", vt)) {
		t.Error("binary collation: 'a' and 'A' must differ")
	}
}

func TestTupleOrder(t *testing.T) {
	ts := []types.Type{types.VarCharType(10), types.TypeInt}
	a := EncodeTuple([]types.Value{"a", int64(9)}, ts)
	b := EncodeTuple([]types.Value{"a\x00", int64(1)}, ts)
	c := EncodeTuple([]types.Value{"ab", int64(1)}, ts)
	if !(bytes.Compare(a, b) < 0 && bytes.Compare(b, c) < 0) {
		t.Fatalf("tuple order broken: %x %x %x", a, b, c)
	}
}

func TestRowRoundTrip(t *testing.T) {
	u := types.NewUUID()
	row := []types.Value{nil, int64(-42), true, false, 3.25, dec("-123.4500"), "héllo", []byte{0, 1, 2},
		time.Date(2024, 5, 1, 13, 45, 0, 123456700, time.UTC), u, types.NewDec(new(big.Int).Lsh(big.NewInt(1), 120), 3)}
	enc := EncodeRow(nil, row)
	got, err := DecodeRow(enc, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range row {
		if types.Compare(nilSafe(row[i]), nilSafe(got[i])) != 0 || (row[i] == nil) != (got[i] == nil) {
			t.Errorf("column %d: got %#v want %#v", i, got[i], row[i])
		}
	}
	if d := got[5].(types.Dec); d.Scale != 4 {
		t.Errorf("decimal scale lost: %d", d.Scale)
	}
	for n := 0; n < len(enc); n++ {
		if _, err := DecodeRow(enc[:n], nil); err == nil {
			t.Errorf("truncated row of %d bytes decoded without error", n)
		}
	}
}

func nilSafe(v types.Value) types.Value {
	if v == nil {
		return int64(0)
	}
	return v
}

func FuzzDecodeRow(f *testing.F) {
	f.Add(EncodeRow(nil, []types.Value{int64(1), "x", nil, dec("1.5")}))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		row, err := DecodeRow(b, nil)
		if err != nil {
			return
		}
		again, err := DecodeRow(EncodeRow(nil, row), nil)
		if err != nil || !reflect.DeepEqual(len(again), len(row)) {
			t.Fatalf("re-encode of decoded row failed: %v", err)
		}
	})
}

func FuzzKeyOrder(f *testing.F) {
	f.Add(int64(1), int64(2), "a", "b")
	f.Fuzz(func(t *testing.T, a, b int64, s1, s2 string) {
		ka := AppendValue(nil, a, types.TypeBigInt)
		kb := AppendValue(nil, b, types.TypeBigInt)
		if sign(bytes.Compare(ka, kb)) != sign(types.Compare(a, b)) {
			t.Fatalf("int order: %d vs %d", a, b)
		}
		vt := types.VarCharType(types.MaxLength)
		ks1, ks2 := AppendValue(nil, s1, vt), AppendValue(nil, s2, vt)
		if sign(bytes.Compare(ks1, ks2)) != sign(types.Compare(s1, s2)) {
			t.Fatalf("string order: %q vs %q", s1, s2)
		}
	})
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func TestIndexKeysOrderAndDesc(t *testing.T) {
	it := types.TypeInt
	vals := []types.Value{nil, int64(-5), int64(0), int64(7)}
	for i := 1; i < len(vals); i++ {
		a := AppendIndexValue(nil, vals[i-1], it, false)
		b := AppendIndexValue(nil, vals[i], it, false)
		if bytes.Compare(a, b) >= 0 {
			t.Errorf("ASC: %v does not sort before %v", vals[i-1], vals[i])
		}
		a = AppendIndexValue(nil, vals[i-1], it, true)
		b = AppendIndexValue(nil, vals[i], it, true)
		if bytes.Compare(a, b) <= 0 {
			t.Errorf("DESC: %v does not sort after %v", vals[i-1], vals[i])
		}
	}
	// Composite: a DESC first column then an ASC string.
	k1 := AppendIndexValue(AppendIndexValue(nil, "b", types.TypeSysname, true), "a", types.TypeSysname, false)
	k2 := AppendIndexValue(AppendIndexValue(nil, "ab", types.TypeSysname, true), "z", types.TypeSysname, false)
	if bytes.Compare(k1, k2) >= 0 {
		t.Errorf("DESC 'b' must sort before DESC 'ab'")
	}
	p := IndexPrefix(7, 3)
	if tb, ix, ok := IndexOfKey(append(p, 1, 2)); !ok || tb != 7 || ix != 3 {
		t.Errorf("IndexOfKey = %d %d %v", tb, ix, ok)
	}
	if _, _, ok := IndexOfKey(RowKey(7, []byte{1})); ok {
		t.Error("a row key taken for an index key")
	}
	if bytes.HasPrefix(p, TablePrefix(7)) || bytes.Compare(p, PrefixEnd(TablePrefix(7))) < 0 {
		t.Error("index entries inside the table's row range")
	}
}

// TestDecimalEncodingUnchanged: the int64 fast path of EncodeRow writes a
// decimal exactly as the big.Int path always has (stored rows, logs and
// backups hold that form), at the byte-length steps and the int64 limits.
func TestDecimalEncodingUnchanged(t *testing.T) {
	big2to63 := new(big.Int).Lsh(big.NewInt(1), 63)
	check := func(c *big.Int, scale int32) {
		t.Helper()
		d := types.NewDec(c, scale)
		want := binary.AppendUvarint(nil, 1)
		want = binary.AppendVarint(append(want, rowDec), int64(scale))
		sign := byte(0)
		if c.Sign() < 0 {
			sign = 1
		}
		mag := new(big.Int).Abs(c).Bytes()
		want = append(binary.AppendUvarint(append(want, sign), uint64(len(mag))), mag...)
		row := []types.Value{d}
		if got := EncodeRow(nil, row); !bytes.Equal(got, want) {
			t.Errorf("%v scale %d: encoded %x, want %x", c, scale, got, want)
		}
		if got := EncodeRowExact(row); !bytes.Equal(got, want) {
			t.Errorf("%v scale %d: EncodeRowExact %x, want %x", c, scale, got, want)
		}
		back, err := DecodeRow(want, nil)
		if err != nil || len(back) != 1 || back[0].(types.Dec).Cmp(d) != 0 || back[0].(types.Dec).Scale != scale {
			t.Errorf("%v scale %d: decoded %v, %v", c, scale, back, err)
		}
	}
	for _, c := range []*big.Int{big.NewInt(0), big.NewInt(1), big.NewInt(-1), big.NewInt(255), big.NewInt(256), big.NewInt(-256),
		big.NewInt(math.MaxInt64), big.NewInt(math.MinInt64), big2to63, new(big.Int).Neg(big2to63)} {
		check(c, 2)
	}
	// Every precision and scale DECIMAL allows, each coefficient at the
	// precision's limits (10^p - 1, 10^p, their negatives) and random
	// ones of up to 38 digits and of every bit length around int64's.
	rng := rand.New(rand.NewSource(1))
	for p := int32(1); p <= 38; p++ {
		lim := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(p)), nil)
		for _, c := range []*big.Int{lim, new(big.Int).Sub(lim, big.NewInt(1))} {
			for s := int32(0); s <= p; s += max(1, p/4) {
				check(c, s)
				check(new(big.Int).Neg(c), s)
			}
		}
	}
	for range 5000 {
		c := new(big.Int).Rand(rng, new(big.Int).Lsh(big.NewInt(1), uint(rng.Intn(128))))
		if rng.Intn(2) == 0 {
			c.Neg(c)
		}
		check(c, int32(rng.Intn(39)))
	}
}
