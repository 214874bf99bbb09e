package bind

import (
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// GoRepresentation names the Go type a kind's values have (see types.Value).
func GoRepresentation(k types.Kind) string {
	switch {
	case k.IsInteger():
		return "int64"
	case k == types.Bit:
		return "bool"
	case k == types.Decimal || k.IsMoney():
		return "Dec"
	case k == types.Float || k == types.Real:
		return "float64"
	case k.IsString():
		return "string"
	case k.IsBinary():
		return "[]byte"
	case k.IsTemporal():
		return "time.Time"
	case k == types.UniqueIdentifier:
		return "UUID"
	}
	return "unknown"
}

// ImplicitOK reports whether SQL Server converts from → to implicitly.
func ImplicitOK(from, to types.Type) bool {
	if from.Kind == types.Unknown || from.Kind == to.Kind {
		return true
	}
	_, err := types.Convert(Probe(from.Kind), from, to, types.Implicit)
	return err == nil || (!sqlerr.Is(err, 257) && !sqlerr.Is(err, 529))
}

// probeTime is the temporal kinds' sample value.
var probeTime, _ = types.ParseTime("2000-01-01")

// Probe returns a sample value of a kind, to ask types.Convert whether a
// conversion exists (value errors such as 245 still mean "convertible").
func Probe(k types.Kind) types.Value {
	switch {
	case k.IsInteger():
		return int64(0)
	case k == types.Bit:
		return false
	case k == types.Decimal || k.IsMoney():
		return types.DecFromInt(0)
	case k == types.Float || k == types.Real:
		return 0.0
	case k.IsString():
		return "0"
	case k.IsBinary():
		return []byte{0}
	case k.IsTemporal():
		return probeTime
	case k == types.UniqueIdentifier:
		return types.UUID{}
	}
	return nil
}
