package pgcodec

import "mirrordb/types"

// PostgreSQL type OIDs that wire sends or accepts (pg_type.dat).
const (
	OIDBool        uint32 = 16
	OIDBytea       uint32 = 17
	OIDName        uint32 = 19
	OIDInt8        uint32 = 20
	OIDInt2        uint32 = 21
	OIDInt4        uint32 = 23
	OIDText        uint32 = 25
	OIDFloat4      uint32 = 700
	OIDFloat8      uint32 = 701
	OIDUnknown     uint32 = 705
	OIDBPChar      uint32 = 1042
	OIDVarChar     uint32 = 1043
	OIDDate        uint32 = 1082
	OIDTime        uint32 = 1083
	OIDTimestamp   uint32 = 1114
	OIDTimestampTZ uint32 = 1184
	OIDNumeric     uint32 = 1700
	OIDUUID        uint32 = 2950
)

// Type is how one SQL type appears in a RowDescription.
type Type struct {
	OID    uint32
	Size   int16 // pg_type.typlen: -1 for variable length
	Typmod int32 // -1 when the type has none
}

// TypeOf maps a SQL type to the PostgreSQL type clients see.
func TypeOf(t types.Type) Type {
	switch t.Kind {
	case types.TinyInt, types.SmallInt:
		return Type{OIDInt2, 2, -1}
	case types.Int:
		return Type{OIDInt4, 4, -1}
	case types.BigInt:
		return Type{OIDInt8, 8, -1}
	case types.Bit:
		return Type{OIDBool, 1, -1}
	case types.Decimal:
		mod := int32(-1)
		if t.Precision > 0 {
			mod = (int32(t.Precision)<<16 | int32(t.Scale)) + 4
		}
		return Type{OIDNumeric, -1, mod}
	case types.Money, types.SmallMoney:
		// numeric, not PostgreSQL's money: its text carries a currency
		// symbol and its binary form depends on the server's locale.
		p, s := t.PrecisionScale()
		return Type{OIDNumeric, -1, int32(p<<16|s) + 4}
	case types.SmallDateTime:
		return Type{OIDTimestamp, 8, 0}
	case types.Time:
		return Type{OIDTime, 8, timeMod(t.Precision)}
	case types.DateTimeOffset:
		return Type{OIDTimestampTZ, 8, timeMod(t.Precision)}
	case types.Real:
		return Type{OIDFloat4, 4, -1}
	case types.Float:
		return Type{OIDFloat8, 8, -1}
	case types.Char, types.NChar:
		return Type{OIDBPChar, -1, lengthMod(t.Length)}
	case types.VarChar, types.NVarChar:
		return Type{OIDVarChar, -1, lengthMod(t.Length)}
	case types.Date:
		return Type{OIDDate, 4, -1}
	case types.DateTime:
		return Type{OIDTimestamp, 8, -1}
	case types.DateTime2:
		return Type{OIDTimestamp, 8, timeMod(t.Precision)}
	case types.UniqueIdentifier:
		return Type{OIDUUID, 16, -1}
	case types.Binary, types.VarBinary:
		return Type{OIDBytea, -1, -1}
	}
	return Type{OIDText, -1, -1}
}

// timeMod is the typmod of PostgreSQL's time types: the fractional digits,
// -1 for its maximum of 6 (precision 7 is sent rounded to microseconds).
func timeMod(p uint8) int32 {
	if p < 6 {
		return int32(p)
	}
	return -1
}

func lengthMod(n int32) int32 {
	if n <= 0 { // MAX or unspecified
		return -1
	}
	return n + 4
}

// TypeFromOID maps a parameter type a client declared in Parse to the SQL
// type passed to Prepare. 0 and OIDs wire does not know become
// TypeUnknown: the engine infers the type from context.
func TypeFromOID(oid uint32) types.Type {
	switch oid {
	case OIDInt2:
		return types.TypeSmallInt
	case OIDInt4:
		return types.TypeInt
	case OIDInt8:
		return types.TypeBigInt
	case OIDBool:
		return types.TypeBit
	case OIDNumeric:
		// PostgreSQL's unconstrained numeric has no T-SQL equivalent; this
		// keeps 28 integer and 10 fraction digits.
		return types.DecimalType(types.MaxDecPrecision, 10)
	case OIDFloat4:
		return types.TypeReal
	case OIDFloat8:
		return types.TypeFloat
	case OIDText, OIDVarChar, OIDBPChar, OIDName:
		return types.NVarCharType(types.MaxLength)
	case OIDDate:
		return types.TypeDate
	case OIDTimestamp, OIDTimestampTZ:
		return types.DateTime2Type(7)
	case OIDTime:
		return types.TimeType(7)
	case OIDUUID:
		return types.TypeUUID
	case OIDBytea:
		return types.VarBinaryType(types.MaxLength)
	}
	return types.TypeUnknown
}
