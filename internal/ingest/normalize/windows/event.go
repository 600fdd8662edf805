package windows

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/vigilsec/vigil/internal/ingest/normalize"
)

// Event is one Windows event, independent of the renderer that produced its JSON.
type Event struct {
	Provider     string
	ProviderGUID string
	Channel      string
	Computer     string
	// UserID is the SID of System/Security/@UserID.
	UserID     string
	EventID    int64
	Qualifiers string
	Version    string
	Level      int64
	HasLevel   bool
	Task       string
	Opcode     string
	// Keywords is written as Windows writes it: "0x8020000000000000".
	Keywords   string
	RecordID   string
	ProcessID  string
	ThreadID   string
	ActivityID string
	// Time is TimeCreated in Unix microseconds.
	Time int64
	// Message is the rendered message when the source carried one (RenderingInfo, Winlogbeat "message").
	Message string
	// Data holds the EventData (or UserData) fields in their order, values as Windows renders them.
	Data []Field
	// UserData names the UserData element the fields came from; empty for EventData.
	UserData string
	// Extra holds other sections of the record (ProcessingErrorData, RenderingInfo, ...) and renderer fields with
	// no place above, as JSON values.
	Extra []Field

	hex map[string]bool // the provider's hex fields, looked up once
}

// Field is one named value. Value is text; JSON is set when the value is a JSON number, object or array whose
// text should be written unquoted in a JSON bag.
type Field struct {
	Name  string
	Value string
	JSON  bool
	// Unnamed is set for a <Data> element without a Name; Name is then param1, param2, ….
	Unnamed bool
}

// Get returns the value of the first data field called name.
func (e *Event) Get(name string) string {
	for i := range e.Data {
		if e.Data[i].Name == name {
			return e.Data[i].Value
		}
	}
	return ""
}

// ErrMalformed classifies events that cannot be read.
var ErrMalformed = errors.New("malformed windows event")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// Decode reads a Windows event from JSON as rendered by the Velocidex evtx library ({"System":…,"EventData":…}),
// by evtx_dump ({"Event":{"#attributes":…,"System":…}}), by Winlogbeat ({"winlog":…}) or flattened
// ({"EventID":…,"Channel":…, data fields…}, as NXLog and Sigma test data write it). Numbers that Windows writes in
// hex are restored to that form (see [HexFields]).
func Decode(v *fastjson.Value) (*Event, error) {
	if v == nil || v.Type() != fastjson.TypeObject {
		return nil, malformed("not a JSON object")
	}
	if ev := v.Get("Event"); ev != nil && ev.Type() == fastjson.TypeObject && ev.Get("System") != nil {
		v = ev
	}
	e := &Event{Data: make([]Field, 0, 24)}
	var err error
	switch {
	case v.Get("System") != nil:
		err = e.decodeXMLish(v)
	case v.Get("winlog") != nil:
		err = e.decodeWinlogbeat(v)
	case v.Get("EventID") != nil || v.Get("EventId") != nil || v.Get("event_id") != nil:
		err = e.decodeFlat(v)
	default:
		return nil, malformed("no System section, winlog object or EventID field")
	}
	if err != nil {
		return nil, err
	}
	if e.Time == 0 {
		if t := e.Get("UtcTime"); t != "" {
			if us, terr := normalize.ParseDatetime(t); terr == nil {
				e.Time = us
			}
		}
		if e.Time == 0 {
			return nil, malformed("no event time (System/TimeCreated/@SystemTime)")
		}
	}
	return e, nil
}

// attr returns o[name] or o["#attributes"][name] (evtx_dump keeps XML attributes apart).
func attr(o *fastjson.Value, name string) *fastjson.Value {
	if o == nil {
		return nil
	}
	if v := o.Get(name); v != nil {
		return v
	}
	return o.Get("#attributes", name)
}

// text renders a scalar as text: strings as they are, numbers in their JSON form, true/false, null as "".
func text(v *fastjson.Value) string {
	if v == nil {
		return ""
	}
	switch v.Type() {
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		return string(b)
	case fastjson.TypeNull:
		return ""
	case fastjson.TypeObject:
		// {"#text": x} or {"Value": x} wrappers.
		if t := v.Get("#text"); t != nil {
			return text(t)
		}
		if t := v.Get("Value"); t != nil {
			return text(t)
		}
	}
	return v.String()
}

func (e *Event) decodeXMLish(v *fastjson.Value) error {
	sys := v.Get("System")
	if sys.Type() != fastjson.TypeObject {
		return malformed("System is %s, not an object", sys.Type())
	}
	prov := sys.Get("Provider")
	e.Provider = text(attr(prov, "Name"))
	e.ProviderGUID = text(attr(prov, "Guid"))
	if err := e.setEventID(sys.Get("EventID")); err != nil {
		return err
	}
	if q := attr(sys.Get("EventID"), "Qualifiers"); q != nil {
		e.Qualifiers = text(q)
	}
	e.Version = text(sys.Get("Version"))
	if lv := sys.Get("Level"); lv != nil {
		if n, err := strconv.ParseInt(text(lv), 10, 64); err == nil {
			e.Level, e.HasLevel = n, true
		}
	}
	e.Task = text(sys.Get("Task"))
	e.Opcode = text(sys.Get("Opcode"))
	e.Keywords = keywords(sys.Get("Keywords"))
	e.RecordID = text(sys.Get("EventRecordID"))
	if ex := sys.Get("Execution"); ex != nil {
		e.ProcessID = text(attr(ex, "ProcessID"))
		e.ThreadID = text(attr(ex, "ThreadID"))
	}
	e.ActivityID = text(attr(sys.Get("Correlation"), "ActivityID"))
	e.Channel = text(sys.Get("Channel"))
	e.Computer = text(sys.Get("Computer"))
	e.UserID = text(attr(sys.Get("Security"), "UserID"))
	tc := attr(sys.Get("TimeCreated"), "SystemTime")
	if tc != nil {
		us, err := timeValue(tc)
		if err != nil {
			return malformed("System/TimeCreated: %v", err)
		}
		e.Time = us
	}
	v.GetObject().Visit(func(key []byte, val *fastjson.Value) {
		switch k := string(key); k {
		case "System", "#attributes":
		case "EventData":
			e.dataObject(val)
		case "UserData":
			if o, err := val.Object(); err == nil {
				o.Visit(func(key []byte, inner *fastjson.Value) {
					if e.UserData == "" && inner.Type() == fastjson.TypeObject {
						e.UserData = string(key)
						e.dataObject(inner)
					} else {
						e.Data = append(e.Data, e.field(string(key), inner))
					}
				})
			} else {
				e.Extra = append(e.Extra, rawField(k, val))
			}
		case "RenderingInfo":
			e.Message = text(val.Get("Message"))
			e.Extra = append(e.Extra, rawField(k, val))
		default:
			e.Extra = append(e.Extra, rawField(k, val))
		}
	})
	return nil
}

// dataObject reads an EventData-like object: named fields, or Data holding {Name,Value} pairs, evtx_dump's
// {"#attributes":{"Name"},"#text"} pairs, or unnamed values (named param1, param2, … as Event.ParameterXml numbers
// them).
func (e *Event) dataObject(v *fastjson.Value) {
	o, err := v.Object()
	if err != nil {
		if v.Type() != fastjson.TypeNull {
			e.Data = append(e.Data, e.field("Data", v))
		}
		return
	}
	unnamed := 0
	addData := func(d *fastjson.Value) {
		if d.Type() == fastjson.TypeObject {
			if n := attr(d, "Name"); n != nil {
				val := d.Get("Value")
				if val == nil {
					val = d.Get("#text")
				}
				e.Data = append(e.Data, e.field(text(n), val))
				return
			}
		}
		unnamed++
		f := e.field("param"+strconv.Itoa(unnamed), d)
		f.Unnamed = true
		e.Data = append(e.Data, f)
	}
	o.Visit(func(key []byte, val *fastjson.Value) {
		k := string(key)
		switch {
		case k == "#attributes" || strings.HasPrefix(k, "xmlns"):
			if k == "#attributes" {
				e.Extra = append(e.Extra, rawField("EventDataAttributes", val))
			}
		case k == "Data" && val.Type() == fastjson.TypeArray:
			for _, d := range val.GetArray() {
				addData(d)
			}
		case k == "Data" && val.Type() == fastjson.TypeObject:
			addData(val)
		case k == "#text":
			unnamed++
			f := e.field("param"+strconv.Itoa(unnamed), val)
			f.Unnamed = true
			e.Data = append(e.Data, f)
		default:
			e.Data = append(e.Data, e.field(k, val))
		}
	})
}

// field makes a data field, restoring hex for the fields Windows writes in hex.
func (e *Event) field(name string, v *fastjson.Value) Field {
	if v == nil {
		return Field{Name: name}
	}
	switch v.Type() {
	case fastjson.TypeNumber:
		s := v.String()
		if e.hex == nil {
			e.hex = hexSet(e.Provider)
		}
		if e.hex[name] {
			if h, ok := hexText(s); ok {
				return Field{Name: name, Value: h}
			}
		}
		return Field{Name: name, Value: s, JSON: true}
	case fastjson.TypeObject, fastjson.TypeArray:
		return rawField(name, v)
	}
	return Field{Name: name, Value: text(v)}
}

func rawField(name string, v *fastjson.Value) Field {
	if v.Type() == fastjson.TypeString {
		return Field{Name: name, Value: text(v)}
	}
	return Field{Name: name, Value: string(v.MarshalTo(nil)), JSON: true}
}

func (e *Event) setEventID(v *fastjson.Value) error {
	if v == nil {
		return malformed("no EventID")
	}
	s := text(v)
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 || n > math.MaxUint32 {
		return malformed("EventID %q is not a number", clip(s))
	}
	e.EventID = n
	return nil
}

// keywords renders System/Keywords as Windows does: 0x and lower-case hex.
func keywords(v *fastjson.Value) string {
	if v == nil {
		return ""
	}
	s := text(v)
	if v.Type() == fastjson.TypeNumber {
		if h, ok := hexText(s); ok {
			return h
		}
	}
	return s
}

// hexText turns decimal text into 0x-prefixed lower-case hex; negative numbers are read as their two's complement
// (the evtx renderer prints a HexInt32 above 0x7fffffff as a negative number in some versions).
func hexText(s string) (string, bool) {
	if u, err := strconv.ParseUint(s, 10, 64); err == nil {
		return "0x" + strconv.FormatUint(u, 16), true
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n >= math.MinInt32 {
			return "0x" + strconv.FormatUint(uint64(uint32(n)), 16), true
		}
		return "0x" + strconv.FormatUint(uint64(n), 16), true
	}
	return "", false
}

// timeValue reads a SystemTime: Unix seconds as a number (Velocidex) or a datetime string.
func timeValue(v *fastjson.Value) (int64, error) {
	switch v.Type() {
	case fastjson.TypeNumber:
		return unixSeconds(v.String())
	case fastjson.TypeString:
		s := text(v)
		if us, err := normalize.ParseDatetime(s); err == nil {
			return us, nil
		}
		if us, err := unixSeconds(s); err == nil {
			return us, nil
		}
		return 0, fmt.Errorf("invalid time %q", clip(s))
	}
	return 0, fmt.Errorf("time is %s", v.Type())
}

// unixSeconds reads decimal Unix seconds with a fraction exactly (no float rounding) into microseconds.
func unixSeconds(s string) (int64, error) {
	sec, frac, _ := strings.Cut(s, ".")
	n, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || n < 0 || n > 1<<40 {
		if f, ferr := strconv.ParseFloat(s, 64); ferr == nil && f > 0 && f < 1<<40 {
			return int64(f * 1e6), nil
		}
		return 0, fmt.Errorf("invalid Unix time %q", clip(s))
	}
	us := n * 1e6
	mul := int64(100000)
	for i := 0; i < len(frac) && mul > 0; i++ {
		c := frac[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("invalid Unix time %q", clip(s))
		}
		us += int64(c-'0') * mul
		mul /= 10
	}
	return us, nil
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
