package engine

import (
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// Arithmetic on MONEY and SMALLMONEY: with integers or each other the
// result is money (smallmoney when both sides are smallmoney), computed
// exactly and rounded to four places; with DECIMAL or FLOAT, which rank
// above money, arithType's other rules apply.

// moneyArithType is the result and operand type of l op r when money has
// the highest precedence.
func moneyArithType(l, r types.Type) (result, operand types.Type) {
	if l.Kind == types.SmallMoney && r.Kind == types.SmallMoney {
		return types.TypeSmallMoney, types.TypeSmallMoney
	}
	return types.TypeMoney, types.TypeMoney
}

func moneyArith(op string, l, r types.Dec, k types.Kind) (types.Value, error) {
	v, err := decOp(op, l, r, types.MoneyScale+1, k.String())
	if err != nil {
		return nil, err
	}
	v, ok := types.MoneyInRange(v, k)
	if !ok {
		return nil, sqlerr.New(8115, "expression", k.String())
	}
	return v, nil
}

// moneyLiteral is the value of a money constant ($12.50, £3): money, or
// 8115 when it is out of money's range.
func moneyLiteral(text string) (types.Value, types.Type, error) {
	v, err := types.Convert(text, types.VarCharType(types.MaxLength), types.TypeMoney, types.Explicit)
	if err != nil {
		if sqlerr.Is(err, 8115) {
			return nil, types.Type{}, sqlerr.New(8115, "expression", "money")
		}
		return nil, types.Type{}, sqlerr.New(102, text)
	}
	return v, types.TypeMoney, nil
}
