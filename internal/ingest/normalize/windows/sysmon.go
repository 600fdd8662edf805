package windows

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/vigilsec/vigil/internal/ingest/normalize/tables"
)

// sysmonTable returns the Defender table of a Sysmon event id.
func sysmonTable(id int64) string {
	switch id {
	case 1:
		return "DeviceProcessEvents"
	case 3:
		return "DeviceNetworkEvents"
	case 2, 11, 15, 23, 26, 27, 28, 29:
		return "DeviceFileEvents"
	case 12, 13, 14:
		return "DeviceRegistryEvents"
	case 7:
		return "DeviceImageLoadEvents"
	}
	return "DeviceEvents"
}

// SysmonActionTypes is the ActionType given to each Sysmon event id; registry event 12 and network event 3 are
// refined by their EventType and Initiated fields. Ids not listed get "Sysmon" and the id.
var SysmonActionTypes = map[int64]string{
	1: "ProcessCreated", 2: "FileModified", 3: "ConnectionSuccess", 4: "SysmonServiceStateChanged",
	5: "ProcessTerminated", 6: "DriverLoad", 7: "ImageLoaded", 8: "CreateRemoteThreadApiCall",
	9: "RawAccessRead", 10: "OpenProcessApiCall", 11: "FileCreated", 12: "RegistryKeyCreated",
	13: "RegistryValueSet", 14: "RegistryKeyRenamed", 15: "FileCreated", 16: "SysmonConfigurationChanged",
	17: "NamedPipeEvent", 18: "NamedPipeEvent", 19: "WmiEventFilterActivity", 20: "WmiEventConsumerActivity",
	21: "WmiBindEventFilterToConsumer", 22: "DnsQueryResponse", 23: "FileDeleted", 24: "ClipboardChange",
	25: "ProcessTampering", 26: "FileDeleted", 27: "FileBlockedExecutable", 28: "FileBlockedShredding",
	29: "FileExecutableDetected", 255: "SysmonError",
}

func sysmonAction(e *Event) string {
	switch e.EventID {
	case 3:
		if strings.EqualFold(e.Get("Initiated"), "false") {
			return "InboundConnectionAccepted"
		}
	case 12:
		switch e.Get("EventType") {
		case "DeleteKey":
			return "RegistryKeyDeleted"
		case "DeleteValue":
			return "RegistryValueDeleted"
		case "CreateValue":
			return "RegistryValueSet"
		}
	}
	if a, ok := SysmonActionTypes[e.EventID]; ok {
		return a
	}
	return "Sysmon" + strconv.FormatInt(e.EventID, 10)
}

// writeSysmon fills a row of the Device* table of a Sysmon event.
func writeSysmon(r tables.Row, e *Event) {
	r.Int("Timestamp", e.Time)
	r.Int("TimeGenerated", e.Time)
	r.String("DeviceName", e.Computer)
	r.String("ActionType", sysmonAction(e))
	r.Text("ReportId", e.RecordID)
	bag := dataBag(e)
	if r.Has("AdditionalFields") {
		r.String("AdditionalFields", bag)
	} else {
		r.String("_Extra", bag)
	}
	get := e.Get
	switch e.EventID {
	case 1:
		image(r, "", get("Image"))
		r.String("ProcessCommandLine", get("CommandLine"))
		r.Text("ProcessId", get("ProcessId"))
		r.String("ProcessIntegrityLevel", get("IntegrityLevel"))
		r.Text("ProcessCreationTime", get("UtcTime"))
		r.String("ProcessUniqueId", get("ProcessGuid"))
		r.Text("CreatedProcessSessionId", get("TerminalSessionId"))
		r.Text("LogonId", get("LogonId"))
		hashes(r, "", get("Hashes"))
		user(r, "", get("User"))
		r.String("ProcessVersionInfoCompanyName", get("Company"))
		r.String("ProcessVersionInfoProductName", get("Product"))
		r.String("ProcessVersionInfoProductVersion", get("FileVersion"))
		r.String("ProcessVersionInfoOriginalFileName", get("OriginalFileName"))
		r.String("ProcessVersionInfoFileDescription", get("Description"))
		image(r, "InitiatingProcess", get("ParentImage"))
		r.String("InitiatingProcessCommandLine", get("ParentCommandLine"))
		r.Text("InitiatingProcessId", get("ParentProcessId"))
		r.String("InitiatingProcessUniqueId", get("ParentProcessGuid"))
		user(r, "InitiatingProcess", get("ParentUser"))
	case 3:
		initiating(r, e)
		local, remote := get("SourceIp"), get("DestinationIp")
		lport, rport := get("SourcePort"), get("DestinationPort")
		remoteHost := get("DestinationHostname")
		if strings.EqualFold(get("Initiated"), "false") {
			local, remote, lport, rport = remote, local, rport, lport
			remoteHost = get("SourceHostname")
		}
		r.String("LocalIP", local)
		r.String("RemoteIP", remote)
		r.Text("LocalPort", lport)
		r.Text("RemotePort", rport)
		r.String("LocalIPType", ipType(local))
		r.String("RemoteIPType", ipType(remote))
		if remoteHost != "-" {
			r.String("RemoteUrl", remoteHost)
		}
		r.String("Protocol", protocolName(get("Protocol")))
	case 2, 11, 15, 23, 26, 27, 28, 29:
		initiating(r, e)
		image(r, "", get("TargetFilename"))
		h := get("Hashes")
		if h == "" {
			h = get("Hash")
		}
		hashes(r, "", h)
	case 12, 13, 14:
		initiating(r, e)
		registry(r, e)
	case 7:
		initiating(r, e)
		image(r, "", get("ImageLoaded"))
		hashes(r, "", get("Hashes"))
	case 6:
		image(r, "", get("ImageLoaded"))
		hashes(r, "", get("Hashes"))
	case 8, 10:
		image(r, "InitiatingProcess", get("SourceImage"))
		r.Text("InitiatingProcessId", get("SourceProcessId"))
		user(r, "InitiatingProcess", get("SourceUser"))
		image(r, "", get("TargetImage"))
		r.Text("ProcessId", get("TargetProcessId"))
		user(r, "", get("TargetUser"))
	case 5, 25:
		image(r, "", get("Image"))
		r.Text("ProcessId", get("ProcessId"))
		user(r, "", get("User"))
	case 22:
		initiating(r, e)
		r.String("RemoteUrl", get("QueryName"))
	default:
		initiating(r, e)
		if e.EventID >= 19 && e.EventID <= 21 {
			user(r, "", get("User"))
		}
	}
}

// initiating maps the acting process of most Sysmon events (Image, ProcessId, User) onto InitiatingProcess*.
func initiating(r tables.Row, e *Event) {
	image(r, "InitiatingProcess", e.Get("Image"))
	r.Text("InitiatingProcessId", e.Get("ProcessId"))
	user(r, "InitiatingProcess", e.Get("User"))
}

// image sets <prefix>FolderPath to the full path (as Defender writes it) and <prefix>FileName to its last element.
func image(r tables.Row, prefix, path string) {
	if path == "" || path == "-" {
		return
	}
	r.String(prefix+"FolderPath", path)
	r.String(prefix+"FileName", baseName(path))
}

// user sets <prefix>AccountDomain and <prefix>AccountName from "DOMAIN\user".
func user(r tables.Row, prefix, s string) {
	if s == "" || s == "-" {
		return
	}
	d, n := splitAccount(s)
	r.String(prefix+"AccountDomain", d)
	r.String(prefix+"AccountName", n)
}

// hashes sets <prefix>SHA1, SHA256 and MD5 from Sysmon's "SHA1=…,MD5=…,SHA256=…,IMPHASH=…", in lower case as
// Defender writes hashes.
func hashes(r tables.Row, prefix, s string) {
	for s != "" {
		var kv string
		kv, s, _ = strings.Cut(s, ",")
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		switch strings.ToUpper(strings.TrimSpace(k)) {
		case "SHA1":
			r.String(prefix+"SHA1", strings.ToLower(v))
		case "SHA256":
			r.String(prefix+"SHA256", strings.ToLower(v))
		case "MD5":
			r.String(prefix+"MD5", strings.ToLower(v))
		}
	}
}

// registryRoots maps Sysmon's abbreviated hives onto the names Defender writes.
var registryRoots = map[string]string{
	"HKLM": "HKEY_LOCAL_MACHINE", "HKU": "HKEY_USERS", "HKCU": "HKEY_CURRENT_USER", "HKCR": "HKEY_CLASSES_ROOT",
	"HKCC": "HKEY_CURRENT_CONFIG",
}

// registryPath expands the hive of a Sysmon TargetObject.
func registryPath(p string) string {
	root, rest, _ := strings.Cut(p, `\`)
	if full, ok := registryRoots[strings.ToUpper(root)]; ok {
		if rest == "" {
			return full
		}
		return full + `\` + rest
	}
	return p
}

// registry maps Sysmon 12/13/14 onto RegistryKey, RegistryValueName, RegistryValueData and RegistryValueType.
// Value events name key\value in TargetObject; DWORD and QWORD details ("DWORD (0x00000001)") become the decimal
// value with type Dword/Qword, as Defender writes them.
func registry(r tables.Row, e *Event) {
	target := registryPath(e.Get("TargetObject"))
	switch {
	case e.EventID == 14:
		r.String("PreviousRegistryKey", target)
		r.String("RegistryKey", registryPath(e.Get("NewName")))
		return
	case e.EventID == 13 || e.Get("EventType") == "DeleteValue" || e.Get("EventType") == "CreateValue":
		if i := strings.LastIndexByte(target, '\\'); i >= 0 {
			r.String("RegistryKey", target[:i])
			r.String("RegistryValueName", target[i+1:])
		} else {
			r.String("RegistryKey", target)
		}
	default:
		r.String("RegistryKey", target)
	}
	d := e.Get("Details")
	if d == "" {
		return
	}
	for _, t := range []struct{ prefix, name string }{{"DWORD (", "Dword"}, {"QWORD (", "Qword"}} {
		if strings.HasPrefix(d, t.prefix) && strings.HasSuffix(d, ")") {
			num := strings.ReplaceAll(d[len(t.prefix):len(d)-1], "-", "")
			if n, err := strconv.ParseUint(num, 0, 64); err == nil {
				r.String("RegistryValueType", t.name)
				r.String("RegistryValueData", strconv.FormatUint(n, 10))
				return
			}
		}
	}
	if d == "Binary Data" {
		r.String("RegistryValueType", "Binary")
		return
	}
	r.String("RegistryValueData", d)
}

func protocolName(p string) string {
	switch strings.ToLower(p) {
	case "tcp":
		return "Tcp"
	case "udp":
		return "Udp"
	case "icmp":
		return "Icmp"
	}
	return p
}

// ipType classifies an address as Defender's LocalIPType/RemoteIPType do.
func ipType(s string) string {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return ""
	}
	a = a.Unmap()
	switch {
	case a.IsLoopback():
		return "Loopback"
	case a.IsPrivate():
		return "Private"
	case a.IsUnspecified(), a.IsLinkLocalUnicast(), a.IsMulticast(), a.IsLinkLocalMulticast():
		return "Reserved"
	case a.Is4() && a.As4() == [4]byte{255, 255, 255, 255}:
		return "Broadcast"
	}
	return "Public"
}
