package schema

// defenderTables returns the Microsoft Defender XDR advanced-hunting tables, with their documented columns in their
// documented order. Their time column is Timestamp; each also has a TimeGenerated column (appended after the
// documented ones), as Microsoft Sentinel exposes these tables with both.
func defenderTables() []*Table {
	var out []*Table
	out = append(out, defenderDeviceTables()...)
	out = append(out, defenderInventoryTables()...)
	out = append(out, defenderTVMTables()...)
	out = append(out, defenderIdentityTables()...)
	out = append(out, defenderEmailTables()...)
	out = append(out, defenderAlertTables()...)
	return out
}
