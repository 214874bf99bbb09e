package wire

import (
	"bytes"
	"testing"

	"github.com/jackc/pgproto3/v2"

	"mirrordb/pgcodec"
)

// TestAppendRowDescription: the RowDescription wire encodes itself is
// byte for byte pgproto3's, for columns of every type, with and without
// result formats, appended after other bytes.
func TestAppendRowDescription(t *testing.T) {
	cols := append(typesCols[:len(typesCols):len(typesCols)], col("", typesCols[0].Type))
	cols[0].TableOID, cols[0].Attr = 16384, 3
	formats := make([]int16, len(cols))
	for i := range formats {
		formats[i] = int16(i % 2)
	}
	for _, f := range [][]int16{nil, formats} {
		fields := make([]pgproto3.FieldDescription, len(cols))
		for i, c := range cols {
			pt := pgcodec.TypeOf(c.Type)
			fields[i] = pgproto3.FieldDescription{Name: []byte(c.Name), TableOID: c.TableOID,
				TableAttributeNumber: uint16(c.Attr), DataTypeOID: pt.OID, DataTypeSize: pt.Size, TypeModifier: pt.Typmod}
			if f != nil {
				fields[i].Format = f[i]
			}
		}
		want, err := (&pgproto3.RowDescription{Fields: fields}).Encode([]byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendRowDescription([]byte("x"), cols, f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("formats %v:\n got % x\nwant % x", f, got, want)
		}
	}
}
