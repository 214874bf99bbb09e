package exec

import (
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// MoneyArith is arithmetic on MONEY and SMALLMONEY: with integers or each other the
// result is money (smallmoney when both sides are smallmoney), computed
// exactly and rounded to four places; with DECIMAL or FLOAT, which rank
// above money, bind.ArithType's other rules apply (builtins.MoneyArithType has
// the result type).
func MoneyArith(op string, l, r types.Dec, k types.Kind) (types.Value, error) {
	v, err := DecOp(op, l, r, types.MoneyScale+1, k.String())
	if err != nil {
		return nil, err
	}
	v, ok := types.MoneyInRange(v, k)
	if !ok {
		return nil, sqlerr.New(8115, "expression", k.String())
	}
	return v, nil
}
