package detect

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/sigma"
	"github.com/vigilsec/vigil/internal/sigma/engine"
	"github.com/vigilsec/vigil/internal/sigma/rule"
)

// TestDerivedFields runs SigmaHQ rules whose fields the mappings derive from a column (a URL part, a key=value pair
// of a message or of CEF's AdditionalExtensions, a member of the kept record, a value table) on rows of their
// tables: each matches the row that carries the value and not its twin that does not.
func TestDerivedFields(t *testing.T) {
	eng := corpusRules(t,
		"web/proxy_generic/proxy_download_susp_dyndns.yml",
		"web/proxy_generic/proxy_pua_advanced_ip_scanner_update_check.yml",
		"../rules-emerging-threats/2023/Exploits/CVE-2023-4966/proxy_exploit_cve_2023_4966_citrix_sensitive_information_disclosure_exploit_attempt.yml",
		"../rules-emerging-threats/2019/Exploits/CVE-2019-14287/lnx_sudo_exploit_cve_2019_14287.yml",
		"network/firewall/net_firewall_cleartext_protocols.yml",
		"linux/process_creation/proc_creation_lnx_omigod_scx_runasprovider_executeshellcommand.yml",
		"linux/network_connection/net_connection_lnx_susp_malware_callback_port.yml",
		"cloud/azure/audit_logs/azure_app_end_user_consent.yml",
		"cloud/azure/audit_logs/azure_aad_secops_ca_policy_removedby_bad_actor.yml",
	)
	cat := schema.NewCatalog()
	ruleIDs := ruleCounter(t, eng, cat)

	proxy := rows(t, cat, "CommonSecurityLog", "px",
		// c-uri-extension (exe) and cs-host
		[]cell{{"RequestURL", "http://evil.hopto.org/dl/payload.exe?x=1"}, {"DestinationHostName", "evil.hopto.org"}},
		[]cell{{"RequestURL", "http://evil.hopto.org/dl/payload.txt"}, {"DestinationHostName", "evil.hopto.org"}},
		// c-uri-query
		[]cell{{"RequestURL", "http://www.advanced-ip-scanner.com/checkupdate.php?lng=en&ver=2-5-3499&beta=n&type=upd&rmode=p&product=aips"}},
		[]cell{{"RequestURL", "http://www.advanced-ip-scanner.com/checkupdate.php?lng=en"}},
		// sc-status from the CEF outcome extension
		[]cell{{"RequestURL", "https://gw.example/oauth/idp/.well-known/openid-configuration"}, {"RequestMethod", "GET"},
			{"AdditionalExtensions", "cs1=x;outcome=200;cs2=y"}},
		[]cell{{"RequestURL", "https://gw.example/oauth/idp/.well-known/openid-configuration"}, {"RequestMethod", "GET"},
			{"AdditionalExtensions", "outcome=404"}})
	require.Equal(t, map[string]int{"195c1119-ef07-4909-bb12-e66f5e07bf3c": 1, "1a9bb21a-1bb5-42d7-aa05-3219c7c8f47d": 1,
		"ff349b81-617f-4af4-924f-dbe8ea9bab41": 1}, ruleIDs(proxy))

	fw := rows(t, cat, "CommonSecurityLog", "fw",
		[]cell{{"DestinationPort", "21"}, {"DeviceAction", "Allow"}},
		[]cell{{"DestinationPort", "21"}, {"DeviceAction", "Deny"}})
	require.Equal(t, map[string]int{"d7fb8f0e-bd5f-45c2-b467-19571c490d7e": 1}, ruleIDs(fw))

	sudo := rows(t, cat, "Syslog", "su",
		[]cell{{"ProcessName", "sudo"}, {"SyslogMessage", "alice : TTY=pts/0 ; PWD=/home/alice ; USER=#-1 ; COMMAND=/usr/bin/id"}},
		[]cell{{"ProcessName", "sudo"}, {"SyslogMessage", "alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id"}})
	require.Equal(t, map[string]int{"7fcc54cb-f27d-4684-84b7-436af096f858": 1}, ruleIDs(sudo))

	procs := rows(t, cat, "DeviceProcessEvents", "pr",
		[]cell{{"FolderPath", "/bin/sh"}, {"ProcessCommandLine", "/bin/sh -c id"}, {"AccountName", "root"}, {"LogonId", "0"},
			{"AdditionalFields", `{"Source":"auditd","Cwd":"/var/opt/microsoft/scx/tmp"}`}},
		[]cell{{"FolderPath", "/bin/sh"}, {"ProcessCommandLine", "/bin/sh -c id"}, {"AccountName", "root"}, {"LogonId", "0"},
			{"AdditionalFields", `{"Source":"auditd","Cwd":"/root"}`}})
	require.Equal(t, map[string]int{"21541900-27a9-4454-9c4c-3f0a4240344a": 1}, ruleIDs(procs))

	nets := rows(t, cat, "DeviceNetworkEvents", "nt",
		[]cell{{"InitiatingProcessFolderPath", "/usr/bin/curl"}, {"ActionType", "ConnectionSuccess"}, {"RemotePort", "4444"}, {"RemoteIP", "198.51.100.7"}},
		[]cell{{"InitiatingProcessFolderPath", "/usr/sbin/sshd"}, {"ActionType", "InboundConnectionAccepted"}, {"RemotePort", "4444"}, {"RemoteIP", "198.51.100.7"}})
	require.Equal(t, map[string]int{"dbfc7c98-04ab-4ab7-aa94-c74d22aa7376": 1}, ruleIDs(nets))

	consent := func(admin string) string {
		return `[{"type":"ServicePrincipal","modifiedProperties":[{"displayName":"ConsentContext.IsAdminConsent","newValue":"\"` + admin + `\""}]}]`
	}
	audits := rows(t, cat, "AuditLogs", "au",
		[]cell{{"OperationName", "Consent to application"}, {"TargetResources", consent("False")}},
		[]cell{{"OperationName", "Consent to application"}, {"TargetResources", consent("True")}},
		[]cell{{"OperationName", "Delete conditional access policy"}, {"ActivityDisplayName", "Delete conditional access policy"}},
		[]cell{{"OperationName", "Update conditional access policy"}, {"ActivityDisplayName", "Update conditional access policy"}})
	require.Equal(t, map[string]int{"9b2cc4c4-2ad4-416d-8e8e-ee6aa6f5035a": 1, "26e7c5e2-6545-481e-b7e6-050143459635": 1}, ruleIDs(audits))
}

// TestFieldUnsupported: a field a mapping file declares unsupported refuses the rule with field_unsupported and the
// file's reason. The shipped files declare none today, so the test declares one in a copy of them.
func TestFieldUnsupported(t *testing.T) {
	fsys := fstest.MapFS{}
	files, err := fs.Glob(mappingFiles, "mappings/*.yml")
	require.NoError(t, err)
	for _, f := range files {
		b, err := mappingFiles.ReadFile(f)
		require.NoError(t, err)
		if strings.HasSuffix(f, "/aws.yml") {
			from := "    derived:\n"
			require.Contains(t, string(b), from)
			b = []byte(strings.Replace(string(b), from, "    unsupported:\n      madeUpField: \"no reason but a test\"\n"+from, 1))
		}
		fsys[f] = &fstest.MapFile{Data: b}
	}
	m, err := loadMappings(fsys, "mappings")
	require.NoError(t, err)
	src := "title: t\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  s: {eventName: DeleteSAMLProvider, madeUpField: x}\n  condition: s\n"
	eng, issues := sigma.Compile([]byte(src), "x.yml", engine.WithFieldCoverage(m.Coverage()))
	require.Len(t, issues, 1)
	require.Equal(t, rule.CodeFieldUnsupported, issues[0].Code)
	require.Equal(t, "madeUpField", issues[0].Field)
	require.Contains(t, issues[0].Message, "no reason but a test")
	require.Contains(t, issues[0].Message, "internal/detect/mappings/aws.yml (AWSCloudTrail)")
	require.Zero(t, eng.Stats().Rules)
}

// TestDerivedStatusAndConstant: the two SigmaHQ rules that name fields no record carries load, through a value
// derived from the column that holds the same fact (CloudTrail success is an empty errorCode) and a constant (every
// row of the sign-in log is a sign-in), and match only the rows they mean.
func TestDerivedStatusAndConstant(t *testing.T) {
	eng := corpusRules(t,
		"cloud/aws/cloudtrail/aws_delete_saml_provider.yml",
		"cloud/azure/signin_logs/azure_legacy_authentication_protocols.yml",
	)
	require.Equal(t, 2, eng.Stats().Rules)
	cat := schema.NewCatalog()
	ruleIDs := ruleCounter(t, eng, cat)
	trail := rows(t, cat, "AWSCloudTrail", "ct",
		[]cell{{"EventSource", "iam.amazonaws.com"}, {"EventName", "DeleteSAMLProvider"}},
		[]cell{{"EventSource", "iam.amazonaws.com"}, {"EventName", "DeleteSAMLProvider"}, {"ErrorCode", "AccessDenied"}})
	require.Equal(t, map[string]int{"ccd6a6c8-bb4e-4a91-9d2a-07e632819374": 1}, ruleIDs(trail))
	signins := rows(t, cat, "SigninLogs", "si",
		[]cell{{"ClientAppUsed", "IMAP"}, {"UserPrincipalName", "UPN"}},
		[]cell{{"ClientAppUsed", "Browser"}, {"UserPrincipalName", "UPN"}})
	require.Equal(t, map[string]int{"60f6535a-760f-42a9-be3f-c9a0a025906e": 1}, ruleIDs(signins))
}

func TestDerivedParts(t *testing.T) {
	for _, c := range []struct{ in, part, want string }{
		{"http://h.example/a/b.exe?q=1#f", "path", "/a/b.exe"},
		{"http://h.example/a/b.exe?q=1#f", "query", "q=1"},
		{"http://h.example/a/b.exe?q=1#f", "extension", "exe"},
		{"http://h.example", "path", "/"},
		{"/x/y.tar.gz", "extension", "gz"},
		{"/x/y.", "extension", ""},
		{"/x/y", "query", ""},
	} {
		v, ok := urlPart(c.in, c.part)
		if c.want == "" {
			require.False(t, ok, "%s %s", c.in, c.part)
			continue
		}
		require.True(t, ok)
		require.Equal(t, c.want, v, "%s %s", c.in, c.part)
	}
	v, ok := modifiedProperty(`[{"type":"ServicePrincipal","modifiedProperties":[{"displayName":"ConsentContext.IsAdminConsent","oldValue":null,"newValue":"\"False\""},{"displayName":"ConsentAction.Permissions","newValue":"[x]"}]}]`, "consentcontext.isadminconsent")
	require.True(t, ok)
	require.Equal(t, "False", v)
	v, ok = modifiedProperty(`[{"modifiedProperties":[{"displayName":"ConsentAction.Permissions","newValue":"[x]"}]}]`, "ConsentAction.Permissions")
	require.True(t, ok)
	require.Equal(t, "[x]", v)
	_, ok = modifiedProperty(`{"not":"an array"}`, "x")
	require.False(t, ok)
	v, ok = pairValue("bob : TTY=pts/1 ; PWD=/ ; USER=root ; COMMAND=/bin/ls -l", "command")
	require.True(t, ok)
	require.Equal(t, "/bin/ls -l", v)
	_, ok = pairValue("no pairs here", "USER")
	require.False(t, ok)
}

// TestOktaAndWorkspace runs SigmaHQ's Okta, Google Workspace and Microsoft 365 audit rules on Okta_CL,
// GWorkspace_CL and OfficeActivity rows as the cloud normalisers write them: the Okta event's own names from the kept
// record, the Workspace service from the Reports API application, its parameters from Parameters, the Office
// record's names from its columns, the renamed columns and _Extra.
func TestOktaAndWorkspace(t *testing.T) {
	eng := corpusRules(t,
		"identity/okta/okta_admin_role_assignment_created.yml",
		"cloud/gcp/gworkspace/admin/gcp_gworkspace_application_removed.yml",
		"cloud/gcp/gworkspace/admin/gcp_gworkspace_application_access_levels_modified.yml",
		"cloud/gcp/gworkspace/login/gcp_gworkspace_govattack.yml",
		"cloud/m365/audit/microsoft365_bypass_conditional_access.yml")
	cat := schema.NewCatalog()
	require.NoError(t, cat.AddIngestTables())
	ruleIDs := ruleCounter(t, eng, cat)
	okta := rows(t, cat, "Okta_CL", "ok",
		[]cell{{"EventType", "iam.resourceset.bindings.add"},
			{"AdditionalFields", `{"eventType":"iam.resourceset.bindings.add","actor":{"alternateId":"a@example.com"},"outcome":{"result":"SUCCESS"}}`}},
		[]cell{{"EventType", "user.session.start"}, {"AdditionalFields", `{"eventType":"user.session.start"}`}})
	require.Equal(t, map[string]int{"139bdd4b-9cd7-49ba-a2f4-744d0a8f5d8c": 1}, ruleIDs(okta))

	ws := rows(t, cat, "GWorkspace_CL", "gw",
		[]cell{{"ApplicationName", "admin"}, {"EventName", "REMOVE_APPLICATION"}},
		[]cell{{"ApplicationName", "login"}, {"EventName", "REMOVE_APPLICATION"}}, // another service
		[]cell{{"ApplicationName", "admin"}, {"EventName", "CHANGE_APPLICATION_SETTING"},
			{"Parameters", `{"SETTING_NAME":"ContextAwareAccess.Level","NEW_VALUE":"x"}`}},
		[]cell{{"ApplicationName", "admin"}, {"EventName", "CHANGE_APPLICATION_SETTING"},
			{"Parameters", `{"SETTING_NAME":"Gmail.Forwarding"}`}},
		[]cell{{"ApplicationName", "login"}, {"EventName", "gov_attack_warning"}})
	require.Equal(t, map[string]int{"ee2803f0-71c8-4831-b48b-a1fc57601ee4": 1, "22f2fb54-5312-435d-852f-7c74f81684ca": 1,
		"eafe6f2b-cfec-4612-aec2-49563c33a087": 1}, ruleIDs(ws))

	// OfficeActivity: API names from columns (Operation, ResultStatus), renamed columns (ObjectId) and _Extra.
	office := func(objectID string) []cell {
		return []cell{{"Operation", "UserLoggedIn"}, {"ResultStatus", "Success"}, {"OfficeObjectId", objectID},
			{"_Extra", `{"ApplicationId":"9ba1a5c7-f17a-4de9-a1f1-6178c8d51223","RequestType":"Cmsi:Cmsi"}`}}
	}
	o365 := rows(t, cat, "OfficeActivity", "o3", office("11111111-0000-0000-c000-000000000000"),
		office("0000000a-0000-0000-c000-000000000000")) // the rule's filter: Intune enrolment
	require.Equal(t, map[string]int{"13f2d3f5-6497-44a7-bf5f-dc13ffafe5dc": 1}, ruleIDs(o365))
}

// FuzzDerived: the derivations read untrusted column text; none may panic, and a URL part is a substring of the URL.
func FuzzDerived(f *testing.F) {
	for _, s := range []string{"http://h/a/b.exe?q=1#f", "USER=root ; TTY=x", `[{"modifiedProperties":[{"displayName":"a","newValue":"\"b\""}]}]`,
		"", "?", "://", ".", "a=;=b;;", `[{"modifiedProperties":null}]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, part := range []string{"path", "query", "extension"} {
			if v, ok := urlPart(s, part); ok && part != "path" {
				require.Contains(t, s, v.(string))
			}
		}
		_, _ = pairValue(s, "USER")
		_, _ = modifiedProperty(s, "a")
	})
}
