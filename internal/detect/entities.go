package detect

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/vigilsec/vigil/internal/state"
)

// Entities extracts the entities of an event: accounts, hosts, IPs, processes, files, hashes and URLs, under their
// Windows, Sysmon or Defender field names, without duplicates.
func Entities(obj map[string]any) []state.Entity {
	var out []state.Entity
	seen := map[string]bool{}
	add := func(typ, value string, props map[string]string) {
		value = strings.TrimSpace(value)
		if value == "" || value == "-" || seen[typ+"\x00"+strings.ToLower(value)] {
			return
		}
		seen[typ+"\x00"+strings.ToLower(value)] = true
		out = append(out, state.Entity{Type: typ, Value: value, Props: props})
	}
	str := func(k string) string {
		if v, ok := obj[k]; ok && v != nil {
			return fmt.Sprint(v)
		}
		return ""
	}
	for _, k := range []string{"Computer", "DeviceName", "Workstation", "WorkstationName"} {
		add("host", str(k), nil)
	}
	for _, k := range []string{"User", "TargetUserName", "SubjectUserName", "AccountName"} {
		u := str(k)
		if u == "" || strings.HasSuffix(u, "$") || strings.EqualFold(u, "SYSTEM") || strings.EqualFold(u, "LOCAL SERVICE") || strings.EqualFold(u, "NETWORK SERVICE") {
			continue
		}
		// DOMAIN\name and name are one account.
		key := u
		if i := strings.LastIndexByte(u, '\\'); i >= 0 {
			key = u[i+1:]
		}
		if seen["account-name\x00"+strings.ToLower(key)] {
			continue
		}
		seen["account-name\x00"+strings.ToLower(key)] = true
		add("account", u, nil)
	}
	for _, k := range []string{"IpAddress", "SourceIp", "DestinationIp", "RemoteIP", "LocalIP", "ClientIP"} {
		if ip, err := netip.ParseAddr(str(k)); err == nil && !ip.IsLoopback() && !ip.IsUnspecified() {
			add("ip", ip.String(), map[string]string{"field": k})
		}
	}
	if img := str("Image"); img != "" {
		add("process", img, map[string]string{"commandLine": str("CommandLine"), "processId": str("ProcessId")})
	}
	if p := str("ParentImage"); p != "" {
		add("process", p, map[string]string{"commandLine": str("ParentCommandLine"), "role": "parent"})
	}
	for _, k := range []string{"TargetFilename", "ImageLoaded"} {
		add("file", str(k), nil)
	}
	for _, part := range strings.Split(str("Hashes"), ",") {
		if alg, h, ok := strings.Cut(part, "="); ok && !strings.EqualFold(alg, "IMPHASH") {
			add("filehash", strings.ToLower(h), map[string]string{"algorithm": strings.ToUpper(alg)})
		}
	}
	for _, k := range []string{"DestinationHostname", "QueryName", "RemoteUrl"} {
		add("url", str(k), nil)
	}
	return out
}
