package types

import (
	"strconv"
	"strings"
	"time"
)

// Temporal values are time.Time in UTC holding the wall-clock value; DATE
// values have a zero time of day. These helpers apply each type's range and
// precision and render SQL Server's default string forms.

var (
	minDate          = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	minDateTime      = time.Date(1753, 1, 1, 0, 0, 0, 0, time.UTC)
	maxDate          = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
	minSmallDateTime = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	maxSmallDateTime = time.Date(2079, 6, 6, 23, 59, 0, 0, time.UTC)
)

// datetimeTick is DATETIME's resolution: 1/300 of a second.
const datetimeTick = time.Second / 300

// NormalizeTime applies the target type's precision (rounding) and range.
// ok is false when the value falls outside the type's range.
func NormalizeTime(t time.Time, typ Type) (time.Time, bool) {
	if typ.Kind == DateTimeOffset {
		t = t.Round(precisionUnit(typ.Precision))
		u := t.UTC()
		return t, !u.Before(minDate) && !u.After(maxDate)
	}
	t = t.UTC()
	switch typ.Kind {
	case SmallDateTime:
		// Seconds round to the minute: 29.998 down, 29.999 up (after the
		// value is first taken to DATETIME's 1/300 s).
		dt, _ := NormalizeTime(t, TypeDateTime)
		t = dt.Truncate(time.Minute)
		if dt.Sub(t) >= 29999*time.Millisecond {
			t = t.Add(time.Minute)
		}
		return t, !t.Before(minSmallDateTime) && !t.After(maxSmallDateTime)
	case Time:
		t = t.Round(precisionUnit(typ.Precision))
		return TimeOfDay(t), true
	case Date:
		t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		return t, !t.Before(minDate) && !t.After(maxDate)
	case DateTime:
		sec := t.Truncate(time.Second)
		ticks := (t.Sub(sec) + datetimeTick/2) / datetimeTick
		t = sec.Add(ticks * datetimeTick)
		return t, !t.Before(minDateTime) && !t.After(maxDate)
	case DateTime2:
		t = t.Round(precisionUnit(typ.Precision))
		return t, !t.Before(minDate) && !t.After(maxDate)
	}
	return t, true
}

// precisionUnit is the resolution of fractional seconds precision p.
func precisionUnit(p uint8) time.Duration {
	unit := time.Duration(1)
	for i := int(p); i < 9; i++ {
		unit *= 10
	}
	return unit
}

// TimeOfDay keeps t's clock time on 1900-01-01, TIME's representation.
func TimeOfDay(t time.Time) time.Time {
	return time.Date(1900, 1, 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// WallTime drops a DATETIMEOFFSET's zone, keeping its clock reading, as
// converting to the types without a zone does.
func WallTime(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// FormatTime renders a temporal value the way CAST(x AS VARCHAR) does:
// "2024-05-01", "2024-05-01 13:45:00.123", "2024-05-01 13:45:00.1234567".
func FormatTime(t time.Time, typ Type) string {
	switch typ.Kind {
	case Date:
		return t.Format("2006-01-02")
	case DateTime:
		ms := (t.Nanosecond() + 500000) / 1000000
		base := t.Truncate(time.Second)
		if ms == 1000 {
			base, ms = base.Add(time.Second), 0
		}
		return base.Format("2006-01-02 15:04:05") + "." + pad3(ms)
	case DateTime2:
		return t.Format("2006-01-02 15:04:05") + fraction(t, typ.Precision)
	case SmallDateTime:
		return t.Format("2006-01-02 15:04:00")
	case Time:
		return t.Format("15:04:05") + fraction(t, typ.Precision)
	case DateTimeOffset:
		return t.Format("2006-01-02 15:04:05") + fraction(t, typ.Precision) + t.Format(" -07:00")
	}
	return t.Format(time.RFC3339Nano)
}

// fraction renders p digits of fractional seconds with their point.
func fraction(t time.Time, p uint8) string {
	if p == 0 {
		return ""
	}
	return "." + strconv.Itoa(t.Nanosecond() + 1000000000)[1:][:p]
}

func pad3(n int) string {
	s := strconv.Itoa(n)
	return strings.Repeat("0", 3-len(s)) + s
}

// timeLayouts are the string forms accepted when converting text to a date
// or time, tried in order (ISO 8601 first, then the US default of
// SET DATEFORMAT mdy).
var timeLayouts = []string{
	"2006-01-02",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"20060102",
	"20060102 15:04:05.999999999",
	"20060102 15:04",
	"01/02/2006",
	"01/02/2006 15:04:05.999999999",
	"01/02/2006 15:04",
	"1/2/2006",
	"1/2/2006 15:04:05.999999999",
	"Jan 2 2006",
	"Jan 2 2006 3:04PM",
	"January 2 2006",
	"2 Jan 2006",
	"15:04:05.999999999",
	"15:04",
}

// ParseTime parses the string forms SQL Server accepts for dates and times,
// and the forms PostgreSQL drivers send, which may end with a time zone
// (pgjdbc's setDate sends "2024-01-03 +00"): the zone is ignored, the wall
// time kept (pgnames.go).
func ParseTime(s string) (time.Time, bool) { return parseTime(s, false) }

// parseLayouts parses s with the first of timeLayouts that fits.
func parseLayouts(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, ok := parseSQLDateTime(s); ok {
		return t, true
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Year() == 0 { // a bare time of day: SQL Server uses 1900-01-01
				t = t.AddDate(1900, 0, 0)
			}
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// sqlEpoch is day 0 of DATETIME arithmetic (CAST(0 AS DATETIME)).
var sqlEpoch = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
