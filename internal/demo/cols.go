package demo

import (
	"strconv"
	"strings"
)

// connect writes a DeviceNetworkEvents row for an outbound connection of p.
func (g *gen) connect(d *device, ts int64, p *proc, action, remoteIP string, remotePort int64, url, proto string, extra string) {
	t := g.begin(tNetwork, ts)
	dev(t, d)
	t.s("ActionType", action)
	t.s("RemoteIP", remoteIP)
	t.n("RemotePort", remotePort)
	t.s("RemoteUrl", url)
	t.s("LocalIP", d.ip)
	t.n("LocalPort", 49152+g.r.Int64N(16000))
	t.s("Protocol", proto)
	t.s("LocalIPType", "Private")
	t.s("RemoteIPType", ipType(remoteIP))
	initiating(t, tNetwork, d, p)
	t.raw("AdditionalFields", extra)
	g.rid(t)
	g.done(t)
}

// inbound writes a DeviceNetworkEvents InboundConnectionAccepted row on d.
func (g *gen) inbound(d *device, ts int64, p *proc, fromIP string, localPort int64) {
	t := g.begin(tNetwork, ts)
	dev(t, d)
	t.s("ActionType", "InboundConnectionAccepted")
	t.s("RemoteIP", fromIP)
	t.n("RemotePort", 49152+g.r.Int64N(16000))
	t.s("LocalIP", d.ip)
	t.n("LocalPort", localPort)
	t.s("Protocol", "Tcp")
	t.s("LocalIPType", "Private")
	t.s("RemoteIPType", ipType(fromIP))
	initiating(t, tNetwork, d, p)
	g.rid(t)
	g.done(t)
}

func ipType(ip string) string {
	switch {
	case strings.HasPrefix(ip, "10."), strings.HasPrefix(ip, "192.168."), strings.HasPrefix(ip, "172.16."):
		return "Private"
	case strings.HasPrefix(ip, "127."):
		return "Loopback"
	}
	return "Public"
}

// fileEvent writes a DeviceFileEvents row.
type fileEvent struct {
	action, name, folder     string
	sha1, sha256, md5        string
	size                     int64
	originURL, originIP      string
	prevName, prevFolder     string
	reqProto, reqIP, reqUser string
	reqDomain, reqSID, share string
}

func (g *gen) file(d *device, ts int64, p *proc, f fileEvent) {
	t := g.begin(tFile, ts)
	dev(t, d)
	t.s("ActionType", f.action)
	t.s("FileName", f.name)
	sep := `\`
	if d.kind == kindLinux {
		sep = "/"
	}
	t.s("FolderPath", f.folder+sep+f.name)
	t.s("SHA1", f.sha1)
	t.s("SHA256", f.sha256)
	t.s("MD5", f.md5)
	if f.size > 0 {
		t.n("FileSize", f.size)
	}
	t.s("FileOriginUrl", f.originURL)
	t.s("FileOriginIP", f.originIP)
	t.s("PreviousFileName", f.prevName)
	t.s("PreviousFolderPath", f.prevFolder)
	t.s("RequestProtocol", f.reqProto)
	t.s("RequestSourceIP", f.reqIP)
	if f.reqIP != "" {
		t.n("RequestSourcePort", 49152+g.r.Int64N(16000))
	}
	t.s("RequestAccountName", f.reqUser)
	t.s("RequestAccountDomain", f.reqDomain)
	t.s("RequestAccountSid", f.reqSID)
	t.s("ShareName", f.share)
	initiating(t, tFile, d, p)
	g.rid(t)
	g.done(t)
}

// fileHashes derives stable hashes for a data file from its path and a version.
func fileHashes(path string, version int64) (sha1, sha256, md5 string) {
	b := newBinary("", path, "", "", strconv.FormatInt(version, 10), "", 0, "file")
	return b.sha1, b.sha256, b.md5
}

// registry writes a DeviceRegistryEvents row.
func (g *gen) registry(d *device, ts int64, p *proc, action, key, name, typ, data, prev string) {
	t := g.begin(tRegistry, ts)
	dev(t, d)
	t.s("ActionType", action)
	t.s("RegistryKey", key)
	t.s("RegistryValueType", typ)
	t.s("RegistryValueName", name)
	t.s("RegistryValueData", data)
	if prev != "" {
		t.s("PreviousRegistryKey", key)
		t.s("PreviousRegistryValueName", name)
		t.s("PreviousRegistryValueData", prev)
	}
	initiating(t, tRegistry, d, p)
	g.rid(t)
	g.done(t)
}

// imageLoad writes a DeviceImageLoadEvents row.
func (g *gen) imageLoad(d *device, ts int64, p *proc, b *binary) {
	t := g.begin(tImageLoad, ts)
	dev(t, d)
	t.s("ActionType", "ImageLoaded")
	t.s("FileName", b.name)
	t.s("FolderPath", b.path)
	t.s("SHA1", b.sha1)
	t.s("SHA256", b.sha256)
	t.s("MD5", b.md5)
	t.n("FileSize", b.size)
	initiating(t, tImageLoad, d, p)
	g.rid(t)
	g.done(t)
}

// deviceEvent is a DeviceEvents row; columns left empty are not written.
type deviceEvent struct {
	action           string
	fileName, folder string // folder is the full path
	sha1, sha256     string
	acct             *account
	remoteURL        string
	remoteIP         string
	remotePort       int64
	remoteDevice     string
	target           *proc // ProcessId / ProcessCommandLine / ProcessCreationTime of the affected process
	regKey, regName  string
	regData          string
	additional       string // JSON object
}

func (g *gen) deviceEvent(d *device, ts int64, p *proc, e deviceEvent) {
	t := g.begin(tEvents, ts)
	dev(t, d)
	t.s("ActionType", e.action)
	t.s("FileName", e.fileName)
	t.s("FolderPath", e.folder)
	t.s("SHA1", e.sha1)
	t.s("SHA256", e.sha256)
	if e.acct != nil {
		t.s("AccountDomain", e.acct.domain)
		t.s("AccountName", e.acct.name)
		t.s("AccountSid", e.acct.sid)
	}
	t.s("RemoteUrl", e.remoteURL)
	t.s("RemoteDeviceName", e.remoteDevice)
	if e.target != nil {
		t.n("ProcessId", e.target.pid)
		t.s("ProcessCommandLine", e.target.cmd)
		t.tm("ProcessCreationTime", e.target.created)
	}
	t.s("RegistryKey", e.regKey)
	t.s("RegistryValueName", e.regName)
	t.s("RegistryValueData", e.regData)
	if e.remoteIP != "" {
		t.s("RemoteIP", e.remoteIP)
		t.n("RemotePort", e.remotePort)
		t.s("LocalIP", d.ip)
	}
	initiating(t, tEvents, d, p)
	t.raw("AdditionalFields", e.additional)
	g.rid(t)
	g.done(t)
}

// logonEvent is a DeviceLogonEvents row.
type logonEvent struct {
	action, logonType, protocol, failure string
	u                                    *user
	sysAcct                              string
	remoteDevice, remoteIP               string
	logonID                              int64
	localAdmin                           bool
}

func (g *gen) deviceLogon(d *device, ts int64, p *proc, e logonEvent) {
	t := g.begin(tLogon, ts)
	dev(t, d)
	t.s("ActionType", e.action)
	t.s("LogonType", e.logonType)
	if e.u != nil {
		t.s("AccountDomain", strings.ToLower(netbios))
		t.s("AccountName", e.u.sam)
		t.s("AccountSid", e.u.sid)
	} else {
		a := (&proc{sysAcct: e.sysAcct}).account(d)
		t.s("AccountDomain", a.domain)
		t.s("AccountName", a.name)
		t.s("AccountSid", a.sid)
	}
	t.s("Protocol", e.protocol)
	t.s("FailureReason", e.failure)
	t.b("IsLocalAdmin", e.localAdmin)
	if e.logonID != 0 {
		t.n("LogonId", e.logonID)
	}
	t.s("RemoteDeviceName", e.remoteDevice)
	if e.remoteIP != "" {
		t.s("RemoteIP", e.remoteIP)
		t.s("RemoteIPType", ipType(e.remoteIP))
		t.n("RemotePort", 49152+g.r.Int64N(16000))
	}
	initiating(t, tLogon, d, p)
	g.rid(t)
	g.done(t)
}
