package ast

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ErrNullLiteral is returned by the [Literal] accessors for typed nulls
// such as timespan(null).
var ErrNullLiteral = errors.New("null literal")

// Int returns the value of an integer literal (decimal or 0x hexadecimal).
func (l *Literal) Int() (int64, error) {
	if l.Kind != LitInt {
		return 0, fmt.Errorf("%s literal %s is not an integer", l.Kind, l.Raw)
	}
	s := l.Raw
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		u, err := strconv.ParseUint(s[2:], 16, 64)
		return int64(u), err
	}
	return strconv.ParseInt(s, 10, 64)
}

// Float returns the value of a real or integer literal.
func (l *Literal) Float() (float64, error) {
	switch l.Kind {
	case LitInt:
		n, err := l.Int()
		return float64(n), err
	case LitReal:
		return strconv.ParseFloat(l.Raw, 64)
	}
	return 0, fmt.Errorf("%s literal %s is not a number", l.Kind, l.Raw)
}

// Bool returns the value of a bool literal.
func (l *Literal) Bool() (bool, error) {
	if l.Kind != LitBool {
		return false, fmt.Errorf("%s literal %s is not a bool", l.Kind, l.Raw)
	}
	return l.Value == "true", nil
}

// Inner returns the raw text between the parentheses of a datetime(...),
// timespan(...)/time(...) or guid(...) literal, trimmed of spaces, and ""
// for other literals.
func (l *Literal) Inner() string {
	i := strings.IndexByte(l.Raw, '(')
	if i < 0 || !strings.HasSuffix(l.Raw, ")") {
		return ""
	}
	return strings.TrimSpace(l.Raw[i+1 : len(l.Raw)-1])
}

// tick is the KQL timespan resolution.
const tick = 100 * time.Nanosecond

var unitDurations = map[string]time.Duration{
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
	"h": time.Hour, "hr": time.Hour, "hrs": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"m": time.Minute, "min": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"s": time.Second, "sec": time.Second, "second": time.Second, "seconds": time.Second,
	"ms": time.Millisecond, "milli": time.Millisecond, "millis": time.Millisecond,
	"millisecond": time.Millisecond, "milliseconds": time.Millisecond,
	"microsecond": time.Microsecond, "microseconds": time.Microsecond, "micros": time.Microsecond,
	"nanosecond": time.Nanosecond, "nanoseconds": time.Nanosecond,
	"tick": tick, "ticks": tick,
}

// Timespan returns the value of a timespan literal: 1d, 1.5h, 100ms,
// time(1d), timespan(2) (days), timespan(1.02:03:04.5) ([d.]hh:mm[:ss[.f]]).
// It returns [ErrNullLiteral] for timespan(null).
func (l *Literal) Timespan() (time.Duration, error) {
	if l.Kind != LitTimespan {
		return 0, fmt.Errorf("%s literal %s is not a timespan", l.Kind, l.Raw)
	}
	s := l.Raw
	if strings.HasSuffix(s, ")") {
		s = l.Inner()
		if s == "null" {
			return 0, ErrNullLiteral
		}
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	d, err := parseTimespan(s)
	if err != nil {
		return 0, fmt.Errorf("invalid timespan %s: %w", l.Raw, err)
	}
	if neg {
		d = -d
	}
	return d, nil
}

func parseTimespan(s string) (time.Duration, error) {
	if strings.Contains(s, ":") {
		return parseClock(s)
	}
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	num, unit := s[:i], s[i:]
	if unit == "" {
		unit = "d"
	}
	per, ok := unitDurations[unit]
	if !ok {
		return 0, fmt.Errorf("unknown unit %q", unit)
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, err
	}
	v := f * float64(per)
	if v > math.MaxInt64 {
		return 0, errors.New("out of range")
	}
	return time.Duration(math.Round(v/float64(tick))) * tick, nil
}

// parseClock parses [d.]hh:mm[:ss[.fffffff]].
func parseClock(s string) (time.Duration, error) {
	var days int64
	if dot := strings.IndexByte(s, '.'); dot >= 0 && dot < strings.IndexByte(s, ':') {
		d, err := strconv.ParseInt(s[:dot], 10, 64)
		if err != nil {
			return 0, err
		}
		days, s = d, s[dot+1:]
	}
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, errors.New("want hh:mm[:ss]")
	}
	h, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil {
		return 0, err
	}
	m, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return 0, err
	}
	var sec float64
	if len(parts) == 3 {
		if sec, err = strconv.ParseFloat(parts[2], 64); err != nil {
			return 0, err
		}
	}
	d := time.Duration(days)*24*time.Hour + time.Duration(h)*time.Hour + time.Duration(m)*time.Minute
	return d + time.Duration(math.Round(sec*float64(time.Second)/float64(tick)))*tick, nil
}
