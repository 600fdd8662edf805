package schema

// TableIngestErrors is the table that keeps every record Vigil could not read into its table, with the reason.
const TableIngestErrors = "VigilIngestErrors"

// TableAudit is the audit trail: every change and every sign-in, copied from the state store.
const TableAudit = "VigilAudit"

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
		{Name: TableAudit, TimeColumn: "TimeGenerated", Source: "vigil",
			Description: "The audit trail: every change (rules, incidents, users, roles, tokens, settings, response actions), every sign-in and every hunt, with actor, source address, target and before/after.",
			Columns: cols(
				"TimeGenerated", TypeDatetime,
				"AuditId", TypeLong, // the entry's sequence number in the state store
				"ActorType", TypeString, // user, token, anonymous, system
				"ActorId", TypeString,
				"Actor", TypeString,
				"AuthMethod", TypeString, // session, token, password, oidc
				"SourceIP", TypeString,
				"Action", TypeString,
				"TargetType", TypeString,
				"Target", TypeString,
				"Outcome", TypeString, // success, failure, denied
				"Status", TypeLong,
				"Before", TypeDynamic,
				"After", TypeDynamic,
				"Details", TypeDynamic,
				"RequestId", TypeString,
			)},
	}
}
