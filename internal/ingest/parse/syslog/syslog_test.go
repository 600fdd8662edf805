package syslog_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/normalize/tables"
	"github.com/vigilsec/vigil/internal/ingest/parse/syslog"
	"github.com/vigilsec/vigil/internal/schema"
)

var (
	cat    = schema.NewCatalog()
	now    = time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	parser = syslog.Parser{Now: func() time.Time { return now }}
)

func us(s string) int64 {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UnixMicro()
}

// rows normalises line and returns the rows by table.
func rows(tb testing.TB, line string, meta syslog.Meta) map[string]map[string]any {
	tb.Helper()
	set := tables.NewSet(cat)
	require.NoError(tb, parser.Normalize(line, meta, set))
	out := map[string]map[string]any{}
	require.NoError(tb, set.Flush(func(b *batch.Batch) error {
		require.Equal(tb, 1, b.Len)
		row := map[string]any{}
		for _, c := range b.Columns {
			if v := c.Value(0); v != nil {
				row[c.Name] = v
			}
		}
		out[b.Table] = row
		return nil
	}, nil))
	return out
}

func TestSyslogTable(t *testing.T) {
	recv := us("2026-01-10T12:00:00Z")
	for _, tc := range []struct {
		name string
		in   string
		meta syslog.Meta
		want map[string]map[string]any
	}{
		{
			name: "rfc3164 sshd accepted publickey",
			in:   "<38>Jan  9 23:59:01 web01 sshd[4242]: Accepted publickey for alice from 203.0.113.9 port 52222 ssh2: RSA SHA256:abc\n",
			want: map[string]map[string]any{
				"Syslog": {
					"TimeGenerated": us("2026-01-09T23:59:01Z"), "EventTime": us("2026-01-09T23:59:01Z"),
					"Computer": "web01", "HostName": "web01", "Facility": "auth", "SeverityLevel": "info",
					"ProcessName": "sshd", "ProcessID": int64(4242), "Type": "Syslog",
					"SyslogMessage": "Accepted publickey for alice from 203.0.113.9 port 52222 ssh2: RSA SHA256:abc",
				},
				"DeviceLogonEvents": {
					"Timestamp": us("2026-01-09T23:59:01Z"), "TimeGenerated": us("2026-01-09T23:59:01Z"),
					"DeviceName": "web01", "ActionType": "LogonSuccess", "AccountName": "alice", "LogonType": "Network",
					"Protocol": "SSH", "RemoteIP": "203.0.113.9", "RemoteIPType": "Public", "RemotePort": int64(52222),
					"InitiatingProcessFileName": "sshd", "InitiatingProcessId": int64(4242),
					"AdditionalFields": `{"Source":"syslog","Method":"publickey","Detail":"ssh2: RSA SHA256:abc"}`,
				},
			},
		},
		{
			name: "december line read in january is last year",
			in:   "<86>Dec 31 23:00:00 db1 sshd[7]: Failed password for invalid user bob from 10.0.0.8 port 2200 ssh2",
			want: map[string]map[string]any{
				"Syslog": {
					"TimeGenerated": us("2025-12-31T23:00:00Z"), "EventTime": us("2025-12-31T23:00:00Z"),
					"Computer": "db1", "HostName": "db1", "Facility": "authpriv", "SeverityLevel": "info",
					"ProcessName": "sshd", "ProcessID": int64(7), "Type": "Syslog",
					"SyslogMessage": "Failed password for invalid user bob from 10.0.0.8 port 2200 ssh2",
				},
				"DeviceLogonEvents": {
					"Timestamp": us("2025-12-31T23:00:00Z"), "TimeGenerated": us("2025-12-31T23:00:00Z"),
					"DeviceName": "db1", "ActionType": "LogonFailed", "FailureReason": "UnknownUser",
					"AccountName": "bob", "LogonType": "Network", "Protocol": "SSH", "RemoteIP": "10.0.0.8",
					"RemoteIPType": "Private", "RemotePort": int64(2200), "InitiatingProcessFileName": "sshd",
					"InitiatingProcessId": int64(7), "AdditionalFields": `{"Source":"syslog","Method":"password","Detail":"ssh2"}`,
				},
			},
		},
		{
			name: "sudo",
			in:   "<85>2026-01-10T11:00:00.5+01:00 ws1 sudo: alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id -u",
			want: map[string]map[string]any{
				"Syslog": {
					"TimeGenerated": us("2026-01-10T10:00:00.5Z"), "EventTime": us("2026-01-10T10:00:00.5Z"),
					"Computer": "ws1", "HostName": "ws1", "Facility": "authpriv", "SeverityLevel": "notice",
					"ProcessName": "sudo", "Type": "Syslog",
					"SyslogMessage": "alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id -u",
				},
				"DeviceLogonEvents": {
					"Timestamp": us("2026-01-10T10:00:00.5Z"), "TimeGenerated": us("2026-01-10T10:00:00.5Z"),
					"DeviceName": "ws1", "ActionType": "LogonSuccess", "AccountName": "root", "LogonType": "Interactive",
					"Protocol": "sudo", "InitiatingProcessFileName": "sudo", "InitiatingProcessAccountName": "alice",
					"InitiatingProcessCommandLine": "/usr/bin/id -u",
					"AdditionalFields":             `{"Source":"syslog","Method":"sudo","TTY":"pts/0","PWD":"/home/alice","Command":"/usr/bin/id -u"}`,
				},
			},
		},
		{
			name: "rfc5424 with structured data",
			in:   `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high\"x\]"] ` + "\uFEFFAn application event log entry...",
			want: map[string]map[string]any{
				"Syslog": {
					"TimeGenerated": us("2003-10-11T22:14:15.003Z"), "EventTime": us("2003-10-11T22:14:15.003Z"),
					"Computer": "mymachine.example.com", "HostName": "mymachine.example.com", "Facility": "local4",
					"SeverityLevel": "notice", "ProcessName": "evntslog", "Type": "Syslog",
					"SyslogMessage": "An application event log entry...",
					"_Extra":        `{"SyslogFormat":"rfc5424","MsgID":"ID47","StructuredData":{"exampleSDID@32473":{"iut":"3","eventSource":"Application","eventID":"1011"},"examplePriority@32473":{"class":"high\"x]"}}}`,
				},
			},
		},
		{
			name: "no PRI no hostname year and millis",
			in:   "Mar  5 2025 07:08:09.123 cron[99]: (root) CMD (run-parts)\r\n",
			meta: syslog.Meta{SenderIP: "192.0.2.1", Received: recv},
			want: map[string]map[string]any{
				"Syslog": {
					"TimeGenerated": us("2025-03-05T07:08:09.123Z"), "EventTime": us("2025-03-05T07:08:09.123Z"),
					"Computer": "192.0.2.1", "HostName": "192.0.2.1", "HostIP": "192.0.2.1", "Facility": "user",
					"SeverityLevel": "notice", "ProcessName": "cron", "ProcessID": int64(99), "Type": "Syslog",
					"SyslogMessage": "(root) CMD (run-parts)", "_Extra": `{"SyslogFormat":"rfc3164","NoPriority":true}`,
				},
			},
		},
		{
			name: "plain text gets the receive time",
			in:   "172.16.5.10 6705: Feb 17 13:40:03.673: %PARSER-5-CFGLOG_LOGGEDCMD: User:admin",
			meta: syslog.Meta{Received: recv},
			want: map[string]map[string]any{
				"Syslog": {
					"TimeGenerated": recv, "Facility": "user", "SeverityLevel": "notice", "Type": "Syslog",
					"SyslogMessage": "172.16.5.10 6705: Feb 17 13:40:03.673: %PARSER-5-CFGLOG_LOGGEDCMD: User:admin",
					"_Extra":        `{"SyslogFormat":"none","NoPriority":true}`,
				},
			},
		},
		{
			name: "IP hostname and tag without pid",
			in:   "<13>Jan 10 08:00:00 10.1.1.1 kernel: eth0 link up",
			want: map[string]map[string]any{
				"Syslog": {
					"TimeGenerated": us("2026-01-10T08:00:00Z"), "EventTime": us("2026-01-10T08:00:00Z"),
					"Computer": "10.1.1.1", "HostName": "10.1.1.1", "HostIP": "10.1.1.1", "Facility": "user",
					"SeverityLevel": "notice", "ProcessName": "kernel", "Type": "Syslog", "SyslogMessage": "eth0 link up",
				},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, rows(t, tc.in, tc.meta))
		})
	}
}

func TestParseRejects(t *testing.T) {
	for in, reason := range map[string]string{
		"<192>Jan  1 00:00:00 h a: b":            "invalid PRI",
		"<12":                                    "invalid PRI",
		"<01>x":                                  "invalid PRI",
		"<13>1 2024-13-01T00:00:00Z h a p m - x": "timestamp",
		"<13>1 2024-01-01T00:00:00Z h a":         "fewer than 6 fields",
		"<13>1 - h a p m [id x=1] y":             "want name=\"value\"",
		"<13>1 - h a p m [id x=\"1] y":           "not closed",
		"<13>1 - h a p m oops":                   "must be - or start with [",
	} {
		_, err := syslog.Parse(in)
		require.ErrorIs(t, err, syslog.ErrMalformed, in)
		require.ErrorContains(t, err, reason, in)
	}
}

func TestScanner(t *testing.T) {
	in := "<13>Jan 10 08:00:00 h a: one\r\n\n" + "28 <13>Jan 10 08:00:00 h a: two" + "26 <13>Jan 10 08:00:00 h a: 3\n\n" +
		"<13>Jan 10 08:00:00 h a: four\x00" + "\n" + strings.Repeat("x", 50) + "\n<13>last"
	s := syslog.NewScanner(strings.NewReader(in), 40)
	var got []string
	var cut []bool
	for s.Scan() {
		got = append(got, string(s.Bytes()))
		cut = append(cut, s.Truncated())
	}
	require.NoError(t, s.Err())
	require.Equal(t, []string{
		"<13>Jan 10 08:00:00 h a: one", "<13>Jan 10 08:00:00 h a: two", "<13>Jan 10 08:00:00 h a: 3",
		"<13>Jan 10 08:00:00 h a: four", strings.Repeat("x", 40), "<13>last",
	}, got)
	require.Equal(t, []bool{false, false, false, false, true, false}, cut)

	s = syslog.NewScanner(strings.NewReader("99 <13>short"), 40)
	require.False(t, s.Scan())
	require.ErrorIs(t, s.Err(), syslog.ErrFrameTooLong)
	s = syslog.NewScanner(strings.NewReader("30 <13>short"), 40)
	require.False(t, s.Scan())
	require.Error(t, s.Err())
}

func FuzzSyslog(f *testing.F) {
	for _, s := range []string{
		"<38>Jan  9 23:59:01 web01 sshd[4242]: Accepted publickey for alice from 203.0.113.9 port 52222 ssh2",
		`<165>1 2003-10-11T22:14:15.003Z h app - ID47 [a@1 b="c\"d"][e f="g"] msg`,
		"<85>2026-01-10T11:00:00.5+01:00 ws1 sudo: alice : TTY=pts/0 ; USER=root ; COMMAND=/bin/id",
		"Mar  5 2025 07:08:09.123 cron[99]: (root) CMD",
		"<0>", "<13>1 - - - - -", "sshd[1]: Failed none for  from  port x", "12 <13>x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		set := tables.NewSet(cat)
		err := parser.Normalize(in, syslog.Meta{Received: 1}, set)
		b, berr := set.Builder("Syslog")
		require.NoError(t, berr)
		if err != nil {
			require.ErrorIs(t, err, syslog.ErrMalformed)
			require.Zero(t, b.Len())
		} else {
			require.Equal(t, 1, b.Len())
		}
		// Framing never panics and the message after the fuzzed frame survives when the input has no LF.
		if !strings.ContainsAny(in, "\n") && !strings.HasPrefix(in, "1") && !strings.HasPrefix(in, "2") &&
			!strings.HasPrefix(in, "3") && !strings.HasPrefix(in, "4") && !strings.HasPrefix(in, "5") &&
			!strings.HasPrefix(in, "6") && !strings.HasPrefix(in, "7") && !strings.HasPrefix(in, "8") &&
			!strings.HasPrefix(in, "9") {
			s := syslog.NewScanner(strings.NewReader(in+"\n<13>good\n"), 1<<20)
			last := ""
			for s.Scan() {
				last = string(s.Bytes())
			}
			require.Equal(t, "<13>good", last)
		}
	})
}

func BenchmarkParseWrite(b *testing.B) {
	lines := []string{
		"<38>Jan  9 23:59:01 web01 sshd[4242]: Accepted publickey for alice from 203.0.113.9 port 52222 ssh2: RSA SHA256:abc",
		"<30>Jan  9 23:59:02 web01 systemd[1]: Started Session 42 of user alice.",
		`<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application"] An application event`,
		"<13>2026-01-10T11:00:00.5+01:00 ws1 kernel: [12345.678] eth0: link up, 1000Mbps, full-duplex",
	}
	set := tables.NewSet(cat)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuSeconds()
	for i := 0; i < b.N; i++ {
		if err := parser.Normalize(lines[i%len(lines)], syslog.Meta{Received: 1}, set); err != nil {
			b.Fatal(err)
		}
		if i%4096 == 4095 {
			set.Discard()
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	if d := cpuSeconds() - cpu; d > 0 {
		b.ReportMetric(float64(b.N)/d, "lines/cpu-s")
	}
}

func TestSudoPaddedUser(t *testing.T) {
	m, err := syslog.Parse("May  1 10:00:06 web-2 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id")
	require.NoError(t, err)
	l, ok := syslog.Logon(&m)
	require.True(t, ok, "sudo pads the invoking user with spaces")
	require.Equal(t, "alice", l.Invoker)
	require.Equal(t, "root", l.Account)
	require.Equal(t, "/usr/bin/id", l.Command)
}
