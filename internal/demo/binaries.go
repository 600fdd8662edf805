package demo

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
)

// binary is an executable image or library with its version information and hashes.
type binary struct {
	name    string // file name, e.g. cmd.exe
	path    string // full path including the file name (Defender's FolderPath)
	company string
	product string
	version string
	desc    string
	orig    string // original file name from the version resource
	size    int64
	signer  string // InitiatingProcessSignerType
	sha1    string
	sha256  string
	md5     string
}

// newBinary builds a binary; its hashes derive from path, version and salt, so the same image has the same hashes
// on every device and in every run.
func newBinary(dir, name, company, product, version, desc string, size int64, salt string) *binary {
	b := &binary{name: name, company: company, product: product, version: version, desc: desc, orig: name, size: size}
	sep := `\`
	if len(dir) > 0 && dir[0] == '/' {
		sep = "/"
	}
	b.path = dir + sep + name
	seed := "vigil-demo|" + b.path + "|" + version + "|" + salt
	s256 := sha256.Sum256([]byte(seed))
	s1 := sha1.Sum([]byte(seed))
	m5 := md5.Sum([]byte(seed))
	b.sha256, b.sha1, b.md5 = hex.EncodeToString(s256[:]), hex.EncodeToString(s1[:]), hex.EncodeToString(m5[:])
	switch company {
	case "Microsoft Corporation":
		b.signer = "OperatingSystem"
	case "":
		b.signer = ""
	default:
		b.signer = "ThirdParty"
	}
	return b
}

const (
	dirSys32  = `C:\Windows\System32`
	dirWin    = `C:\Windows`
	dirOffice = `C:\Program Files\Microsoft Office\root\Office16`
	msft      = "Microsoft Corporation"
	winProd   = "Microsoft® Windows® Operating System"
	winVer    = "10.0.22621.4317"
	officeVer = "16.0.17928.20156"
)

// binaries is the catalogue of images used by the generator, by short key.
type binaries map[string]*binary

func newBinaries() binaries {
	m := binaries{}
	add := func(key string, b *binary) { m[key] = b }
	sys := func(name, desc string, size int64) *binary {
		return newBinary(dirSys32, name, msft, winProd, winVer, desc, size, "")
	}
	add("system", newBinary("", "System", "", "", "", "", 0, ""))
	m["system"].path = ""
	add("smss", sys("smss.exe", "Windows Session Manager", 156_472))
	add("wininit", sys("wininit.exe", "Windows Start-Up Application", 438_272))
	add("winlogon", sys("winlogon.exe", "Windows Logon Application", 905_216))
	add("services", sys("services.exe", "Services and Controller app", 721_344))
	add("lsass", sys("lsass.exe", "Local Security Authority Process", 85_320))
	add("svchost", sys("svchost.exe", "Host Process for Windows Services", 57_360))
	add("userinit", sys("userinit.exe", "Userinit Logon Application", 34_304))
	add("explorer", newBinary(dirWin, "explorer.exe", msft, winProd, winVer, "Windows Explorer", 5_545_464, ""))
	add("cmd", sys("cmd.exe", "Windows Command Processor", 323_584))
	add("conhost", sys("conhost.exe", "Console Window Host", 1_028_096))
	add("powershell", newBinary(dirSys32+`\WindowsPowerShell\v1.0`, "powershell.exe", msft, winProd, winVer, "Windows PowerShell", 455_680, ""))
	m["powershell"].orig = "PowerShell.EXE"
	add("taskhostw", sys("taskhostw.exe", "Host Process for Windows Tasks", 103_424))
	add("rundll32", sys("rundll32.exe", "Windows host process (Rundll32)", 71_680))
	m["rundll32"].orig = "RUNDLL32.EXE"
	add("wmiprvse", newBinary(dirSys32+`\wbem`, "WmiPrvSE.exe", msft, winProd, winVer, "WMI Provider Host", 514_048, ""))
	add("whoami", sys("whoami.exe", "whoami - displays logged on user information", 80_896))
	add("net", sys("net.exe", "Net Command", 59_392))
	add("net1", sys("net1.exe", "Net Command", 183_296))
	add("nltest", sys("nltest.exe", "Microsoft® Logon Server Test Utility", 491_520))
	add("ipconfig", sys("ipconfig.exe", "IP Configuration Utility", 35_328))
	add("ping", sys("PING.EXE", "TCP/IP Ping Command", 22_016))
	add("nslookup", sys("nslookup.exe", "nslookup", 96_768))
	add("reg", sys("reg.exe", "Registry Console Tool", 77_312))
	add("schtasks", sys("schtasks.exe", "Task Scheduler Configuration Tool", 235_520))
	add("sc", sys("sc.exe", "Service Control Manager Configuration Tool", 70_144))
	add("gpupdate", sys("gpupdate.exe", "Microsoft® Group Policy Update Utility", 34_816))
	add("fodhelper", sys("fodhelper.exe", "Features On Demand Helper", 49_664))
	add("searchidx", sys("SearchIndexer.exe", "Microsoft Windows Search Indexer", 1_047_552))
	add("searchproto", sys("SearchProtocolHost.exe", "Microsoft Windows Search Protocol Host", 455_680))
	add("dllhost", sys("dllhost.exe", "COM Surrogate", 21_312))
	add("bgtaskhost", sys("backgroundTaskHost.exe", "Background Task Host", 24_576))
	add("runtimebroker", sys("RuntimeBroker.exe", "Runtime Broker", 139_264))
	add("mousocore", sys("MoUsoCoreWorker.exe", "MoUSO Core Worker Process", 1_298_432))
	add("curl", sys("curl.exe", "The curl executable", 550_912))
	add("msiexec", sys("msiexec.exe", "Windows® installer", 70_144))
	add("sihost", sys("sihost.exe", "Shell Infrastructure Host", 135_168))
	add("ctfmon", sys("ctfmon.exe", "CTF Loader", 20_480))
	add("mstsc", sys("mstsc.exe", "Remote Desktop Connection", 1_372_160))
	add("notepad", newBinary(`C:\Program Files\WindowsApps\Microsoft.WindowsNotepad_11.2409.9.0_x64__8wekyb3d8bbwe\Notepad`, "Notepad.exe", msft, "Microsoft Windows Notepad", "11.2409.9.0", "Notepad", 2_392_064, ""))
	add("compattel", sys("CompatTelRunner.exe", "Microsoft Compatibility Telemetry", 224_768))
	add("sppsvc", sys("sppsvc.exe", "Microsoft Software Protection Platform Service", 4_470_784))
	add("wermgr", sys("wermgr.exe", "Windows Problem Reporting", 217_600))
	add("dns", sys("dns.exe", "Domain Name System (DNS) Server", 2_736_128))
	add("msmpeng", newBinary(`C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.24090.11-0`, "MsMpEng.exe", msft, "Microsoft® Windows® Operating System", "4.18.24090.11", "Antimalware Service Executable", 133_432, ""))
	add("mpcmdrun", newBinary(`C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.24090.11-0`, "MpCmdRun.exe", msft, "Microsoft® Windows® Operating System", "4.18.24090.11", "Microsoft Malware Protection Command Line Utility", 1_556_344, ""))
	add("mssense", newBinary(`C:\Program Files\Windows Defender Advanced Threat Protection`, "MsSense.exe", msft, "Microsoft® Windows® Operating System", "10.8760.22621.1016", "Windows Defender Advanced Threat Protection Service Executable", 4_372_920, ""))
	add("winword", newBinary(dirOffice, "WINWORD.EXE", msft, "Microsoft Office", officeVer, "Microsoft Word", 1_648_512, ""))
	add("excel", newBinary(dirOffice, "EXCEL.EXE", msft, "Microsoft Office", officeVer, "Microsoft Excel", 71_045_504, ""))
	add("powerpnt", newBinary(dirOffice, "POWERPNT.EXE", msft, "Microsoft Office", officeVer, "Microsoft PowerPoint", 1_946_496, ""))
	add("outlook", newBinary(dirOffice, "OUTLOOK.EXE", msft, "Microsoft Office", officeVer, "Microsoft Outlook", 43_473_792, ""))
	add("teams", newBinary(`C:\Program Files\WindowsApps\MSTeams_24295.605.3225.8804_x64__8wekyb3d8bbwe`, "ms-teams.exe", msft, "Microsoft Teams", "24295.605.3225.8804", "Microsoft Teams", 1_104_744, ""))
	add("onedrive", newBinary(`C:\Program Files\Microsoft OneDrive`, "OneDrive.exe", msft, "Microsoft OneDrive", "24.201.1006.0005", "Microsoft OneDrive", 3_646_832, ""))
	add("msedge", newBinary(`C:\Program Files (x86)\Microsoft\Edge\Application`, "msedge.exe", msft, "Microsoft Edge", "130.0.2849.80", "Microsoft Edge", 4_124_712, ""))
	add("chrome", newBinary(`C:\Program Files\Google\Chrome\Application`, "chrome.exe", "Google LLC", "Google Chrome", "131.0.6778.86", "Google Chrome", 2_818_584, ""))
	add("acrobat", newBinary(`C:\Program Files\Adobe\Acrobat DC\Acrobat`, "Acrobat.exe", "Adobe Inc.", "Adobe Acrobat", "24.4.20220.0", "Adobe Acrobat", 6_342_112, ""))
	add("7zfm", newBinary(`C:\Program Files\7-Zip`, "7zFM.exe", "Igor Pavlov", "7-Zip", "24.08", "7-Zip File Manager", 1_014_784, ""))
	add("7zg", newBinary(`C:\Program Files\7-Zip`, "7zG.exe", "Igor Pavlov", "7-Zip", "24.08", "7-Zip GUI", 709_120, ""))
	add("sqlservr", newBinary(`C:\Program Files\Microsoft SQL Server\MSSQL16.MSSQLSERVER\MSSQL\Binn`, "sqlservr.exe", msft, "Microsoft SQL Server", "2022.160.4145.4", "SQL Server Windows NT - 64 Bit", 506_424, ""))
	add("w3wp", newBinary(dirSys32+`\inetsrv`, "w3wp.exe", msft, "Internet Information Services", winVer, "IIS Worker Process", 31_232, ""))
	add("dfsrs", sys("dfsrs.exe", "Distributed File System Replication", 3_715_072))

	lin := func(dir, name string, size int64) *binary {
		return newBinary(dir, name, "", "", "", "", size, "")
	}
	add("l-systemd", lin("/usr/lib/systemd", "systemd", 1_849_992))
	add("l-sshd", lin("/usr/sbin", "sshd", 921_416))
	add("l-cron", lin("/usr/sbin", "cron", 55_944))
	add("l-sh", lin("/usr/bin", "dash", 125_688))
	add("l-bash", lin("/usr/bin", "bash", 1_396_520))
	add("l-sudo", lin("/usr/bin", "sudo", 232_416))
	add("l-python", lin("/usr/bin", "python3.10", 5_912_000))
	add("l-logrotate", lin("/usr/sbin", "logrotate", 100_728))
	add("l-apt", lin("/usr/bin", "apt-get", 18_824))
	add("l-curl", lin("/usr/bin", "curl", 260_328))
	add("l-nginx", lin("/usr/sbin", "nginx", 1_190_152))
	add("l-postgres", lin("/usr/lib/postgresql/14/bin", "postgres", 9_412_760))
	add("l-ps", lin("/usr/bin", "ps", 137_688))
	add("l-tar", lin("/usr/bin", "tar", 535_720))
	add("l-find", lin("/usr/bin", "find", 320_160))
	add("l-mdatp", lin("/opt/microsoft/mdatp/sbin", "wdavdaemon", 41_283_112))
	return m
}

func newDLLs() []*binary {
	d := func(dir, name, desc string, size int64) *binary {
		return newBinary(dir, name, msft, winProd, winVer, desc, size, "")
	}
	return []*binary{
		d(dirSys32, "amsi.dll", "Anti-Malware Scan Interface", 99_840),
		d(dirSys32, "wininet.dll", "Internet Extensions for Win32", 4_919_296),
		d(dirSys32, "winhttp.dll", "Windows HTTP Services", 1_034_240),
		d(dirSys32, "dbghelp.dll", "Windows Image Helper", 1_928_192),
		d(dirSys32, "samlib.dll", "SAM Library DLL", 134_144),
		d(dirSys32, "vaultcli.dll", "Credential Vault Client Library", 229_376),
		d(dirSys32, "taskschd.dll", "Task Scheduler COM API", 685_056),
		d(dirSys32, "wldp.dll", "Windows Lockdown Policy", 274_432),
		d(dirSys32, "mscoree.dll", "Microsoft .NET Runtime Execution Engine", 389_120),
		d(`C:\Windows\Microsoft.NET\Framework64\v4.0.30319`, "clr.dll", "Microsoft .NET Runtime Common Language Runtime", 10_664_472),
		d(dirOffice, "mso20win32client.dll", "Microsoft Office 2016 component", 6_342_368),
		d(`C:\Program Files\Common Files\Microsoft Shared\VBA\VBA7.1`, "VBE7.DLL", "Visual Basic for Applications Runtime", 4_170_056),
		d(dirSys32, "comsvcs.dll", "COM+ Services", 1_402_880),
		d(dirSys32, "webio.dll", "Web Transfer Protocols API", 723_968),
		d(dirSys32, "dnsapi.dll", "DNS Client API DLL", 911_360),
	}
}
