package schema

// TableIngestErrors is the table that keeps every record Vigil could not read into its table, with the reason.
const TableIngestErrors = "VigilIngestErrors"

// vigilTables returns Vigil's own tables.
func vigilTables() []*Table {
	return []*Table{
		{Name: TableIngestErrors, TimeColumn: "TimeGenerated", Source: "vigil",
			Description: "Records Vigil could not read into their table, kept with the reason so nothing is dropped silently.",
			Columns: cols(
				"TimeGenerated", TypeDatetime,
				"Source", TypeString, // how it arrived: http, file:<format>, syslog/<proto>
				"TargetTable", TypeString,
				"Line", TypeLong,
				"Reason", TypeString,
				"RawData", TypeString,
			)},
	}
}
