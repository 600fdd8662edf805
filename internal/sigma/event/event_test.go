package event_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/sigma/event"
)

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	require.NoError(t, d.Decode(&m))
	return m
}

func TestFromEvtxShapes(t *testing.T) {
	dump := `{"Event":{"#attributes":{"xmlns":"x"},"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Sysmon","Guid":"G"}},
		"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"pc1",
		"TimeCreated":{"#attributes":{"SystemTime":"2025-11-27T07:40:10.165324Z"}}},
		"EventData":{"Image":"C:\\a.exe","Threat Name":"T"}}}`
	velocidex := `{"System":{"Provider":{"Name":"Microsoft-Windows-Sysmon","Guid":"G"},"EventID":{"Value":1},
		"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"pc1","TimeCreated":{"SystemTime":1764229210.165324}},
		"EventData":{"Image":"C:\\a.exe","Threat Name":"T"}}`
	for name, src := range map[string]string{"evtx_dump": dump, "velocidex": velocidex} {
		t.Run(name, func(t *testing.T) {
			m := event.FromJSON(decode(t, src))
			for k, want := range map[string]string{"EventID": "1", "Channel": "Microsoft-Windows-Sysmon/Operational",
				"Provider_Name": "Microsoft-Windows-Sysmon", "Computer": "pc1", "Image": `C:\a.exe`, "ThreatName": "T"} {
				v, ok := m.Field(k)
				require.True(t, ok, k)
				require.Equal(t, want, toString(v), k)
			}
			require.Equal(t, 2025, m.Time().Year())
			require.WithinDuration(t, time.Date(2025, 11, 27, 7, 40, 10, 0, time.UTC), m.Time(), time.Second)
			// Field names fold case.
			v, ok := event.Lookup(m, "IMAGE", "image")
			require.True(t, ok)
			require.Equal(t, `C:\a.exe`, v)
			// Keyword searches see data fields only.
			var names []string
			m.Range(func(n string, _ any) bool { names = append(names, n); return true })
			require.ElementsMatch(t, []string{"Image", "ThreatName"}, names)
		})
	}
}

func TestFromEvtxUserData(t *testing.T) {
	m := event.FromJSON(decode(t, `{"System":{"Channel":"Security","EventID":{"Value":1102}},
		"UserData":{"LogFileCleared":{"xmlns:auto-ns3":"x","SubjectUserName":"admin01"}}}`))
	v, ok := m.Field("SubjectUserName")
	require.True(t, ok)
	require.Equal(t, "admin01", v)
}

func TestFromJSONFlattens(t *testing.T) {
	m := event.FromJSON(decode(t, `{"a":{"b":{"c":1}},"@timestamp":"2026-01-02T03:04:05Z"}`))
	v, ok := m.Field("a.b.c")
	require.True(t, ok)
	require.Equal(t, json.Number("1"), v)
	require.Equal(t, 2026, m.Time().Year())
}

func toString(v any) string {
	switch v := v.(type) {
	case json.Number:
		return string(v)
	case string:
		return v
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func TestMapFieldsByIDAndFold(t *testing.T) {
	// Names that differ only in case are both kept, in name order; lookups fold case.
	m := event.NewMap(map[string]any{"image": "b", "Image": "a", "CommandLine": "c", "z": 1}, time.Time{})
	var names []string
	m.Range(func(n string, _ any) bool { names = append(names, n); return true })
	require.Len(t, names, 4)
	i, j := indexOf(names, "Image"), indexOf(names, "image")
	require.Equal(t, i+1, j, "case variants are adjacent, in name order: %v", names)
	v, ok := m.FieldID(event.NewName("COMMANDLINE").ID)
	require.True(t, ok)
	require.Equal(t, "c", v)
	v, ok = m.FieldFold("commandline")
	require.True(t, ok)
	require.Equal(t, "c", v)
	_, ok = m.FieldFold("never-seen-anywhere")
	require.False(t, ok)
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}
