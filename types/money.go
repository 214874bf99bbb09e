package types

import (
	"math/big"
	"strings"

	"mirrordb/sqlerr"
)

// MONEY and SMALLMONEY are exact numbers with four decimal places, held as
// a Dec of scale 4 and bounded by their 8- and 4-byte integer storage.

// MoneyScale is the number of decimal places of MONEY and SMALLMONEY.
const MoneyScale = 4

var (
	maxMoney      = NewDec(big.NewInt(922337203685477_5807), MoneyScale)
	minMoney      = NewDec(big.NewInt(-922337203685477_5808), MoneyScale)
	maxSmallMoney = NewDec(big.NewInt(214748_3647), MoneyScale)
	minSmallMoney = NewDec(big.NewInt(-214748_3648), MoneyScale)
)

// MoneyInRange rounds d to four places and reports whether it fits k
// (MONEY or SMALLMONEY).
func MoneyInRange(d Dec, k Kind) (Dec, bool) {
	d = d.Rescale(MoneyScale)
	lo, hi := minMoney, maxMoney
	if k == SmallMoney {
		lo, hi = minSmallMoney, maxSmallMoney
	}
	return d, d.Cmp(lo) >= 0 && d.Cmp(hi) <= 0
}

// currencySymbols are the prefixes a money string may carry (SQL Server
// accepts many; these are the common ones).
var currencySymbols = []string{"$", "£", "€", "¥", "₩", "₹"}

// ParseMoney reads a money string: an optional sign, an optional currency
// symbol (before or after the sign), digits with optional thousands
// commas and a decimal point: "$12.50", "-$1,234.56", "£3".
func ParseMoney(s string) (Dec, bool) {
	s = strings.TrimSpace(s)
	sign := ""
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
		sign, s = s[:1], strings.TrimSpace(s[1:])
	}
	for _, c := range currencySymbols {
		if strings.HasPrefix(s, c) {
			s = strings.TrimSpace(s[len(c):])
			break
		}
	}
	if sign == "" && (strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+")) {
		sign, s = s[:1], s[1:]
	}
	if s == "" {
		return Dec{}, false
	}
	// Commas group digits before the point only.
	if i := strings.IndexByte(s, '.'); i >= 0 && strings.Contains(s[i:], ",") {
		return Dec{}, false
	}
	digits := strings.ReplaceAll(s, ",", "")
	if digits == "" || strings.HasPrefix(s, ",") {
		return Dec{}, false
	}
	if strings.ContainsAny(digits, "eE") { // no exponents in money strings
		return Dec{}, false
	}
	return ParseDec(sign + digits)
}

func toMoney(v Value, from, to Type) (Value, *sqlerr.Error) {
	if b, isBytes := v.([]byte); isBytes {
		width := Int
		if to.Kind == Money {
			width = BigInt
		}
		return NewDec(big.NewInt(bytesToInt(b, width)), MoneyScale), nil
	}
	d, ok, err := exactOf(v, from, to, MoneyScale, ParseMoney)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, sqlerr.New(235, charName(from.Kind), to.Kind.String(), charName(from.Kind))
	}
	if d, ok = MoneyInRange(d, to.Kind); !ok {
		name := "expression"
		switch {
		case from.Kind.IsMoney() || from.Kind.IsInteger():
			name = from.Kind.String()
		case from.Kind == Decimal:
			name = "numeric"
		case from.Kind == Float || from.Kind == Real:
			name = "float"
		}
		return nil, sqlerr.New(8115, name, to.Kind.String())
	}
	return d, nil
}

// charName is how message 235 names a string type: "char" or "nchar".
func charName(k Kind) string {
	if k.IsUnicode() {
		return "nchar"
	}
	return "char"
}

// FormatMoney renders money as CONVERT(varchar, m, style) does: style 0
// two decimals ("1234.56"), 1 two decimals with thousands commas
// ("1,234.56"), 2 four decimals ("1234.5600"); other styles read as 0.
func FormatMoney(d Dec, style int) string {
	switch style {
	case 2:
		return d.Rescale(4).String()
	case 1:
		s := d.Rescale(2).String()
		neg := strings.HasPrefix(s, "-")
		s = strings.TrimPrefix(s, "-")
		whole, frac, _ := strings.Cut(s, ".")
		var b strings.Builder
		for i, c := range whole {
			if i > 0 && (len(whole)-i)%3 == 0 {
				b.WriteByte(',')
			}
			b.WriteRune(c)
		}
		out := b.String() + "." + frac
		if neg {
			out = "-" + out
		}
		return out
	}
	return d.Rescale(2).String()
}
