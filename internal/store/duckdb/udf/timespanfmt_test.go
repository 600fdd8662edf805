package udf

import (
	"strings"
	"testing"
)

// FuzzFormatTimespan checks that no format text or value makes format_timespan panic, and that formatting is a
// function of the magnitude (a timespan and its negation give the same text).
func FuzzFormatTimespan(f *testing.F) {
	for _, s := range []string{"dd.hh:mm:ss:FF", "ddd.h:mm:ss [fffffff]", "'lit", `\`, "dddddddddd", "FFFFFFFFF", `"x"ss`} {
		f.Add(int64(2_512_805_123_450), s)
	}
	f.Fuzz(func(t *testing.T, us int64, format string) {
		if us == -us && us != 0 {
			return // the least int64 has no magnitude
		}
		got := formatTimespan(us, format)
		if got != formatTimespan(-us, format) {
			t.Fatalf("%d and %d format differently with %q", us, -us, format)
		}
		if !strings.ContainsAny(format, "dhHmsfF'\"\\") && got != format {
			t.Fatalf("format %q without elements gave %q", format, got)
		}
	})
}

// TestRowSessionStarts checks the segment split of row_window_session: a value at or past the session's first value
// plus the distance starts a session, and a null has none.
func TestRowSessionStarts(t *testing.T) {
	v := func(x int64) *int64 { return &x }
	got := rowSessionStarts([]*int64{v(0), v(4), v(10), v(19), v(20), nil, v(21)}, 10)
	want := []any{int64(0), int64(0), int64(10), int64(10), int64(20), nil, int64(21)}
	for i, g := range got {
		var gv any
		if g != nil {
			gv = *g
		}
		if gv != want[i] {
			t.Fatalf("row %d: got %v, want %v", i, gv, want[i])
		}
	}
}
