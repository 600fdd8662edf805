package analytics_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/analytics"
	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/state"
	"github.com/vigilsec/vigil/internal/state/sqlite"
	"github.com/vigilsec/vigil/internal/stream"
)

const nrtRule = `id: nrt-encoded-ps
name: Encoded PowerShell (NRT)
kind: NRT
severity: High
tactics: [Execution]
relevantTechniques: [T1059.001]
query: |
  DeviceProcessEvents
  | where FileName =~ "powershell.exe" and ProcessCommandLine matches regex @"(?i)\s-e(nc(odedcommand)?)?\s"
  | extend Account = strcat(AccountDomain, "\\", AccountName)
  | project Timestamp, DeviceName, Account, ProcessCommandLine, SHA256
entityMappings:
  - entityType: Host
    fieldMappings: [{identifier: FullName, columnName: DeviceName}]
  - entityType: Account
    fieldMappings: [{identifier: FullName, columnName: Account}]
  - entityType: FileHash
    fieldMappings: [{identifier: Value, columnName: SHA256}]
customDetails:
  CommandLine: ProcessCommandLine
eventGroupingSettings:
  aggregationKind: AlertPerResult
`

// nrtEnv is a real embedded stream and state store with the NRT evaluator running on them.
type nrtEnv struct {
	st    *sqlite.DB
	s     *stream.Stream
	cat   *schema.Catalog
	nrt   *analytics.NRT
	timed *timedAlerts
}

// timedAlerts is the SQLite alert store, noting when each alert was recorded (for the latency benchmark).
type timedAlerts struct {
	*sqlite.DB
	mu       sync.Mutex
	recorded map[string]time.Time // event id (DeviceName) → when its alert was recorded
	ch       chan string
}

func (t *timedAlerts) AddAlerts(ctx context.Context, alerts []state.Alert) (int, error) {
	n, err := t.DB.AddAlerts(ctx, alerts)
	if err != nil {
		return n, err
	}
	now := time.Now()
	t.mu.Lock()
	for _, a := range alerts {
		if ev := a.Event; ev != nil {
			if d, ok := ev["DeviceName"].(string); ok {
				t.recorded[d] = now
				select {
				case t.ch <- d:
				default:
				}
			}
		}
	}
	t.mu.Unlock()
	return n, err
}

func startNRT(tb testing.TB, rules ...string) *nrtEnv {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "state.db"))
	require.NoError(tb, err)
	s, err := stream.Open(ctx, stream.Config{Dir: tb.TempDir(), MaxBytes: 256 << 20}, log)
	require.NoError(tb, err)
	cat := schema.NewCatalog()
	for _, src := range rules {
		r := parseRule(tb, src)
		_, err := st.SaveRuleDefinition(ctx, r.ID, r.Name, r.Kind, r)
		require.NoError(tb, err)
	}
	e := &nrtEnv{st: st, s: s, cat: cat, timed: &timedAlerts{DB: st, recorded: map[string]time.Time{}, ch: make(chan string, 1<<16)}}
	e.nrt = &analytics.NRT{DB: st, Catalog: cat, Alerts: e.timed, Stream: s, Log: log}
	require.NoError(tb, e.nrt.Prepare(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = e.nrt.Run(ctx)
	}()
	tb.Cleanup(func() {
		cancel()
		<-done
		s.Close()
		_ = st.Close()
	})
	return e
}

// process publishes one DeviceProcessEvents batch with one row per command line.
func (e *nrtEnv) process(tb testing.TB, id string, at time.Time, host string, cmds ...string) {
	tb.Helper()
	t, _ := e.cat.Table("DeviceProcessEvents")
	b := batch.NewBuilder(t)
	set := func(col, v string) {
		_, p, ok := t.Column(col)
		require.True(tb, ok, col)
		b.SetString(p, v)
	}
	for _, c := range cmds {
		b.Begin()
		_, p, _ := t.Column("Timestamp")
		b.SetInt(p, at.UnixMicro())
		set("DeviceName", host)
		set("AccountDomain", "corp")
		set("AccountName", "alice")
		set("FileName", "powershell.exe")
		set("ProcessCommandLine", c)
		set("SHA256", "AABBCC")
		b.Commit()
	}
	require.NoError(tb, e.s.Publish(context.Background(), b.Finish(id, time.Now().UnixMicro())))
}

func TestNRTOnTheStream(t *testing.T) {
	e := startNRT(t, nrtRule)
	at := time.Now().UTC().Truncate(time.Second)
	e.process(t, "b1", at, "ws-7.corp.local", "powershell.exe -NoP -enc SQBFAFgA", "powershell.exe -File update.ps1",
		"powershell.exe -w hidden -EncodedCommand SQBFAFgA")
	e.process(t, "b1", at, "ws-7.corp.local", "powershell.exe -enc SQBFAFgA") // the same batch id again: dropped by the stream

	var alerts []state.Alert
	require.Eventually(t, func() bool {
		var err error
		alerts, _, err = e.st.ListAlerts(context.Background(), state.AlertFilter{RuleID: "nrt-encoded-ps"})
		require.NoError(t, err)
		return len(alerts) == 2
	}, 30*time.Second, 20*time.Millisecond)
	time.Sleep(200 * time.Millisecond)
	_, total, err := e.st.ListAlerts(context.Background(), state.AlertFilter{RuleID: "nrt-encoded-ps"})
	require.NoError(t, err)
	require.Equal(t, 2, total, "two matching rows, one alert each, nothing twice")
	cmds := []string{alerts[0].CustomDetails["CommandLine"][0], alerts[1].CustomDetails["CommandLine"][0]}
	sort.Strings(cmds)
	require.Equal(t, []string{"powershell.exe -NoP -enc SQBFAFgA", "powershell.exe -w hidden -EncodedCommand SQBFAFgA"}, cmds)
	a := alerts[0]
	require.Equal(t, "nrt", a.Source)
	require.Equal(t, "High", a.Severity)
	require.Equal(t, 1, a.RuleVersion)
	require.Equal(t, "DeviceProcessEvents", a.EventTable)
	require.Equal(t, at, a.EventTime)
	require.Equal(t, []state.Entity{
		{Type: "Host", Value: "ws-7", Props: map[string]string{"FullName": "ws-7.corp.local", "HostName": "ws-7", "DnsDomain": "corp.local"}},
		{Type: "Account", Value: "alice", Props: map[string]string{"FullName": `corp\alice`, "Name": "alice", "NTDomain": "corp"}},
		{Type: "FileHash", Value: "aabbcc", Props: map[string]string{"Value": "AABBCC"}},
	}, a.Entities)
	st := e.nrt.Stats()["nrt-encoded-ps"]
	require.EqualValues(t, 3, st.Events)
	require.EqualValues(t, 2, st.Matches)
	require.Zero(t, st.Errors)
}

// BenchmarkNRTLatency measures event-to-alert latency: from publishing a batch holding one matching event to its
// alert being recorded in the state store, one event at a time. It reports p50 and p99 in milliseconds.
func BenchmarkNRTLatency(b *testing.B) { nrtLatency(b, nrtRule) }

// BenchmarkNRTBatchLatency is the same for a query in batch mode (summarize): SQL over each batch in the scratch
// DuckDB.
func BenchmarkNRTBatchLatency(b *testing.B) {
	nrtLatency(b, `id: nrt-batch-bench
name: Encoded PowerShell count (NRT, batch mode)
kind: NRT
severity: Low
query: |
  DeviceProcessEvents
  | where ProcessCommandLine has "-enc"
  | summarize Runs = count() by DeviceName
entityMappings:
  - entityType: Host
    fieldMappings: [{identifier: FullName, columnName: DeviceName}]
eventGroupingSettings:
  aggregationKind: AlertPerResult
`)
}

func nrtLatency(b *testing.B, rule string) {
	e := startNRT(b, rule)
	at := time.Now().UTC()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		host := fmt.Sprintf("bench-%d", i)
		start := time.Now()
		e.process(b, "bench-"+host, at, host, "powershell.exe -enc SQBFAFgA")
		deadline := time.After(30 * time.Second)
	wait:
		for {
			select {
			case d := <-e.timed.ch:
				if d == host {
					break wait
				}
			case <-deadline:
				b.Fatalf("no alert for event %d within 30s", i)
			}
		}
		e.timed.mu.Lock()
		lat = append(lat, e.timed.recorded[host].Sub(start))
		e.timed.mu.Unlock()
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// TestExternalAlerts checks that alerts other products send as SecurityAlert rows become alerts of the common
// model, with their entities, and that Vigil's own SecurityAlert rows are not recorded twice.
func TestExternalAlerts(t *testing.T) {
	e := startNRT(t)
	tbl, _ := e.cat.Table("SecurityAlert")
	b := batch.NewBuilder(tbl)
	at := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	row := func(vals map[string]string) {
		b.Begin()
		for k, v := range vals {
			_, p, ok := tbl.Column(k)
			require.True(t, ok, k)
			b.SetString(p, v)
		}
		_, p, _ := tbl.Column("StartTime")
		b.SetInt(p, at.UnixMicro())
		_, p, _ = tbl.Column("TimeGenerated")
		b.SetInt(p, at.UnixMicro())
		b.Commit()
	}
	row(map[string]string{"ProviderName": "MDATP", "ProductName": "Microsoft Defender Advanced Threat Protection",
		"SystemAlertId": "da637", "AlertName": "Suspicious credential dump", "AlertSeverity": "High", "Status": "New",
		"Tactics": "CredentialAccess, Execution", "Techniques": `["T1003"]`, "AlertType": "CredentialDumping",
		"Entities": `[{"$id":"2","HostName":"ws-3","DnsDomain":"corp.local","Type":"host"},{"$id":"3","Name":"carol","NTDomain":"CORP","Type":"account"},` +
			`{"$id":"4","Address":"10.0.0.9","Type":"ip"},{"$ref":"2"},{"$id":"5","Algorithm":"SHA256","Value":"ABC","Type":"filehash"},{"$id":"6","Type":"spaceship","Name":"x"}]`})
	row(map[string]string{"ProviderName": "Vigil", "SystemAlertId": "own", "AlertName": "Our own", "AlertSeverity": "Low"})
	require.NoError(t, e.s.Publish(context.Background(), b.Finish("sa-1", time.Now().UnixMicro())))

	var alerts []state.Alert
	require.Eventually(t, func() bool {
		var err error
		alerts, _, err = e.st.ListAlerts(context.Background(), state.AlertFilter{})
		require.NoError(t, err)
		return len(alerts) > 0
	}, 30*time.Second, 20*time.Millisecond)
	time.Sleep(200 * time.Millisecond)
	alerts, _, err := e.st.ListAlerts(context.Background(), state.AlertFilter{})
	require.NoError(t, err)
	require.Len(t, alerts, 1)
	a := alerts[0]
	require.Equal(t, "external", a.Source)
	require.Equal(t, "Suspicious credential dump", a.RuleTitle)
	require.Equal(t, "CredentialDumping", a.RuleID)
	require.Equal(t, "High", a.Severity)
	require.Equal(t, []string{"CredentialAccess", "Execution"}, a.Tactics)
	require.Equal(t, []string{"T1003"}, a.Techniques)
	require.Equal(t, at, a.EventTime)
	require.Equal(t, []state.Entity{
		{Type: "Host", Value: "ws-3", Props: map[string]string{"HostName": "ws-3", "DnsDomain": "corp.local"}},
		{Type: "Account", Value: "carol", Props: map[string]string{"Name": "carol", "NTDomain": "CORP"}},
		{Type: "IP", Value: "10.0.0.9", Props: map[string]string{"Address": "10.0.0.9"}},
		{Type: "FileHash", Value: "abc", Props: map[string]string{"Algorithm": "SHA256", "Value": "ABC"}},
	}, a.Entities)
}

// TestNRTPassesOverTablesWithoutRules checks that batches of a table no NRT rule reads, which the consumer passes
// over undecoded (stream.ConsumerConfig.Want; TestWantPassesOverTables shows they never reach a handler), are
// acknowledged, and that the batches of the rule's table around them still raise their alerts.
func TestNRTPassesOverTablesWithoutRules(t *testing.T) {
	e := startNRT(t, nrtRule)
	at := time.Now().UTC().Truncate(time.Second)
	net, _ := e.cat.Table("DeviceNetworkEvents")
	nb := batch.NewBuilder(net)
	_, tp, _ := net.Column("Timestamp")
	_, dp, _ := net.Column("DeviceName")
	for i := 0; i < 50; i++ {
		nb.Begin()
		nb.SetInt(tp, at.UnixMicro())
		nb.SetString(dp, "ws-1")
		nb.Commit()
	}
	e.process(t, "p1", at, "ws-1.corp.local", "powershell.exe -enc SQBFAFgA")
	require.NoError(t, e.s.Publish(context.Background(), nb.Finish("n1", time.Now().UnixMicro())))
	e.process(t, "p2", at, "ws-2.corp.local", "powershell.exe -enc SQBFAFgA")

	require.Eventually(t, func() bool {
		_, total, err := e.st.ListAlerts(context.Background(), state.AlertFilter{RuleID: "nrt-encoded-ps"})
		require.NoError(t, err)
		lag, err := e.s.Lag(context.Background(), analytics.NRTConsumer)
		require.NoError(t, err)
		return total == 2 && lag == 0
	}, 30*time.Second, 20*time.Millisecond)
	require.EqualValues(t, 2, e.nrt.Stats()["nrt-encoded-ps"].Events)
}
