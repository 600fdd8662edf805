package cef_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/normalize/tables"
	"github.com/vigilsec/vigil/internal/ingest/parse/cef"
	"github.com/vigilsec/vigil/internal/ingest/parse/syslog"
	"github.com/vigilsec/vigil/internal/schema"
)

var (
	cat    = schema.NewCatalog()
	parser = cef.Parser{Syslog: syslog.Parser{Now: func() time.Time { return time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC) }}}
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
		require.Equal(tb, "CommonSecurityLog", b.Table)
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
			name: "after a syslog header",
			in:   "<134>Sep 19 08:26:10 fw01 CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232 dpt=443 proto=TCP act=blocked suser=alice app=HTTPS request=https://x.test/a?b=c&d=e msg=Worm stopped at gateway deviceDirection=1 in=100 out=2000",
			want: map[string]any{
				"TimeGenerated": us("2025-09-19T08:26:10Z"), "Computer": "fw01", "DeviceVendor": "Security",
				"DeviceProduct": "threatmanager", "DeviceVersion": "1.0", "DeviceEventClassID": "100",
				"Activity": "worm successfully stopped", "LogSeverity": "10", "SourceIP": "10.0.0.1",
				"DestinationIP": "2.1.2.2", "SourcePort": int64(1232), "DestinationPort": int64(443), "Protocol": "TCP",
				"DeviceAction": "blocked", "SourceUserName": "alice", "ApplicationProtocol": "HTTPS",
				"RequestURL": "https://x.test/a?b=c&d=e", "Message": "Worm stopped at gateway",
				"CommunicationDirection": "Outbound", "ReceivedBytes": int64(100), "SentBytes": int64(2000),
				"Type": "CommonSecurityLog", "_Extra": `{"CEFVersion":"0","Facility":"local0","SeverityLevel":"info"}`,
			},
		},
		{
			name: "escapes in header and extension",
			in:   `CEF:0|security|threat\|manager|1.0|100|detected a \| and a \\ in message|10|src=10.0.0.1 act=blocked a | and a \= and \\ dst=1.1.1.1 msg=line1\nline2 cs1=x cs1Label=Rule Name cn1=42 cn1Label=count dpt=notaport foo=bar`,
			want: map[string]any{
				"TimeGenerated": recv, "Computer": "192.0.2.7", "DeviceVendor": "security",
				"DeviceProduct": "threat|manager", "DeviceVersion": "1.0", "DeviceEventClassID": "100",
				"Activity": `detected a | and a \ in message`, "LogSeverity": "10", "SourceIP": "10.0.0.1",
				"DeviceAction": `blocked a | and a = and \`, "DestinationIP": "1.1.1.1", "Message": "line1\nline2",
				"DeviceCustomString1": "x", "DeviceCustomString1Label": "Rule Name", "DeviceCustomNumber1": int64(42),
				"DeviceCustomNumber1Label": "count", "AdditionalExtensions": "dpt=notaport;foo=bar",
				"Type": "CommonSecurityLog", "_Extra": `{"CEFVersion":"0"}`,
			},
		},
		{
			name: "ArcSight logger event with rt",
			in:   "CEF:0|ArcSight|Logger|5.0.0.5355.2|sensor:115|Logger Internal Event|1|cat=/Monitor/Sensor/Fan5 cs2=Current Value cnt=1 dvc=10.0.0.1 cs3=Ok cs1=null type=0 cs1Label=unit rt=1305034099211 cs3Label=Status cn1Label=value cn1=0 cs2Label=timeframe start=May 10 2011 13:28:19 end=1305034099211",
			want: map[string]any{
				"TimeGenerated": us("2011-05-10T13:28:19.211Z"), "Computer": "192.0.2.7", "DeviceVendor": "ArcSight",
				"DeviceProduct": "Logger", "DeviceVersion": "5.0.0.5355.2", "DeviceEventClassID": "sensor:115",
				"Activity": "Logger Internal Event", "LogSeverity": "1", "DeviceCustomString2": "Current Value",
				"EventCount": int64(1), "DeviceAddress": "10.0.0.1", "DeviceCustomString3": "Ok",
				"DeviceCustomString1": "null", "EventType": int64(0), "DeviceCustomString1Label": "unit",
				"ReceiptTime": "1305034099211", "DeviceCustomString3Label": "Status", "DeviceCustomNumber1Label": "value",
				"DeviceCustomNumber1": int64(0), "DeviceCustomString2Label": "timeframe",
				"StartTime": us("2011-05-10T13:28:19Z"), "EndTime": us("2011-05-10T13:28:19.211Z"),
				"AdditionalExtensions": "cat=/Monitor/Sensor/Fan5", "Type": "CommonSecurityLog",
				"_Extra": `{"CEFVersion":"0"}`,
			},
		},
		{
			name: "no extension",
			in:   "CEF:1|V|P|1|sig|name|High",
			want: map[string]any{
				"TimeGenerated": recv, "Computer": "192.0.2.7", "DeviceVendor": "V", "DeviceProduct": "P",
				"DeviceVersion": "1", "DeviceEventClassID": "sig", "Activity": "name", "LogSeverity": "High",
				"Type": "CommonSecurityLog", "_Extra": `{"CEFVersion":"1"}`,
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, row(t, tc.in, syslog.Meta{SenderIP: "192.0.2.7", Received: recv}))
		})
	}
}

func TestExtensions(t *testing.T) {
	require.Equal(t, []cef.Pair{
		{"request", "http://x/?a=b"}, {"c", "d e"}, {"ad.key[0]", "v"}, {"empty", ""}, {"z", "1"},
	}, cef.Extensions(`request=http://x/?a=b c=d e ad.key[0]=v empty= z=1 `))
}

func TestTime(t *testing.T) {
	for in, want := range map[string]string{
		"1305034099211":                 "2011-05-10T13:28:19.211Z",
		"1305034099":                    "2011-05-10T13:28:19Z",
		"1305034099211000":              "2011-05-10T13:28:19.211Z",
		"May 10 2011 13:28:19":          "2011-05-10T13:28:19Z",
		"May 10 2011 13:28:19.211 UTC":  "2011-05-10T13:28:19.211Z",
		"2011-05-10T15:28:19.211+02:00": "2011-05-10T13:28:19.211Z",
	} {
		us, ok := cef.Time(in)
		require.True(t, ok, in)
		require.Equal(t, want, time.UnixMicro(us).UTC().Format(time.RFC3339Nano), in)
	}
	_, ok := cef.Time("yesterday")
	require.False(t, ok)
}

func TestRejects(t *testing.T) {
	for in, reason := range map[string]string{
		"hello":                     "no CEF: header",
		"CEF:0|a|b|c":               "CEF header has 4 of 7 fields",
		"CEF:x|a|b|c|d|e|f|":        "version",
		"<13>Jan 1 00:00:00 h CEF:": "CEF header has 1 of 7 fields",
	} {
		_, err := cef.Parse(in)
		require.ErrorIs(t, err, cef.ErrMalformed, in)
		require.ErrorContains(t, err, reason, in)
	}
}

func FuzzCEF(f *testing.F) {
	for _, s := range []string{
		"<134>Sep 19 08:26:10 fw01 CEF:0|Security|threatmanager|1.0|100|worm stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232",
		`CEF:0|security|threat\|manager|1.0|100|a \\ b|10|act=blocked a \= b msg=x\ny cn1=notanumber`,
		"CEF:0|a|b|c|d|e|f|rt=Jan 01 2020 00:00:00 UTC start=99999999999999999999 in=-1",
		"CEF:0|||||||=", "CEF:|", `CEF:0|\`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		set := tables.NewSet(cat)
		err := parser.Normalize(in, syslog.Meta{Received: 1}, set)
		if err != nil {
			require.ErrorIs(t, err, cef.ErrMalformed)
			require.Zero(t, set.Rows())
			return
		}
		require.Equal(t, 1, set.Rows())
		if !strings.Contains(in, "\\") && utf8.ValidString(in) {
			// Every extension value without escapes is found verbatim in the input.
			e, perr := cef.Parse(in)
			require.NoError(t, perr)
			for _, p := range e.Extensions {
				require.Contains(t, in, p.Key+"="+p.Value)
			}
		}
	})
}

func BenchmarkCEF(b *testing.B) {
	line := "<134>Sep 19 08:26:10 fw01 CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232 dpt=443 proto=TCP act=blocked suser=alice msg=Worm stopped at gateway cs1=rule-7 cs1Label=Rule"
	set := tables.NewSet(cat)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := parser.Normalize(line, syslog.Meta{Received: 1}, set); err != nil {
			b.Fatal(err)
		}
		if i%4096 == 4095 {
			set.Discard()
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}
