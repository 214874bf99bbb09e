package wire

import (
	"encoding/binary"
	"math"
	"slices"

	"mirrordb/pgcodec"
	"mirrordb/session"
	"mirrordb/sqlerr"
)

// Format codes of Bind and RowDescription.
const (
	formatText   int16 = 0
	formatBinary int16 = 1
)

// appendRowDescription appends a RowDescription for cols to buf; formats
// holds one format code per column (nil: all text). It writes the fields
// straight into buf: pgproto3's message wants a copy of every name.
func appendRowDescription(buf []byte, cols []session.Column, formats []int16) ([]byte, error) {
	if len(cols) > math.MaxUint16 {
		return nil, sqlerr.Protocol(sqlerr.ProgramLimitExceeded, "cannot send a RowDescription of %d columns", len(cols))
	}
	start := len(buf)
	buf = append(buf, 'T', 0, 0, 0, 0)
	buf = binary.BigEndian.AppendUint16(buf, uint16(len(cols)))
	for i, c := range cols {
		pt := pgcodec.TypeOf(c.Type)
		format := formatText
		if formats != nil {
			format = formats[i]
		}
		buf = append(buf, c.Name...)
		buf = append(buf, 0)
		buf = binary.BigEndian.AppendUint32(buf, c.TableOID)
		buf = binary.BigEndian.AppendUint16(buf, uint16(c.Attr))
		buf = binary.BigEndian.AppendUint32(buf, pt.OID)
		buf = binary.BigEndian.AppendUint16(buf, uint16(pt.Size))
		buf = binary.BigEndian.AppendUint32(buf, uint32(pt.Typmod))
		buf = binary.BigEndian.AppendUint16(buf, uint16(format))
	}
	binary.BigEndian.PutUint32(buf[start+1:], uint32(len(buf)-start-1))
	return buf, nil
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
