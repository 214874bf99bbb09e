package wire

import (
	"slices"

	"github.com/jackc/pgproto3/v2"

	"mirrordb/pgcodec"
	"mirrordb/session"
)

// Format codes of Bind and RowDescription.
const (
	formatText   int16 = 0
	formatBinary int16 = 1
)

// fields builds the RowDescription fields for cols. formats holds one
// format code per column (nil: all text).
func fields(cols []session.Column, formats []int16) []pgproto3.FieldDescription {
	fs := make([]pgproto3.FieldDescription, len(cols))
	for i, c := range cols {
		pt := pgcodec.TypeOf(c.Type)
		fs[i] = pgproto3.FieldDescription{
			Name:                 []byte(c.Name),
			TableOID:             c.TableOID,
			TableAttributeNumber: uint16(c.Attr),
			DataTypeOID:          pt.OID,
			DataTypeSize:         pt.Size,
			TypeModifier:         pt.Typmod,
		}
		if formats != nil {
			fs[i].Format = formats[i]
		}
	}
	return fs
}

// resolveFormats applies the protocol's format-code rule: no codes means
// all text, one code applies to all n values, otherwise one per value.
// ok is false when the count is none of these. The formats are appended
// to dst (normally empty), whose array they may reuse.
func resolveFormats(dst []int16, codes []int16, n int) (formats []int16, ok bool) {
	formats = slices.Grow(dst, n)[len(dst) : len(dst)+n]
	clear(formats)
	switch len(codes) {
	case 0:
	case 1:
		for i := range formats {
			formats[i] = codes[0]
		}
	case n:
		copy(formats, codes)
	default:
		return nil, false
	}
	return formats, true
}
