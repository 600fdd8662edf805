// Package cef parses ArcSight Common Event Format messages, CEF:Version|Vendor|Product|Version|Signature ID|Name|
// Severity|Extension, bare or after a syslog header, and normalises them into the CommonSecurityLog table with the
// documented mapping of CEF keys onto its columns (see [Columns]); extensions with no column are kept in
// AdditionalExtensions.
package cef

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/vigilsec/vigil/internal/ingest/parse/syslog"
)

// Event is one parsed CEF message.
type Event struct {
	Version       string
	DeviceVendor  string
	DeviceProduct string
	DeviceVersion string
	// SignatureID is the Device Event Class ID.
	SignatureID string
	Name        string
	Severity    string
	// Extensions are the key=value pairs in their order, values unescaped.
	Extensions []Pair
	// Header is the syslog header before "CEF:", when there was one (Header.Format is then not FormatNone).
	Header syslog.Message
}

// Pair is one extension.
type Pair struct {
	Key   string
	Value string
}

// Get returns the value of the first extension called key.
func (e *Event) Get(key string) string { return Lookup(e.Extensions, key) }

// Lookup returns the value of the first pair called key, or "".
func Lookup(pairs []Pair, key string) string {
	for _, p := range pairs {
		if p.Key == key {
			return p.Value
		}
	}
	return ""
}

// SplitHeader finds marker ("CEF:", "LEEF:") in a received line and returns what follows it, with the syslog
// header before it parsed by sp when there is one (a header that does not parse is ignored). The line loses its
// trailing CR, LF and NUL; invalid UTF-8 becomes U+FFFD.
func SplitHeader(line, marker string, sp *syslog.Parser) (hdr syslog.Message, rest string, ok bool) {
	line = strings.TrimRight(line, "\r\n\x00")
	if !utf8.ValidString(line) {
		line = strings.ToValidUTF8(line, "\uFFFD")
	}
	i := strings.Index(line, marker)
	if i < 0 {
		return hdr, "", false
	}
	if prefix := strings.TrimSpace(line[:i]); prefix != "" {
		if m, err := sp.Parse(prefix); err == nil {
			hdr = m
		}
	}
	return hdr, line[i+len(marker):], true
}

// ErrMalformed classifies messages that cannot be read.
var ErrMalformed = errors.New("malformed CEF message")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// Parser parses CEF messages; its Syslog parser reads the header before "CEF:". The zero Parser is ready.
type Parser struct {
	Syslog syslog.Parser
}

// Parse parses one message with the zero [Parser].
func Parse(line string) (*Event, error) {
	var p Parser
	return p.Parse(line)
}

// Parse parses one message. In the header, "\|" and "\\" are escapes; in the extension, "\=", "\\", "\n" and "\r"
// are, a value runs to the space before the next key=, and so may hold spaces and unescaped '|'.
func (p *Parser) Parse(line string) (*Event, error) {
	hdr, rest, ok := SplitHeader(line, "CEF:", &p.Syslog)
	if !ok {
		return nil, malformed("no CEF: header")
	}
	e := &Event{Header: hdr}
	var fields [7]string
	for f := 0; f < 7; f++ {
		v, r, ok := headerField(rest)
		if !ok {
			if f == 6 {
				// No trailing '|' after the severity: an event without extension.
				fields[6], rest = v, ""
				break
			}
			return nil, malformed("CEF header has %d of 7 fields", f+1)
		}
		fields[f], rest = v, r
	}
	e.Version = strings.TrimSpace(fields[0])
	if e.Version == "" || strings.Trim(e.Version, "0123456789.") != "" {
		return nil, malformed("CEF version %q is not a number", clip(e.Version))
	}
	e.DeviceVendor, e.DeviceProduct, e.DeviceVersion = fields[1], fields[2], fields[3]
	e.SignatureID, e.Name, e.Severity = fields[4], fields[5], strings.TrimSpace(fields[6])
	e.Extensions = Extensions(rest)
	return e, nil
}

// headerField cuts a header field at the next unescaped '|' and unescapes it.
func headerField(s string) (field, rest string, ok bool) {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) && (s[i+1] == '|' || s[i+1] == '\\') {
			sb.WriteByte(s[i+1])
			i++
			continue
		}
		if c == '|' {
			return sb.String(), s[i+1:], true
		}
		sb.WriteByte(c)
	}
	return sb.String(), "", false
}

// isKey reports whether s can be an extension key: letters, digits and _ . - [ ].
func isKey(s string) bool {
	if s == "" || len(s) > 1023 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' ||
			c == '-' || c == '[' || c == ']') {
			return false
		}
	}
	return true
}

// Extensions parses a CEF extension: key=value pairs separated by spaces. A value ends at the last space before the
// next unescaped '=' whose preceding word is a valid key; an '=' without such a word belongs to the value (lenient
// for senders that do not escape it). Text before the first key is dropped.
func Extensions(s string) []Pair {
	var out []Pair
	// Positions of unescaped '=' preceded by a key that starts the string or follows a space.
	type kv struct{ keyStart, eq int }
	var marks []kv
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '=':
			j := i
			for j > 0 && s[j-1] != ' ' {
				j--
			}
			if isKey(s[j:i]) {
				marks = append(marks, kv{j, i})
			}
		}
	}
	for n, m := range marks {
		end := len(s)
		if n+1 < len(marks) {
			end = marks[n+1].keyStart
		}
		// A mark inside the previous value (no space before it) was skipped by keyStart logic only when the key
		// is invalid; here keys always start after a space, so trim the separating space(s).
		v := s[m.eq+1 : end]
		if n+1 < len(marks) {
			v = strings.TrimSuffix(v, " ")
		}
		out = append(out, Pair{Key: s[m.keyStart:m.eq], Value: unescape(strings.TrimRight(v, " "))})
	}
	return out
}

func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			switch s[i+1] {
			case '=', '\\', '|':
				sb.WriteByte(s[i+1])
				i++
				continue
			case 'n':
				sb.WriteByte('\n')
				i++
				continue
			case 'r':
				sb.WriteByte('\r')
				i++
				continue
			}
		}
		sb.WriteByte(c)
	}
	return sb.String()
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
