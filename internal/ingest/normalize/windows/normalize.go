package windows

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/normalize/tables"
	"github.com/vigilsec/vigil/internal/x/jsonw"
)

// Channels and providers that select a table.
const (
	ChannelSecurity     = "Security"
	ChannelSysmon       = "Microsoft-Windows-Sysmon/Operational"
	ProviderSysmon      = "Microsoft-Windows-Sysmon"
	ChannelSysmonLinux  = "Linux-Sysmon/Operational"
	ProviderSysmonLinux = "Linux-Sysmon"
)

func isSysmon(e *Event) bool {
	if e.Channel == "" {
		return strings.EqualFold(e.Provider, ProviderSysmon) || strings.EqualFold(e.Provider, ProviderSysmonLinux)
	}
	return strings.EqualFold(e.Channel, ChannelSysmon) || strings.EqualFold(e.Channel, ChannelSysmonLinux)
}

// Normalize decodes one event (see [Decode]) and adds its row to the table it belongs to, taken from out. A
// malformed event is rejected with an error that wraps [ErrMalformed] and says why; nothing is then added.
func Normalize(ev *fastjson.Value, out tables.Sink) error {
	return Normalizer{}.Normalize(ev, out)
}

// Write adds the row of a decoded event to the table [Table] names.
func Write(e *Event, out tables.Sink) error {
	return Normalizer{}.Write(e, out)
}

// Normalizer normalises events with options; the zero Normalizer is what [Normalize] uses.
type Normalizer struct {
	// DeviceTables adds, for Security events that have a Defender counterpart, a Device* row besides the
	// SecurityEvent row, so Defender-style content runs on Windows auditing too: 4688 → DeviceProcessEvents
	// (ProcessCreated), 4624/4625 → DeviceLogonEvents (LogonSuccess/LogonFailed).
	DeviceTables bool
}

// Normalize decodes one event and adds its rows (see [Normalize]).
func (n Normalizer) Normalize(ev *fastjson.Value, out tables.Sink) error {
	e, err := Decode(ev)
	if err != nil {
		return err
	}
	return n.Write(e, out)
}

// Table returns the table an event goes to.
func Table(e *Event) string {
	switch {
	case strings.EqualFold(e.Channel, ChannelSecurity):
		return "SecurityEvent"
	case isSysmon(e):
		return sysmonTable(e.EventID)
	}
	return "Event"
}

// Write adds the rows of a decoded event: its row in the table [Table] names, and with DeviceTables the Device*
// row of a Security event.
func (n Normalizer) Write(e *Event, out tables.Sink) error {
	name := Table(e)
	b, err := out.Builder(name)
	if err != nil {
		return fmt.Errorf("table %s: %w", name, err)
	}
	var db *batch.Builder
	device := ""
	if n.DeviceTables && name == "SecurityEvent" {
		device = securityDeviceTable(e.EventID)
		if device != "" {
			// Fetched first, so a failure adds no row at all.
			if db, err = out.Builder(device); err != nil {
				return fmt.Errorf("table %s: %w", device, err)
			}
		}
	}
	r := tables.Begin(b)
	switch name {
	case "SecurityEvent":
		writeSecurity(r, e)
	case "Event":
		writeEvent(r, e)
	default:
		writeSysmon(r, e)
	}
	r.Commit()
	if db != nil {
		dr := tables.Begin(db)
		writeSecurityDevice(dr, e)
		dr.Commit()
	}
	return nil
}

// levelName is the name Event Viewer gives a level.
func levelName(e *Event) string {
	if !e.HasLevel {
		return ""
	}
	switch e.Level {
	case 1:
		return "Critical"
	case 2:
		return "Error"
	case 3:
		return "Warning"
	case 5:
		return "Verbose"
	}
	return "Information"
}

// systemBag renders the system fields that have no column of their own, and the record's other sections, as a
// JSON object.
func systemBag(e *Event, buf []byte) []byte {
	buf = append(buf, '{')
	n := 0
	add := func(k, v string, raw bool) {
		if v == "" {
			return
		}
		if n > 0 {
			buf = append(buf, ',')
		}
		n++
		buf = jsonw.AppendString(buf, k)
		buf = append(buf, ':')
		if raw {
			buf = append(buf, v...)
		} else {
			buf = jsonw.AppendString(buf, v)
		}
	}
	add("Provider_Name", e.Provider, false)
	add("Provider_Guid", e.ProviderGUID, false)
	add("EventRecordID", e.RecordID, false)
	add("Keywords", e.Keywords, false)
	add("Version", e.Version, false)
	add("Opcode", e.Opcode, false)
	add("Qualifiers", e.Qualifiers, false)
	add("ExecutionProcessID", e.ProcessID, false)
	add("ExecutionThreadID", e.ThreadID, false)
	add("UserID", e.UserID, false)
	add("ActivityID", e.ActivityID, false)
	for _, f := range e.Extra {
		add(f.Name, f.Value, f.JSON)
	}
	return append(buf, '}')
}

// dataBag renders every data field and the system fields as one flat JSON object: data fields under their own
// names, then EventID, Channel, Computer, TimeCreated-independent system fields under the names Sigma uses.
func dataBag(e *Event) string {
	size := 256
	for i := range e.Data {
		size += len(e.Data[i].Name) + len(e.Data[i].Value) + 8
	}
	buf := make([]byte, 0, size)
	buf = append(buf, '{')
	n := 0
	// Data fields come first under their own names; a system field is added only when no data field has its name.
	add := func(k, v string, raw bool) {
		if n > 0 {
			buf = append(buf, ',')
		}
		n++
		buf = jsonw.AppendString(buf, k)
		buf = append(buf, ':')
		if raw {
			buf = append(buf, v...)
		} else {
			buf = jsonw.AppendString(buf, v)
		}
	}
	for _, f := range e.Data {
		add(f.Name, f.Value, f.JSON)
	}
	sys := func(k, v string, raw bool) {
		for i := range e.Data {
			if e.Data[i].Name == k {
				return
			}
		}
		add(k, v, raw)
	}
	sys("EventID", strconv.FormatInt(e.EventID, 10), true)
	sys("Channel", e.Channel, false)
	sys("Computer", e.Computer, false)
	for _, kv := range [][2]string{
		{"Provider_Name", e.Provider}, {"Provider_Guid", e.ProviderGUID}, {"EventRecordID", e.RecordID},
		{"Keywords", e.Keywords}, {"Version", e.Version}, {"Task", e.Task}, {"Opcode", e.Opcode},
		{"ExecutionProcessID", e.ProcessID}, {"ExecutionThreadID", e.ThreadID}, {"UserID", e.UserID},
		{"ActivityID", e.ActivityID},
	} {
		if kv[1] != "" {
			sys(kv[0], kv[1], false)
		}
	}
	if e.HasLevel {
		sys("Level", strconv.FormatInt(e.Level, 10), true)
	}
	for _, f := range e.Extra {
		sys(f.Name, f.Value, f.JSON)
	}
	return string(append(buf, '}'))
}

// eventDataXML renders the data fields as Log Analytics keeps them in an EventData column:
// <EventData xmlns="…"><Data Name="x">v</Data>…</EventData>, or <UserData><Elem><x>v</x>…</Elem></UserData>.
func eventDataXML(e *Event) string {
	if len(e.Data) == 0 {
		return ""
	}
	var sb strings.Builder
	size := 96
	for i := range e.Data {
		size += 2*len(e.Data[i].Name) + len(e.Data[i].Value) + 24
	}
	sb.Grow(size)
	if e.UserData != "" {
		sb.WriteString("<UserData><")
		sb.WriteString(e.UserData)
		sb.WriteString(` xmlns="http://schemas.microsoft.com/win/2004/08/events/event">`)
		for _, f := range e.Data {
			sb.WriteString("<" + f.Name + ">")
			xmlEscape(&sb, f.Value)
			sb.WriteString("</" + f.Name + ">")
		}
		sb.WriteString("</" + e.UserData + "></UserData>")
		return sb.String()
	}
	sb.WriteString(`<EventData xmlns="http://schemas.microsoft.com/win/2004/08/events/event">`)
	for _, f := range e.Data {
		if f.Unnamed {
			sb.WriteString("<Data>")
		} else {
			sb.WriteString(`<Data Name="`)
			xmlEscape(&sb, f.Name)
			sb.WriteString(`">`)
		}
		xmlEscape(&sb, f.Value)
		sb.WriteString("</Data>")
	}
	sb.WriteString("</EventData>")
	return sb.String()
}

func xmlEscape(sb *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '<':
			sb.WriteString("&lt;")
		case '>':
			sb.WriteString("&gt;")
		case '&':
			sb.WriteString("&amp;")
		case '"':
			sb.WriteString("&quot;")
		default:
			sb.WriteByte(c)
		}
	}
}

// writeEvent fills an Event row (System, Application, PowerShell and every other channel).
func writeEvent(r tables.Row, e *Event) {
	r.Int("TimeGenerated", e.Time)
	r.Int("EventID", e.EventID)
	r.String("Computer", e.Computer)
	r.String("EventLog", e.Channel)
	r.String("Source", e.Provider)
	if e.HasLevel {
		r.Int("EventLevel", e.Level)
	}
	r.String("EventLevelName", levelName(e))
	r.Text("EventCategory", e.Task)
	r.String("UserName", e.UserID)
	r.String("RenderedDescription", e.Message)
	r.String("EventData", eventDataXML(e))
	if len(e.Data) > 0 {
		var sb strings.Builder
		for _, f := range e.Data {
			sb.WriteString("<Param>")
			xmlEscape(&sb, f.Value)
			sb.WriteString("</Param>")
		}
		r.String("ParameterXml", sb.String())
	}
	r.String("Type", "Event")
	r.String("_Extra", string(systemBag(e, make([]byte, 0, 256))))
}

// baseName returns the last element of a Windows or POSIX path.
func baseName(p string) string {
	if i := strings.LastIndexAny(p, `\/`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// splitAccount splits "DOMAIN\user" (or "user@domain").
func splitAccount(s string) (domain, name string) {
	if d, n, ok := strings.Cut(s, `\`); ok {
		return d, n
	}
	if n, d, ok := strings.Cut(s, "@"); ok {
		return d, n
	}
	return "", s
}
