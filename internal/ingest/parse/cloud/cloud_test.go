package cloud_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/valyala/fastjson"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/file"
	"github.com/vigilsec/vigil/internal/ingest/normalize"
	"github.com/vigilsec/vigil/internal/ingest/normalize/tables"
	"github.com/vigilsec/vigil/internal/ingest/parse/cloud"
	"github.com/vigilsec/vigil/internal/schema"
)

func catalog(t testing.TB) *schema.Catalog {
	c := schema.NewCatalog()
	require.NoError(t, c.AddIngestTables())
	return c
}

// load imports a testdata file with format detection and returns the rows by table.
func load(t *testing.T, name string, gz bool) (file.Summary, map[string][]map[string]any) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	if gz {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(raw)
		require.NoError(t, zw.Close())
		raw = buf.Bytes()
	}
	rows := map[string][]map[string]any{}
	sum, err := file.ImportWith(context.Background(), bytes.NewReader(raw), file.Options{}, catalog(t), func(b *batch.Batch) error {
		for i := 0; i < b.Len; i++ {
			row := map[string]any{}
			for _, c := range b.Columns {
				if v := c.Value(i); v != nil {
					row[c.Name] = v
				}
			}
			rows[b.Table] = append(rows[b.Table], row)
		}
		return nil
	})
	require.NoError(t, err)
	return sum, rows
}

func us(s string) int64 {
	t, err := normalize.ParseDatetime(s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestCloudTrailS3File(t *testing.T) {
	// The S3 export: one {"Records":[…]} document, gzip-compressed, pretty-printed here.
	sum, rows := load(t, "cloudtrail.json", true)
	require.Equal(t, "cloudtrail", sum.Format)
	require.Equal(t, 3, sum.Read)
	require.Equal(t, 2, sum.Accepted)
	require.Equal(t, 1, sum.Rejected)
	require.Contains(t, sum.Rejects[0].Error, "record 3: malformed record: no eventTime")
	ct := rows["AWSCloudTrail"]
	require.Len(t, ct, 2)
	r := ct[0]
	require.Equal(t, us("2024-05-01T10:00:00Z"), r["TimeGenerated"])
	require.Equal(t, "CreateAccessKey", r["EventName"])
	require.Equal(t, "iam.amazonaws.com", r["EventSource"])
	require.Equal(t, "AssumedRole", r["UserIdentityType"])
	require.Equal(t, "arn:aws:sts::123456789012:assumed-role/Admin/alice", r["UserIdentityArn"])
	require.Equal(t, "arn:aws:iam::123456789012:role/Admin", r["SessionIssuerArn"])
	require.Equal(t, true, r["SessionMfaAuthenticated"])
	require.Equal(t, us("2024-05-01T09:55:00Z"), r["SessionCreationDate"])
	require.Equal(t, "203.0.113.10", r["SourceIpAddress"])
	require.Equal(t, "us-east-1", r["AWSRegion"])
	require.Equal(t, `{"userName":"backup-bot"}`, r["RequestParameters"])
	require.Equal(t, "TLSv1.3", r["TlsVersion"])
	require.Equal(t, false, r["ReadOnly"])
	require.Equal(t, true, r["ManagementEvent"])
	require.Equal(t, "Management", r["Category"])
	require.Contains(t, r["_Extra"], `"userIdentity"`, "the identity object is kept whole")
	require.Equal(t, "AccessDenied", ct[1]["ErrorCode"])

	// As CloudTrail writes it to S3: the same document on one line.
	raw, err := os.ReadFile(filepath.Join("testdata", "cloudtrail.json"))
	require.NoError(t, err)
	var one bytes.Buffer
	require.NoError(t, json.Compact(&one, raw))
	one.WriteByte('\n')
	sum2, err := file.ImportWith(context.Background(), bytes.NewReader(one.Bytes()), file.Options{}, catalog(t), func(*batch.Batch) error { return nil })
	require.NoError(t, err)
	require.Equal(t, "cloudtrail", sum2.Format)
	require.Equal(t, []int{3, 2, 1}, []int{sum2.Read, sum2.Accepted, sum2.Rejected})
	require.Contains(t, ct[1]["Resources"], "arn:aws:s3:::finance-reports")
}

func TestEntra(t *testing.T) {
	sum, rows := load(t, "entra-signin.json", false)
	require.Equal(t, "entra-signin", sum.Format)
	require.Equal(t, 1, sum.Accepted)
	require.Zero(t, sum.Rejected, "%+v", sum.Rejects)
	s := rows["SigninLogs"][0]
	require.Equal(t, "alice@contoso.com", s["UserPrincipalName"])
	require.Equal(t, "203.0.113.77", s["IPAddress"])
	require.Equal(t, "50126", s["ResultType"])
	require.Equal(t, "Error validating credentials due to invalid username or password.", s["ResultDescription"])
	require.Equal(t, "US", s["Location"])
	require.Equal(t, "Graph Explorer", s["AppDisplayName"])
	require.Equal(t, true, s["IsInteractive"])
	require.Equal(t, "Alice Smith", s["Identity"])
	require.Equal(t, us("2024-05-01T10:02:00Z"), s["CreatedDateTime"])
	require.Contains(t, s["Status"], `"errorCode":50126`)
	require.Contains(t, s["DeviceDetail"], "Windows 10")

	sum, rows = load(t, "entra-audit.json", false)
	require.Equal(t, "entra-audit", sum.Format)
	require.Zero(t, sum.Rejected, "%+v", sum.Rejects)
	a := rows["AuditLogs"][0]
	require.Equal(t, "Add member to role", a["OperationName"])
	require.Equal(t, "Add member to role", a["ActivityDisplayName"])
	require.Equal(t, "Assign", a["AADOperationType"])
	require.Equal(t, "Mallory", a["Identity"])
	require.Equal(t, "Core Directory", a["LoggedByService"])
	require.Equal(t, "success", a["Result"])
	require.Contains(t, a["TargetResources"], "backdoor@contoso.com")
}

func TestOffice365(t *testing.T) {
	sum, rows := load(t, "o365.jsonl", false)
	require.Equal(t, "o365", sum.Format)
	require.Equal(t, 2, sum.Accepted)
	require.Equal(t, 1, sum.Rejected)
	require.Equal(t, 3, sum.Rejects[0].Line)
	o := rows["OfficeActivity"]
	require.Equal(t, "New-InboxRule", o[0]["Operation"])
	require.Equal(t, "ExchangeAdmin", o[0]["RecordType"])
	require.Equal(t, "Exchange", o[0]["OfficeWorkload"])
	require.Equal(t, "mallory@contoso.com", o[0]["UserId"])
	require.Equal(t, "198.51.100.23:51234", o[0]["ClientIP"])
	require.Contains(t, o[0]["Parameters"], "exfil@example.net")
	require.Equal(t, us("2024-05-01T10:04:00Z"), o[0]["TimeGenerated"])
	require.Equal(t, "SharePointFileOperation", o[1]["RecordType"])
	require.Equal(t, "https://contoso.sharepoint.com/sites/finance/", o[1]["Site_Url"])
	require.Equal(t, "q1.xlsx", o[1]["SourceFileName"])
}

func TestOktaAndGoogleWorkspace(t *testing.T) {
	sum, rows := load(t, "okta.json", false)
	require.Equal(t, "okta", sum.Format)
	require.Zero(t, sum.Rejected, "%+v", sum.Rejects)
	o := rows["Okta_CL"][0]
	require.Equal(t, "user.session.start", o["EventType"])
	require.Equal(t, "alice@example.com", o["ActorAlternateId"])
	require.Equal(t, "203.0.113.77", o["ClientIpAddress"])
	require.Equal(t, "FAILURE", o["OutcomeResult"])
	require.Equal(t, "INVALID_CREDENTIALS", o["OutcomeReason"])
	require.Equal(t, "Seattle", o["ClientCity"])
	require.Equal(t, "102abcdefGHIJ", o["SessionId"])
	require.Equal(t, us("2024-05-01T10:06:00.123Z"), o["TimeGenerated"])
	require.Contains(t, o["AdditionalFields"], `"uuid":"a1b2c3d4-e5f6-11ee-9abc-0123456789ab"`)

	sum, rows = load(t, "gworkspace.json", false)
	require.Equal(t, "gworkspace", sum.Format)
	require.Zero(t, sum.Rejected, "%+v", sum.Rejects)
	require.Equal(t, 2, sum.Accepted, "two activities")
	g := rows["GWorkspace_CL"]
	require.Len(t, g, 3, "one row per event")
	require.Equal(t, "login_failure", g[0]["EventName"])
	require.Equal(t, "login", g[0]["ApplicationName"])
	require.Equal(t, "alice@example.com", g[0]["ActorEmail"])
	require.Equal(t, `{"login_type":"google_password","login_failure_type":"login_failure_invalid_password","is_suspicious":false}`, g[0]["Parameters"])
	require.Equal(t, "ASSIGN_ROLE", g[1]["EventName"])
	require.Equal(t, "CHANGE_PASSWORD", g[2]["EventName"])
}

func TestDetect(t *testing.T) {
	for _, name := range []string{"cloudtrail.json", "entra-signin.json", "entra-audit.json", "o365.jsonl", "okta.json", "gworkspace.json"} {
		raw, err := os.ReadFile(filepath.Join("testdata", name))
		require.NoError(t, err)
		v, err := fastjson.ParseBytes(bytes.SplitN(raw, []byte("\n{\"Operation\""), 2)[0])
		if err != nil {
			continue // JSON lines: checked through the import above
		}
		for _, rec := range cloud.Unwrap(v) {
			require.NotEmpty(t, cloud.Detect(rec), name)
		}
	}
	v, _ := fastjson.Parse(`{"a":1}`)
	require.Empty(t, cloud.Detect(v))
}

func FuzzNormalizers(f *testing.F) {
	for _, name := range []string{"cloudtrail.json", "entra-signin.json", "entra-audit.json", "okta.json", "gworkspace.json"} {
		raw, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(raw))
	}
	f.Add(`{"eventTime":"x","eventSource":1}`)
	f.Add(`{"kind":"admin#reports#activity","id":{"time":"2024-05-01T10:07:00Z"},"events":[{}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		v, err := fastjson.Parse(s)
		if err != nil {
			return
		}
		set := tables.NewSet(catalog(t))
		for _, rec := range cloud.Unwrap(v) {
			for _, norm := range cloud.Normalizers {
				_ = norm(rec, set)
			}
		}
	})
}
