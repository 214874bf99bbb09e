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
	minDate     = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	minDateTime = time.Date(1753, 1, 1, 0, 0, 0, 0, time.UTC)
	maxDate     = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
)

// datetimeTick is DATETIME's resolution: 1/300 of a second.
const datetimeTick = time.Second / 300

// NormalizeTime applies the target type's precision (rounding) and range.
// ok is false when the value falls outside the type's range.
func NormalizeTime(t time.Time, typ Type) (time.Time, bool) {
	t = t.UTC()
	switch typ.Kind {
	case Date:
		t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		return t, !t.Before(minDate) && !t.After(maxDate)
	case DateTime:
		sec := t.Truncate(time.Second)
		ticks := (t.Sub(sec) + datetimeTick/2) / datetimeTick
		t = sec.Add(ticks * datetimeTick)
		return t, !t.Before(minDateTime) && !t.After(maxDate)
	case DateTime2:
		unit := time.Duration(1)
		for i := int(typ.Precision); i < 9; i++ {
			unit *= 10
		}
		t = t.Round(unit)
		return t, !t.Before(minDate) && !t.After(maxDate)
	}
	return t, true
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
		s := t.Format("2006-01-02 15:04:05")
		if typ.Precision > 0 {
			frac := strconv.Itoa(t.Nanosecond() + 1000000000)[1:]
			s += "." + frac[:typ.Precision]
		}
		return s
	}
	return t.Format(time.RFC3339Nano)
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
