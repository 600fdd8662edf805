package demo

import (
	"strconv"

	"github.com/vigilsec/vigil/internal/x/jsonw"
)

// idLogon is an IdentityLogonEvents row (Defender for Identity on the domain controllers).
type idLogon struct {
	action, logonType, protocol, failure string
	u                                    *user
	from                                 *device // source device
	fromIP                               string  // source address when from is nil
	dc                                   *device // domain controller that processed the request
	target                               *device // resource the logon was for
	destPort                             int64
	additional                           string
}

func (g *gen) identityLogon(ts int64, e idLogon) string {
	t := g.begin(tIdentityLogon, ts)
	t.s("ActionType", e.action)
	t.s("Application", "Active Directory")
	t.s("LogonType", e.logonType)
	t.s("Protocol", e.protocol)
	t.s("FailureReason", e.failure)
	t.s("AccountName", e.u.sam)
	t.s("AccountDomain", adDomain)
	t.s("AccountUpn", e.u.upn)
	t.s("AccountSid", e.u.sid)
	t.s("AccountObjectId", e.u.objectID)
	t.s("AccountDisplayName", e.u.display)
	if e.from != nil {
		t.s("DeviceName", e.from.name)
		if e.from.kind == kindWorkstation {
			t.s("DeviceType", "Workstation")
		} else {
			t.s("DeviceType", "Server")
		}
		t.s("OSPlatform", e.from.osPlatform)
		t.s("IPAddress", e.from.ip)
	} else {
		t.s("IPAddress", e.fromIP)
	}
	t.n("Port", 49152+g.r.Int64N(16000))
	if e.dc != nil {
		t.s("DestinationDeviceName", e.dc.name)
		t.s("DestinationIPAddress", e.dc.ip)
		t.n("DestinationPort", e.destPort)
	}
	if e.target != nil {
		t.s("TargetDeviceName", e.target.name)
	}
	id := guid(g.r)
	t.s("ReportId", id)
	t.raw("AdditionalFields", e.additional)
	g.done(t)
	return id
}

// signin is a SigninLogs row.
type signin struct {
	u                    *user
	app, appID           string
	resource             string
	ip                   string
	country, city, state string
	result               string
	client               string
	interactive          bool
	mfa                  bool
	dev                  *device
	os, browser, ua      string
	risk                 string
	lat, lon             string
	asn                  string
}

var resultText = map[string]string{
	"0":     "",
	"50126": "Error validating credentials due to invalid username or password.",
	"50074": "Strong Authentication is required.",
	"50140": "This error occurred due to 'Keep me signed in' interrupt when the user was signing in.",
	"50053": "Account is locked because user tried to sign in too many times with an incorrect user ID or password.",
	"53003": "Access has been blocked by Conditional Access policies.",
}

func (g *gen) signinRow(ts int64, s signin) string {
	t := g.begin(tSignin, ts)
	id := guid(g.r)
	t.s("OperationName", "Sign-in activity")
	t.s("OperationVersion", "1.0")
	t.s("Category", "SignInLogs")
	t.s("ResultType", s.result)
	t.s("ResultSignature", "None")
	t.s("ResultDescription", resultText[s.result])
	t.s("Level", "4")
	t.s("Identity", s.u.display)
	t.s("UserPrincipalName", s.u.upn)
	t.s("UserDisplayName", s.u.display)
	t.s("UserId", s.u.objectID)
	t.s("AlternateSignInName", s.u.upn)
	t.s("SignInIdentifier", s.u.upn)
	t.s("UserType", "Member")
	t.s("AppDisplayName", s.app)
	t.s("AppId", s.appID)
	t.s("ResourceDisplayName", s.resource)
	t.s("ClientAppUsed", s.client)
	t.s("IPAddress", s.ip)
	t.s("AutonomousSystemNumber", s.asn)
	t.s("Location", s.country)
	b := append(g.scratch[:0], `{"city":`...)
	b = jsonw.AppendString(b, s.city)
	b = append(b, `,"state":`...)
	b = jsonw.AppendString(b, s.state)
	b = append(b, `,"countryOrRegion":`...)
	b = jsonw.AppendString(b, s.country)
	b = append(b, `,"geoCoordinates":{"latitude":`...)
	b = append(b, s.lat...)
	b = append(b, `,"longitude":`...)
	b = append(b, s.lon...)
	b = append(b, `}}`...)
	t.rawBytes("LocationDetails", b)
	if s.dev != nil {
		b = append(b[:0], `{"deviceId":`...)
		b = jsonw.AppendString(b, s.dev.aadID)
		b = append(b, `,"displayName":`...)
		b = jsonw.AppendString(b, s.dev.short)
		b = append(b, `,"operatingSystem":"Windows10","browser":`...)
		b = jsonw.AppendString(b, s.browser)
		b = append(b, `,"isCompliant":true,"isManaged":true,"trustType":"Hybrid Azure AD joined"}`...)
	} else {
		b = append(b[:0], `{"deviceId":"","operatingSystem":`...)
		b = jsonw.AppendString(b, s.os)
		b = append(b, `,"browser":`...)
		b = jsonw.AppendString(b, s.browser)
		b = append(b, `}`...)
	}
	t.rawBytes("DeviceDetail", b)
	code, _ := strconv.Atoi(s.result)
	if code == 0 {
		b = append(b[:0], `{"errorCode":0}`...)
	} else {
		b = append(b[:0], `{"errorCode":`...)
		b = strconv.AppendInt(b, int64(code), 10)
		b = append(b, `,"failureReason":`...)
		b = jsonw.AppendString(b, resultText[s.result])
		b = append(b, '}')
	}
	t.rawBytes("Status", b)
	g.scratch = b
	ca := "notApplied"
	if s.mfa {
		ca = "success"
	}
	t.s("ConditionalAccessStatus", ca)
	if s.mfa {
		t.s("AuthenticationRequirement", "multiFactorAuthentication")
	} else {
		t.s("AuthenticationRequirement", "singleFactorAuthentication")
	}
	t.b("IsInteractive", s.interactive)
	risk := s.risk
	if risk == "" {
		risk = "none"
	}
	t.b("IsRisky", risk != "none")
	t.s("RiskLevelDuringSignIn", risk)
	t.s("RiskLevelAggregated", risk)
	if risk != "none" {
		t.s("RiskState", "atRisk")
	} else {
		t.s("RiskState", "none")
	}
	t.s("RiskDetail", "none")
	t.s("UserAgent", s.ua)
	t.s("TokenIssuerType", "AzureAD")
	t.s("AADTenantId", tenantID)
	t.s("HomeTenantId", tenantID)
	t.s("ResourceTenantId", tenantID)
	t.s("CorrelationId", guid(g.r))
	t.s("Id", id)
	t.s("OriginalRequestId", id)
	t.tm("CreatedDateTime", ts)
	t.n("DurationMs", 0)
	t.s("SourceSystem", "Azure AD")
	t.s("Type", "SigninLogs")
	g.done(t)
	return id
}

// identityInfo writes the daily IdentityInfo row of u.
func (g *gen) identityInfo(u *user, ts int64) {
	t := g.begin(tIdentityInfo, ts)
	t.s("ReportId", guid(g.r))
	t.s("AccountObjectId", u.objectID)
	t.s("AccountUPN", u.upn)
	t.s("AccountSID", u.sid)
	t.s("OnPremSid", u.sid)
	t.s("AccountTenantId", tenantID)
	t.s("AccountDisplayName", u.display)
	t.s("AccountName", u.sam)
	t.s("AccountDomain", adDomain)
	ou := "Users"
	switch {
	case u.admin:
		ou = "Admins"
		t.n("CriticalityLevel", 4)
		t.s("Type", "User")
	case u.service:
		ou = "Service Accounts"
		t.s("Type", "ServiceAccount")
	default:
		t.s("Type", "User")
	}
	t.s("DistinguishedName", "CN="+u.display+",OU="+ou+",OU="+u.city+",DC=corp,DC=contoso,DC=com")
	if !u.service {
		t.s("GivenName", u.first)
		t.s("Surname", u.last)
	}
	t.s("Department", u.dept)
	t.s("JobTitle", u.title)
	if u.mailbox {
		t.s("EmailAddress", u.upn)
		t.s("MailAddress", u.upn)
	}
	t.s("UserType", "Member")
	t.s("UserState", "Active")
	t.b("IsMFARegistered", !u.service)
	t.tm("AccountCreationTime", u.created)
	t.s("SourceSystem", "AzureActiveDirectory")
	t.s("City", u.city)
	t.s("Country", u.country)
	t.b("IsAccountEnabled", true)
	t.tm("CreatedDateTime", u.created)
	t.s("TenantId", tenantID)
	t.s("IdentityEnvironment", "Hybrid")
	t.s("TenantMembershipType", "Member")
	t.s("RiskLevel", "Low")
	t.s("RiskStatus", "None")
	t.raw("SourceProviders", `["ActiveDirectory","EntraID"]`)
	if u.admin {
		t.raw("AssignedRoles", `["Global Administrator"]`)
		t.raw("Tags", `["Sensitive"]`)
	} else {
		t.raw("AssignedRoles", `[]`)
	}
	g.done(t)
}
