package detect

import (
	"io"
	"log/slog"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/valyala/fastjson"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/normalize/tables"
	"github.com/vigilsec/vigil/internal/ingest/parse/auditd"
	"github.com/vigilsec/vigil/internal/ingest/parse/cef"
	"github.com/vigilsec/vigil/internal/ingest/parse/cloud"
	"github.com/vigilsec/vigil/internal/ingest/parse/syslog"
	"github.com/vigilsec/vigil/internal/schema"
)

// TestDerivedFieldsOnNormalisedRows feeds records through Vigil's own normalisers (CEF, auditd, Okta) and runs on
// the rows they write the SigmaHQ rules whose fields the mappings take from what those normalisers keep: the CEF
// outcome extension (AdditionalExtensions), auditd's working directory (AdditionalFields), the Okta event (kept whole).
func TestDerivedFieldsOnNormalisedRows(t *testing.T) {
	eng := corpusRules(t,
		"../rules-emerging-threats/2023/Exploits/CVE-2023-4966/proxy_exploit_cve_2023_4966_citrix_sensitive_information_disclosure_exploit_attempt.yml",
		"linux/process_creation/proc_creation_lnx_omigod_scx_runasprovider_executeshellcommand.yml",
		"identity/okta/okta_admin_role_assignment_created.yml")
	cat := schema.NewCatalog()
	require.NoError(t, cat.AddIngestTables())
	d, err := New(eng, cat, nil, nil, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	set := tables.NewSet(cat)

	for _, line := range []string{
		`CEF:0|Zscaler|NSSWeblog|5.0|Allowed|Allowed|3|act=Allowed request=https://gw.example/oauth/idp/.well-known/openid-configuration requestMethod=GET outcome=200 dhost=gw.example`,
		`CEF:0|Zscaler|NSSWeblog|5.0|Allowed|Allowed|3|act=Allowed request=https://gw.example/oauth/idp/.well-known/openid-configuration requestMethod=GET outcome=404 dhost=gw.example`,
	} {
		e, err := cef.Parse(line)
		require.NoError(t, err)
		require.NoError(t, cef.Write(e, syslog.Meta{Received: 1714557600000000}, set))
	}

	j := auditd.NewJoiner()
	for i, cwd := range []string{"/var/opt/microsoft/scx/tmp", "/root"} {
		serial := strconv.Itoa(100 + i)
		for _, rec := range []string{
			`type=SYSCALL msg=audit(1714557600.123:` + serial + `): arch=c000003e syscall=59 success=yes exit=0 ppid=1 pid=4242 auid=0 uid=0 gid=0 euid=0 ses=0 tty=(none) comm="sh" exe="/bin/sh" key=(null)` + "\x1d" + `AUID="root" UID="root" EUID="root"`,
			`type=EXECVE msg=audit(1714557600.123:` + serial + `): argc=3 a0="/bin/sh" a1="-c" a2="id"`,
			`type=CWD msg=audit(1714557600.123:` + serial + `): cwd="` + cwd + `"`,
			`type=EOE msg=audit(1714557600.123:` + serial + `):`,
		} {
			r, err := auditd.Parse(rec)
			require.NoError(t, err, rec)
			require.NoError(t, j.Add(r, "lin-1", set))
		}
	}

	for _, ev := range []string{
		`{"eventType":"iam.resourceset.bindings.add","published":"2024-05-01T10:06:00.123Z","uuid":"u1","actor":{"alternateId":"a@example.com"}}`,
		`{"eventType":"user.session.start","published":"2024-05-01T10:07:00.123Z","uuid":"u2"}`,
	} {
		v, err := fastjson.Parse(ev)
		require.NoError(t, err)
		require.NoError(t, cloud.Normalizers[cloud.FormatOkta](v, set))
	}

	got := map[string]int{}
	require.NoError(t, set.Flush(func(b *batch.Batch) error {
		for _, a := range d.Evaluate(b) {
			got[a.RuleID]++
		}
		return nil
	}, map[string]int{}))
	require.Equal(t, map[string]int{
		"ff349b81-617f-4af4-924f-dbe8ea9bab41": 1, // CEF outcome=200, not 404
		"21541900-27a9-4454-9c4c-3f0a4240344a": 1, // auditd CWD /var/opt/microsoft/scx/tmp, not /root
		"139bdd4b-9cd7-49ba-a2f4-744d0a8f5d8c": 1, // Okta eventType
	}, got)
}
