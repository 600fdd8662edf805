package analytics_test

import (
	"testing"

	"github.com/vigilsec/vigil/internal/analytics"
	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/schema"
)

// FuzzRule feeds arbitrary text through everything a rule body goes through before it is stored (YAML parsing,
// validation of every section, query compilation for SQL or the stream evaluator, the check of the columns its
// alert details read) and then builds alerts from one result row. No input may panic.
func FuzzRule(f *testing.F) {
	for _, seed := range []string{goodRule, detailedRule, nrtRule, apiSeed, "id: [unclosed", "", "kind: NRT\nquery: x | where",
		"id: x\nname: y\nquery: SecurityEvent\nentityMappings: [{entityType: Host}]",
		"id: x\nname: y\nkind: NRT\nquery: DeviceEvents | extend A = tostring(parse_json(AdditionalFields).x) | project A\n" +
			"entityMappings: [{entityType: Account, fieldMappings: [{identifier: FullName, columnName: A}]}]\n" +
			"alertDetailsOverride: {alertDisplayNameFormat: '{{A}} {{ A }} {{'}",
		"id: x\nname: y\nqueryFrequency: PT5M\nqueryPeriod: P14D\ntriggerOperator: ne\nquery: SigninLogs | take 1\n" +
			"incidentConfiguration: {groupingConfiguration: {enabled: true, lookbackDuration: P1D, matchingMethod: Selected, groupByCustomDetails: [Z]}}",
	} {
		f.Add([]byte(seed))
	}
	cat := kql.WithFunctions(schema.NewCatalog(), kql.NewFunctions())
	f.Fuzz(func(t *testing.T, body []byte) {
		r, ref := analytics.ParseYAML(body, "fuzz")
		if ref != nil {
			return
		}
		if analytics.Validate(r) != nil || analytics.Check(r, cat) != nil {
			return
		}
		cols := []string{}
		row := []any{}
		for _, m := range r.EntityMappings {
			for _, fm := range m.FieldMappings {
				cols, row = append(cols, fm.ColumnName), append(row, string(body))
			}
		}
		_ = analytics.BuildAlerts(analytics.Evaluation{Rule: r, Source: "fuzz", Key: "k"}, analytics.Results{Columns: cols, Rows: [][]any{row}})
	})
}

const apiSeed = `id: seed
name: seed
severity: high
queryFrequency: 1h
queryPeriod: 2h
triggerOperator: GreaterThan
triggerThreshold: 3
query: |
  DeviceNetworkEvents
  | summarize n = count(), Hosts = make_set(DeviceName) by RemoteIP
customDetails: {Hosts: Hosts}
eventGroupingSettings: {aggregationKind: alertperresult}
suppressionEnabled: true
suppressionDuration: 30m
entityMappings:
  - entityType: ip
    fieldMappings: [{identifier: address, columnName: RemoteIP}]
`
