package bind

import (
	"encoding/hex"
	"math/big"
	"mirrordb/engine/builtins"
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
	"strconv"
	"strings"
	"unicode/utf8"
)

// LiteralValue is a literal's value and type (also the value and type of
// the parameter simple parameterization puts in its place).
func LiteralValue(x *parser.Literal) (types.Value, types.Type, error) {
	switch x.Kind {
	case parser.LitNull:
		return nil, types.TypeUnknown, nil
	case parser.LitInt:
		if v, err := strconv.ParseInt(x.Value, 10, 64); err == nil {
			if types.CheckIntRange(v, types.Int) {
				return v, types.TypeInt, nil
			}
			return v, types.TypeBigInt, nil
		}
		d, _ := types.ParseDec(x.Value)
		if d.Digits() > types.MaxDecPrecision {
			return nil, types.Type{}, sqlerr.New(1007, x.Value)
		}
		return d, types.DecimalType(max(d.Digits(), 1), 0), nil
	case parser.LitDecimal:
		d, ok := types.ParseDec(x.Value)
		if !ok || d.Digits() > types.MaxDecPrecision {
			return nil, types.Type{}, sqlerr.New(1007, x.Value)
		}
		p := max(d.Digits(), int(d.Scale), 1)
		return d, types.DecimalType(p, int(d.Scale)), nil
	case parser.LitFloat:
		v, err := types.Convert(x.Value, types.VarCharType(types.MaxLength), types.TypeFloat, types.Explicit)
		if err != nil {
			return nil, types.Type{}, sqlerr.New(1007, x.Value)
		}
		return v, types.TypeFloat, nil
	case parser.LitString:
		return x.Value, types.VarCharType(max(utf8.RuneCountInString(x.Value), 1)), nil
	case parser.LitNString:
		return x.Value, types.NVarCharType(max(utf8.RuneCountInString(x.Value), 1)), nil
	case parser.LitBinary:
		h := x.Value
		if len(h)%2 == 1 {
			h = "0" + h
		}
		v, err := hex.DecodeString(h)
		if err != nil {
			return nil, types.Type{}, sqlerr.New(102, "0x"+x.Value)
		}
		return v, types.VarBinaryType(max(len(v), 1)), nil
	case parser.LitMoney:
		return builtins.MoneyLiteral(x.Value)
	}
	return nil, types.Type{}, sqlerr.New(102, x.Value)
}

// DecimalLiteral parses big integer literals for IDENTITY seeds and such.
func DecimalLiteral(s string) (int64, bool) {
	v, ok := new(big.Int).SetString(strings.TrimSpace(s), 10)
	if !ok || !v.IsInt64() {
		return 0, false
	}
	return v.Int64(), true
}

// BoolLiteral reads PostgreSQL's true and false where no column of that
// name is in scope (a column named true wins, as T-SQL reads the word): a
// bit constant, 1 or 0. T-SQL has no boolean type, so SELECT true returns
// a bit column and WHERE flag = true compares a bit column with 1.
func BoolLiteral(ref *parser.ColumnRef) (exec.Expr, bool) {
	if len(ref.Parts) != 1 {
		return nil, false
	}
	switch strings.ToLower(ref.Parts[0]) {
	case "true":
		return &exec.Const{V: true, T: types.TypeBit}, true
	case "false":
		return &exec.Const{V: false, T: types.TypeBit}, true
	}
	return nil, false
}
