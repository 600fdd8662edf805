package asim_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Each test seeds events of every source table of one parser into a real DuckDB store and reads them back
// normalised, through hunting, then checks that the filtering parameters select the right rows.

func TestDns(t *testing.T) {
	s := newStore(t)
	s.add("DnsEvents", map[string]any{"SubType": "LookupQuery", "ClientIP": "10.0.0.5", "Name": "evil.example.com",
		"QueryType": "A", "ResultCode": 3, "Computer": "dns1.corp.local", "EventId": 256})
	s.add("DnsEvents", map[string]any{"SubType": "LookupQuery", "ClientIP": "10.0.0.6", "Name": "www.contoso.com",
		"QueryType": "MX", "ResultCode": 0, "IPAddresses": "192.0.2.10", "Computer": "dns1.corp.local"})
	s.add("DnsEvents", map[string]any{"SubType": "AuditEvent", "Name": "zone change", "Computer": "dns1.corp.local"})
	s.add("DeviceNetworkEvents", map[string]any{"ActionType": "DnsConnectionInspected", "DeviceName": "ws1.corp.local",
		"LocalIP": "10.0.0.7", "LocalPort": 53001, "RemoteIP": "10.0.0.1", "RemotePort": 53, "Protocol": "Udp",
		"AdditionalFields": `{"query":"good.example.org","qtype":28,"rcode":0,"answers":["2001:db8::1"]}`})
	s.add("DeviceNetworkEvents", map[string]any{"ActionType": "ConnectionSuccess", "DeviceName": "ws1.corp.local"})

	cols := ` | project Type, EventType, EventResult, EventResultDetails, SrcIpAddr, DnsQuery, DnsQueryType, DnsQueryTypeName,
		DnsResponseCodeName, DvcHostname, Domain, EventSchema`
	require.Equal(t, []string{
		"Type=DeviceNetworkEvents|EventType=Query|EventResult=Success|EventResultDetails=NOERROR|SrcIpAddr=10.0.0.7|DnsQuery=good.example.org|DnsQueryType=28|DnsQueryTypeName=AAAA|DnsResponseCodeName=NOERROR|DvcHostname=ws1|Domain=good.example.org|EventSchema=Dns",
		"Type=DnsEvents|EventType=Query|EventResult=Failure|EventResultDetails=NXDOMAIN|SrcIpAddr=10.0.0.5|DnsQuery=evil.example.com|DnsQueryType=1|DnsQueryTypeName=A|DnsResponseCodeName=NXDOMAIN|DvcHostname=dns1|Domain=evil.example.com|EventSchema=Dns",
		"Type=DnsEvents|EventType=Query|EventResult=Success|EventResultDetails=NOERROR|SrcIpAddr=10.0.0.6|DnsQuery=www.contoso.com|DnsQueryType=15|DnsQueryTypeName=MX|DnsResponseCodeName=NOERROR|DvcHostname=dns1|Domain=www.contoso.com|EventSchema=Dns",
	}, s.rows("imDns"+cols))
	require.Equal(t, []string{"DnsQuery=evil.example.com"}, s.rows(`_Im_Dns(responsecodename="nxdomain") | project DnsQuery`))
	require.Equal(t, []string{"DnsQuery=good.example.org"}, s.rows(`_Im_Dns(domain_has_any=dynamic(["example.org"])) | project DnsQuery`))
	require.Equal(t, []string{"DnsQuery=www.contoso.com"}, s.rows(`_Im_Dns(srcipaddr="10.0.0.6") | project DnsQuery`))
	require.Equal(t, []string{"DnsQuery=www.contoso.com"}, s.rows(`_Im_Dns(response_has_ipv4="192.0.2.10") | project DnsQuery`))
	require.Equal(t, []string{"DnsQuery=www.contoso.com"}, s.rows(`_Im_Dns(response_has_any_prefix=dynamic(["192.0.2."])) | project DnsQuery`))
	require.Empty(t, s.rows(`_Im_Dns(starttime=now()) | project DnsQuery`))
	require.Empty(t, s.rows(`_Im_Dns(eventtype="Update") | project DnsQuery`))
	require.Len(t, s.rows(`_Im_Dns(endtime=now(), eventtype="*") | project DnsQuery`), 3)
}

func TestAuthentication(t *testing.T) {
	s := newStore(t)
	s.add("SigninLogs", map[string]any{"ResultType": "50126", "UserPrincipalName": "alice@contoso.com", "IPAddress": "203.0.113.7",
		"AppDisplayName": "Azure Portal", "LocationDetails": `{"countryOrRegion":"FR","city":"Paris"}`, "AuthenticationRequirement": "singleFactorAuthentication"})
	s.add("AADNonInteractiveUserSignInLogs", map[string]any{"ResultType": "0", "UserPrincipalName": "alice@contoso.com",
		"IPAddress": "198.51.100.2", "AppDisplayName": "Outlook", "LocationDetails": `{"countryOrRegion":"DE"}`})
	s.add("SecurityEvent", map[string]any{"EventID": 4625, "TargetUserName": "bob", "TargetDomainName": "CORP", "SubStatus": "0xc000006a",
		"Status": "0xc000006d", "LogonType": 3, "IpAddress": "10.0.0.9", "Computer": "dc1.corp.local", "AuthenticationPackageName": "NTLM"})
	s.add("SecurityEvent", map[string]any{"EventID": 4624, "TargetUserName": "bob", "TargetDomainName": "CORP", "LogonType": 10,
		"IpAddress": "10.0.0.9", "Computer": "dc1.corp.local", "AuthenticationPackageName": "Kerberos"})
	s.add("SecurityEvent", map[string]any{"EventID": 4688, "Computer": "dc1.corp.local"})
	s.add("DeviceLogonEvents", map[string]any{"ActionType": "LogonFailed", "AccountDomain": "corp", "AccountName": "carol",
		"FailureReason": "WrongPassword", "LogonType": "RemoteInteractive", "RemoteIP": "10.0.0.20", "DeviceName": "ws2.corp.local", "Protocol": "Negotiate"})
	s.add("IdentityLogonEvents", map[string]any{"ActionType": "LogonSuccess", "AccountUpn": "dave@contoso.com", "IPAddress": "10.0.0.21",
		"LogonType": "Resource access", "Protocol": "Kerberos", "DestinationDeviceName": "dc1"})
	s.add("Syslog", map[string]any{"ProcessName": "sshd", "HostName": "web1", "Computer": "web1",
		"SyslogMessage": "Failed password for invalid user admin from 198.51.100.4 port 52311 ssh2"})
	s.add("Syslog", map[string]any{"ProcessName": "sshd", "HostName": "web1", "Computer": "web1",
		"SyslogMessage": "Accepted publickey for deploy from 10.0.0.30 port 40000 ssh2: RSA SHA256:abc"})
	s.add("Syslog", map[string]any{"ProcessName": "cron", "HostName": "web1", "SyslogMessage": "Failed password for x from 1.1.1.1 port 1"})

	require.Equal(t, []string{
		"Type=AADNonInteractiveUserSignInLogs|EventType=Logon|EventResult=Success|EventResultDetails=|TargetUsername=alice@contoso.com|SrcIpAddr=198.51.100.2|LogonMethod=|SrcGeoCountry=DE|TargetAppName=Outlook",
		"Type=DeviceLogonEvents|EventType=Logon|EventResult=Failure|EventResultDetails=Incorrect password|TargetUsername=corp\\carol|SrcIpAddr=10.0.0.20|LogonMethod=RemoteInteractive|SrcGeoCountry=|TargetAppName=",
		"Type=IdentityLogonEvents|EventType=Logon|EventResult=Success|EventResultDetails=|TargetUsername=dave@contoso.com|SrcIpAddr=10.0.0.21|LogonMethod=Resource access|SrcGeoCountry=|TargetAppName=",
		"Type=SecurityEvent|EventType=Logon|EventResult=Failure|EventResultDetails=Incorrect password|TargetUsername=CORP\\bob|SrcIpAddr=10.0.0.9|LogonMethod=Network|SrcGeoCountry=|TargetAppName=",
		"Type=SecurityEvent|EventType=Logon|EventResult=Success|EventResultDetails=|TargetUsername=CORP\\bob|SrcIpAddr=10.0.0.9|LogonMethod=RemoteInteractive|SrcGeoCountry=|TargetAppName=",
		"Type=SigninLogs|EventType=Logon|EventResult=Failure|EventResultDetails=No such user or password|TargetUsername=alice@contoso.com|SrcIpAddr=203.0.113.7|LogonMethod=Username & password|SrcGeoCountry=FR|TargetAppName=Azure Portal",
		"Type=Syslog|EventType=Logon|EventResult=Failure|EventResultDetails=No such user or password|TargetUsername=admin|SrcIpAddr=198.51.100.4|LogonMethod=Username & password|SrcGeoCountry=|TargetAppName=sshd",
		"Type=Syslog|EventType=Logon|EventResult=Success|EventResultDetails=|TargetUsername=deploy|SrcIpAddr=10.0.0.30|LogonMethod=PKI|SrcGeoCountry=|TargetAppName=sshd",
	}, s.rows(`imAuthentication | project Type, EventType, EventResult, EventResultDetails, TargetUsername, SrcIpAddr, LogonMethod, SrcGeoCountry, TargetAppName`))
	require.Equal(t, []string{"SrcIpAddr=198.51.100.2", "SrcIpAddr=203.0.113.7"},
		s.rows(`imAuthentication(targetusername_has="alice") | project SrcIpAddr`))
	require.Equal(t, []string{"User=CORP\\bob", "User=corp\\carol"},
		s.rows(`_Im_Authentication(eventresultdetails_in=dynamic(["Incorrect password"])) | project User`))
	require.Len(t, s.rows(`_Im_Authentication(eventresult="Failure", srcipaddr_has_any_prefix=dynamic(["10."])) | project User`), 2)
}

func TestProcessEvent(t *testing.T) {
	s := newStore(t)
	s.add("DeviceProcessEvents", map[string]any{"ActionType": "ProcessCreated", "DeviceName": "ws1.corp.local", "DeviceId": "d1",
		"FileName": "whoami.exe", "FolderPath": `C:\Windows\System32\whoami.exe`, "ProcessId": 4242, "ProcessCommandLine": "whoami /all",
		"SHA256": "aa11", "AccountDomain": "corp", "AccountName": "bob", "InitiatingProcessFolderPath": `C:\Windows\System32\cmd.exe`,
		"InitiatingProcessId": 100, "InitiatingProcessAccountDomain": "corp", "InitiatingProcessAccountName": "bob",
		"InitiatingProcessParentFileName": "explorer.exe"})
	s.add("SecurityEvent", map[string]any{"EventID": 4688, "Computer": "ws2.corp.local", "NewProcessName": `C:\Windows\System32\net.exe`,
		"NewProcessId": "0x1a4", "CommandLine": "net user /domain", "ParentProcessName": `C:\Windows\System32\cmd.exe`, "ProcessId": "0x10",
		"SubjectUserName": "carol", "SubjectDomainName": "CORP", "SubjectUserSid": "S-1-5-21-1"})
	s.add("SecurityEvent", map[string]any{"EventID": 4689, "Computer": "ws2.corp.local", "ProcessName": `C:\Windows\System32\net.exe`,
		"ProcessId": "0x1a4", "SubjectUserName": "carol", "SubjectDomainName": "CORP", "Status": "0x0"})
	require.Equal(t, []string{
		`Type=DeviceProcessEvents|EventType=ProcessCreated|TargetProcessName=C:\Windows\System32\whoami.exe|TargetProcessId=4242|CommandLine=whoami /all|ActingProcessName=C:\Windows\System32\cmd.exe|ActorUsername=corp\bob|ParentProcessName=explorer.exe|Hash=aa11|DvcHostname=ws1`,
		`Type=SecurityEvent|EventType=ProcessCreated|TargetProcessName=C:\Windows\System32\net.exe|TargetProcessId=0x1a4|CommandLine=net user /domain|ActingProcessName=C:\Windows\System32\cmd.exe|ActorUsername=CORP\carol|ParentProcessName=|Hash=|DvcHostname=ws2`,
		`Type=SecurityEvent|EventType=ProcessTerminated|TargetProcessName=C:\Windows\System32\net.exe|TargetProcessId=0x1a4|CommandLine=|ActingProcessName=|ActorUsername=CORP\carol|ParentProcessName=|Hash=|DvcHostname=ws2`,
	}, s.rows(`imProcess | project Type, EventType, TargetProcessName, TargetProcessId, CommandLine, ActingProcessName, ActorUsername, ParentProcessName, Hash, DvcHostname`))
	require.Len(t, s.rows(`imProcessCreate | project Process`), 2)
	require.Equal(t, []string{"EventType=ProcessTerminated"}, s.rows(`imProcessTerminate | project EventType`))
	require.Equal(t, []string{"CommandLine=whoami /all"}, s.rows(`_Im_ProcessEvent(commandline_has_any=dynamic(["whoami"])) | project CommandLine`))
	require.Equal(t, []string{"CommandLine=net user /domain"}, s.rows(`imProcessCreate(commandline_has_all=dynamic(["net", "user"]), dvchostname_has_any=dynamic(["ws2"])) | project CommandLine`))
	require.Equal(t, []string{"CommandLine=whoami /all"}, s.rows(`_Im_ProcessCreate(hashes_has_any=dynamic(["aa11"])) | project CommandLine`))
}

func TestFileEvent(t *testing.T) {
	s := newStore(t)
	s.add("DeviceFileEvents", map[string]any{"ActionType": "FileRenamed", "DeviceName": "ws1.corp.local", "FileName": "report.docx.locked",
		"FolderPath": `C:\Users\bob\report.docx.locked`, "PreviousFileName": "report.docx", "PreviousFolderPath": `C:\Users\bob`,
		"SHA256": "bb22", "InitiatingProcessAccountDomain": "corp", "InitiatingProcessAccountName": "bob",
		"InitiatingProcessFolderPath": `C:\Temp\evil.exe`})
	s.add("DeviceFileEvents", map[string]any{"ActionType": "FileCreated", "DeviceName": "fs1", "FileName": "x.ps1",
		"FolderPath": `\\fs1\share\x.ps1`, "RequestSourceIP": "10.0.0.8", "RequestAccountName": "carol", "RequestAccountDomain": "CORP",
		"ShareName": "share", "RequestProtocol": "SMB"})
	require.Equal(t, []string{
		`EventType=FileCreated|TargetFileName=x.ps1|TargetFilePath=\\fs1\share\x.ps1|TargetFilePathType=Windows Share|TargetFileExtension=ps1|SrcFilePath=|ActorUsername=CORP\carol|SrcIpAddr=10.0.0.8|Hash=`,
		`EventType=FileRenamed|TargetFileName=report.docx.locked|TargetFilePath=C:\Users\bob\report.docx.locked|TargetFilePathType=Windows Local|TargetFileExtension=locked|SrcFilePath=C:\Users\bob\report.docx|ActorUsername=corp\bob|SrcIpAddr=|Hash=bb22`,
	}, s.rows(`imFileEvent | project EventType, TargetFileName, TargetFilePath, TargetFilePathType, TargetFileExtension, SrcFilePath, ActorUsername, SrcIpAddr, Hash`))
	require.Equal(t, []string{"FileName=x.ps1"}, s.rows(`_Im_FileEvent(eventtype_in=dynamic(["FileCreated"])) | project FileName`))
	require.Equal(t, []string{"FileName=report.docx.locked"}, s.rows(`_Im_FileEvent(srcfilepath_has_any=dynamic(["report.docx"])) | project FileName`))
}

func TestNetworkAndWebSession(t *testing.T) {
	s := newStore(t)
	s.add("DeviceNetworkEvents", map[string]any{"ActionType": "ConnectionSuccess", "DeviceName": "ws1", "LocalIP": "10.0.0.7",
		"LocalPort": 50000, "RemoteIP": "203.0.113.50", "RemotePort": 443, "RemoteUrl": "www.contoso.com", "Protocol": "Tcp"})
	s.add("DeviceNetworkEvents", map[string]any{"ActionType": "InboundConnectionAccepted", "DeviceName": "srv1", "LocalIP": "10.0.0.2",
		"LocalPort": 3389, "RemoteIP": "198.51.100.9", "RemotePort": 61000, "Protocol": "Tcp"})
	s.add("CommonSecurityLog", map[string]any{"DeviceVendor": "Palo Alto Networks", "DeviceProduct": "PAN-OS", "DeviceAction": "deny",
		"SourceIP": "10.0.0.9", "SourcePort": 40000, "DestinationIP": "192.0.2.1", "DestinationPort": 22, "Protocol": "tcp"})
	s.add("CommonSecurityLog", map[string]any{"DeviceVendor": "Zscaler", "DeviceProduct": "NSSWeblog", "DeviceAction": "Blocked",
		"SourceIP": "10.0.0.10", "DestinationIP": "192.0.2.80", "RequestURL": "http://evil.example.net/payload.exe",
		"RequestMethod": "GET", "RequestClientApplication": "curl/8.0"})
	s.add("W3CIISLog", map[string]any{"cIP": "198.51.100.20", "sIP": "10.0.0.3", "sPort": 443, "csHost": "portal.contoso.com",
		"csUriStem": "/login", "csUriQuery": "next=/", "csMethod": "POST", "scStatus": "403", "csUserAgent": "Mozilla/5.0+(X11)",
		"Computer": "web1.contoso.com", "csUserName": "-"})
	require.Equal(t, []string{
		"Type=CommonSecurityLog|NetworkDirection=|SrcIpAddr=10.0.0.9|DstIpAddr=192.0.2.1|DstPortNumber=22|DvcAction=Deny|EventResult=Failure|NetworkProtocol=TCP",
		"Type=DeviceNetworkEvents|NetworkDirection=Inbound|SrcIpAddr=198.51.100.9|DstIpAddr=10.0.0.2|DstPortNumber=3389|DvcAction=Allow|EventResult=Success|NetworkProtocol=TCP",
		"Type=DeviceNetworkEvents|NetworkDirection=Outbound|SrcIpAddr=10.0.0.7|DstIpAddr=203.0.113.50|DstPortNumber=443|DvcAction=Allow|EventResult=Success|NetworkProtocol=TCP",
	}, s.rows(`imNetworkSession | project Type, NetworkDirection, SrcIpAddr, DstIpAddr, DstPortNumber, DvcAction, EventResult, NetworkProtocol`))
	require.Equal(t, []string{"DstIpAddr=192.0.2.1"}, s.rows(`_Im_NetworkSession(dstipaddr_has_any_prefix=dynamic(["192.0.2."])) | project DstIpAddr`))
	require.Equal(t, []string{"DstIpAddr=10.0.0.2"}, s.rows(`_Im_NetworkSession(dstportnumber=3389) | project DstIpAddr`))
	require.Equal(t, []string{"DstIpAddr=192.0.2.1"}, s.rows(`_Im_NetworkSession(dvcaction=dynamic(["deny"]), eventresult="Failure") | project DstIpAddr`))
	require.Equal(t, []string{
		"Type=CommonSecurityLog|Url=http://evil.example.net/payload.exe|HttpUserAgent=curl/8.0|EventResult=Failure|EventResultDetails=|SrcIpAddr=10.0.0.10|HttpRequestMethod=GET",
		"Type=W3CIISLog|Url=https://portal.contoso.com/login?next=/|HttpUserAgent=Mozilla/5.0 (X11)|EventResult=Failure|EventResultDetails=403|SrcIpAddr=198.51.100.20|HttpRequestMethod=POST",
	}, s.rows(`imWebSession | project Type, Url, HttpUserAgent, EventResult, EventResultDetails, SrcIpAddr, HttpRequestMethod`))
	require.Equal(t, []string{"SrcIpAddr=10.0.0.10"}, s.rows(`_Im_WebSession(url_has_any=dynamic(["evil.example.net"])) | project SrcIpAddr`))
	require.Equal(t, []string{"SrcIpAddr=10.0.0.10"}, s.rows(`_Im_WebSession(httpuseragent_has_any=dynamic(["curl"])) | project SrcIpAddr`))
	require.Equal(t, []string{"SrcIpAddr=198.51.100.20"}, s.rows(`_Im_WebSession(eventresultdetails_in=dynamic(["403"])) | project SrcIpAddr`))
}

func TestRegistryAndAuditEvent(t *testing.T) {
	s := newStore(t)
	s.add("DeviceRegistryEvents", map[string]any{"ActionType": "RegistryValueSet", "DeviceName": "ws1",
		"RegistryKey": `HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Run`, "RegistryValueName": "updater",
		"RegistryValueType": "String", "RegistryValueData": `C:\Temp\evil.exe`, "InitiatingProcessAccountDomain": "corp",
		"InitiatingProcessAccountName": "bob", "InitiatingProcessFolderPath": `C:\Windows\System32\reg.exe`})
	require.Equal(t, []string{
		`EventType=RegistryValueSet|RegistryKey=HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Run|RegistryValue=updater|RegistryValueType=Reg_Sz|RegistryValueData=C:\Temp\evil.exe|User=corp\bob|Process=C:\Windows\System32\reg.exe`,
	}, s.rows(`imRegistry | project EventType, RegistryKey, RegistryValue, RegistryValueType, RegistryValueData, User, Process`))
	require.Len(t, s.rows(`_Im_RegistryEvent(registrykey_has_any=dynamic(["CurrentVersion"])) | project RegistryKey`), 1)
	require.Empty(t, s.rows(`_Im_RegistryEvent(eventtype_in=dynamic(["RegistryKeyDeleted"])) | project RegistryKey`))

	s.add("AuditLogs", map[string]any{"OperationName": "Add member to role", "Result": "success", "Category": "RoleManagement",
		"InitiatedBy":     `{"user":{"userPrincipalName":"alice@contoso.com","id":"u1","ipAddress":"10.0.0.4"}}`,
		"TargetResources": `[{"userPrincipalName":"bob@contoso.com","id":"u2","type":"User","modifiedProperties":[{"oldValue":"\"\"","newValue":"\"Global Administrator\""}]}]`})
	s.add("AzureActivity", map[string]any{"OperationNameValue": "MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE", "ActivityStatusValue": "Success",
		"Caller": "carol@contoso.com", "CallerIpAddress": "198.51.100.30", "ResourceId": "/subscriptions/s1/vm1"})
	require.Equal(t, []string{
		`Type=AuditLogs|EventType=Create|EventResult=Success|Operation=Add member to role|Object=bob@contoso.com|NewValue="Global Administrator"|ActorUsername=alice@contoso.com|SrcIpAddr=10.0.0.4`,
		`Type=AzureActivity|EventType=Delete|EventResult=Success|Operation=MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE|Object=/subscriptions/s1/vm1|NewValue=|ActorUsername=carol@contoso.com|SrcIpAddr=198.51.100.30`,
	}, s.rows(`imAuditEvent | project Type, EventType, EventResult, Operation, Object, NewValue, ActorUsername, SrcIpAddr`))
	require.Equal(t, []string{"User=alice@contoso.com"}, s.rows(`_Im_AuditEvent(operation_has_any=dynamic(["role"])) | project User`))
	require.Equal(t, []string{"User=carol@contoso.com"}, s.rows(`_Im_AuditEvent(eventtype_in=dynamic(["Delete"])) | project User`))
}
