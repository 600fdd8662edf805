package windows

import "strings"

// HexFields lists, by provider, the data fields that Windows renders in hex ("0x3e7") but that evtx renderers such
// as the Velocidex library write as decimal numbers. [Decode] writes such a field back as 0x and lower-case hex
// when its JSON value is a number (a string is kept as it is), because detection rules compare against Windows'
// own form. System/Keywords is always restored. The key "*" applies to providers not listed.
var HexFields = map[string][]string{
	// Security auditing: logon ids, process ids (4688 NewProcessId/ProcessId, 4624, 4656, 4663, 4673, 4703, ...),
	// access masks, NTSTATUS codes, Kerberos ticket fields, handles and UAC values.
	"Microsoft-Windows-Security-Auditing": {
		"SubjectLogonId", "TargetLogonId", "TargetLinkedLogonId", "LogonId", "LogonID", "CallerLogonId",
		"ProcessId", "NewProcessId", "CallerProcessId", "TargetProcessId",
		"AccessMask", "Status", "SubStatus", "FailureCode", "ResultCode", "ReturnCode",
		"TicketOptions", "TicketEncryptionType", "HandleId", "OldUacValue", "NewUacValue", "ServiceType",
	},
	// The log-cleared events (1100, 1102, 1104, 1105) of the Eventlog provider carry a SubjectLogonId.
	"Microsoft-Windows-Eventlog": {"SubjectLogonId", "TargetLogonId", "LogonId", "ProcessId"},
	// Sysmon: EID 1 LogonId, EID 10 GrantedAccess.
	"Microsoft-Windows-Sysmon": {"LogonId", "GrantedAccess"},
	// Other providers (BITS, AppX deployment, WMI, Defender, ...): HRESULT-style codes.
	"*": {"ErrorCode", "ResultCode", "HResult", "hr"},
}

var hexIndex = func() map[string]map[string]bool {
	out := make(map[string]map[string]bool, len(HexFields))
	for prov, names := range HexFields {
		m := make(map[string]bool, len(names))
		for _, n := range names {
			m[n] = true
		}
		out[strings.ToLower(prov)] = m
		out[prov] = m
	}
	return out
}()

// IsHexField reports whether Windows renders the data field name of provider in hex.
func IsHexField(provider, name string) bool {
	return hexSet(provider)[name]
}

// hexSet returns the hex field names of provider.
func hexSet(provider string) map[string]bool {
	if m, ok := hexIndex[provider]; ok {
		return m
	}
	if m, ok := hexIndex[strings.ToLower(provider)]; ok {
		return m
	}
	return hexIndex["*"]
}
