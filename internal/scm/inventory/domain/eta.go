package domain

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// ParseETA reads an eta as the book's API does (Python 3.11's
// datetime.fromisoformat(eta).date()) and returns the date as written,
// YYYY-MM-DD. It takes the ISO 8601 forms fromisoformat takes:
//
//   - a date: 2026-12-24, 20261224, or an ISO week date 2026-W52-4,
//     2026W524, 2026-W52 (its Monday);
//   - optionally followed by any one separator character (T, a space, …)
//     and a time: HH, HH:MM, HH:MM:SS or HHMM, HHMMSS, with a fraction
//     after the seconds (. or ,) and an offset (Z, ±HH, ±HH:MM, ±HHMM, with
//     seconds and a fraction too).
//
// Each field is checked (no 30 February, no hour 24). fromisoformat is
// laxer than ISO 8601 in a few corners, which are refused here: a space
// before the offset, a fraction of a minute or with no digits; and a digit
// as the separator after a week date may be read differently.
func ParseETA(s string) (string, error) {
	d, err := parseISODate(s)
	if err != nil {
		return "", fmt.Errorf("%w: eta %q: %v; want an ISO date like 2026-12-24 (or an ISO date and time), or null", ErrInvalid, s, err)
	}
	return d.Format(time.DateOnly), nil
}

var (
	isoDateRe = regexp.MustCompile(`^(?:(\d{4})-(\d{2})-(\d{2})|(\d{4})(\d{2})(\d{2})|(\d{4})-W(\d{2})(?:-(\d))?|(\d{4})W(\d{2})(\d)?)`)
	// A time with or without colons (not mixed), then an offset likewise.
	isoTimeRe = regexp.MustCompile(`^(?:(\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?|(\d{2})(?:(\d{2})(?:(\d{2})(?:[.,](\d+))?)?)?)` +
		`(Z|[+-](?:(\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?|(\d{2})(?:(\d{2})(?:(\d{2})(?:[.,](\d+))?)?)?))?$`)
)

func parseISODate(s string) (time.Time, error) {
	m := isoDateRe.FindStringSubmatchIndex(s)
	if m == nil {
		return time.Time{}, fmt.Errorf("no ISO date at its start")
	}
	g := func(i int) string {
		if m[2*i] < 0 {
			return ""
		}
		return s[m[2*i]:m[2*i+1]]
	}
	var d time.Time
	var err error
	switch {
	case g(1) != "":
		d, err = calendarDate(g(1), g(2), g(3))
	case g(4) != "":
		d, err = calendarDate(g(4), g(5), g(6))
	case g(7) != "":
		d, err = weekDate(g(7), g(8), g(9))
	default:
		d, err = weekDate(g(10), g(11), g(12))
	}
	if err != nil {
		return time.Time{}, err
	}
	rest := s[m[1]:]
	if rest == "" {
		return d, nil
	}
	_, size := firstRune(rest)
	if err := checkISOTime(rest[size:]); err != nil {
		return time.Time{}, err
	}
	return d, nil
}

func firstRune(s string) (rune, int) {
	for _, r := range s {
		return r, len(string(r))
	}
	return 0, 0
}

func calendarDate(y, mo, d string) (time.Time, error) {
	year, month, day := atoi(y), atoi(mo), atoi(d)
	if year < 1 {
		return time.Time{}, fmt.Errorf("year %d out of range 1-9999", year)
	}
	if month < 1 || month > 12 {
		return time.Time{}, fmt.Errorf("month %d out of range", month)
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if day < 1 || t.Day() != day {
		return time.Time{}, fmt.Errorf("day %d out of range for %d-%02d", day, year, month)
	}
	return t, nil
}

// weekDate is the day of an ISO week date: week 1 is the week holding 4
// January, weeks start on Monday (day 1); no day means Monday.
func weekDate(y, w, d string) (time.Time, error) {
	year, week, day := atoi(y), atoi(w), 1
	if d != "" {
		day = atoi(d)
	}
	if year < 1 || day < 1 || day > 7 {
		return time.Time{}, fmt.Errorf("weekday %d out of range 1-7", day)
	}
	jan4 := time.Date(year, time.January, 4, 0, 0, 0, 0, time.UTC)
	monday1 := jan4.AddDate(0, 0, -((int(jan4.Weekday()) + 6) % 7))
	t := monday1.AddDate(0, 0, (week-1)*7+day-1)
	if ty, tw := t.ISOWeek(); week < 1 || ty != year || tw != week {
		return time.Time{}, fmt.Errorf("week %d out of range for %d", week, year)
	}
	return t, nil
}

// checkISOTime checks a time of day with its optional offset.
func checkISOTime(s string) error {
	m := isoTimeRe.FindStringSubmatch(s)
	if m == nil {
		return fmt.Errorf("no ISO time after the date")
	}
	hh, mm, ss := pick(m[1], m[5]), pick(m[2], m[6]), pick(m[3], m[7])
	if atoi(hh) > 23 || atoi(mm) > 59 || atoi(ss) > 59 {
		return fmt.Errorf("time %s out of range", s)
	}
	if m[9] != "" && m[9] != "Z" {
		oh, om, os := pick(m[10], m[14]), pick(m[11], m[15]), pick(m[12], m[16])
		if atoi(oh) > 23 || atoi(om) > 59 || atoi(os) > 59 {
			return fmt.Errorf("offset %s out of range", m[9])
		}
	}
	return nil
}

func pick(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s) // digits only, from the expressions above
	return n
}
