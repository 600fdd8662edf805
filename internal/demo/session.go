package demo

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// initDevices starts the long-running processes of every device at its boot time.
func (g *gen) initDevices(r *rand.Rand) {
	g.r = r
	b := g.w.bins
	for _, d := range g.w.devices {
		t := d.boot
		sp := func(key, parentKey string, bin *binary, cmd, acct string, off int64) *proc {
			p := g.newProc(d, t+off, d.sys[parentKey], bin, cmd, nil, acct)
			if d.kind != kindLinux {
				// Processes started at boot have low, ascending PIDs.
				p.pid = 4 * int64(40+len(d.sys)*45+r.IntN(40))
			}
			d.sys[key] = p
			return p
		}
		if d.kind == kindLinux {
			sp("systemd", "", b["l-systemd"], "/sbin/init splash", "root", 0).pid = 1
			sp("sshd", "systemd", b["l-sshd"], "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups", "root", 4*second)
			sp("cron", "systemd", b["l-cron"], "/usr/sbin/cron -f -P", "root", 4*second)
			sp("mdatp", "systemd", b["l-mdatp"], "/opt/microsoft/mdatp/sbin/wdavdaemon", "root", 6*second)
			switch d.role {
			case "web":
				sp("app", "systemd", b["l-nginx"], "nginx: master process /usr/sbin/nginx -g daemon on; master_process on;", "root", 8*second)
			case "db":
				sp("app", "systemd", b["l-postgres"], "/usr/lib/postgresql/14/bin/postgres -D /var/lib/postgresql/14/main -c config_file=/etc/postgresql/14/main/postgresql.conf", "postgres", 8*second)
			}
			continue
		}
		sp("system", "", b["system"], "", "system", 0).pid = 4
		sp("smss", "system", b["smss"], `\SystemRoot\System32\smss.exe`, "system", 2*second)
		sp("wininit", "smss", b["wininit"], "wininit.exe", "system", 5*second)
		sp("winlogon", "smss", b["winlogon"], "winlogon.exe", "system", 5*second)
		sp("services", "wininit", b["services"], `C:\Windows\system32\services.exe`, "system", 6*second)
		sp("lsass", "wininit", b["lsass"], `C:\Windows\system32\lsass.exe`, "system", 6*second)
		sp("svc-dcom", "services", b["svchost"], `C:\Windows\system32\svchost.exe -k DcomLaunch -p`, "system", 7*second)
		sp("svc-sched", "services", b["svchost"], `C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule`, "system", 9*second)
		sp("svc-dns", "services", b["svchost"], `C:\Windows\system32\svchost.exe -k NetworkService -p -s Dnscache`, "network service", 9*second)
		sp("svc-wu", "services", b["svchost"], `C:\Windows\system32\svchost.exe -k netsvcs -p -s wuauserv`, "system", 12*second)
		sp("svc-bits", "services", b["svchost"], `C:\Windows\System32\svchost.exe -k netsvcs -p -s BITS`, "system", 12*second)
		sp("svc-sysmain", "services", b["svchost"], `C:\Windows\system32\svchost.exe -k LocalSystemNetworkRestricted -p -s SysMain`, "system", 10*second)
		sp("svc-utc", "services", b["svchost"], `C:\Windows\System32\svchost.exe -k utcsvc -p`, "system", 11*second)
		sp("msmpeng", "services", b["msmpeng"], `"C:\ProgramData\Microsoft\Windows Defender\platform\4.18.24090.11-0\MsMpEng.exe"`, "system", 8*second)
		sp("mssense", "services", b["mssense"], `"C:\Program Files\Windows Defender Advanced Threat Protection\MsSense.exe"`, "system", 10*second)
		sp("wmiprvse", "svc-dcom", b["wmiprvse"], `C:\Windows\system32\wbem\wmiprvse.exe -secured -Embedding`, "network service", 30*second)
		switch {
		case d.kind == kindDC:
			sp("dns", "services", b["dns"], `C:\Windows\system32\dns.exe`, "system", 14*second)
			sp("dfsrs", "services", b["dfsrs"], `C:\Windows\system32\DFSRs.exe`, "system", 14*second)
		case d.role == "sql":
			p := sp("app", "services", b["sqlservr"], `"C:\Program Files\Microsoft SQL Server\MSSQL16.MSSQLSERVER\MSSQL\Binn\sqlservr.exe" -sMSSQLSERVER`, "", 20*second)
			p.user = g.w.services[min(1, len(g.w.services)-1)]
			p.integrity, p.elevation = "High", "TokenElevationTypeDefault"
		case d.role == "web" || d.role == "app":
			sp("app", "svc-dcom", b["w3wp"], `c:\windows\system32\inetsrv\w3wp.exe -ap "DefaultAppPool" -v "v4.0" -l "webengine4.dll" -a \\.\pipe\iisipm5b0c3f4e -h "C:\inetpub\temp\apppools\DefaultAppPool\DefaultAppPool.config" -w "" -m 0 -t 20`, "network service", 25*second)
		case d.kind == kindWorkstation:
			sp("searchidx", "services", b["searchidx"], `C:\Windows\system32\SearchIndexer.exe /Embedding`, "system", 20*second)
		}
	}
}

// hourly writes the periodic reports of the hour starting at hs and opens and closes the working day.
func (g *gen) hourly(hs int64, h int) {
	for _, d := range g.w.devices {
		off := int64(len(d.id)+int(d.id[0])+int(d.id[1])*7) % 3600 * second
		g.deviceInfo(d, hs+off+g.jitter(second))
	}
	if h%24 == 0 {
		for _, u := range g.w.users {
			g.identityInfo(u, hs+2*hour+g.jitter(20*minute))
		}
	}
	hod := time.Unix(0, hs).UTC().Hour()
	hm := time.Unix(0, hs).UTC().Minute()
	for _, d := range g.w.ws {
		if d.sess == nil {
			continue
		}
		// Minutes from the start of this hour to the user's usual leaving time.
		left := d.user.leave - hod*60 - hm
		switch {
		case left >= 0 && left < 60:
			d.logoffAt = hs + int64(left)*minute + g.jitter(minute)
		case hod == 21:
			d.logoffAt = g.at(hs)
		}
	}
	if hod == 2 {
		// Nightly Defender scan and definition update on every Windows device.
		for _, d := range g.w.devices {
			if d.windows() {
				ts := g.at(hs)
				g.deviceEvent(d, ts, d.sys["msmpeng"], deviceEvent{action: "AntivirusScanCompleted",
					additional: `{"ScanTypeIndex":"Quick","DurationSeconds":` + strconv.Itoa(60+g.r.IntN(500)) + `}`})
				mp := g.spawn(d, ts+g.jitter(5*minute), d.sys["svc-sched"], g.w.bins["mpcmdrun"], `"C:\ProgramData\Microsoft\Windows Defender\platform\4.18.24090.11-0\MpCmdRun.exe" -SignatureUpdate -ScheduleJob -RestrictPrivileges`)
				g.connect(d, mp.created+2*second, mp, "ConnectionSuccess", pick(g.r, g.w.site("fe3cr.delivery.mp.microsoft.com").ips), 443, "fe3cr.delivery.mp.microsoft.com", "Tcp", "")
			}
		}
	}
}

// logon opens an interactive session for d's primary user at ts.
func (g *gen) logon(d *device, ts int64) {
	u := d.user
	b := g.w.bins
	s := &session{user: u, logonID: 0x1000000 + g.r.Int64N(0x8000000), start: ts}
	d.sess = s
	dc := pick(g.r, g.w.dcs)
	if g.r.IntN(12) == 0 {
		// A mistyped password first.
		tf := ts - 15*second - g.jitter(20*second)
		g.security(dc, tf-10*ms, secEvent{id: 4771, tgt: u, ip: "::ffff:" + d.ip, port: strconv.Itoa(49152 + g.r.IntN(16000)), status: "0x18", serviceName: "krbtgt/" + strings.ToUpper(adDomain)})
		g.identityLogon(tf, idLogon{action: "LogonFailed", logonType: "Interactive", protocol: "Kerberos", failure: "WrongPassword", u: u, from: d, dc: dc, destPort: 88, target: d})
		g.deviceLogon(d, tf, d.sys["lsass"], logonEvent{action: "LogonFailed", logonType: "Interactive", protocol: "Kerberos", failure: "InvalidUserNameOrPassword", u: u})
		g.security(d, tf, secEvent{id: 4625, subjSys: "$", subjLogon: "0x3e7", tgt: u, logonType: 2, logonProc: "User32 ", authPkg: "Negotiate",
			workstation: d.short, ip: "127.0.0.1", port: "0", status: "0xc000006d", subStatus: "0xc000006a", failure: "%%2313",
			process: `C:\Windows\System32\svchost.exe`, processID: hexLogon(d.sys["svc-sched"].pid)})
	}
	g.security(dc, ts-300*ms, secEvent{id: 4768, tgt: u, ip: "::ffff:" + d.ip, port: strconv.Itoa(49152 + g.r.IntN(16000)),
		status: "0x0", serviceName: "krbtgt"})
	g.security(dc, ts-200*ms, secEvent{id: 4769, tgt: u, ip: "::ffff:" + d.ip, port: strconv.Itoa(49152 + g.r.IntN(16000)),
		status: "0x0", serviceName: d.short + "$"})
	g.identityLogon(ts-100*ms, idLogon{action: "LogonSuccess", logonType: "Interactive", protocol: "Kerberos", u: u, from: d, dc: dc, destPort: 88, target: d})
	g.deviceLogon(d, ts, d.sys["lsass"], logonEvent{action: "LogonSuccess", logonType: "Interactive", protocol: "Kerberos",
		u: u, logonID: s.logonID, localAdmin: d.localAdmins})
	g.security(d, ts, secEvent{id: 4624, subjSys: "$", subjLogon: "0x3e7", tgt: u, tgtLogon: hexLogon(s.logonID), logonType: 2,
		logonProc: "User32 ", authPkg: "Negotiate", workstation: d.short, ip: "127.0.0.1", port: "0",
		process: `C:\Windows\System32\svchost.exe`, processID: hexLogon(d.sys["svc-sched"].pid), elevated: "%%1843",
		logonGUID: "{" + guid(g.r) + "}"})
	if d.localAdmins {
		g.security(d, ts+ms, secEvent{id: 4672, subj: u, subjLogon: hexLogon(s.logonID), privileges: privilegesAdmin})
	}
	ui := g.spawnAs(d, ts+2*second, d.sys["winlogon"], b["userinit"], `C:\Windows\system32\userinit.exe`, u, "")
	ui.logonID = s.logonID
	s.explorer = g.spawn(d, ts+3*second, ui, b["explorer"], `C:\Windows\Explorer.EXE`)
	g.spawn(d, ts+4*second, d.sys["svc-dcom"], b["sihost"], "sihost.exe").user = u
	s.onedrive = g.spawn(d, ts+9*second, s.explorer, b["onedrive"], `"C:\Program Files\Microsoft OneDrive\OneDrive.exe" /background`)
	s.teams = g.spawn(d, ts+11*second, s.explorer, b["teams"], `"ms-teams.exe" --system-initiated`)
	g.connect(d, ts+13*second, s.teams, "ConnectionSuccess", pick(g.r, g.w.site("teams.microsoft.com").ips), 443, "teams.microsoft.com", "Tcp", "")
	g.signinRow(ts+14*second, g.officeSignin(u, d, "Microsoft Teams", "1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams Services", "0", false))
	s.outlook = g.spawn(d, ts+40*second+g.jitter(5*minute), s.explorer, b["outlook"], `"C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE" `)
	g.imageLoad(d, s.outlook.created+300*ms, s.outlook, g.w.dlls[10])
	if g.r.IntN(3) == 0 {
		s.browser = g.spawn(d, ts+int64(60+g.r.IntN(600))*second, s.explorer, b["chrome"], `"C:\Program Files\Google\Chrome\Application\chrome.exe" `)
	} else {
		s.browser = g.spawn(d, ts+int64(60+g.r.IntN(600))*second, s.explorer, b["msedge"], `"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe" --single-argument`)
	}
	s.ready = max(s.browser.created, s.outlook.created) + 5*second + g.jitter(time.Minute.Nanoseconds())
}

// closeSessions ends the sessions whose end falls before end.
func (g *gen) closeSessions(end int64) {
	for _, d := range g.w.ws {
		if d.sess != nil && d.logoffAt != 0 && d.logoffAt < end {
			g.logoff(d, d.logoffAt)
		}
	}
}

// logoff closes d's session at ts.
func (g *gen) logoff(d *device, ts int64) {
	s := d.sess
	if s == nil {
		return
	}
	g.security(d, ts, secEvent{id: 4647, subj: s.user, subjLogon: hexLogon(s.logonID)})
	g.security(d, ts+2*second, secEvent{id: 4634, tgt: s.user, tgtLogon: hexLogon(s.logonID), logonType: 2})
	d.sess, d.logoffAt = nil, 0
}

// session returns d's session, logging its user on at ts if needed.
func (g *gen) session(d *device, ts int64) *session {
	if d.sess == nil {
		g.logon(d, ts)
	}
	return d.sess
}

// officeSignin builds an Entra ID sign-in of u from the office (or home when off hours).
func (g *gen) officeSignin(u *user, d *device, app, appID, resource, result string, interactive bool) signin {
	s := signin{u: u, app: app, appID: appID, resource: resource, result: result, client: "Mobile Apps and Desktop clients",
		interactive: interactive, dev: d, browser: "Rich Client 5.2.4", asn: "8075",
		ua: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0"}
	s.ip, s.country, s.city, s.state, s.lat, s.lon = officeIP, "GB", "London", "England", "51.5072", "-0.1276"
	if u.country == "IE" {
		s.ip, s.country, s.city, s.state, s.lat, s.lon = branchIP, "IE", "Dublin", "Leinster", "53.3498", "-6.2603"
	}
	return s
}

// pickWorkstation returns a workstation whose user is at work at ts, or nil. Out of office hours only a few
// people work; in the morning people arrive at their own time.
func (g *gen) pickWorkstation(ts int64) *device {
	t := time.Unix(0, ts).UTC()
	tod := t.Hour()*60 + t.Minute()
	weekend := t.Weekday() == time.Saturday || t.Weekday() == time.Sunday
	ws := g.w.ws
	if weekend || tod < 6*60 || tod >= 20*60 {
		ws = g.w.lateWorkers
	}
	for range 3 {
		d := pick(g.r, ws)
		late := weekend || tod < 6*60 || tod >= 20*60
		if d.sess != nil {
			if d.logoffAt == 0 || ts < d.logoffAt {
				return d
			}
			continue
		}
		if late || tod >= d.user.arrive+(int(ts/day)%5)*7 && tod < d.user.leave {
			return d
		}
	}
	return nil
}
