package syslog

import (
	"sync/atomic"
	"unicode/utf8"

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

// appendQuote appends s as a JSON string: the quote and the backslash are escaped with a backslash, control
// characters as \n, \r, \t or \u00XX, and each byte that is not part of valid UTF-8 becomes U+FFFD (as
// encoding/json writes it), so the result is always valid JSON whatever the message held. Printable ASCII, the
// common case, is copied in runs.
func appendQuote(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"
