package winevent_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/normalize/tables"
	"github.com/vigilsec/vigil/internal/ingest/parse/winevent"
	"github.com/vigilsec/vigil/internal/schema"
)

var cat = schema.NewCatalog()

const (
	sec4688 = `{"System":{"Provider":{"Name":"Microsoft-Windows-Security-Auditing"},"EventID":{"Value":4688},"TimeCreated":{"SystemTime":1550080907.5624127},"Channel":"Security","Computer":"PC01"},"EventData":{"SubjectLogonId":999,"NewProcessId":508,"NewProcessName":"C:\\Windows\\System32\\cmd.exe","ProcessId":632}}`
	sysmon1 = `{"System":{"Provider":{"Name":"Microsoft-Windows-Sysmon"},"EventID":{"Value":1},"TimeCreated":{"SystemTime":1557681601.9805744},"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"IEWIN7"},"EventData":{"ProcessId":4092,"Image":"C:\\Windows\\System32\\cmd.exe","CommandLine":"cmd /c whoami","Hashes":"SHA256=AB","ParentImage":"C:\\Windows\\explorer.exe"}}`
)

func read(tb testing.TB, in string) (winevent.Result, map[string]int) {
	tb.Helper()
	set := tables.NewSet(cat)
	counts := map[string]int{}
	res, err := winevent.Read(strings.NewReader(in), set, winevent.Options{}, func() error {
		return set.Flush(func(*batch.Batch) error { return nil }, counts)
	})
	require.NoError(tb, err)
	return res, counts
}

func TestReadKeepsGoodRecordsAroundBadOnes(t *testing.T) {
	in := sec4688 + "\n" + `{"System":{"EventID":` + "\n" + "not json\n\n" + sysmon1 + "\n" + `{"foo":1}` + "\n" + sec4688[:40] + "\n" + sysmon1 + "\r\n"
	res, counts := read(t, in)
	require.Equal(t, 7, res.Read)
	require.Equal(t, 3, res.Accepted)
	require.Equal(t, 4, res.Rejected)
	require.Equal(t, []winevent.Reject{
		{Line: 2, Error: res.Rejects[0].Error},
		{Line: 3, Error: res.Rejects[1].Error},
		{Line: 6, Error: "malformed windows event: no System section, winlog object or EventID field"},
		{Line: 7, Error: res.Rejects[3].Error},
	}, res.Rejects)
	require.Contains(t, res.Rejects[0].Error, "invalid JSON")
	require.Equal(t, map[string]int{"SecurityEvent": 1, "DeviceProcessEvents": 2}, counts)
}

func TestReadPrettyStreamAndArray(t *testing.T) {
	pretty := "{\n  \"Event\": {\n    \"System\": {\n      \"Provider\": {\"#attributes\": {\"Name\": \"Microsoft-Windows-Sysmon\"}},\n      \"EventID\": 1,\n      \"TimeCreated\": {\"#attributes\": {\"SystemTime\": \"2025-11-27T07:40:10.165324Z\"}},\n      \"Channel\": \"Microsoft-Windows-Sysmon/Operational\"\n    },\n    \"EventData\": {\"Image\": \"C:\\\\a{b}.exe\"}\n  }\n}\n"
	res, counts := read(t, pretty+pretty)
	require.Equal(t, winevent.Result{Read: 2, Accepted: 2}, res)
	require.Equal(t, map[string]int{"DeviceProcessEvents": 2}, counts)

	res, counts = read(t, "[\n"+sec4688+",\n"+sysmon1+"\n]\n")
	require.Equal(t, winevent.Result{Read: 2, Accepted: 2}, res)
	require.Equal(t, map[string]int{"SecurityEvent": 1, "DeviceProcessEvents": 1}, counts)

	// A pretty stream whose second value is not closed: the first is kept.
	res, _ = read(t, pretty+"{\n \"System\": {\n")
	require.Equal(t, 1, res.Accepted)
	require.Equal(t, 1, res.Rejected)
	require.Contains(t, res.Rejects[0].Error, "not closed")

	// A truncated record in the middle costs only itself.
	res, _ = read(t, pretty+"{\n  \"Event\": {\n    \"System\": {\n"+pretty+pretty)
	require.Equal(t, winevent.Result{Read: 4, Accepted: 3, Rejected: 1, Rejects: []winevent.Reject{
		{Line: 12, Error: "JSON value starting on line 12 is not closed before line 15"},
	}}, res)
}

func TestReadTooLong(t *testing.T) {
	set := tables.NewSet(cat)
	long := `{"EventID":1,"x":"` + strings.Repeat("a", 600) + `"}`
	res, err := winevent.Read(strings.NewReader(sec4688+"\n"+long+"\n"+sec4688+"\n"), set, winevent.Options{MaxEventBytes: 400}, nil)
	require.NoError(t, err)
	require.Equal(t, 2, res.Accepted)
	require.Equal(t, []winevent.Reject{{Line: 2, Error: "line longer than 400 bytes"}}, res.Rejects)
}

func FuzzWinEvent(f *testing.F) {
	f.Add(sec4688 + "\n" + sysmon1)
	f.Add(`{"winlog":{"event_id":4624,"channel":"Security","event_data":{"LogonType":"x"}},"@timestamp":"2024-01-01T00:00:00Z"}`)
	f.Add(`{"EventID":"1","Channel":"Microsoft-Windows-Sysmon/Operational","UtcTime":"2024-01-01 00:00:00.000","Hashes":"SHA1=,=,"}`)
	f.Add("[{\"System\":{\"EventID\":{\"Value\":10}}},\n]")
	f.Add(`{"System":{"EventID":13,"Channel":"Microsoft-Windows-Sysmon/Operational","TimeCreated":{"SystemTime":1.5}},"EventData":{"Details":"DWORD (0x)","TargetObject":"HKLM"}}`)
	f.Add("{\n  \"Event\": {\n    \"System\": {\n{\n}\n[\n{\"EventID\":1,\"TimeCreated\":1}\n]")
	f.Fuzz(func(t *testing.T, in string) {
		// As it is (stream mode when the first value spans lines): no panic, every record counted once.
		set := tables.NewSet(cat)
		res, err := winevent.Read(strings.NewReader(in), set, winevent.Options{}, nil)
		require.NoError(t, err)
		require.Equal(t, res.Read, res.Accepted+res.Rejected)
		require.Equal(t, res.Accepted, set.Rows())

		// A good record appended after the fuzzed input must always survive (line mode).
		in = strings.ReplaceAll(in, "\n", " ")
		set = tables.NewSet(cat)
		res, err = winevent.Read(strings.NewReader(sec4688+"\n"+in+"\n"+sysmon1+"\n"), set, winevent.Options{}, nil)
		require.NoError(t, err)
		require.GreaterOrEqual(t, res.Accepted, 2)
		require.Equal(t, res.Read, res.Accepted+res.Rejected)
		require.Equal(t, res.Accepted, set.Rows())
	})
}

func BenchmarkRead(b *testing.B) {
	var buf bytes.Buffer
	files, _ := filepath.Glob("../../../../../shared/corpus/sigma/samples/evtx-attack-samples/events/*/*.jsonl")
	for _, p := range files {
		data, err := os.ReadFile(p)
		require.NoError(b, err)
		buf.Write(data)
	}
	if buf.Len() == 0 {
		for i := 0; i < 1000; i++ {
			buf.WriteString(sec4688 + "\n" + sysmon1 + "\n")
		}
	}
	data := buf.Bytes()
	n := bytes.Count(data, []byte("\n"))
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	cpu := cpuSeconds()
	for i := 0; i < b.N; i++ {
		set := tables.NewSet(cat)
		_, err := winevent.Read(bytes.NewReader(data), set, winevent.Options{}, func() error {
			return set.Flush(func(*batch.Batch) error { return nil }, nil)
		})
		require.NoError(b, err)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	if d := cpuSeconds() - cpu; d > 0 {
		b.ReportMetric(float64(n)*float64(b.N)/d, "events/cpu-s")
	}
}
