// Package auditd reads Linux audit records (auditd's audit.log format, also as syslog messages from audisp or
// rsyslog) and joins the records of one event (msg=audit(TIME:SERIAL)) into rows: an execve (SYSCALL + EXECVE +
// CWD + PATH) → DeviceProcessEvents with its arguments decoded; PATH items a syscall created or deleted →
// DeviceFileEvents (FileCreated, FileDeleted, FileRenamed); any other event → Syslog, its records kept as they came.
package auditd

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Record is one audit record.
type Record struct {
	Type string
	// Time is the event time in Unix microseconds; Serial and Node identify the event.
	Time   int64
	Serial string
	Node   string
	// Fields are the record's fields in order, values unquoted (not hex-decoded: see [Record.Text]).
	Fields []Field
	// Enriched are the interpreted fields auditd appends in its ENRICHED log format (UID="alice").
	Enriched []Field
	// Raw is the record as it came.
	Raw string
}

// Field is one name=value pair; Quoted is true when the value was in double quotes.
type Field struct {
	Name, Value string
	Quoted      bool
}

// Get returns the raw value of the first field called name.
func (r *Record) Get(name string) (Field, bool) {
	for _, f := range r.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Text returns a field's value: a quoted value as it is; an unquoted value of a string field (arguments, names,
// paths, comm, exe, key, …) hex-decoded when auditd encoded it (it does so for strings holding spaces, quotes or
// control characters); "(null)" and "?" as empty.
func (r *Record) Text(name string) string {
	f, ok := r.Get(name)
	if !ok {
		return ""
	}
	return decode(f)
}

// encoded are the fields auditd writes hex-encoded when their value is not safe to print.
var encoded = map[string]bool{
	"name": true, "cwd": true, "exe": true, "comm": true, "ocomm": true, "proctitle": true, "key": true, "path": true,
	"cmd": true, "acct": true, "data": true, "old": true, "new": true, "dir": true, "file": true, "watch": true,
	"root_dir": true, "vm": true, "id": true, "grp": true, "new_group": true,
}

// isArg reports whether name is an EXECVE argument field: a0, a12, a3[0].
func isArg(name string) bool {
	if len(name) < 2 || name[0] != 'a' {
		return false
	}
	i := 1
	for i < len(name) && name[i] >= '0' && name[i] <= '9' {
		i++
	}
	return i > 1 && (i == len(name) || name[i] == '[')
}

func decode(f Field) string {
	if f.Quoted {
		return f.Value
	}
	if f.Value == "(null)" || f.Value == "?" {
		return ""
	}
	if (encoded[f.Name] || isArg(f.Name)) && len(f.Value)%2 == 0 && len(f.Value) > 0 && isHex(f.Value) {
		if b, err := hex.DecodeString(f.Value); err == nil {
			return string(b)
		}
	}
	return f.Value
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// EnrichedText returns the interpreted value of name (UID, AUID, SYSCALL, ...), or "".
func (r *Record) EnrichedText(name string) string {
	for _, f := range r.Enriched {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// ErrMalformed classifies lines that are not audit records.
var ErrMalformed = errors.New("malformed audit record")

// IsRecord reports whether s looks like an audit record ("type=X msg=audit(…)", perhaps after "node=N ").
func IsRecord(s string) bool {
	i := strings.Index(s, "type=")
	return i >= 0 && i < 128 && strings.Contains(s[i:min(len(s), i+160)], " msg=audit(")
}

// Parse reads one record.
func Parse(s string) (Record, error) {
	r := Record{Raw: s}
	s = strings.TrimRight(s, "\r\n")
	main, enriched, _ := strings.Cut(s, "\x1d")
	i := strings.Index(main, "type=")
	if i < 0 {
		return r, fmt.Errorf("%w: no type=", ErrMalformed)
	}
	if pre := strings.TrimSpace(main[:i]); pre != "" {
		for _, f := range fields(pre) {
			if f.Name == "node" {
				r.Node = f.Value
			}
		}
	}
	rest := main[i+len("type="):]
	typ, rest, ok := strings.Cut(rest, " ")
	if !ok || typ == "" {
		return r, fmt.Errorf("%w: no msg= after type", ErrMalformed)
	}
	r.Type = typ
	rest = strings.TrimLeft(rest, " ")
	if !strings.HasPrefix(rest, "msg=audit(") {
		return r, fmt.Errorf("%w: want msg=audit(TIME:SERIAL) after type=%s", ErrMalformed, clip(typ))
	}
	rest = rest[len("msg=audit("):]
	end := strings.Index(rest, ")")
	if end < 0 {
		return r, fmt.Errorf("%w: msg=audit( is not closed", ErrMalformed)
	}
	stamp := rest[:end]
	ts, serial, ok := strings.Cut(stamp, ":")
	if !ok || serial == "" {
		return r, fmt.Errorf("%w: audit(%s) has no serial", ErrMalformed, clip(stamp))
	}
	us, err := parseTime(ts)
	if err != nil {
		return r, fmt.Errorf("%w: audit(%s): %v", ErrMalformed, clip(stamp), err)
	}
	r.Time, r.Serial = us, serial
	rest = strings.TrimPrefix(rest[end+1:], ":")
	// USER_* records carry their own fields in msg='…'.
	r.Fields = fields(rest)
	for j, f := range r.Fields {
		if f.Name == "msg" && strings.HasPrefix(f.Value, "'") {
			inner := strings.Trim(f.Value, "'")
			r.Fields = append(append(r.Fields[:j:j], fields(inner)...), r.Fields[j+1:]...)
			break
		}
	}
	r.Enriched = fields(enriched)
	return r, nil
}

// parseTime reads "1714557600.123" (seconds with milliseconds) into Unix microseconds.
func parseTime(s string) (int64, error) {
	whole, frac, _ := strings.Cut(s, ".")
	sec, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || sec < 0 || sec > 1e11 {
		return 0, errors.New("bad time")
	}
	us := sec * 1e6
	mult := int64(100000)
	for i := 0; i < len(frac) && mult > 0; i++ {
		if frac[i] < '0' || frac[i] > '9' {
			return 0, errors.New("bad time")
		}
		us += int64(frac[i]-'0') * mult
		mult /= 10
	}
	return us, nil
}

// fields splits "a=1 b=\"x y\" c='p q'" into fields.
func fields(s string) []Field {
	var out []Field
	for {
		s = strings.TrimLeft(s, " ")
		if s == "" {
			return out
		}
		eq := strings.IndexByte(s, '=')
		sp := strings.IndexByte(s, ' ')
		if eq < 0 || (sp >= 0 && sp < eq) {
			// A word without a value: skip it.
			if sp < 0 {
				return out
			}
			s = s[sp+1:]
			continue
		}
		name := s[:eq]
		s = s[eq+1:]
		var f Field
		switch {
		case strings.HasPrefix(s, `"`):
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				f = Field{Name: name, Value: s[1:], Quoted: true}
				s = ""
			} else {
				f = Field{Name: name, Value: s[1 : end+1], Quoted: true}
				s = s[end+2:]
			}
		case strings.HasPrefix(s, "'"):
			end := strings.IndexByte(s[1:], '\'')
			if end < 0 {
				f = Field{Name: name, Value: s}
				s = ""
			} else {
				f = Field{Name: name, Value: s[:end+2]}
				s = s[end+2:]
			}
		default:
			end := strings.IndexByte(s, ' ')
			if end < 0 {
				end = len(s)
			}
			f = Field{Name: name, Value: s[:end]}
			s = s[end:]
		}
		out = append(out, f)
	}
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
