package cef

import (
	"strconv"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/ingest/normalize/tables"
	"github.com/vigilsec/vigil/internal/ingest/parse/syslog"
)

// Columns maps CEF extension keys (short names and the ArcSight full names) onto CommonSecurityLog columns, as
// Microsoft's CEF connector documents them. Custom fields keep their labels in the matching …Label columns.
var Columns = map[string]string{
	"act": "DeviceAction", "app": "ApplicationProtocol", "cnt": "EventCount",
	"c6a1": "DeviceCustomIPv6Address1", "c6a1Label": "DeviceCustomIPv6Address1Label",
	"c6a2": "DeviceCustomIPv6Address2", "c6a2Label": "DeviceCustomIPv6Address2Label",
	"c6a3": "DeviceCustomIPv6Address3", "c6a3Label": "DeviceCustomIPv6Address3Label",
	"c6a4": "DeviceCustomIPv6Address4", "c6a4Label": "DeviceCustomIPv6Address4Label",
	"cfp1": "DeviceCustomFloatingPoint1", "cfp1Label": "DeviceCustomFloatingPoint1Label",
	"cfp2": "DeviceCustomFloatingPoint2", "cfp2Label": "DeviceCustomFloatingPoint2Label",
	"cfp3": "DeviceCustomFloatingPoint3", "cfp3Label": "DeviceCustomFloatingPoint3Label",
	"cfp4": "DeviceCustomFloatingPoint4", "cfp4Label": "DeviceCustomFloatingPoint4Label",
	"cn1": "DeviceCustomNumber1", "cn1Label": "DeviceCustomNumber1Label",
	"cn2": "DeviceCustomNumber2", "cn2Label": "DeviceCustomNumber2Label",
	"cn3": "DeviceCustomNumber3", "cn3Label": "DeviceCustomNumber3Label",
	"cs1": "DeviceCustomString1", "cs1Label": "DeviceCustomString1Label",
	"cs2": "DeviceCustomString2", "cs2Label": "DeviceCustomString2Label",
	"cs3": "DeviceCustomString3", "cs3Label": "DeviceCustomString3Label",
	"cs4": "DeviceCustomString4", "cs4Label": "DeviceCustomString4Label",
	"cs5": "DeviceCustomString5", "cs5Label": "DeviceCustomString5Label",
	"cs6": "DeviceCustomString6", "cs6Label": "DeviceCustomString6Label",
	"deviceCustomDate1": "DeviceCustomDate1", "deviceCustomDate1Label": "DeviceCustomDate1Label",
	"deviceCustomDate2": "DeviceCustomDate2", "deviceCustomDate2Label": "DeviceCustomDate2Label",
	"destinationDnsDomain": "DestinationDnsDomain", "destinationServiceName": "DestinationServiceName",
	"destinationTranslatedAddress": "DestinationTranslatedAddress",
	"destinationTranslatedPort":    "DestinationTranslatedPort",
	"deviceDnsDomain":              "DeviceDnsDomain", "deviceExternalId": "DeviceExternalID",
	"deviceFacility": "DeviceFacility", "deviceInboundInterface": "DeviceInboundInterface",
	"deviceNtDomain": "DeviceNtDomain", "deviceOutboundInterface": "DeviceOutboundInterface",
	"devicePayloadId": "DevicePayloadId", "deviceProcessName": "ProcessName",
	"deviceTranslatedAddress": "DeviceTranslatedAddress",
	"dhost":                   "DestinationHostName", "dmac": "DestinationMACAddress", "dntdom": "DestinationNTDomain",
	"dpid": "DestinationProcessId", "dpriv": "DestinationUserPrivileges", "dproc": "DestinationProcessName",
	"dpt": "DestinationPort", "dst": "DestinationIP", "dtz": "DeviceTimeZone", "duid": "DestinationUserID",
	"duser": "DestinationUserName", "dvc": "DeviceAddress", "dvchost": "DeviceName", "dvcmac": "DeviceMacAddress",
	"dvcpid": "ProcessID", "end": "EndTime", "externalId": "ExternalID",
	"fileCreateTime": "FileCreateTime", "fileHash": "FileHash", "fileId": "FileID",
	"fileModificationTime": "FileModificationTime", "filePath": "FilePath", "filePermission": "FilePermission",
	"fileType": "FileType", "flexDate1": "FlexDate1", "flexDate1Label": "FlexDate1Label",
	"flexNumber1": "FlexNumber1", "flexNumber1Label": "FlexNumber1Label", "flexNumber2": "FlexNumber2",
	"flexNumber2Label": "FlexNumber2Label", "flexString1": "FlexString1", "flexString1Label": "FlexString1Label",
	"flexString2": "FlexString2", "flexString2Label": "FlexString2Label", "fname": "FileName", "fsize": "FileSize",
	"in": "ReceivedBytes", "msg": "Message", "oldFileCreateTime": "OldFileCreateTime", "oldFileHash": "OldFileHash",
	"oldFileId": "OldFileID", "oldFileModificationTime": "OldFileModificationTime", "oldFileName": "OldFileName",
	"oldFilePath": "OldFilePath", "oldFilePermission": "OldFilePermission", "oldFileSize": "OldFileSize",
	"oldFileType": "OldFileType", "out": "SentBytes", "proto": "Protocol", "request": "RequestURL",
	"requestClientApplication": "RequestClientApplication", "requestContext": "RequestContext",
	"requestCookies": "RequestCookies", "requestMethod": "RequestMethod", "rt": "ReceiptTime",
	"shost": "SourceHostName", "smac": "SourceMACAddress", "sntdom": "SourceNTDomain",
	"sourceDnsDomain": "SourceDnsDomain", "sourceServiceName": "SourceServiceName",
	"sourceTranslatedAddress": "SourceTranslatedAddress", "sourceTranslatedPort": "SourceTranslatedPort",
	"spid": "SourceProcessId", "spriv": "SourceUserPrivileges", "sproc": "SourceProcessName", "spt": "SourcePort",
	"src": "SourceIP", "start": "StartTime", "suid": "SourceUserID", "suser": "SourceUserName", "type": "EventType",
	// ArcSight full names.
	"deviceAction": "DeviceAction", "applicationProtocol": "ApplicationProtocol", "baseEventCount": "EventCount",
	"destinationHostName": "DestinationHostName", "destinationMacAddress": "DestinationMACAddress",
	"destinationNtDomain": "DestinationNTDomain", "destinationProcessId": "DestinationProcessId",
	"destinationUserPrivileges": "DestinationUserPrivileges", "destinationProcessName": "DestinationProcessName",
	"destinationPort": "DestinationPort", "destinationAddress": "DestinationIP", "destinationUserId": "DestinationUserID",
	"destinationUserName": "DestinationUserName", "deviceAddress": "DeviceAddress", "deviceHostName": "DeviceName",
	"deviceMacAddress": "DeviceMacAddress", "endTime": "EndTime", "fileName": "FileName", "fileSize": "FileSize",
	"bytesIn": "ReceivedBytes", "message": "Message", "bytesOut": "SentBytes", "transportProtocol": "Protocol",
	"requestUrl": "RequestURL", "receiptTime": "ReceiptTime", "sourceHostName": "SourceHostName",
	"sourceMacAddress": "SourceMACAddress", "sourceNtDomain": "SourceNTDomain", "sourceProcessId": "SourceProcessId",
	"sourceUserPrivileges": "SourceUserPrivileges", "sourceProcessName": "SourceProcessName",
	"sourcePort": "SourcePort", "sourceAddress": "SourceIP", "startTime": "StartTime", "sourceUserId": "SourceUserID",
	"sourceUserName": "SourceUserName", "deviceProcessId": "ProcessID",
}

// Write adds e as a row of CommonSecurityLog. The time is that of the syslog header, else rt (receipt time), else
// start, else meta.Received. Header fields go to DeviceVendor, DeviceProduct, DeviceVersion, DeviceEventClassID,
// Activity (Name) and LogSeverity; deviceDirection 0/1 becomes CommunicationDirection Inbound/Outbound; an
// extension with no column, or whose value its column's type cannot hold, goes to AdditionalExtensions as
// "key=value;…", as the CEF connector writes them.
func Write(e *Event, meta syslog.Meta, out tables.Sink) error {
	b, err := out.Builder("CommonSecurityLog")
	if err != nil {
		return err
	}
	r := tables.Begin(b)
	r.String("DeviceVendor", e.DeviceVendor)
	r.String("DeviceProduct", e.DeviceProduct)
	r.String("DeviceVersion", e.DeviceVersion)
	r.String("DeviceEventClassID", e.SignatureID)
	r.String("Activity", e.Name)
	r.String("LogSeverity", e.Severity)
	r.String("Type", "CommonSecurityLog")
	var extra Extras
	addExtra := extra.Add
	for _, p := range e.Extensions {
		col, ok := Columns[p.Key]
		switch {
		case p.Key == "deviceDirection":
			switch strings.TrimSpace(p.Value) {
			case "0":
				r.String("CommunicationDirection", "Inbound")
			case "1":
				r.String("CommunicationDirection", "Outbound")
			default:
				addExtra(p.Key, p.Value)
			}
		case !ok:
			addExtra(p.Key, p.Value)
		case col == "StartTime" || col == "EndTime":
			if us, ok := Time(p.Value); ok {
				r.Int(col, us)
			} else {
				addExtra(p.Key, p.Value)
			}
		case !r.Text(col, p.Value):
			addExtra(p.Key, p.Value)
		}
	}
	extra.Write(r)
	t, host := int64(0), ""
	switch {
	case e.Header.HasTime:
		t = e.Header.Time
	case e.Get("rt") != "":
		if us, ok := Time(e.Get("rt")); ok {
			t = us
		}
	case e.Get("start") != "":
		if us, ok := Time(e.Get("start")); ok {
			t = us
		}
	}
	if t == 0 {
		t = meta.ReceivedTime()
	}
	r.Int("TimeGenerated", t)
	host = e.Header.Hostname
	if host == "" {
		host = meta.SenderIP
	}
	r.String("Computer", host)
	buf := []byte(`{"CEFVersion":`)
	buf = strconv.AppendQuote(buf, e.Version)
	if e.Header.Format != syslog.FormatNone && e.Header.HasPriority {
		buf = append(buf, `,"Facility":`...)
		buf = strconv.AppendQuote(buf, syslog.Facilities[e.Header.Facility%24])
		buf = append(buf, `,"SeverityLevel":`...)
		buf = strconv.AppendQuote(buf, syslog.Severities[e.Header.Severity%8])
	}
	r.String("_Extra", string(append(buf, '}')))
	r.Commit()
	return nil
}

// timeLayouts are the CEF date formats besides milliseconds since the epoch.
var timeLayouts = []string{
	"Jan 02 2006 15:04:05.000 MST", "Jan 02 2006 15:04:05 MST", "Jan 02 2006 15:04:05.000", "Jan 02 2006 15:04:05",
	"Jan 2 2006 15:04:05", "Jan 02 15:04:05.000 MST", "Jan 02 15:04:05 MST", "Jan 02 15:04:05.000", "Jan 02 15:04:05",
	time.RFC3339Nano, "2006-01-02 15:04:05",
}

// Time reads a CEF timestamp: milliseconds since the epoch (a number too small for that is read as seconds, one
// too large as microseconds) or one of the documented date formats (a date without a year is in the current year,
// without a zone in UTC). It returns Unix microseconds.
func Time(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
		switch {
		case n > 1e14: // microseconds
			return n, true
		case n < 1e11: // seconds, as some senders write them (1e11 ms would be 1973)
			return n * 1e6, true
		}
		return n * 1000, true
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			if t.Year() == 0 {
				t = t.AddDate(time.Now().Year(), 0, 0)
			}
			return t.UnixMicro(), true
		}
	}
	return 0, false
}

// Normalize parses line with p and writes it (see [Write]).
func (p *Parser) Normalize(line string, meta syslog.Meta, out tables.Sink) error {
	e, err := p.Parse(line)
	if err != nil {
		return err
	}
	return Write(e, meta, out)
}

// Extras collects the pairs that have no column, written to AdditionalExtensions as "key=value;…".
type Extras struct{ b strings.Builder }

// Add appends one pair.
func (x *Extras) Add(k, v string) {
	if x.b.Len() > 0 {
		x.b.WriteByte(';')
	}
	x.b.WriteString(k)
	x.b.WriteByte('=')
	x.b.WriteString(v)
}

// Write sets AdditionalExtensions on r when there is anything to write.
func (x *Extras) Write(r tables.Row) {
	if x.b.Len() > 0 {
		r.String("AdditionalExtensions", x.b.String())
	}
}
