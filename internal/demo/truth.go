package demo

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"time"
)

// Truth is the ground truth of the generated attack. It is JSON-marshalable; [Truth.WriteFile] saves it.
type Truth struct {
	// Seed, Start and End describe the generated data: rows lie in [Start, End).
	Seed  int64     `json:"seed"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// AttackStart and AttackEnd bound the time of every attack row.
	AttackStart time.Time `json:"attackStart"`
	AttackEnd   time.Time `json:"attackEnd"`
	// Entities are the users, hosts, addresses, domains and files the attack involves.
	Entities Entities `json:"entities"`
	// Stages lists the attack stages in order, with the techniques seen in each.
	Stages []Stage `json:"stages"`
	// Events lists every attack row, in time order.
	Events []Event `json:"events"`
	// Rows is the number of rows written per table (background and attack).
	Rows map[string]int `json:"rows"`
}

// Entities are the entities of the attack, shared by its stages.
type Entities struct {
	VictimUser       string   `json:"victimUser"`       // UPN of the phished user
	VictimAccount    string   `json:"victimAccount"`    // its sAMAccountName
	VictimSID        string   `json:"victimSid"`        // its SID
	CompromisedAdmin string   `json:"compromisedAdmin"` // UPN of the admin whose credentials were dumped and reused
	AdminAccount     string   `json:"adminAccount"`     // its sAMAccountName
	VictimHost       string   `json:"victimHost"`       // DeviceName of the victim's workstation
	VictimHostID     string   `json:"victimHostId"`     // its DeviceId
	VictimIP         string   `json:"victimIp"`         // its address
	TargetHost       string   `json:"targetHost"`       // DeviceName of the server reached by lateral movement
	TargetHostID     string   `json:"targetHostId"`     // its DeviceId
	TargetIP         string   `json:"targetIp"`         // its address
	DomainController string   `json:"domainController"` // DeviceName of the DC that validated the stolen credentials
	Sender           string   `json:"sender"`           // phishing sender address
	AttackerIPs      []string `json:"attackerIps"`      // payload/C2, exfiltration, cloud sign-in and mail relay addresses
	AttackerDomains  []string `json:"attackerDomains"`  // phishing/payload and C2 domains
	URLs             []string `json:"urls"`             // phishing link, payload URL, exfiltration endpoint
	Files            []File   `json:"files"`            // macro document, implant, remote service binary, archiver
}

// File is a file the attack brought or created.
type File struct {
	Name   string `json:"name"`
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	SHA1   string `json:"sha1,omitempty"`
	MD5    string `json:"md5,omitempty"`
}

// Stage is one stage of the attack: its time range, its techniques and its number of rows.
type Stage struct {
	Name       string    `json:"name"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	Techniques []string  `json:"techniques"`
	Events     int       `json:"events"`
}

// Event is one attack row. The row is the only row of Table whose TimeColumn equals Time (microsecond precision)
// and whose columns hold the values in Match:
//
//   - Defender device tables (Device*): DeviceName and ReportId (as Defender documents: ReportId with DeviceName
//     and Timestamp identifies an event; ReportId is also unique over all generated Device* rows);
//   - EmailEvents: NetworkMessageId and RecipientEmailAddress;
//   - EmailUrlInfo, EmailAttachmentInfo, UrlClickEvents, IdentityLogonEvents: ReportId (a unique string);
//   - SigninLogs: Id;
//   - SecurityEvent: Computer and EventID plus an event-specific column: TargetLogonId (4624), SubjectLogonId
//     (4672), ServiceName (4697), HandleId (4656), TargetUserName (4776) or NewProcessId (4688).
//
// A lookup in KQL is: Table | where TimeColumn == datetime(Time) and Col1 == Value1 and ... . Match values are
// strings, or int64 for numeric columns (ReportId of Device* tables, EventID); JSON decoding turns those into
// numbers.
type Event struct {
	Table         string         `json:"table"`         // table name, e.g. DeviceProcessEvents
	TimeColumn    string         `json:"timeColumn"`    // Timestamp or TimeGenerated, as TimeColumn(Table) says
	Time          time.Time      `json:"time"`          // value of the time column
	Match         map[string]any `json:"match"`         // column values that single the row out
	Stage         string         `json:"stage"`         // one of StageNames
	Technique     string         `json:"technique"`     // MITRE ATT&CK technique id, e.g. T1003.001
	TechniqueName string         `json:"techniqueName"` // its name
	Description   string         `json:"description"`   // what the row shows, in a few words
}

// The attack stages, in order.
const (
	StageInitialAccess       = "initial-access"
	StageExecution           = "execution"
	StagePersistence         = "persistence"
	StagePrivilegeEscalation = "privilege-escalation"
	StageCommandAndControl   = "command-and-control"
	StageDiscovery           = "discovery"
	StageCredentialAccess    = "credential-access"
	StageLateralMovement     = "lateral-movement"
	StageCollection          = "collection"
	StageExfiltration        = "exfiltration"
	StageDefenseEvasion      = "defense-evasion"
)

// StageNames lists the stages of the attack in order.
var StageNames = []string{StageInitialAccess, StageExecution, StagePersistence, StagePrivilegeEscalation,
	StageCommandAndControl, StageDiscovery, StageCredentialAccess, StageLateralMovement, StageCollection,
	StageExfiltration, StageDefenseEvasion}

var techniqueNames = map[string]string{
	"T1566.001": "Phishing: Spearphishing Attachment",
	"T1566.002": "Phishing: Spearphishing Link",
	"T1078.004": "Valid Accounts: Cloud Accounts",
	"T1204.002": "User Execution: Malicious File",
	"T1059.005": "Command and Scripting Interpreter: Visual Basic",
	"T1059.001": "Command and Scripting Interpreter: PowerShell",
	"T1059.003": "Command and Scripting Interpreter: Windows Command Shell",
	"T1105":     "Ingress Tool Transfer",
	"T1071.001": "Application Layer Protocol: Web Protocols",
	"T1547.001": "Boot or Logon Autostart Execution: Registry Run Keys / Startup Folder",
	"T1548.002": "Abuse Elevation Control Mechanism: Bypass User Account Control",
	"T1033":     "System Owner/User Discovery",
	"T1069.002": "Permission Groups Discovery: Domain Groups",
	"T1018":     "Remote System Discovery",
	"T1003.001": "OS Credential Dumping: LSASS Memory",
	"T1550.002": "Use Alternate Authentication Material: Pass the Hash",
	"T1021.002": "Remote Services: SMB/Windows Admin Shares",
	"T1570":     "Lateral Tool Transfer",
	"T1569.002": "System Services: Service Execution",
	"T1543.003": "Create or Modify System Process: Windows Service",
	"T1560.001": "Archive Collected Data: Archive via Utility",
	"T1005":     "Data from Local System",
	"T1048.002": "Exfiltration Over Alternative Protocol: Exfiltration Over Asymmetric Encrypted Non-C2 Protocol",
	"T1070.004": "Indicator Removal: File Deletion",
	"T1112":     "Modify Registry",
}

func newTruth(opts Options, start, end int64) *Truth {
	return &Truth{Seed: opts.Seed, Start: time.Unix(0, start).UTC(), End: time.Unix(0, end).UTC()}
}

// finish sorts the events and derives the stage summaries and the attack's time range.
func (t *Truth) finish() {
	slices.SortStableFunc(t.Events, func(a, b Event) int { return a.Time.Compare(b.Time) })
	t.Stages = t.Stages[:0]
	for _, name := range StageNames {
		st := Stage{Name: name}
		for _, e := range t.Events {
			if e.Stage != name {
				continue
			}
			if st.Events == 0 || e.Time.Before(st.Start) {
				st.Start = e.Time
			}
			if e.Time.After(st.End) {
				st.End = e.Time
			}
			st.Events++
			if !slices.Contains(st.Techniques, e.Technique) {
				st.Techniques = append(st.Techniques, e.Technique)
			}
		}
		if st.Events > 0 {
			t.Stages = append(t.Stages, st)
		}
	}
	if len(t.Events) > 0 {
		t.AttackStart = t.Events[0].Time
		t.AttackEnd = t.Events[len(t.Events)-1].Time
	}
}

// WriteFile writes t as indented JSON to path.
func (t *Truth) WriteFile(path string) error {
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return fmt.Errorf("demo: encode truth: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("demo: write truth: %w", err)
	}
	return nil
}

// mark records an attack row: with d, the last Device* row written (matched by DeviceName and ReportId), and the
// Security 4688 event written with it for a process on a server; without d, the last row written, matched by match.
func (g *gen) mark(d *device, stage, technique, desc string, match map[string]any) {
	table, ts := g.lastTable, g.lastTS
	if d != nil {
		table, ts = g.lastDev.table, g.lastDev.ts
		match = map[string]any{"DeviceName": d.name, "ReportId": g.lastDev.rid}
	}
	g.addEvent(table, ts, stage, technique, desc, match)
	if d != nil && table == tProcess && g.last4688.rid == g.lastDev.rid {
		e := g.last4688
		g.addEvent(tSecurity, e.ts, stage, technique, desc+" (process creation audit)",
			map[string]any{"Computer": e.computer, "EventID": int64(4688), "NewProcessId": e.pid})
	}
}

func (g *gen) addEvent(table int, ts int64, stage, technique, desc string, match map[string]any) {
	name := tableNames[table]
	g.truth.Events = append(g.truth.Events, Event{Table: name, TimeColumn: TimeColumn(name), Time: time.Unix(0, ts).UTC(),
		Match: match, Stage: stage, Technique: technique, TechniqueName: techniqueNames[technique], Description: desc})
}
