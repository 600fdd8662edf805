package elastic

import (
	"context"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/valyala/fastjson"

	"github.com/vigilsec/vigil/internal/ingest/file"
	"github.com/vigilsec/vigil/internal/ingest/normalize"
	"github.com/vigilsec/vigil/internal/ingest/normalize/tables"
	"github.com/vigilsec/vigil/internal/ingest/normalize/windows"
	"github.com/vigilsec/vigil/internal/ingest/parse/auditd"
	"github.com/vigilsec/vigil/internal/ingest/parse/syslog"
	"github.com/vigilsec/vigil/internal/ingest/source"
	"github.com/vigilsec/vigil/internal/schema"
)

// Mapper writes ECS documents into tables by what they hold:
//
//   - Winlogbeat events (a "winlog" object): SecurityEvent for the Security channel, the Device* tables for Sysmon,
//     Event for other channels (the Windows normaliser reads them).
//   - Auditbeat process starts (event.module auditd or system, event.category process, event.type start):
//     DeviceProcessEvents; Auditbeat file_integrity events: DeviceFileEvents.
//   - Filebeat system module lines (event.dataset system.auth or system.syslog) and other documents whose message
//     is a syslog line read from a system log file: Syslog (+ DeviceLogonEvents for sshd and sudo).
//   - A document sent to an index that names a schema table ("CommonSecurityLog"): that table, by column name.
//   - Anything else: the custom table named after the dataset (event.dataset, data_stream.dataset, or the index
//     without its version or date: "filebeat-8.17.0" → filebeat_CL), columns created from the first document.
//
// A Mapper is not safe for concurrent use.
type Mapper struct {
	cat   *schema.Catalog
	lines *file.Lines
}

// NewMapper returns a Mapper over cat.
func NewMapper(cat *schema.Catalog) *Mapper { return &Mapper{cat: cat, lines: file.NewLines()} }

// Write normalises one document sent to index.
func (m *Mapper) Write(ctx context.Context, q *source.Request, index string, doc *fastjson.Value) error {
	if doc.Type() != fastjson.TypeObject {
		return fmt.Errorf("the document is %s, not an object", doc.Type())
	}
	ts, err := docTime(doc)
	if err != nil {
		return err
	}
	module, dataset := str(doc, "event", "module"), str(doc, "event", "dataset")
	switch {
	case doc.Get("winlog") != nil:
		return windows.Normalize(doc, q.Set)
	case (module == "auditd" || module == "system") && has(doc, "process") && isProcessStart(doc):
		return writeProcess(doc, ts, q.Set)
	case module == "file_integrity" && has(doc, "file"):
		return writeFile(doc, ts, q.Set)
	case dataset == "auditd.log" || module == "auditd" && auditd.IsRecord(str(doc, "message")):
		// Filebeat's auditd module ships audit.log lines; they are joined into events like any audit records.
		msg := str(doc, "message")
		if !auditd.IsRecord(msg) {
			return fmt.Errorf("an auditd.log document needs an audit record as its message")
		}
		return m.lines.Normalize(msg, syslog.Meta{Received: ts, SenderIP: str(doc, "host", "name")}, q.Set)
	case isSystemLog(dataset, doc):
		msg := str(doc, "message")
		if msg == "" {
			return fmt.Errorf("a %s document needs a message", dataset)
		}
		meta := syslog.Meta{Received: ts}
		return m.lines.Normalize(msg, meta, q.Set)
	}
	if tb, ok := m.cat.Table(index); ok && !schema.IsCustom(tb.Name) && tb.Source != "vigil" {
		return q.Object(ctx, tb.Name, doc.GetObject(), ts)
	}
	ds := dataset
	if ds == "" {
		ds = str(doc, "data_stream", "dataset")
	}
	if ds == "" {
		ds = IndexDataset(index)
	}
	table := source.CustomName(ds)
	if table == "" {
		return fmt.Errorf("index %q makes no table name", index)
	}
	return q.Object(ctx, table, doc.GetObject(), ts)
}

// Flush writes the audit events still waiting for their last record.
func (m *Mapper) Flush(q *source.Request) error { return m.lines.Flush(q.Set) }

// IndexDataset derives a dataset name from an index: the dataset part of a data stream name
// (logs-nginx.access-default → nginx.access), else the index without a leading ".ds-" and without what follows
// the first "-" that starts a version or a date (filebeat-8.17.0-2024.05.01 → filebeat).
func IndexDataset(index string) string {
	index = strings.TrimPrefix(index, ".ds-")
	parts := strings.Split(index, "-")
	if len(parts) == 3 && (parts[0] == "logs" || parts[0] == "metrics" || parts[0] == "traces") {
		return parts[1]
	}
	for i := 1; i < len(parts); i++ {
		if p := parts[i]; p != "" && p[0] >= '0' && p[0] <= '9' {
			return strings.Join(parts[:i], "-")
		}
	}
	return index
}

func isSystemLog(dataset string, doc *fastjson.Value) bool {
	switch dataset {
	case "system.auth", "system.syslog":
		return true
	case "":
		p := str(doc, "log", "file", "path")
		switch path.Base(p) {
		case "auth.log", "secure", "syslog", "messages":
			return true
		}
	}
	return false
}

// docTime reads @timestamp (or event.created), or returns the current time.
func docTime(doc *fastjson.Value) (int64, error) {
	for _, keys := range [][]string{{"@timestamp"}, {"event", "created"}} {
		v := doc.Get(keys...)
		if v == nil {
			continue
		}
		switch v.Type() {
		case fastjson.TypeString:
			us, err := normalize.ParseDatetime(string(v.GetStringBytes()))
			if err != nil {
				return 0, fmt.Errorf("%s: %v", strings.Join(keys, "."), err)
			}
			return us, nil
		case fastjson.TypeNumber:
			ms, err := v.Int64()
			if err != nil {
				return 0, fmt.Errorf("%s: expected epoch milliseconds", strings.Join(keys, "."))
			}
			return ms * 1000, nil
		}
	}
	return time.Now().UnixMicro(), nil
}

// str returns the text of the value at keys ("" when absent); numbers give their JSON text.
func str(v *fastjson.Value, keys ...string) string {
	x := v.Get(keys...)
	if x == nil {
		return ""
	}
	switch x.Type() {
	case fastjson.TypeString:
		return string(x.GetStringBytes())
	case fastjson.TypeNumber, fastjson.TypeTrue, fastjson.TypeFalse:
		return x.String()
	}
	return ""
}

func has(v *fastjson.Value, keys ...string) bool { return v.Get(keys...) != nil }

// strs returns the strings at keys, whether one string or an array of them.
func strs(v *fastjson.Value, keys ...string) []string {
	x := v.Get(keys...)
	if x == nil {
		return nil
	}
	if x.Type() == fastjson.TypeString {
		return []string{string(x.GetStringBytes())}
	}
	var out []string
	for _, e := range x.GetArray() {
		if e.Type() == fastjson.TypeString {
			out = append(out, string(e.GetStringBytes()))
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func isProcessStart(doc *fastjson.Value) bool {
	action := str(doc, "event", "action")
	switch action {
	case "executed", "process_started", "started-process", "exec":
		return true
	}
	return contains(strs(doc, "event", "category"), "process") && contains(strs(doc, "event", "type"), "start")
}

// writeProcess maps an Auditbeat process start (ECS process.*, user.*, host.*) onto DeviceProcessEvents.
func writeProcess(doc *fastjson.Value, ts int64, out tables.Sink) error {
	b, err := out.Builder("DeviceProcessEvents")
	if err != nil {
		return err
	}
	r := tables.Begin(b)
	r.Int("Timestamp", ts)
	r.Int("TimeGenerated", ts)
	host(r, doc)
	r.String("ActionType", "ProcessCreated")
	exe := str(doc, "process", "executable")
	name := str(doc, "process", "name")
	if name == "" && exe != "" {
		name = path.Base(exe)
	}
	r.String("FileName", name)
	r.String("FolderPath", exe)
	r.Text("ProcessId", str(doc, "process", "pid"))
	cmd := str(doc, "process", "command_line")
	if cmd == "" {
		cmd = strings.Join(strs(doc, "process", "args"), " ")
	}
	if cmd == "" {
		cmd = str(doc, "process", "title")
	}
	r.String("ProcessCommandLine", cmd)
	r.Text("ProcessCreationTime", str(doc, "process", "start"))
	r.String("AccountName", str(doc, "user", "name"))
	r.String("AccountSid", str(doc, "user", "id"))
	r.String("InitiatingProcessAccountName", str(doc, "user", "name"))
	ppid := str(doc, "process", "parent", "pid")
	if ppid == "" {
		ppid = str(doc, "process", "ppid")
	}
	r.Text("InitiatingProcessId", ppid)
	r.String("InitiatingProcessFileName", str(doc, "process", "parent", "name"))
	r.String("InitiatingProcessFolderPath", str(doc, "process", "parent", "executable"))
	r.String("AdditionalFields", string(doc.MarshalTo(nil)))
	r.Commit()
	return nil
}

// fileActions maps Auditbeat file_integrity actions onto DeviceFileEvents action types.
var fileActions = map[string]string{
	"created": "FileCreated", "deleted": "FileDeleted", "updated": "FileModified", "moved": "FileRenamed",
	"attributes_modified": "FileModified",
}

// writeFile maps an Auditbeat file_integrity event onto DeviceFileEvents.
func writeFile(doc *fastjson.Value, ts int64, out tables.Sink) error {
	action := ""
	for _, a := range strs(doc, "event", "action") {
		if t, ok := fileActions[a]; ok && (action == "" || t != "FileModified") {
			action = t
		}
	}
	if action == "" {
		return fmt.Errorf("file_integrity action %q has no DeviceFileEvents action type", strings.Join(strs(doc, "event", "action"), ","))
	}
	b, err := out.Builder("DeviceFileEvents")
	if err != nil {
		return err
	}
	r := tables.Begin(b)
	r.Int("Timestamp", ts)
	r.Int("TimeGenerated", ts)
	host(r, doc)
	r.String("ActionType", action)
	p := str(doc, "file", "path")
	r.String("FolderPath", p)
	r.String("FileName", path.Base(p))
	r.Text("FileSize", str(doc, "file", "size"))
	r.String("SHA256", str(doc, "file", "hash", "sha256"))
	r.String("SHA1", str(doc, "file", "hash", "sha1"))
	r.String("MD5", str(doc, "file", "hash", "md5"))
	r.String("InitiatingProcessFileName", str(doc, "process", "name"))
	r.Text("InitiatingProcessId", str(doc, "process", "pid"))
	r.String("InitiatingProcessAccountName", str(doc, "user", "name"))
	r.String("AdditionalFields", string(doc.MarshalTo(nil)))
	r.Commit()
	return nil
}

func host(r tables.Row, doc *fastjson.Value) {
	name := str(doc, "host", "name")
	if name == "" {
		name = str(doc, "host", "hostname")
	}
	r.String("DeviceName", name)
	r.String("DeviceId", str(doc, "host", "id"))
}
