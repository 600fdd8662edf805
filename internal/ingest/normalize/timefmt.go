package normalize

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseDatetime parses a datetime as sources and KQL write it and returns Unix microseconds (UTC). It accepts
// RFC 3339 / ISO 8601 with 'T' or a space, optional fractional seconds (any precision, truncated to µs), 'Z', a
// numeric offset or none (UTC); a date alone; and the datetime(...) literal form.
func ParseDatetime(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "datetime(") && strings.HasSuffix(s, ")") {
		s = strings.TrimSpace(s[len("datetime(") : len(s)-1])
	}
	if us, ok := fastISO(s); ok {
		return us, nil
	}
	for _, layout := range layouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UnixMicro(), nil
		}
	}
	return 0, fmt.Errorf("invalid datetime %q", clip(s))
}

var layouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"2006-01-02",
	"2006/01/02 15:04:05.999999999",
	"2006/01/02",
	time.RFC1123Z,
	time.RFC1123,
	"01/02/2006 15:04:05",
	"1/2/2006 3:04:05 PM",
}

// fastISO parses "YYYY-MM-DD[T ]hh:mm:ss[.f+][Z|±hh:mm]" without allocating.
func fastISO(s string) (int64, bool) {
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':' {
		return 0, false
	}
	num := func(a, b int) (int, bool) {
		n := 0
		for i := a; i < b; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	y, ok1 := num(0, 4)
	mo, ok2 := num(5, 7)
	d, ok3 := num(8, 10)
	h, ok4 := num(11, 13)
	mi, ok5 := num(14, 16)
	sec, ok6 := num(17, 19)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 {
		return 0, false
	}
	i := 19
	frac := 0
	if i < len(s) && s[i] == '.' {
		i++
		start := i
		digits := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if digits < 6 {
				frac = frac*10 + int(s[i]-'0')
				digits++
			}
			i++
		}
		if i == start {
			return 0, false
		}
		for ; digits < 6; digits++ {
			frac *= 10
		}
	}
	offset := 0
	switch {
	case i == len(s):
	case s[i] == 'Z' && i+1 == len(s):
	case (s[i] == '+' || s[i] == '-') && len(s) == i+6 && s[i+3] == ':':
		oh, ok1 := num(i+1, i+3)
		om, ok2 := num(i+4, i+6)
		if !ok1 || !ok2 {
			return 0, false
		}
		offset = (oh*60 + om) * 60
		if s[i] == '-' {
			offset = -offset
		}
	default:
		return 0, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC)
	if t.Day() != d { // 31 February and the like
		return 0, false
	}
	return (t.Unix()-int64(offset))*1e6 + int64(frac), true
}

// ParseTimespan parses a time span and returns microseconds. It accepts the .NET / KQL text form
// "[-][d.]hh:mm:ss[.fffffff]" and KQL literals such as "1d", "2h", "30m", "10s", "100ms", "5microseconds",
// "3ticks", "1.5h" and "time(1d)".
func ParseTimespan(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if (strings.HasPrefix(s, "time(") || strings.HasPrefix(s, "timespan(")) && strings.HasSuffix(s, ")") {
		s = strings.TrimSpace(s[strings.IndexByte(s, '(')+1 : len(s)-1])
	}
	if s == "" {
		return 0, fmt.Errorf("empty timespan")
	}
	neg := false
	body := s
	if body[0] == '-' {
		neg = true
		body = body[1:]
	}
	var us int64
	var err error
	if strings.Contains(body, ":") {
		us, err = parseClockSpan(body)
	} else {
		us, err = parseUnitSpan(body)
	}
	if err != nil {
		return 0, fmt.Errorf("invalid timespan %q", clip(s))
	}
	if neg {
		us = -us
	}
	return us, nil
}

func parseClockSpan(s string) (int64, error) {
	var days int64
	if dot := strings.IndexByte(s, '.'); dot >= 0 && dot < strings.IndexByte(s, ':') {
		d, err := strconv.ParseInt(s[:dot], 10, 64)
		if err != nil {
			return 0, err
		}
		days, s = d, s[dot+1:]
	}
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return 0, fmt.Errorf("want hh:mm:ss")
	}
	h, err1 := strconv.ParseInt(parts[0], 10, 64)
	m, err2 := strconv.ParseInt(parts[1], 10, 64)
	sec, err3 := strconv.ParseFloat(parts[2], 64)
	if err1 != nil || err2 != nil || err3 != nil || m > 59 || sec >= 60 || h < 0 || m < 0 || sec < 0 {
		return 0, fmt.Errorf("bad clock")
	}
	return ((days*24+h)*60+m)*60_000_000 + int64(sec*1e6+0.5), nil
}

var spanUnits = []struct {
	suffix string
	us     float64
}{
	{"microseconds", 1}, {"microsecond", 1}, {"milliseconds", 1e3}, {"millisecond", 1e3}, {"ticks", 0.1}, {"tick", 0.1},
	{"seconds", 1e6}, {"second", 1e6}, {"minutes", 60e6}, {"minute", 60e6}, {"hours", 3600e6}, {"hour", 3600e6},
	{"days", 86400e6}, {"day", 86400e6}, {"ms", 1e3}, {"d", 86400e6}, {"h", 3600e6}, {"m", 60e6}, {"s", 1e6},
}

func parseUnitSpan(s string) (int64, error) {
	ls := strings.ToLower(s)
	for _, u := range spanUnits {
		if strings.HasSuffix(ls, u.suffix) {
			n, err := strconv.ParseFloat(ls[:len(ls)-len(u.suffix)], 64)
			if err != nil {
				return 0, err
			}
			return int64(n*u.us + 0.5), nil
		}
	}
	return 0, fmt.Errorf("no unit")
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
