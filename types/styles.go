package types

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"mirrordb/sqlerr"
)

// CONVERT's style argument: how dates, money and binary values become
// strings, and how strings are read back as dates and binaries.

// dateStyles are the output layouts of the date and time styles, by style
// number (Go layout; "mmm" stands for milliseconds, "fffffff" for the
// type's fractional digits, "dd_" for a day padded with a space). Styles
// below 100 print two-digit years.
var dateStyles = map[int]string{
	0: "Jan dd_ 2006 3:04PM", 100: "Jan dd_ 2006 3:04PM",
	1: "01/02/06", 101: "01/02/2006",
	2: "06.01.02", 102: "2006.01.02",
	3: "02/01/06", 103: "02/01/2006",
	4: "02.01.06", 104: "02.01.2006",
	5: "02-01-06", 105: "02-01-2006",
	6: "02 Jan 06", 106: "02 Jan 2006",
	7: "Jan 02, 06", 107: "Jan 02, 2006",
	8: "15:04:05", 108: "15:04:05", 24: "15:04:05",
	9: "Jan dd_ 2006 3:04:05:mmmPM", 109: "Jan dd_ 2006 3:04:05:mmmPM",
	10: "01-02-06", 110: "01-02-2006",
	11: "06/01/02", 111: "2006/01/02",
	12: "060102", 112: "20060102",
	13: "02 Jan 2006 15:04:05:mmm", 113: "02 Jan 2006 15:04:05:mmm",
	14: "15:04:05:mmm", 114: "15:04:05:mmm",
	20: "2006-01-02 15:04:05", 120: "2006-01-02 15:04:05",
	21: "2006-01-02 15:04:05.fffffff", 121: "2006-01-02 15:04:05.fffffff", 25: "2006-01-02 15:04:05.fffffff",
	22:  "01/02/06 3:04:05 PM",
	23:  "2006-01-02",
	126: "2006-01-02T15:04:05.fffffff",
	127: "2006-01-02T15:04:05.fffffffZ",
}

// FormatTimeStyle renders t (of type typ) in a CONVERT date style. ok is
// false for a style that does not exist (281).
func FormatTimeStyle(t time.Time, typ Type, style int) (string, bool) {
	layout, ok := dateStyles[style]
	if !ok {
		return "", false
	}
	if typ.Kind == DateTimeOffset && style != 127 {
		layout += " -07:00"
	}
	if typ.Kind == DateTime || typ.Kind == SmallDateTime {
		t = t.Round(time.Millisecond)
	}
	frac := ""
	switch typ.Kind {
	case DateTime:
		frac = fraction(t, 3)
		if style == 126 || style == 127 {
			if t.Nanosecond() == 0 {
				frac = "" // ISO 8601 drops a zero millisecond part of a datetime
			}
		}
	case SmallDateTime:
		frac = ".000"
	case DateTime2, Time, DateTimeOffset:
		frac = fraction(t, typ.Precision)
	}
	day := strconv.Itoa(t.Day())
	if len(day) == 1 {
		day = " " + day
	}
	if typ.Kind == Date && (style == 0 || style == 100) {
		layout = "Jan dd_ 2006 12:00AM"
	}
	// The placeholders are not Go layout elements, so Format copies them
	// and they are filled in afterwards.
	out := t.Format(layout)
	out = strings.Replace(out, ".fffffff", frac, 1)
	out = strings.Replace(out, "mmm", pad3(t.Nanosecond()/1e6), 1)
	return strings.Replace(out, "dd_", day, 1), true
}

// dmyStyles and ymdStyles are the input styles whose numeric dates are
// read day first or year first; the others read month first (mdy).
var (
	dmyStyles = map[int]bool{3: true, 103: true, 4: true, 104: true, 5: true, 105: true, 6: true, 106: true, 13: true, 113: true}
	ymdStyles = map[int]bool{2: true, 102: true, 11: true, 111: true}
)

// DateStyleKnown reports whether style is one of CONVERT's date and time
// styles (else Msg 281).
func DateStyleKnown(style int) bool {
	_, ok := dateStyles[style]
	return ok
}

// StyleOrdersDate reports whether a date style fixes the order of a
// numeric date's fields (day first, or year first) rather than reading
// SQL Server's general forms.
func StyleOrdersDate(style int) bool { return dmyStyles[style] || ymdStyles[style] }

// ParseTimeStyle reads a date string in a CONVERT style: styles 3/103,
// 4/104, 5/105 put the day first, 2/102 and 11/111 the year; every other
// style reads SQL Server's general forms (parseSQLDateTime).
func ParseTimeStyle(s string, style int) (time.Time, bool) {
	if !DateStyleKnown(style) {
		return time.Time{}, false
	}
	if StyleOrdersDate(style) {
		if t, ok := reorderDate(s, dmyStyles[style]); ok {
			return t, true
		}
		if dmyStyles[style] {
			return time.Time{}, false // never read month first what says day first
		}
	}
	return ParseTime(s)
}

// reorderDate reads a numeric date whose three fields are day-month-year
// (dmy) or year-month-day, followed by an optional time.
func reorderDate(s string, dmy bool) (time.Time, bool) {
	s = strings.TrimSpace(s)
	date, rest, _ := strings.Cut(s, " ")
	fields := strings.FieldsFunc(date, func(r rune) bool { return r == '/' || r == '.' || r == '-' })
	if len(fields) != 3 {
		return time.Time{}, false
	}
	d, m, y := fields[0], fields[1], fields[2]
	if !dmy {
		y, d = fields[0], fields[2]
	}
	year, err := strconv.Atoi(y)
	if err != nil || year < 0 {
		return time.Time{}, false
	}
	// The year goes first, in four digits: "24-05-01" would read as
	// month-day-year.
	y = fmt.Sprintf("%04d", expandYear(year, len(y)))
	return ParseTime(strings.TrimSpace(y + "-" + m + "-" + d + " " + rest))
}

// FormatBinaryStyle renders bytes in a CONVERT binary style: 0 the bytes
// as characters, 1 '0x' and hex digits, 2 hex digits alone.
func FormatBinaryStyle(b []byte, style int) (string, bool) {
	switch style {
	case 0:
		return string(b), true
	case 1:
		return "0x" + strings.ToUpper(hex.EncodeToString(b)), true
	case 2:
		return strings.ToUpper(hex.EncodeToString(b)), true
	}
	return "", false
}

// ParseBinaryStyle reads a string in a CONVERT binary style: 0 its
// characters, 1 '0x' and hex digits, 2 hex digits alone.
func ParseBinaryStyle(s string, style int) ([]byte, error) {
	switch style {
	case 0:
		return []byte(s), nil
	case 1, 2:
		h := s
		if style == 1 {
			if len(h) < 2 || (h[:2] != "0x" && h[:2] != "0X") {
				return nil, sqlerr.New(8114, "varchar", "varbinary")
			}
			h = h[2:]
		}
		b, err := hex.DecodeString(h)
		if err != nil {
			return nil, sqlerr.New(8114, "varchar", "varbinary")
		}
		return b, nil
	}
	return nil, sqlerr.New(281, style)
}
