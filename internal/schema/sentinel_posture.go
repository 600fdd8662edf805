package schema

// sentinelPostureTables returns the Microsoft Defender for Cloud posture tables (recommendations and compliance).
func sentinelPostureTables() []*Table {
	return []*Table{
		{Name: "SecurityRecommendation", TimeColumn: "TimeGenerated", Source: "sentinel",
			Description: "Security recommendations of Microsoft Defender for Cloud for assessed resources, with their state and severity.",
			Columns: cols(
				"AssessedResourceId", TypeString, "Description", TypeString, "DeviceId", TypeString,
				"DiscoveredTimeUTC", TypeDatetime, "Environment", TypeString, "FirstEvaluationDate", TypeDatetime,
				"IsSnapshot", TypeBool, "PolicyDefinitionId", TypeString, "Properties", TypeDynamic,
				"ProviderName", TypeString, "RecommendationAdditionalData", TypeDynamic,
				"RecommendationDisplayName", TypeString, "RecommendationId", TypeString,
				"RecommendationName", TypeString, "RecommendationSeverity", TypeString,
				"RecommendationState", TypeString, "ResolvedTimeUTC", TypeDatetime, "ResourceRegion", TypeString,
				"StatusChangeDate", TypeDatetime, "TimeGenerated", TypeDatetime, "Type", TypeString,
			)},
		{Name: "SecurityNestedRecommendation", TimeColumn: "TimeGenerated", Source: "sentinel",
			Description: "Sub-assessments of Microsoft Defender for Cloud recommendations, such as the individual vulnerabilities found on a resource.",
			Columns: cols(
				"AdditionalData", TypeDynamic, "AssessedResourceId", TypeString, "Category", TypeString,
				"Cause", TypeString, "Description", TypeString, "Id", TypeString, "Impact", TypeString,
				"IsSnapshot", TypeBool, "NestedRecommendationId", TypeString, "ParentRecommendationId", TypeString,
				"RecommendationLink", TypeString, "RecommendationName", TypeString,
				"RecommendationSeverity", TypeString, "RecommendationState", TypeString,
				"RecommendationSubscriptionId", TypeString, "RemediationDescription", TypeString,
				"RemidiationDescription", TypeString, "ResourceDetails", TypeDynamic, "ResourceGroup", TypeString,
				"_ResourceId", TypeString, "ResourceProviderType", TypeString, "SourceSystem", TypeString,
				"SubAssessmentTimeGeneration", TypeDatetime, "_SubscriptionId", TypeString, "TenantId", TypeString,
				"TimeGenerated", TypeDatetime, "Type", TypeString, "VulnerabilityId", TypeString,
			)},
		{Name: "SecurityRegulatoryCompliance", TimeColumn: "TimeGenerated", Source: "sentinel",
			Description: "Regulatory compliance assessment results of Microsoft Defender for Cloud, per standard, control and recommendation.",
			Columns: cols(
				"AssessedResourceId", TypeString, "ComplianceControl", TypeString, "ComplianceStandard", TypeString,
				"FailedResources", TypeInt, "IsSnapshot", TypeBool, "PassedResources", TypeInt,
				"Properties", TypeDynamic, "RecommendationId", TypeString, "RecommendationLink", TypeString,
				"RecommendationName", TypeString, "RegulatoryComplianceSubscriptionId", TypeString,
				"_ResourceId", TypeString, "ResourceProviderType", TypeString, "SkippedResources", TypeInt,
				"SourceSystem", TypeString, "State", TypeString, "_SubscriptionId", TypeString,
				"TenantId", TypeString, "TimeGenerated", TypeDatetime, "Type", TypeString,
			)},
	}
}
