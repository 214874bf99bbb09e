package builtins

import (
	"iter"
	"maps"
	"math"
	"math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"

	"mirrordb/sqlerr"
	"mirrordb/types"
)

// Func is a scalar function of values alone. Type computes the result type
// from the (bound) argument types; Eval computes the value. Unless NullSafe
// is set, a NULL argument makes the result NULL without calling Eval.
type Func struct {
	Min, Max int // argument count bounds (Max -1: variadic)
	Type     func(args []types.Type) types.Type
	Eval     func(args []types.Value, ts []types.Type) (types.Value, error)
	NullSafe bool // Eval handles NULL arguments itself
	Volatile bool // never folded into a constant at bind time
}

// Fixed is a result type that does not depend on the arguments.
func Fixed(t types.Type) func([]types.Type) types.Type {
	return func([]types.Type) types.Type { return t }
}

// FirstArg is the type of the first argument, as the result type.
func FirstArg(ts []types.Type) types.Type { return ts[0] }

// NVarChar128 is sysname's shape, the result of most name functions.
var NVarChar128 = types.NVarCharType(128)

// funcs maps upper-case function names to their implementation; each
// file's init adds its functions.
var funcs = map[string]*Func{}

// All lists the functions by upper-case name; the engine adds them to the
// ones that read the session, the catalog or the statement's clock.
func All() iter.Seq2[string, *Func] { return maps.All(funcs) }

func init() {
	maps.Copy(funcs, map[string]*Func{
		"ISNULL": {Min: 2, Max: 2, Type: FirstArg, NullSafe: true, Eval: fnCoalesce},
		"COALESCE": {Min: 1, Max: -1, NullSafe: true, Eval: fnCoalesce, Type: func(ts []types.Type) types.Type {
			t := ts[0]
			for _, o := range ts[1:] {
				t = types.Common(t, o)
			}
			return t
		}},
		"NULLIF": {Min: 2, Max: 2, Type: FirstArg, NullSafe: true, Eval: func(a []types.Value, _ []types.Type) (types.Value, error) {
			if a[0] != nil && a[1] != nil && types.Compare(a[0], a[1]) == 0 {
				return nil, nil
			}
			return a[0], nil
		}},
		"IIF": {Min: 3, Max: 3, NullSafe: true, Type: func(ts []types.Type) types.Type { return types.Common(ts[1], ts[2]) },
			Eval: func(a []types.Value, _ []types.Type) (types.Value, error) {
				if a[0] == true {
					return a[1], nil
				}
				return a[2], nil
			}},

		"LEN": {Min: 1, Max: 1, Type: Fixed(types.TypeInt), Eval: func(a []types.Value, ts []types.Type) (types.Value, error) {
			return int64(utf8.RuneCountInString(strings.TrimRight(types.ToText(a[0], ts[0]), " "))), nil
		}},
		"DATALENGTH": {Min: 1, Max: 1, Type: Fixed(types.TypeInt), Eval: func(a []types.Value, ts []types.Type) (types.Value, error) {
			if b, ok := a[0].([]byte); ok {
				return int64(len(b)), nil
			}
			if s, ok := a[0].(string); ok {
				if ts[0].Kind.IsUnicode() {
					return int64(2 * utf8.RuneCountInString(s)), nil
				}
				return int64(len(s)), nil
			}
			return int64(ts[0].MaxBytes()), nil
		}},
		"UPPER": stringFn(strings.ToUpper),
		"LOWER": stringFn(strings.ToLower),
		"LTRIM": stringFn(func(s string) string { return strings.TrimLeft(s, " ") }),
		"RTRIM": stringFn(func(s string) string { return strings.TrimRight(s, " ") }),
		"TRIM":  stringFn(func(s string) string { return strings.Trim(s, " ") }),
		"REVERSE": stringFn(func(s string) string {
			r := []rune(s)
			for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
				r[i], r[j] = r[j], r[i]
			}
			return string(r)
		}),
		"SUBSTRING": {Min: 3, Max: 3, Type: varcharOf, Eval: func(a []types.Value, ts []types.Type) (types.Value, error) {
			r := []rune(types.ToText(a[0], ts[0]))
			start, n := ToInt(a[1]), ToInt(a[2])
			if n < 0 {
				return nil, sqlerr.New(537, "SUBSTRING")
			}
			return runeSlice(r, start-1, start-1+n), nil
		}},
		"LEFT": {Min: 2, Max: 2, Type: varcharOf, Eval: func(a []types.Value, ts []types.Type) (types.Value, error) {
			r := []rune(types.ToText(a[0], ts[0]))
			n := ToInt(a[1])
			if n < 0 {
				return nil, sqlerr.New(536, "LEFT")
			}
			return runeSlice(r, 0, n), nil
		}},
		"RIGHT": {Min: 2, Max: 2, Type: varcharOf, Eval: func(a []types.Value, ts []types.Type) (types.Value, error) {
			r := []rune(types.ToText(a[0], ts[0]))
			n := ToInt(a[1])
			if n < 0 {
				return nil, sqlerr.New(536, "RIGHT")
			}
			return runeSlice(r, int64(len(r))-n, int64(len(r))), nil
		}},
		"REPLACE": {Min: 3, Max: 3, Type: func([]types.Type) types.Type { return types.NVarCharType(types.MaxLength) },
			Eval: func(a []types.Value, ts []types.Type) (types.Value, error) {
				return strings.ReplaceAll(types.ToText(a[0], ts[0]), types.ToText(a[1], ts[1]), types.ToText(a[2], ts[2])), nil
			}},
		"REPLICATE": {Min: 2, Max: 2, Type: func([]types.Type) types.Type { return types.NVarCharType(types.MaxLength) },
			Eval: func(a []types.Value, ts []types.Type) (types.Value, error) {
				n := ToInt(a[1])
				if n < 0 {
					return nil, nil
				}
				if n*int64(len(types.ToText(a[0], ts[0]))) > 1<<24 {
					return nil, sqlerr.New(8152)
				}
				return strings.Repeat(types.ToText(a[0], ts[0]), int(n)), nil
			}},
		"CHARINDEX": {Min: 2, Max: 3, Type: Fixed(types.TypeInt), Eval: func(a []types.Value, ts []types.Type) (types.Value, error) {
			sub, s := []rune(types.ToText(a[0], ts[0])), []rune(types.ToText(a[1], ts[1]))
			start := int64(1)
			if len(a) == 3 {
				start = max(ToInt(a[2]), 1)
			}
			if start > int64(len(s)) {
				return int64(0), nil
			}
			idx := strings.Index(string(s[start-1:]), string(sub))
			if idx < 0 {
				return int64(0), nil
			}
			return start + int64(utf8.RuneCountInString(string(s[start-1:])[:idx])), nil
		}},
		"CONCAT": {Min: 2, Max: -1, NullSafe: true, Type: func([]types.Type) types.Type { return types.NVarCharType(types.MaxLength) },
			Eval: func(a []types.Value, ts []types.Type) (types.Value, error) {
				var b strings.Builder
				for i, v := range a {
					b.WriteString(types.ToText(v, ts[i]))
				}
				return b.String(), nil
			}},

		"ABS":     numFn(math.Abs, decAbs, absInt, false),
		"FLOOR":   numFn(math.Floor, decFloor, func(v int64) (int64, error) { return v, nil }, true),
		"CEILING": numFn(math.Ceil, decCeil, func(v int64) (int64, error) { return v, nil }, true),
		"SIGN":    numFn(floatSign, decSign, func(v int64) (int64, error) { return int64(cmpSign(v)), nil }, false),
		"ROUND":   {Min: 2, Max: 3, Type: FirstArg, Eval: fnRound},
		"POWER":   {Min: 2, Max: 2, Type: Fixed(types.TypeFloat), Eval: floatFn2(math.Pow)},
		"SQRT":    {Min: 1, Max: 1, Type: Fixed(types.TypeFloat), Eval: floatFn1(math.Sqrt)},
		"EXP":     {Min: 1, Max: 1, Type: Fixed(types.TypeFloat), Eval: floatFn1(math.Exp)},
		"LOG":     {Min: 1, Max: 1, Type: Fixed(types.TypeFloat), Eval: floatFn1(math.Log)},
		"RAND": {Max: 1, Type: Fixed(types.TypeFloat), Volatile: true, NullSafe: true,
			Eval: func([]types.Value, []types.Type) (types.Value, error) { return rand.Float64(), nil }},
		"NEWID": {Type: Fixed(types.TypeUUID), Volatile: true,
			Eval: func([]types.Value, []types.Type) (types.Value, error) { return types.NewUUID(), nil }},
		"YEAR":  datePartFn("year"),
		"MONTH": datePartFn("month"),
		"DAY":   datePartFn("day"),
	})
}

func fnCoalesce(a []types.Value, _ []types.Type) (types.Value, error) {
	for _, v := range a {
		if v != nil {
			return v, nil
		}
	}
	return nil, nil
}

func varcharOf(ts []types.Type) types.Type {
	if ts[0].Kind.IsString() {
		return types.Type{Kind: map[bool]types.Kind{true: types.NVarChar, false: types.VarChar}[ts[0].Kind.IsUnicode()], Length: ts[0].Length}
	}
	return types.VarCharType(types.MaxLength)
}

func stringFn(f func(string) string) *Func {
	return &Func{Min: 1, Max: 1, Type: varcharOf, Eval: func(a []types.Value, ts []types.Type) (types.Value, error) {
		return f(types.ToText(a[0], ts[0])), nil
	}}
}

func runeSlice(r []rune, from, to int64) string {
	from = max(from, 0)
	to = min(to, int64(len(r)))
	if from >= to {
		return ""
	}
	return string(r[from:to])
}

// ToInt reads an integer-valued argument (already of a numeric type).
func ToInt(v types.Value) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case types.Dec:
		i, _ := x.Int64()
		return i
	case float64:
		return int64(x)
	case bool:
		if x {
			return 1
		}
	case string:
		if n, err := types.Convert(x, types.VarCharType(types.MaxLength), types.TypeBigInt, types.Implicit); err == nil {
			return n.(int64)
		}
	}
	return 0
}

func absInt(v int64) (int64, error) {
	if v == math.MinInt64 {
		return 0, sqlerr.New(8115, "expression", "bigint")
	}
	if v < 0 {
		return -v, nil
	}
	return v, nil
}

func decAbs(d types.Dec) types.Dec {
	if d.Sign() < 0 {
		return d.Neg()
	}
	return d
}

func decSign(d types.Dec) types.Dec { return types.DecFromInt(int64(d.Sign())) }

func floatSign(f float64) float64 { return float64(cmpSign(f)) }

func cmpSign[T int64 | float64](v T) int {
	switch {
	case v < 0:
		return -1
	case v > 0:
		return 1
	}
	return 0
}

func decFloor(d types.Dec) types.Dec {
	t := d.Truncate(0)
	if d.Sign() < 0 && t.Cmp(d) != 0 {
		t = t.Sub(types.DecFromInt(1))
	}
	return t
}

func decCeil(d types.Dec) types.Dec {
	t := d.Truncate(0)
	if d.Sign() > 0 && t.Cmp(d) != 0 {
		t = t.Add(types.DecFromInt(1))
	}
	return t
}

// numFn builds a one-argument numeric function that keeps its argument's
// type (integral: a decimal argument's result has scale 0, as FLOOR and
// CEILING return in SQL Server).
func numFn(f func(float64) float64, fd func(types.Dec) types.Dec, fi func(int64) (int64, error), integral bool) *Func {
	typ := FirstArg
	if integral {
		typ = func(ts []types.Type) types.Type {
			if ts[0].Kind == types.Decimal {
				return types.DecimalType(int(ts[0].Precision), 0)
			}
			return ts[0]
		}
	}
	return &Func{Min: 1, Max: 1, Type: typ, Eval: func(a []types.Value, ts []types.Type) (types.Value, error) {
		switch x := a[0].(type) {
		case int64:
			v, err := fi(x)
			if err == nil && !types.CheckIntRange(v, ts[0].Kind) {
				return nil, sqlerr.New(8115, "expression", ts[0].Kind.String())
			}
			return v, err
		case types.Dec:
			if integral {
				return fd(x).Rescale(0), nil
			}
			return fd(x).Rescale(x.Scale), nil
		case float64:
			return f(x), nil
		}
		return nil, sqlerr.New(8116, ts[0].Kind.String(), 1, "numeric function")
	}}
}

func floatFn1(f func(float64) float64) func([]types.Value, []types.Type) (types.Value, error) {
	return func(a []types.Value, ts []types.Type) (types.Value, error) {
		x, err := types.Convert(a[0], ts[0], types.TypeFloat, types.Implicit)
		if err != nil {
			return nil, err
		}
		v := f(x.(float64))
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, sqlerr.New(3623)
		}
		return v, nil
	}
}

func floatFn2(f func(float64, float64) float64) func([]types.Value, []types.Type) (types.Value, error) {
	return func(a []types.Value, ts []types.Type) (types.Value, error) {
		x, err := types.Convert(a[0], ts[0], types.TypeFloat, types.Implicit)
		if err != nil {
			return nil, err
		}
		y, err := types.Convert(a[1], ts[1], types.TypeFloat, types.Implicit)
		if err != nil {
			return nil, err
		}
		v := f(x.(float64), y.(float64))
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, sqlerr.New(3623)
		}
		return v, nil
	}
}

func fnRound(a []types.Value, ts []types.Type) (types.Value, error) {
	n := ToInt(a[1])
	truncate := len(a) == 3 && ToInt(a[2]) != 0
	switch x := a[0].(type) {
	case types.Dec:
		var r types.Dec
		if truncate {
			r = x.Truncate(int32(n))
		} else {
			r = x.Rescale(int32(n))
		}
		r = r.Rescale(x.Scale)
		if !r.FitsPrecision(int(ts[0].Precision)) {
			return nil, sqlerr.New(8115, "expression", "numeric")
		}
		return r, nil
	case float64:
		p := math.Pow(10, float64(n))
		if truncate {
			return math.Trunc(x*p) / p, nil
		}
		return math.Round(x*p) / p, nil
	case int64:
		if n >= 0 {
			return x, nil
		}
		p := int64(math.Pow(10, float64(-n)))
		if truncate {
			return x / p * p, nil
		}
		half := p / 2
		if x < 0 {
			half = -half
		}
		r := (x + half) / p * p
		if !types.CheckIntRange(r, ts[0].Kind) {
			return nil, sqlerr.New(8115, "expression", ts[0].Kind.String())
		}
		return r, nil
	}
	return nil, sqlerr.New(8116, ts[0].Kind.String(), 1, "round")
}

func datePartFn(part string) *Func {
	return &Func{Min: 1, Max: 1, Type: Fixed(types.TypeInt), Eval: func(a []types.Value, ts []types.Type) (types.Value, error) {
		t, err := types.Convert(a[0], ts[0], types.DateTime2Type(7), types.Implicit)
		if err != nil {
			return nil, err
		}
		return DatePart(part, t.(time.Time))
	}}
}
