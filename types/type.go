package types

import (
	"fmt"
	"strconv"
	"strings"

	"mirrordb/sqlerr"
)

// Kind is a SQL Server base data type.
type Kind uint8

// The kinds mirrordb stores and computes with. The order is not
// significant; Precedence gives SQL Server's data type precedence.
const (
	Unknown Kind = iota // the type of a bare NULL or an unresolved parameter
	TinyInt
	SmallInt
	Int
	BigInt
	Bit
	Decimal
	Real
	Float
	Char
	VarChar
	NChar
	NVarChar
	Date
	DateTime
	DateTime2
	UniqueIdentifier
	Binary
	VarBinary
	// Kinds added after the first release: Kind values are stored in table
	// definitions, so new kinds go at the end.
	Money
	SmallMoney
	SmallDateTime
	Time
	DateTimeOffset
	numKinds
)

// MaxLength marks a (N)VARCHAR(MAX) or VARBINARY(MAX) type.
const MaxLength = -1

// Type is a fully specified SQL type: kind plus length (character and binary
// types), precision and scale (DECIMAL, DATETIME2 fractional digits).
type Type struct {
	Kind      Kind
	Length    int32 // characters or bytes; MaxLength for MAX
	Precision uint8 // DECIMAL precision; DATETIME2 fractional seconds precision
	Scale     uint8 // DECIMAL scale
}

// Value is a SQL value. Its dynamic type follows the column or expression
// Type, which is always known statically:
//
//	nil                NULL (of any type)
//	int64              TINYINT, SMALLINT, INT, BIGINT
//	bool               BIT
//	Dec                DECIMAL, NUMERIC
//	float64            REAL, FLOAT
//	string             CHAR, VARCHAR, NCHAR, NVARCHAR
//	[]byte             BINARY, VARBINARY
//	Dec (scale 4)      MONEY, SMALLMONEY
//	time.Time          DATE, DATETIME, SMALLDATETIME, DATETIME2 (UTC wall
//	                   time); TIME (on 1900-01-01); DATETIMEOFFSET (its
//	                   own fixed zone)
//	UUID               UNIQUEIDENTIFIER
type Value = any

var kindNames = [numKinds]string{
	Unknown: "unknown", TinyInt: "tinyint", SmallInt: "smallint", Int: "int", BigInt: "bigint",
	Bit: "bit", Decimal: "numeric", Real: "real", Float: "float", Char: "char", VarChar: "varchar",
	NChar: "nchar", NVarChar: "nvarchar", Date: "date", DateTime: "datetime", DateTime2: "datetime2",
	UniqueIdentifier: "uniqueidentifier", Binary: "binary", VarBinary: "varbinary",
	Money: "money", SmallMoney: "smallmoney", SmallDateTime: "smalldatetime", Time: "time",
	DateTimeOffset: "datetimeoffset",
}

// String returns the lower-case SQL Server name of the kind, as SQL Server
// prints it in error messages ("int", "varchar", "numeric").
func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// precedence is SQL Server's data type precedence: when an operator combines
// two types, the lower-precedence operand converts to the higher one.
var precedence = [numKinds]int{
	DateTimeOffset: 40, DateTime2: 39, DateTime: 38, SmallDateTime: 37, Date: 36, Time: 35,
	Float: 27, Real: 26, Decimal: 25, Money: 24, SmallMoney: 23,
	BigInt: 22, Int: 21, SmallInt: 20, TinyInt: 19, Bit: 18, UniqueIdentifier: 17,
	NVarChar: 16, NChar: 15, VarChar: 14, Char: 13, VarBinary: 12, Binary: 11, Unknown: 0,
}

// Precedence returns the kind's rank in SQL Server's data type precedence
// (higher wins).
func (k Kind) Precedence() int { return precedence[k] }

// IsInteger reports TINYINT, SMALLINT, INT and BIGINT.
func (k Kind) IsInteger() bool { return k >= TinyInt && k <= BigInt }

// IsNumeric reports the exact and approximate numeric kinds, MONEY and BIT.
func (k Kind) IsNumeric() bool {
	return k.IsInteger() || k == Bit || k == Decimal || k == Real || k == Float || k.IsMoney()
}

// IsMoney reports MONEY and SMALLMONEY.
func (k Kind) IsMoney() bool { return k == Money || k == SmallMoney }

// IsString reports the character kinds.
func (k Kind) IsString() bool { return k >= Char && k <= NVarChar }

// IsUnicode reports NCHAR and NVARCHAR.
func (k Kind) IsUnicode() bool { return k == NChar || k == NVarChar }

// IsBinary reports BINARY and VARBINARY.
func (k Kind) IsBinary() bool { return k == Binary || k == VarBinary }

// IsTemporal reports the date and time kinds.
func (k Kind) IsTemporal() bool {
	return (k >= Date && k <= DateTime2) || k == SmallDateTime || k == Time || k == DateTimeOffset
}

// IsFixedLength reports CHAR, NCHAR and BINARY, which pad to their length.
func (k Kind) IsFixedLength() bool { return k == Char || k == NChar || k == Binary }

// Convenience constructors for the common types.
var (
	TypeUnknown  = Type{Kind: Unknown}
	TypeTinyInt  = Type{Kind: TinyInt}
	TypeSmallInt = Type{Kind: SmallInt}
	TypeInt      = Type{Kind: Int}
	TypeBigInt   = Type{Kind: BigInt}
	TypeBit      = Type{Kind: Bit}
	TypeReal     = Type{Kind: Real}
	TypeFloat    = Type{Kind: Float}
	TypeDate     = Type{Kind: Date}
	TypeDateTime = Type{Kind: DateTime}
	TypeUUID     = Type{Kind: UniqueIdentifier}
	// TypeMoney and TypeSmallMoney hold four decimal places.
	TypeMoney         = Type{Kind: Money}
	TypeSmallMoney    = Type{Kind: SmallMoney}
	TypeSmallDateTime = Type{Kind: SmallDateTime}
	// TypeSysname is SQL Server's sysname: NVARCHAR(128), used by catalog views.
	TypeSysname = Type{Kind: NVarChar, Length: 128}
)

// DecimalType returns DECIMAL(p, s).
func DecimalType(p, s int) Type { return Type{Kind: Decimal, Precision: uint8(p), Scale: uint8(s)} }

// VarCharType returns VARCHAR(n) (n = MaxLength for MAX).
func VarCharType(n int) Type { return Type{Kind: VarChar, Length: int32(n)} }

// NVarCharType returns NVARCHAR(n) (n = MaxLength for MAX).
func NVarCharType(n int) Type { return Type{Kind: NVarChar, Length: int32(n)} }

// VarBinaryType returns VARBINARY(n) (n = MaxLength for MAX).
func VarBinaryType(n int) Type { return Type{Kind: VarBinary, Length: int32(n)} }

// DateTime2Type returns DATETIME2(p).
func DateTime2Type(p int) Type { return Type{Kind: DateTime2, Precision: uint8(p)} }

// TimeType returns TIME(p).
func TimeType(p int) Type { return Type{Kind: Time, Precision: uint8(p)} }

// DateTimeOffsetType returns DATETIMEOFFSET(p).
func DateTimeOffsetType(p int) Type { return Type{Kind: DateTimeOffset, Precision: uint8(p)} }

// String renders the type as T-SQL writes it: "int", "varchar(20)",
// "nvarchar(max)", "decimal(10,2)", "datetime2(7)".
func (t Type) String() string {
	switch t.Kind {
	case Char, VarChar, NChar, NVarChar, Binary, VarBinary:
		if t.Length == MaxLength {
			return t.Kind.String() + "(max)"
		}
		return t.Kind.String() + "(" + strconv.Itoa(int(t.Length)) + ")"
	case Decimal:
		return fmt.Sprintf("decimal(%d,%d)", t.Precision, t.Scale)
	case DateTime2, Time, DateTimeOffset:
		return fmt.Sprintf("%s(%d)", t.Kind, t.Precision)
	}
	return t.Kind.String()
}

// Name is the kind's name as sys.columns and sys.types report it
// ("decimal" rather than "numeric").
func (t Type) Name() string {
	if t.Kind == Decimal {
		return "decimal"
	}
	return t.Kind.String()
}

// PrecisionScale returns the type's precision and scale as sys.columns
// reports them; for the integer kinds and BIT it is also their shape as a
// DECIMAL (INT behaves as DECIMAL(10,0) in arithmetic with decimals).
func (t Type) PrecisionScale() (precision, scale int) {
	switch t.Kind {
	case TinyInt:
		return 3, 0
	case SmallInt:
		return 5, 0
	case Int:
		return 10, 0
	case BigInt:
		return 19, 0
	case Bit:
		return 1, 0
	case Decimal:
		return int(t.Precision), int(t.Scale)
	case Real:
		return 24, 0
	case Float:
		return 53, 0
	case Date:
		return 10, 0
	case DateTime:
		return 23, 3
	case DateTime2:
		return 27, int(t.Precision)
	case Money:
		return 19, 4
	case SmallMoney:
		return 10, 4
	case SmallDateTime:
		return 16, 0
	case Time:
		return 8 + fractionWidth(t.Precision), int(t.Precision)
	case DateTimeOffset:
		return 26 + fractionWidth(t.Precision), int(t.Precision)
	}
	return 0, 0
}

// fractionWidth is the characters fractional seconds of precision p add
// to a time's string form: the point and the digits.
func fractionWidth(p uint8) int {
	if p == 0 {
		return 0
	}
	return int(p) + 1
}

// MaxBytes is sys.columns.max_length: storage bytes, -1 for MAX.
func (t Type) MaxBytes() int {
	switch t.Kind {
	case TinyInt, Bit:
		return 1
	case SmallInt:
		return 2
	case Int, Real:
		return 4
	case BigInt, Float, DateTime, Money:
		return 8
	case SmallMoney, SmallDateTime:
		return 4
	case Time:
		return 3 + fractionBytes(t.Precision)
	case DateTimeOffset:
		return 8 + fractionBytes(t.Precision)
	case Date:
		return 3
	case DateTime2:
		return 8
	case UniqueIdentifier:
		return 16
	case Decimal:
		switch {
		case t.Precision <= 9:
			return 5
		case t.Precision <= 19:
			return 9
		case t.Precision <= 28:
			return 13
		}
		return 17
	case NChar, NVarChar:
		if t.Length == MaxLength {
			return -1
		}
		return int(t.Length) * 2
	case Char, VarChar, Binary, VarBinary:
		return int(t.Length)
	}
	return 0
}

// fractionBytes is the storage fractional seconds of precision p add.
func fractionBytes(p uint8) int {
	switch {
	case p <= 2:
		return 0
	case p <= 4:
		return 1
	}
	return 2
}

// Limits SQL Server applies to declared lengths.
const (
	MaxCharLength   = 8000
	MaxNCharLength  = 4000
	MaxDecPrecision = 38
)

// FromName resolves a T-SQL type name with its arguments ("varchar", [20];
// "decimal", [10 2]; "nvarchar" with max) into a Type. Unknown names and
// invalid arguments return the SQL Server error; the caller adds position
// information.
func FromName(name string, args []int, max bool) (Type, error) {
	n := strings.ToLower(name)
	bad := func(num int, a ...any) (Type, error) { return Type{}, sqlerr.New(num, a...) }
	noArgs := func(t Type) (Type, error) {
		if len(args) > 0 || max {
			return bad(2716, 1, n)
		}
		return t, nil
	}
	switch n {
	case "tinyint":
		return noArgs(TypeTinyInt)
	case "smallint":
		return noArgs(TypeSmallInt)
	case "int", "integer":
		return noArgs(TypeInt)
	case "bigint":
		return noArgs(TypeBigInt)
	case "bit":
		return noArgs(TypeBit)
	case "real":
		return noArgs(TypeReal)
	case "date":
		return noArgs(TypeDate)
	case "datetime":
		return noArgs(TypeDateTime)
	case "uniqueidentifier":
		return noArgs(TypeUUID)
	case "money":
		return noArgs(TypeMoney)
	case "smallmoney":
		return noArgs(TypeSmallMoney)
	case "smalldatetime":
		return noArgs(TypeSmallDateTime)
	case "rowversion":
		return noArgs(Type{Kind: Binary, Length: 8})
	case "text", "ntext", "image":
		// The deprecated large types are stored as their MAX equivalents;
		// sys.columns keeps the declared name (engine).
		return noArgs(Type{Kind: map[string]Kind{"text": VarChar, "ntext": NVarChar, "image": VarBinary}[n], Length: MaxLength})
	case "sysname":
		return noArgs(TypeSysname)
	case "float":
		if max || len(args) > 1 {
			return bad(2716, 1, n)
		}
		if len(args) == 1 {
			if args[0] < 1 || args[0] > 53 {
				return bad(1001, 1, args[0])
			}
			if args[0] <= 24 {
				return TypeReal, nil
			}
		}
		return TypeFloat, nil
	case "decimal", "numeric", "dec":
		if max || len(args) > 2 {
			return bad(2716, 1, n)
		}
		p, s := 18, 0
		if len(args) >= 1 {
			p = args[0]
		}
		if len(args) == 2 {
			s = args[1]
		}
		if p < 1 || p > MaxDecPrecision {
			return bad(2750, 1, p)
		}
		if s > p || s < 0 {
			return bad(192)
		}
		return DecimalType(p, s), nil
	case "datetime2", "time", "datetimeoffset":
		if max || len(args) > 1 {
			return bad(2716, 1, n)
		}
		p := 7
		if len(args) == 1 {
			p = args[0]
		}
		if p < 0 || p > 7 {
			return bad(1001, 1, p)
		}
		return Type{Kind: map[string]Kind{"datetime2": DateTime2, "time": Time, "datetimeoffset": DateTimeOffset}[n], Precision: uint8(p)}, nil
	case "char", "character", "varchar", "nchar", "nvarchar", "binary", "varbinary":
		kind := map[string]Kind{"char": Char, "character": Char, "varchar": VarChar, "nchar": NChar,
			"nvarchar": NVarChar, "binary": Binary, "varbinary": VarBinary}[n]
		limit := MaxCharLength
		if kind.IsUnicode() {
			limit = MaxNCharLength
		}
		if len(args) > 1 {
			return bad(2716, 1, n)
		}
		if max {
			if kind.IsFixedLength() {
				return bad(2716, 1, n)
			}
			return Type{Kind: kind, Length: MaxLength}, nil
		}
		length := 1
		if len(args) == 1 {
			length = args[0]
		}
		if length < 1 {
			return bad(1001, 1, length)
		}
		if length > limit {
			return bad(131, length, n, limit)
		}
		return Type{Kind: kind, Length: int32(length)}, nil
	}
	return bad(2715, 1, name)
}
