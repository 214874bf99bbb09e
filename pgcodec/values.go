package pgcodec

import (
	"fmt"
	"math/big"
	"time"

	"mirrordb/sqlerr"
	"mirrordb/types"
)

// The engine hands wire values in the Go representation of the column's
// type (types.Value). The as* helpers accept that representation directly
// and fall back to the engine's explicit conversion for anything else, so a
// result column whose values arrive in a neighbouring representation (an
// int64 in a DECIMAL column, say) is still encoded instead of failing.

func convertTo(v types.Value, to types.Type) (types.Value, error) {
	out, e := types.Convert(v, types.TypeOf(v), to, types.Explicit)
	if e != nil {
		return nil, e
	}
	if out == nil {
		return nil, sqlerr.Protocol(sqlerr.Internal, "cannot encode %T as %s", v, to)
	}
	return out, nil
}

func asInt64(v types.Value) (int64, error) {
	if n, ok := v.(int64); ok {
		return n, nil
	}
	out, err := convertTo(v, types.TypeBigInt)
	if err != nil {
		return 0, err
	}
	return out.(int64), nil
}

func asBool(v types.Value) (bool, error) {
	if b, ok := v.(bool); ok {
		return b, nil
	}
	out, err := convertTo(v, types.TypeBit)
	if err != nil {
		return false, err
	}
	return out.(bool), nil
}

func asDec(v types.Value) (types.Dec, error) {
	switch x := v.(type) {
	case types.Dec:
		return x, nil
	case int64:
		return types.DecFromInt(x), nil
	case float64:
		// Shortest decimal that round-trips the float.
		if d, ok := parseNumeric(string(formatFloat(nil, x, 64))); ok {
			return d, nil
		}
	}
	out, err := convertTo(v, types.DecimalType(types.MaxDecPrecision, 10))
	if err != nil {
		return types.Dec{}, err
	}
	return out.(types.Dec), nil
}

func asFloat(v types.Value) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case int64:
		return float64(x), nil
	case types.Dec:
		return x.Float64(), nil
	}
	out, err := convertTo(v, types.TypeFloat)
	if err != nil {
		return 0, err
	}
	return out.(float64), nil
}

func asTime(v types.Value) (time.Time, error) {
	if t, ok := v.(time.Time); ok {
		return t.UTC(), nil
	}
	out, err := convertTo(v, types.DateTime2Type(7))
	if err != nil {
		return time.Time{}, err
	}
	return out.(time.Time).UTC(), nil
}

// asZonedTime is asTime keeping a DATETIMEOFFSET's own zone.
func asZonedTime(v types.Value) (time.Time, error) {
	if t, ok := v.(time.Time); ok {
		return t, nil
	}
	return asTime(v)
}

func asUUID(v types.Value) (types.UUID, error) {
	if u, ok := v.(types.UUID); ok {
		return u, nil
	}
	out, err := convertTo(v, types.TypeUUID)
	if err != nil {
		return types.UUID{}, err
	}
	return out.(types.UUID), nil
}

func asBytes(v types.Value) ([]byte, error) {
	switch x := v.(type) {
	case []byte:
		return x, nil
	case string:
		return []byte(x), nil
	}
	out, err := convertTo(v, types.VarBinaryType(types.MaxLength))
	if err != nil {
		return nil, err
	}
	return out.([]byte), nil
}

// appendAnyText renders any value in PostgreSQL's text form for its Go
// representation; it serves text-typed columns and columns of unknown type.
func appendAnyText(dst []byte, v types.Value) []byte {
	switch x := v.(type) {
	case string:
		return append(dst, x...)
	case int64:
		return appendInt(dst, x)
	case bool:
		return appendBool(dst, x)
	case types.Dec:
		return append(dst, x.String()...)
	case float64:
		return formatFloat(dst, x, 64)
	case []byte:
		return appendByteaText(dst, x)
	case time.Time:
		return appendTimestampText(dst, x.UTC())
	case types.UUID:
		return appendUUIDText(dst, x)
	case *big.Int:
		return x.Append(dst, 10)
	}
	return fmt.Append(dst, v)
}
