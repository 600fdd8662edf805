package analytics_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/vigilsec/vigil/internal/analytics"
	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/state"
)

const detailedRule = `id: r-details
name: Encoded PowerShell
description: static description
severity: Medium
queryFrequency: 1h
queryPeriod: 1h
triggerOperator: gt
triggerThreshold: 0
tactics: [Execution]
relevantTechniques: [T1059.001]
query: |
  DeviceProcessEvents
  | where ProcessCommandLine has "-enc"
  | extend Account = strcat(AccountDomain, "\\", AccountName), Sev = "High"
  | project Timestamp, DeviceName, Account, ProcessCommandLine, SHA256, RemoteIP = "10.1.2.3", Sev
entityMappings:
  - entityType: Account
    fieldMappings: [{identifier: FullName, columnName: Account}]
  - entityType: host
    fieldMappings: [{identifier: FullName, columnName: DeviceName}]
  - entityType: IP
    fieldMappings: [{identifier: Address, columnName: RemoteIP}]
  - entityType: FileHash
    fieldMappings: [{identifier: Algorithm, columnName: Sev}, {identifier: Value, columnName: SHA256}]
  - entityType: Process
    fieldMappings: [{identifier: CommandLine, columnName: ProcessCommandLine}]
customDetails:
  CommandLine: ProcessCommandLine
alertDetailsOverride:
  alertDisplayNameFormat: "Encoded PowerShell on {{DeviceName}}"
  alertDescriptionFormat: "{{Account}} ran {{ProcessCommandLine}}"
  alertSeverityColumnName: Sev
incidentConfiguration:
  createIncident: true
  groupingConfiguration:
    enabled: true
    lookbackDuration: PT5H
    matchingMethod: selected
    groupByEntities: [Host, account]
`

func parseRule(t testing.TB, src string) *analytics.Rule {
	t.Helper()
	var r analytics.Rule
	require.NoError(t, yaml.Unmarshal([]byte(src), &r))
	require.Nil(t, analytics.Validate(&r))
	require.Nil(t, analytics.Check(&r, schema.NewCatalog()))
	return &r
}

func TestBuildAlerts(t *testing.T) {
	r := parseRule(t, detailedRule)
	ts := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	cols := []string{"Timestamp", "DeviceName", "Account", "ProcessCommandLine", "SHA256", "RemoteIP", "Sev"}
	rows := [][]any{
		{ts.Add(time.Minute), "ws-1.corp.local", `CORP\Alice`, "powershell -enc AAA", "ABCDEF", "10.1.2.3", "High"},
		{ts, "WS-1.corp.local", `corp\alice`, "powershell -enc BBB", "ABCDEF", "10.1.2.3", "High"},
	}
	from, to := ts.Add(-time.Hour), ts.Add(time.Hour)
	ev := analytics.Evaluation{Rule: r, Version: 3, Source: "scheduled", Key: to.String(), WindowStart: from, WindowEnd: to, DetectedAt: to}
	alerts := analytics.BuildAlerts(ev, analytics.Results{Columns: cols, Rows: rows})
	require.Len(t, alerts, 1)
	a := alerts[0]
	require.Equal(t, "Encoded PowerShell on ws-1.corp.local", a.RuleTitle)
	require.Equal(t, `CORP\Alice ran powershell -enc AAA`, a.Description)
	require.Equal(t, "High", a.Severity)
	require.Equal(t, 3, a.RuleVersion)
	require.Equal(t, ts, a.EventTime, "the earliest evidence time")
	require.Equal(t, from, *a.WindowStart)
	require.Equal(t, []string{"Execution"}, a.Tactics)
	require.Equal(t, map[string][]string{"CommandLine": {"powershell -enc AAA", "powershell -enc BBB"}}, a.CustomDetails)
	require.Len(t, a.Evidence, 2)
	require.Equal(t, &state.Grouping{CreateIncident: true, Enabled: true, Lookback: 5 * time.Hour, Method: "Selected",
		EntityTypes: []string{"Host", "Account"}}, a.Grouping)
	byType := map[string][]state.Entity{}
	for _, e := range a.Entities {
		byType[e.Type] = append(byType[e.Type], e)
	}
	require.Len(t, byType["Account"], 1, "CORP\\Alice and corp\\alice are one account")
	require.Equal(t, "alice", byType["Account"][0].Value)
	require.Equal(t, "CORP", byType["Account"][0].Props["NTDomain"])
	require.Len(t, byType["Host"], 1)
	require.Equal(t, "ws-1", byType["Host"][0].Value)
	require.Equal(t, "corp.local", byType["Host"][0].Props["DnsDomain"])
	require.Equal(t, "10.1.2.3", byType["IP"][0].Value)
	require.Equal(t, "abcdef", byType["FileHash"][0].Value)
	require.Len(t, byType["Process"], 2)

	// The same run again gives the same alert id; another window another id.
	again := analytics.BuildAlerts(ev, analytics.Results{Columns: cols, Rows: rows})
	require.Equal(t, a.ID, again[0].ID)
	ev2 := ev
	ev2.Key = "other"
	require.NotEqual(t, a.ID, analytics.BuildAlerts(ev2, analytics.Results{Columns: cols, Rows: rows})[0].ID)

	// One alert per result row.
	r.EventGroupingSettings = &analytics.EventGroupingSettings{AggregationKind: "AlertPerResult"}
	per := analytics.BuildAlerts(ev, analytics.Results{Columns: cols, Rows: rows})
	require.Len(t, per, 2)
	require.NotEqual(t, per[0].ID, per[1].ID)
	require.Equal(t, []string{"powershell -enc BBB"}, per[1].CustomDetails["CommandLine"])
	require.Empty(t, analytics.BuildAlerts(ev, analytics.Results{Columns: cols}))
}

// A union whose branches give a column different types returns it split by type (Kusto's outer union: IP_string,
// IP_dynamic). Vigil's catalogue holds every table, so a fuzzy union of Sentinel IoC rules meets all its branches
// and splits columns a workspace with fewer tables would not: the alert details read the first non-empty part.
func TestBuildAlertsFromUnionSplitColumns(t *testing.T) {
	r := parseRule(t, `id: 11111111-2222-3333-4444-555555555555
name: IoC match
severity: High
queryFrequency: 1h
queryPeriod: 1h
triggerOperator: gt
triggerThreshold: 0
query: |
  union isfuzzy=true
    (SigninLogs | extend IPCustomEntity = IPAddress),
    (DeviceNetworkEvents | extend IPCustomEntity = parse_json(strcat('["', RemoteIP, '"]'))[0], HostCustomEntity = DeviceName)
entityMappings:
  - entityType: IP
    fieldMappings:
      - identifier: Address
        columnName: IPCustomEntity
  - entityType: Host
    fieldMappings:
      - identifier: FullName
        columnName: HostCustomEntity
customDetails:
  Address: IPCustomEntity
`)
	require.Nil(t, analytics.Check(r, schema.NewCatalog()), "the mapping resolves to the split columns")
	r.EntityMappings[0].FieldMappings[0].ColumnName = "IPCustomEntit"
	require.Equal(t, analytics.ReasonBadMapping, analytics.Check(r, schema.NewCatalog()).Reason)
	r.EntityMappings[0].FieldMappings[0].ColumnName = "IPCustomEntity"
	cols := []string{"TimeGenerated", "IPCustomEntity_string", "IPCustomEntity_dynamic", "HostCustomEntity"}
	ts := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	rows := [][]any{
		{ts, "203.0.113.7", nil, nil},
		{ts, "", "198.51.100.9", "ws-9"},
	}
	ev := analytics.Evaluation{Rule: r, Version: 1, Source: "scheduled", Key: "k", WindowStart: ts.Add(-time.Hour), WindowEnd: ts, DetectedAt: ts}
	alerts := analytics.BuildAlerts(ev, analytics.Results{Columns: cols, Rows: rows})
	require.Len(t, alerts, 1)
	var ips []string
	for _, e := range alerts[0].Entities {
		if e.Type == "IP" {
			ips = append(ips, e.Value)
		}
	}
	require.Equal(t, []string{"203.0.113.7", "198.51.100.9"}, ips)
	require.Equal(t, []string{"203.0.113.7", "198.51.100.9"}, alerts[0].CustomDetails["Address"])
}

func TestRuleDetailRefusals(t *testing.T) {
	cat := kql.WithFunctions(schema.NewCatalog(), kql.NewFunctions())
	base := "id: x\nname: x\nqueryFrequency: 1h\nqueryPeriod: 1h\ntriggerOperator: gt\nquery: SecurityEvent | project Computer, Account\n"
	cases := map[string]struct{ extra, reason, detail string }{
		"unknown entity":     {"entityMappings: [{entityType: Spaceship, fieldMappings: [{identifier: Name, columnName: Computer}]}]", "bad_mapping", `unknown entity type "Spaceship"`},
		"unknown identifier": {"entityMappings: [{entityType: Host, fieldMappings: [{identifier: Colour, columnName: Computer}]}]", "bad_mapping", `unknown identifier "Colour"`},
		"missing column":     {"entityMappings: [{entityType: Host, fieldMappings: [{identifier: HostName, columnName: DeviceName}]}]", "bad_mapping", `reads column "DeviceName"`},
		"detail column":      {"customDetails: {Who: Nobody}", "bad_mapping", `customDetails.Who reads column "Nobody"`},
		"placeholder":        {"alertDetailsOverride: {alertDisplayNameFormat: 'x {{Nope}}'}", "bad_mapping", `alertDisplayNameFormat reads column "Nope"`},
		"aggregation":        {"eventGroupingSettings: {aggregationKind: Sometimes}", "bad_grouping", `"Sometimes"`},
		"lookback":           {"incidentConfiguration: {groupingConfiguration: {enabled: true, lookbackDuration: 30d}}", "bad_grouping", "need 5m to 7d"},
		"severity":           {"severity: Apocalyptic", "bad_severity", `"Apocalyptic"`},
		"nrt two tables":     {"kind: NRT\nquery: union SecurityEvent, SigninLogs | summarize count()", "nrt_unsupported", "reads exactly one table; this one reads 2"},
		"nrt join":           {"kind: NRT\nquery: SecurityEvent | join (SigninLogs) on $left.Account == $right.UserPrincipalName", "nrt_unsupported", "join is not supported"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			var r analytics.Rule
			src := base + c.extra
			if strings.Contains(c.extra, "query:") {
				src = strings.Replace(base, "query: SecurityEvent | project Computer, Account\n", "", 1) + c.extra
			}
			require.NoError(t, yaml.Unmarshal([]byte(src), &r))
			ref := analytics.Validate(&r)
			if ref == nil {
				ref = analytics.Check(&r, cat)
			}
			require.NotNil(t, ref)
			require.Equal(t, c.reason, ref.Reason, ref.Detail)
			require.Contains(t, ref.Detail, c.detail)
		})
	}
}

func TestNewEntity(t *testing.T) {
	cases := []struct {
		typ   string
		ids   map[string]string
		value string
		props map[string]string
	}{
		{"Account", map[string]string{"FullName": "alice@contoso.com"}, "alice", map[string]string{"FullName": "alice@contoso.com", "Name": "alice", "UPNSuffix": "contoso.com"}},
		{"Account", map[string]string{"Name": `CONTOSO\Bob`}, "bob", map[string]string{"Name": "Bob", "NTDomain": "CONTOSO"}},
		{"Account", map[string]string{"Sid": "S-1-5-21-1"}, "s-1-5-21-1", map[string]string{"Sid": "S-1-5-21-1"}},
		{"Host", map[string]string{"HostName": "SRV-01.contoso.local"}, "srv-01", map[string]string{"HostName": "SRV-01", "DnsDomain": "contoso.local"}},
		{"File", map[string]string{"Name": "a.exe", "Directory": `C:\Temp\`}, `c:\temp\a.exe`, map[string]string{"Name": "a.exe", "Directory": `C:\Temp\`}},
		{"FileHash", map[string]string{"Algorithm": "sha256", "Value": "AB"}, "ab", map[string]string{"Algorithm": "SHA256", "Value": "AB"}},
		{"DNS", map[string]string{"DomainName": "Evil.Example."}, "evil.example", map[string]string{"DomainName": "Evil.Example."}},
		{"RegistryKey", map[string]string{"Hive": "HKEY_LOCAL_MACHINE", "Key": `Software\Run`}, `HKEY_LOCAL_MACHINE\Software\Run`, map[string]string{"Hive": "HKEY_LOCAL_MACHINE", "Key": `Software\Run`}},
	}
	for _, c := range cases {
		e, ok := state.NewEntity(c.typ, c.ids)
		require.True(t, ok, c.ids)
		require.Equal(t, c.value, e.Value, c.ids)
		require.Equal(t, c.props, e.Props, c.ids)
	}
	_, ok := state.NewEntity("IP", map[string]string{"Address": " "})
	require.False(t, ok, "an empty identifier identifies nothing")
}
