package schema

// defenderTVMTables returns the Defender Vulnerability Management tables (DeviceTvm*). The snapshot tables among them
// have no documented time column; they get Timestamp and TimeGenerated (the snapshot time) after their documented
// columns.
func defenderTVMTables() []*Table {
	return []*Table{
		{Name: "DeviceTvmSoftwareVulnerabilities", TimeColumn: "Timestamp", Source: "defender",
			Description: "Vulnerabilities (CVEs) of the software installed on devices, one row per device, software and CVE (Defender advanced hunting snapshot; Timestamp and TimeGenerated, not in the Defender schema, hold the snapshot time).",
			Columns: cols(
				"DeviceId", TypeString, "DeviceName", TypeString, "OSPlatform", TypeString, "OSVersion", TypeString,
				"OSArchitecture", TypeString, "SoftwareVendor", TypeString, "SoftwareName", TypeString,
				"SoftwareVersion", TypeString, "CveId", TypeString, "VulnerabilitySeverityLevel", TypeString,
				"RecommendedSecurityUpdate", TypeString, "RecommendedSecurityUpdateId", TypeString,
				"CveTags", TypeDynamic, "Timestamp", TypeDatetime, "TimeGenerated", TypeDatetime,
			)},
		{Name: "DeviceTvmSoftwareVulnerabilitiesKB", TimeColumn: "Timestamp", Source: "defender",
			Description: "Knowledge base of the vulnerabilities Defender Vulnerability Management assesses, one row per CVE (Defender advanced hunting snapshot; Timestamp and TimeGenerated, not in the Defender schema, hold the snapshot time).",
			Columns: cols(
				"CveId", TypeString, "CvssScore", TypeString, "IsExploitAvailable", TypeBool,
				"VulnerabilitySeverityLevel", TypeString, "LastModifiedTime", TypeDatetime,
				"PublishedDate", TypeDatetime, "VulnerabilityDescription", TypeString,
				"AffectedSoftware", TypeDynamic, "Timestamp", TypeDatetime, "TimeGenerated", TypeDatetime,
			)},
		{Name: "DeviceTvmSoftwareInventory", TimeColumn: "Timestamp", Source: "defender",
			Description: "Software installed on devices, with end-of-support information (Defender advanced hunting snapshot; Timestamp and TimeGenerated, not in the Defender schema, hold the snapshot time).",
			Columns: cols(
				"DeviceId", TypeString, "DeviceName", TypeString, "OSPlatform", TypeString, "OSVersion", TypeString,
				"OSArchitecture", TypeString, "SoftwareVendor", TypeString, "SoftwareName", TypeString,
				"SoftwareVersion", TypeString, "EndOfSupportStatus", TypeString, "EndOfSupportDate", TypeDatetime,
				"ProductCodeCpe", TypeString, "Timestamp", TypeDatetime, "TimeGenerated", TypeDatetime,
			)},
		{Name: "DeviceTvmSecureConfigurationAssessment", TimeColumn: "Timestamp", Source: "defender",
			Description: "Results of security configuration assessments on devices, one row per device and configuration (Defender advanced hunting; Timestamp is the assessment time, TimeGenerated is kept for Sentinel-style queries).",
			Columns: cols(
				"DeviceId", TypeString, "DeviceName", TypeString, "OSPlatform", TypeString,
				"Timestamp", TypeDatetime, "ConfigurationId", TypeString, "ConfigurationCategory", TypeString,
				"ConfigurationSubcategory", TypeString, "ConfigurationImpact", TypeReal, "IsCompliant", TypeBool,
				"IsApplicable", TypeBool, "Context", TypeDynamic, "IsExpectedUserImpact", TypeBool,
				"TimeGenerated", TypeDatetime,
			)},
		{Name: "DeviceTvmInfoGathering", TimeColumn: "Timestamp", Source: "defender",
			Description: "Vulnerability Management assessment events on the configuration and attack surface of devices, with details in AdditionalFields (Defender advanced hunting; Timestamp is the record time, TimeGenerated is kept for Sentinel-style queries).",
			Columns: cols(
				"Timestamp", TypeDatetime, "LastSeenTime", TypeDatetime, "DeviceId", TypeString,
				"DeviceName", TypeString, "OSPlatform", TypeString, "AdditionalFields", TypeDynamic,
				"TimeGenerated", TypeDatetime,
			)},
		{Name: "DeviceTvmSecureConfigurationAssessmentKB", TimeColumn: "Timestamp", Source: "defender",
			Description: "Knowledge base of the security configurations Defender Vulnerability Management assesses, one row per configuration (Defender advanced hunting snapshot; Timestamp and TimeGenerated, not in the Defender schema, hold the snapshot time).",
			Columns: cols(
				"ConfigurationId", TypeString, "ConfigurationImpact", TypeReal, "ConfigurationName", TypeString,
				"ConfigurationDescription", TypeString, "RiskDescription", TypeString,
				"ConfigurationCategory", TypeString, "ConfigurationSubcategory", TypeString,
				"ConfigurationBenchmarks", TypeDynamic, "Tags", TypeDynamic, "RemediationOptions", TypeString,
				"Timestamp", TypeDatetime, "TimeGenerated", TypeDatetime,
			)},
	}
}
