package syslog

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/normalize/tables"
	"github.com/vigilsec/vigil/internal/x/jsonw"
)

// LogonEvent is an authentication that a line of sshd or sudo records.
type LogonEvent struct {
	// Success is true for an accepted logon.
	Success bool
	// Account is the account logged on to (for sudo, the target user, root by default).
	Account string
	// Method is sshd's authentication method (password, publickey, keyboard-interactive/pam, ...) or "sudo".
	Method string
	// RemoteIP and RemotePort are where an ssh connection came from.
	RemoteIP   string
	RemotePort string
	// InvalidUser is true when sshd reported the account does not exist.
	InvalidUser bool
	// Invoker, TTY, PWD and Command describe a sudo invocation.
	Invoker, TTY, PWD, Command string
	// Detail is the rest of the line (sshd's protocol and key fingerprint).
	Detail string
}

// Logon recognises sshd lines ("Accepted publickey for alice from 10.0.0.5 port 52222 ssh2: ...", "Failed password
// for invalid user bob from 1.2.3.4 port 22 ssh2") and sudo lines ("alice : TTY=pts/0 ; PWD=/home/alice ;
// USER=root ; COMMAND=/bin/id", "alice : 3 incorrect password attempts ; TTY=..."), and reports the logon they record.
func Logon(m *Message) (LogonEvent, bool) {
	switch m.AppName {
	case "sshd", "sshd-session":
		return sshd(m.Text)
	case "sudo":
		return sudo(m.Text)
	}
	return LogonEvent{}, false
}

func sshd(s string) (LogonEvent, bool) {
	var l LogonEvent
	switch {
	case strings.HasPrefix(s, "Accepted "):
		l.Success = true
		s = s[len("Accepted "):]
	case strings.HasPrefix(s, "Failed "):
		s = s[len("Failed "):]
	default:
		return l, false
	}
	method, rest, ok := strings.Cut(s, " for ")
	if !ok || strings.Contains(method, " ") {
		return l, false
	}
	l.Method = method
	if r, ok := strings.CutPrefix(rest, "invalid user "); ok {
		l.InvalidUser, rest = true, r
	}
	// The user name may hold spaces; the last " from " ends it.
	i := strings.LastIndex(rest, " from ")
	if i < 0 {
		return l, false
	}
	l.Account = rest[:i]
	rest = rest[i+len(" from "):]
	ip, rest, _ := strings.Cut(rest, " ")
	if ip == "" {
		return l, false
	}
	l.RemoteIP = ip
	if p, r, ok := strings.Cut(strings.TrimPrefix(rest, "port "), " "); ok || p != "" {
		if _, err := strconv.Atoi(p); err == nil {
			l.RemotePort = p
			rest = r
		}
	}
	l.Detail = rest
	return l, true
}

func sudo(s string) (LogonEvent, bool) {
	// sudo pads the user name with spaces after the tag ("sudo:    alice : TTY=...").
	invoker, rest, ok := strings.Cut(strings.TrimLeft(s, " "), " : ")
	if !ok || strings.ContainsAny(invoker, " ;") || invoker == "" {
		return LogonEvent{}, false
	}
	l := LogonEvent{Success: true, Method: "sudo", Invoker: invoker, Account: "root"}
	seen := false
	for _, part := range strings.Split(rest, " ; ") {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			if strings.Contains(part, "incorrect password") || strings.Contains(part, "NOT in sudoers") ||
				strings.Contains(part, "not allowed") || strings.Contains(part, "authentication failure") {
				l.Success = false
				l.Detail = part
			}
			continue
		}
		switch k {
		case "TTY":
			l.TTY = v
		case "PWD":
			l.PWD = v
		case "USER":
			l.Account = v
		case "COMMAND":
			l.Command = v
			seen = true
		}
	}
	return l, seen
}

// writeLogon adds the DeviceLogonEvents row of a logon.
func writeLogon(l *LogonEvent, m *Message, t int64, host string, b *batch.Builder) {
	c := colsOfLogon(b.Table())
	r := tables.Begin(b)
	r.IntCol(c.timestamp, t)
	r.IntCol(c.timeGenerated, t)
	r.StringCol(c.deviceName, host)
	if l.Success {
		r.StringCol(c.actionType, "LogonSuccess")
	} else {
		r.StringCol(c.actionType, "LogonFailed")
		if l.InvalidUser {
			r.StringCol(c.failure, "UnknownUser")
		} else {
			r.StringCol(c.failure, "InvalidUserNameOrPassword")
		}
	}
	r.StringCol(c.account, l.Account)
	r.StringCol(c.initFile, m.AppName)
	if m.ProcID != "" {
		r.TextCol(c.initID, m.ProcID)
	}
	var scratch [512]byte // the JSON is built on the stack and copied once, into its string
	buf := append(scratch[:0], `{"Source":"syslog","Method":`...)
	buf = jsonw.AppendString(buf, l.Method)
	if l.Method == "sudo" {
		r.StringCol(c.logonType, "Interactive")
		r.StringCol(c.protocol, "sudo")
		r.StringCol(c.initAccount, l.Invoker)
		r.StringCol(c.initCmd, l.Command)
		for _, kv := range [][2]string{{"TTY", l.TTY}, {"PWD", l.PWD}, {"Command", l.Command}, {"Detail", l.Detail}} {
			if kv[1] != "" {
				buf = append(buf, ',')
				buf = jsonw.AppendString(buf, kv[0])
				buf = append(buf, ':')
				buf = jsonw.AppendString(buf, kv[1])
			}
		}
	} else {
		r.StringCol(c.logonType, "Network")
		r.StringCol(c.protocol, "SSH")
		r.StringCol(c.remoteIP, l.RemoteIP)
		r.StringCol(c.remoteIPType, ipType(l.RemoteIP))
		r.TextCol(c.remotePort, l.RemotePort)
		if l.Detail != "" {
			buf = append(buf, `,"Detail":`...)
			buf = jsonw.AppendString(buf, l.Detail)
		}
	}
	r.StringCol(c.additionalFields, string(append(buf, '}')))
	r.Commit()
}

// ipType classifies an address as Defender's RemoteIPType does.
func ipType(s string) string {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return ""
	}
	a = a.Unmap()
	switch {
	case a.IsLoopback():
		return "Loopback"
	case a.IsPrivate():
		return "Private"
	case a.IsUnspecified(), a.IsLinkLocalUnicast(), a.IsMulticast(), a.IsLinkLocalMulticast():
		return "Reserved"
	}
	return "Public"
}
