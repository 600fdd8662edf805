package leef_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/normalize/tables"
	"github.com/vigilsec/vigil/internal/ingest/parse/leef"
	"github.com/vigilsec/vigil/internal/ingest/parse/syslog"
	"github.com/vigilsec/vigil/internal/schema"
)

var (
	cat    = schema.NewCatalog()
	parser = leef.Parser{Syslog: syslog.Parser{Now: func() time.Time { return time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC) }}}
)

func us(s string) int64 {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UnixMicro()
}

func row(tb testing.TB, line string, meta syslog.Meta) map[string]any {
	tb.Helper()
	set := tables.NewSet(cat)
	require.NoError(tb, parser.Normalize(line, meta, set))
	out := map[string]any{}
	require.NoError(tb, set.Flush(func(b *batch.Batch) error {
		require.Equal(tb, 1, b.Len)
		for _, c := range b.Columns {
			if v := c.Value(0); v != nil {
				out[c.Name] = v
			}
		}
		return nil
	}, nil))
	return out
}

func TestCommonSecurityLog(t *testing.T) {
	recv := us("2026-01-10T12:00:00Z")
	for _, tc := range []struct {
		name string
		in   string
		want map[string]any
	}{
		{
			name: "LEEF 1.0 tab separated after syslog header",
			in:   "<13>Jan 18 11:07:53 192.168.1.1 LEEF:1.0|Microsoft|MSExchange|4.0 SP1|15345|src=192.0.2.0\tdst=172.50.123.1\tsev=5\tcat=anomaly\tsrcPort=81\tdstPort=21\tusrName=joe.black\tmsg=hello world",
			want: map[string]any{
				"TimeGenerated": us("2025-01-18T11:07:53Z"), "Computer": "192.168.1.1", "DeviceVendor": "Microsoft",
				"DeviceProduct": "MSExchange", "DeviceVersion": "4.0 SP1", "DeviceEventClassID": "15345",
				"Activity": "15345", "SourceIP": "192.0.2.0", "DestinationIP": "172.50.123.1", "LogSeverity": "5",
				"SourcePort": int64(81), "DestinationPort": int64(21), "SourceUserName": "joe.black",
				"Message": "hello world", "AdditionalExtensions": "cat=anomaly", "Type": "CommonSecurityLog",
				"_Extra": `{"LEEFVersion":"1.0"}`,
			},
		},
		{
			name: "LEEF 2.0 caret delimiter and devTime format",
			in:   "LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=10.0.1.8^dst=10.0.0.5^sev=5^srcPort=81^dstPort=21^devTime=2026-01-09 10:11:12.345 +0000^devTimeFormat=yyyy-MM-dd HH:mm:ss.SSS Z^act=allow",
			want: map[string]any{
				"TimeGenerated": us("2026-01-09T10:11:12.345Z"), "Computer": "192.0.2.9", "DeviceVendor": "Lancope",
				"DeviceProduct": "StealthWatch", "DeviceVersion": "1.0", "DeviceEventClassID": "41", "Activity": "41",
				"SourceIP": "10.0.1.8", "DestinationIP": "10.0.0.5", "LogSeverity": "5", "SourcePort": int64(81),
				"DestinationPort": int64(21), "ReceiptTime": "2026-01-09 10:11:12.345 +0000", "DeviceAction": "allow",
				"AdditionalExtensions": "devTimeFormat=yyyy-MM-dd HH:mm:ss.SSS Z", "Type": "CommonSecurityLog",
				"_Extra": `{"LEEFVersion":"2.0","Delimiter":"^"}`,
			},
		},
		{
			name: "LEEF 2.0 hex delimiter",
			in:   "LEEF:2.0|V|P|1|E|0x7C|src=1.2.3.4|proto=TCP|dstPort=x",
			want: map[string]any{
				"TimeGenerated": recv, "Computer": "192.0.2.9", "DeviceVendor": "V", "DeviceProduct": "P",
				"DeviceVersion": "1", "DeviceEventClassID": "E", "Activity": "E", "SourceIP": "1.2.3.4",
				"Protocol": "TCP", "AdditionalExtensions": "dstPort=x", "Type": "CommonSecurityLog",
				"_Extra": `{"LEEFVersion":"2.0","Delimiter":"|"}`,
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, row(t, tc.in, syslog.Meta{SenderIP: "192.0.2.9", Received: recv}))
		})
	}
}

func TestRejects(t *testing.T) {
	for in, reason := range map[string]string{
		"hello":                  "no LEEF: header",
		"LEEF:1.0|a|b":           "LEEF header has 3 of 5 fields",
		"LEEF:x|a|b|c|d|":        "version",
		"LEEF:2.0|a|b|c|d|0xZZ|": "delimiter",
	} {
		_, err := leef.Parse(in)
		require.ErrorIs(t, err, leef.ErrMalformed, in)
		require.ErrorContains(t, err, reason, in)
	}
}

func FuzzLEEF(f *testing.F) {
	for _, s := range []string{
		"<13>Jan 18 11:07:53 192.168.1.1 LEEF:1.0|Microsoft|MSExchange|4.0 SP1|15345|src=192.0.2.0\tdst=172.50.123.1",
		"LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=10.0.1.8^devTime=x^devTimeFormat='a'yyyy",
		"LEEF:2.0|V|P|1|E|x09|a=b\tc", "LEEF:1|||||=", "LEEF:2.0|a|b|c|d|",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		set := tables.NewSet(cat)
		err := parser.Normalize(in, syslog.Meta{Received: 1}, set)
		if err != nil {
			require.ErrorIs(t, err, leef.ErrMalformed)
			require.Zero(t, set.Rows())
			return
		}
		require.Equal(t, 1, set.Rows())
	})
}
