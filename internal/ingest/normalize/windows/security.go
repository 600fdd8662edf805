package windows

import (
	"strconv"

	"github.com/vigilsec/vigil/internal/ingest/normalize/tables"
)

// securityOwn are SecurityEvent columns filled from the system section or derived, never from a data field of the
// same name.
var securityOwn = map[string]bool{
	"TimeGenerated": true, "Type": true, "EventID": true, "Computer": true, "Channel": true, "Activity": true,
	"Task": true, "Level": true, "EventData": true, "EventSourceName": true, "Account": true, "AccountType": true,
	"SourceSystem": true, "_ResourceId": true, "_SubscriptionId": true, "ManagementGroupName": true,
	"AzureDeploymentID": true, "SourceComputerId": true, "LogonTypeName": true, "SubjectAccount": true,
	"TargetAccount": true, "Process": true, "_ItemId": true, "_TimeReceived": true, "_Extra": true,
}

// targetFirst are the logon events whose Account is the target account (the one logged on), not the subject.
var targetFirst = map[int64]bool{
	4624: true, 4625: true, 4634: true, 4647: true, 4648: true, 4672: true, 4768: true, 4769: true, 4770: true,
	4771: true, 4776: true, 4778: true, 4779: true, 4964: true,
}

func account(domain, name string) string {
	if name == "" || name == "-" {
		return ""
	}
	if domain == "" || domain == "-" {
		return name
	}
	return domain + `\` + name
}

// writeSecurity fills a SecurityEvent row: data fields go to the columns of the same name, converted to their
// types (a value a column cannot hold stays only in EventData); Account, AccountType, Activity, LogonTypeName,
// SubjectAccount, TargetAccount and Process are derived as Log Analytics derives them.
func writeSecurity(r tables.Row, e *Event) {
	r.Int("TimeGenerated", e.Time)
	r.Int("EventID", e.EventID)
	r.String("Computer", e.Computer)
	r.String("Channel", e.Channel)
	r.String("EventSourceName", e.Provider)
	r.Text("Task", e.Task)
	if e.HasLevel {
		r.String("Level", strconv.FormatInt(e.Level, 10))
	}
	r.String("Activity", Activity(e.EventID))
	r.String("Type", "SecurityEvent")
	for _, f := range e.Data {
		if securityOwn[f.Name] || f.Value == "" {
			continue
		}
		r.Text(f.Name, f.Value)
	}
	subject := account(e.Get("SubjectDomainName"), e.Get("SubjectUserName"))
	target := account(e.Get("TargetDomainName"), e.Get("TargetUserName"))
	r.String("SubjectAccount", subject)
	r.String("TargetAccount", target)
	if tu := e.Get("TargetUserName"); tu != "-" {
		r.String("TargetUser", tu)
	}
	acct, name := subject, e.Get("SubjectUserName")
	if (targetFirst[e.EventID] && target != "") || acct == "" {
		acct, name = target, e.Get("TargetUserName")
	}
	if acct != "" {
		r.String("Account", acct)
		if name != "" && name[len(name)-1] == '$' {
			r.String("AccountType", "Machine")
		} else {
			r.String("AccountType", "User")
		}
	}
	if lt := e.Get("LogonType"); lt != "" {
		if n, err := strconv.Atoi(lt); err == nil {
			if ln := logonTypeNames[n]; ln != "" {
				r.String("LogonTypeName", lt+" - "+ln)
			}
		}
	}
	proc := e.Get("NewProcessName")
	if proc == "" {
		proc = e.Get("ProcessName")
	}
	if proc != "" && proc != "-" {
		r.String("Process", baseName(proc))
	}
	r.String("EventData", eventDataXML(e))
	r.String("_Extra", string(systemBag(e, make([]byte, 0, 256))))
}

// logonTypeNames names the logon types of 4624/4625.
var logonTypeNames = map[int]string{
	0: "System", 2: "Interactive", 3: "Network", 4: "Batch", 5: "Service", 7: "Unlock", 8: "NetworkCleartext",
	9: "NewCredentials", 10: "RemoteInteractive", 11: "CachedInteractive", 12: "CachedRemoteInteractive",
	13: "CachedUnlock",
}

// Activity returns the Activity text Log Analytics gives a Security event: "4624 - An account was successfully
// logged on.", or the event id alone when the event is not in the table.
func Activity(id int64) string {
	s := strconv.FormatInt(id, 10)
	if d, ok := securityDescriptions[id]; ok {
		return s + " - " + d
	}
	return s
}

// securityDescriptions are the titles of the Security events Microsoft documents (Appendix L, "Events to Monitor").
var securityDescriptions = map[int64]string{
	1100: "The event logging service has shut down.",
	1102: "The audit log was cleared.",
	1104: "The security log is now full.",
	1108: "The event logging service encountered an error while processing an incoming event published from %1.",
	4608: "Windows is starting up.",
	4610: "An authentication package has been loaded by the Local Security Authority.",
	4611: "A trusted logon process has been registered with the Local Security Authority.",
	4614: "A notification package has been loaded by the Security Account Manager.",
	4616: "The system time was changed.",
	4621: "Administrator recovered system from CrashOnAuditFail.",
	4622: "A security package has been loaded by the Local Security Authority.",
	4624: "An account was successfully logged on.",
	4625: "An account failed to log on.",
	4627: "Group membership information.",
	4634: "An account was logged off.",
	4647: "User initiated logoff.",
	4648: "A logon was attempted using explicit credentials.",
	4649: "A replay attack was detected.",
	4656: "A handle to an object was requested.",
	4657: "A registry value was modified.",
	4658: "The handle to an object was closed.",
	4660: "An object was deleted.",
	4661: "A handle to an object was requested.",
	4662: "An operation was performed on an object.",
	4663: "An attempt was made to access an object.",
	4664: "An attempt was made to create a hard link.",
	4670: "Permissions on an object were changed.",
	4672: "Special privileges assigned to new logon.",
	4673: "A privileged service was called.",
	4674: "An operation was attempted on a privileged object.",
	4688: "A new process has been created.",
	4689: "A process has exited.",
	4690: "An attempt was made to duplicate a handle to an object.",
	4691: "Indirect access to an object was requested.",
	4692: "Backup of data protection master key was attempted.",
	4693: "Recovery of data protection master key was attempted.",
	4694: "Protection of auditable protected data was attempted.",
	4695: "Unprotection of auditable protected data was attempted.",
	4696: "A primary token was assigned to process.",
	4697: "A service was installed in the system.",
	4698: "A scheduled task was created.",
	4699: "A scheduled task was deleted.",
	4700: "A scheduled task was enabled.",
	4701: "A scheduled task was disabled.",
	4702: "A scheduled task was updated.",
	4703: "A token right was adjusted.",
	4704: "A user right was assigned.",
	4705: "A user right was removed.",
	4706: "A new trust was created to a domain.",
	4707: "A trust to a domain was removed.",
	4713: "Kerberos policy was changed.",
	4714: "Encrypted data recovery policy was changed.",
	4715: "The audit policy (SACL) on an object was changed.",
	4716: "Trusted domain information was modified.",
	4717: "System security access was granted to an account.",
	4718: "System security access was removed from an account.",
	4719: "System audit policy was changed.",
	4720: "A user account was created.",
	4722: "A user account was enabled.",
	4723: "An attempt was made to change an account's password.",
	4724: "An attempt was made to reset an account's password.",
	4725: "A user account was disabled.",
	4726: "A user account was deleted.",
	4727: "A security-enabled global group was created.",
	4728: "A member was added to a security-enabled global group.",
	4729: "A member was removed from a security-enabled global group.",
	4730: "A security-enabled global group was deleted.",
	4731: "A security-enabled local group was created.",
	4732: "A member was added to a security-enabled local group.",
	4733: "A member was removed from a security-enabled local group.",
	4734: "A security-enabled local group was deleted.",
	4735: "A security-enabled local group was changed.",
	4737: "A security-enabled global group was changed.",
	4738: "A user account was changed.",
	4739: "Domain Policy was changed.",
	4740: "A user account was locked out.",
	4741: "A computer account was created.",
	4742: "A computer account was changed.",
	4743: "A computer account was deleted.",
	4744: "A security-disabled local group was created.",
	4754: "A security-enabled universal group was created.",
	4755: "A security-enabled universal group was changed.",
	4756: "A member was added to a security-enabled universal group.",
	4757: "A member was removed from a security-enabled universal group.",
	4758: "A security-enabled universal group was deleted.",
	4764: "A groups type was changed.",
	4765: "SID History was added to an account.",
	4766: "An attempt to add SID History to an account failed.",
	4767: "A user account was unlocked.",
	4768: "A Kerberos authentication ticket (TGT) was requested.",
	4769: "A Kerberos service ticket was requested.",
	4770: "A Kerberos service ticket was renewed.",
	4771: "Kerberos pre-authentication failed.",
	4772: "A Kerberos authentication ticket request failed.",
	4773: "A Kerberos service ticket request failed.",
	4774: "An account was mapped for logon.",
	4775: "An account could not be mapped for logon.",
	4776: "The computer attempted to validate the credentials for an account.",
	4777: "The domain controller failed to validate the credentials for an account.",
	4778: "A session was reconnected to a Window Station.",
	4779: "A session was disconnected from a Window Station.",
	4780: "The ACL was set on accounts which are members of administrators groups.",
	4781: "The name of an account was changed.",
	4782: "The password hash an account was accessed.",
	4793: "The Password Policy Checking API was called.",
	4794: "An attempt was made to set the Directory Services Restore Mode administrator password.",
	4797: "An attempt was made to query the existence of a blank password for an account.",
	4798: "A user's local group membership was enumerated.",
	4799: "A security-enabled local group membership was enumerated.",
	4800: "The workstation was locked.",
	4801: "The workstation was unlocked.",
	4802: "The screen saver was invoked.",
	4803: "The screen saver was dismissed.",
	4816: "RPC detected an integrity violation while decrypting an incoming message.",
	4817: "Auditing settings on object were changed.",
	4825: "A user was denied the access to Remote Desktop.",
	4826: "Boot Configuration Data loaded.",
	4864: "A namespace collision was detected.",
	4865: "A trusted forest information entry was added.",
	4866: "A trusted forest information entry was removed.",
	4867: "A trusted forest information entry was modified.",
	4870: "Certificate Services revoked a certificate.",
	4886: "Certificate Services received a certificate request.",
	4887: "Certificate Services approved a certificate request and issued a certificate.",
	4888: "Certificate Services denied a certificate request.",
	4898: "Certificate Services loaded a template.",
	4899: "A Certificate Services template was updated.",
	4900: "Certificate Services template security was updated.",
	4902: "The Per-user audit policy table was created.",
	4904: "An attempt was made to register a security event source.",
	4905: "An attempt was made to unregister a security event source.",
	4906: "The CrashOnAuditFail value has changed.",
	4907: "Auditing settings on object were changed.",
	4908: "Special Groups Logon table modified.",
	4912: "Per User Audit Policy was changed.",
	4946: "A change has been made to Windows Firewall exception list. A rule was added.",
	4947: "A change has been made to Windows Firewall exception list. A rule was modified.",
	4948: "A change has been made to Windows Firewall exception list. A rule was deleted.",
	4950: "A Windows Firewall setting has changed.",
	4954: "Windows Firewall Group Policy settings has changed. The new settings have been applied.",
	4956: "Windows Firewall has changed the active profile.",
	4957: "Windows Firewall did not apply the following rule:",
	4964: "Special groups have been assigned to a new logon.",
	4985: "The state of a transaction has changed.",
	5024: "The Windows Firewall Service has started successfully.",
	5025: "The Windows Firewall Service has been stopped.",
	5031: "The Windows Firewall Service blocked an application from accepting incoming connections on the network.",
	5038: "Code integrity determined that the image hash of a file is not valid.",
	5058: "Key file operation.",
	5059: "Key migration operation.",
	5061: "Cryptographic operation.",
	5136: "A directory service object was modified.",
	5137: "A directory service object was created.",
	5138: "A directory service object was undeleted.",
	5139: "A directory service object was moved.",
	5140: "A network share object was accessed.",
	5141: "A directory service object was deleted.",
	5142: "A network share object was added.",
	5143: "A network share object was modified.",
	5144: "A network share object was deleted.",
	5145: "A network share object was checked to see whether client can be granted desired access.",
	5152: "The Windows Filtering Platform blocked a packet.",
	5154: "The Windows Filtering Platform has permitted an application or service to listen on a port for incoming connections.",
	5156: "The Windows Filtering Platform has allowed a connection.",
	5157: "The Windows Filtering Platform has blocked a connection.",
	5158: "The Windows Filtering Platform has permitted a bind to a local port.",
	5159: "The Windows Filtering Platform has blocked a bind to a local port.",
	5376: "Credential Manager credentials were backed up.",
	5377: "Credential Manager credentials were restored from a backup.",
	5379: "Credential Manager credentials were read.",
	5381: "Vault credentials were read.",
	5382: "Vault credentials were read.",
	6144: "Security policy in the group policy objects has been applied successfully.",
	6145: "One or more errors occurred while processing security policy in the group policy objects.",
	6272: "Network Policy Server granted access to a user.",
	6273: "Network Policy Server denied access to a user.",
	6416: "A new external device was recognized by the system.",
	6419: "A request was made to disable a device.",
	6423: "The installation of this device is forbidden by system policy.",
}
