package engine

import (
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"mirrordb/sqlerr"
	"mirrordb/types"
)

// builtin is a scalar function. typ computes the result type from the
// (bound) argument types; eval computes the value. Unless nullSafe is set,
// a NULL argument makes the result NULL without calling eval.
type builtin struct {
	min, max int // argument count bounds (max -1: variadic)
	typ      func(args []types.Type) types.Type
	eval     func(e *env, args []types.Value, ts []types.Type) (types.Value, error)
	nullSafe bool // eval handles NULL arguments itself
	volatile bool // never folded into a constant at bind time
}

func fixed(t types.Type) func([]types.Type) types.Type {
	return func([]types.Type) types.Type { return t }
}

func firstArg(ts []types.Type) types.Type { return ts[0] }

var nvarchar128 = types.NVarCharType(128)

// builtins maps upper-case function names to their implementation. Names
// may also be called schema-qualified (pg_catalog.version(), sys.x()).
var builtins map[string]*builtin

func init() {
	builtins = map[string]*builtin{
		"GETDATE":           clockFn(types.TypeDateTime, false),
		"CURRENT_TIMESTAMP": clockFn(types.TypeDateTime, false),
		"GETUTCDATE":        clockFn(types.TypeDateTime, true),
		"SYSDATETIME":       clockFn(types.DateTime2Type(7), false),
		"SYSUTCDATETIME":    clockFn(types.DateTime2Type(7), true),
		"NEWID": {typ: fixed(types.TypeUUID), volatile: true,
			eval: func(*env, []types.Value, []types.Type) (types.Value, error) { return types.NewUUID(), nil }},
		"DB_NAME": {max: 1, typ: fixed(nvarchar128), nullSafe: true, volatile: true, eval: fnDBName},
		"DB_ID":   {max: 1, typ: fixed(types.TypeInt), nullSafe: true, volatile: true, eval: fnDBID},
		"CURRENT_DATABASE": {typ: fixed(nvarchar128), volatile: true,
			eval: func(e *env, _ []types.Value, _ []types.Type) (types.Value, error) { return e.sess.db.Name(), nil }},
		"PG_IS_IN_RECOVERY": {typ: fixed(types.TypeBit), volatile: true,
			eval: func(e *env, _ []types.Value, _ []types.Type) (types.Value, error) { return e.sess.readOnly(), nil }},
		"CURRENT_USER":     {typ: fixed(nvarchar128), eval: userName},
		"SESSION_USER":     {typ: fixed(nvarchar128), eval: userName},
		"SYSTEM_USER":      {typ: fixed(nvarchar128), eval: loginNameFn},
		"USER":             {typ: fixed(nvarchar128), eval: userName},
		"USER_NAME":        {max: 1, typ: fixed(nvarchar128), eval: userName},
		"SUSER_NAME":       {max: 1, typ: fixed(nvarchar128), eval: loginNameFn},
		"SUSER_SNAME":      {max: 1, typ: fixed(nvarchar128), eval: loginNameFn},
		"IS_SRVROLEMEMBER": {min: 1, max: 2, typ: fixed(types.TypeInt), volatile: true, eval: fnIsSrvRoleMember},
		"HOST_NAME": {typ: fixed(nvarchar128),
			eval: func(e *env, _ []types.Value, _ []types.Type) (types.Value, error) { return e.sess.clientHost(), nil }},
		"APP_NAME": {typ: fixed(nvarchar128), volatile: true,
			eval: func(e *env, _ []types.Value, _ []types.Type) (types.Value, error) {
				return e.sess.params["application_name"], nil
			}},
		"SERVERPROPERTY": {min: 1, max: 1, typ: fixed(nvarchar128), eval: fnServerProperty},
		"SCOPE_IDENTITY": {typ: fixed(types.DecimalType(38, 0)), nullSafe: true, volatile: true,
			eval: func(e *env, _ []types.Value, _ []types.Type) (types.Value, error) {
				return e.sess.lastIdentityValue(), nil
			}},

		"ISNULL": {min: 2, max: 2, typ: firstArg, nullSafe: true, eval: fnCoalesce},
		"COALESCE": {min: 1, max: -1, nullSafe: true, eval: fnCoalesce, typ: func(ts []types.Type) types.Type {
			t := ts[0]
			for _, o := range ts[1:] {
				t = types.Common(t, o)
			}
			return t
		}},
		"NULLIF": {min: 2, max: 2, typ: firstArg, nullSafe: true, eval: func(_ *env, a []types.Value, _ []types.Type) (types.Value, error) {
			if a[0] != nil && a[1] != nil && types.Compare(a[0], a[1]) == 0 {
				return nil, nil
			}
			return a[0], nil
		}},
		"IIF": {min: 3, max: 3, nullSafe: true, typ: func(ts []types.Type) types.Type { return types.Common(ts[1], ts[2]) },
			eval: func(_ *env, a []types.Value, _ []types.Type) (types.Value, error) {
				if truth(a[0]) {
					return a[1], nil
				}
				return a[2], nil
			}},

		"LEN": {min: 1, max: 1, typ: fixed(types.TypeInt), eval: func(_ *env, a []types.Value, ts []types.Type) (types.Value, error) {
			return int64(utf8.RuneCountInString(strings.TrimRight(types.ToText(a[0], ts[0]), " "))), nil
		}},
		"DATALENGTH": {min: 1, max: 1, typ: fixed(types.TypeInt), eval: func(_ *env, a []types.Value, ts []types.Type) (types.Value, error) {
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
		"SUBSTRING": {min: 3, max: 3, typ: varcharOf, eval: func(_ *env, a []types.Value, ts []types.Type) (types.Value, error) {
			r := []rune(types.ToText(a[0], ts[0]))
			start, n := toInt(a[1]), toInt(a[2])
			if n < 0 {
				return nil, sqlerr.New(537, "SUBSTRING")
			}
			return runeSlice(r, start-1, start-1+n), nil
		}},
		"LEFT": {min: 2, max: 2, typ: varcharOf, eval: func(_ *env, a []types.Value, ts []types.Type) (types.Value, error) {
			r := []rune(types.ToText(a[0], ts[0]))
			n := toInt(a[1])
			if n < 0 {
				return nil, sqlerr.New(536, "LEFT")
			}
			return runeSlice(r, 0, n), nil
		}},
		"RIGHT": {min: 2, max: 2, typ: varcharOf, eval: func(_ *env, a []types.Value, ts []types.Type) (types.Value, error) {
			r := []rune(types.ToText(a[0], ts[0]))
			n := toInt(a[1])
			if n < 0 {
				return nil, sqlerr.New(536, "RIGHT")
			}
			return runeSlice(r, int64(len(r))-n, int64(len(r))), nil
		}},
		"REPLACE": {min: 3, max: 3, typ: func([]types.Type) types.Type { return types.NVarCharType(types.MaxLength) },
			eval: func(_ *env, a []types.Value, ts []types.Type) (types.Value, error) {
				return strings.ReplaceAll(types.ToText(a[0], ts[0]), types.ToText(a[1], ts[1]), types.ToText(a[2], ts[2])), nil
			}},
		"REPLICATE": {min: 2, max: 2, typ: func([]types.Type) types.Type { return types.NVarCharType(types.MaxLength) },
			eval: func(_ *env, a []types.Value, ts []types.Type) (types.Value, error) {
				n := toInt(a[1])
				if n < 0 {
					return nil, nil
				}
				if n*int64(len(types.ToText(a[0], ts[0]))) > 1<<24 {
					return nil, sqlerr.New(8152)
				}
				return strings.Repeat(types.ToText(a[0], ts[0]), int(n)), nil
			}},
		"CHARINDEX": {min: 2, max: 3, typ: fixed(types.TypeInt), eval: func(_ *env, a []types.Value, ts []types.Type) (types.Value, error) {
			sub, s := []rune(types.ToText(a[0], ts[0])), []rune(types.ToText(a[1], ts[1]))
			start := int64(1)
			if len(a) == 3 {
				start = max(toInt(a[2]), 1)
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
		"CONCAT": {min: 2, max: -1, nullSafe: true, typ: func([]types.Type) types.Type { return types.NVarCharType(types.MaxLength) },
			eval: func(_ *env, a []types.Value, ts []types.Type) (types.Value, error) {
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
		"ROUND":   {min: 2, max: 3, typ: firstArg, eval: fnRound},
		"POWER":   {min: 2, max: 2, typ: fixed(types.TypeFloat), eval: floatFn2(math.Pow)},
		"SQRT":    {min: 1, max: 1, typ: fixed(types.TypeFloat), eval: floatFn1(math.Sqrt)},
		"EXP":     {min: 1, max: 1, typ: fixed(types.TypeFloat), eval: floatFn1(math.Exp)},
		"LOG":     {min: 1, max: 1, typ: fixed(types.TypeFloat), eval: floatFn1(math.Log)},
		"RAND": {max: 1, typ: fixed(types.TypeFloat), volatile: true, nullSafe: true,
			eval: func(*env, []types.Value, []types.Type) (types.Value, error) { return randFloat(), nil }},

		"YEAR":  datePartFn("year"),
		"MONTH": datePartFn("month"),
		"DAY":   datePartFn("day"),
	}
}

// clockFn is a date/time function: constant within one statement execution
// (SQL Server evaluates GETDATE() once per statement), never at bind time.
func clockFn(t types.Type, utc bool) *builtin {
	return &builtin{typ: fixed(t), eval: nowAs(t, utc), volatile: true}
}

func nowAs(t types.Type, utc bool) func(*env, []types.Value, []types.Type) (types.Value, error) {
	return func(e *env, _ []types.Value, _ []types.Type) (types.Value, error) {
		now := e.now
		if !utc {
			now = localWall(now)
		}
		v, _ := types.NormalizeTime(now, t)
		return v, nil
	}
}

// localWall converts an instant to the server's local wall-clock time held
// in a UTC time.Time (the representation of DATETIME values).
func localWall(t time.Time) time.Time {
	l := t.Local()
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), time.UTC)
}

// userName is the session's database user: dbo for a sysadmin, else the
// user mapped to its login in master, else guest.
func userName(e *env, _ []types.Value, _ []types.Type) (types.Value, error) {
	if e.sess.isSysadmin() {
		return "dbo", nil
	}
	c := e.sess.inst.security()
	if l := c.login(e.sess.loginName()); l != nil && e.sess.db.id == masterID {
		for _, u := range c.Users {
			if u.Login == l.ID {
				return u.Name, nil
			}
		}
	}
	return "guest", nil
}

// fnIsSrvRoleMember is IS_SRVROLEMEMBER(role [, login]): 1 or 0 for the
// server roles (public, sysadmin), NULL for an unknown role or login.
func fnIsSrvRoleMember(e *env, a []types.Value, _ []types.Type) (types.Value, error) {
	role := strings.ToLower(types.ToText(a[0], types.TypeUnknown))
	name := e.sess.loginName()
	if len(a) == 2 {
		name = types.ToText(a[1], types.TypeUnknown)
	}
	l := e.sess.inst.security().login(name)
	if l == nil || (role != "public" && role != "sysadmin") {
		return nil, nil
	}
	if role == "public" || (l.Sysadmin && !l.Disabled) || (len(a) == 1 && e.sess.isSysadmin()) {
		return int64(1), nil
	}
	return int64(0), nil
}

// loginNameFn is the session's login (SUSER_SNAME(), SYSTEM_USER).
func loginNameFn(e *env, _ []types.Value, _ []types.Type) (types.Value, error) {
	return e.sess.loginName(), nil
}

func fnDBName(e *env, a []types.Value, _ []types.Type) (types.Value, error) {
	if len(a) == 0 || a[0] == nil {
		if len(a) == 1 {
			return nil, nil
		}
		return e.sess.db.Name(), nil
	}
	id, err := types.Convert(a[0], types.TypeUnknown, types.TypeInt, types.Implicit)
	if err != nil {
		return nil, err
	}
	if d := e.sess.inst.DatabaseByID(int32(id.(int64))); d != nil {
		return d.Name(), nil
	}
	return nil, nil
}

func fnDBID(e *env, a []types.Value, _ []types.Type) (types.Value, error) {
	if len(a) == 0 {
		return int64(e.sess.db.id), nil
	}
	if a[0] == nil {
		return nil, nil
	}
	if d := e.sess.inst.Database(types.ToText(a[0], types.TypeUnknown)); d != nil {
		return int64(d.id), nil
	}
	return nil, nil
}

func fnServerProperty(e *env, a []types.Value, ts []types.Type) (types.Value, error) {
	switch strings.ToLower(types.ToText(a[0], ts[0])) {
	case "servername", "machinename":
		return e.sess.inst.ServerName(), nil
	case "productversion":
		return Version, nil
	case "productlevel":
		return "RTM", nil
	case "edition":
		return "mirrordb", nil
	case "engineedition":
		return "3", nil
	case "instancename":
		return nil, nil
	case "collation":
		return "Latin1_General_BIN2", nil
	}
	return nil, nil
}

func fnCoalesce(_ *env, a []types.Value, _ []types.Type) (types.Value, error) {
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

func stringFn(f func(string) string) *builtin {
	return &builtin{min: 1, max: 1, typ: varcharOf, eval: func(_ *env, a []types.Value, ts []types.Type) (types.Value, error) {
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

// toInt reads an integer-valued argument (already of a numeric type).
func toInt(v types.Value) int64 {
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
func numFn(f func(float64) float64, fd func(types.Dec) types.Dec, fi func(int64) (int64, error), integral bool) *builtin {
	typ := firstArg
	if integral {
		typ = func(ts []types.Type) types.Type {
			if ts[0].Kind == types.Decimal {
				return types.DecimalType(int(ts[0].Precision), 0)
			}
			return ts[0]
		}
	}
	return &builtin{min: 1, max: 1, typ: typ, eval: func(_ *env, a []types.Value, ts []types.Type) (types.Value, error) {
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

func floatFn1(f func(float64) float64) func(*env, []types.Value, []types.Type) (types.Value, error) {
	return func(_ *env, a []types.Value, ts []types.Type) (types.Value, error) {
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

func floatFn2(f func(float64, float64) float64) func(*env, []types.Value, []types.Type) (types.Value, error) {
	return func(_ *env, a []types.Value, ts []types.Type) (types.Value, error) {
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

func fnRound(_ *env, a []types.Value, ts []types.Type) (types.Value, error) {
	n := toInt(a[1])
	truncate := len(a) == 3 && toInt(a[2]) != 0
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

func datePartFn(part string) *builtin {
	return &builtin{min: 1, max: 1, typ: fixed(types.TypeInt), eval: func(_ *env, a []types.Value, ts []types.Type) (types.Value, error) {
		t, err := types.Convert(a[0], ts[0], types.DateTime2Type(7), types.Implicit)
		if err != nil {
			return nil, err
		}
		return datePart(part, t.(time.Time))
	}}
}
