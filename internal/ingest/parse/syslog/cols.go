package syslog

import (
	"sync/atomic"

	"github.com/vigilsec/vigil/internal/ingest/normalize/tables"
	"github.com/vigilsec/vigil/internal/schema"
)

// syslogCols are the columns [Write] fills, found once per table rather than by name for every message.
type syslogCols struct {
	t                                                            *schema.Table
	eventTime, timeGenerated, computer, hostName, hostIP         tables.Col
	facility, severity, processName, processID, message, typeCol tables.Col
	extra                                                        tables.Col
}

// logonCols are the DeviceLogonEvents columns writeLogon fills.
type logonCols struct {
	t                                                             *schema.Table
	timestamp, timeGenerated, deviceName, actionType, failure     tables.Col
	account, initFile, initID, logonType, protocol, initAccount   tables.Col
	initCmd, remoteIP, remoteIPType, remotePort, additionalFields tables.Col
}

// The columns of the table last written. A process has one catalogue, so they are found once; another table (a
// test's own catalogue) replaces them.
var (
	lastSyslogCols atomic.Pointer[syslogCols]
	lastLogonCols  atomic.Pointer[logonCols]
)

func colsOfSyslog(t *schema.Table) *syslogCols {
	if c := lastSyslogCols.Load(); c != nil && c.t == t {
		return c
	}
	l := func(name string) tables.Col { return tables.Lookup(t, name) }
	c := &syslogCols{t: t, eventTime: l("EventTime"), timeGenerated: l("TimeGenerated"), computer: l("Computer"),
		hostName: l("HostName"), hostIP: l("HostIP"), facility: l("Facility"), severity: l("SeverityLevel"),
		processName: l("ProcessName"), processID: l("ProcessID"), message: l("SyslogMessage"), typeCol: l("Type"),
		extra: l(schema.ColExtra)}
	lastSyslogCols.Store(c)
	return c
}

func colsOfLogon(t *schema.Table) *logonCols {
	if c := lastLogonCols.Load(); c != nil && c.t == t {
		return c
	}
	l := func(name string) tables.Col { return tables.Lookup(t, name) }
	c := &logonCols{t: t, timestamp: l("Timestamp"), timeGenerated: l("TimeGenerated"), deviceName: l("DeviceName"),
		actionType: l("ActionType"), failure: l("FailureReason"), account: l("AccountName"),
		initFile: l("InitiatingProcessFileName"), initID: l("InitiatingProcessId"), logonType: l("LogonType"),
		protocol: l("Protocol"), initAccount: l("InitiatingProcessAccountName"),
		initCmd: l("InitiatingProcessCommandLine"), remoteIP: l("RemoteIP"), remoteIPType: l("RemoteIPType"),
		remotePort: l("RemotePort"), additionalFields: l("AdditionalFields")}
	lastLogonCols.Store(c)
	return c
}
