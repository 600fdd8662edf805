package state

import (
	"sort"
	"strings"
)

// Entity types, named as Microsoft Sentinel names them in entity mappings and alerts. Every alert source (Sigma,
// scheduled and NRT rules, threat-intelligence matches, alerts from other products) uses these names.
const (
	EntityAccount          = "Account"
	EntityHost             = "Host"
	EntityIP               = "IP"
	EntityProcess          = "Process"
	EntityFile             = "File"
	EntityFileHash         = "FileHash"
	EntityURL              = "URL"
	EntityDNS              = "DNS"
	EntityMailbox          = "Mailbox"
	EntityMailMessage      = "MailMessage"
	EntityCloudApplication = "CloudApplication"
	EntityAzureResource    = "AzureResource"
	EntityRegistryKey      = "RegistryKey"
	EntityRegistryValue    = "RegistryValue"
	EntityMalware          = "Malware"
	EntitySecurityGroup    = "SecurityGroup"
)

// EntityIdentifiers lists, for each entity type, the identifiers an entity mapping may set (Sentinel's entity
// reference), in the order that decides which of them becomes the entity's Value when several are present.
var EntityIdentifiers = map[string][]string{
	EntityAccount: {"Name", "FullName", "UPNSuffix", "NTDomain", "DnsDomain", "Sid", "AadUserId", "AadTenantId", "PUID",
		"ObjectGuid", "DisplayName", "CloudAppAccountId", "IsDomainJoined"},
	EntityHost: {"HostName", "FullName", "DnsDomain", "NTDomain", "NetBiosName", "AzureID", "OMSAgentID", "OSFamily",
		"OSVersion", "IsDomainJoined"},
	EntityIP:               {"Address", "AddressScope"},
	EntityProcess:          {"CommandLine", "ProcessId", "CreationTimeUtc", "ElevationToken"},
	EntityFile:             {"Name", "Directory"},
	EntityFileHash:         {"Value", "Algorithm"},
	EntityURL:              {"Url"},
	EntityDNS:              {"DomainName"},
	EntityMailbox:          {"MailboxPrimaryAddress", "DisplayName", "Upn", "ExternalDirectoryObjectId", "RiskLevel"},
	EntityMailMessage:      {"NetworkMessageId", "InternetMessageId", "Recipient", "Sender", "SenderIP", "Subject", "P1Sender", "P2Sender", "Urls", "Threats"},
	EntityCloudApplication: {"Name", "AppId", "InstanceName"},
	EntityAzureResource:    {"ResourceId"},
	EntityRegistryKey:      {"Key", "Hive"},
	EntityRegistryValue:    {"Name", "Value", "ValueType"},
	EntityMalware:          {"Name", "Category"},
	EntitySecurityGroup:    {"DistinguishedName", "SID", "ObjectGuid"},
}

// CanonicalEntityType returns the canonical spelling of an entity type (case-insensitive; "File hash" and
// "filehash" are FileHash), and whether it is known.
func CanonicalEntityType(t string) (string, bool) {
	k := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(t), " ", ""))
	for name := range EntityIdentifiers {
		if strings.ToLower(name) == k {
			return name, true
		}
	}
	return t, false
}

// CanonicalIdentifier returns the canonical spelling of an identifier of entity type typ, and whether it is one.
func CanonicalIdentifier(typ, id string) (string, bool) {
	for _, name := range EntityIdentifiers[typ] {
		if strings.EqualFold(name, strings.TrimSpace(id)) {
			return name, true
		}
	}
	return id, false
}

// NewEntity builds an entity of type typ from its identifiers (Sentinel names). It completes what one identifier
// implies (an Account FullName "CORP\alice" gives Name alice and NTDomain CORP; "alice@corp.com" gives Name alice
// and UPNSuffix corp.com; a Host FullName "ws-1.corp.local" gives HostName ws-1 and DnsDomain corp.local), and sets
// Value to the identifying value other alerts of the same thing carry too: the lower-case account name, the short
// lower-case host name, the address, the lower-case hash, domain or mailbox, the full path of a file. It reports
// false when the identifiers hold nothing that identifies the entity.
func NewEntity(typ string, ids map[string]string) (Entity, bool) {
	p := map[string]string{}
	for k, v := range ids {
		if v = strings.TrimSpace(v); v != "" && v != "-" {
			p[k] = v
		}
	}
	e := Entity{Type: typ, Props: p}
	switch typ {
	case EntityAccount:
		if fn := p["FullName"]; fn != "" && p["Name"] == "" {
			if dom, name, ok := strings.Cut(fn, `\`); ok {
				p["Name"], p["NTDomain"] = name, dom
			} else if name, suffix, ok := strings.Cut(fn, "@"); ok {
				p["Name"], p["UPNSuffix"] = name, suffix
			} else {
				p["Name"] = fn
			}
		}
		if n := p["Name"]; strings.Contains(n, `\`) {
			dom, name, _ := strings.Cut(n, `\`)
			p["Name"] = name
			if p["NTDomain"] == "" {
				p["NTDomain"] = dom
			}
		} else if name, suffix, ok := strings.Cut(n, "@"); ok {
			p["Name"] = name
			if p["UPNSuffix"] == "" {
				p["UPNSuffix"] = suffix
			}
		}
		e.Value = strings.ToLower(first(p, "Name", "Sid", "AadUserId", "ObjectGuid", "PUID", "CloudAppAccountId", "DisplayName"))
	case EntityHost:
		if fn := p["FullName"]; fn != "" && p["HostName"] == "" {
			if h, dom, ok := strings.Cut(fn, "."); ok {
				p["HostName"], p["DnsDomain"] = h, dom
			} else {
				p["HostName"] = fn
			}
		}
		if h, dom, ok := strings.Cut(p["HostName"], "."); ok {
			p["HostName"] = h
			if p["DnsDomain"] == "" {
				p["DnsDomain"] = dom
			}
		}
		e.Value = strings.ToLower(first(p, "HostName", "NetBiosName", "AzureID", "OMSAgentID"))
	case EntityIP:
		e.Value = p["Address"]
	case EntityProcess:
		e.Value = first(p, "CommandLine", "ProcessId")
	case EntityFile:
		name, dir := p["Name"], strings.TrimRight(p["Directory"], `\/`)
		switch {
		case dir != "" && name != "":
			sep := `\`
			if strings.Contains(dir, "/") && !strings.Contains(dir, `\`) {
				sep = "/"
			}
			e.Value = strings.ToLower(dir + sep + name)
		default:
			e.Value = strings.ToLower(name)
		}
	case EntityFileHash:
		e.Value = strings.ToLower(p["Value"])
		if a := p["Algorithm"]; a != "" {
			p["Algorithm"] = strings.ToUpper(a)
		}
	case EntityURL:
		e.Value = p["Url"]
	case EntityDNS:
		e.Value = strings.ToLower(strings.TrimSuffix(p["DomainName"], "."))
	case EntityMailbox:
		e.Value = strings.ToLower(first(p, "MailboxPrimaryAddress", "Upn", "ExternalDirectoryObjectId", "DisplayName"))
	case EntityMailMessage:
		e.Value = first(p, "NetworkMessageId", "InternetMessageId")
	case EntityCloudApplication:
		e.Value = first(p, "AppId", "Name", "InstanceName")
	case EntityAzureResource:
		e.Value = strings.ToLower(p["ResourceId"])
	case EntityRegistryKey:
		if h := p["Hive"]; h != "" && !strings.HasPrefix(strings.ToUpper(p["Key"]), strings.ToUpper(h)) {
			e.Value = h + `\` + p["Key"]
		} else {
			e.Value = p["Key"]
		}
	case EntityRegistryValue, EntityMalware:
		e.Value = p["Name"]
	case EntitySecurityGroup:
		e.Value = first(p, "SID", "ObjectGuid", "DistinguishedName")
	default:
		keys := make([]string, 0, len(p))
		for k := range p {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if len(keys) > 0 {
			e.Value = p[keys[0]]
		}
	}
	if len(p) == 0 {
		e.Props = nil
	}
	return e, e.Value != ""
}

func first(p map[string]string, keys ...string) string {
	for _, k := range keys {
		if v := p[k]; v != "" {
			return v
		}
	}
	return ""
}
