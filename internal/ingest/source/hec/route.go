package hec

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/valyala/fastjson"

	"github.com/vigilsec/vigil/internal/ingest/file"
	"github.com/vigilsec/vigil/internal/ingest/normalize/windows"
	"github.com/vigilsec/vigil/internal/ingest/parse/cloud"
	"github.com/vigilsec/vigil/internal/ingest/parse/syslog"
	"github.com/vigilsec/vigil/internal/ingest/source"
	"github.com/vigilsec/vigil/internal/schema"
)

// Readers an event's source type can select.
const (
	// ReaderSyslog reads a string event as a syslog line (RFC 3164/5424), or CEF or LEEF when it carries their
	// header: Syslog (+ DeviceLogonEvents for sshd and sudo) or CommonSecurityLog.
	ReaderSyslog = "syslog"
	// ReaderWinEvent reads an XML string (XmlWinEventLog) or a Windows event JSON object: SecurityEvent, the
	// Device* tables for Sysmon, Event for other channels.
	ReaderWinEvent = "winevent"
	// ReaderJSON writes an object event into the table named by the event's index when that is a schema table,
	// else into the custom table <SourceType>_CL; a string event goes there as RawData.
	ReaderJSON = "json"
	// TablePrefix prefixes a table name ("table:AWSCloudTrail"): object events go into that table by column name.
	TablePrefix = "table:"
	// CloudPrefix prefixes a cloud audit format ("cloud:cloudtrail", see package cloud): object events are read as
	// records of that service.
	CloudPrefix = "cloud:"
)

// DefaultSourceTypes maps Splunk source types to readers. Keys are matched without regard to case; a key ending
// in "*" matches by prefix and one starting with "*" by suffix ("*:cef" matches "fortinet:cef").
var DefaultSourceTypes = map[string]string{
	"syslog":                   ReaderSyslog,
	"linux_secure":             ReaderSyslog,
	"linux_messages_syslog":    ReaderSyslog,
	"rfc5424_syslog":           ReaderSyslog,
	"cef":                      ReaderSyslog,
	"*:cef":                    ReaderSyslog,
	"leef":                     ReaderSyslog,
	"*:leef":                   ReaderSyslog,
	"XmlWinEventLog":           ReaderWinEvent,
	"XmlWinEventLog:*":         ReaderWinEvent,
	"WinEventLog":              ReaderWinEvent,
	"WinEventLog:*":            ReaderWinEvent,
	"_json":                    ReaderJSON,
	"aws:cloudtrail":           CloudPrefix + cloud.FormatCloudTrail,
	"ms:aad:signin":            CloudPrefix + cloud.FormatEntraSignIn,
	"azure:aad:signin":         CloudPrefix + cloud.FormatEntraSignIn,
	"ms:aad:audit":             CloudPrefix + cloud.FormatEntraAudit,
	"azure:aad:audit":          CloudPrefix + cloud.FormatEntraAudit,
	"o365:management:activity": CloudPrefix + cloud.FormatO365,
	"OktaIM2:log":              CloudPrefix + cloud.FormatOkta,
	"gws:reports:*":            CloudPrefix + cloud.FormatGWorkspace,
}

// Router picks the reader of a source type: the configured map first, then [DefaultSourceTypes], else
// [ReaderJSON].
type Router struct {
	exact    map[string]string
	prefixes [][2]string
	suffixes [][2]string
}

// NewRouter returns a Router over the defaults with overrides laid on top. It fails for an unknown reader name.
func NewRouter(overrides map[string]string) (*Router, error) {
	r := &Router{exact: map[string]string{}}
	merged := map[string]string{}
	for k, v := range DefaultSourceTypes {
		merged[strings.ToLower(k)] = v
	}
	for k, v := range overrides {
		if err := ValidReader(v); err != nil {
			return nil, fmt.Errorf("hec.source_types[%q]: %w", k, err)
		}
		merged[strings.ToLower(k)] = v
	}
	keys := make([]string, 0, len(merged))
	for k := range merged {
		keys = append(keys, k)
	}
	// Longer patterns first, so the most specific one wins.
	sort.Slice(keys, func(i, j int) bool {
		return len(keys[i]) > len(keys[j]) || len(keys[i]) == len(keys[j]) && keys[i] < keys[j]
	})
	for _, k := range keys {
		switch {
		case strings.HasSuffix(k, "*"):
			r.prefixes = append(r.prefixes, [2]string{strings.TrimSuffix(k, "*"), merged[k]})
		case strings.HasPrefix(k, "*"):
			r.suffixes = append(r.suffixes, [2]string{strings.TrimPrefix(k, "*"), merged[k]})
		default:
			r.exact[k] = merged[k]
		}
	}
	return r, nil
}

// ValidReader checks a reader name.
func ValidReader(v string) error {
	switch v {
	case ReaderSyslog, ReaderWinEvent, ReaderJSON:
		return nil
	}
	if t, ok := strings.CutPrefix(v, TablePrefix); ok && schema.ValidTableName(t) {
		return nil
	}
	if f, ok := strings.CutPrefix(v, CloudPrefix); ok && cloud.Normalizers[f] != nil {
		return nil
	}
	return fmt.Errorf("unknown reader %q (syslog, winevent, json, table:<Name> or cloud:<%s>)", v, strings.Join(cloud.Formats(), "|"))
}

// Reader returns the reader of a source type.
func (r *Router) Reader(sourceType string) string {
	st := strings.ToLower(sourceType)
	if v, ok := r.exact[st]; ok {
		return v
	}
	for _, p := range r.prefixes {
		if strings.HasPrefix(st, p[0]) {
			return p[1]
		}
	}
	for _, p := range r.suffixes {
		if strings.HasSuffix(st, p[0]) {
			return p[1]
		}
	}
	return ReaderJSON
}

// normalizer writes events into a request.
type normalizer struct {
	router *Router
	cat    *schema.Catalog
	lines  *file.Lines
	arena  fastjson.Arena
}

// write normalises one event into q. received is the time used for events without one.
func (n *normalizer) write(ctx context.Context, q *source.Request, e *Event, received int64) error {
	t := received
	if e.HasTime {
		t = e.Time
	}
	reader := n.router.Reader(e.SourceType)
	switch {
	case reader == ReaderSyslog:
		text, ok := syslogText(e.Event)
		if !ok {
			return &RecordError{Code: CodeInvalidFormat, Reason: fmt.Sprintf("source type %q is read as syslog text, but the event is %s with no line, log or message string", e.SourceType, e.Event.Type())}
		}
		return n.lines.Normalize(text, syslog.Meta{Received: t}, q.Set)
	case reader == ReaderWinEvent:
		if e.Event.Type() == fastjson.TypeString {
			ev, err := windows.DecodeXML(string(e.Event.GetStringBytes()))
			if err != nil {
				return err
			}
			return windows.Write(ev, q.Set)
		}
		return windows.Normalize(e.Event, q.Set)
	case strings.HasPrefix(reader, CloudPrefix):
		if e.Event.Type() != fastjson.TypeObject {
			return &RecordError{Code: CodeInvalidFormat, Reason: fmt.Sprintf("source type %q is read as %s records, but the event is %s", e.SourceType, strings.TrimPrefix(reader, CloudPrefix), e.Event.Type())}
		}
		return cloud.Normalizers[strings.TrimPrefix(reader, CloudPrefix)](e.Event, q.Set)
	case strings.HasPrefix(reader, TablePrefix):
		return n.object(ctx, q, strings.TrimPrefix(reader, TablePrefix), e, t)
	}
	table := ""
	if tb, ok := n.cat.Table(e.Index); ok && !schema.IsCustom(tb.Name) && tb.Source != "vigil" {
		table = tb.Name
	} else {
		st := e.SourceType
		if st == "" || st == "_json" {
			st = "httpevent"
		}
		if table = source.CustomName(st); table == "" {
			return &RecordError{Code: CodeInvalidFormat, Reason: fmt.Sprintf("source type %q makes no table name", e.SourceType)}
		}
	}
	return n.object(ctx, q, table, e, t)
}

// syslogText returns the text of an event read as syslog: a string event, or the line of an object event as
// shippers wrap it: "line" (Docker's splunk logging driver, inline and json formats), "log" (Fluent Bit's splunk
// output without splunk_send_raw), "message" (Vector and ECS).
func syslogText(v *fastjson.Value) (string, bool) {
	switch v.Type() {
	case fastjson.TypeString:
		return string(v.GetStringBytes()), true
	case fastjson.TypeObject:
		for _, k := range []string{"line", "log", "message"} {
			if f := v.Get(k); f != nil && f.Type() == fastjson.TypeString {
				return string(f.GetStringBytes()), true
			}
		}
	}
	return "", false
}

// object writes an object event (or a string event as RawData) into table. A custom table also gets the event's
// host, source, source type and indexed fields as columns when the event has no field of that name.
func (n *normalizer) object(ctx context.Context, q *source.Request, table string, e *Event, t int64) error {
	var o *fastjson.Object
	if e.Event.Type() == fastjson.TypeObject {
		o = e.Event.GetObject()
	} else {
		o = n.arena.NewObject().GetObject()
		raw := e.Event.String()
		if e.Event.Type() == fastjson.TypeString {
			raw = string(e.Event.GetStringBytes())
		}
		o.Set("RawData", n.arena.NewString(raw))
	}
	if schema.IsCustom(table) {
		for _, kv := range [][2]string{{"Computer", e.Host}, {"Source", e.Source}, {"SourceType", e.SourceType}} {
			if kv[1] != "" && o.Get(kv[0]) == nil {
				o.Set(kv[0], n.arena.NewString(kv[1]))
			}
		}
		if e.Fields != nil {
			e.Fields.Visit(func(k []byte, v *fastjson.Value) {
				if o.Get(string(k)) == nil {
					o.Set(string(k), v)
				}
			})
		}
	}
	if err := q.Object(ctx, table, o, t); err != nil {
		return err
	}
	return nil
}

func nowMicros() int64 { return time.Now().UnixMicro() }
