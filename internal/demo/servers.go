package demo

import (
	"fmt"
	"strconv"
)

// dcWork simulates domain controller traffic: Kerberos and LDAP from machines and service accounts.
func (g *gen) dcWork(ts int64) {
	r := g.r
	dc := pick(r, g.w.dcs)
	src := g.w.devices[r.IntN(len(g.w.devices))]
	for src.kind == kindLinux || src == dc {
		src = g.w.devices[r.IntN(len(g.w.devices))]
	}
	port := int64(88)
	if r.IntN(3) == 0 {
		port = 389
	}
	g.inbound(dc, ts, dc.sys["lsass"], src.ip, port)
	machine := src.short + "$"
	switch r.IntN(4) {
	case 0, 1:
		g.security(dc, ts+ms, secEvent{id: 4769, tgtName: machine + "@" + adDomain, tgtDomain: adDomain, ip: "::ffff:" + src.ip,
			port: strconv.Itoa(49152 + r.IntN(16000)), status: "0x0", serviceName: pick(r, g.w.dcs).short + "$"})
	case 2:
		g.security(dc, ts+ms, secEvent{id: 4768, tgtName: machine, tgtDomain: netbios, ip: "::ffff:" + src.ip,
			port: strconv.Itoa(49152 + r.IntN(16000)), status: "0x0", serviceName: "krbtgt"})
	default:
		id := 0x100000 + r.Int64N(0xf00000)
		g.security(dc, ts+ms, secEvent{id: 4624, subjSys: "-", subjLogon: "0x0", tgtName: machine, tgtDomain: netbios, tgtLogon: hexLogon(id),
			logonType: 3, logonProc: "Kerberos", authPkg: "Kerberos", ip: src.ip, port: strconv.Itoa(49152 + r.IntN(16000)),
			processID: "0x0", process: "-", elevated: "%%1842", logonGUID: "{" + guid(r) + "}"})
		g.security(dc, ts+ms+g.jitter(2*second), secEvent{id: 4634, tgtName: machine, tgtDomain: netbios, tgtLogon: hexLogon(id), logonType: 3})
	}
	if r.IntN(4) == 0 && len(g.w.services) > 0 {
		// Service accounts authenticate all day long.
		svc := pick(r, g.w.services)
		from := pick(r, g.w.servers)
		g.identityLogon(ts+g.jitter(second), idLogon{action: "LogonSuccess", logonType: "Resource access", protocol: "Kerberos", u: svc, from: from, dc: dc, destPort: 88, target: g.w.fileServer})
	}
	if r.IntN(25) == 0 {
		// A mistyped password now and then.
		u := pick(r, g.w.people)
		from := u.ws
		if from == nil {
			from = pick(r, g.w.ws)
		}
		g.security(dc, ts+g.jitter(second), secEvent{id: 4776, tgt: u, workstation: from.short, status: "0xc000006a"})
		g.identityLogon(ts+g.jitter(second)+ms, idLogon{action: "LogonFailed", logonType: "Credentials validation", protocol: "Ntlm", failure: "WrongPassword", u: u, from: from, dc: dc, destPort: 445})
	}
}

// serverWork simulates the member servers: SQL, IIS, file server backup and the exposed web server.
func (g *gen) serverWork(d *device, ts int64) {
	r := g.r
	switch {
	case d == g.w.webServer && r.IntN(3) == 0:
		// Internet noise: RDP password spraying against the exposed web server.
		ip := pick(r, g.w.scanners)
		name := pick(r, []string{"administrator", "admin", "user", "test", "guest", "scanner", "backup"})
		g.inbound(d, ts, d.sys["svc-dcom"], ip, 3389)
		g.security(d, ts+50*ms, secEvent{id: 4625, subjSys: "-", subjLogon: "0x0", tgtName: name, tgtDomain: "", logonType: 3,
			logonProc: "NtLmSsp ", authPkg: "NTLM", workstation: "-", ip: ip, port: "0", status: "0xc000006d", subStatus: "0xc0000064",
			failure: "%%2313", processID: "0x0", process: "-"})
		g.deviceLogon(d, ts+60*ms, d.sys["lsass"], logonEvent{action: "LogonFailed", logonType: "Network", protocol: "NTLM", failure: "InvalidUserNameOrPassword",
			sysAcct: "system", remoteIP: ip, remoteDevice: "-"})
	case d.role == "sql":
		app := g.w.servers[0]
		for _, s := range g.w.servers {
			if s.role == "app" {
				app = s
				break
			}
		}
		g.inbound(d, ts, d.sys["app"], app.ip, 1433)
		if r.IntN(4) == 0 {
			g.file(d, ts+g.jitter(minute), d.sys["app"], fileEvent{action: "FileModified", name: "SalesDB_log.ldf",
				folder: `D:\MSSQL\Data`, size: 1_000_000_000 + r.Int64N(100_000_000)})
		}
	case d.role == "web" || d.role == "app":
		ip := fmt.Sprintf("%d.%d.%d.%d", 30+r.IntN(180), r.IntN(256), r.IntN(256), 1+r.IntN(254))
		if d != g.w.webServer {
			ip = pick(r, g.w.ws).ip
		}
		g.inbound(d, ts, d.sys["app"], ip, 443)
		if r.IntN(5) == 0 {
			g.file(d, ts+g.jitter(second), d.sys["app"], fileEvent{action: "FileModified", name: fmt.Sprintf("u_ex%s.log", dateStamp(ts)),
				folder: `C:\inetpub\logs\LogFiles\W3SVC1`, size: 1_000_000 + r.Int64N(50_000_000)})
		}
	default:
		// File server: backup reads at night, DFS replication and service logons.
		svc := g.w.services[0]
		id := 0x100000 + r.Int64N(0xf00000)
		g.security(d, ts, secEvent{id: 4624, subjSys: "$", subjLogon: "0x3e7", tgt: svc, tgtLogon: hexLogon(id), logonType: 5,
			logonProc: "Advapi  ", authPkg: "Negotiate", process: `C:\Windows\System32\services.exe`, processID: hexLogon(d.sys["services"].pid),
			elevated: "%%1842"})
		g.deviceLogon(d, ts+ms, d.sys["services"], logonEvent{action: "LogonSuccess", logonType: "Service", protocol: "Negotiate", u: svc, logonID: id, localAdmin: true})
		g.file(d, ts+g.jitter(minute), d.sys["system"], fileEvent{action: "FileModified", name: "backup.catalog",
			folder: `D:\Backup`, size: 5_000_000 + r.Int64N(5_000_000)})
	}
}

func dateStamp(ts int64) string {
	b := appendTime(nil, ts)
	return string(b[2:4]) + string(b[5:7]) + string(b[8:10])
}

var cronJobs = []struct{ user, cmd, bin string }{
	{"root", "cd / && run-parts --report /etc/cron.hourly", "l-sh"},
	{"root", "test -x /usr/sbin/logrotate && /usr/sbin/logrotate /etc/logrotate.conf", "l-logrotate"},
	{"root", "[ -x /usr/lib/php/sessionclean ] && if [ ! -d /run/systemd/system ]; then /usr/lib/php/sessionclean; fi", "l-sh"},
	{"postgres", "/usr/bin/python3.10 /opt/scripts/db_healthcheck.py", "l-python"},
	{"root", "/usr/bin/find /tmp -type f -atime +7 -delete", "l-find"},
}

// linuxWork simulates a Linux host: cron, SSH from the jump host and the Internet, sudo and package updates.
func (g *gen) linuxWork(d *device, ts int64) {
	r := g.r
	b := g.w.bins
	switch r.IntN(6) {
	case 0, 1:
		job := pick(r, cronJobs)
		for job.user == "postgres" && d.role != "db" {
			job = pick(r, cronJobs)
		}
		cron := d.sys["cron"]
		child := g.newProc(d, ts, cron, b["l-cron"], "/usr/sbin/CRON -f -P", nil, "root")
		g.syslog(d, ts, "authpriv", "info", "CRON", child.pid, "pam_unix(cron:session): session opened for user "+job.user+"(uid="+map[bool]string{true: "0", false: "114"}[job.user == "root"]+") by (uid=0)")
		g.syslog(d, ts+ms, "cron", "info", "CRON", child.pid, "("+job.user+") CMD ("+job.cmd+")")
		sh := g.spawnAs(d, ts+2*ms, child, b["l-sh"], "/bin/sh -c "+job.cmd, nil, job.user)
		if job.bin != "l-sh" {
			g.spawnAs(d, ts+5*ms, sh, b[job.bin], job.cmd, nil, job.user)
		}
		g.syslog(d, ts+g.jitter(2*second)+10*ms, "authpriv", "info", "CRON", child.pid, "pam_unix(cron:session): session closed for user "+job.user)
	case 2:
		if d.role == "jump" || d.role == "web" {
			ip := pick(r, g.w.scanners)
			name := pick(r, []string{"root", "admin", "ubuntu", "test", "oracle", "postgres", "git"})
			pid := d.pid(r)
			g.inbound(d, ts, d.sys["sshd"], ip, 22)
			if name == "root" {
				g.syslog(d, ts+ms, "auth", "info", "sshd", pid, "Failed password for root from "+ip+" port "+strconv.Itoa(30000+r.IntN(30000))+" ssh2")
			} else {
				g.syslog(d, ts+ms, "auth", "info", "sshd", pid, "Invalid user "+name+" from "+ip+" port "+strconv.Itoa(30000+r.IntN(30000)))
				g.syslog(d, ts+2*ms, "auth", "info", "sshd", pid, "Failed password for invalid user "+name+" from "+ip+" port "+strconv.Itoa(30000+r.IntN(30000))+" ssh2")
			}
			g.syslog(d, ts+g.jitter(3*second)+3*ms, "auth", "info", "sshd", pid, "Connection closed by authenticating user "+name+" "+ip+" port "+strconv.Itoa(30000+r.IntN(30000))+" [preauth]")
			return
		}
		fallthrough
	case 3:
		// Ansible over SSH from the jump host, then sudo.
		jump := g.w.linux[len(g.w.linux)-1]
		svc := g.w.services[min(2, len(g.w.services)-1)]
		pid := d.pid(r)
		g.inbound(d, ts, d.sys["sshd"], jump.ip, 22)
		g.syslog(d, ts+ms, "auth", "info", "sshd", pid, "Accepted publickey for "+svc.sam+" from "+jump.ip+" port "+strconv.Itoa(40000+r.IntN(20000))+" ssh2: ED25519 SHA256:Zt3kq1Fo0pX8bW2n4v7yQe5JmLr9cHs6aGdUiT1oNkE")
		g.syslog(d, ts+2*ms, "authpriv", "info", "sshd", pid, "pam_unix(sshd:session): session opened for user "+svc.sam+"(uid=1001) by (uid=0)")
		sshd := g.newProc(d, ts+3*ms, d.sys["sshd"], b["l-sshd"], "sshd: "+svc.sam+" [priv]", nil, "root")
		sh := g.spawnAs(d, ts+5*ms, sshd, b["l-sh"], "/bin/sh -c 'sudo -H -S -n  -u root /bin/sh -c '\"'\"'echo BECOME-SUCCESS-"+hexID(r, 32)+" ; /usr/bin/python3 /home/"+svc.sam+"/.ansible/tmp/AnsiballZ_setup.py'\"'\"' && sleep 0'", svc, "")
		g.syslog(d, ts+8*ms, "authpriv", "notice", "sudo", d.pid(r), "    "+svc.sam+" : PWD=/home/"+svc.sam+" ; USER=root ; COMMAND=/bin/sh -c echo BECOME-SUCCESS")
		sudo := g.spawnAs(d, ts+9*ms, sh, b["l-sudo"], "sudo -H -S -n -u root /bin/sh -c echo BECOME-SUCCESS", svc, "")
		g.spawnAs(d, ts+15*ms, sudo, b["l-python"], "/usr/bin/python3 /home/"+svc.sam+"/.ansible/tmp/AnsiballZ_setup.py", nil, "root")
		g.syslog(d, ts+g.jitter(10*second)+20*ms, "authpriv", "info", "sshd", pid, "pam_unix(sshd:session): session closed for user "+svc.sam)
	case 4:
		st := g.w.site(pick(r, []string{"archive.ubuntu.com", "security.ubuntu.com", "packages.microsoft.com", "ntp.ubuntu.com"}))
		proto := "Tcp"
		p := d.sys["mdatp"]
		if st.port == 123 {
			proto = "Udp"
			p = d.sys["systemd"]
		} else if st.host != "packages.microsoft.com" {
			p = g.spawnAs(d, ts-2*second, d.sys["systemd"], b["l-apt"], "/usr/bin/apt-get -qq update", nil, "root")
		}
		g.connect(d, ts, p, "ConnectionSuccess", pick(r, st.ips), st.port, st.host, proto, "")
		g.syslog(d, ts+g.jitter(second), "daemon", "info", "systemd", 1, "Started Daily apt download activities.")
	default:
		if d.role == "web" || d.role == "jump" {
			ip := pick(r, g.w.scanners)
			g.syslog(d, ts, "kern", "warning", "kernel", 0, fmt.Sprintf("[UFW BLOCK] IN=eth0 OUT= MAC=00:0d:3a:%02x:%02x:%02x SRC=%s DST=%s LEN=44 TOS=0x00 PREC=0x00 TTL=244 ID=54321 PROTO=TCP SPT=%d DPT=%d WINDOW=1024 RES=0x00 SYN URGP=0",
				r.IntN(256), r.IntN(256), r.IntN(256), ip, d.ip, 30000+r.IntN(30000), pick(r, []int{23, 445, 3389, 5900, 8080, 6379})))
			return
		}
		g.syslog(d, ts, "daemon", "info", "systemd", 1, pick(r, []string{"Starting Cleanup of Temporary Directories...",
			"Finished Cleanup of Temporary Directories.", "Started Session 4127 of User svc-ansible.", "Starting Rotate log files...",
			"logrotate.service: Deactivated successfully."}))
	}
}
