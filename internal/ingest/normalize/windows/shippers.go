package windows

import (
	"strconv"
	"strings"

	"github.com/valyala/fastjson"
)

// decodeWinlogbeat reads Winlogbeat's (and Elastic Agent's) rendering: {"@timestamp", "message", "winlog": {
// "channel", "event_id", "provider_name", "computer_name", "record_id", "event_data", "user_data", ...}}.
func (e *Event) decodeWinlogbeat(v *fastjson.Value) error {
	w := v.Get("winlog")
	if w.Type() != fastjson.TypeObject {
		return malformed("winlog is %s, not an object", w.Type())
	}
	e.Provider = text(w.Get("provider_name"))
	e.ProviderGUID = text(w.Get("provider_guid"))
	if err := e.setEventID(w.Get("event_id")); err != nil {
		return err
	}
	e.Channel = text(w.Get("channel"))
	e.Computer = text(w.Get("computer_name"))
	e.RecordID = text(w.Get("record_id"))
	e.Version = text(w.Get("version"))
	e.Task = text(w.Get("task"))
	e.Opcode = text(w.Get("opcode"))
	e.ActivityID = text(w.Get("activity_id"))
	e.UserID = text(w.Get("user", "identifier"))
	e.ProcessID = text(w.Get("process", "pid"))
	e.ThreadID = text(w.Get("process", "thread", "id"))
	if kw := w.Get("keywords"); kw != nil {
		e.Extra = append(e.Extra, rawField("keywords", kw))
	}
	e.Message = text(v.Get("message"))
	if lv := v.Get("log", "level"); lv != nil {
		e.Extra = append(e.Extra, rawField("log.level", lv))
	}
	for _, section := range []string{"event_data", "user_data"} {
		if d := w.Get(section); d != nil {
			e.dataObject(d)
		}
	}
	ts := v.Get("@timestamp")
	if ts == nil {
		ts = v.Get("event", "created")
	}
	if ts != nil {
		us, err := timeValue(ts)
		if err != nil {
			return malformed("@timestamp: %v", err)
		}
		e.Time = us
	}
	return nil
}

// flatSystem maps the system field names flat renderings use (NXLog, Sigma test data, evtx_dump flattened) onto the
// Event fields.
var flatSystem = map[string]string{
	"EventID": "EventID", "EventId": "EventID", "event_id": "EventID",
	"Channel": "Channel", "channel": "Channel",
	"Provider_Name": "Provider", "ProviderName": "Provider", "SourceName": "Provider", "Provider": "Provider",
	"Provider_Guid": "ProviderGUID", "ProviderGuid": "ProviderGUID",
	"Computer": "Computer", "Hostname": "Computer", "ComputerName": "Computer", "computer_name": "Computer",
	"TimeCreated": "Time", "SystemTime": "Time", "EventTime": "Time", "@timestamp": "Time", "TimeGenerated": "Time",
	"Keywords": "Keywords", "Level": "Level", "Task": "Task", "Opcode": "Opcode", "Version": "Version",
	"EventRecordID": "RecordID", "RecordNumber": "RecordID", "record_id": "RecordID",
	"ExecutionProcessID": "ProcessID", "ExecutionThreadID": "ThreadID",
	"UserID": "UserID", "ActivityID": "ActivityID", "Message": "Message", "message": "Message",
}

// decodeFlat reads a flat object: system fields under the names in flatSystem, every other key a data field.
func (e *Event) decodeFlat(v *fastjson.Value) error {
	o := v.GetObject()
	// First pass: the provider, so hex restoration of data fields knows it.
	for _, k := range []string{"Provider_Name", "ProviderName", "SourceName", "Provider"} {
		if p := o.Get(k); p != nil && p.Type() == fastjson.TypeString {
			e.Provider = text(p)
			break
		}
	}
	var err error
	o.Visit(func(key []byte, val *fastjson.Value) {
		if err != nil {
			return
		}
		k := string(key)
		switch flatSystem[k] {
		case "EventID":
			err = e.setEventID(val)
		case "Channel":
			e.Channel = text(val)
		case "Provider":
			if e.Provider == "" {
				e.Provider = text(val.Get("Name"))
			}
		case "ProviderGUID":
			e.ProviderGUID = text(val)
		case "Computer":
			e.Computer = text(val)
		case "Time":
			if e.Time == 0 {
				tv := val
				if val.Type() == fastjson.TypeObject {
					tv = attr(val, "SystemTime")
				}
				if tv != nil {
					if us, terr := timeValue(tv); terr == nil {
						e.Time = us
					}
				}
			}
		case "Keywords":
			e.Keywords = keywords(val)
		case "Level":
			if n, perr := strconv.ParseInt(text(val), 10, 64); perr == nil {
				e.Level, e.HasLevel = n, true
			} else {
				e.Extra = append(e.Extra, rawField(k, val)) // NXLog writes the level's name
			}
		case "Task":
			e.Task = text(val)
		case "Opcode":
			e.Opcode = text(val)
		case "Version":
			e.Version = text(val)
		case "RecordID":
			e.RecordID = text(val)
		case "ProcessID":
			e.ProcessID = text(val)
		case "ThreadID":
			e.ThreadID = text(val)
		case "UserID":
			e.UserID = text(val)
		case "ActivityID":
			e.ActivityID = text(val)
		case "Message":
			e.Message = text(val)
		default:
			if k == "EventData" || k == "UserData" {
				e.dataObject(val)
				return
			}
			e.Data = append(e.Data, e.field(k, val))
		}
	})
	if err != nil {
		return err
	}
	if e.Channel == "" && strings.EqualFold(e.Provider, "Microsoft-Windows-Security-Auditing") {
		e.Channel = "Security"
	}
	return nil
}
