package schema

// sentinelIncidentTables returns the Microsoft Sentinel alert and incident tables.
func sentinelIncidentTables() []*Table {
	return []*Table{
		{Name: "SecurityAlert", TimeColumn: "TimeGenerated", Source: "sentinel",
			Description: "Security alerts raised by Sentinel analytics rules and by connected products (Defender, Entra ID Protection, Defender for Cloud and others).",
			Columns: cols(
				"AlertLink", TypeString, "AlertName", TypeString, "AlertSeverity", TypeString,
				"AlertType", TypeString, "CompromisedEntity", TypeString, "ConfidenceLevel", TypeString,
				"ConfidenceScore", TypeReal, "Description", TypeString, "DisplayName", TypeString,
				"EndTime", TypeDatetime, "Entities", TypeString, "ExtendedLinks", TypeString,
				"ExtendedProperties", TypeString, "IsIncident", TypeBool, "ProcessingEndTime", TypeDatetime,
				"ProductComponentName", TypeString, "ProductName", TypeString, "ProviderName", TypeString,
				"RemediationSteps", TypeString, "ResourceId", TypeString, "SourceComputerId", TypeString,
				"StartTime", TypeDatetime, "Status", TypeString, "SubTechniques", TypeString,
				"SystemAlertId", TypeString, "Tactics", TypeString, "Techniques", TypeString,
				"TimeGenerated", TypeDatetime, "Type", TypeString, "VendorName", TypeString,
				"VendorOriginalId", TypeString, "WorkspaceResourceGroup", TypeString,
				"WorkspaceSubscriptionId", TypeString,
			)},
		{Name: "SecurityIncident", TimeColumn: "TimeGenerated", Source: "sentinel",
			Description: "Microsoft Sentinel incidents, one row per incident version (every change writes a new row).",
			Columns: cols(
				"AdditionalData", TypeDynamic, "AlertIds", TypeDynamic, "BookmarkIds", TypeDynamic,
				"Classification", TypeString, "ClassificationComment", TypeString,
				"ClassificationReason", TypeString, "ClosedTime", TypeDatetime, "Comments", TypeDynamic,
				"CreatedTime", TypeDatetime, "Description", TypeString, "FirstActivityTime", TypeDatetime,
				"FirstModifiedTime", TypeDatetime, "IncidentName", TypeString, "IncidentNumber", TypeInt,
				"IncidentUrl", TypeString, "Labels", TypeDynamic, "LastActivityTime", TypeDatetime,
				"LastModifiedTime", TypeDatetime, "ModifiedBy", TypeString, "Owner", TypeDynamic,
				"ProviderIncidentId", TypeString, "ProviderName", TypeString, "RelatedAnalyticRuleIds", TypeDynamic,
				"Severity", TypeString, "SourceSystem", TypeString, "Status", TypeString, "Tasks", TypeDynamic,
				"TenantId", TypeString, "TimeGenerated", TypeDatetime, "Title", TypeString, "Type", TypeString,
			)},
		{Name: "SentinelHealth", TimeColumn: "TimeGenerated", Source: "sentinel",
			Description: "Health events of Microsoft Sentinel resources such as data connectors, analytics rules and automation rules.",
			Columns: cols(
				"Description", TypeString, "ExtendedProperties", TypeDynamic, "OperationName", TypeString,
				"Reason", TypeString, "RecordId", TypeString, "SentinelResourceId", TypeString,
				"SentinelResourceKind", TypeString, "SentinelResourceName", TypeString,
				"SentinelResourceType", TypeString, "SourceSystem", TypeString, "Status", TypeString,
				"TenantId", TypeString, "TimeGenerated", TypeDatetime, "Type", TypeString, "WorkspaceId", TypeString,
			)},
	}
}
