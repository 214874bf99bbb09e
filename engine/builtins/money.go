package builtins

import (
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// MoneyArithType is the result and operand type of l op r when money has
// the highest precedence: money, or smallmoney when both sides are.
func MoneyArithType(l, r types.Type) (result, operand types.Type) {
	if l.Kind == types.SmallMoney && r.Kind == types.SmallMoney {
		return types.TypeSmallMoney, types.TypeSmallMoney
	}
	return types.TypeMoney, types.TypeMoney
}

// MoneyLiteral is the value of a money constant ($12.50, £3): money, or
// 8115 when it is out of money's range.
func MoneyLiteral(text string) (types.Value, types.Type, error) {
	v, err := types.Convert(text, types.VarCharType(types.MaxLength), types.TypeMoney, types.Explicit)
	if err != nil {
		if sqlerr.Is(err, 8115) {
			return nil, types.Type{}, sqlerr.New(8115, "expression", "money")
		}
		return nil, types.Type{}, sqlerr.New(102, text)
	}
	return v, types.TypeMoney, nil
}
