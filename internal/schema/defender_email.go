package schema

// defenderEmailTables returns the Defender for Office 365 email tables (Email*, UrlClickEvents).
func defenderEmailTables() []*Table {
	return []*Table{
		{Name: "EmailEvents", TimeColumn: "Timestamp", Source: "defender",
			Description: "Email delivery and blocking events processed by Microsoft 365 (Defender advanced hunting; Timestamp is the event time, TimeGenerated is kept for Sentinel-style queries).",
			Columns: cols(
				"Timestamp", TypeDatetime, "NetworkMessageId", TypeString, "InternetMessageId", TypeString,
				"SenderMailFromAddress", TypeString, "SenderFromAddress", TypeString,
				"SenderDisplayName", TypeString, "SenderObjectId", TypeString, "SenderMailFromDomain", TypeString,
				"SenderFromDomain", TypeString, "SenderIPv4", TypeString, "SenderIPv6", TypeString,
				"RecipientEmailAddress", TypeString, "RecipientObjectId", TypeString, "Subject", TypeString,
				"EmailClusterId", TypeLong, "EmailDirection", TypeString, "DeliveryAction", TypeString,
				"DeliveryLocation", TypeString, "ThreatTypes", TypeString, "ThreatNames", TypeString,
				"DetectionMethods", TypeString, "ConfidenceLevel", TypeString, "BulkComplaintLevel", TypeInt,
				"EmailAction", TypeString, "EmailActionPolicy", TypeString, "EmailActionPolicyGuid", TypeString,
				"AuthenticationDetails", TypeString, "AttachmentCount", TypeInt, "UrlCount", TypeInt,
				"EmailLanguage", TypeString, "Connectors", TypeString, "OrgLevelAction", TypeString,
				"OrgLevelPolicy", TypeString, "UserLevelAction", TypeString, "UserLevelPolicy", TypeString,
				"ReportId", TypeString, "AdditionalFields", TypeString, "LatestDeliveryLocation", TypeString,
				"LatestDeliveryAction", TypeString, "TimeGenerated", TypeDatetime,
			)},
		{Name: "EmailUrlInfo", TimeColumn: "Timestamp", Source: "defender",
			Description: "URLs found in emails, one row per URL (Defender advanced hunting; Timestamp is the event time, TimeGenerated is kept for Sentinel-style queries).",
			Columns: cols(
				"Timestamp", TypeDatetime, "NetworkMessageId", TypeString, "Url", TypeString,
				"UrlDomain", TypeString, "UrlLocation", TypeString, "ReportId", TypeString,
				"TimeGenerated", TypeDatetime,
			)},
		{Name: "EmailAttachmentInfo", TimeColumn: "Timestamp", Source: "defender",
			Description: "Files attached to emails, one row per attachment and recipient (Defender advanced hunting; Timestamp is the event time, TimeGenerated is kept for Sentinel-style queries).",
			Columns: cols(
				"Timestamp", TypeDatetime, "NetworkMessageId", TypeString, "SenderFromAddress", TypeString,
				"SenderDisplayName", TypeString, "SenderObjectId", TypeString, "RecipientEmailAddress", TypeString,
				"RecipientObjectId", TypeString, "FileName", TypeString, "FileType", TypeString,
				"SHA256", TypeString, "FileSize", TypeLong, "ThreatTypes", TypeString, "ThreatNames", TypeString,
				"DetectionMethods", TypeString, "ReportId", TypeString, "TimeGenerated", TypeDatetime,
			)},
		{Name: "EmailPostDeliveryEvents", TimeColumn: "Timestamp", Source: "defender",
			Description: "Actions taken on emails after delivery, such as zero-hour auto purge or manual remediation (Defender advanced hunting; Timestamp is the event time, TimeGenerated is kept for Sentinel-style queries).",
			Columns: cols(
				"Timestamp", TypeDatetime, "NetworkMessageId", TypeString, "InternetMessageId", TypeString,
				"Action", TypeString, "ActionType", TypeString, "ActionTrigger", TypeString,
				"ActionResult", TypeString, "RecipientEmailAddress", TypeString, "DeliveryLocation", TypeString,
				"ThreatTypes", TypeString, "DetectionMethods", TypeString, "ReportId", TypeString,
				"TimeGenerated", TypeDatetime,
			)},
		{Name: "UrlClickEvents", TimeColumn: "Timestamp", Source: "defender",
			Description: "Safe Links clicks on URLs in email, Teams and Office apps (Defender advanced hunting; Timestamp is the click time, TimeGenerated is kept for Sentinel-style queries).",
			Columns: cols(
				"Timestamp", TypeDatetime, "Url", TypeString, "ActionType", TypeString, "AccountUpn", TypeString,
				"Workload", TypeString, "NetworkMessageId", TypeString, "ThreatTypes", TypeString,
				"DetectionMethods", TypeString, "IPAddress", TypeString, "IsClickedThrough", TypeBool,
				"UrlChain", TypeString, "ReportId", TypeString, "TimeGenerated", TypeDatetime,
			)},
	}
}
