package udf

import (
	"database/sql/driver"
	"strconv"
	"strings"
)

// kql_format_timespan(microseconds, format) is format_timespan: the format's elements d to dddddddd (whole days,
// zero-padded to the run's length), h/H and hh/HH (hours of the day), m/mm, s/ss, f to fffffff (the first digits of
// the seconds' fraction in ticks of 100 ns) and F to FFFFFFF (the same without trailing zeros, nothing when zero).
// Other characters, such as the documented delimiters, are copied; text in single or double quotes and a character
// after a backslash are copied as they are. The magnitude is formatted, without a sign, as .NET formats a
// timespan with a custom format.
func init() {
	Register(Func{Name: "kql_format_timespan", Args: []Type{Long, String}, Result: String, Fn: func(a []driver.Value) (any, error) {
		us, _ := a[0].(int64)
		f, _ := a[1].(string)
		return formatTimespan(us, f), nil
	}})
}

func formatTimespan(us int64, format string) string {
	if us < 0 {
		us = -us
	}
	ticks := us * 10
	const day = 24 * 3600 * 10_000_000
	days, rest := ticks/day, ticks%day
	hours, rest := rest/(3600*10_000_000), rest%(3600*10_000_000)
	minutes, rest := rest/(60*10_000_000), rest%(60*10_000_000)
	seconds, fraction := rest/10_000_000, rest%10_000_000
	frac := strconv.FormatInt(fraction+10_000_000, 10)[1:] // seven digits
	pad := func(v int64, n int) string {
		s := strconv.FormatInt(v, 10)
		if len(s) < n {
			s = strings.Repeat("0", n-len(s)) + s
		}
		return s
	}
	var sb strings.Builder
	for i := 0; i < len(format); {
		c := format[i]
		n := 1
		for i+n < len(format) && format[i+n] == c {
			n++
		}
		switch c {
		case 'd':
			sb.WriteString(pad(days, min(n, 8)))
		case 'h', 'H':
			sb.WriteString(pad(hours, min(n, 2)))
		case 'm':
			sb.WriteString(pad(minutes, min(n, 2)))
		case 's':
			sb.WriteString(pad(seconds, min(n, 2)))
		case 'f':
			sb.WriteString(frac[:min(n, 7)])
		case 'F':
			sb.WriteString(strings.TrimRight(frac[:min(n, 7)], "0"))
		case '\'', '"':
			end := strings.IndexByte(format[i+1:], c)
			if end < 0 {
				sb.WriteString(format[i+1:])
				return sb.String()
			}
			sb.WriteString(format[i+1 : i+1+end])
			i += end + 2
			continue
		case '\\':
			if i+1 < len(format) {
				sb.WriteByte(format[i+1])
			}
			i += 2
			continue
		default:
			sb.WriteString(format[i : i+n])
		}
		i += n
	}
	return sb.String()
}
