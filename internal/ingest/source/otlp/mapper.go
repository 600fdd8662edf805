package otlp

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fastjson"

	"github.com/vigilsec/vigil/internal/ingest/normalize/tables"
	"github.com/vigilsec/vigil/internal/ingest/parse/syslog"
	"github.com/vigilsec/vigil/internal/ingest/source"
	"github.com/vigilsec/vigil/internal/schema"
)

// AttrTable is the attribute (of the log record, else of the resource) that names the table a record goes to.
const AttrTable = "vigil.table"

// Mapper writes log records into tables:
//
//   - A record whose attribute "vigil.table" names a schema or custom (_CL) table goes there: resource and record
//     attributes (record ones winning) and the fields of a key-value body fill the columns of the same name, a
//     string body the table's message column (SyslogMessage, Message or RawData); the rest goes to _Extra.
//   - A record from a syslog receiver (attributes appname, hostname, facility or priority, as the collector's
//     syslog receiver sets them) goes to Syslog, and sshd and sudo lines to DeviceLogonEvents as well.
//   - Any other record goes to OTelLogs_CL.
//
// A Mapper is not safe for concurrent use.
type Mapper struct {
	cat *schema.Catalog
	p   fastjson.Parser
}

// NewMapper returns a Mapper over cat.
func NewMapper(cat *schema.Catalog) *Mapper { return &Mapper{cat: cat} }

// recordTime returns the record's time in Unix microseconds: its time, else its observed time, else now.
func recordTime(r *Record) int64 {
	switch {
	case r.TimeUnixNano != 0:
		return int64(r.TimeUnixNano / 1000)
	case r.ObservedUnixNano != 0:
		return int64(r.ObservedUnixNano / 1000)
	}
	return time.Now().UnixMicro()
}

func stringOf(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	b, _ := json.Marshal(plain(v))
	return string(b)
}

// Write writes one record.
func (m *Mapper) Write(ctx context.Context, q *source.Request, r *Record) error {
	table := stringOf(Get(r.Attributes, AttrTable))
	if table == "" {
		table = stringOf(Get(r.Resource, AttrTable))
	}
	if table != "" {
		return m.writeTable(ctx, q, table, r)
	}
	if isSyslog(r) {
		return writeSyslog(r, q.Set)
	}
	return writeOTel(r, q.Set)
}

func isSyslog(r *Record) bool {
	for _, k := range []string{"appname", "facility", "priority"} {
		if Get(r.Attributes, k) != nil {
			return true
		}
	}
	return false
}

// otelSeverity maps OTel severity numbers onto syslog severities (RFC 5424 codes).
func otelSeverity(n int32) int {
	switch {
	case n >= 21:
		return 2 // fatal → crit
	case n >= 17:
		return 3 // error → err
	case n >= 13:
		return 4 // warn → warning
	case n >= 9 || n == 0:
		return 6 // info
	}
	return 7 // trace, debug → debug
}

func writeSyslog(r *Record, out tables.Sink) error {
	msg := syslog.Message{Format: syslog.FormatNone, Facility: 1, Severity: otelSeverity(r.SeverityNumber)}
	if pri, err := strconv.Atoi(stringOf(Get(r.Attributes, "priority"))); err == nil && pri >= 0 && pri <= 191 {
		msg.HasPriority, msg.Facility, msg.Severity = true, pri/8, pri%8
	} else if f, err := strconv.Atoi(stringOf(Get(r.Attributes, "facility"))); err == nil && f >= 0 && f < 24 {
		msg.HasPriority, msg.Facility = true, f
	}
	switch stringOf(Get(r.Attributes, "version")) {
	case "1":
		msg.Format = syslog.FormatRFC5424
	case "0":
		msg.Format = syslog.FormatRFC3164
	}
	if r.TimeUnixNano != 0 {
		msg.Time, msg.HasTime = int64(r.TimeUnixNano/1000), true
	}
	msg.Hostname = stringOf(Get(r.Attributes, "hostname"))
	if msg.Hostname == "" {
		msg.Hostname = stringOf(Get(r.Resource, "host.name"))
	}
	msg.AppName = stringOf(Get(r.Attributes, "appname"))
	msg.ProcID = stringOf(Get(r.Attributes, "proc_id"))
	msg.MsgID = stringOf(Get(r.Attributes, "msg_id"))
	// The syslog parser's structured_data is a map of element ids to maps of parameters; kept in _Extra as the
	// syslog listeners keep it (parameters sorted by name, since the map has lost their order).
	if sd, ok := Get(r.Attributes, "structured_data").([]KeyValue); ok {
		for _, el := range sd {
			e := syslog.Element{ID: el.Key}
			params, _ := el.Value.([]KeyValue)
			for _, p := range params {
				e.Params = append(e.Params, syslog.Param{Name: p.Key, Value: stringOf(p.Value)})
			}
			sort.Slice(e.Params, func(i, j int) bool { return e.Params[i].Name < e.Params[j].Name })
			msg.StructuredData = append(msg.StructuredData, e)
		}
		sort.Slice(msg.StructuredData, func(i, j int) bool { return msg.StructuredData[i].ID < msg.StructuredData[j].ID })
	}
	msg.Text = stringOf(Get(r.Attributes, "message"))
	if msg.Text == "" {
		msg.Text = stringOf(r.Body)
	}
	return syslog.Write(&msg, syslog.Meta{Received: recordTime(r)}, out)
}

func writeOTel(r *Record, out tables.Sink) error {
	b, err := out.Builder(schema.TableOTelLogs)
	if err != nil {
		return err
	}
	row := tables.Begin(b)
	row.Int("TimeGenerated", recordTime(r))
	if r.ObservedUnixNano != 0 {
		row.Int("ObservedTime", int64(r.ObservedUnixNano/1000))
	}
	if r.SeverityNumber != 0 {
		row.Int("SeverityNumber", int64(r.SeverityNumber))
	}
	row.String("SeverityText", r.SeverityText)
	row.String("Body", stringOf(r.Body))
	row.String("Attributes", jsonText(attrMap(r.Attributes)))
	row.String("ResourceAttributes", jsonText(attrMap(r.Resource)))
	row.String("ScopeName", r.Scope.Name)
	row.String("ScopeVersion", r.Scope.Version)
	row.String("ScopeAttributes", jsonText(attrMap(r.Scope.Attributes)))
	if len(r.TraceID) > 0 {
		row.String("TraceId", hex.EncodeToString(r.TraceID))
	}
	if len(r.SpanID) > 0 {
		row.String("SpanId", hex.EncodeToString(r.SpanID))
	}
	if r.Flags != 0 {
		row.Int("Flags", int64(r.Flags))
	}
	row.String("EventName", r.EventName)
	row.String("ServiceName", stringOf(Get(r.Resource, "service.name")))
	row.String("HostName", stringOf(Get(r.Resource, "host.name")))
	if d := int64(r.Dropped) + int64(r.ResourceDropped); d > 0 {
		row.Int("DroppedAttributesCount", d)
	}
	row.Commit()
	return nil
}

func jsonText(m map[string]any) string {
	if len(m) == 0 {
		return ""
	}
	b, err := json.Marshal(m)
	if err != nil {
		return ""
	}
	return string(b)
}

// writeTable writes a record into the table it names.
func (m *Mapper) writeTable(ctx context.Context, q *source.Request, table string, r *Record) error {
	tb, ok := m.cat.Table(table)
	if ok && tb.Source == "vigil" {
		return fmt.Errorf("%s %q: not a table events can be sent to", AttrTable, table)
	}
	if !ok && !schema.IsCustom(table) {
		return fmt.Errorf("%s %q: not a schema table, and custom table names end in _CL", AttrTable, table)
	}
	row := map[string]any{}
	for _, kvs := range [][]KeyValue{r.Resource, r.Attributes} {
		for _, kv := range kvs {
			if kv.Key != AttrTable {
				row[kv.Key] = plain(kv.Value)
			}
		}
	}
	switch body := r.Body.(type) {
	case []KeyValue:
		for _, kv := range body {
			row[kv.Key] = plain(kv.Value)
		}
	case nil:
	default:
		col := "Body"
		if ok {
			for _, c := range []string{"SyslogMessage", "Message", "RawData"} {
				if _, _, has := tb.Column(c); has {
					col = c
					break
				}
			}
		} else {
			col = "RawData"
		}
		row[col] = stringOf(body)
	}
	if len(r.TraceID) > 0 {
		row["TraceId"] = hex.EncodeToString(r.TraceID)
	}
	if len(r.SpanID) > 0 {
		row["SpanId"] = hex.EncodeToString(r.SpanID)
	}
	b, err := json.Marshal(row)
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	v, err := m.p.ParseBytes(b)
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	return q.Object(ctx, table, v.GetObject(), recordTime(r))
}

// recordJSON renders a record for VigilIngestErrors.
func recordJSON(r *Record) string {
	out := map[string]any{
		"timeUnixNano": fmt.Sprint(r.TimeUnixNano), "severityNumber": r.SeverityNumber, "severityText": r.SeverityText,
		"body": plain(r.Body), "attributes": attrMap(r.Attributes), "resource": attrMap(r.Resource),
	}
	if len(r.TraceID) > 0 {
		out["traceId"] = hex.EncodeToString(r.TraceID)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return strings.TrimSpace(fmt.Sprint(out))
	}
	return string(b)
}
