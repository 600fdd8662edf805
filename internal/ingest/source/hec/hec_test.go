package hec_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/valyala/fastjson"

	"github.com/vigilsec/vigil/internal/ingest/source/hec"
)

func split(t testing.TB, body string) (events []string, bad []int) {
	sp := hec.NewSplitter(strings.NewReader(body), 200)
	for {
		b, n, err := sp.Next()
		if errors.Is(err, io.EOF) {
			return events, bad
		}
		if err != nil {
			require.True(t, errors.Is(err, hec.ErrSyntax) || errors.Is(err, hec.ErrTooLong), err)
			bad = append(bad, n)
			continue
		}
		events = append(events, string(b))
	}
}

func TestSplitter(t *testing.T) {
	ev, bad := split(t, `{"event":"a {b}"}{"event":{"x":[1,{"y":"}"}]}}`+"\n"+`  {"event":"c\"}"}`)
	require.Equal(t, []string{`{"event":"a {b}"}`, `{"event":{"x":[1,{"y":"}"}]}}`, `{"event":"c\"}"}`}, ev)
	require.Empty(t, bad)

	// A bad event costs only itself: the splitter resynchronises at the next line.
	ev, bad = split(t, "{\"event\":\"1\"}\nnot json\n{\"event\":\"3\"}\n{\"event\":\""+strings.Repeat("x", 300)+"\"}\n{\"event\":\"5\"}\n{\"event\":")
	require.Equal(t, []string{`{"event":"1"}`, `{"event":"3"}`, `{"event":"5"}`}, ev)
	require.Equal(t, []int{1, 3, 5}, bad, "event numbers are 0-based, as Splunk counts invalid-event-number")
}

func TestParseEvent(t *testing.T) {
	parse := func(s string) (hec.Event, error) {
		v, err := fastjson.Parse(s)
		require.NoError(t, err)
		return hec.ParseEvent(v)
	}
	e, err := parse(`{"time":1714557600.123456,"host":"web-1","source":"/var/log/auth.log","sourcetype":"linux_secure","index":"main","event":"hello","fields":{"env":"prod"}}`)
	require.NoError(t, err)
	require.Equal(t, int64(1714557600123456), e.Time)
	require.True(t, e.HasTime)
	require.Equal(t, "web-1", e.Host)
	require.Equal(t, "linux_secure", e.SourceType)
	require.Equal(t, "prod", string(e.Fields.Get("env").GetStringBytes()))

	e, err = parse(`{"time":"1714557600.5","event":{"a":1}}`)
	require.NoError(t, err)
	require.Equal(t, int64(1714557600500000), e.Time)
	e, err = parse(`{"event":"x"}`)
	require.NoError(t, err)
	require.False(t, e.HasTime)

	for body, code := range map[string]int{
		`{"time":1}`:                     hec.CodeEventRequired,
		`{"event":null}`:                 hec.CodeEventRequired,
		`{"event":"  "}`:                 hec.CodeEventBlank,
		`{"event":{}}`:                   hec.CodeEventBlank,
		`{"event":"x","time":"soon"}`:    hec.CodeInvalidFormat,
		`{"event":"x","host":1}`:         hec.CodeInvalidFormat,
		`{"event":"x","fields":[1]}`:     15,
		`{"event":"x","time":1e300}`:     hec.CodeInvalidFormat,
		`{"event":"x","time":"12.3.4"}`:  hec.CodeInvalidFormat,
		`{"event":"x","time":"-1.5x"}`:   hec.CodeInvalidFormat,
		`{"event":"x","time":{"a":1.5}}`: hec.CodeInvalidFormat,
	} {
		_, err := parse(body)
		var re *hec.RecordError
		require.ErrorAs(t, err, &re, body)
		require.Equal(t, code, re.Code, body)
	}
	us, err := hec.ParseEpoch("-1.5")
	require.NoError(t, err)
	require.Equal(t, int64(-1500000), us)
}

func TestRouter(t *testing.T) {
	r, err := hec.NewRouter(map[string]string{"aws:cloudtrail": "table:AWSCloudTrail", "fortinet:*": "syslog"})
	require.NoError(t, err)
	for st, want := range map[string]string{
		"syslog": "syslog", "SYSLOG": "syslog", "linux_secure": "syslog", "cef": "syslog", "fortinet:fortigate:cef": "syslog",
		"XmlWinEventLog": "winevent", "XmlWinEventLog:Security": "winevent", "WinEventLog:System": "winevent",
		"_json": "json", "myapp": "json", "": "json", "aws:cloudtrail": "table:AWSCloudTrail", "fortinet:fortigate": "syslog",
		"ms:aad:signin": "cloud:entra-signin", "gws:reports:login": "cloud:gworkspace",
	} {
		require.Equal(t, want, r.Reader(st), st)
	}
	_, err = hec.NewRouter(map[string]string{"x": "yaml"})
	require.ErrorContains(t, err, `unknown reader "yaml"`)
	_, err = hec.NewRouter(map[string]string{"x": "table:bad name"})
	require.Error(t, err)
}

func FuzzSplitAndParse(f *testing.F) {
	for _, s := range []string{
		`{"event":"a"}{"event":{"b":[1,2]}}`,
		"{\"event\":\"x\",\"time\":\"1714557600.25\"}\n{\"event\":",
		`{"event":"x\"}","time":1.5e9}`,
		"garbage\n{\"event\":{}}\n",
		`{"event":"x","fields":{"a":"b"},"time":"-0.000001"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		sp := hec.NewSplitter(strings.NewReader(body), 1<<10)
		var p fastjson.Parser
		for i := 0; i < 10000; i++ {
			b, _, err := sp.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				if !errors.Is(err, hec.ErrSyntax) && !errors.Is(err, hec.ErrTooLong) {
					t.Fatalf("unexpected error class: %v", err)
				}
				continue
			}
			if v, err := p.ParseBytes(b); err == nil {
				_, _ = hec.ParseEvent(v)
			}
		}
		t.Fatal("the splitter did not reach the end")
	})
}
