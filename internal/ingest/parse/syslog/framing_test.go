package syslog_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/ingest/parse/syslog"
)

// The strings Text returns stay intact while later messages are read into the same and new blocks.
func TestScannerTextStaysValid(t *testing.T) {
	var in strings.Builder
	var want []string
	for i := 0; i < 20_000; i++ {
		msg := fmt.Sprintf("<13>Jan 10 08:00:00 h%d app[%d]: %s", i, i, strings.Repeat("x", i%300))
		if i%1000 == 999 {
			msg += strings.Repeat("y", 70<<10) // longer than a block
		}
		want = append(want, msg)
		if i%3 == 0 {
			fmt.Fprintf(&in, "%d %s", len(msg), msg)
		} else {
			in.WriteString(msg + "\r\n")
		}
	}
	s := syslog.NewScanner(strings.NewReader(in.String()), 1<<20)
	var got []string
	for s.Scan() {
		if len(got)%2 == 0 {
			got = append(got, s.Text())
		} else {
			got = append(got, string(s.Bytes())) // a message not kept: its room is reused
		}
	}
	require.NoError(t, s.Err())
	require.Equal(t, len(want), len(got))
	for i := range want {
		require.Equal(t, want[i], got[i], "message %d", i)
	}
}

// Scanning with Text yields the messages, cuts and errors that scanning with Bytes does.
func FuzzScannerText(f *testing.F) {
	for _, s := range []string{
		"<13>a\n<14>b\r\n", "5 hello3 abc\n\n", "99 short", "1 \n", "x\x00\n12 <13>123456789", strings.Repeat("z", 70),
	} {
		f.Add(s, 40)
	}
	f.Fuzz(func(t *testing.T, in string, limit int) {
		limit = 1 + int(uint(limit)%200)
		type frame struct {
			msg string
			cut bool
		}
		scan := func(text bool) ([]frame, error) {
			s := syslog.NewScanner(strings.NewReader(in), limit)
			var out []frame
			for s.Scan() {
				if text {
					out = append(out, frame{s.Text(), s.Truncated()})
				} else {
					out = append(out, frame{string(s.Bytes()), s.Truncated()})
				}
			}
			return out, s.Err()
		}
		a, aerr := scan(true)
		b, berr := scan(false)
		require.Equal(t, b, a)
		require.Equal(t, berr, aerr)
		for _, fr := range a {
			require.LessOrEqual(t, len(fr.msg), limit)
		}
	})
}
