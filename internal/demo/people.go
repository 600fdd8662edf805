package demo

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/x/jsonw"
)

var browseSites = []string{"www.google.com", "www.google.com", "www.bing.com", "www.office.com", "contoso.sharepoint.com",
	"contoso-my.sharepoint.com", "www.linkedin.com", "github.com", "stackoverflow.com", "contoso.my.salesforce.com",
	"www.salesforce.com", "zoom.us", "www.youtube.com", "en.wikipedia.org", "www.nytimes.com", "docs.python.org",
	"cdn.jsdelivr.net", "fonts.gstatic.com", "objects.githubusercontent.com", "www.adobe.com", "login.microsoftonline.com"}

// peopleActivity simulates one action of a person.
func (g *gen) peopleActivity(hs int64, level float64) {
	r := g.r
	ts := g.at(hs)
	x := r.IntN(100)
	switch {
	case x < 10:
		g.mailFlow(ts)
		return
	case x < 16:
		g.cloudSignin(ts, level)
		return
	}
	d := g.pickWorkstation(ts)
	if d == nil {
		g.cloudSignin(ts, 0)
		return
	}
	s := g.session(d, ts)
	ts = max(ts, s.ready)
	switch {
	case x < 44:
		g.browse(d, s, ts)
	case x < 60:
		g.officeWork(d, s, ts)
	case x < 67:
		g.connect(d, ts, s.outlook, "ConnectionSuccess", pick(r, g.w.site("outlook.office365.com").ips), 443, "outlook.office365.com", "Tcp", "")
		if r.IntN(3) == 0 {
			g.connect(d, ts+g.jitter(10*second), s.outlook, "ConnectionSuccess", pick(r, g.w.site("login.microsoftonline.com").ips), 443, "login.microsoftonline.com", "Tcp", "")
		}
	case x < 74:
		g.connect(d, ts, s.teams, "ConnectionSuccess", pick(r, g.w.site("teams.microsoft.com").ips), 443, "teams.microsoft.com", "Tcp", "")
		g.connect(d, ts+g.jitter(30*second), s.onedrive, "ConnectionSuccess", pick(r, g.w.site("contoso-my.sharepoint.com").ips), 443, "contoso-my.sharepoint.com", "Tcp", "")
	case x < 82:
		g.fileShare(d, s, ts)
	case x < 90:
		g.appLaunch(d, s, ts)
	case x < 93:
		g.cli(d, s, ts)
	case x < 94:
		g.adminRDP(ts)
	case x < 98:
		g.lockUnlock(d, s, ts)
	default:
		g.download(d, s, ts)
	}
}

func (g *gen) browse(d *device, s *session, ts int64) {
	n := 2 + g.r.IntN(7)
	for i := 0; i < n; i++ {
		host := pick(g.r, browseSites)
		st := g.w.site(host)
		ts += g.jitter(20 * second)
		action := "ConnectionSuccess"
		if g.r.IntN(40) == 0 {
			action = "ConnectionFailed"
		}
		g.connect(d, ts, s.browser, action, pick(g.r, st.ips), st.port, host, "Tcp", "")
	}
	if g.r.IntN(4) == 0 {
		// A renderer process for a new tab.
		b := s.browser.bin
		g.spawn(d, ts+g.jitter(5*second), s.browser, b, b.path+` --type=renderer --lang=en-GB --js-flags=--ms-user-locale= --device-scale-factor=1 --num-raster-threads=4 --enable-main-frame-before-activation --renderer-client-id=`+strconv.Itoa(8+g.r.IntN(200)))
	}
}

var docNames = []string{"Q3 budget.xlsx", "Board update.pptx", "Project plan.docx", "Customer list.xlsx", "Meeting notes.docx",
	"Sales forecast.xlsx", "Proposal draft.docx", "Onboarding checklist.docx", "Roadmap.pptx", "Expense report.xlsx",
	"Contract review.docx", "Campaign results.xlsx", "Release notes.docx", "Invoice tracker.xlsx"}

func (g *gen) officeWork(d *device, s *session, ts int64) {
	b := g.w.bins
	doc := pick(g.r, docNames)
	var app *binary
	switch {
	case strings.HasSuffix(doc, ".xlsx"):
		app = b["excel"]
	case strings.HasSuffix(doc, ".pptx"):
		app = b["powerpnt"]
	default:
		app = b["winword"]
	}
	folder := `C:\Users\` + s.user.sam + `\OneDrive - Contoso\Documents`
	if s.office == nil || s.office.bin != app || g.r.IntN(3) == 0 {
		s.office = g.spawn(d, ts, s.explorer, app, `"`+app.path+`" /n "`+folder+`\`+doc+`"`)
		g.imageLoad(d, ts+200*ms, s.office, g.w.dlls[10])
		if g.r.IntN(2) == 0 {
			g.imageLoad(d, ts+250*ms, s.office, g.w.dlls[0])
		}
		g.registry(d, ts+2*second, s.office, "RegistryValueSet", `HKEY_CURRENT_USER\S-1-5-21-1004336348-1177238915-682003330\Software\Microsoft\Office\16.0\Common\Roaming\Identities`,
			"LastSwitchedTime", "RegistryValueType.Qword", strconv.FormatInt(ts/100+116444736000000000, 10), "")
	}
	p := s.office
	sha1, sha256, md5 := fileHashes(folder+`\`+doc, ts/hour)
	ts += g.jitter(10 * minute)
	g.file(d, ts, p, fileEvent{action: "FileCreated", name: "~$" + doc[min(2, len(doc)):], folder: folder, size: 162})
	if g.r.IntN(3) == 0 {
		// Office saves to a temporary file and renames it over the document.
		tmp := fmt.Sprintf("~WRD%04X.tmp", g.r.IntN(0x10000))
		tr := ts + g.jitter(2*minute)
		g.file(d, tr, p, fileEvent{action: "FileCreated", name: tmp, folder: folder, size: 20_000 + g.r.Int64N(2_000_000)})
		g.file(d, tr+300*ms, p, fileEvent{action: "FileRenamed", name: doc, folder: folder, prevName: tmp, prevFolder: folder,
			sha1: sha1, sha256: sha256, md5: md5, size: 20_000 + g.r.Int64N(2_000_000)})
	} else {
		g.file(d, ts+g.jitter(2*minute), p, fileEvent{action: "FileModified", name: doc, folder: folder, sha1: sha1, sha256: sha256, md5: md5, size: 20_000 + g.r.Int64N(2_000_000)})
	}
	g.connect(d, ts+g.jitter(3*minute), s.onedrive, "ConnectionSuccess", pick(g.r, g.w.site("contoso-my.sharepoint.com").ips), 443, "contoso-my.sharepoint.com", "Tcp", "")
	g.registry(d, ts+g.jitter(2*minute), p, "RegistryValueSet", `HKEY_CURRENT_USER\`+s.user.sid+`\Software\Microsoft\Office\16.0\`+strings.TrimSuffix(p.bin.desc[len("Microsoft "):], "")+`\User MRU\AD_4D1E3C8B1F7A4F3C\File MRU`,
		"Item 1", "RegistryValueType.String", "[F00000000][T01DB"+strings.ToUpper(strconv.FormatInt(ts/1e9, 16))+"][O00000000]*"+folder+`\`+doc, "")
}

func (g *gen) fileShare(d *device, s *session, ts int64) {
	fs := g.w.fileServer
	u := s.user
	logonID := 0x100000 + g.r.Int64N(0xf00000)
	g.connect(d, ts, d.sys["system"], "ConnectionSuccess", fs.ip, 445, "", "Tcp", "")
	dc := pick(g.r, g.w.dcs)
	g.security(dc, ts+20*ms, secEvent{id: 4769, tgt: u, ip: "::ffff:" + d.ip, port: strconv.Itoa(49152 + g.r.IntN(16000)), status: "0x0", serviceName: fs.short + "$"})
	g.identityLogon(ts+30*ms, idLogon{action: "LogonSuccess", logonType: "Resource access", protocol: "Kerberos", u: u, from: d, dc: dc, destPort: 88, target: fs})
	g.inbound(fs, ts+40*ms, fs.sys["system"], d.ip, 445)
	g.deviceLogon(fs, ts+50*ms, fs.sys["lsass"], logonEvent{action: "LogonSuccess", logonType: "Network", protocol: "Kerberos", u: u,
		remoteDevice: d.short, remoteIP: d.ip, logonID: logonID})
	g.security(fs, ts+50*ms, secEvent{id: 4624, subjSys: "-", subjLogon: "0x0", tgt: u, tgtLogon: hexLogon(logonID), logonType: 3,
		logonProc: "Kerberos", authPkg: "Kerberos", ip: d.ip, port: strconv.Itoa(49152 + g.r.IntN(16000)), processID: "0x0", process: "-",
		elevated: "%%1843", logonGUID: "{" + guid(g.r) + "}"})
	share := pick(g.r, []string{"Finance", "Sales", "Marketing", "Shared", "HR", "Engineering"})
	doc := pick(g.r, docNames)
	folder := `D:\Shares\` + share
	sha1, sha256, md5 := fileHashes(folder+`\`+doc, ts/day)
	action := "FileModified"
	if g.r.IntN(4) == 0 {
		action = "FileCreated"
	}
	g.file(fs, ts+g.jitter(2*minute), fs.sys["system"], fileEvent{action: action, name: doc, folder: folder, sha1: sha1, sha256: sha256, md5: md5,
		size: 30_000 + g.r.Int64N(3_000_000), reqProto: "SMB", reqIP: d.ip, reqUser: u.sam, reqDomain: netbios, reqSID: u.sid, share: share})
	g.security(fs, ts+g.jitter(20*minute)+2*minute, secEvent{id: 4634, tgt: u, tgtLogon: hexLogon(logonID), logonType: 3})
}

var launchApps = []string{"notepad", "acrobat", "mstsc", "7zfm", "notepad", "acrobat"}

func (g *gen) appLaunch(d *device, s *session, ts int64) {
	key := pick(g.r, launchApps)
	b := g.w.bins[key]
	if key == "mstsc" && !s.user.admin && s.user.dept != "IT" && s.user.dept != "Engineering" {
		b = g.w.bins["notepad"]
	}
	p := g.spawn(d, ts, s.explorer, b, `"`+b.path+`"`)
	g.imageLoad(d, ts+150*ms, p, pick(g.r, g.w.dlls[:9]))
	if b.name == "Acrobat.exe" {
		g.connect(d, ts+3*second, p, "ConnectionSuccess", pick(g.r, g.w.site("acroipm2.adobe.com").ips), 443, "acroipm2.adobe.com", "Tcp", "")
	}
	if g.r.IntN(2) == 0 {
		g.spawn(d, ts+g.jitter(minute), d.sys["svc-dcom"], g.w.bins["runtimebroker"], `C:\Windows\System32\RuntimeBroker.exe -Embedding`).user = s.user
	}
}

var cliCommands = [][2]string{
	{"ipconfig", "ipconfig /all"}, {"ping", "ping -n 4 fs01.corp.contoso.com"}, {"nslookup", "nslookup contoso.sharepoint.com"},
	{"whoami", "whoami"}, {"net", "net use"}, {"gpupdate", "gpupdate /force"},
}

var psCommands = []string{"Get-Service | Where-Object Status -eq 'Running'", "Get-ADUser -Filter * -SearchBase 'OU=Users,OU=London,DC=corp,DC=contoso,DC=com'",
	"Test-NetConnection fs01.corp.contoso.com -Port 445", "Get-ChildItem C:\\Temp -Recurse | Remove-Item -Force", "Get-WinEvent -LogName System -MaxEvents 50",
	"Invoke-Command -ComputerName app01 -ScriptBlock { Restart-Service W3SVC }"}

func (g *gen) cli(d *device, s *session, ts int64) {
	b := g.w.bins
	if s.user.dept == "IT" || s.user.dept == "Engineering" || g.r.IntN(4) == 0 {
		ps := g.spawn(d, ts, s.explorer, b["powershell"], `"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" `)
		g.spawn(d, ts+50*ms, ps, b["conhost"], `\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1`)
		g.imageLoad(d, ts+300*ms, ps, g.w.dlls[9])
		g.imageLoad(d, ts+320*ms, ps, g.w.dlls[0])
		cmd := pick(g.r, psCommands)
		g.deviceEvent(d, ts+g.jitter(2*minute), ps, deviceEvent{action: "PowerShellCommand", additional: `{"Command":` + string(jsonw.AppendString(nil, strings.Fields(cmd)[0])) + `}`})
		return
	}
	c := pick(g.r, cliCommands)
	cmdp := g.spawn(d, ts, s.explorer, b["cmd"], `"C:\Windows\system32\cmd.exe" `)
	g.spawn(d, ts+50*ms, cmdp, b["conhost"], `\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1`)
	g.spawn(d, ts+g.jitter(time.Minute.Nanoseconds()), cmdp, b[c[0]], c[1])
}

// adminRDP is an administrator's Remote Desktop session to a server from their own workstation.
func (g *gen) adminRDP(ts int64) {
	adm := pick(g.r, g.w.admins)
	var from *device
	for _, u := range g.w.people {
		if "adm-"+u.sam == adm.sam {
			from = u.ws
		}
	}
	if from == nil || from.sess == nil {
		return
	}
	srv := pick(g.r, append(g.w.servers[:len(g.w.servers):len(g.w.servers)], g.w.dcs...))
	m := g.spawn(from, ts, from.sess.explorer, g.w.bins["mstsc"], `"C:\Windows\system32\mstsc.exe" /v:`+srv.name)
	g.connect(from, ts+2*second, m, "ConnectionSuccess", srv.ip, 3389, "", "Tcp", "")
	dc := pick(g.r, g.w.dcs)
	g.security(dc, ts+2*second+10*ms, secEvent{id: 4769, tgt: adm, ip: "::ffff:" + from.ip, port: strconv.Itoa(49152 + g.r.IntN(16000)), status: "0x0", serviceName: srv.short + "$"})
	g.identityLogon(ts+2*second+20*ms, idLogon{action: "LogonSuccess", logonType: "Remote desktop", protocol: "Kerberos", u: adm, from: from, dc: dc, destPort: 88, target: srv})
	g.inbound(srv, ts+2*second+30*ms, srv.sys["svc-dcom"], from.ip, 3389)
	id := 0x1000000 + g.r.Int64N(0x8000000)
	at := ts + 4*second
	g.deviceLogon(srv, at, srv.sys["lsass"], logonEvent{action: "LogonSuccess", logonType: "RemoteInteractive", protocol: "Kerberos", u: adm,
		remoteDevice: from.short, remoteIP: from.ip, logonID: id, localAdmin: true})
	g.security(srv, at, secEvent{id: 4624, subjSys: "$", subjLogon: "0x3e7", tgt: adm, tgtLogon: hexLogon(id), logonType: 10,
		logonProc: "User32 ", authPkg: "Negotiate", workstation: srv.short, ip: from.ip, port: "0", elevated: "%%1842"})
	g.security(srv, at+ms, secEvent{id: 4672, subj: adm, subjLogon: hexLogon(id), privileges: privilegesAdmin})
	p := g.spawnAs(srv, at+3*second, srv.sys["winlogon"], g.w.bins["userinit"], `C:\Windows\system32\userinit.exe`, adm, "")
	p.logonID = id
	ex := g.spawn(srv, at+4*second, p, g.w.bins["explorer"], `C:\Windows\Explorer.EXE`)
	if g.r.IntN(2) == 0 {
		g.spawn(srv, at+time.Minute.Nanoseconds()+g.jitter(5*minute), ex, g.w.bins["powershell"], `"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" `)
	}
	g.security(srv, at+10*minute+g.jitter(40*minute), secEvent{id: 4634, tgt: adm, tgtLogon: hexLogon(id), logonType: 10})
}

func (g *gen) lockUnlock(d *device, s *session, ts int64) {
	g.security(d, ts, secEvent{id: 4800, tgt: s.user, tgtLogon: hexLogon(s.logonID)})
	back := ts + 2*minute + g.jitter(40*minute)
	g.security(d, back, secEvent{id: 4801, tgt: s.user, tgtLogon: hexLogon(s.logonID)})
	id := s.logonID + 1 + g.r.Int64N(5000)
	g.deviceLogon(d, back+100*ms, d.sys["lsass"], logonEvent{action: "LogonSuccess", logonType: "Unlock", protocol: "Negotiate", u: s.user, logonID: id, localAdmin: d.localAdmins})
	g.security(d, back+100*ms, secEvent{id: 4624, subjSys: "$", subjLogon: "0x3e7", tgt: s.user, tgtLogon: hexLogon(id), logonType: 7,
		logonProc: "User32 ", authPkg: "Negotiate", workstation: d.short, ip: "127.0.0.1", port: "0", elevated: "%%1843"})
}

var downloads = []struct{ name, host string }{
	{"ZoomInstallerFull.exe", "zoom.us"}, {"AcroRdrDCx642400420220_en_US.exe", "www.adobe.com"},
	{"python-3.12.7-amd64.exe", "docs.python.org"}, {"report-export.zip", "contoso.my.salesforce.com"},
	{"7z2408-x64.exe", "objects.githubusercontent.com"}, {"statement.pdf", "contoso.sharepoint.com"},
}

func (g *gen) download(d *device, s *session, ts int64) {
	dl := pick(g.r, downloads)
	st := g.w.site(dl.host)
	ip := pick(g.r, st.ips)
	g.connect(d, ts, s.browser, "ConnectionSuccess", ip, 443, dl.host, "Tcp", "")
	folder := `C:\Users\` + s.user.sam + `\Downloads`
	sha1, sha256, md5 := fileHashes(dl.name, 1)
	g.file(d, ts+2*second+g.jitter(20*second), s.browser, fileEvent{action: "FileCreated", name: dl.name, folder: folder,
		sha1: sha1, sha256: sha256, md5: md5, size: 200_000 + g.r.Int64N(80_000_000), originURL: "https://" + dl.host + "/download/" + dl.name, originIP: ip})
	if strings.HasSuffix(dl.name, ".zip") {
		z := g.spawn(d, ts+time.Minute.Nanoseconds(), s.explorer, g.w.bins["7zg"], `"C:\Program Files\7-Zip\7zG.exe" x -o"`+folder+`\report-export\" -spe -an -ai#7zMap12345:40:7zEvent6789`)
		g.file(d, z.created+3*second, z, fileEvent{action: "FileCreated", name: "report.csv", folder: folder + `\report-export`, size: 1_200_000})
	}
}
