package sema

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// unwrapLit strips a "name(" ... ")" wrapper (datetime(...), timespan(...), time(...)).
func unwrapLit(raw string, names ...string) string {
	s := strings.TrimSpace(raw)
	for _, n := range names {
		if len(s) > len(n)+1 && strings.EqualFold(s[:len(n)], n) && s[len(n)] == '(' && strings.HasSuffix(s, ")") {
			return strings.TrimSpace(s[len(n)+1 : len(s)-1])
		}
	}
	return s
}

var datetimeLayouts = []string{
	"2006-01-02T15:04:05.9999999Z07:00",
	"2006-01-02T15:04:05.9999999Z",
	"2006-01-02T15:04:05.9999999",
	"2006-01-02 15:04:05.9999999Z07:00",
	"2006-01-02 15:04:05.9999999Z",
	"2006-01-02 15:04:05.9999999",
	"2006-01-02T15:04Z",
	"2006-01-02T15:04",
	"2006-01-02 15:04Z",
	"2006-01-02 15:04",
	"2006-01-02T15Z",
	"2006-01-02 15",
	"2006-01-02Z",
	"2006-01-02",
	"2006-1-2 15:04:05.9999999",
	"2006-1-2 15:04",
	"2006-1-2",
	"2006/01/02 15:04:05.9999999",
	"2006/01/02 15:04",
	"2006/01/02",
	"01/02/2006 15:04:05",
	"2006-01-02T15:04:05.999Z07:00",
	"1/2/2006 3:04:05 PM",
	"01/02/2006",
	"1/2/2006 15:04:05",
	"1/2/2006",
	"Mon, 02 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"02 Jan 2006 15:04:05",
	"2 Jan 2006",
	"2006-01-02T15:04:05-07:00",
	time.RFC3339Nano,
}

// ParseDatetime parses the text of a KQL datetime literal or a string
// converted by todatetime. ok is false when it is not a datetime; null is
// true for datetime(null).
func ParseDatetime(s string) (t time.Time, null, ok bool) {
	s = unwrapLit(s, "datetime")
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		s = s[1 : len(s)-1]
	}
	if s == "" || strings.EqualFold(s, "null") {
		return time.Time{}, true, true
	}
	for _, l := range datetimeLayouts {
		if v, err := time.Parse(l, s); err == nil {
			return v.UTC(), false, true
		}
	}
	return time.Time{}, false, false
}

var spanUnits = []struct {
	suffix string
	d      float64
}{
	{"microseconds", 1e3}, {"microsecond", 1e3}, {"milliseconds", 1e6}, {"millisecond", 1e6},
	{"seconds", 1e9}, {"second", 1e9}, {"minutes", 60e9}, {"minute", 60e9}, {"hours", 3600e9}, {"hour", 3600e9},
	{"days", 86400e9}, {"day", 86400e9}, {"ticks", 100}, {"tick", 100},
	{"microsec", 1e3}, {"millisec", 1e6}, {"sec", 1e9}, {"min", 60e9}, {"hrs", 3600e9}, {"hr", 3600e9},
	{"ms", 1e6}, {"d", 86400e9}, {"h", 3600e9}, {"m", 60e9}, {"s", 1e9},
}

// ParseTimespan parses the text of a KQL timespan literal (1d, 1.5h,
// timespan(1.02:03:04), time(00:30:00)).
func ParseTimespan(s string) (d time.Duration, null, ok bool) {
	s = unwrapLit(s, "timespan", "time")
	if strings.EqualFold(s, "null") {
		return 0, true, true
	}
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	res := func(v float64) (time.Duration, bool, bool) {
		if neg {
			v = -v
		}
		return time.Duration(math.Round(v)), false, true
	}
	if strings.Contains(s, ":") {
		// [d.]hh:mm[:ss[.fffffff]]
		days := 0.0
		parts := strings.Split(s, ":")
		if len(parts) < 2 || len(parts) > 3 {
			return 0, false, false
		}
		h := parts[0]
		if i := strings.Index(h, "."); i >= 0 {
			dd, err := strconv.Atoi(h[:i])
			if err != nil {
				return 0, false, false
			}
			days, h = float64(dd), h[i+1:]
		}
		hh, err1 := strconv.Atoi(h)
		mm, err2 := strconv.Atoi(parts[1])
		ss := 0.0
		var err3 error
		if len(parts) == 3 {
			ss, err3 = strconv.ParseFloat(parts[2], 64)
		}
		if err1 != nil || err2 != nil || err3 != nil {
			return 0, false, false
		}
		return res(days*86400e9 + float64(hh)*3600e9 + float64(mm)*60e9 + ss*1e9)
	}
	ls := strings.ToLower(s)
	for _, u := range spanUnits {
		if strings.HasSuffix(ls, u.suffix) {
			v, err := strconv.ParseFloat(strings.TrimSpace(ls[:len(ls)-len(u.suffix)]), 64)
			if err != nil {
				continue
			}
			return res(v * u.d)
		}
	}
	// A bare number in timespan(...) is days.
	if v, err := strconv.ParseFloat(ls, 64); err == nil {
		return res(v * 86400e9)
	}
	return 0, false, false
}

// ParseLong parses an integer literal (decimal or 0x hex).
func ParseLong(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		u, err := strconv.ParseUint(s[2:], 16, 64)
		return int64(u), err
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid integer %q", s)
	}
	return n, nil
}
