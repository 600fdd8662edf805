package demo

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// machineActivity simulates one unit of work of the machines themselves.
func (g *gen) machineActivity(hs int64) {
	r := g.r
	ts := g.at(hs)
	x := r.IntN(100)
	if x < 14 {
		g.linuxWork(pick(r, g.w.linux), ts)
		return
	}
	d := g.w.devices[r.IntN(len(g.w.devices))]
	for d.kind == kindLinux {
		d = g.w.devices[r.IntN(len(g.w.devices))]
	}
	switch {
	case x < 40:
		g.systemNet(d, ts)
	case x < 54:
		g.scheduledTask(d, ts)
	case x < 64:
		g.registryNoise(d, ts)
	case x < 72:
		g.fileNoise(d, ts)
	case x < 86:
		g.dcWork(ts)
	case x < 93:
		g.serverWork(pick(r, g.w.servers), ts)
	default:
		g.eventNoise(d, ts)
	}
}

var telemetryHosts = []string{"settings-win.data.microsoft.com", "v10.events.data.microsoft.com", "wdcp.microsoft.com",
	"winatp-gw-eus.microsoft.com", "ctldl.windowsupdate.com", "fe3cr.delivery.mp.microsoft.com", "go.microsoft.com", "edge.microsoft.com"}

func (g *gen) systemNet(d *device, ts int64) {
	host := pick(g.r, telemetryHosts)
	st := g.w.site(host)
	var p *proc
	switch host {
	case "wdcp.microsoft.com":
		p = d.sys["msmpeng"]
	case "winatp-gw-eus.microsoft.com":
		p = d.sys["mssense"]
	case "v10.events.data.microsoft.com", "settings-win.data.microsoft.com":
		p = d.sys["svc-utc"]
	case "ctldl.windowsupdate.com":
		p = d.sys["svc-wu"]
	default:
		p = d.sys["svc-bits"]
	}
	dc := g.w.dcs[int(d.ip[len(d.ip)-1])%len(g.w.dcs)]
	if d.kind != kindDC {
		g.connect(d, ts, d.sys["svc-dns"], "ConnectionSuccess", dc.ip, 53, "", "Udp", "")
	}
	g.connect(d, ts+g.jitter(200*ms), p, "ConnectionSuccess", pick(g.r, st.ips), st.port, host, "Tcp", "")
	if g.r.IntN(3) == 0 {
		g.connect(d, ts+g.jitter(5*second), p, "ConnectionSuccess", pick(g.r, st.ips), st.port, host, "Tcp", "")
	}
}

var tasks = []struct{ key, cmd string }{
	{"taskhostw", "taskhostw.exe Install $(Arg0)"}, {"taskhostw", "taskhostw.exe -RegisterDevice -ProtectionStateChanged -FreeNetworkOnly"},
	{"compattel", `C:\Windows\system32\compattelrunner.exe -maintenance`}, {"mousocore", `C:\Windows\System32\mousocoreworker.exe -Embedding`},
	{"bgtaskhost", `"C:\Windows\system32\backgroundTaskHost.exe" -ServerName:BackgroundTaskHost.WebAccountProvider`},
	{"searchproto", `"C:\Windows\system32\SearchProtocolHost.exe" Global\UsGthrFltPipeMssGthrPipe1_ Global\UsGthrCtrlFltPipeMssGthrPipe1 1 -2147483646 "Software\Microsoft\Windows Search" "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT; MS Search 4.0 Robot)" "C:\ProgramData\Microsoft\Search\Data\Temp\usgthrsvc" "DownLevelDaemon"`},
	{"sppsvc", `C:\Windows\system32\sppsvc.exe`}, {"wermgr", `C:\Windows\system32\wermgr.exe -upload`},
	{"gpupdate", `gpupdate.exe /target:computer`}, {"dllhost", `C:\Windows\system32\DllHost.exe /Processid:{AB8902B4-09CA-4BB6-B78D-A8F59079A8D5}`},
}

func (g *gen) scheduledTask(d *device, ts int64) {
	tk := pick(g.r, tasks)
	parent := d.sys["svc-sched"]
	if tk.key == "sppsvc" {
		parent = d.sys["services"]
	}
	if tk.key == "dllhost" || tk.key == "mousocore" {
		parent = d.sys["svc-dcom"]
	}
	p := g.spawn(d, ts, parent, g.w.bins[tk.key], tk.cmd)
	n := 1 + g.r.IntN(3)
	for i := 0; i < n; i++ {
		g.imageLoad(d, ts+int64(i+1)*40*ms, p, pick(g.r, g.w.dlls[:9]))
	}
	if g.r.IntN(2) == 0 {
		g.registry(d, ts+g.jitter(3*second), p, "RegistryValueSet", `HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Schedule\TaskCache\Tree\Microsoft\Windows\`+strings.TrimSuffix(p.bin.name, ".exe"),
			"Index", "RegistryValueType.Dword", strconv.Itoa(1+g.r.IntN(4)), "")
	}
	if g.r.IntN(2) == 0 {
		g.file(d, ts+g.jitter(10*second), p, fileEvent{action: "FileCreated", name: fmt.Sprintf("%s-%08X.pf", strings.ToUpper(p.bin.name), g.r.Uint32()), folder: `C:\Windows\Prefetch`, size: 2_000 + g.r.Int64N(60_000)})
	}
}

var regNoise = []struct{ proc, key, name, typ string }{
	{"svc-sched", `HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\bam\State\UserSettings`, `\Device\HarddiskVolume3\Windows\System32\svchost.exe`, "RegistryValueType.Binary"},
	{"msmpeng", `HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows Defender\Signature Updates`, "SignaturesLastUpdated", "RegistryValueType.Binary"},
	{"svc-wu", `HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\WindowsUpdate\UX\StateVariables`, "LastScanTime", "RegistryValueType.String"},
	{"services", `HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\W32Time\Config`, "LastKnownGoodTime", "RegistryValueType.Qword"},
	{"svc-utc", `HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Diagnostics\DiagTrack`, "LastSuccessfulUploadTime", "RegistryValueType.Qword"},
	{"mssense", `HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows Advanced Threat Protection\Status`, "LastConnected", "RegistryValueType.Qword"},
}

func (g *gen) registryNoise(d *device, ts int64) {
	n := pick(g.r, regNoise)
	val := strconv.FormatInt(ts/100+116444736000000000, 10)
	g.registry(d, ts, d.sys[n.proc], "RegistryValueSet", n.key, n.name, n.typ, val, strconv.FormatInt((ts-hour)/100+116444736000000000, 10))
	if g.r.IntN(3) == 0 && d.sess != nil {
		u := d.sess.user
		g.registry(d, ts+g.jitter(second), d.sess.explorer, "RegistryValueSet", `HKEY_CURRENT_USER\`+u.sid+`\Software\Microsoft\Windows\CurrentVersion\Explorer\UserAssist\{CEBFF5CD-ACE2-4F4F-9178-9926F41749EA}\Count`,
			"HRZR_PGYFRFFVBA", "RegistryValueType.Binary", "", "")
	}
}

func (g *gen) fileNoise(d *device, ts int64) {
	switch g.r.IntN(3) {
	case 0:
		p := d.sys["msmpeng"]
		g.file(d, ts, p, fileEvent{action: "FileCreated", name: fmt.Sprintf("mpenginedb.db-%x", g.r.Uint32()), folder: `C:\ProgramData\Microsoft\Windows Defender\Scans`, size: 1_000_000 + g.r.Int64N(4_000_000)})
	case 1:
		p := d.sys["svc-sysmain"]
		g.file(d, ts, p, fileEvent{action: "FileModified", name: "AgGlGlobalHistory.db", folder: `C:\Windows\Prefetch`, size: 100_000 + g.r.Int64N(2_000_000)})
	default:
		p := d.sys["svc-wu"]
		name := fmt.Sprintf("%s.tmp", hexID(g.r, 8))
		g.file(d, ts, p, fileEvent{action: "FileCreated", name: name, folder: `C:\Windows\SoftwareDistribution\Download`, size: 4_000 + g.r.Int64N(9_000_000)})
		g.file(d, ts+g.jitter(time.Minute.Nanoseconds()), p, fileEvent{action: "FileDeleted", name: name, folder: `C:\Windows\SoftwareDistribution\Download`})
	}
}

func (g *gen) eventNoise(d *device, ts int64) {
	switch g.r.IntN(5) {
	case 0:
		g.deviceEvent(d, ts, d.sys["svc-sched"], deviceEvent{action: "ScheduledTaskUpdated",
			additional: `{"TaskName":"\\Microsoft\\Windows\\UpdateOrchestrator\\Schedule Scan","TaskContent":"<?xml version=\"1.0\" encoding=\"UTF-16\"?>"}`})
	case 1:
		g.deviceEvent(d, ts, d.sys["svc-dcom"], deviceEvent{action: "NamedPipeEvent", fileName: `\Device\NamedPipe\spoolss`,
			additional: `{"PipeName":"\\Device\\NamedPipe\\spoolss","PipeAction":"CreatePipe","NamedPipeEnd":"Server"}`})
	case 2:
		if s := d.sess; s != nil {
			st := g.w.site(pick(g.r, browseSites))
			g.deviceEvent(d, ts, s.outlook, deviceEvent{action: "BrowserLaunchedToOpenUrl", remoteURL: "https://" + st.host + "/"})
			return
		}
		g.deviceEvent(d, ts, d.sys["svc-dns"], deviceEvent{action: "DnsQueryResponse", additional: `{"DnsQueryString":"wpad.corp.contoso.com","DnsResponse":"NXDOMAIN"}`})
	case 3:
		if g.r.IntN(25) == 0 {
			g.softwareUpdate(d, ts)
			return
		}
		fallthrough
	default:
		g.deviceEvent(d, ts, d.sys["wmiprvse"], deviceEvent{action: "ProcessCreatedUsingWmiQuery", fileName: "WmiPrvSE.exe",
			additional: `{"Namespace":"root\\cimv2","Query":"SELECT * FROM Win32_Process"}`})
	}
}

var updates = []struct{ service, file, path, image string }{
	{"edgeupdate", "MicrosoftEdgeUpdate.exe", `C:\Program Files (x86)\Microsoft\EdgeUpdate\MicrosoftEdgeUpdate.exe`, `"C:\Program Files (x86)\Microsoft\EdgeUpdate\MicrosoftEdgeUpdate.exe" /svc`},
	{"MicrosoftEdgeElevationService", "elevation_service.exe", `C:\Program Files (x86)\Microsoft\Edge\Application\130.0.2849.80\elevation_service.exe`, `"C:\Program Files (x86)\Microsoft\Edge\Application\130.0.2849.80\elevation_service.exe"`},
	{"GoogleChromeElevationService", "elevation_service.exe", `C:\Program Files\Google\Chrome\Application\131.0.6778.86\elevation_service.exe`, `"C:\Program Files\Google\Chrome\Application\131.0.6778.86\elevation_service.exe"`},
	{"MpKslDrv", "MpKslDrv.sys", `C:\ProgramData\Microsoft\Windows Defender\Definition Updates\{8A1E4C25-5B0C-4D71-9C2A-7E3A2B1F6E40}\MpKslDrv.sys`, `\??\C:\ProgramData\Microsoft\Windows Defender\Definition Updates\{8A1E4C25-5B0C-4D71-9C2A-7E3A2B1F6E40}\MpKslDrv.sys`},
}

// softwareUpdate is a software update installing (re-registering) a service: benign noise for service hunting.
func (g *gen) softwareUpdate(d *device, ts int64) {
	u := pick(g.r, updates)
	g.spawn(d, ts, d.sys["services"], g.w.bins["msiexec"], `C:\Windows\system32\msiexec.exe /V`)
	g.deviceEvent(d, ts+3*second, d.sys["services"], deviceEvent{action: "ServiceInstalled", fileName: u.file, folder: u.path,
		acct:       &account{"nt authority", "system", "S-1-5-18", "", ""},
		additional: `{"ServiceName":"` + u.service + `","ServiceType":"Win32OwnProcess","ServiceStartType":"AutoStart","ServiceAccount":"LocalSystem"}`})
	if d.kind == kindServer || d.kind == kindDC {
		g.security(d, ts+3*second, secEvent{id: 4697, subjSys: "$", subjLogon: "0x3e7", serviceName: u.service, serviceFile: u.image,
			serviceType: "0x10", serviceStart: 2, serviceAcct: "LocalSystem"})
	}
}
