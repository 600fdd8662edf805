package schema

// sentinelTables returns the Microsoft Sentinel (Log Analytics) tables, with the columns the Azure Monitor Logs table
// reference documents, in its order. Their time column is TimeGenerated; Type holds the table name. The billing
// columns _BilledSize and _IsBillable are left out.
func sentinelTables() []*Table {
	var out []*Table
	out = append(out, sentinelWinEventTables()...)
	out = append(out, sentinelSyslogTables()...)
	out = append(out, sentinelEntraTables()...)
	out = append(out, sentinelAzureTables()...)
	out = append(out, sentinelSaaSTables()...)
	out = append(out, sentinelUEBATables()...)
	out = append(out, sentinelNetworkTables()...)
	out = append(out, sentinelAgentTables()...)
	out = append(out, sentinelThreatIntelTables()...)
	out = append(out, sentinelIncidentTables()...)
	out = append(out, sentinelPostureTables()...)
	return out
}
