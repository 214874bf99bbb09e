package types

import (
	"math"
	"math/big"
	"strings"
)

// Dec is an exact decimal number: Coef × 10^-Scale. It backs DECIMAL and
// NUMERIC values (up to 38 digits). The zero value is 0 with scale 0.
// Dec values are immutable; every operation returns a new one.
type Dec struct {
	coef  *big.Int // nil means zero
	Scale int32
}

var bigTen = big.NewInt(10)

// pow10 returns 10^n. The result is shared: callers use it as an operand
// and never change it.
func pow10(n int32) *big.Int {
	if n >= 0 && int(n) < len(pow10s) {
		return pow10s[n]
	}
	return new(big.Int).Exp(bigTen, big.NewInt(int64(n)), nil)
}

// pow10s caches the powers of ten decimal arithmetic uses most (a COPY of
// a million decimals checks a precision for each).
var pow10s = func() []*big.Int {
	p := make([]*big.Int, 2*MaxDecPrecision+2)
	for i := range p {
		p[i] = new(big.Int).Exp(bigTen, big.NewInt(int64(i)), nil)
	}
	return p
}()

// NewDec returns coef × 10^-scale.
func NewDec(coef *big.Int, scale int32) Dec {
	return Dec{coef: new(big.Int).Set(coef), Scale: scale}
}

// DecFromInt returns the integer v with scale 0.
func DecFromInt(v int64) Dec { return Dec{coef: big.NewInt(v)} }

// Coef returns a copy of the coefficient.
func (d Dec) Coef() *big.Int {
	if d.coef == nil {
		return new(big.Int)
	}
	return new(big.Int).Set(d.coef)
}

func (d Dec) c() *big.Int {
	if d.coef == nil {
		return new(big.Int)
	}
	return d.coef
}

// int64pow10 is 10^0 .. 10^18.
var int64pow10 = func() (p [19]int64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// CoefInt64 returns the coefficient, unscaled, when it fits an int64,
// without copying it (a row encoder's fast path).
func (d Dec) CoefInt64() (int64, bool) {
	if d.coef == nil {
		return 0, true
	}
	if !d.coef.IsInt64() {
		return 0, false
	}
	return d.coef.Int64(), true
}

// Sign returns -1, 0 or +1.
func (d Dec) Sign() int { return d.c().Sign() }

// ParseDec parses a decimal literal: optional sign, digits, optional
// fraction ("-12.340"). Exponents are not accepted (those are FLOAT).
func ParseDec(s string) (Dec, bool) {
	s = strings.TrimSpace(s)
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" {
		return Dec{}, false
	}
	intPart, frac, _ := strings.Cut(s, ".")
	digits := intPart + frac
	if digits == "" {
		return Dec{}, false
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return Dec{}, false
		}
	}
	c, ok := new(big.Int).SetString(digits, 10)
	if !ok {
		return Dec{}, false
	}
	if neg {
		c.Neg(c)
	}
	return Dec{coef: c, Scale: int32(len(frac))}, true
}

// String renders the number with exactly Scale fraction digits.
func (d Dec) String() string {
	c := d.c()
	neg := c.Sign() < 0
	digits := new(big.Int).Abs(c).String()
	if d.Scale > 0 {
		if int32(len(digits)) <= d.Scale {
			digits = strings.Repeat("0", int(d.Scale)-len(digits)+1) + digits
		}
		cut := len(digits) - int(d.Scale)
		digits = digits[:cut] + "." + digits[cut:]
	} else if d.Scale < 0 {
		digits += strings.Repeat("0", int(-d.Scale))
	}
	if neg {
		return "-" + digits
	}
	return digits
}

// Digits returns the number of significant integer-plus-fraction digits
// (the precision this value needs at its scale).
func (d Dec) Digits() int {
	a := new(big.Int).Abs(d.c())
	if a.Sign() == 0 {
		return 1
	}
	return len(a.String())
}

// Rescale returns d at the given scale, rounding half away from zero when
// digits are dropped (SQL Server rounds on conversion to a smaller scale).
func (d Dec) Rescale(scale int32) Dec {
	if scale == d.Scale {
		return d
	}
	c := d.c()
	if scale > d.Scale {
		return Dec{coef: new(big.Int).Mul(c, pow10(scale-d.Scale)), Scale: scale}
	}
	div := pow10(d.Scale - scale)
	q, r := new(big.Int).QuoRem(c, div, new(big.Int))
	// Round half away from zero: compare 2|r| with the divisor.
	r2 := new(big.Int).Abs(r)
	r2.Lsh(r2, 1)
	if r2.Cmp(div) >= 0 {
		if c.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return Dec{coef: q, Scale: scale}
}

// Truncate returns d at the given smaller scale, dropping digits (toward
// zero), as CAST(decimal AS int) does.
func (d Dec) Truncate(scale int32) Dec {
	if scale >= d.Scale {
		return d.Rescale(scale)
	}
	q := new(big.Int).Quo(d.c(), pow10(d.Scale-scale))
	return Dec{coef: q, Scale: scale}
}

// Cmp compares two decimals numerically.
func (d Dec) Cmp(e Dec) int {
	s := max(d.Scale, e.Scale)
	return d.Rescale(s).c().Cmp(e.Rescale(s).c())
}

// Add returns d + e at the larger scale.
func (d Dec) Add(e Dec) Dec {
	s := max(d.Scale, e.Scale)
	return Dec{coef: new(big.Int).Add(d.Rescale(s).c(), e.Rescale(s).c()), Scale: s}
}

// Sub returns d - e at the larger scale.
func (d Dec) Sub(e Dec) Dec {
	s := max(d.Scale, e.Scale)
	return Dec{coef: new(big.Int).Sub(d.Rescale(s).c(), e.Rescale(s).c()), Scale: s}
}

// Mul returns d × e at scale d.Scale + e.Scale.
func (d Dec) Mul(e Dec) Dec {
	return Dec{coef: new(big.Int).Mul(d.c(), e.c()), Scale: d.Scale + e.Scale}
}

// Neg returns -d.
func (d Dec) Neg() Dec { return Dec{coef: new(big.Int).Neg(d.c()), Scale: d.Scale} }

// Quo returns d / e rounded to the given scale; ok is false when e is zero.
func (d Dec) Quo(e Dec, scale int32) (Dec, bool) {
	if e.Sign() == 0 {
		return Dec{}, false
	}
	// d/e = (dc / 10^ds) / (ec / 10^es); compute at scale+1 then round.
	num := new(big.Int).Mul(d.c(), pow10(scale+1+e.Scale))
	den := new(big.Int).Mul(e.c(), pow10(d.Scale))
	q := new(big.Int).Quo(num, den)
	return Dec{coef: q, Scale: scale + 1}.Rescale(scale), true
}

// Mod returns the remainder of d / e (sign of d), ok false when e is zero.
func (d Dec) Mod(e Dec) (Dec, bool) {
	if e.Sign() == 0 {
		return Dec{}, false
	}
	s := max(d.Scale, e.Scale)
	return Dec{coef: new(big.Int).Rem(d.Rescale(s).c(), e.Rescale(s).c()), Scale: s}, true
}

// Int64 returns the integer part (truncated toward zero) and whether it
// fits in an int64.
func (d Dec) Int64() (int64, bool) {
	t := d.Truncate(0).c()
	if !t.IsInt64() {
		return 0, false
	}
	return t.Int64(), true
}

// Float64 returns the nearest float64.
func (d Dec) Float64() float64 {
	f, _ := new(big.Float).SetInt(d.c()).Float64()
	if d.Scale == 0 {
		return f
	}
	r, _ := new(big.Float).Quo(new(big.Float).SetInt(d.c()), new(big.Float).SetInt(pow10(d.Scale))).Float64()
	return r
}

// DecFromFloat converts f to a decimal with the given scale (rounded);
// ok is false for NaN and infinities.
func DecFromFloat(f float64, scale int32) (Dec, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return Dec{}, false
	}
	bf := new(big.Float).SetPrec(256).SetFloat64(f)
	bf.Mul(bf, new(big.Float).SetInt(pow10(scale+1)))
	c, _ := bf.Int(nil)
	return Dec{coef: c, Scale: scale + 1}.Rescale(scale), true
}

// FitsPrecision reports whether d (at its scale) fits DECIMAL(p, d.Scale).
func (d Dec) FitsPrecision(p int) bool {
	if v, ok := d.CoefInt64(); ok && p >= 0 && p <= 18 && v != math.MinInt64 {
		return max(v, -v) < int64pow10[p] // no big.Int to allocate
	}
	return new(big.Int).Abs(d.c()).Cmp(pow10(int32(p))) < 0
}
