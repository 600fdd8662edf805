package demo

import (
	"strconv"
	"strings"
)

var activities = map[int64]string{
	4624: "4624 - An account was successfully logged on.",
	4625: "4625 - An account failed to log on.",
	4634: "4634 - An account was logged off.",
	4647: "4647 - User initiated logoff.",
	4656: "4656 - A handle to an object was requested.",
	4663: "4663 - An attempt was made to access an object.",
	4672: "4672 - Special privileges assigned to new logon.",
	4697: "4697 - A service was installed in the system.",
	4768: "4768 - A Kerberos authentication ticket (TGT) was requested.",
	4769: "4769 - A Kerberos service ticket was requested.",
	4771: "4771 - Kerberos pre-authentication failed.",
	4776: "4776 - The domain controller attempted to validate the credentials for an account.",
	4800: "4800 - The workstation was locked.",
	4801: "4801 - The workstation was unlocked.",
}

var logonTypeNames = map[int64]string{2: "2 - Interactive", 3: "3 - Network", 4: "4 - Batch", 5: "5 - Service",
	7: "7 - Unlock", 10: "10 - RemoteInteractive", 11: "11 - CachedInteractive"}

var taskOf = map[int64]int64{4624: 12544, 4625: 12544, 4634: 12545, 4647: 12545, 4656: 12802, 4663: 12802, 4672: 12548,
	4697: 12289, 4768: 14339, 4769: 14337, 4771: 14339, 4776: 14336, 4800: 12551, 4801: 12551}

// secEvent is a SecurityEvent row; empty fields are not written.
type secEvent struct {
	id                       int64
	subj                     *user
	subjSys                  string // built-in subject: machine account when "$", else SYSTEM
	subjLogon                string
	tgt                      *user
	tgtName, tgtDomain       string // target account when tgt is nil (e.g. a machine account)
	tgtLogon                 string
	logonType                int64
	logonProc, authPkg       string
	workstation, ip, port    string
	status, subStatus        string
	failure                  string
	privileges               string
	process, processID       string
	serviceName, serviceFile string
	serviceType, serviceAcct string
	serviceStart             int64
	objectName, objectType   string
	accessMask, handleID     string
	elevated                 string
	logonGUID                string
}

func (g *gen) security(d *device, ts int64, e secEvent) {
	t := g.begin(tSecurity, ts)
	t.s("Computer", d.computer())
	t.n("EventID", e.id)
	t.s("Activity", activities[e.id])
	t.s("Channel", "Security")
	t.s("EventSourceName", "Microsoft-Windows-Security-Auditing")
	t.n("Task", taskOf[e.id])
	if e.id == 4625 || e.id == 4771 {
		t.s("Level", "16")
	} else {
		t.s("Level", "8")
	}
	t.s("SourceSystem", "OpsManager")
	t.s("Type", "SecurityEvent")
	// The account the event is about: the target for logons, the subject otherwise.
	acct, acctType := "", "User"
	switch {
	case e.tgt != nil:
		acct = netbios + `\` + e.tgt.sam
	case e.tgtName != "":
		acct = e.tgtDomain + `\` + e.tgtName
		if strings.HasSuffix(e.tgtName, "$") {
			acctType = "Machine"
		}
	case e.subj != nil:
		acct = netbios + `\` + e.subj.sam
	default:
		acct, acctType = `NT AUTHORITY\SYSTEM`, "Machine"
	}
	t.s("Account", acct)
	t.s("AccountType", acctType)
	switch {
	case e.subj != nil:
		t.s("SubjectUserSid", e.subj.sid)
		t.s("SubjectUserName", e.subj.sam)
		t.s("SubjectDomainName", netbios)
		t.s("SubjectAccount", netbios+`\`+e.subj.sam)
	case e.subjSys == "$":
		t.s("SubjectUserSid", "S-1-5-18")
		t.s("SubjectUserName", d.short+"$")
		t.s("SubjectDomainName", netbios)
		t.s("SubjectAccount", netbios+`\`+d.short+"$")
	case e.subjSys == "-":
		t.s("SubjectUserSid", "S-1-0-0")
		t.s("SubjectUserName", "-")
		t.s("SubjectDomainName", "-")
		t.s("SubjectAccount", "-")
	case e.id < 4768 || e.id > 4776:
		t.s("SubjectUserSid", "S-1-5-18")
		t.s("SubjectUserName", "SYSTEM")
		t.s("SubjectDomainName", "NT AUTHORITY")
		t.s("SubjectAccount", `NT AUTHORITY\SYSTEM`)
	}
	t.s("SubjectLogonId", e.subjLogon)
	switch {
	case e.tgt != nil:
		t.s("TargetUserSid", e.tgt.sid)
		t.s("TargetUserName", e.tgt.sam)
		t.s("TargetDomainName", netbios)
		t.s("TargetAccount", netbios+`\`+e.tgt.sam)
	case e.tgtName != "":
		t.s("TargetUserName", e.tgtName)
		t.s("TargetDomainName", e.tgtDomain)
		t.s("TargetAccount", e.tgtDomain+`\`+e.tgtName)
	}
	t.s("TargetLogonId", e.tgtLogon)
	if e.logonType != 0 {
		t.n("LogonType", e.logonType)
		t.s("LogonTypeName", logonTypeNames[e.logonType])
	}
	t.s("LogonProcessName", e.logonProc)
	t.s("AuthenticationPackageName", e.authPkg)
	t.s("WorkstationName", e.workstation)
	t.s("IpAddress", e.ip)
	t.s("IpPort", e.port)
	t.s("LogonGuid", e.logonGUID)
	t.s("Status", e.status)
	t.s("SubStatus", e.subStatus)
	t.s("FailureReason", e.failure)
	t.s("PrivilegeList", e.privileges)
	t.s("ProcessName", e.process)
	t.s("ProcessId", e.processID)
	t.s("ServiceName", e.serviceName)
	t.s("ServiceFileName", e.serviceFile)
	t.s("ServiceType", e.serviceType)
	t.s("ServiceAccount", e.serviceAcct)
	if e.serviceStart != 0 {
		t.n("ServiceStartType", e.serviceStart)
	}
	if e.objectName != "" {
		t.s("ObjectServer", "Security")
		t.s("ObjectName", e.objectName)
	}
	t.s("ObjectType", e.objectType)
	t.s("AccessMask", e.accessMask)
	t.s("HandleId", e.handleID)
	t.s("ElevatedToken", e.elevated)
	g.done(t)
}

func hexLogon(v int64) string { return "0x" + strconv.FormatInt(v, 16) }

const privilegesAdmin = "SeSecurityPrivilege\r\n\t\t\tSeBackupPrivilege\r\n\t\t\tSeRestorePrivilege\r\n\t\t\tSeTakeOwnershipPrivilege\r\n\t\t\tSeDebugPrivilege\r\n\t\t\tSeSystemEnvironmentPrivilege\r\n\t\t\tSeLoadDriverPrivilege\r\n\t\t\tSeImpersonatePrivilege\r\n\t\t\tSeDelegateSessionUserImpersonatePrivilege"

var tokenTypes = map[string]string{"TokenElevationTypeDefault": "%%1936", "TokenElevationTypeFull": "%%1937", "TokenElevationTypeLimited": "%%1938"}

var mandatoryLabels = map[string]string{"System": "S-1-16-16384", "High": "S-1-16-12288", "Medium": "S-1-16-8192", "Low": "S-1-16-4096"}

// processAudit writes the Security 4688 event of a process started on a server (process creation auditing with
// command lines is enabled on servers).
func (g *gen) processAudit(d *device, p *proc) {
	t := g.begin(tSecurity, p.created)
	t.s("Computer", d.computer())
	t.n("EventID", 4688)
	t.s("Activity", "4688 - A new process has been created.")
	t.s("Channel", "Security")
	t.s("EventSourceName", "Microsoft-Windows-Security-Auditing")
	t.n("Task", 13312)
	t.s("Level", "8")
	t.s("SourceSystem", "OpsManager")
	t.s("Type", "SecurityEvent")
	a := p.account(d)
	if p.user != nil {
		t.s("Account", netbios+`\`+p.user.sam)
		t.s("AccountType", "User")
		t.s("SubjectUserName", p.user.sam)
		t.s("SubjectDomainName", netbios)
	} else {
		t.s("Account", `NT AUTHORITY\`+strings.ToUpper(a.name))
		t.s("AccountType", "Machine")
		t.s("SubjectUserName", d.short+"$")
		t.s("SubjectDomainName", netbios)
	}
	t.s("SubjectUserSid", a.sid)
	t.s("SubjectLogonId", hexLogon(max(p.logonID, 0x3e7)))
	pid := hexLogon(p.pid)
	t.s("NewProcessId", pid)
	t.s("NewProcessName", p.bin.path)
	t.s("TokenElevationType", tokenTypes[p.elevation])
	t.s("MandatoryLabel", mandatoryLabels[p.integrity])
	t.s("CommandLine", p.cmd)
	if pp := p.parent; pp != nil {
		t.s("ProcessId", hexLogon(pp.pid))
		t.s("ParentProcessName", pp.bin.path)
	}
	g.done(t)
	g.last4688.rid, g.last4688.ts, g.last4688.computer, g.last4688.pid = g.lastDev.rid, t.curTS, d.computer(), pid
}
