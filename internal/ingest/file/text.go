package file

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/ingest/normalize/tables"
	"github.com/vigilsec/vigil/internal/ingest/parse/auditd"
	"github.com/vigilsec/vigil/internal/ingest/parse/cef"
	"github.com/vigilsec/vigil/internal/ingest/parse/leef"
	"github.com/vigilsec/vigil/internal/ingest/parse/syslog"
	"github.com/vigilsec/vigil/internal/x/linereader"
)

// MaxLineBytes is the longest text line an import accepts; longer lines are rejected.
const MaxLineBytes = 1 << 20

// flushLines is how many accepted lines are gathered before a flush.
const flushLines = 4096

func init() {
	Register(FormatAuditd, textReader(FormatAuditd))
	Register(FormatSyslog, textReader(FormatSyslog))
	Register(FormatCEF, textReader(FormatCEF))
	Register(FormatLEEF, textReader(FormatLEEF))
}

// lineKind picks the parser of one line: CEF or LEEF when the line carries their header, an audit record when it
// is one (bare or inside a syslog message), else syslog; in the strict formats every line must carry that format's
// header.
func lineKind(format, line string) string {
	switch format {
	case FormatCEF, FormatLEEF:
		return format
	}
	if auditd.IsRecord(line) {
		return FormatAuditd
	}
	if i := strings.Index(line, "CEF:"); i >= 0 && i+4 < len(line) && line[i+4] >= '0' && line[i+4] <= '9' {
		return FormatCEF
	}
	if i := strings.Index(line, "LEEF:"); i >= 0 && i+5 < len(line) && line[i+5] >= '0' && line[i+5] <= '9' {
		return FormatLEEF
	}
	return FormatSyslog
}

// textReader reads one message a line (LF or CRLF; blank lines skipped and not counted).
func textReader(format string) ReadFunc {
	return func(in Input) (Counts, error) {
		r, out, maxRejects, flush := in.R, in.Out, in.Options.MaxRejects, in.Flush
		var c Counts
		sp := syslog.Parser{}
		cp := cef.Parser{Syslog: sp}
		lp := leef.Parser{Syslog: sp}
		lines := NewLines()
		meta := syslog.Meta{Received: time.Now().UnixMicro()}
		lr := linereader.New(r, MaxLineBytes)
		line, pending := 0, 0
		for {
			chunk, long, err := lr.Next()
			if err != nil && !errors.Is(err, io.EOF) {
				return c, fmt.Errorf("read line %d: %w", line+1, err)
			}
			if len(chunk) > 0 {
				line++
				text := strings.TrimRight(string(chunk), "\r\n\x00")
				var lerr error
				switch {
				case long:
					lerr = fmt.Errorf("line longer than %d bytes", MaxLineBytes)
				case strings.TrimSpace(text) == "":
					text = ""
				default:
					switch format {
					case FormatCEF:
						lerr = cp.Normalize(text, meta, out)
					case FormatLEEF:
						lerr = lp.Normalize(text, meta, out)
					default:
						lerr = lines.Normalize(text, meta, out)
					}
				}
				if text != "" || long {
					c.Read++
					if lerr != nil {
						c.Rejected++
						if len(c.Rejects) < maxRejects {
							c.Rejects = append(c.Rejects, Reject{Line: line, Error: lerr.Error()})
						}
					} else {
						c.Accepted++
						pending++
					}
				}
				if pending >= flushLines {
					pending = 0
					if ferr := flush(); ferr != nil {
						return c, ferr
					}
				}
			}
			if errors.Is(err, io.EOF) {
				// Audit events still waiting for their last record are written as they are.
				return c, lines.Flush(out)
			}
		}
	}
}

// Lines normalises text messages one at a time, each as CEF, LEEF, a Linux audit record or syslog by its own
// header (see [Detect]); the network listeners use it so a message arrives in the same tables whether it came in a
// file or over the wire. Audit records are joined into events across messages: call Flush to write the events
// still waiting for their last record. A Lines is not safe for concurrent use.
type Lines struct {
	sp   syslog.Parser
	cp   cef.Parser
	lp   leef.Parser
	join *auditd.Joiner
}

// NewLines returns a Lines.
func NewLines() *Lines {
	sp := syslog.Parser{}
	return &Lines{sp: sp, cp: cef.Parser{Syslog: sp}, lp: leef.Parser{Syslog: sp}, join: auditd.NewJoiner()}
}

// Normalize writes one message into out (an audit record may be written later, with the rest of its event).
func (l *Lines) Normalize(text string, meta syslog.Meta, out tables.Sink) error {
	switch lineKind("", text) {
	case FormatCEF:
		return l.cp.Normalize(text, meta, out)
	case FormatLEEF:
		return l.lp.Normalize(text, meta, out)
	case FormatAuditd:
		return l.audit(text, meta, out)
	}
	return l.sp.Normalize(text, meta, out)
}

// audit reads an audit record, bare (audit.log) or carried in a syslog message (audisp, rsyslog imfile).
func (l *Lines) audit(text string, meta syslog.Meta, out tables.Sink) error {
	host := meta.SenderIP
	if !strings.HasPrefix(text, "type=") && !strings.HasPrefix(text, "node=") {
		m, err := l.sp.Parse(text)
		if err != nil {
			return err
		}
		if !auditd.IsRecord(m.Text) {
			return syslog.Write(&m, meta, out)
		}
		text = m.Text
		if m.Hostname != "" {
			host = m.Hostname
		}
		if i := strings.Index(text, "node="); i > 0 && i < 64 {
			text = text[i:]
		} else if i := strings.Index(text, "type="); i > 0 {
			text = text[i:]
		}
	}
	rec, err := auditd.Parse(text)
	if err != nil {
		return err
	}
	return l.join.Add(rec, host, out)
}

// Flush writes the audit events still waiting for their last record.
func (l *Lines) Flush(out tables.Sink) error { return l.join.Flush(out) }

// Pending reports whether audit events are waiting for Flush.
func (l *Lines) Pending() bool { return l.join.Pending() > 0 }
