package windows_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/valyala/fastjson"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/normalize/tables"
	"github.com/vigilsec/vigil/internal/ingest/normalize/windows"
	"github.com/vigilsec/vigil/internal/schema"
)

var cat = schema.NewCatalog()

// normalizeOne normalises one event and returns its table and the row's non-null values.
func normalizeOne(tb testing.TB, js string) (string, map[string]any) {
	tb.Helper()
	v, err := fastjson.Parse(js)
	require.NoError(tb, err)
	set := tables.NewSet(cat)
	require.NoError(tb, windows.Normalize(v, set))
	var table string
	row := map[string]any{}
	require.NoError(tb, set.Flush(func(b *batch.Batch) error {
		require.Equal(tb, 1, b.Len)
		table = b.Table
		for _, c := range b.Columns {
			if v := c.Value(0); v != nil {
				row[c.Name] = v
			}
		}
		return nil
	}, nil))
	return table, row
}

func TestNormalize(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    string
		table string
		want  map[string]any
	}{
		{
			name:  "security 4688 hex process ids",
			in:    `{"System":{"Provider":{"Name":"Microsoft-Windows-Security-Auditing","Guid":"54849625-5478-4994-A5BA-3E3B0328C30D"},"EventID":{"Value":4688},"Version":1,"Level":0,"Task":13312,"Opcode":0,"Keywords":9232379236109516800,"TimeCreated":{"SystemTime":1550080907.5624127},"EventRecordID":227695,"Correlation":{},"Execution":{"ProcessID":4,"ThreadID":56},"Channel":"Security","Computer":"PC01.example.corp","Security":{}},"EventData":{"SubjectUserSid":"S-1-5-18","SubjectUserName":"PC01$","SubjectDomainName":"EXAMPLE","SubjectLogonId":999,"NewProcessId":508,"NewProcessName":"C:\\Windows\\System32\\TSTheme.exe","TokenElevationType":"%%1936","ProcessId":632,"CommandLine":""}}`,
			table: "SecurityEvent",
			want: map[string]any{
				"TimeGenerated": int64(1550080907562412), "EventID": int64(4688), "Computer": "PC01.example.corp",
				"Channel": "Security", "EventSourceName": "Microsoft-Windows-Security-Auditing", "Task": int64(13312),
				"Level": "0", "Activity": "4688 - A new process has been created.", "Type": "SecurityEvent",
				"SubjectUserSid": "S-1-5-18", "SubjectUserName": "PC01$", "SubjectDomainName": "EXAMPLE",
				"SubjectLogonId": "0x3e7", "NewProcessId": "0x1fc", "ProcessId": "0x278",
				"NewProcessName": `C:\Windows\System32\TSTheme.exe`, "Process": "TSTheme.exe",
				"TokenElevationType": "%%1936", "SubjectAccount": `EXAMPLE\PC01$`, "Account": `EXAMPLE\PC01$`,
				"AccountType": "Machine",
				"EventData":   `<EventData xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><Data Name="SubjectUserSid">S-1-5-18</Data><Data Name="SubjectUserName">PC01$</Data><Data Name="SubjectDomainName">EXAMPLE</Data><Data Name="SubjectLogonId">0x3e7</Data><Data Name="NewProcessId">0x1fc</Data><Data Name="NewProcessName">C:\Windows\System32\TSTheme.exe</Data><Data Name="TokenElevationType">%%1936</Data><Data Name="ProcessId">0x278</Data><Data Name="CommandLine"></Data></EventData>`,
				"_Extra":      `{"Provider_Name":"Microsoft-Windows-Security-Auditing","Provider_Guid":"54849625-5478-4994-A5BA-3E3B0328C30D","EventRecordID":"227695","Keywords":"0x8020000000000000","Version":"1","Opcode":"0","ExecutionProcessID":"4","ExecutionThreadID":"56"}`,
			},
		},
		{
			name:  "security 4625 status codes and target account",
			in:    `{"System":{"Provider":{"Name":"Microsoft-Windows-Security-Auditing"},"EventID":{"Value":4625},"Level":0,"Task":12544,"Keywords":9227875636482146304,"TimeCreated":{"SystemTime":1599657503.627952},"Channel":"Security","Computer":"MSEDGEWIN10"},"EventData":{"SubjectUserSid":"S-1-5-21-1","SubjectUserName":"IEUser","SubjectDomainName":"MSEDGEWIN10","SubjectLogonId":499289,"TargetUserSid":"S-1-0-0","TargetUserName":"admin","TargetDomainName":"MSEDGEWIN10","Status":3221225581,"FailureReason":"%%2313","SubStatus":3221225578,"LogonType":2,"IpAddress":"-","IpPort":"-","ProcessId":4952,"ProcessName":"C:\\Program Files\\chrome.exe","KeyLength":0}}`,
			table: "SecurityEvent",
			want: map[string]any{
				"TimeGenerated": int64(1599657503627952), "EventID": int64(4625), "Computer": "MSEDGEWIN10",
				"Channel": "Security", "EventSourceName": "Microsoft-Windows-Security-Auditing", "Task": int64(12544),
				"Level": "0", "Activity": "4625 - An account failed to log on.", "Type": "SecurityEvent",
				"SubjectUserSid": "S-1-5-21-1", "SubjectUserName": "IEUser", "SubjectDomainName": "MSEDGEWIN10",
				"SubjectLogonId": "0x79e59", "TargetUserSid": "S-1-0-0", "TargetUserName": "admin",
				"TargetDomainName": "MSEDGEWIN10", "TargetUser": "admin", "Status": "0xc000006d",
				"SubStatus": "0xc000006a", "FailureReason": "%%2313", "LogonType": int64(2),
				"LogonTypeName": "2 - Interactive", "IpAddress": "-", "IpPort": "-", "ProcessId": "0x1358",
				"ProcessName": `C:\Program Files\chrome.exe`, "Process": "chrome.exe", "KeyLength": int64(0),
				"SubjectAccount": `MSEDGEWIN10\IEUser`, "TargetAccount": `MSEDGEWIN10\admin`,
				"Account": `MSEDGEWIN10\admin`, "AccountType": "User",
			},
		},
		{
			name:  "sysmon 1 process created",
			in:    `{"System":{"Provider":{"Name":"Microsoft-Windows-Sysmon","Guid":"5770385F-C22A-43E0-BF4C-06F5698FFBD9"},"EventID":{"Value":1},"Version":5,"Level":4,"Task":1,"Opcode":0,"Keywords":9223372036854775808,"TimeCreated":{"SystemTime":1557681601.9805744},"EventRecordID":16511,"Correlation":{},"Execution":{"ProcessID":2012,"ThreadID":300},"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"IEWIN7","Security":{"UserID":"S-1-5-18"}},"EventData":{"RuleName":"","UtcTime":"2019-05-12 17:20:01.964","ProcessGuid":"365ABB72-55C1-5CD8-0000-0010970D2F00","ProcessId":4092,"Image":"C:\\Windows\\System32\\cmd.exe","FileVersion":"6.1.7601.17514","Description":"Windows Command Processor","Product":"Microsoft Windows","Company":"Microsoft Corporation","CommandLine":"\"C:\\Windows\\system32\\cmd.exe\" ","CurrentDirectory":"C:\\Users\\IEUser\\","User":"IEWIN7\\IEUser","LogonGuid":"365ABB72-4FB5-5CD8-0000-0020F2350100","LogonId":79346,"TerminalSessionId":1,"IntegrityLevel":"Medium","Hashes":"SHA1=EE8CBF12D87C4D388F09B4F69BED2E91682920B5,MD5=AD7B9C14083B52BC532FBA5948342B98,SHA256=17F746D82695FA9B35493B41859D39D786D32B23A9D2E00F4011DEC7A02402AE,IMPHASH=CEEFB55F764020CC5C5F8F23349AB163","ParentProcessGuid":"365ABB72-502E-5CD8-0000-00102A330700","ParentProcessId":3192,"ParentImage":"C:\\Windows\\explorer.exe","ParentCommandLine":"C:\\Windows\\Explorer.EXE"}}`,
			table: "DeviceProcessEvents",
			want: map[string]any{
				"Timestamp": int64(1557681601980574), "TimeGenerated": int64(1557681601980574), "DeviceName": "IEWIN7",
				"ActionType": "ProcessCreated", "ReportId": int64(16511),
				"FolderPath": `C:\Windows\System32\cmd.exe`, "FileName": "cmd.exe",
				"ProcessCommandLine": `"C:\Windows\system32\cmd.exe" `, "ProcessId": int64(4092),
				"ProcessIntegrityLevel": "Medium", "ProcessCreationTime": int64(1557681601964000),
				"ProcessUniqueId": "365ABB72-55C1-5CD8-0000-0010970D2F00", "CreatedProcessSessionId": int64(1),
				"LogonId": int64(79346), "AccountDomain": "IEWIN7", "AccountName": "IEUser",
				"SHA1": "ee8cbf12d87c4d388f09b4f69bed2e91682920b5", "MD5": "ad7b9c14083b52bc532fba5948342b98",
				"SHA256":                            "17f746d82695fa9b35493b41859d39d786d32b23a9d2e00f4011dec7a02402ae",
				"ProcessVersionInfoCompanyName":     "Microsoft Corporation",
				"ProcessVersionInfoProductName":     "Microsoft Windows",
				"ProcessVersionInfoProductVersion":  "6.1.7601.17514",
				"ProcessVersionInfoFileDescription": "Windows Command Processor",
				"InitiatingProcessFolderPath":       `C:\Windows\explorer.exe`,
				"InitiatingProcessFileName":         "explorer.exe",
				"InitiatingProcessCommandLine":      `C:\Windows\Explorer.EXE`,
				"InitiatingProcessId":               int64(3192),
				"InitiatingProcessUniqueId":         "365ABB72-502E-5CD8-0000-00102A330700",
				"AdditionalFields":                  `{"RuleName":"","UtcTime":"2019-05-12 17:20:01.964","ProcessGuid":"365ABB72-55C1-5CD8-0000-0010970D2F00","ProcessId":4092,"Image":"C:\\Windows\\System32\\cmd.exe","FileVersion":"6.1.7601.17514","Description":"Windows Command Processor","Product":"Microsoft Windows","Company":"Microsoft Corporation","CommandLine":"\"C:\\Windows\\system32\\cmd.exe\" ","CurrentDirectory":"C:\\Users\\IEUser\\","User":"IEWIN7\\IEUser","LogonGuid":"365ABB72-4FB5-5CD8-0000-0020F2350100","LogonId":"0x135f2","TerminalSessionId":1,"IntegrityLevel":"Medium","Hashes":"SHA1=EE8CBF12D87C4D388F09B4F69BED2E91682920B5,MD5=AD7B9C14083B52BC532FBA5948342B98,SHA256=17F746D82695FA9B35493B41859D39D786D32B23A9D2E00F4011DEC7A02402AE,IMPHASH=CEEFB55F764020CC5C5F8F23349AB163","ParentProcessGuid":"365ABB72-502E-5CD8-0000-00102A330700","ParentProcessId":3192,"ParentImage":"C:\\Windows\\explorer.exe","ParentCommandLine":"C:\\Windows\\Explorer.EXE","EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"IEWIN7","Provider_Name":"Microsoft-Windows-Sysmon","Provider_Guid":"5770385F-C22A-43E0-BF4C-06F5698FFBD9","EventRecordID":"16511","Keywords":"0x8000000000000000","Version":"5","Task":"1","Opcode":"0","ExecutionProcessID":"2012","ExecutionThreadID":"300","UserID":"S-1-5-18","Level":4}`,
			},
		},
		{
			name:  "sysmon 3 outbound connection",
			in:    `{"System":{"Provider":{"Name":"Microsoft-Windows-Sysmon"},"EventID":{"Value":3},"TimeCreated":{"SystemTime":1563547825.3760304},"EventRecordID":3757,"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"MSEDGEWIN10"},"EventData":{"ProcessId":3912,"Image":"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe","User":"MSEDGEWIN10\\IEUser","Protocol":"tcp","Initiated":true,"SourceIp":"10.0.2.15","SourcePort":49727,"DestinationIp":"172.217.17.132","DestinationHostname":"ams15s30-in-f4.1e100.net","DestinationPort":80}}`,
			table: "DeviceNetworkEvents",
			want: map[string]any{
				"ActionType": "ConnectionSuccess", "LocalIP": "10.0.2.15", "LocalPort": int64(49727),
				"RemoteIP": "172.217.17.132", "RemotePort": int64(80), "RemoteUrl": "ams15s30-in-f4.1e100.net",
				"LocalIPType": "Private", "RemoteIPType": "Public", "Protocol": "Tcp",
				"InitiatingProcessFileName": "powershell.exe", "InitiatingProcessId": int64(3912),
				"InitiatingProcessFolderPath":    `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`,
				"InitiatingProcessAccountDomain": "MSEDGEWIN10", "InitiatingProcessAccountName": "IEUser",
			},
		},
		{
			name:  "sysmon 10 process access granted access in hex",
			in:    `{"System":{"Provider":{"Name":"Microsoft-Windows-Sysmon"},"EventID":{"Value":10},"TimeCreated":{"SystemTime":1563549076.4879904},"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"MSEDGEWIN10"},"EventData":{"SourceProcessId":5840,"SourceImage":"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe","TargetProcessId":612,"TargetImage":"C:\\Windows\\system32\\lsass.exe","GrantedAccess":4112}}`,
			table: "DeviceEvents",
			want: map[string]any{
				"ActionType": "OpenProcessApiCall", "FileName": "lsass.exe", "FolderPath": `C:\Windows\system32\lsass.exe`,
				"ProcessId": int64(612), "InitiatingProcessId": int64(5840), "InitiatingProcessFileName": "powershell.exe",
				"InitiatingProcessFolderPath": `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`,
				"AdditionalFields":            `{"SourceProcessId":5840,"SourceImage":"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe","TargetProcessId":612,"TargetImage":"C:\\Windows\\system32\\lsass.exe","GrantedAccess":"0x1010","EventID":10,"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"MSEDGEWIN10","Provider_Name":"Microsoft-Windows-Sysmon"}`,
			},
		},
		{
			name:  "sysmon 13 registry value set",
			in:    `{"System":{"Provider":{"Name":"Microsoft-Windows-Sysmon"},"EventID":{"Value":13},"TimeCreated":{"SystemTime":1563547448.2214608},"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"MSEDGEWIN10"},"EventData":{"EventType":"SetValue","ProcessId":572,"Image":"C:\\Windows\\system32\\services.exe","TargetObject":"HKLM\\System\\CurrentControlSet\\Services\\AtomicTestService\\Start","Details":"DWORD (0x00000003)"}}`,
			table: "DeviceRegistryEvents",
			want: map[string]any{
				"ActionType": "RegistryValueSet", "RegistryKey": `HKEY_LOCAL_MACHINE\System\CurrentControlSet\Services\AtomicTestService`,
				"RegistryValueName": "Start", "RegistryValueData": "3", "RegistryValueType": "Dword",
				"InitiatingProcessFileName": "services.exe", "InitiatingProcessId": int64(572),
			},
		},
		{
			name:  "powershell 4104 goes to Event",
			in:    `{"System":{"Provider":{"Name":"Microsoft-Windows-PowerShell"},"EventID":{"Value":4104},"Level":3,"Task":2,"Keywords":0,"TimeCreated":{"SystemTime":1568036108.6558032},"Channel":"Microsoft-Windows-PowerShell/Operational","Computer":"MSEDGEWIN10","Security":{"UserID":"S-1-5-21-1"}},"EventData":{"MessageNumber":1,"MessageTotal":1,"ScriptBlockText":"iex <x>","Path":""}}`,
			table: "Event",
			want: map[string]any{
				"TimeGenerated": int64(1568036108655803), "EventID": int64(4104), "Computer": "MSEDGEWIN10",
				"EventLog": "Microsoft-Windows-PowerShell/Operational", "Source": "Microsoft-Windows-PowerShell",
				"EventLevel": int64(3), "EventLevelName": "Warning", "EventCategory": int64(2), "UserName": "S-1-5-21-1",
				"EventData":    `<EventData xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><Data Name="MessageNumber">1</Data><Data Name="MessageTotal">1</Data><Data Name="ScriptBlockText">iex &lt;x&gt;</Data><Data Name="Path"></Data></EventData>`,
				"ParameterXml": `<Param>1</Param><Param>1</Param><Param>iex &lt;x&gt;</Param><Param></Param>`,
				"Type":         "Event", "_Extra": `{"Provider_Name":"Microsoft-Windows-PowerShell","Keywords":"0x0","UserID":"S-1-5-21-1"}`,
			},
		},
		{
			name: "evtx_dump rendering with string hex kept",
			in: `{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Sysmon"}},"EventID":10,"Keywords":"0x8000000000000000","TimeCreated":{"#attributes":{"SystemTime":"2025-11-27T07:40:10.165324Z"}},"EventRecordID":5,"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"host1"},
				"EventData":{"SourceImage":"C:\\a.exe","TargetImage":"C:\\Windows\\system32\\lsass.exe","GrantedAccess":"0x1fffff"}}}`,
			table: "DeviceEvents",
			want: map[string]any{
				"Timestamp": int64(1764229210165324), "ActionType": "OpenProcessApiCall", "DeviceName": "host1",
				"FileName": "lsass.exe", "InitiatingProcessFileName": "a.exe", "ReportId": int64(5),
				"AdditionalFields": `{"SourceImage":"C:\\a.exe","TargetImage":"C:\\Windows\\system32\\lsass.exe","GrantedAccess":"0x1fffff","EventID":10,"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"host1","Provider_Name":"Microsoft-Windows-Sysmon","EventRecordID":"5","Keywords":"0x8000000000000000"}`,
			},
		},
		{
			name:  "winlogbeat security 4624",
			in:    `{"@timestamp":"2024-05-01T10:00:00.123Z","message":"An account was successfully logged on.","winlog":{"channel":"Security","event_id":"4624","provider_name":"Microsoft-Windows-Security-Auditing","computer_name":"dc1.corp","record_id":77,"event_data":{"TargetUserName":"alice","TargetDomainName":"CORP","TargetLogonId":"0x3e7","LogonType":"10","IpAddress":"10.1.2.3"}}}`,
			table: "SecurityEvent",
			want: map[string]any{
				"TimeGenerated": int64(1714557600123000), "EventID": int64(4624), "Computer": "dc1.corp",
				"Channel": "Security", "EventSourceName": "Microsoft-Windows-Security-Auditing",
				"Activity": "4624 - An account was successfully logged on.", "Type": "SecurityEvent",
				"TargetUserName": "alice", "TargetDomainName": "CORP", "TargetUser": "alice", "TargetLogonId": "0x3e7",
				"LogonType": int64(10), "LogonTypeName": "10 - RemoteInteractive", "IpAddress": "10.1.2.3",
				"TargetAccount": `CORP\alice`, "Account": `CORP\alice`, "AccountType": "User",
				"EventData": `<EventData xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><Data Name="TargetUserName">alice</Data><Data Name="TargetDomainName">CORP</Data><Data Name="TargetLogonId">0x3e7</Data><Data Name="LogonType">10</Data><Data Name="IpAddress">10.1.2.3</Data></EventData>`,
				"_Extra":    `{"Provider_Name":"Microsoft-Windows-Security-Auditing","EventRecordID":"77"}`,
			},
		},
		{
			name:  "flat sigma-style security 4663 access mask",
			in:    `{"EventID":4663,"Channel":"Security","Computer":"ws1","TimeCreated":"2024-05-01T10:00:00Z","Provider_Name":"Microsoft-Windows-Security-Auditing","AccessMask":65536,"HandleId":80,"ObjectName":"C:\\secret.txt","SubjectUserName":"bob","SubjectDomainName":"WS1"}`,
			table: "SecurityEvent",
			want: map[string]any{
				"TimeGenerated": int64(1714557600000000), "EventID": int64(4663), "Computer": "ws1", "Channel": "Security",
				"EventSourceName": "Microsoft-Windows-Security-Auditing", "Type": "SecurityEvent",
				"Activity": "4663 - An attempt was made to access an object.", "AccessMask": "0x10000",
				"HandleId": "0x50", "ObjectName": `C:\secret.txt`, "SubjectUserName": "bob", "SubjectDomainName": "WS1",
				"SubjectAccount": `WS1\bob`, "Account": `WS1\bob`, "AccountType": "User",
				"EventData": `<EventData xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><Data Name="AccessMask">0x10000</Data><Data Name="HandleId">0x50</Data><Data Name="ObjectName">C:\secret.txt</Data><Data Name="SubjectUserName">bob</Data><Data Name="SubjectDomainName">WS1</Data></EventData>`,
				"_Extra":    `{"Provider_Name":"Microsoft-Windows-Security-Auditing"}`,
			},
		},
		{
			name:  "unnamed Data array goes to ParameterXml",
			in:    `{"System":{"Provider":{"Name":"MSSQLSERVER"},"EventID":{"Qualifiers":16384,"Value":15457},"Level":4,"Task":2,"Keywords":36028797018963968,"TimeCreated":{"SystemTime":1572859646.143064},"EventRecordID":9691,"Channel":"Application","Computer":"MSEDGEWIN10","Security":{}},"EventData":{"Data":["xp_cmdshell","0","1"],"Binary":"YTwAAA=="}}`,
			table: "Event",
			want: map[string]any{
				"EventID": int64(15457), "EventLog": "Application", "Source": "MSSQLSERVER", "EventLevelName": "Information",
				"ParameterXml": `<Param>xp_cmdshell</Param><Param>0</Param><Param>1</Param><Param>YTwAAA==</Param>`,
				"EventData":    `<EventData xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><Data>xp_cmdshell</Data><Data>0</Data><Data>1</Data><Data Name="Binary">YTwAAA==</Data></EventData>`,
				"_Extra":       `{"Provider_Name":"MSSQLSERVER","EventRecordID":"9691","Keywords":"0x80000000000000","Qualifiers":"16384"}`,
			},
		},
		{
			name:  "named Data object with an HRESULT in hex",
			in:    `{"System":{"Provider":{"Name":"Microsoft-Windows-Bits-Client"},"EventID":{"Value":310},"Level":3,"TimeCreated":{"SystemTime":1602934738.6090815},"Channel":"Microsoft-Windows-Bits-Client/Operational","Computer":"MSEDGEWIN10"},"EventData":{"Data":{"Name":"ErrorCode","Value":2147942450}}}`,
			table: "Event",
			want: map[string]any{
				"EventID": int64(310), "EventLevelName": "Warning", "ParameterXml": `<Param>0x80070032</Param>`,
				"EventData": `<EventData xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><Data Name="ErrorCode">0x80070032</Data></EventData>`,
			},
		},
		{
			name:  "security 1102 user data",
			in:    `{"System":{"Provider":{"Name":"Microsoft-Windows-Eventlog"},"EventID":{"Value":1102},"Level":4,"Task":104,"TimeCreated":{"SystemTime":1553038507.5242016},"Channel":"Security","Computer":"PC01.example.corp"},"UserData":{"LogFileCleared":{"xmlns:auto-ns3":"http://schemas.microsoft.com/win/2004/08/events","SubjectUserSid":"S-1-5-21-1","SubjectUserName":"user01","SubjectDomainName":"EXAMPLE","SubjectLogonId":97709}}}`,
			table: "SecurityEvent",
			want: map[string]any{
				"EventID": int64(1102), "Activity": "1102 - The audit log was cleared.", "EventSourceName": "Microsoft-Windows-Eventlog",
				"SubjectLogonId": "0x17dad", "Account": `EXAMPLE\user01`, "SubjectUserName": "user01",
				"EventData": `<UserData><LogFileCleared xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><SubjectUserSid>S-1-5-21-1</SubjectUserSid><SubjectUserName>user01</SubjectUserName><SubjectDomainName>EXAMPLE</SubjectDomainName><SubjectLogonId>0x17dad</SubjectLogonId></LogFileCleared></UserData>`,
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			table, row := normalizeOne(t, tc.in)
			require.Equal(t, tc.table, table)
			got := map[string]any{}
			for k := range tc.want {
				got[k] = row[k]
			}
			require.Equal(t, tc.want, got)
		})
	}
}

func TestNormalizeRejects(t *testing.T) {
	for in, reason := range map[string]string{
		`[]`:                                "not a JSON object",
		`{"foo":1}`:                         "no System section",
		`{"System":{"Channel":"Security"}}`: "no EventID",
		`{"System":{"EventID":{"Value":"x"},"Channel":"Security"}}`:            "EventID \"x\" is not a number",
		`{"System":{"EventID":4624,"Channel":"Security"}}`:                     "no event time",
		`{"System":{"EventID":4624,"TimeCreated":{"SystemTime":"yesterday"}}}`: "invalid time",
		`{"System":"x","EventData":{}}`:                                        "System is string",
	} {
		v, err := fastjson.Parse(in)
		require.NoError(t, err)
		set := tables.NewSet(cat)
		err = windows.Normalize(v, set)
		require.ErrorIs(t, err, windows.ErrMalformed, in)
		require.ErrorContains(t, err, reason, in)
		require.Zero(t, set.Rows(), in)
	}
}

func TestHexRestoration(t *testing.T) {
	for _, tc := range []struct{ provider, field string }{
		{"Microsoft-Windows-Security-Auditing", "SubjectLogonId"},
		{"Microsoft-Windows-Security-Auditing", "NewProcessId"},
		{"Microsoft-Windows-Sysmon", "GrantedAccess"},
		{"Microsoft-Windows-Bits-Client", "ErrorCode"},
	} {
		require.True(t, windows.IsHexField(tc.provider, tc.field), tc)
	}
	// Sysmon's ProcessId is decimal; Security 5156's ProcessID (capital D) too.
	require.False(t, windows.IsHexField("Microsoft-Windows-Sysmon", "ProcessId"))
	require.False(t, windows.IsHexField("Microsoft-Windows-Security-Auditing", "ProcessID"))
}

func TestDeviceTables(t *testing.T) {
	in := map[string]string{
		"DeviceProcessEvents": `{"System":{"Provider":{"Name":"Microsoft-Windows-Security-Auditing"},"EventID":{"Value":4688},"TimeCreated":{"SystemTime":1550080907.5},"EventRecordID":7,"Channel":"Security","Computer":"PC01"},"EventData":{"SubjectUserSid":"S-1-5-18","SubjectUserName":"PC01$","SubjectDomainName":"EXAMPLE","SubjectLogonId":999,"NewProcessId":508,"NewProcessName":"C:\\Windows\\System32\\cmd.exe","TokenElevationType":"%%1937","ProcessId":632,"CommandLine":"cmd /c whoami","TargetUserName":"-","ParentProcessName":"C:\\Windows\\explorer.exe","MandatoryLabel":"S-1-16-12288"}}`,
		"DeviceLogonEvents":   `{"System":{"Provider":{"Name":"Microsoft-Windows-Security-Auditing"},"EventID":{"Value":4625},"TimeCreated":{"SystemTime":1599657503.5},"Channel":"Security","Computer":"WS1"},"EventData":{"SubjectUserSid":"S-1-5-18","SubjectUserName":"WS1$","SubjectDomainName":"CORP","TargetUserSid":"S-1-0-0","TargetUserName":"admin","TargetDomainName":"CORP","Status":3221225581,"SubStatus":3221225578,"LogonType":10,"AuthenticationPackageName":"Negotiate","WorkstationName":"ATTACKER","IpAddress":"203.0.113.5","IpPort":"51515","ProcessId":0,"ProcessName":"-"}}`,
	}
	want := map[string]map[string]any{
		"DeviceProcessEvents": {
			"Timestamp": int64(1550080907500000), "TimeGenerated": int64(1550080907500000), "DeviceName": "PC01",
			"ReportId": int64(7), "ActionType": "ProcessCreated", "FolderPath": `C:\Windows\System32\cmd.exe`,
			"FileName": "cmd.exe", "ProcessCommandLine": "cmd /c whoami", "ProcessId": int64(508),
			"ProcessIntegrityLevel": "High", "ProcessTokenElevation": "TokenElevationTypeFull",
			"InitiatingProcessFolderPath": `C:\Windows\explorer.exe`, "InitiatingProcessFileName": "explorer.exe",
			"InitiatingProcessId": int64(632), "InitiatingProcessAccountDomain": "EXAMPLE",
			"InitiatingProcessAccountName": "PC01$", "InitiatingProcessAccountSid": "S-1-5-18",
			"InitiatingProcessLogonId": int64(999), "AccountDomain": "EXAMPLE", "AccountName": "PC01$",
			"AccountSid": "S-1-5-18", "LogonId": int64(999),
		},
		"DeviceLogonEvents": {
			"Timestamp": int64(1599657503500000), "TimeGenerated": int64(1599657503500000), "DeviceName": "WS1",
			"ActionType": "LogonFailed", "FailureReason": "WrongPassword", "LogonType": "RemoteInteractive",
			"AccountDomain": "CORP", "AccountName": "admin", "AccountSid": "S-1-0-0", "Protocol": "Negotiate",
			"RemoteDeviceName": "ATTACKER", "RemoteIP": "203.0.113.5", "RemoteIPType": "Public",
			"RemotePort": int64(51515), "InitiatingProcessId": int64(0), "InitiatingProcessAccountDomain": "CORP",
			"InitiatingProcessAccountName": "WS1$", "InitiatingProcessAccountSid": "S-1-5-18",
		},
	}
	for table, js := range in {
		v, err := fastjson.Parse(js)
		require.NoError(t, err)
		set := tables.NewSet(cat)
		require.NoError(t, windows.Normalizer{DeviceTables: true}.Normalize(v, set))
		counts := map[string]int{}
		require.NoError(t, set.Flush(func(b *batch.Batch) error {
			if b.Table != table {
				return nil
			}
			row := map[string]any{}
			for _, c := range b.Columns {
				if v := c.Value(0); v != nil && c.Name != "AdditionalFields" {
					row[c.Name] = v
				}
			}
			require.Equal(t, want[table], row)
			return nil
		}, counts))
		require.Equal(t, map[string]int{"SecurityEvent": 1, table: 1}, counts)
	}
}
