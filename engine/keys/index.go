package keys

import (
	"encoding/binary"

	"mirrordb/types"
)

// Secondary index entries live beside their table's rows, under
// t/<table id>i<index id>/: outside the rows' prefix t/<table id>/ (so a
// table scan never meets them) yet under t/, so that everything that
// carries rows (the log, backups, mirroring, undo) carries index entries
// the same way. An entry's key is the index key values, each encoded as
// AppendValue does (bytes inverted for a DESC column, which reverses the
// order and puts NULLs last, as SQL Server sorts them), and for a
// non-unique index the row's key after them, which makes every entry
// distinct. No value's encoding is a prefix of another's, which is what
// makes inversion and concatenation keep the order.

// indexMark separates a table id from an index id in an index key.
const indexMark = 'i'

// IndexPrefix returns the key prefix of all entries of one index.
func IndexPrefix(table, index uint32) []byte {
	k := make([]byte, 0, len(Table)+10)
	k = append(k, Table...)
	k = binary.BigEndian.AppendUint32(k, table)
	k = append(k, indexMark)
	k = binary.BigEndian.AppendUint32(k, index)
	return append(k, '/')
}

// IndexOfKey reports the table and index ids of an index entry key (ok
// false for a row key or anything else).
func IndexOfKey(k []byte) (table, index uint32, ok bool) {
	n := len(Table)
	if len(k) < n+10 || string(k[:n]) != string(Table) || k[n+4] != indexMark || k[n+9] != '/' {
		return 0, 0, false
	}
	return binary.BigEndian.Uint32(k[n:]), binary.BigEndian.Uint32(k[n+5:]), true
}

// AppendIndexValue appends v's order-preserving encoding, inverted when
// desc.
func AppendIndexValue(dst []byte, v types.Value, t types.Type, desc bool) []byte {
	start := len(dst)
	dst = AppendValue(dst, v, t)
	if desc {
		for i := start; i < len(dst); i++ {
			dst[i] = ^dst[i]
		}
	}
	return dst
}

// RowSuffix returns the part of a row key after its table prefix (the
// encoded primary key or heap row id), which an index entry carries to find
// its row.
func RowSuffix(rowKey []byte) []byte { return rowKey[len(Table)+5:] }
