package windows

import (
	"strconv"
	"strings"

	"github.com/vigilsec/vigil/internal/ingest/normalize/tables"
)

// securityDeviceTable returns the Defender table a Security event also fills with Normalizer.DeviceTables.
func securityDeviceTable(id int64) string {
	switch id {
	case 4688:
		return "DeviceProcessEvents"
	case 4624, 4625:
		return "DeviceLogonEvents"
	}
	return ""
}

// logonFailureReasons names the NTSTATUS codes of 4625 (SubStatus, else Status) as DeviceLogonEvents'
// FailureReason.
var logonFailureReasons = map[string]string{
	"0xc0000064": "UnknownUser", "0xc000006a": "WrongPassword", "0xc000006d": "InvalidUserNameOrPassword",
	"0xc000006e": "AccountRestriction", "0xc000006f": "InvalidLogonHours", "0xc0000070": "InvalidWorkstation",
	"0xc0000071": "PasswordExpired", "0xc0000072": "AccountDisabled", "0xc0000193": "AccountExpired",
	"0xc0000224": "PasswordMustChange", "0xc0000234": "AccountLocked", "0xc000015b": "LogonTypeNotGranted",
	"0xc0000133": "ClockOutOfSync", "0xc000018c": "TrustFailure", "0xc0000413": "AuthenticationFirewallFailure",
}

// valid returns s unless it is Windows' placeholder for no value.
func valid(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

// writeSecurityDevice fills the Device* row of a Security event (see Normalizer.DeviceTables); the event's data is
// kept in AdditionalFields.
func writeSecurityDevice(r tables.Row, e *Event) {
	r.Int("Timestamp", e.Time)
	r.Int("TimeGenerated", e.Time)
	r.String("DeviceName", e.Computer)
	r.Text("ReportId", e.RecordID)
	r.String("AdditionalFields", dataBag(e))
	get := e.Get
	switch e.EventID {
	case 4688:
		r.String("ActionType", "ProcessCreated")
		image(r, "", get("NewProcessName"))
		r.String("ProcessCommandLine", get("CommandLine"))
		r.Text("ProcessId", get("NewProcessId"))
		r.String("ProcessIntegrityLevel", integrityLevel(get("MandatoryLabel")))
		r.String("ProcessTokenElevation", tokenElevation(get("TokenElevationType")))
		image(r, "InitiatingProcess", get("ParentProcessName"))
		r.Text("InitiatingProcessId", get("ProcessId"))
		r.String("InitiatingProcessAccountDomain", valid(get("SubjectDomainName")))
		r.String("InitiatingProcessAccountName", valid(get("SubjectUserName")))
		r.String("InitiatingProcessAccountSid", valid(get("SubjectUserSid")))
		r.Text("InitiatingProcessLogonId", get("SubjectLogonId"))
		if tu := valid(get("TargetUserName")); tu != "" {
			r.String("AccountDomain", valid(get("TargetDomainName")))
			r.String("AccountName", tu)
			r.String("AccountSid", valid(get("TargetUserSid")))
			r.Text("LogonId", get("TargetLogonId"))
		} else {
			r.String("AccountDomain", valid(get("SubjectDomainName")))
			r.String("AccountName", valid(get("SubjectUserName")))
			r.String("AccountSid", valid(get("SubjectUserSid")))
			r.Text("LogonId", get("SubjectLogonId"))
		}
	case 4624, 4625:
		if e.EventID == 4624 {
			r.String("ActionType", "LogonSuccess")
		} else {
			r.String("ActionType", "LogonFailed")
			code := strings.ToLower(get("SubStatus"))
			if logonFailureReasons[code] == "" || code == "0x0" {
				code = strings.ToLower(get("Status"))
			}
			if fr := logonFailureReasons[code]; fr != "" {
				r.String("FailureReason", fr)
			} else {
				r.String("FailureReason", valid(get("FailureReason")))
			}
		}
		if n, err := strconv.Atoi(get("LogonType")); err == nil {
			r.String("LogonType", logonTypeNames[n])
		}
		r.String("AccountDomain", valid(get("TargetDomainName")))
		r.String("AccountName", valid(get("TargetUserName")))
		r.String("AccountSid", valid(get("TargetUserSid")))
		r.Text("LogonId", get("TargetLogonId"))
		r.String("Protocol", valid(get("AuthenticationPackageName")))
		r.String("RemoteDeviceName", valid(get("WorkstationName")))
		if ip := valid(get("IpAddress")); ip != "" {
			r.String("RemoteIP", ip)
			r.String("RemoteIPType", ipType(ip))
			if p := valid(get("IpPort")); p != "0" {
				r.Text("RemotePort", p)
			}
		}
		if p := valid(get("ProcessName")); p != "" {
			image(r, "InitiatingProcess", p)
		}
		r.Text("InitiatingProcessId", get("ProcessId"))
		r.String("InitiatingProcessAccountDomain", valid(get("SubjectDomainName")))
		r.String("InitiatingProcessAccountName", valid(get("SubjectUserName")))
		r.String("InitiatingProcessAccountSid", valid(get("SubjectUserSid")))
	}
}

// integrityLevel names a mandatory label SID as Defender's ProcessIntegrityLevel does.
func integrityLevel(sid string) string {
	switch sid {
	case "S-1-16-0":
		return "Untrusted"
	case "S-1-16-4096":
		return "Low"
	case "S-1-16-8192":
		return "Medium"
	case "S-1-16-8448":
		return "MediumPlus"
	case "S-1-16-12288":
		return "High"
	case "S-1-16-16384":
		return "System"
	case "S-1-16-20480":
		return "ProtectedProcess"
	}
	return ""
}

// tokenElevation names 4688's TokenElevationType (%%1936 full token, %%1937 elevated, %%1938 limited) as
// Defender's ProcessTokenElevation does.
func tokenElevation(t string) string {
	switch t {
	case "%%1936":
		return "TokenElevationTypeDefault"
	case "%%1937":
		return "TokenElevationTypeFull"
	case "%%1938":
		return "TokenElevationTypeLimited"
	}
	return ""
}
