package normalize_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/ingest/normalize"
)

func TestParseDatetime(t *testing.T) {
	for in, want := range map[string]string{
		"2024-05-01T10:00:00Z":              "2024-05-01T10:00:00Z",
		"2024-05-01T10:00:00.1234567Z":      "2024-05-01T10:00:00.123456Z",
		"2024-05-01 10:00:00":               "2024-05-01T10:00:00Z",
		"2024-05-01T12:00:00+02:00":         "2024-05-01T10:00:00Z",
		"2024-05-01T12:00:00.5-01:30":       "2024-05-01T13:30:00.5Z",
		"2024-05-01":                        "2024-05-01T00:00:00Z",
		"datetime(2024-05-01 10:00)":        "2024-05-01T10:00:00Z",
		"Wed, 01 May 2024 10:00:00 +0000":   "2024-05-01T10:00:00Z",
		"2024-02-29T00:00:00Z":              "2024-02-29T00:00:00Z",
		"2024-05-01T10:00:00.000000001000Z": "2024-05-01T10:00:00Z",
	} {
		us, err := normalize.ParseDatetime(in)
		require.NoError(t, err, in)
		require.Equal(t, want, time.UnixMicro(us).UTC().Format(time.RFC3339Nano), in)
	}
	for _, bad := range []string{"", "yesterday", "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-05-01T10:00:00Q"} {
		_, err := normalize.ParseDatetime(bad)
		require.Error(t, err, bad)
	}
}

func TestParseTimespan(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"1d": 24 * time.Hour, "2h": 2 * time.Hour, "30m": 30 * time.Minute, "10s": 10 * time.Second,
		"100ms": 100 * time.Millisecond, "5microseconds": 5 * time.Microsecond, "1.5h": 90 * time.Minute,
		"time(1d)": 24 * time.Hour, "00:01:30": 90 * time.Second, "1.02:00:00": 26 * time.Hour,
		"-00:00:01.5": -1500 * time.Millisecond, "20ticks": 2 * time.Microsecond,
	} {
		us, err := normalize.ParseTimespan(in)
		require.NoError(t, err, in)
		require.Equal(t, want.Microseconds(), us, in)
	}
	for _, bad := range []string{"", "1x", "aa:bb:cc", "00:61:00"} {
		_, err := normalize.ParseTimespan(bad)
		require.Error(t, err, bad)
	}
}

func FuzzParseDatetime(f *testing.F) {
	f.Add("2024-05-01T10:00:00.1234567Z")
	f.Add("2024-05-01 10:00:00+02:00")
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = normalize.ParseDatetime(s)
		_, _ = normalize.ParseTimespan(s)
	})
}
