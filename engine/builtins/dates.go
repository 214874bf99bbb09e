package builtins

import (
	"fmt"
	"strings"
	"time"

	"mirrordb/sqlerr"
	"mirrordb/types"
)

// Date parts accepted by DATEPART, DATEADD and DATEDIFF, with their
// abbreviations.
var dateParts = map[string]string{
	"year": "year", "yy": "year", "yyyy": "year",
	"quarter": "quarter", "qq": "quarter", "q": "quarter",
	"month": "month", "mm": "month", "m": "month",
	"dayofyear": "dayofyear", "dy": "dayofyear", "y": "dayofyear",
	"day": "day", "dd": "day", "d": "day",
	"week": "week", "wk": "week", "ww": "week",
	"weekday": "weekday", "dw": "weekday",
	"hour": "hour", "hh": "hour",
	"minute": "minute", "mi": "minute", "n": "minute",
	"second": "second", "ss": "second", "s": "second",
	"millisecond": "millisecond", "ms": "millisecond",
	"microsecond": "microsecond", "mcs": "microsecond",
	"nanosecond": "nanosecond", "ns": "nanosecond",
	"tzoffset": "tzoffset", "tz": "tzoffset",
	"iso_week": "iso_week", "isowk": "iso_week", "isoww": "iso_week",
}

// CanonicalDatePart is the full name of a date part or its abbreviation.
func CanonicalDatePart(name string) (string, bool) {
	p, ok := dateParts[strings.ToLower(name)]
	return p, ok
}

// DatePart extracts a part of a date/time (DATEPART semantics; weeks and
// weekdays use SQL Server's US defaults: weeks start on Sunday).
func DatePart(part string, t time.Time) (int64, error) {
	switch part {
	case "year":
		return int64(t.Year()), nil
	case "quarter":
		return int64((t.Month()-1)/3 + 1), nil
	case "month":
		return int64(t.Month()), nil
	case "dayofyear":
		return int64(t.YearDay()), nil
	case "day":
		return int64(t.Day()), nil
	case "week":
		jan1 := time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
		return int64((t.YearDay()+int(jan1.Weekday())-1)/7 + 1), nil
	case "weekday":
		return int64(t.Weekday()) + 1, nil
	case "hour":
		return int64(t.Hour()), nil
	case "minute":
		return int64(t.Minute()), nil
	case "second":
		return int64(t.Second()), nil
	case "millisecond":
		return int64(t.Nanosecond() / 1e6), nil
	case "microsecond":
		return int64(t.Nanosecond() / 1e3), nil
	case "nanosecond":
		return int64(t.Nanosecond()), nil
	case "tzoffset": // minutes east of UTC; 0 for the types without an offset
		_, off := t.Zone()
		return int64(off / 60), nil
	case "iso_week":
		_, w := t.ISOWeek()
		return int64(w), nil
	}
	return 0, sqlerr.New(155, part, "datepart")
}

// DateAdd adds n units of part to t.
func DateAdd(part string, n int64, t time.Time) (time.Time, error) {
	switch part {
	case "year":
		return t.AddDate(int(n), 0, 0), nil
	case "quarter":
		return t.AddDate(0, 3*int(n), 0), nil
	case "month":
		return t.AddDate(0, int(n), 0), nil
	case "dayofyear", "day", "weekday":
		return t.AddDate(0, 0, int(n)), nil
	case "week":
		return t.AddDate(0, 0, 7*int(n)), nil
	case "hour":
		return t.Add(time.Duration(n) * time.Hour), nil
	case "minute":
		return t.Add(time.Duration(n) * time.Minute), nil
	case "second":
		return t.Add(time.Duration(n) * time.Second), nil
	case "millisecond":
		return t.Add(time.Duration(n) * time.Millisecond), nil
	case "microsecond":
		return t.Add(time.Duration(n) * time.Microsecond), nil
	case "nanosecond":
		return t.Add(time.Duration(n)), nil
	}
	return t, sqlerr.New(155, part, "dateadd")
}

// DateDiff counts part boundaries crossed between a and b (DATEDIFF).
func DateDiff(part string, a, b time.Time) (int64, error) {
	switch part {
	case "year":
		return int64(b.Year() - a.Year()), nil
	case "quarter":
		return int64((b.Year()-a.Year())*4 + (int(b.Month())-1)/3 - (int(a.Month())-1)/3), nil
	case "month":
		return int64((b.Year()-a.Year())*12 + int(b.Month()) - int(a.Month())), nil
	case "dayofyear", "day", "weekday":
		return int64(truncDay(b).Sub(truncDay(a)).Hours() / 24), nil
	case "week":
		sa := truncDay(a).AddDate(0, 0, -int(a.Weekday()))
		sb := truncDay(b).AddDate(0, 0, -int(b.Weekday()))
		return int64(sb.Sub(sa).Hours() / 24 / 7), nil
	case "hour":
		return int64(b.Truncate(time.Hour).Sub(a.Truncate(time.Hour)) / time.Hour), nil
	case "minute":
		return int64(b.Truncate(time.Minute).Sub(a.Truncate(time.Minute)) / time.Minute), nil
	case "second":
		return int64(b.Truncate(time.Second).Sub(a.Truncate(time.Second)) / time.Second), nil
	case "millisecond":
		return int64(b.Truncate(time.Millisecond).Sub(a.Truncate(time.Millisecond)) / time.Millisecond), nil
	case "microsecond":
		return int64(b.Truncate(time.Microsecond).Sub(a.Truncate(time.Microsecond)) / time.Microsecond), nil
	case "nanosecond":
		return int64(b.Sub(a)), nil
	}
	return 0, sqlerr.New(155, part, "datediff")
}

func truncDay(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// LocalWall converts an instant to the server's local wall-clock time held
// in a UTC time.Time (the representation of DATETIME values).
func LocalWall(t time.Time) time.Time {
	l := t.Local()
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), time.UTC)
}

// EvalFunc computes a function's value from its arguments and their types.
type EvalFunc = func(args []types.Value, ts []types.Type) (types.Value, error)

// partTime reads a DATEADD/DATEDIFF/DATEPART/DATENAME argument as a time.
// A datetimeoffset keeps its own offset (its parts are read there; DATEDIFF
// compares instants).
func partTime(v types.Value, t types.Type) (time.Time, error) {
	if tm, ok := v.(time.Time); ok && t.Kind == types.DateTimeOffset {
		return tm, nil
	}
	c, err := types.Convert(v, t, types.DateTime2Type(7), types.Implicit)
	if err != nil {
		return time.Time{}, err
	}
	return c.(time.Time), nil
}

// DateAddFunc is DATEADD(part, n, date) with the result type rt; a result
// outside rt's range is 517.
func DateAddFunc(part string, rt types.Type) EvalFunc {
	return func(a []types.Value, ts []types.Type) (types.Value, error) {
		t, err := partTime(a[1], ts[1])
		if err != nil {
			return nil, err
		}
		r, err := DateAdd(part, ToInt(a[0]), t)
		if err != nil {
			return nil, err
		}
		out, ok := types.NormalizeTime(r, rt)
		if !ok {
			return nil, sqlerr.New(517, rt.Kind.String())
		}
		return out, nil
	}
}

// DateDiffFunc is DATEDIFF(part, a, b), or DATEDIFF_BIG when big (an int
// result out of range is 535).
func DateDiffFunc(part string, big bool) EvalFunc {
	return func(a []types.Value, ts []types.Type) (types.Value, error) {
		t1, err := partTime(a[0], ts[0])
		if err != nil {
			return nil, err
		}
		t2, err := partTime(a[1], ts[1])
		if err != nil {
			return nil, err
		}
		if ts[0].Kind == types.DateTimeOffset || ts[1].Kind == types.DateTimeOffset {
			t1, t2 = t1.UTC(), t2.UTC()
		}
		n, err := DateDiff(part, t1, t2)
		if err == nil && !big && !types.CheckIntRange(n, types.Int) {
			return nil, sqlerr.New(535, "datediff")
		}
		return n, err
	}
}

// DatePartFunc is DATEPART(part, date).
func DatePartFunc(part string) EvalFunc {
	return func(a []types.Value, ts []types.Type) (types.Value, error) {
		t, err := partTime(a[0], ts[0])
		if err != nil {
			return nil, err
		}
		return DatePart(part, t)
	}
}

// DateNameFunc is DATENAME(part, date): month and weekday names, the
// offset as text, other parts as their number.
func DateNameFunc(part string) EvalFunc {
	return func(a []types.Value, ts []types.Type) (types.Value, error) {
		t, err := partTime(a[0], ts[0])
		if err != nil {
			return nil, err
		}
		switch part {
		case "month":
			return t.Month().String(), nil
		case "weekday":
			return t.Weekday().String(), nil
		case "tzoffset":
			return t.Format("-07:00"), nil
		}
		n, err := DatePart(part, t)
		return fmt.Sprint(n), err
	}
}
