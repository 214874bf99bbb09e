// Package keys is mirrordb's key space: the prefixes that divide a
// database's Pebble store into schema, table rows, the transaction log and
// local metadata, and an order-preserving encoding of primary-key values
// (bytes.Compare on encoded keys orders them as SQL orders the values).
package keys

import (
	"encoding/binary"
	"math"
	"math/big"
	"strings"
	"time"

	"mirrordb/types"
)

// The key space of one database store. Everything under Schema and Table is
// written by transactions and therefore logged, backed up and mirrored;
// Log holds the log records themselves; Meta is local bookkeeping that
// never leaves the instance.
var (
	Schema = []byte("s/") // s/t/<id> table definitions, s/i/<id> identity, s/r/<id> row ids, s/db/<prop>
	Table  = []byte("t/") // t/<table id>/<primary key>
	Log    = []byte("l/") // l/<LSN>
	Meta   = []byte("m/") // m/<name>
)

// TablePrefix returns the key prefix of all rows of a table.
func TablePrefix(id uint32) []byte {
	k := make([]byte, 0, len(Table)+5)
	k = append(k, Table...)
	k = binary.BigEndian.AppendUint32(k, id)
	return append(k, '/')
}

// RowKey returns the key of a row: the table prefix and the encoded key.
func RowKey(id uint32, encodedKey []byte) []byte {
	k := make([]byte, 0, len(Table)+5+len(encodedKey)) // one allocation: a load makes millions
	k = append(k, Table...)
	k = binary.BigEndian.AppendUint32(k, id)
	return append(append(k, '/'), encodedKey...)
}

// LogKey returns the key of the log record with the given LSN.
func LogKey(lsn uint64) []byte {
	k := make([]byte, 0, len(Log)+8)
	k = append(k, Log...)
	return binary.BigEndian.AppendUint64(k, lsn)
}

// LSNOfLogKey decodes a key made by LogKey.
func LSNOfLogKey(k []byte) (uint64, bool) {
	if len(k) != len(Log)+8 || string(k[:len(Log)]) != string(Log) {
		return 0, false
	}
	return binary.BigEndian.Uint64(k[len(Log):]), true
}

// MetaKey returns the key of a local metadata entry.
func MetaKey(name string) []byte { return append(append([]byte{}, Meta...), name...) }

// SchemaKey returns a schema key: s/<kind>/<name>.
func SchemaKey(kind, name string) []byte {
	return append(append(append(append([]byte{}, Schema...), kind...), '/'), name...)
}

// TableDefKey returns the key holding a table's definition.
func TableDefKey(id uint32) []byte { return idKey("t", id) }

// IdentityKey returns the key holding a table's last identity value.
func IdentityKey(id uint32) []byte { return idKey("i", id) }

// RowIDKey returns the key holding a heap table's last row id.
func RowIDKey(id uint32) []byte { return idKey("r", id) }

// DiscardKey marks a table id whose rows and index entries are to be
// deleted: those a rewrite replaced, or the copy of one that failed
// (engine/alter_rewrite.go).
func DiscardKey(id uint32) []byte { return idKey("g", id) }

func idKey(kind string, id uint32) []byte {
	k := append(append(append([]byte{}, Schema...), kind...), '/')
	return binary.BigEndian.AppendUint32(k, id)
}

// PrefixEnd returns the smallest key greater than every key with the prefix.
func PrefixEnd(prefix []byte) []byte {
	end := append([]byte{}, prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		end[i]++
		if end[i] != 0 {
			return end[:i+1]
		}
	}
	return nil // prefix was all 0xff: no upper bound
}

// Order-preserving value encoding. Each value starts with a tag byte so that
// values of different kinds never collide; within a kind the bytes sort as
// the values do. Primary keys never hold NULL, but the tag exists so that
// encoded tuples remain unambiguous.
const (
	tagNull   = 0x01
	tagInt    = 0x10
	tagFloat  = 0x11
	tagDec    = 0x12
	tagString = 0x20
	tagBytes  = 0x21
	tagTime   = 0x30
	tagUUID   = 0x31
	tagFalse  = 0x40
	tagTrue   = 0x41
)

// AppendValue appends the order-preserving encoding of v (a value of type
// t) to dst. Strings are encoded without trailing spaces, because SQL
// compares 'a' and 'a ' as equal; DECIMAL values are encoded at the
// column's scale so that equal numbers encode equally.
func AppendValue(dst []byte, v types.Value, t types.Type) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, tagNull)
	case int64:
		dst = append(dst, tagInt)
		return binary.BigEndian.AppendUint64(dst, uint64(x)^(1<<63))
	case bool:
		if x {
			return append(dst, tagTrue)
		}
		return append(dst, tagFalse)
	case float64:
		bits := math.Float64bits(x)
		if x < 0 || (x == 0 && math.Signbit(x)) {
			bits = ^bits
		} else {
			bits ^= 1 << 63
		}
		if x == 0 { // +0 and -0 are equal
			bits = 1 << 63
		}
		dst = append(dst, tagFloat)
		return binary.BigEndian.AppendUint64(dst, bits)
	case types.Dec:
		if t.Kind == types.Decimal || t.Kind.IsMoney() { // one scale per column: coefficients compare
			_, scale := t.PrecisionScale()
			x = x.Rescale(int32(scale))
		}
		return appendDec(append(dst, tagDec), x.Coef())
	case string:
		return appendEscaped(append(dst, tagString), []byte(strings.TrimRight(x, " ")))
	case []byte:
		return appendEscaped(append(dst, tagBytes), x)
	case time.Time:
		dst = append(dst, tagTime)
		secs := x.Unix()
		dst = binary.BigEndian.AppendUint64(dst, uint64(secs)^(1<<63))
		return binary.BigEndian.AppendUint32(dst, uint32(x.Nanosecond()))
	case types.UUID:
		k := x.SortKey() // SQL Server's uniqueidentifier order
		return append(append(dst, tagUUID), k[:]...)
	}
	panic("keys: unsupported value type")
}

// appendEscaped writes b with 0x00 escaped as 0x00 0xff and terminates it
// with 0x00 0x01, which keeps prefixes ordered before their extensions.
func appendEscaped(dst, b []byte) []byte {
	for _, c := range b {
		if c == 0 {
			dst = append(dst, 0, 0xff)
			continue
		}
		dst = append(dst, c)
	}
	return append(dst, 0, 1)
}

// appendDec encodes an integer coefficient: a sign byte, then for positives
// the length and magnitude bytes; for negatives both are inverted so that
// larger magnitudes sort first.
func appendDec(dst []byte, c *big.Int) []byte {
	switch c.Sign() {
	case 0:
		return append(dst, 0x80)
	case 1:
		mag := c.Bytes()
		dst = append(dst, 0x81, byte(len(mag)))
		return append(dst, mag...)
	}
	mag := new(big.Int).Neg(c).Bytes()
	dst = append(dst, 0x7f, ^byte(len(mag)))
	for _, b := range mag {
		dst = append(dst, ^b)
	}
	return dst
}

// EncodeTuple encodes a composite key.
func EncodeTuple(vals []types.Value, ts []types.Type) []byte {
	var dst []byte
	for i, v := range vals {
		dst = AppendValue(dst, v, ts[i])
	}
	return dst
}

// EntryRowKey returns the key of the row a secondary index entry (its
// encoded value, which leads with the row's clustered key) points at in
// table tableID.
func EntryRowKey(tableID uint32, val []byte) ([]byte, error) {
	vals, err := DecodeRow(val, nil)
	if err != nil || len(vals) == 0 {
		return nil, ErrCorruptRow
	}
	suffix, ok := vals[0].([]byte)
	if !ok {
		return nil, ErrCorruptRow
	}
	return RowKey(tableID, suffix), nil
}
