// Package syslog parses syslog messages, RFC 5424 (with structured data) and RFC 3164 with the variants real
// senders write (no year, ISO timestamps, no hostname, no PRI, sub-second times), frames them on TCP (LF or octet
// counting, see [Scanner]) and normalises them into the Syslog table; sshd and sudo lines also yield
// DeviceLogonEvents rows (see [Logon]).
package syslog

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Format says which header a message had.
type Format uint8

// The header formats.
const (
	// FormatNone is a message with no recognisable header: all of it is the text.
	FormatNone Format = iota
	// FormatRFC3164 is the BSD format: <PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG, with lenient variants.
	FormatRFC3164
	// FormatRFC5424 is <PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG.
	FormatRFC5424
)

// String names the format.
func (f Format) String() string {
	switch f {
	case FormatRFC3164:
		return "rfc3164"
	case FormatRFC5424:
		return "rfc5424"
	}
	return "none"
}

// Message is one parsed syslog message. Absent header fields are empty ("-" in RFC 5424 means absent).
type Message struct {
	Format Format
	// HasPriority is false when the message had no <PRI>; Facility and Severity are then user and notice, the
	// defaults RFC 3164 gives.
	HasPriority bool
	Facility    int
	Severity    int
	// Time is the message's timestamp in Unix microseconds; HasTime is false when it had none.
	Time     int64
	HasTime  bool
	Hostname string
	AppName  string
	ProcID   string
	MsgID    string
	// StructuredData holds RFC 5424 structured data elements in their order.
	StructuredData []Element
	// Text is the message body (MSG), without a trailing line end.
	Text string
}

// Element is one RFC 5424 structured data element.
type Element struct {
	ID     string  `json:"id"`
	Params []Param `json:"params"`
}

// Param is one SD-PARAM, its value unescaped.
type Param struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// ErrMalformed classifies messages that cannot be read.
var ErrMalformed = errors.New("malformed syslog message")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// Parser parses messages. The zero Parser is ready: times without a zone are UTC and a missing year is the current
// one (or the last, for a date that would otherwise lie more than a day ahead).
type Parser struct {
	// Location is the zone of timestamps that carry none; nil means UTC.
	Location *time.Location
	// Now returns the current time, for the missing year; nil means time.Now.
	Now func() time.Time
}

func (p *Parser) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Parser) loc() *time.Location {
	if p.Location != nil {
		return p.Location
	}
	return time.UTC
}

// Parse parses one message with the zero [Parser].
func Parse(line string) (Message, error) {
	var p Parser
	return p.Parse(line)
}

// Parse parses one message. Line ends and NULs at the end are ignored; invalid UTF-8 is replaced. It fails only on
// an invalid PRI or a malformed RFC 5424 header or structured data; text without a header is a [FormatNone]
// message.
func (p *Parser) Parse(line string) (Message, error) {
	line = strings.TrimRight(line, "\r\n\x00")
	if !utf8.ValidString(line) {
		line = strings.ToValidUTF8(line, "\uFFFD")
	}
	m := Message{Facility: 1, Severity: 5}
	rest := line
	if strings.HasPrefix(rest, "<") {
		end := strings.IndexByte(rest, '>')
		if end < 2 || end > 4 {
			return m, malformed("invalid PRI: want <0> to <191>")
		}
		pri, err := strconv.Atoi(rest[1:end])
		if err != nil || pri < 0 || pri > 191 || (end > 2 && rest[1] == '0') {
			return m, malformed("invalid PRI %q: want <0> to <191>", rest[:end+1])
		}
		m.HasPriority = true
		m.Facility, m.Severity = pri/8, pri%8
		rest = rest[end+1:]
	}
	if m.HasPriority && len(rest) >= 2 && rest[0] >= '1' && rest[0] <= '9' && rest[1] == ' ' {
		if err := p.parse5424(&m, rest[2:]); err != nil {
			return m, err
		}
		return m, nil
	}
	p.parse3164(&m, strings.TrimLeft(rest, " "))
	return m, nil
}

// token cuts the next space-delimited field.
func token(s string) (tok, rest string) {
	if i := strings.IndexByte(s, ' '); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

func nilable(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

func (p *Parser) parse5424(m *Message, s string) error {
	m.Format = FormatRFC5424
	var ts, host, app, proc, msgID string
	ts, s = token(s)
	host, s = token(s)
	app, s = token(s)
	proc, s = token(s)
	msgID, s = token(s)
	if ts == "" || host == "" || app == "" || proc == "" || msgID == "" {
		return malformed("RFC 5424 header has fewer than 6 fields")
	}
	if ts != "-" {
		t, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			return malformed("RFC 5424 timestamp %q: want RFC 3339", clip(ts))
		}
		m.Time, m.HasTime = t.UnixMicro(), true
	}
	m.Hostname, m.AppName, m.ProcID, m.MsgID = nilable(host), nilable(app), nilable(proc), nilable(msgID)
	switch {
	case s == "":
	case s[0] == '-':
		s = strings.TrimPrefix(s[1:], " ")
	case s[0] == '[':
		sd, rest, err := parseSD(s)
		if err != nil {
			return err
		}
		m.StructuredData = sd
		s = strings.TrimPrefix(rest, " ")
	default:
		return malformed("RFC 5424 structured data must be - or start with [")
	}
	m.Text = strings.TrimPrefix(s, "\uFEFF")
	return nil
}

// parseSD parses SD-ELEMENTs: [id name="value" ...][id2 ...]; values may escape ", \ and ].
func parseSD(s string) ([]Element, string, error) {
	var out []Element
	full := len(s)
	for len(s) > 0 && s[0] == '[' {
		s = s[1:]
		i := strings.IndexAny(s, " ]")
		if i <= 0 {
			return nil, "", malformed("structured data element at byte %d has no id", full-len(s))
		}
		el := Element{ID: s[:i]}
		s = s[i:]
		for {
			s = strings.TrimLeft(s, " ")
			if s == "" {
				return nil, "", malformed("structured data element %q is not closed", el.ID)
			}
			if s[0] == ']' {
				s = s[1:]
				break
			}
			eq := strings.IndexByte(s, '=')
			if eq <= 0 || eq+1 >= len(s) || s[eq+1] != '"' {
				return nil, "", malformed("structured data parameter at byte %d: want name=\"value\"", full-len(s))
			}
			name := s[:eq]
			s = s[eq+2:]
			val, rest, closed := sdValue(s)
			if !closed {
				return nil, "", malformed("structured data value of %q is not closed", name)
			}
			s = rest
			el.Params = append(el.Params, Param{Name: name, Value: val})
		}
		out = append(out, el)
	}
	return out, s, nil
}

// sdValue reads a PARAM-VALUE up to its closing quote, unescaping \", \\ and \]; a value without escapes is a
// substring of s. closed is false when no quote ends it.
func sdValue(s string) (val, rest string, closed bool) {
	end := -1
	for j := 0; j < len(s); j++ {
		if s[j] == '\\' {
			end = -2
			break
		}
		if s[j] == '"' {
			end = j
			break
		}
	}
	if end >= 0 {
		return s[:end], s[end+1:], true
	}
	if end == -1 {
		return "", "", false
	}
	var b strings.Builder
	for j := 0; j < len(s); j++ {
		c := s[j]
		if c == '\\' && j+1 < len(s) && (s[j+1] == '"' || s[j+1] == '\\' || s[j+1] == ']') {
			b.WriteByte(s[j+1])
			j++
			continue
		}
		if c == '"' {
			return b.String(), s[j+1:], true
		}
		b.WriteByte(c)
	}
	return "", "", false
}

var months = map[string]time.Month{
	"Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "May": 5, "Jun": 6, "Jul": 7, "Aug": 8, "Sep": 9, "Oct": 10, "Nov": 11,
	"Dec": 12,
}

// parse3164 reads a BSD header leniently; what cannot be read is left in the text.
func (p *Parser) parse3164(m *Message, s string) {
	m.Format = FormatRFC3164
	rest, ok := p.timestamp3164(m, s)
	if !ok {
		if !m.HasPriority {
			m.Format = FormatNone
			m.Text = s
			return
		}
		rest = s
	} else {
		rest = strings.TrimLeft(rest, " ")
		// HOSTNAME, unless the next token is already the tag.
		tok, after := token(rest)
		if tok != "" && !isTag(tok) && validHost(tok) {
			m.Hostname = tok
			rest = after
		}
	}
	if r, ok := strings.CutPrefix(rest, ": "); ok && m.Hostname != "" {
		rest = r // "host : msg", as Cisco ASA writes it
	}
	tok, after := token(rest)
	if app, pid, ok := parseTag(tok); ok {
		m.AppName, m.ProcID = app, pid
		rest = after
	}
	m.Text = rest
}

// timestamp3164 reads "Mmm dd hh:mm:ss[.frac][ yyyy]", "Mmm dd yyyy hh:mm:ss" or an RFC 3339 timestamp.
func (p *Parser) timestamp3164(m *Message, s string) (string, bool) {
	if len(s) >= 19 && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == ' ') {
		tok, rest := token(s)
		if s[10] == ' ' { // "2024-05-01 10:00:00"
			var t2 string
			t2, rest = token(rest)
			tok += "T" + t2
		}
		if t, err := time.Parse(time.RFC3339Nano, tok); err == nil {
			m.Time, m.HasTime = t.UnixMicro(), true
			return rest, true
		}
		if t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", tok, p.loc()); err == nil {
			m.Time, m.HasTime = t.UnixMicro(), true
			return rest, true
		}
		return s, false
	}
	if len(s) < 15 {
		return s, false
	}
	mon, ok := months[s[:3]]
	if !ok || s[3] != ' ' {
		return s, false
	}
	rest := strings.TrimLeft(s[4:], " ")
	dayTok, rest := token(rest)
	day, err := strconv.Atoi(dayTok)
	if err != nil || day < 1 || day > 31 {
		return s, false
	}
	year := 0
	clock, rest := token(rest)
	if len(clock) == 4 && !strings.Contains(clock, ":") { // Mmm dd yyyy hh:mm:ss
		year, _ = strconv.Atoi(clock)
		clock, rest = token(rest)
	}
	clock = strings.TrimSuffix(clock, ":")
	if len(clock) < 8 || clock[2] != ':' || clock[5] != ':' {
		return s, false
	}
	hh, e1 := strconv.Atoi(clock[0:2])
	mm, e2 := strconv.Atoi(clock[3:5])
	ss, e3 := strconv.Atoi(clock[6:8])
	if e1 != nil || e2 != nil || e3 != nil || hh > 23 || mm > 59 || ss > 60 {
		return s, false
	}
	nsec := 0
	if len(clock) > 9 && clock[8] == '.' {
		frac := clock[9:]
		for i := 0; i < 9; i++ {
			d := 0
			if i < len(frac) {
				if frac[i] < '0' || frac[i] > '9' {
					return s, false
				}
				d = int(frac[i] - '0')
			}
			nsec = nsec*10 + d
		}
	} else if len(clock) != 8 {
		return s, false
	}
	if year == 0 {
		if y, r := token(rest); len(y) == 4 {
			if n, err := strconv.Atoi(y); err == nil && n > 1970 {
				year, rest = n, r
			}
		}
	}
	loc := p.loc()
	if year == 0 {
		now := p.now().In(loc)
		year = now.Year()
		t := time.Date(year, mon, day, hh, mm, ss, nsec, loc)
		if t.After(now.Add(24 * time.Hour)) {
			t = time.Date(year-1, mon, day, hh, mm, ss, nsec, loc)
		}
		m.Time, m.HasTime = t.UnixMicro(), true
		return rest, true
	}
	m.Time, m.HasTime = time.Date(year, mon, day, hh, mm, ss, nsec, loc).UnixMicro(), true
	return rest, true
}

// isTag reports whether tok ends like a tag: "name:" or "name[pid]:".
func isTag(tok string) bool {
	return strings.HasSuffix(tok, ":") || strings.HasSuffix(tok, "]")
}

func validHost(s string) bool {
	if len(s) > 255 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' || c == ':' || c == '%') {
			return false
		}
	}
	return true
}

// parseTag reads "app:", "app[pid]:" or "app[pid]" into the app name and the process id.
func parseTag(tok string) (app, pid string, ok bool) {
	t := strings.TrimSuffix(tok, ":")
	if t == "" || len(t) > 128 {
		return "", "", false
	}
	if i := strings.IndexByte(t, '['); i > 0 && strings.HasSuffix(t, "]") {
		app, pid = t[:i], t[i+1:len(t)-1]
	} else if t != tok {
		app = t
	} else {
		return "", "", false
	}
	for i := 0; i < len(app); i++ {
		c := app[i]
		if c <= ' ' || c == '[' || c == ']' || c == ':' {
			return "", "", false
		}
	}
	return app, pid, true
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
