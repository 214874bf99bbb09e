package bind

import (
	"mirrordb/engine/builtins"
	"mirrordb/types"
)

// OperandType is the type an operand is converted to before the arithmetic:
// integers to the result's integer kind, anything to DECIMAL keeps its own
// decimal shape, floats to FLOAT.
func OperandType(own, op types.Type) types.Type {
	switch op.Kind {
	case types.Decimal:
		if own.Kind == types.Decimal {
			return own
		}
		p, s := own.PrecisionScale()
		return types.DecimalType(p, s)
	case types.Bit:
		return types.TypeBigInt
	}
	return op
}

// ArithType returns the result type of l op r and the kind operands are
// computed in, following SQL Server's rules (including DECIMAL precision
// and scale arithmetic, capped at 38 digits keeping at least 6 of scale).
func ArithType(op string, l, r types.Type) (result, operand types.Type) {
	hi := l
	if r.Kind.Precedence() > l.Kind.Precedence() {
		hi = r
	}
	switch {
	case hi.Kind == types.Float || hi.Kind == types.Real:
		t := types.TypeFloat
		if l.Kind == types.Real && r.Kind == types.Real {
			t = types.TypeReal
		}
		return t, t
	case hi.Kind == types.Decimal:
		p1, s1 := l.PrecisionScale()
		p2, s2 := r.PrecisionScale()
		var p, s int
		switch op {
		case "+", "-":
			s = max(s1, s2)
			p = s + max(p1-s1, p2-s2) + 1
		case "*":
			p, s = p1+p2+1, s1+s2
		case "/":
			s = max(6, s1+p2+1)
			p = p1 - s1 + s2 + s
		default: // %
			s = max(s1, s2)
			p = min(p1-s1, p2-s2) + s
		}
		if p > types.MaxDecPrecision {
			intDigits := p - s
			s = max(min(s, 6), types.MaxDecPrecision-intDigits)
			if s < 0 {
				s = 0
			}
			s = min(s, max(6, types.MaxDecPrecision-intDigits))
			p = types.MaxDecPrecision
			if s > p {
				s = p
			}
		}
		t := types.DecimalType(p, s)
		return t, t
	}
	if hi.Kind.IsMoney() {
		return builtins.MoneyArithType(l, r)
	}
	// Integers (and bit with integers): the higher-precedence integer kind.
	if hi.Kind == types.Bit {
		return types.TypeInt, types.TypeInt
	}
	return types.Type{Kind: hi.Kind}, types.Type{Kind: hi.Kind}
}
