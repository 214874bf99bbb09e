package types

import (
	"strings"
	"time"
)

// SQL Server's string forms for dates and times, read the way SET
// DATEFORMAT mdy (the us_english default) reads them:
//
//	2024-05-01 [13:45[:00[.1234567]]]   ISO 8601, also with T before the time
//	20240501 [time]                     unseparated ymd; 240501 is yymmdd
//	05/01/2024, 5-1-24, 5.1.2024        month, day, year
//	2024/05/01                          a leading four-digit year is ymd
//	1 May 2024, May 1 2024, May 1, 2024 alphabetic months (3 letters or full)
//	May 2024                            day 1
//	1:45PM, 13:45:00:123                times alone are on 1900-01-01;
//	                                    after a colon, fractions are ms
//
// A two-digit year is 2000-2049 below 50 and 1950-1999 otherwise (the
// two digit year cutoff of 2049).

// twoDigitYearCutoff is SQL Server's default 'two digit year cutoff'.
const twoDigitYearCutoff = 2049

// expandYear applies the two-digit year cutoff to a year written with
// one or two digits.
func expandYear(y, digits int) int {
	if digits > 2 {
		return y
	}
	century := (twoDigitYearCutoff / 100) * 100
	if y > twoDigitYearCutoff%100 {
		century -= 100
	}
	return century + y
}

// dateToken is a run of digits or letters, or one separator character.
type dateToken struct {
	text string
	kind byte // 'n' digits, 'a' letters, or the separator itself
}

func tokenizeDate(s string) []dateToken {
	var out []dateToken
	for i := 0; i < len(s); {
		c := s[i]
		j := i + 1
		switch {
		case isDigit(c):
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			out = append(out, dateToken{s[i:j], 'n'})
		case isLetter(c):
			for j < len(s) && isLetter(s[j]) {
				j++
			}
			out = append(out, dateToken{s[i:j], 'a'})
		case c == ' ' || c == '\t':
			for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
				j++
			}
			out = append(out, dateToken{" ", ' '})
		default:
			out = append(out, dateToken{s[i:j], c})
		}
		i = j
	}
	return out
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// monthNumber reads a month's English name or its three-letter form.
func monthNumber(s string) int {
	if len(s) < 3 {
		return 0
	}
	for m := time.January; m <= time.December; m++ {
		name := strings.ToLower(m.String())
		if l := strings.ToLower(s); l == name || l == name[:3] {
			return int(m)
		}
	}
	return 0
}

// clock is a parsed time of day.
type clock struct{ h, m, s, ns int }

// parseSQLDateTime reads s in one of SQL Server's forms (above). The zone
// of a DATETIMEOFFSET string is split off by the caller.
func parseSQLDateTime(s string) (time.Time, bool) {
	toks := tokenizeDate(strings.TrimSpace(s))
	// The time of day starts at the first number followed by a colon, or
	// at a number followed by AM/PM.
	start := len(toks)
	for i := 0; i < len(toks); i++ {
		if toks[i].kind != 'n' {
			continue
		}
		next := i + 1
		if next < len(toks) && toks[next].kind == ' ' {
			next++
		}
		if (i+1 < len(toks) && toks[i+1].kind == ':') || (next < len(toks) && isMeridiem(toks[next].text)) {
			start = i
			break
		}
	}
	c := clock{}
	if start < len(toks) {
		var ok bool
		if c, ok = parseClock(toks[start:]); !ok {
			return time.Time{}, false
		}
	}
	dateToks := toks[:start]
	// Trailing separators between date and time: space, T, comma.
	for len(dateToks) > 0 {
		last := dateToks[len(dateToks)-1]
		if last.kind == ' ' || last.kind == ',' || (last.kind == 'a' && strings.EqualFold(last.text, "T") && start < len(toks)) {
			dateToks = dateToks[:len(dateToks)-1]
			continue
		}
		break
	}
	y, m, d := 1900, 1, 1
	if len(dateToks) > 0 {
		var ok bool
		if y, m, d, ok = parseDatePart(dateToks); !ok {
			return time.Time{}, false
		}
	} else if start == len(toks) {
		return time.Time{}, false
	}
	if m < 1 || m > 12 || d < 1 || d > daysIn(y, m) || y < 1 || y > 9999 {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(m), d, c.h, c.m, c.s, c.ns, time.UTC), true
}

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func isMeridiem(s string) bool { return strings.EqualFold(s, "AM") || strings.EqualFold(s, "PM") }

// parseClock reads hh[:mm[:ss[.fffffff | :mmm]]] [AM|PM].
func parseClock(toks []dateToken) (clock, bool) {
	var c clock
	fields := []*int{&c.h, &c.m, &c.s}
	i, n := 0, 0
	for i < len(toks) && n < 3 && toks[i].kind == 'n' {
		if len(toks[i].text) > 2 {
			return c, false
		}
		*fields[n] = atoi(toks[i].text)
		n++
		i++
		if i < len(toks) && toks[i].kind == ':' && n < 3 && i+1 < len(toks) && toks[i+1].kind == 'n' {
			i++
			continue
		}
		break
	}
	if i+1 < len(toks) && n == 3 && (toks[i].kind == '.' || toks[i].kind == ':') && toks[i+1].kind == 'n' {
		frac := toks[i+1].text
		if toks[i].kind == ':' { // milliseconds
			if len(frac) > 3 {
				return c, false
			}
			c.ns = atoi(frac) * int(time.Millisecond)
		} else {
			if len(frac) > 9 {
				return c, false
			}
			c.ns = atoi(frac + strings.Repeat("0", 9-len(frac)))
		}
		i += 2
	}
	if i < len(toks) && toks[i].kind == ' ' {
		i++
	}
	if i < len(toks) && isMeridiem(toks[i].text) {
		if c.h < 1 || c.h > 12 {
			if !(c.h == 0 && strings.EqualFold(toks[i].text, "AM")) {
				return c, false
			}
		}
		if strings.EqualFold(toks[i].text, "PM") && c.h < 12 {
			c.h += 12
		} else if strings.EqualFold(toks[i].text, "AM") && c.h == 12 {
			c.h = 0
		}
		i++
	}
	if i != len(toks) || c.h > 23 || c.m > 59 || c.s > 59 {
		return c, false
	}
	return c, true
}

// parseDatePart reads the date tokens (no time) into year, month, day.
func parseDatePart(toks []dateToken) (y, m, d int, ok bool) {
	var nums []dateToken
	month, monthAt, seps := 0, -1, byte(0)
	for _, t := range toks {
		switch t.kind {
		case 'n':
			nums = append(nums, t)
		case 'a':
			if month != 0 {
				return 0, 0, 0, false
			}
			if month = monthNumber(t.text); month == 0 {
				return 0, 0, 0, false
			}
			monthAt = len(nums)
		case ' ', ',':
		case '/', '-', '.':
			if seps != 0 && seps != t.kind {
				return 0, 0, 0, false
			}
			seps = t.kind
		default:
			return 0, 0, 0, false
		}
	}
	year := func(t dateToken) int { return expandYear(atoi(t.text), len(t.text)) }
	if month != 0 {
		switch {
		case len(nums) == 1 && len(nums[0].text) == 4: // May 2024
			return atoi(nums[0].text), month, 1, true
		case len(nums) == 2 && len(nums[0].text) == 4 && monthAt <= 1: // 2024 May 1
			return atoi(nums[0].text), month, atoi(nums[1].text), len(nums[1].text) <= 2
		case len(nums) == 2: // May 1 2024, 1 May 2024
			return year(nums[1]), month, atoi(nums[0].text), len(nums[0].text) <= 2
		}
		return 0, 0, 0, false
	}
	switch len(nums) {
	case 1:
		t := nums[0].text
		switch len(t) {
		case 8:
			return atoi(t[:4]), atoi(t[4:6]), atoi(t[6:]), true
		case 6:
			return expandYear(atoi(t[:2]), 2), atoi(t[2:4]), atoi(t[4:]), true
		}
	case 3:
		if len(nums[0].text) == 4 { // ymd
			return atoi(nums[0].text), atoi(nums[1].text), atoi(nums[2].text), len(nums[1].text) <= 2 && len(nums[2].text) <= 2
		}
		if len(nums[0].text) > 2 || len(nums[1].text) > 2 || len(nums[2].text) == 3 || len(nums[2].text) > 4 {
			return 0, 0, 0, false
		}
		return year(nums[2]), atoi(nums[0].text), atoi(nums[1].text), true // mdy
	}
	return 0, 0, 0, false
}

// ParseDateTimeOffset reads a DATETIMEOFFSET string: a date and time in
// one of the forms above, then an optional zone ("+02:00", "-0530", "Z");
// without one the offset is +00:00. The value keeps its zone.
func ParseDateTimeOffset(s string) (time.Time, bool) {
	rest, offset, zoned := splitZone(s)
	t, ok := parseLayouts(rest)
	if !ok && zoned {
		t, ok = parseLayouts(s)
		offset = 0
	}
	if !ok || offset%60 != 0 || offset < -14*3600 || offset > 14*3600 {
		return time.Time{}, false
	}
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), zoneOf(offset)), true
}

// zoneOf is the fixed zone of an offset in seconds east of UTC.
func zoneOf(offset int) *time.Location {
	return time.FixedZone("", offset)
}
