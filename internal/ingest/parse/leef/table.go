package leef

import (
	"strconv"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/ingest/normalize/tables"
	"github.com/vigilsec/vigil/internal/ingest/parse/cef"
	"github.com/vigilsec/vigil/internal/ingest/parse/syslog"
)

// Columns maps the predefined LEEF attributes onto CommonSecurityLog columns. Keys not here are looked up in
// [cef.Columns] (many LEEF senders use CEF keys such as act, msg or suser), and then kept in AdditionalExtensions.
// devTime (read with devTimeFormat) is the event time; the header's Vendor, Product, Version and EventID fill
// DeviceVendor, DeviceProduct, DeviceVersion and DeviceEventClassID, and EventID also Activity (LEEF has no name).
var Columns = map[string]string{
	"src": "SourceIP", "dst": "DestinationIP", "srcPort": "SourcePort", "dstPort": "DestinationPort",
	"proto": "Protocol", "sev": "LogSeverity", "usrName": "SourceUserName", "srcMAC": "SourceMACAddress",
	"dstMAC": "DestinationMACAddress", "srcPostNAT": "SourceTranslatedAddress",
	"dstPostNAT": "DestinationTranslatedAddress", "srcPostNATPort": "SourceTranslatedPort",
	"dstPostNATPort": "DestinationTranslatedPort", "srcBytes": "SentBytes", "dstBytes": "ReceivedBytes",
	"url": "RequestURL", "identHostName": "SourceHostName", "identMAC": "SourceMACAddress",
	"devTime": "ReceiptTime",
}

// Write adds e as a row of CommonSecurityLog.
func Write(e *Event, meta syslog.Meta, out tables.Sink) error {
	b, err := out.Builder("CommonSecurityLog")
	if err != nil {
		return err
	}
	r := tables.Begin(b)
	r.String("DeviceVendor", e.Vendor)
	r.String("DeviceProduct", e.Product)
	r.String("DeviceVersion", e.ProductVersion)
	r.String("DeviceEventClassID", e.EventID)
	r.String("Activity", e.EventID)
	r.String("Type", "CommonSecurityLog")
	var extra cef.Extras
	addExtra := extra.Add
	for _, p := range e.Attributes {
		col, ok := Columns[p.Key]
		if !ok {
			col, ok = cef.Columns[p.Key]
		}
		switch {
		case !ok:
			addExtra(p.Key, p.Value)
		case col == "StartTime" || col == "EndTime":
			if us, ok := cef.Time(p.Value); ok {
				r.Int(col, us)
			} else {
				addExtra(p.Key, p.Value)
			}
		case r.IsSet(col):
			addExtra(p.Key, p.Value)
		case !r.Text(col, p.Value):
			addExtra(p.Key, p.Value)
		}
	}
	extra.Write(r)
	t := int64(0)
	if us, ok := DevTime(e.Get("devTime"), e.Get("devTimeFormat")); ok {
		t = us
	} else if e.Header.HasTime {
		t = e.Header.Time
	}
	if t == 0 {
		t = meta.ReceivedTime()
	}
	r.Int("TimeGenerated", t)
	host := e.Header.Hostname
	if host == "" {
		host = meta.SenderIP
	}
	r.String("Computer", host)
	buf := []byte(`{"LEEFVersion":`)
	buf = strconv.AppendQuote(buf, e.Version)
	if e.Delimiter != "\t" {
		buf = append(buf, `,"Delimiter":`...)
		buf = strconv.AppendQuote(buf, e.Delimiter)
	}
	r.String("_Extra", string(append(buf, '}')))
	r.Commit()
	return nil
}

// DevTime reads a LEEF devTime: with devTimeFormat (a Java SimpleDateFormat pattern such as
// "MMM dd yyyy HH:mm:ss.SSS zzz"), else as milliseconds since the epoch or the LEEF default "MMM dd yyyy HH:mm:ss".
func DevTime(v, format string) (int64, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if format != "" {
		if layout, ok := javaLayout(format); ok {
			if t, err := time.Parse(layout, v); err == nil {
				return t.UnixMicro(), true
			}
		}
	}
	return cef.Time(v)
}

// javaLayout converts the common SimpleDateFormat letters into a Go layout.
func javaLayout(f string) (string, bool) {
	var sb strings.Builder
	for i := 0; i < len(f); {
		c := f[i]
		j := i
		for j < len(f) && f[j] == c {
			j++
		}
		n := j - i
		switch c {
		case 'y':
			if n == 2 {
				sb.WriteString("06")
			} else {
				sb.WriteString("2006")
			}
		case 'M':
			switch {
			case n >= 4:
				sb.WriteString("January")
			case n == 3:
				sb.WriteString("Jan")
			case n == 2:
				sb.WriteString("01")
			default:
				sb.WriteString("1")
			}
		case 'd':
			if n == 2 {
				sb.WriteString("02")
			} else {
				sb.WriteString("2")
			}
		case 'H':
			sb.WriteString("15")
		case 'h':
			if n == 2 {
				sb.WriteString("03")
			} else {
				sb.WriteString("3")
			}
		case 'm':
			sb.WriteString("04")
		case 's':
			sb.WriteString("05")
		case 'S':
			sb.WriteString(strings.Repeat("0", n))
		case 'a':
			sb.WriteString("PM")
		case 'E':
			if n >= 4 {
				sb.WriteString("Monday")
			} else {
				sb.WriteString("Mon")
			}
		case 'z':
			sb.WriteString("MST")
		case 'Z':
			sb.WriteString("-0700")
		case 'X':
			sb.WriteString("Z07:00")
		case '\'':
			k := strings.IndexByte(f[i+1:], '\'')
			if k < 0 {
				return "", false
			}
			sb.WriteString(f[i+1 : i+1+k])
			j = i + k + 2
		default:
			if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
				return "", false
			}
			sb.WriteString(f[i:j])
		}
		i = j
	}
	return sb.String(), true
}

// Normalize parses line with p and writes it (see [Write]).
func (p *Parser) Normalize(line string, meta syslog.Meta, out tables.Sink) error {
	e, err := p.Parse(line)
	if err != nil {
		return err
	}
	return Write(e, meta, out)
}
