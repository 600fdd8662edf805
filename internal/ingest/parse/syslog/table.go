package syslog

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/normalize/tables"
	"github.com/vigilsec/vigil/internal/x/jsonw"
)

// Facilities names the facility codes as the Syslog table writes them.
var Facilities = [24]string{
	"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp", "ntp",
	"audit", "alert", "clock", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
}

// Severities names the severity codes as the Syslog table writes them.
var Severities = [8]string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}

// Meta is what the receiver knows of a message beyond its text.
type Meta struct {
	// SenderIP is the address the message came from, if known; it becomes HostIP, and Computer when the message
	// names no host.
	SenderIP string
	// Received is when the message arrived, in Unix microseconds; it is the time of messages without one. Zero
	// means the time of writing.
	Received int64
}

// ReceivedTime returns Received, or the current time when Received is zero.
func (m Meta) ReceivedTime() int64 {
	if m.Received != 0 {
		return m.Received
	}
	return time.Now().UnixMicro()
}

// Write adds m as a row of the Syslog table of out, and for sshd and sudo lines a DeviceLogonEvents row too.
func Write(m *Message, meta Meta, out tables.Sink) error {
	b, err := out.Builder("Syslog")
	if err != nil {
		return err
	}
	logon, isLogon := Logon(m)
	var lb *batch.Builder
	if isLogon {
		// Fetched first, so a failure adds no row at all.
		if lb, err = out.Builder("DeviceLogonEvents"); err != nil {
			return err
		}
	}
	c := colsOfSyslog(b.Table())
	r := tables.Begin(b)
	var t int64
	if !m.HasTime {
		t = meta.ReceivedTime()
	} else {
		t = m.Time
		r.IntCol(c.eventTime, m.Time)
	}
	r.IntCol(c.timeGenerated, t)
	host := m.Hostname
	if host == "" {
		host = meta.SenderIP
	}
	r.StringCol(c.computer, host)
	r.StringCol(c.hostName, host)
	switch {
	case meta.SenderIP != "":
		r.StringCol(c.hostIP, meta.SenderIP)
	case isIP(m.Hostname):
		r.StringCol(c.hostIP, m.Hostname)
	}
	r.StringCol(c.facility, Facilities[m.Facility%24])
	r.StringCol(c.severity, Severities[m.Severity%8])
	r.StringCol(c.processName, m.AppName)
	if m.ProcID != "" {
		if n, ok := atoi32(m.ProcID); ok {
			r.IntCol(c.processID, n)
		}
	}
	r.StringCol(c.message, m.Text)
	r.StringCol(c.typeCol, "Syslog")
	if extra := extraJSON(m); extra != "" {
		r.StringCol(c.extra, extra)
	}
	r.Commit()
	if isLogon {
		writeLogon(&logon, m, t, host, lb)
	}
	return nil
}

// extraJSON keeps what the Syslog columns have no place for: the format, MSGID, a non-numeric PROCID and the
// structured data ({"id": {"name": "value"}}).
func extraJSON(m *Message) string {
	if m.Format != FormatRFC5424 && (m.ProcID == "" || isDigits(m.ProcID)) && m.HasPriority {
		return ""
	}
	var scratch [512]byte // the JSON is built on the stack and copied once, into its string
	buf := append(scratch[:0], `{"SyslogFormat":`...)
	buf = jsonw.AppendString(buf, m.Format.String())
	if !m.HasPriority {
		buf = append(buf, `,"NoPriority":true`...)
	}
	if m.MsgID != "" {
		buf = append(buf, `,"MsgID":`...)
		buf = jsonw.AppendString(buf, m.MsgID)
	}
	if m.ProcID != "" && !isDigits(m.ProcID) {
		buf = append(buf, `,"ProcID":`...)
		buf = jsonw.AppendString(buf, m.ProcID)
	}
	if len(m.StructuredData) > 0 {
		buf = append(buf, `,"StructuredData":{`...)
		for i, el := range m.StructuredData {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = jsonw.AppendString(buf, el.ID)
			buf = append(buf, ":{"...)
			for j, p := range el.Params {
				if j > 0 {
					buf = append(buf, ',')
				}
				buf = jsonw.AppendString(buf, p.Name)
				buf = append(buf, ':')
				buf = jsonw.AppendString(buf, p.Value)
			}
			buf = append(buf, '}')
		}
		buf = append(buf, '}')
	}
	return string(append(buf, '}'))
}

// atoi32 is strconv.ParseInt(s, 10, 32) without the error value it allocates for text that is not a number.
func atoi32(s string) (int64, bool) {
	t := s
	if t != "" && (t[0] == '+' || t[0] == '-') {
		t = t[1:]
	}
	if !isDigits(t) {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 32)
	return n, err == nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func isIP(s string) bool {
	s = strings.Trim(s, "[]")
	if !strings.Contains(s, ":") {
		// Without a colon only dotted IPv4 parses: spare host names the error ParseAddr allocates.
		for i := 0; i < len(s); i++ {
			if c := s[i]; (c < '0' || c > '9') && c != '.' {
				return false
			}
		}
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}

// Normalize parses line with p and writes it (see [Write]).
func (p *Parser) Normalize(line string, meta Meta, out tables.Sink) error {
	m, err := p.Parse(line)
	if err != nil {
		return err
	}
	return Write(&m, meta, out)
}
