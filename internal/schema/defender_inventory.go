package schema

// defenderInventoryTables returns the Defender for Endpoint device inventory tables (device, network adapter and
// certificate information).
func defenderInventoryTables() []*Table {
	return []*Table{
		{Name: "DeviceInfo", TimeColumn: "Timestamp", Source: "defender",
			Description: "Periodic reports on each device: OS, agent version, join state, logged-on users and exposure (Defender advanced hunting; Timestamp is the report time, TimeGenerated is kept for Sentinel-style queries).",
			Columns: cols(
				"Timestamp", TypeDatetime, "DeviceId", TypeString, "DeviceName", TypeString,
				"ClientVersion", TypeString, "PublicIP", TypeString, "OSArchitecture", TypeString,
				"OSPlatform", TypeString, "OSBuild", TypeLong, "IsAzureADJoined", TypeBool, "JoinType", TypeString,
				"AadDeviceId", TypeString, "LoggedOnUsers", TypeString, "RegistryDeviceTag", TypeString,
				"OSVersion", TypeString, "MachineGroup", TypeString, "ReportId", TypeLong,
				"OnboardingStatus", TypeString, "AdditionalFields", TypeString, "DeviceCategory", TypeString,
				"DeviceType", TypeString, "DeviceSubtype", TypeString, "Model", TypeString, "Vendor", TypeString,
				"OSDistribution", TypeString, "OSVersionInfo", TypeString, "MergedDeviceIds", TypeString,
				"MergedToDeviceId", TypeString, "IsInternetFacing", TypeBool, "SensorHealthState", TypeString,
				"IsExcluded", TypeBool, "ExclusionReason", TypeString, "ExposureLevel", TypeString,
				"AssetValue", TypeString, "DeviceManualTags", TypeString, "DeviceDynamicTags", TypeString,
				"ConnectivityType", TypeString, "HostDeviceId", TypeString, "TimeGenerated", TypeDatetime,
			)},
		{Name: "DeviceNetworkInfo", TimeColumn: "Timestamp", Source: "defender",
			Description: "Periodic reports on the network adapters of each device: addresses, gateways, DNS servers and connected networks (Defender advanced hunting; Timestamp is the report time, TimeGenerated is kept for Sentinel-style queries).",
			Columns: cols(
				"Timestamp", TypeDatetime, "DeviceId", TypeString, "DeviceName", TypeString,
				"NetworkAdapterName", TypeString, "MacAddress", TypeString, "NetworkAdapterType", TypeString,
				"NetworkAdapterStatus", TypeString, "TunnelType", TypeString, "ConnectedNetworks", TypeString,
				"DnsAddresses", TypeString, "IPv4Dhcp", TypeString, "IPv6Dhcp", TypeString,
				"DefaultGateways", TypeString, "IPAddresses", TypeString, "ReportId", TypeLong,
				"NetworkAdapterVendor", TypeString, "TimeGenerated", TypeDatetime,
			)},
		{Name: "DeviceFileCertificateInfo", TimeColumn: "Timestamp", Source: "defender",
			Description: "Certificate information of signed files seen on devices (Defender advanced hunting; Timestamp is the record time, TimeGenerated is kept for Sentinel-style queries).",
			Columns: cols(
				"Timestamp", TypeDatetime, "DeviceId", TypeString, "DeviceName", TypeString, "SHA1", TypeString,
				"IsSigned", TypeBool, "SignatureType", TypeString, "Signer", TypeString, "SignerHash", TypeString,
				"Issuer", TypeString, "IssuerHash", TypeString, "CertificateSerialNumber", TypeString,
				"CrlDistributionPointUrls", TypeString, "CertificateCreationTime", TypeDatetime,
				"CertificateExpirationTime", TypeDatetime, "CertificateCountersignatureTime", TypeDatetime,
				"IsTrusted", TypeBool, "IsRootSignerMicrosoft", TypeBool, "ReportId", TypeLong,
				"TimeGenerated", TypeDatetime,
			)},
	}
}
