package incident

import (
	"net/netip"
	"sort"
	"strings"

	"github.com/vigilsec/vigil/internal/state"
)

// typeAliases maps the entity type names used by Sigma alerts, Sentinel entity mappings and Defender evidence to
// one name each.
var typeAliases = map[string]string{
	"host": "host", "machine": "host", "device": "host", "hostname": "host", "computer": "host",
	"account": "account", "user": "account", "useraccount": "account",
	"ip": "ip", "ipaddress": "ip", "address": "ip",
	"filehash": "filehash", "hash": "filehash", "sha256": "filehash", "sha1": "filehash", "md5": "filehash",
	"file": "file", "process": "process", "url": "url", "dns": "dns", "domain": "dns",
	"mailbox": "mailbox", "mail": "mailbox", "mailmessage": "mailmessage", "mailcluster": "mailmessage",
	"cloudapplication": "cloud", "azureresource": "cloud", "cloudresource": "cloud", "cloudlogonsession": "cloud",
	"registrykey": "registry", "registryvalue": "registry", "malware": "malware", "securitygroup": "securitygroup",
}

// Weights are how much sharing one entity of each type says that two alerts belong together, before prevalence
// is taken into account. A total of [Config.Threshold] (1.0 by default) joins an alert to an incident: one host,
// account, file hash, mailbox, mail message or malware name is enough; weaker entities (IP, URL, file path,
// process) count only together.
var Weights = map[string]float64{
	"host": 1.0, "account": 1.0, "filehash": 1.0, "mailbox": 1.0, "mailmessage": 1.0, "malware": 1.0,
	"cloud": 0.8, "url": 0.6, "dns": 0.6, "ip": 0.5, "file": 0.4, "registry": 0.4, "securitygroup": 0.5,
	"process": 0.3,
}

// defaultWeight is the weight of an entity type not in [Weights].
const defaultWeight = 0.3

func weightOf(typ string) float64 {
	if w, ok := Weights[typ]; ok {
		return w
	}
	return defaultWeight
}

// meaningless are values that name no particular entity.
var meaningless = map[string]bool{
	"": true, "-": true, "n/a": true, "null": true, "unknown": true, "localhost": true, "system": true,
	"local service": true, "network service": true, "anonymous logon": true, "nt authority\\system": true,
}

// NormType returns the canonical name of an entity type.
func NormType(t string) string {
	t = strings.ToLower(strings.TrimSpace(t))
	if n, ok := typeAliases[t]; ok {
		return n
	}
	return t
}

// Key returns the comparable key of an entity, or false for an entity that names nothing in particular. Hosts
// compare by their short name, accounts by their name without domain (CORP\alice, alice@corp.com and alice are
// one account), IPs in canonical form, everything else case-insensitively.
func Key(e state.Entity) (state.EntityKey, bool) {
	typ := NormType(e.Type)
	v := strings.ToLower(strings.TrimSpace(e.Value))
	if meaningless[v] {
		return state.EntityKey{}, false
	}
	switch typ {
	case "host":
		if _, err := netip.ParseAddr(v); err != nil {
			if i := strings.IndexByte(v, '.'); i > 0 {
				v = v[:i]
			}
		}
	case "account":
		if i := strings.LastIndexByte(v, '\\'); i >= 0 {
			v = v[i+1:]
		}
		if i := strings.IndexByte(v, '@'); i > 0 {
			v = v[:i]
		}
		if strings.HasSuffix(v, "$") || meaningless[v] { // machine accounts speak for their host, not a person
			return state.EntityKey{}, false
		}
	case "ip":
		ip, err := netip.ParseAddr(v)
		if err != nil || ip.IsLoopback() || ip.IsUnspecified() {
			return state.EntityKey{}, false
		}
		v = ip.Unmap().String()
	}
	if v == "" {
		return state.EntityKey{}, false
	}
	return state.EntityKey{Key: typ + ":" + v, Type: typ, Value: v}, true
}

// Keys returns the distinct keys of entities, sorted.
func Keys(entities []state.Entity) []state.EntityKey {
	seen := map[string]bool{}
	var out []state.EntityKey
	for _, e := range entities {
		k, ok := Key(e)
		if !ok || seen[k.Key] {
			continue
		}
		seen[k.Key] = true
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
