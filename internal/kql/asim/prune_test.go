package asim_test

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/kql/asim"
)

// TestPrunedQueriesAnswerTheSame runs queries through the parsers with the plan passes (column pruning, folded
// default-argument filters) and without them, on the same rows, and requires the same rows back; the pruned SQL
// must not compute the columns nobody reads.
func TestPrunedQueriesAnswerTheSame(t *testing.T) {
	s := newStore(t)
	s.add("SigninLogs", map[string]any{"ResultType": "50126", "UserPrincipalName": "Alice@contoso.com", "IPAddress": "203.0.113.7",
		"AppDisplayName": "Azure Portal", "LocationDetails": `{"countryOrRegion":"FR","city":"Paris"}`})
	s.add("SigninLogs", map[string]any{"ResultType": "0", "UserPrincipalName": "", "IPAddress": ""})
	s.add("AADNonInteractiveUserSignInLogs", map[string]any{"ResultType": "0", "UserPrincipalName": "alice@contoso.com",
		"IPAddress": "198.51.100.2", "LocationDetails": `{"countryOrRegion":"DE"}`})
	s.add("SecurityEvent", map[string]any{"EventID": 4625, "TargetUserName": "bob", "TargetDomainName": "CORP", "SubStatus": "0xc000006a",
		"LogonType": 3, "IpAddress": "10.0.0.9", "Computer": "dc1.corp.local"})
	s.add("SecurityEvent", map[string]any{"EventID": 4624, "TargetUserName": "bob", "TargetDomainName": "-", "LogonType": 10, "IpAddress": "-"})
	s.add("SecurityEvent", map[string]any{"EventID": 4688, "Computer": "ws2.corp.local", "NewProcessName": `C:\Windows\System32\whoami.exe`,
		"CommandLine": "whoami /all", "SubjectUserName": "carol", "SubjectDomainName": "CORP"})
	s.add("SecurityEvent", map[string]any{"EventID": 4689, "Computer": "ws2", "ProcessName": `C:\Windows\System32\net.exe`})
	s.add("DeviceLogonEvents", map[string]any{"ActionType": "LogonFailed", "AccountName": "carol", "FailureReason": "WrongPassword"})
	s.add("IdentityLogonEvents", map[string]any{"ActionType": "LogonSuccess", "AccountUpn": "dave@contoso.com"})
	s.add("Syslog", map[string]any{"ProcessName": "sshd", "HostName": "web1",
		"SyslogMessage": "Failed password for invalid user admin from 198.51.100.4 port 52311 ssh2"})
	s.add("Syslog", map[string]any{"ProcessName": "sshd", "SyslogMessage": "Accepted publickey for deploy from 10.0.0.30 port 40000 ssh2"})
	s.add("Syslog", map[string]any{"ProcessName": "cron", "SyslogMessage": "Failed password for x from 1.1.1.1 port 1"})
	s.add("DeviceProcessEvents", map[string]any{"ActionType": "ProcessCreated", "DeviceName": "WS1.corp.local", "FileName": "whoami.exe",
		"FolderPath": `C:\Windows\System32\whoami.exe`, "ProcessCommandLine": "WHOAMI /all"})
	s.add("DeviceProcessEvents", map[string]any{"DeviceName": "", "FileName": "", "FolderPath": ""})

	fns := kql.NewFunctions()
	require.NoError(t, asim.Register(fns))
	cat := kql.WithFunctions(s.cat, fns)
	run := func(q string, opts ...kql.Option) (string, []string) {
		cq, errs := kql.Compile(q, cat, opts...)
		require.Nil(t, errs, "%s", errs.Render(q))
		sql, err := cq.DuckDB()
		require.NoError(t, err)
		res, err := s.db.Query(context.Background(), sql, 0)
		require.NoError(t, err, q)
		var rows []string
		for _, r := range res.Rows {
			rows = append(rows, fmt.Sprint(r...))
		}
		sort.Strings(rows)
		return sql, rows
	}
	cases := []struct {
		q      string
		rows   int      // rows the query returns on the data above
		absent []string // what the pruned SQL no longer computes or reads
	}{
		{"imAuthentication | count", 1, []string{"EventResultDetails", "LocationDetails", "SubStatus"}},
		{"imAuthentication | project EventResult, TargetUsername, SrcIpAddr", 9, []string{"LocationDetails", "EventResultDetails"}},
		{`imAuthentication(targetusername_has="alice") | project SrcIpAddr, User`, 2, []string{"LogonMethod"}},
		{`imAuthentication | where SrcIpAddr == "" | summarize count() by Type`, 4, []string{"HttpUserAgent"}},
		{`imProcessCreate | where TargetProcessName has "whoami" | project TimeGenerated, DvcHostname`, 2, []string{"CommandLine", "ProcessCommandLine"}},
		{`imProcessCreate | where isempty(DvcHostname) | project CommandLine`, 1, []string{"InitiatingProcessFileName"}},
		{`union withsource=T SigninLogs, SecurityEvent | summarize count() by T`, 2, []string{"AppDisplayName", "EventData"}},
		{`union (SigninLogs | extend U = tolower(UserPrincipalName)), (SecurityEvent | extend U = tolower(TargetUserName)) | where isnotempty(U) | distinct U`, 2, []string{"AppDisplayName"}},
		{`SecurityEvent | extend TargetUserName = strcat(TargetUserName, "@contoso.com") | join kind=leftouter (SigninLogs | project TargetUserName = tolower(UserPrincipalName), Ip = IPAddress) on TargetUserName | project EventID, Ip`, 4, []string{"LocationDetails"}},
		{`SecurityEvent | join kind=leftsemi (SigninLogs | extend TargetUserName = "bob") on TargetUserName | project EventID`, 2, []string{"LocationDetails"}},
	}
	for _, c := range cases {
		t.Run(c.q, func(t *testing.T) {
			pruned, got := run(c.q)
			full, want := run(c.q, kql.WithoutOptimization())
			require.Equal(t, want, got)
			require.Len(t, got, c.rows, "%v", got)
			require.Less(t, len(pruned), len(full))
			for _, a := range c.absent {
				require.Contains(t, full, a, "the unpruned SQL has %s", a)
				require.NotContains(t, pruned, a)
			}
		})
	}
	// The count is the number of rows the parser gives: 3 sign-ins, 2 logons of SecurityEvent, 1 device and 1
	// identity logon, 2 sshd lines.
	_, rows := run("imAuthentication | count")
	require.Equal(t, []string{"9"}, rows)
}
