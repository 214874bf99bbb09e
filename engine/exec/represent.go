package exec

import "mirrordb/types"

// SameRepresentation reports kinds whose Go values compare directly.
func SameRepresentation(a, b types.Kind) bool {
	num := func(k types.Kind) bool {
		return k.IsInteger() || k == types.Decimal || k == types.Float || k == types.Real || k.IsMoney()
	}
	switch {
	case a == b:
		return true
	case num(a) && num(b):
		return true
	case a.IsString() && b.IsString():
		return true
	case a.IsTemporal() && b.IsTemporal():
		return true
	case a.IsBinary() && b.IsBinary():
		return true
	}
	return false
}
