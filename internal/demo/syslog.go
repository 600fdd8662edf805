package demo

// syslog writes a Syslog row.
func (g *gen) syslog(d *device, ts int64, facility, severity, process string, pid int64, msg string) {
	t := g.begin(tSyslog, ts)
	t.s("Computer", d.short)
	t.s("HostName", d.short)
	t.s("HostIP", d.ip)
	t.s("Facility", facility)
	t.s("SeverityLevel", severity)
	t.s("SyslogMessage", msg)
	if pid > 0 {
		t.n("ProcessID", pid)
	}
	t.s("ProcessName", process)
	t.tm("EventTime", ts)
	t.s("SourceSystem", "Linux")
	t.s("Type", "Syslog")
	g.done(t)
}
