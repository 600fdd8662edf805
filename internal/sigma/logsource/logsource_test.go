package logsource_test

import (
	"flag"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/sigma/event"
	"github.com/vigilsec/vigil/internal/sigma/logsource"
	"github.com/vigilsec/vigil/internal/sigma/rule"
)

var zero time.Time

var update = flag.Bool("update", false, "rewrite logsources.md")

func TestMarkdownUpToDate(t *testing.T) {
	got := logsource.Default().Markdown()
	if *update {
		require.NoError(t, os.WriteFile("logsources.md", []byte(got), 0o644))
	}
	want, err := os.ReadFile("logsources.md")
	require.NoError(t, err)
	require.Equal(t, string(want), got, "run go test ./internal/sigma/logsource -update")
}

func TestRouting(t *testing.T) {
	tab := logsource.Default()
	routes, _ := tab.For(rule.Logsource{Product: "windows", Category: "process_creation"})
	require.Len(t, routes, 2)
	_, reason := tab.For(rule.Logsource{Product: "linux", Service: "auditd"})
	require.Contains(t, reason, "the auditd normaliser joins")
	routes, _ = tab.For(rule.Logsource{Product: "linux", Category: "process_creation"})
	require.Len(t, routes, 1)
	require.Equal(t, []string{"Vigil/Linux/Process"}, routes[0].Channel)
	routes, _ = tab.For(rule.Logsource{Product: "linux", Service: "sshd"})
	require.Len(t, routes, 1)
	sshd := event.NewMap(map[string]any{"Channel": "Vigil/Syslog", "ProcessName": "sshd"}, zero)
	require.Contains(t, tab.Match(sshd, nil), routes[0])
	cron := event.NewMap(map[string]any{"Channel": "Vigil/Syslog", "ProcessName": "CRON"}, zero)
	require.NotContains(t, tab.Match(cron, nil), routes[0])

	sysmon1 := event.NewMap(map[string]any{"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1}, zero)
	got := tab.Match(sysmon1, nil)
	var names []string
	for _, r := range got {
		names = append(names, r.Category+"/"+r.Service)
	}
	require.Equal(t, []string{"process_creation/sysmon", "/sysmon"}, names)

	regAdd := event.NewMap(map[string]any{"Channel": "microsoft-windows-sysmon/operational", "EventID": "12", "EventType": "CreateKey"}, zero)
	names = nil
	for _, r := range tab.Match(regAdd, nil) {
		names = append(names, r.Category)
	}
	require.Equal(t, []string{"registry_event", "registry_add", ""}, names)
}
