package builtins

import (
	"strings"
	"sync"
	"time"

	"mirrordb/sqlerr"
	"mirrordb/types"
)

// The value functions of the newer data types: NEWSEQUENTIALID (the binder
// allows it only as a column's DEFAULT), EOMONTH, TODATETIMEOFFSET,
// SWITCHOFFSET, ISDATE, ISNUMERIC and the FROMPARTS family.
func init() {
	funcs["NEWSEQUENTIALID"] = &Func{Type: Fixed(types.TypeUUID), Volatile: true,
		Eval: func([]types.Value, []types.Type) (types.Value, error) { return sequentialIDs.next(), nil }}
	funcs["EOMONTH"] = &Func{Min: 1, Max: 2, Type: Fixed(types.TypeDate), Eval: fnEOMonth}
	funcs["TODATETIMEOFFSET"] = &Func{Min: 2, Max: 2, Eval: fnToDateTimeOffset,
		Type: func(ts []types.Type) types.Type { return types.DateTimeOffsetType(fractionDigits(ts[0])) }}
	funcs["SWITCHOFFSET"] = &Func{Min: 2, Max: 2, Eval: fnSwitchOffset,
		Type: func(ts []types.Type) types.Type { return types.DateTimeOffsetType(fractionDigits(ts[0])) }}
	funcs["ISDATE"] = &Func{Min: 1, Max: 1, Type: Fixed(types.TypeInt), NullSafe: true, Eval: fnIsDate}
	funcs["ISNUMERIC"] = &Func{Min: 1, Max: 1, Type: Fixed(types.TypeInt), NullSafe: true, Eval: fnIsNumeric}
	funcs["DATEFROMPARTS"] = &Func{Min: 3, Max: 3, Type: Fixed(types.TypeDate), Eval: fromParts(types.TypeDate)}
	funcs["DATETIMEFROMPARTS"] = &Func{Min: 7, Max: 7, Type: Fixed(types.TypeDateTime), Eval: fromParts(types.TypeDateTime)}
	funcs["SMALLDATETIMEFROMPARTS"] = &Func{Min: 5, Max: 5, Type: Fixed(types.TypeSmallDateTime), Eval: fromParts(types.TypeSmallDateTime)}
}

// fnIsDate is ISDATE(x): 1 when x is a valid datetime (a datetime-family
// value, or a string DATETIME accepts), else 0.
func fnIsDate(a []types.Value, ts []types.Type) (types.Value, error) {
	switch v := a[0].(type) {
	case nil:
		return int64(0), nil
	case string:
		_, err := types.Convert(v, ts[0], types.TypeDateTime, types.Explicit)
		return b2i64(err == nil), nil
	case time.Time:
		return b2i64(ts[0].Kind == types.DateTime || ts[0].Kind == types.SmallDateTime || ts[0].Kind == types.Date), nil
	}
	return int64(0), nil
}

// fnIsNumeric is ISNUMERIC(x): 1 when x is a number, or a string that
// converts to int, decimal, money or float.
func fnIsNumeric(a []types.Value, ts []types.Type) (types.Value, error) {
	switch v := a[0].(type) {
	case nil:
		return int64(0), nil
	case string:
		if _, ok := types.ParseMoney(v); ok {
			return int64(1), nil
		}
		_, err := types.Convert(v, ts[0], types.TypeFloat, types.Explicit)
		return b2i64(err == nil), nil
	}
	return b2i64(ts[0].Kind.IsNumeric()), nil
}

func b2i64(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// fromParts builds DATEFROMPARTS (year, month, day), SMALLDATETIMEFROMPARTS
// (..., hour, minute) and DATETIMEFROMPARTS (..., second, millisecond);
// a part out of its range is 289.
func fromParts(t types.Type) func([]types.Value, []types.Type) (types.Value, error) {
	return func(a []types.Value, _ []types.Type) (types.Value, error) {
		p := make([]int, 7)
		limits := [7][2]int{{1, 9999}, {1, 12}, {1, 31}, {0, 23}, {0, 59}, {0, 59}, {0, 999}}
		for i := range a {
			p[i] = int(ToInt(a[i]))
			if p[i] < limits[i][0] || p[i] > limits[i][1] {
				return nil, sqlerr.New(289, t.Kind.String())
			}
		}
		v := time.Date(p[0], time.Month(p[1]), p[2], p[3], p[4], p[5], p[6]*int(time.Millisecond), time.UTC)
		if v.Day() != p[2] {
			return nil, sqlerr.New(289, t.Kind.String())
		}
		out, ok := types.NormalizeTime(v, t)
		if !ok {
			return nil, sqlerr.New(289, t.Kind.String())
		}
		return out, nil
	}
}

// fractionDigits is the fractional seconds precision a temporal type
// carries into a DATETIMEOFFSET result (DATETIME's milliseconds as 3).
func fractionDigits(t types.Type) int {
	switch t.Kind {
	case types.DateTime2, types.DateTimeOffset, types.Time:
		return int(t.Precision)
	case types.DateTime:
		return 3
	case types.Date, types.SmallDateTime:
		return 0
	}
	return 7
}

// sequentialIDs hands out NEWSEQUENTIALID values for the process: each
// sorts after the previous one in uniqueidentifier order.
var sequentialIDs sequentialIDSource

type sequentialIDSource struct {
	mu   sync.Mutex
	last types.UUID
}

func (s *sequentialIDSource) next() types.UUID {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last = types.NewSequentialUUID(s.last)
	return s.last
}

func asTimeValue(v types.Value, t types.Type) (time.Time, error) {
	c, err := types.Convert(v, t, types.DateTime2Type(7), types.Implicit)
	if err != nil {
		return time.Time{}, err
	}
	return c.(time.Time), nil
}

// fnEOMonth is EOMONTH(date [, months to add]): the month's last day.
func fnEOMonth(a []types.Value, ts []types.Type) (types.Value, error) {
	t, err := asTimeValue(a[0], ts[0])
	if err != nil {
		return nil, err
	}
	months := 0
	if len(a) > 1 {
		months = int(ToInt(a[1]))
	}
	first := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, months+1, 0)
	last, ok := types.NormalizeTime(first.AddDate(0, 0, -1), types.TypeDate)
	if !ok || first.Year() > 10000 {
		return nil, sqlerr.New(517, "date")
	}
	return last, nil
}

// parseOffset reads a time zone offset given as '+hh:mm' or as minutes.
func parseOffset(v types.Value) (*time.Location, error) {
	switch x := v.(type) {
	case int64:
		if x < -14*60 || x > 14*60 {
			return nil, sqlerr.New(9812)
		}
		return time.FixedZone("", int(x)*60), nil
	case string:
		s := strings.TrimSpace(x)
		if len(s) == 6 && (s[0] == '+' || s[0] == '-') && s[3] == ':' {
			h, m := atoi2(s[1:3]), atoi2(s[4:6])
			if h >= 0 && m >= 0 && m < 60 && h*60+m <= 14*60 {
				off := (h*60 + m) * 60
				if s[0] == '-' {
					off = -off
				}
				return time.FixedZone("", off), nil
			}
		}
	}
	return nil, sqlerr.New(9812)
}

func atoi2(s string) int {
	if len(s) != 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return -1
	}
	return int(s[0]-'0')*10 + int(s[1]-'0')
}

// fnToDateTimeOffset is TODATETIMEOFFSET(datetime, offset): the same clock
// reading, tagged with the offset.
func fnToDateTimeOffset(a []types.Value, ts []types.Type) (types.Value, error) {
	t, err := asTimeValue(a[0], ts[0])
	if err != nil {
		return nil, err
	}
	loc, err := parseOffset(a[1])
	if err != nil {
		return nil, err
	}
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc), nil
}

// fnSwitchOffset is SWITCHOFFSET(datetimeoffset, offset): the same instant
// seen from another offset.
func fnSwitchOffset(a []types.Value, ts []types.Type) (types.Value, error) {
	c, err := types.Convert(a[0], ts[0], types.DateTimeOffsetType(7), types.Implicit)
	if err != nil {
		return nil, err
	}
	loc, err := parseOffset(a[1])
	if err != nil {
		return nil, err
	}
	return c.(time.Time).In(loc), nil
}
