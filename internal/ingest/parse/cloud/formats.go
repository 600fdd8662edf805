package cloud

import (
	"strconv"

	"github.com/valyala/fastjson"

	"github.com/vigilsec/vigil/internal/ingest/normalize/tables"
)

// CloudTrail writes a CloudTrail record (the fields of "CloudTrail record contents") into AWSCloudTrail.
func CloudTrail(v *fastjson.Value, out tables.Sink) error {
	m, err := begin(out, "AWSCloudTrail", v, "eventTime")
	if err != nil {
		return err
	}
	for _, f := range [][2]string{
		{"eventVersion", "EventVersion"}, {"eventSource", "EventSource"}, {"eventName", "EventName"},
		{"awsRegion", "AWSRegion"}, {"sourceIPAddress", "SourceIpAddress"}, {"userAgent", "UserAgent"},
		{"errorCode", "ErrorCode"}, {"errorMessage", "ErrorMessage"}, {"requestParameters", "RequestParameters"},
		{"responseElements", "ResponseElements"}, {"additionalEventData", "AdditionalEventData"},
		{"requestID", "AwsRequestId"}, {"eventID", "AwsEventId"}, {"eventType", "EventTypeName"},
		{"apiVersion", "APIVersion"}, {"managementEvent", "ManagementEvent"}, {"readOnly", "ReadOnly"},
		{"resources", "Resources"}, {"recipientAccountId", "RecipientAccountId"},
		{"serviceEventDetails", "ServiceEventDetails"}, {"sharedEventID", "SharedEventId"},
		{"vpcEndpointId", "VpcEndpointId"}, {"eventCategory", "Category"},
	} {
		m.set(f[1], v, f[0])
	}
	for _, f := range [][2]string{
		{"type", "UserIdentityType"}, {"principalId", "UserIdentityPrincipalid"}, {"arn", "UserIdentityArn"},
		{"accountId", "UserIdentityAccountId"}, {"accessKeyId", "UserIdentityAccessKeyId"},
		{"userName", "UserIdentityUserName"}, {"invokedBy", "UserIdentityInvokedBy"},
	} {
		m.set(f[1], v, "userIdentity", f[0])
	}
	m.set("SessionCreationDate", v, "userIdentity", "sessionContext", "attributes", "creationDate")
	m.set("SessionMfaAuthenticated", v, "userIdentity", "sessionContext", "attributes", "mfaAuthenticated")
	for _, f := range [][2]string{
		{"type", "SessionIssuerType"}, {"principalId", "SessionIssuerPrincipalId"}, {"arn", "SessionIssuerArn"},
		{"accountId", "SessionIssuerAccountId"}, {"userName", "SessionIssuerUserName"},
	} {
		m.set(f[1], v, "userIdentity", "sessionContext", "sessionIssuer", f[0])
	}
	for _, f := range [][2]string{{"tlsVersion", "TlsVersion"}, {"cipherSuite", "CipherSuite"}, {"clientProvidedHostHeader", "ClientProvidedHostHeader"}} {
		m.set(f[1], v, "tlsDetails", f[0])
	}
	m.r.String("Type", "AWSCloudTrail")
	// userIdentity and tlsDetails are mapped in parts; the whole objects stay in _Extra.
	m.extra(v)
	m.r.Commit()
	return nil
}

// EntraSignIn writes a Microsoft Graph signIn resource into SigninLogs, with the column names Sentinel's
// Microsoft Entra ID connector uses.
func EntraSignIn(v *fastjson.Value, out tables.Sink) error {
	m, err := begin(out, "SigninLogs", v, "createdDateTime")
	if err != nil {
		return err
	}
	m.set("CreatedDateTime", v, "createdDateTime")
	m.set("ResultType", v, "status", "errorCode")
	m.set("ResultDescription", v, "status", "failureReason")
	m.set("Location", v, "location", "countryOrRegion")
	m.set("LocationDetails", v, "location")
	m.set("ConditionalAccessPolicies", v, "appliedConditionalAccessPolicies")
	m.set("ResourceIdentity", v, "resourceId")
	m.set("RiskEventTypes", v, "riskEventTypes")
	m.set("RiskEventTypes_V2", v, "riskEventTypes_v2")
	m.set("ProcessingTimeInMilliseconds", v, "processingTimeInMilliseconds")
	m.set("Identity", v, "userDisplayName")
	m.used["location"] = true
	m.auto(v)
	m.r.String("OperationName", "Sign-in activity")
	m.r.String("Category", "SignInLogs")
	m.r.String("Type", "SigninLogs")
	m.extra(v)
	m.r.Commit()
	return nil
}

// EntraAudit writes a Microsoft Graph directoryAudit resource into AuditLogs.
func EntraAudit(v *fastjson.Value, out tables.Sink) error {
	m, err := begin(out, "AuditLogs", v, "activityDateTime")
	if err != nil {
		return err
	}
	m.set("ActivityDateTime", v, "activityDateTime")
	m.set("OperationName", v, "activityDisplayName")
	m.set("ActivityDisplayName", v, "activityDisplayName")
	m.set("AADOperationType", v, "operationType")
	who := text(v.Get("initiatedBy", "user", "displayName"))
	if who == "" {
		who = text(v.Get("initiatedBy", "user", "userPrincipalName"))
	}
	if who == "" {
		who = text(v.Get("initiatedBy", "app", "displayName"))
	}
	m.r.String("Identity", who)
	m.auto(v)
	m.r.String("Type", "AuditLogs")
	m.extra(v)
	m.r.Commit()
	return nil
}

// o365RecordTypes names the AuditLogRecordType values of the Office 365 Management Activity API schema, as the
// OfficeActivity table writes them.
var o365RecordTypes = map[int64]string{
	1: "ExchangeAdmin", 2: "ExchangeItem", 3: "ExchangeItemGroup", 4: "SharePoint", 6: "SharePointFileOperation",
	7: "OneDrive", 8: "AzureActiveDirectory", 9: "AzureActiveDirectoryAccountLogon", 10: "DataCenterSecurityCmdlet",
	11: "ComplianceDLPSharePoint", 13: "ComplianceDLPExchange", 14: "SharePointSharingOperation",
	15: "AzureActiveDirectoryStsLogon", 18: "SecurityComplianceCenterEOPCmdlet", 20: "PowerBIAudit", 25: "MicrosoftTeams",
	28: "ThreatIntelligence", 40: "SecurityComplianceAlerts", 47: "ThreatIntelligenceAtpContent", 50: "ExchangeItemAggregated",
	64: "AirInvestigation",
}

// O365 writes a Microsoft 365 unified audit record (Office 365 Management Activity API common schema and its
// workload schemas) into OfficeActivity.
func O365(v *fastjson.Value, out tables.Sink) error {
	m, err := begin(out, "OfficeActivity", v, "CreationTime")
	if err != nil {
		return err
	}
	if rt := v.Get("RecordType"); rt != nil {
		if n, err := rt.Int64(); err == nil {
			name, ok := o365RecordTypes[n]
			if !ok {
				name = strconv.FormatInt(n, 10)
			}
			m.r.String("RecordType", name)
			m.used["RecordType"] = true
		}
	}
	m.set("OfficeId", v, "Id")
	m.set("OfficeWorkload", v, "Workload")
	m.set("OfficeObjectId", v, "ObjectId")
	m.set("OfficeTenantId", v, "OrganizationId")
	m.set("Site_Url", v, "SiteUrl")
	m.set("Site_", v, "Site")
	m.set("Client_IPAddress", v, "ClientIPAddress")
	m.set("Logon_Type", v, "LogonType")
	m.set("Source_Name", v, "SourceName")
	m.auto(v)
	m.r.String("Type", "OfficeActivity")
	m.extra(v)
	m.r.Commit()
	return nil
}

// Okta writes an Okta System Log LogEvent into Okta_CL.
func Okta(v *fastjson.Value, out tables.Sink) error {
	m, err := begin(out, "Okta_CL", v, "published")
	if err != nil {
		return err
	}
	for _, f := range []struct {
		col  string
		path []string
	}{
		{"Uuid", []string{"uuid"}}, {"EventType", []string{"eventType"}}, {"LegacyEventType", []string{"legacyEventType"}},
		{"DisplayMessage", []string{"displayMessage"}}, {"Severity", []string{"severity"}}, {"Version", []string{"version"}},
		{"ActorId", []string{"actor", "id"}}, {"ActorType", []string{"actor", "type"}},
		{"ActorAlternateId", []string{"actor", "alternateId"}}, {"ActorDisplayName", []string{"actor", "displayName"}},
		{"ClientIpAddress", []string{"client", "ipAddress"}}, {"ClientUserAgent", []string{"client", "userAgent", "rawUserAgent"}},
		{"ClientOS", []string{"client", "userAgent", "os"}}, {"ClientBrowser", []string{"client", "userAgent", "browser"}},
		{"ClientDevice", []string{"client", "device"}}, {"ClientZone", []string{"client", "zone"}},
		{"ClientCountry", []string{"client", "geographicalContext", "country"}},
		{"ClientState", []string{"client", "geographicalContext", "state"}},
		{"ClientCity", []string{"client", "geographicalContext", "city"}},
		{"OutcomeResult", []string{"outcome", "result"}}, {"OutcomeReason", []string{"outcome", "reason"}},
		{"TransactionId", []string{"transaction", "id"}},
		{"SessionId", []string{"authenticationContext", "externalSessionId"}},
		{"AuthenticationProvider", []string{"authenticationContext", "authenticationProvider"}},
		{"CredentialType", []string{"authenticationContext", "credentialType"}},
		{"Target", []string{"target"}}, {"AuthenticationContext", []string{"authenticationContext"}},
		{"SecurityContext", []string{"securityContext"}}, {"DebugContext", []string{"debugContext"}},
		{"Request", []string{"request"}},
	} {
		m.set(f.col, v, f.path...)
	}
	m.r.String("AdditionalFields", string(v.MarshalTo(nil)))
	m.r.Commit()
	return nil
}

// GWorkspace writes a Google Workspace activity (Admin SDK Reports API) into GWorkspace_CL, one row per event of
// its events array.
func GWorkspace(v *fastjson.Value, out tables.Sink) error {
	if v == nil || v.Type() != fastjson.TypeObject {
		return malformed("not a JSON object")
	}
	events := v.GetArray("events")
	if len(events) == 0 {
		return malformed("an activity without events")
	}
	raw := string(v.MarshalTo(nil))
	for i, ev := range events {
		m, err := begin(out, "GWorkspace_CL", v, "id", "time")
		if err != nil {
			return err
		}
		for _, f := range []struct {
			col  string
			path []string
		}{
			{"UniqueQualifier", []string{"id", "uniqueQualifier"}}, {"ApplicationName", []string{"id", "applicationName"}},
			{"CustomerId", []string{"id", "customerId"}}, {"ActorEmail", []string{"actor", "email"}},
			{"ActorProfileId", []string{"actor", "profileId"}}, {"ActorCallerType", []string{"actor", "callerType"}},
			{"ActorKey", []string{"actor", "key"}}, {"IpAddress", []string{"ipAddress"}}, {"OwnerDomain", []string{"ownerDomain"}},
		} {
			m.set(f.col, v, f.path...)
		}
		m.set("EventType", ev, "type")
		m.set("EventName", ev, "name")
		m.r.String("Parameters", parameters(ev.GetArray("parameters")))
		m.r.String("AdditionalFields", raw)
		if !m.r.IsSet("EventName") {
			m.r.Rollback()
			return malformed("event %d has no name", i+1)
		}
		m.r.Commit()
	}
	return nil
}

// parameters turns the Reports API's [{name, value|intValue|boolValue|multiValue|...}] into {name: value}.
func parameters(ps []*fastjson.Value) string {
	if len(ps) == 0 {
		return ""
	}
	var a fastjson.Arena
	o := a.NewObject()
	for _, p := range ps {
		name := text(p.Get("name"))
		if name == "" {
			continue
		}
		for _, k := range []string{"value", "intValue", "boolValue", "multiValue", "multiIntValue", "messageValue", "multiMessageValue"} {
			if x := p.Get(k); x != nil {
				o.Set(name, x)
				break
			}
		}
	}
	return string(o.MarshalTo(nil))
}
