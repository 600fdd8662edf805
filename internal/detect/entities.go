package detect

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/vigilsec/vigil/internal/state"
)

// Entities extracts the entities of an event — accounts, hosts, IPs, processes, files, hashes, URLs and DNS
// names — under their Windows, Sysmon or Defender field names, as Sentinel entities (state.Entity* types, Sentinel
// identifiers in Props, the canonical Value of state.NewEntity), without duplicates.
func Entities(obj map[string]any) []state.Entity {
	var out []state.Entity
	seen := map[string]bool{}
	add := func(typ string, ids map[string]string) {
		e, ok := state.NewEntity(typ, ids)
		if !ok {
			return
		}
		k := typ + "\x00" + strings.ToLower(e.Value)
		if seen[k] {
			return
		}
		seen[k] = true
		out = append(out, e)
	}
	str := func(k string) string {
		if v, ok := obj[k]; ok && v != nil {
			return strings.TrimSpace(fmt.Sprint(v))
		}
		return ""
	}
	for _, k := range []string{"Computer", "DeviceName", "Workstation", "WorkstationName"} {
		if h := str(k); h != "" && h != "-" {
			add(state.EntityHost, map[string]string{"FullName": h})
		}
	}
	for _, k := range []string{"User", "TargetUserName", "SubjectUserName", "AccountName"} {
		u := str(k)
		if u == "" || u == "-" || strings.HasSuffix(u, "$") || isServiceAccount(u) {
			continue
		}
		ids := map[string]string{"FullName": u}
		switch k {
		case "TargetUserName":
			ids["NTDomain"], ids["Sid"] = str("TargetDomainName"), str("TargetUserSid")
		case "SubjectUserName":
			ids["NTDomain"], ids["Sid"] = str("SubjectDomainName"), str("SubjectUserSid")
		case "AccountName":
			ids["NTDomain"], ids["Sid"] = str("AccountDomain"), str("AccountSid")
		}
		add(state.EntityAccount, ids)
	}
	for _, k := range []string{"IpAddress", "SourceIp", "DestinationIp", "RemoteIP", "LocalIP", "ClientIP"} {
		if ip, err := netip.ParseAddr(str(k)); err == nil && !ip.IsLoopback() && !ip.IsUnspecified() {
			add(state.EntityIP, map[string]string{"Address": ip.String()})
		}
	}
	if img := str("Image"); img != "" {
		add(state.EntityProcess, map[string]string{"CommandLine": first(str("CommandLine"), img), "ProcessId": str("ProcessId")})
		add(state.EntityFile, fileIDs(img))
	}
	if p := str("ParentImage"); p != "" {
		add(state.EntityProcess, map[string]string{"CommandLine": first(str("ParentCommandLine"), p), "ProcessId": str("ParentProcessId")})
	}
	for _, k := range []string{"TargetFilename", "ImageLoaded"} {
		if f := str(k); f != "" {
			add(state.EntityFile, fileIDs(f))
		}
	}
	for _, part := range strings.Split(str("Hashes"), ",") {
		if alg, h, ok := strings.Cut(part, "="); ok && !strings.EqualFold(alg, "IMPHASH") {
			add(state.EntityFileHash, map[string]string{"Algorithm": strings.ToUpper(alg), "Value": h})
		}
	}
	for _, k := range []string{"DestinationHostname", "QueryName"} {
		if d := str(k); d != "" {
			add(state.EntityDNS, map[string]string{"DomainName": d})
		}
	}
	if u := str("RemoteUrl"); u != "" {
		if strings.Contains(u, "://") {
			add(state.EntityURL, map[string]string{"Url": u})
		} else {
			add(state.EntityDNS, map[string]string{"DomainName": u})
		}
	}
	return out
}

func isServiceAccount(u string) bool {
	if i := strings.LastIndexByte(u, '\\'); i >= 0 {
		u = u[i+1:]
	}
	switch strings.ToUpper(u) {
	case "SYSTEM", "LOCAL SERVICE", "NETWORK SERVICE", "ANONYMOUS LOGON":
		return true
	}
	return false
}

func fileIDs(path string) map[string]string {
	if i := strings.LastIndexAny(path, `\/`); i >= 0 {
		return map[string]string{"Name": path[i+1:], "Directory": path[:i]}
	}
	return map[string]string{"Name": path}
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
