package analytics_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/analytics"
)

// TestAlertsKeepTheirSourceTables: the tables a scheduled run read become its alerts' source tables (what the
// access checks read), for one alert per run and one per row alike.
func TestAlertsKeepTheirSourceTables(t *testing.T) {
	r := parseRule(t, detailedRule)
	to := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	cols := []string{"Timestamp", "DeviceName"}
	rows := [][]any{{to, "ws-1"}, {to, "ws-2"}}
	ev := analytics.Evaluation{Rule: r, Source: "scheduled", Key: "k", WindowEnd: to, DetectedAt: to,
		Tables: []string{"DeviceLogonEvents", "DeviceProcessEvents"}}
	for _, kind := range []string{"SingleAlert", "AlertPerResult"} {
		r.EventGroupingSettings = &analytics.EventGroupingSettings{AggregationKind: kind}
		alerts := analytics.BuildAlerts(ev, analytics.Results{Columns: cols, Rows: rows})
		require.NotEmpty(t, alerts, kind)
		for _, a := range alerts {
			require.Equal(t, []string{"DeviceLogonEvents", "DeviceProcessEvents"}, a.SourceTables, kind)
		}
	}
}
