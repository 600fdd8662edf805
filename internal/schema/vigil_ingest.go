package schema

// Tables Vigil defines for sources that have no Defender or Sentinel table of their own. They are custom tables
// (their names end in _CL) with fixed, documented columns (docs/ingest-sources.md), added to a catalogue by
// [Catalog.AddIngestTables].
const (
	// TableOTelLogs holds OpenTelemetry log records that name no other table.
	TableOTelLogs = "OTelLogs_CL"
	// TableOkta holds Okta System Log events.
	TableOkta = "Okta_CL"
	// TableGWorkspace holds Google Workspace audit activities (Admin SDK Reports API), one row per event.
	TableGWorkspace = "GWorkspace_CL"
)

// AddIngestTables adds the custom tables that Vigil's ingest defines (OTelLogs_CL, Okta_CL, GWorkspace_CL) to c;
// a table already there is kept as it is.
func (c *Catalog) AddIngestTables() error {
	for _, t := range ingestTables() {
		c.mu.Lock()
		_, ok := c.tables[t.Name]
		var err error
		if !ok {
			t.Source = "custom"
			err = c.add(t)
		}
		c.mu.Unlock()
		if err != nil {
			return err
		}
	}
	return nil
}

// ingestTables returns fresh definitions of the tables above.
func ingestTables() []*Table {
	return []*Table{
		{Name: TableOTelLogs, TimeColumn: "TimeGenerated", Source: "custom",
			Description: "OpenTelemetry log records (OTLP) that name no other table.",
			Columns: cols(
				"TimeGenerated", TypeDatetime, // timeUnixNano, else observedTimeUnixNano, else the receive time
				"ObservedTime", TypeDatetime,
				"SeverityNumber", TypeInt,
				"SeverityText", TypeString,
				"Body", TypeString, // a string body as it is; a structured body as JSON
				"Attributes", TypeDynamic,
				"ResourceAttributes", TypeDynamic,
				"ScopeName", TypeString,
				"ScopeVersion", TypeString,
				"ScopeAttributes", TypeDynamic,
				"TraceId", TypeString, // lowercase hex
				"SpanId", TypeString,
				"Flags", TypeLong,
				"EventName", TypeString,
				"ServiceName", TypeString, // resource service.name
				"HostName", TypeString, // resource host.name
				"DroppedAttributesCount", TypeLong,
			)},
		{Name: TableOkta, TimeColumn: "TimeGenerated", Source: "custom",
			Description: "Okta System Log events (LogEvent objects of the System Log API).",
			Columns: cols(
				"TimeGenerated", TypeDatetime, // published
				"Uuid", TypeString,
				"EventType", TypeString,
				"LegacyEventType", TypeString,
				"DisplayMessage", TypeString,
				"Severity", TypeString,
				"Version", TypeString,
				"ActorId", TypeString,
				"ActorType", TypeString,
				"ActorAlternateId", TypeString,
				"ActorDisplayName", TypeString,
				"ClientIpAddress", TypeString,
				"ClientUserAgent", TypeString, // client.userAgent.rawUserAgent
				"ClientOS", TypeString,
				"ClientBrowser", TypeString,
				"ClientDevice", TypeString,
				"ClientZone", TypeString,
				"ClientCountry", TypeString,
				"ClientState", TypeString,
				"ClientCity", TypeString,
				"OutcomeResult", TypeString,
				"OutcomeReason", TypeString,
				"TransactionId", TypeString,
				"SessionId", TypeString, // authenticationContext.externalSessionId
				"AuthenticationProvider", TypeString,
				"CredentialType", TypeString,
				"Target", TypeDynamic,
				"AuthenticationContext", TypeDynamic,
				"SecurityContext", TypeDynamic,
				"DebugContext", TypeDynamic,
				"Request", TypeDynamic,
				"AdditionalFields", TypeDynamic, // the whole event as received
			)},
		{Name: TableGWorkspace, TimeColumn: "TimeGenerated", Source: "custom",
			Description: "Google Workspace audit activities (Admin SDK Reports API activities), one row per event of an activity.",
			Columns: cols(
				"TimeGenerated", TypeDatetime, // id.time
				"UniqueQualifier", TypeString,
				"ApplicationName", TypeString,
				"CustomerId", TypeString,
				"ActorEmail", TypeString,
				"ActorProfileId", TypeString,
				"ActorCallerType", TypeString,
				"ActorKey", TypeString,
				"IpAddress", TypeString,
				"OwnerDomain", TypeString,
				"EventType", TypeString,
				"EventName", TypeString,
				"Parameters", TypeDynamic, // {name: value} of the event's parameters
				"AdditionalFields", TypeDynamic, // the whole activity as received
			)},
	}
}
