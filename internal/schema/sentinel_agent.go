package schema

// sentinelAgentTables returns the agent, machine and container monitoring tables of Log Analytics.
func sentinelAgentTables() []*Table {
	return []*Table{
		{Name: "Heartbeat", TimeColumn: "TimeGenerated", Source: "sentinel",
			Description: "Periodic heartbeat records of monitoring agents, one per agent and minute, with the machine's OS and location.",
			Columns: cols(
				"Category", TypeString, "Computer", TypeString, "ComputerEnvironment", TypeString,
				"ComputerIP", TypeString, "ComputerPrivateIPs", TypeDynamic, "IsGatewayInstalled", TypeBool,
				"ManagementGroupName", TypeString, "OSMajorVersion", TypeString, "OSMinorVersion", TypeString,
				"OSName", TypeString, "OSType", TypeString, "RemoteIPCountry", TypeString,
				"RemoteIPLatitude", TypeReal, "RemoteIPLongitude", TypeReal, "Resource", TypeString,
				"ResourceGroup", TypeString, "ResourceId", TypeString, "_ResourceId", TypeString,
				"ResourceProvider", TypeString, "ResourceType", TypeString, "SCAgentChannel", TypeString,
				"Solutions", TypeString, "SourceSystem", TypeString, "SubscriptionId", TypeString,
				"_SubscriptionId", TypeString, "TimeGenerated", TypeDatetime, "Type", TypeString,
				"Version", TypeString, "VMUUID", TypeString,
			)},
		{Name: "LAQueryLogs", TimeColumn: "TimeGenerated", Source: "sentinel",
			Description: "Audit records of queries run against the Log Analytics workspace: who ran which query, over what range, at what cost.",
			Columns: cols(
				"AADClientId", TypeString, "AADEmail", TypeString, "AADObjectId", TypeString,
				"AADTenantId", TypeString, "CorrelationId", TypeString, "IsBillableQuery", TypeBool,
				"IsWorkspaceInFailover", TypeBool, "QueryText", TypeString, "QueryTimeRangeEnd", TypeDatetime,
				"QueryTimeRangeStart", TypeDatetime, "RequestClientApp", TypeString, "RequestContext", TypeDynamic,
				"RequestContextFilters", TypeDynamic, "RequestTarget", TypeString, "_ResourceId", TypeString,
				"ResponseCode", TypeInt, "ResponseDurationMs", TypeReal, "ResponseRowCount", TypeInt,
				"ScannedGB", TypeReal, "SourceSystem", TypeString, "StatsCPUTimeMs", TypeReal,
				"StatsDataProcessedEnd", TypeDatetime, "StatsDataProcessedStart", TypeDatetime,
				"StatsRegionCount", TypeInt, "StatsWorkspaceCount", TypeInt, "_SubscriptionId", TypeString,
				"TenantId", TypeString, "TimeGenerated", TypeDatetime, "Type", TypeString,
				"WorkspaceRegion", TypeString,
			)},
		{Name: "SecurityIoTRawEvent", TimeColumn: "TimeGenerated", Source: "sentinel",
			Description: "Raw security events collected by Microsoft Defender for IoT agents.",
			Columns: cols(
				"AgentVersion", TypeString, "AssociatedResourceId", TypeString, "AzureSubscriptionId", TypeString,
				"DeviceId", TypeString, "EventDetails", TypeString, "IoTRawEventId", TypeString, "IsEmpty", TypeBool,
				"RawEventCategory", TypeString, "RawEventName", TypeString, "RawEventType", TypeString,
				"TimeGenerated", TypeDatetime, "TimeStamp", TypeDatetime, "Type", TypeString,
			)},
		{Name: "ContainerLog", TimeColumn: "TimeGenerated", Source: "sentinel",
			Description: "Standard output and error lines of containers collected by Container insights.",
			Columns: cols(
				"Computer", TypeString, "ContainerID", TypeString, "Image", TypeString, "ImageTag", TypeString,
				"LogEntry", TypeString, "LogEntrySource", TypeString, "Name", TypeString, "Repository", TypeString,
				"_ResourceId", TypeString, "SourceSystem", TypeString, "_SubscriptionId", TypeString,
				"TimeGenerated", TypeDatetime, "TimeOfCommand", TypeDatetime, "Type", TypeString,
			)},
		{Name: "Usage", TimeColumn: "TimeGenerated", Source: "sentinel",
			Description: "Hourly data volume ingested into the workspace per table and solution.",
			Columns: cols(
				"AvgLatencyInSeconds", TypeReal, "BatchesCapped", TypeLong, "BatchesOutsideSla", TypeLong,
				"BatchesWithinSla", TypeLong, "Computer", TypeString, "DataType", TypeString,
				"EndTime", TypeDatetime, "IsBillable", TypeBool, "LinkedMeterId", TypeString,
				"LinkedResourceUri", TypeString, "MeterId", TypeString, "Quantity", TypeReal,
				"QuantityUnit", TypeString, "ResourceUri", TypeString, "Solution", TypeString,
				"SourceSystem", TypeString, "StartTime", TypeDatetime, "TimeGenerated", TypeDatetime,
				"TotalBatches", TypeLong, "Type", TypeString,
			)},
	}
}
