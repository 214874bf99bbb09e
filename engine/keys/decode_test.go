package keys

import (
	"fmt"
	"math"
	"testing"

	"mirrordb/types"
)

// TestDecodeKeyValue: every value a key holds exactly comes back from its
// encoding, ascending and descending, several in a row.
func TestDecodeKeyValue(t *testing.T) {
	dec := types.DecimalType(10, 2)
	vals := []struct {
		v types.Value
		t types.Type
	}{
		{int64(0), types.TypeInt}, {int64(-1), types.TypeBigInt}, {int64(math.MaxInt64), types.TypeBigInt},
		{int64(math.MinInt64), types.TypeBigInt}, {nil, types.TypeInt}, {true, types.TypeBit}, {false, types.TypeBit},
		{types.DecFromInt(0).Rescale(2), dec}, {types.DecFromInt(123456).Rescale(2), dec}, {types.DecFromInt(-98765).Rescale(2), dec},
	}
	for _, desc := range []bool{false, true} {
		var b []byte
		for _, x := range vals {
			b = AppendIndexValue(b, x.v, x.t, desc)
		}
		for _, x := range vals {
			v, rest, err := DecodeKeyValue(b, x.t, desc)
			if err != nil {
				t.Fatalf("%v (desc %v): %v", x.v, desc, err)
			}
			if fmt.Sprint(v) != fmt.Sprint(x.v) {
				t.Fatalf("desc %v: got %v, want %v", desc, v, x.v)
			}
			b = rest
		}
		if len(b) != 0 {
			t.Fatalf("desc %v: %d bytes left", desc, len(b))
		}
	}
	if _, _, err := DecodeKeyValue([]byte{tagInt, 1}, types.TypeInt, false); err == nil {
		t.Fatal("a short key decoded")
	}
}
