package analytics_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/state"
)

// An NRT query with summarize runs in batch mode: its SQL over each stream batch's rows, each event counted once.
const nrtSummarizeRule = `id: nrt-many-encoded
name: Several encoded PowerShell runs on one host (NRT)
kind: NRT
severity: Medium
query: |
  DeviceProcessEvents
  | where ProcessCommandLine has "-enc"
  | summarize Runs = count(), Commands = make_set(ProcessCommandLine) by DeviceName
  | where Runs >= 2
  | mv-expand Command = Commands to typeof(string)
  | project DeviceName, Runs, Command
entityMappings:
  - entityType: Host
    fieldMappings: [{identifier: FullName, columnName: DeviceName}]
customDetails:
  Runs: Runs
  Command: Command
eventGroupingSettings:
  aggregationKind: SingleAlert
`

func TestNRTBatchMode(t *testing.T) {
	e := startNRT(t, nrtSummarizeRule)
	at := time.Now().UTC().Truncate(time.Second)
	e.process(t, "b1", at, "ws-1", "powershell.exe -enc AAA", "powershell.exe -enc BBB", "powershell.exe -File x.ps1")
	e.process(t, "b2", at, "ws-2", "powershell.exe -enc CCC") // one run only: no alert
	e.process(t, "b1", at, "ws-1", "powershell.exe -enc AAA") // redelivered batch id: dropped, nothing counted twice
	e.process(t, "b3", at, "ws-3", "powershell.exe -enc DDD", "powershell.exe -enc DDD")

	var alerts []state.Alert
	defer func() { t.Logf("stats: %+v", e.nrt.Stats()["nrt-many-encoded"]) }()
	require.Eventually(t, func() bool {
		var err error
		alerts, _, err = e.st.ListAlerts(context.Background(), state.AlertFilter{RuleID: "nrt-many-encoded"})
		require.NoError(t, err)
		return len(alerts) == 2
	}, 30*time.Second, 20*time.Millisecond)
	time.Sleep(300 * time.Millisecond)
	alerts, total, err := e.st.ListAlerts(context.Background(), state.AlertFilter{RuleID: "nrt-many-encoded"})
	require.NoError(t, err)
	require.Equal(t, 2, total)
	byHost := map[string]state.Alert{}
	for _, a := range alerts {
		byHost[a.Entities[0].Value] = a
	}
	require.Contains(t, byHost, "ws-1")
	require.Contains(t, byHost, "ws-3")
	require.Equal(t, []string{"2"}, byHost["ws-1"].CustomDetails["Runs"])
	require.ElementsMatch(t, []string{"powershell.exe -enc AAA", "powershell.exe -enc BBB"}, byHost["ws-1"].CustomDetails["Command"])
	require.Equal(t, []string{"powershell.exe -enc DDD"}, byHost["ws-3"].CustomDetails["Command"])
	st := e.nrt.Stats()["nrt-many-encoded"]
	require.EqualValues(t, 6, st.Events, "each event of the three batches once")
	require.Zero(t, st.Errors, st.LastError)
}
