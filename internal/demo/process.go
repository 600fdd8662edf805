package demo

import (
	"strings"
)

// Which optional InitiatingProcess* columns a table has.
const (
	fIntegrity = 1 << iota // InitiatingProcessIntegrityLevel, InitiatingProcessTokenElevation
	fLogonID               // InitiatingProcessLogonId
	fSigner                // InitiatingProcessSignerType, InitiatingProcessSignatureStatus
)

var initFlags = [numTables]int{
	tProcess:   fIntegrity | fLogonID | fSigner,
	tNetwork:   fIntegrity,
	tFile:      fIntegrity,
	tRegistry:  fIntegrity,
	tLogon:     fIntegrity,
	tImageLoad: fIntegrity,
	tEvents:    fLogonID,
}

// account columns of a process.
type account struct{ domain, name, sid, upn, oid string }

func (p *proc) account(d *device) account {
	if p.user != nil {
		return account{strings.ToLower(netbios), p.user.sam, p.user.sid, p.user.upn, p.user.objectID}
	}
	switch p.sysAcct {
	case "local service":
		return account{"nt authority", "local service", "S-1-5-19", "", ""}
	case "network service":
		return account{"nt authority", "network service", "S-1-5-20", "", ""}
	case "root":
		return account{d.short, "root", "", "", ""}
	case "www-data", "postgres", "syslog":
		return account{d.short, p.sysAcct, "", "", ""}
	}
	return account{"nt authority", "system", "S-1-5-18", "", ""}
}

// dev writes DeviceId and DeviceName.
func dev(t *table, d *device) {
	t.s("DeviceId", d.id)
	t.s("DeviceName", d.name)
}

// initiating writes the InitiatingProcess* columns of table i for process p on device d. The columns of a
// process never change once it has started, so their JSON is built once per process and table flavour.
func initiating(t *table, i int, d *device, p *proc) {
	if p == nil {
		return
	}
	f := initFlags[i]
	if p.initJSON[f] == nil {
		p.initJSON[f] = initiatingJSON(f, d, p)
	}
	t.arena = append(t.arena, p.initJSON[f]...)
}

func initiatingJSON(f int, d *device, p *proc) []byte {
	t := &table{}
	a := p.account(d)
	t.s("InitiatingProcessAccountDomain", a.domain)
	t.s("InitiatingProcessAccountName", a.name)
	t.s("InitiatingProcessAccountSid", a.sid)
	t.s("InitiatingProcessAccountUpn", a.upn)
	t.s("InitiatingProcessAccountObjectId", a.oid)
	b := p.bin
	t.s("InitiatingProcessFileName", b.name)
	t.s("InitiatingProcessFolderPath", b.path)
	t.s("InitiatingProcessSHA1", b.sha1)
	t.s("InitiatingProcessSHA256", b.sha256)
	t.s("InitiatingProcessMD5", b.md5)
	if b.size > 0 {
		t.n("InitiatingProcessFileSize", b.size)
	}
	t.s("InitiatingProcessVersionInfoCompanyName", b.company)
	t.s("InitiatingProcessVersionInfoOriginalFileName", b.orig)
	t.n("InitiatingProcessId", p.pid)
	t.s("InitiatingProcessCommandLine", p.cmd)
	t.tm("InitiatingProcessCreationTime", p.created)
	if f&fIntegrity != 0 {
		t.s("InitiatingProcessIntegrityLevel", p.integrity)
		t.s("InitiatingProcessTokenElevation", p.elevation)
	}
	if f&fLogonID != 0 && p.logonID != 0 {
		t.n("InitiatingProcessLogonId", p.logonID)
	}
	if f&fSigner != 0 && b.signer != "" {
		t.s("InitiatingProcessSignerType", b.signer)
		t.s("InitiatingProcessSignatureStatus", "Valid")
	}
	if pp := p.parent; pp != nil {
		t.n("InitiatingProcessParentId", pp.pid)
		t.s("InitiatingProcessParentFileName", pp.bin.name)
		t.tm("InitiatingProcessParentCreationTime", pp.created)
	}
	return t.arena
}

// newProc makes a process without writing an event.
func (g *gen) newProc(d *device, ts int64, parent *proc, b *binary, cmd string, u *user, sysAcct string) *proc {
	p := &proc{bin: b, pid: d.pid(g.r), created: ts, cmd: cmd, user: u, sysAcct: sysAcct, parent: parent}
	switch {
	case u == nil:
		p.integrity, p.elevation = "System", "TokenElevationTypeDefault"
		p.logonID = 999
		if sysAcct == "local service" || sysAcct == "network service" {
			p.logonID = 996
		}
	case parent != nil && parent.user == u:
		p.integrity, p.elevation, p.logonID = parent.integrity, parent.elevation, parent.logonID
	default:
		p.integrity, p.elevation = "Medium", "TokenElevationTypeLimited"
		if u.admin {
			p.integrity, p.elevation = "High", "TokenElevationTypeFull"
		}
		if d.sess != nil && d.sess.user == u {
			p.logonID = d.sess.logonID
		}
	}
	if d.kind == kindLinux {
		p.integrity, p.elevation, p.logonID = "", "", 0
	}
	return p
}

// spawn starts a process and writes its DeviceProcessEvents row.
func (g *gen) spawn(d *device, ts int64, parent *proc, b *binary, cmd string) *proc {
	var u *user
	acct := "system"
	if parent != nil {
		u, acct = parent.user, parent.sysAcct
	}
	return g.spawnAs(d, ts, parent, b, cmd, u, acct)
}

// spawnAs starts a process under an explicit account and writes its DeviceProcessEvents row.
func (g *gen) spawnAs(d *device, ts int64, parent *proc, b *binary, cmd string, u *user, sysAcct string) *proc {
	p := g.newProc(d, ts, parent, b, cmd, u, sysAcct)
	g.processRow(d, p)
	return p
}

func (g *gen) processRow(d *device, p *proc) {
	t := g.begin(tProcess, p.created)
	dev(t, d)
	t.s("ActionType", "ProcessCreated")
	b := p.bin
	t.s("FileName", b.name)
	t.s("FolderPath", b.path)
	t.s("SHA1", b.sha1)
	t.s("SHA256", b.sha256)
	t.s("MD5", b.md5)
	if b.size > 0 {
		t.n("FileSize", b.size)
	}
	t.s("ProcessVersionInfoCompanyName", b.company)
	t.s("ProcessVersionInfoProductName", b.product)
	t.s("ProcessVersionInfoProductVersion", b.version)
	t.s("ProcessVersionInfoInternalFileName", strings.TrimSuffix(b.orig, ".exe"))
	t.s("ProcessVersionInfoOriginalFileName", b.orig)
	t.s("ProcessVersionInfoFileDescription", b.desc)
	t.n("ProcessId", p.pid)
	t.s("ProcessCommandLine", p.cmd)
	t.s("ProcessIntegrityLevel", p.integrity)
	t.s("ProcessTokenElevation", p.elevation)
	t.tm("ProcessCreationTime", p.created)
	a := p.account(d)
	t.s("AccountDomain", a.domain)
	t.s("AccountName", a.name)
	t.s("AccountSid", a.sid)
	t.s("AccountUpn", a.upn)
	t.s("AccountObjectId", a.oid)
	if p.logonID != 0 {
		t.n("LogonId", p.logonID)
	}
	initiating(t, tProcess, d, p.parent)
	g.rid(t)
	g.done(t)
	if d.kind == kindServer || d.kind == kindDC {
		g.processAudit(d, p)
	}
}
