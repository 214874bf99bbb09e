package wire

import (
	"github.com/jackc/pgproto3/v2"

	"mirrordb/session"
	"mirrordb/types"
)

// PostgreSQL type OIDs that wire sends or accepts (pg_type.dat).
const (
	oidBool        uint32 = 16
	oidBytea       uint32 = 17
	oidName        uint32 = 19
	oidInt8        uint32 = 20
	oidInt2        uint32 = 21
	oidInt4        uint32 = 23
	oidText        uint32 = 25
	oidFloat4      uint32 = 700
	oidFloat8      uint32 = 701
	oidUnknown     uint32 = 705
	oidBPChar      uint32 = 1042
	oidVarChar     uint32 = 1043
	oidDate        uint32 = 1082
	oidTimestamp   uint32 = 1114
	oidTimestampTZ uint32 = 1184
	oidNumeric     uint32 = 1700
	oidUUID        uint32 = 2950
)

// Format codes of Bind and RowDescription.
const (
	formatText   int16 = 0
	formatBinary int16 = 1
)

// pgType is how one SQL type appears in a RowDescription.
type pgType struct {
	oid    uint32
	size   int16 // pg_type.typlen: -1 for variable length
	typmod int32 // -1 when the type has none
}

// typeOf maps a SQL type to the PostgreSQL type clients see.
func typeOf(t types.Type) pgType {
	switch t.Kind {
	case types.TinyInt, types.SmallInt:
		return pgType{oidInt2, 2, -1}
	case types.Int:
		return pgType{oidInt4, 4, -1}
	case types.BigInt:
		return pgType{oidInt8, 8, -1}
	case types.Bit:
		return pgType{oidBool, 1, -1}
	case types.Decimal:
		mod := int32(-1)
		if t.Precision > 0 {
			mod = (int32(t.Precision)<<16 | int32(t.Scale)) + 4
		}
		return pgType{oidNumeric, -1, mod}
	case types.Real:
		return pgType{oidFloat4, 4, -1}
	case types.Float:
		return pgType{oidFloat8, 8, -1}
	case types.Char, types.NChar:
		return pgType{oidBPChar, -1, lengthMod(t.Length)}
	case types.VarChar, types.NVarChar:
		return pgType{oidVarChar, -1, lengthMod(t.Length)}
	case types.Date:
		return pgType{oidDate, 4, -1}
	case types.DateTime:
		return pgType{oidTimestamp, 8, -1}
	case types.DateTime2:
		mod := int32(-1)
		if t.Precision < 6 {
			mod = int32(t.Precision)
		}
		return pgType{oidTimestamp, 8, mod}
	case types.UniqueIdentifier:
		return pgType{oidUUID, 16, -1}
	case types.Binary, types.VarBinary:
		return pgType{oidBytea, -1, -1}
	}
	return pgType{oidText, -1, -1}
}

func lengthMod(n int32) int32 {
	if n <= 0 { // MAX or unspecified
		return -1
	}
	return n + 4
}

// typeFromOID maps a parameter type a client declared in Parse to the SQL
// type passed to Prepare. 0 and OIDs wire does not know become
// TypeUnknown: the engine infers the type from context.
func typeFromOID(oid uint32) types.Type {
	switch oid {
	case oidInt2:
		return types.TypeSmallInt
	case oidInt4:
		return types.TypeInt
	case oidInt8:
		return types.TypeBigInt
	case oidBool:
		return types.TypeBit
	case oidNumeric:
		// PostgreSQL's unconstrained numeric has no T-SQL equivalent; this
		// keeps 28 integer and 10 fraction digits.
		return types.DecimalType(types.MaxDecPrecision, 10)
	case oidFloat4:
		return types.TypeReal
	case oidFloat8:
		return types.TypeFloat
	case oidText, oidVarChar, oidBPChar, oidName:
		return types.NVarCharType(types.MaxLength)
	case oidDate:
		return types.TypeDate
	case oidTimestamp, oidTimestampTZ:
		return types.DateTime2Type(7)
	case oidUUID:
		return types.TypeUUID
	case oidBytea:
		return types.VarBinaryType(types.MaxLength)
	}
	return types.TypeUnknown
}

// fields builds the RowDescription fields for cols. formats holds one
// format code per column (nil: all text).
func fields(cols []session.Column, formats []int16) []pgproto3.FieldDescription {
	fs := make([]pgproto3.FieldDescription, len(cols))
	for i, c := range cols {
		pt := typeOf(c.Type)
		fs[i] = pgproto3.FieldDescription{
			Name:         []byte(c.Name),
			DataTypeOID:  pt.oid,
			DataTypeSize: pt.size,
			TypeModifier: pt.typmod,
		}
		if formats != nil {
			fs[i].Format = formats[i]
		}
	}
	return fs
}

// resolveFormats applies the protocol's format-code rule: no codes means
// all text, one code applies to all n values, otherwise one per value.
// ok is false when the count is none of these.
func resolveFormats(codes []int16, n int) (formats []int16, ok bool) {
	formats = make([]int16, n)
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
