// Package cloud normalises the audit records of cloud services, each as its public documentation describes it:
// AWS CloudTrail records → AWSCloudTrail; Microsoft Entra sign-ins (the Graph signIn resource) → SigninLogs and
// directory audits (directoryAudit) → AuditLogs; Microsoft 365 unified audit records (Office 365 Management
// Activity API) → OfficeActivity; Okta System Log events → Okta_CL; Google Workspace activities (Admin SDK Reports
// API) → GWorkspace_CL, one row per event.
//
// [Read] takes records as the services export them: one JSON document wrapping them ({"Records":[…]} as CloudTrail
// writes its S3 files, {"value":[…]} as Graph answers, {"items":[…]} as the Reports API answers), a JSON array, or
// one record a line. Fields a table has no column for are kept in its _Extra column, so nothing is lost.
package cloud

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/vigilsec/vigil/internal/ingest/normalize/tables"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/x/jsonw"
)

// Normalizer writes one record into out.
type Normalizer func(v *fastjson.Value, out tables.Sink) error

// Format names.
const (
	FormatCloudTrail  = "cloudtrail"
	FormatEntraSignIn = "entra-signin"
	FormatEntraAudit  = "entra-audit"
	FormatO365        = "o365"
	FormatOkta        = "okta"
	FormatGWorkspace  = "gworkspace"
)

// Normalizers maps each format to its normaliser.
var Normalizers = map[string]Normalizer{
	FormatCloudTrail:  CloudTrail,
	FormatEntraSignIn: EntraSignIn,
	FormatEntraAudit:  EntraAudit,
	FormatO365:        O365,
	FormatOkta:        Okta,
	FormatGWorkspace:  GWorkspace,
}

// Formats lists the format names in order.
func Formats() []string {
	out := make([]string, 0, len(Normalizers))
	for k := range Normalizers {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ErrMalformed classifies records that cannot be read.
var ErrMalformed = errors.New("malformed record")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// Detect names the format of a record by the fields its documentation gives it, or "".
func Detect(v *fastjson.Value) string {
	if v == nil || v.Type() != fastjson.TypeObject {
		return ""
	}
	has := func(keys ...string) bool {
		for _, k := range keys {
			if v.Get(k) == nil {
				return false
			}
		}
		return true
	}
	switch {
	case has("eventVersion", "eventSource", "eventName") || has("eventSource", "awsRegion"):
		return FormatCloudTrail
	case has("activityDisplayName", "activityDateTime"):
		return FormatEntraAudit
	case has("createdDateTime", "userPrincipalName") && (has("appDisplayName") || has("status")):
		return FormatEntraSignIn
	case has("CreationTime", "Operation", "RecordType") || has("CreationTime", "Workload"):
		return FormatO365
	case has("eventType", "published") && (has("actor") || has("uuid")):
		return FormatOkta
	case string(v.GetStringBytes("kind")) == "admin#reports#activity" || has("id", "actor", "events") && v.Get("id", "applicationName") != nil:
		return FormatGWorkspace
	}
	return ""
}

// Unwrap returns the records a document holds: the elements of its Records, value or items array when it is such
// a wrapper, of the document when it is an array, else the document itself.
func Unwrap(v *fastjson.Value) []*fastjson.Value {
	switch v.Type() {
	case fastjson.TypeArray:
		return v.GetArray()
	case fastjson.TypeObject:
		for _, k := range []string{"Records", "value", "items"} {
			if a := v.Get(k); a != nil && a.Type() == fastjson.TypeArray && Detect(v) == "" {
				return a.GetArray()
			}
		}
	}
	return []*fastjson.Value{v}
}

// mapper writes the fields of a record into a row.
type mapper struct {
	r     tables.Row
	lower map[string]string // lower-case column name → column name
	used  map[string]bool   // top-level keys written to a column
}

func newMapper(r tables.Row) *mapper {
	t := r.Table()
	lower := map[string]string{}
	for _, c := range t.Columns {
		if !strings.HasPrefix(c.Name, "_") {
			lower[strings.ToLower(c.Name)] = c.Name
		}
	}
	return &mapper{r: r, lower: lower, used: map[string]bool{}}
}

// text renders a value for a column: strings as they are, other scalars in JSON, objects and arrays as JSON text.
func text(v *fastjson.Value) string {
	if v == nil {
		return ""
	}
	switch v.Type() {
	case fastjson.TypeString:
		return string(v.GetStringBytes())
	case fastjson.TypeNull:
		return ""
	}
	return string(v.MarshalTo(nil))
}

// set writes the value at path into col (a failed conversion leaves the column empty; the value stays in _Extra
// when its top-level key is not marked used).
func (m *mapper) set(col string, v *fastjson.Value, path ...string) {
	x := v.Get(path...)
	if x == nil || x.Type() == fastjson.TypeNull {
		return
	}
	if m.r.Text(col, text(x)) && len(path) == 1 {
		m.used[path[0]] = true
	}
}

// auto writes every top-level field whose name matches a column, ignoring case ("ipAddress" → IPAddress), unless
// the column is already set.
func (m *mapper) auto(v *fastjson.Value) {
	v.GetObject().Visit(func(k []byte, x *fastjson.Value) {
		key := string(k)
		if m.used[key] || x.Type() == fastjson.TypeNull {
			return
		}
		col, ok := m.lower[strings.ToLower(key)]
		if !ok || m.r.IsSet(col) {
			return
		}
		if m.r.Text(col, text(x)) {
			m.used[key] = true
		}
	})
}

// extra writes the fields not used into _Extra.
func (m *mapper) extra(v *fastjson.Value) {
	var buf []byte
	v.GetObject().Visit(func(k []byte, x *fastjson.Value) {
		if m.used[string(k)] {
			return
		}
		if buf == nil {
			buf = append(buf, '{')
		} else {
			buf = append(buf, ',')
		}
		buf = jsonw.AppendString(buf, string(k))
		buf = append(buf, ':')
		buf = x.MarshalTo(buf)
	})
	if buf != nil {
		m.r.String(schema.ColExtra, string(append(buf, '}')))
	}
}

// begin starts a row of table with its time taken from the field at timePath, which is required.
func begin(out tables.Sink, table string, v *fastjson.Value, timePath ...string) (*mapper, error) {
	if v == nil || v.Type() != fastjson.TypeObject {
		return nil, malformed("not a JSON object")
	}
	ts := text(v.Get(timePath...))
	if ts == "" {
		return nil, malformed("no %s", strings.Join(timePath, "."))
	}
	b, err := out.Builder(table)
	if err != nil {
		return nil, err
	}
	r := tables.Begin(b)
	if !r.Text("TimeGenerated", ts) {
		r.Rollback()
		return nil, malformed("%s %q is not a time", strings.Join(timePath, "."), clip(ts))
	}
	m := newMapper(r)
	if len(timePath) == 1 {
		m.used[timePath[0]] = true
	}
	return m, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
