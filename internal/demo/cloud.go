package demo

import (
	"strconv"
	"strings"
)

// mail is one message to one recipient, for EmailEvents and its companion tables.
type mail struct {
	id, internetID     string
	from, fromName     string
	fromDomain         string
	senderIP           string
	to                 *user
	toAddr             string // recipient address when to is nil (outbound)
	subject            string
	direction          string
	delivery, location string
	threats            string
	detection          string
	auth               string
	urls               []string
	attach             []attachment
	confidence         string
	bcl                int64
}

type attachment struct {
	name, typ string
	sha256    string
	size      int64
}

var subjects = []string{"Re: Q3 planning", "Weekly sync notes", "Invoice {n} attached", "Your order has shipped", "Updated proposal",
	"Lunch on Friday?", "FW: Customer feedback", "Action required: expense approval", "Meeting recap", "Contract for review",
	"Re: Release schedule", "Newsletter: November highlights", "Document shared with you", "Re: Budget numbers",
	"Reminder: timesheets due", "Webinar invitation"}

func (g *gen) newMail(ts int64) mail {
	r := g.r
	to := pick(r, g.w.people)
	m := mail{id: guid(r), to: to, direction: "Inbound", delivery: "Delivered", location: "Inbox/folder", confidence: `{"Spam":"Low"}`}
	subj := strings.Replace(pick(r, subjects), "{n}", strconv.Itoa(1000+r.IntN(9000)), 1)
	m.subject = subj
	switch x := r.IntN(100); {
	case x < 40:
		from := pick(r, g.w.people)
		m.from, m.fromName, m.fromDomain, m.direction = from.upn, from.display, upnDomain, "Intra-org"
		m.senderIP = "10.20.1.40"
	case x < 60:
		from := pick(r, g.w.people)
		partner := pick(r, g.w.partners)
		m.from, m.fromName, m.fromDomain, m.direction = from.upn, from.display, upnDomain, "Outbound"
		m.to, m.toAddr = nil, strings.ToLower(pick(r, firstNames))+"@"+partner
		m.location = "On-premises/external"
		m.senderIP = "40.107.22.61"
	default:
		partner := pick(r, g.w.partners)
		name := pick(r, firstNames) + " " + pick(r, lastNames)
		m.from, m.fromName, m.fromDomain = strings.ToLower(strings.ReplaceAll(name, " ", "."))+"@"+partner, name, partner
		m.senderIP = "40.107." + strconv.Itoa(r.IntN(256)) + "." + strconv.Itoa(1+r.IntN(254))
		if x >= 94 {
			// Bulk and spam, junked or quarantined.
			dom := "deals-" + hexID(r, 6) + ".top"
			m.from, m.fromName, m.fromDomain = "offers@"+dom, "Special Offers", dom
			m.senderIP = "185.234." + strconv.Itoa(r.IntN(256)) + "." + strconv.Itoa(1+r.IntN(254))
			m.threats, m.detection, m.delivery, m.location = "Spam", `{"Spam":["Mixed analysis detection"]}`, "Junked", "Junk folder"
			m.confidence, m.bcl = `{"Spam":"High"}`, 7
			m.subject = "You have (1) pending reward – claim now"
			if x == 99 {
				m.threats, m.detection, m.delivery, m.location = "Phish", `{"Phish":["URL detonation reputation"]}`, "Blocked", "Quarantine"
				m.subject = "Password expiry notice: verify your account"
			}
		}
	}
	m.internetID = "<" + hexID(r, 24) + "@" + m.fromDomain + ">"
	if m.direction == "Inbound" {
		m.auth = `{"SPF":"pass","DKIM":"pass","DMARC":"pass","CompAuth":"pass"}`
		if m.threats != "" {
			m.auth = `{"SPF":"softfail","DKIM":"none","DMARC":"fail","CompAuth":"fail"}`
		}
	}
	nURL := r.IntN(3)
	for i := 0; i < nURL; i++ {
		host := pick(r, []string{"contoso.sharepoint.com", "www.linkedin.com", "zoom.us", "contoso.my.salesforce.com", "www.adobe.com", m.fromDomain})
		m.urls = append(m.urls, "https://"+host+"/"+hexID(r, 10))
	}
	if r.IntN(6) == 0 {
		ext := pick(r, []string{"pdf", "docx", "xlsx", "png"})
		name := strings.ReplaceAll(strings.Fields(m.subject)[len(strings.Fields(m.subject))-1], ":", "") + "." + ext
		_, s256, _ := fileHashes(m.id+name, 0)
		m.attach = append(m.attach, attachment{name: name, typ: ext, sha256: s256, size: 20_000 + r.Int64N(4_000_000)})
	}
	return m
}

// mailFlow writes one message with its URLs, attachments and, sometimes, a click.
func (g *gen) mailFlow(ts int64) {
	m := g.newMail(ts)
	g.emailRows(ts, m)
	if m.to != nil && len(m.urls) > 0 && m.delivery == "Delivered" && g.r.IntN(5) == 0 {
		g.urlClick(ts+g.jitter(40*minute)+minute, m.to, m.urls[0], m.id, officeIP, "ClickAllowed", "")
	}
}

// emailRows writes EmailEvents, EmailUrlInfo and EmailAttachmentInfo rows of m and returns their ReportIds.
func (g *gen) emailRows(ts int64, m mail) (ev string, urls, atts []string) {
	rcpt, rcptID := m.toAddr, ""
	if m.to != nil {
		rcpt, rcptID = m.to.upn, m.to.objectID
	}
	t := g.begin(tEmail, ts)
	t.s("NetworkMessageId", m.id)
	t.s("InternetMessageId", m.internetID)
	t.s("SenderMailFromAddress", m.from)
	t.s("SenderFromAddress", m.from)
	t.s("SenderDisplayName", m.fromName)
	t.s("SenderMailFromDomain", m.fromDomain)
	t.s("SenderFromDomain", m.fromDomain)
	t.s("SenderIPv4", m.senderIP)
	t.s("RecipientEmailAddress", rcpt)
	t.s("RecipientObjectId", rcptID)
	t.s("Subject", m.subject)
	t.n("EmailClusterId", int64(len(m.subject))*7919+int64(m.subject[0]))
	t.s("EmailDirection", m.direction)
	t.s("DeliveryAction", m.delivery)
	t.s("DeliveryLocation", m.location)
	t.s("LatestDeliveryAction", m.delivery)
	t.s("LatestDeliveryLocation", m.location)
	t.s("ThreatTypes", m.threats)
	t.s("DetectionMethods", m.detection)
	t.s("ConfidenceLevel", m.confidence)
	t.n("BulkComplaintLevel", m.bcl)
	if m.threats != "" {
		t.s("EmailAction", "Move message to junk mail folder")
		t.s("EmailActionPolicy", "Antispam")
	}
	t.s("AuthenticationDetails", m.auth)
	t.n("AttachmentCount", int64(len(m.attach)))
	t.n("UrlCount", int64(len(m.urls)))
	t.s("EmailLanguage", "en")
	ev = guid(g.r)
	t.s("ReportId", ev)
	t.raw("AdditionalFields", "{}")
	g.done(t)
	for i, u := range m.urls {
		t := g.begin(tEmailURL, ts+int64(i+1)*ms)
		t.s("NetworkMessageId", m.id)
		t.s("Url", u)
		host := strings.TrimPrefix(u, "https://")
		if i := strings.IndexByte(host, '/'); i >= 0 {
			host = host[:i]
		}
		t.s("UrlDomain", host)
		t.s("UrlLocation", "Body")
		id := guid(g.r)
		t.s("ReportId", id)
		g.done(t)
		urls = append(urls, id)
	}
	for i, a := range m.attach {
		t := g.begin(tEmailAttachment, ts+int64(i+1)*ms)
		t.s("NetworkMessageId", m.id)
		t.s("SenderFromAddress", m.from)
		t.s("SenderDisplayName", m.fromName)
		t.s("RecipientEmailAddress", rcpt)
		t.s("RecipientObjectId", rcptID)
		t.s("FileName", a.name)
		t.s("FileType", a.typ)
		t.s("SHA256", a.sha256)
		t.n("FileSize", a.size)
		t.s("ThreatTypes", m.threats)
		id := guid(g.r)
		t.s("ReportId", id)
		g.done(t)
		atts = append(atts, id)
	}
	return ev, urls, atts
}

// urlClick writes a UrlClickEvents row and returns its ReportId.
func (g *gen) urlClick(ts int64, u *user, url, msgID, ip, action, threats string) string {
	t := g.begin(tURLClick, ts)
	t.s("Url", url)
	t.s("ActionType", action)
	t.s("AccountUpn", u.upn)
	t.s("Workload", "Email")
	t.s("NetworkMessageId", msgID)
	t.s("ThreatTypes", threats)
	t.s("IPAddress", ip)
	t.b("IsClickedThrough", action == "ClickAllowed")
	t.s("UrlChain", `["`+url+`"]`)
	id := guid(g.r)
	t.s("ReportId", id)
	g.done(t)
	return id
}

var cloudApps = []struct{ name, id, resource string }{
	{"Microsoft Teams", "1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams Services"},
	{"Office 365 Exchange Online", "00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online"},
	{"OfficeHome", "4765445b-32c6-49b0-83e6-1d93765276ca", "OfficeHome"},
	{"Microsoft Office", "d3590ed6-52b3-4102-aeff-aad2292ab01c", "Office 365 SharePoint Online"},
	{"One Outlook Web", "9199bf20-a13f-4107-85dc-02114787ef48", "Office 365 Exchange Online"},
	{"Salesforce", "a0f8c2a6-2b5e-4d39-9d3f-6f1e0b7c4d21", "Salesforce"},
	{"Azure Portal", "c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "Windows Azure Service Management API"},
}

var travel = map[string][5]string{ // country: city, state, lat, lon, ip prefix
	"DE": {"Berlin", "Berlin", "52.5200", "13.4050", "91.64."},
	"FR": {"Paris", "Paris", "48.8566", "2.3522", "90.84."},
	"JP": {"Tokyo", "Tokyo", "35.6762", "139.6503", "126.23."},
	"CA": {"Toronto", "Ontario", "43.6532", "-79.3832", "99.231."},
	"ES": {"Madrid", "Madrid", "40.4168", "-3.7038", "83.44."},
}

// cloudSignin writes an Entra ID sign-in: from the office in office hours, from home or abroad otherwise.
func (g *gen) cloudSignin(ts int64, level float64) {
	r := g.r
	u := pick(r, g.w.people)
	app := pick(r, cloudApps)
	if app.name == "Azure Portal" && u.dept != "IT" {
		app = cloudApps[0]
	}
	s := g.officeSignin(u, u.ws, app.name, app.id, app.resource, "0", true)
	s.mfa = r.IntN(3) == 0
	if level < 0.5 || r.IntN(4) == 0 {
		// Home or mobile.
		s.dev, s.ip, s.asn = nil, u.homeIP, "5089"
		s.os, s.browser = "Ios", "Mobile Safari 17.6"
		s.ua = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"
		s.client = "Mobile Apps and Desktop clients"
		if r.IntN(2) == 0 {
			s.os, s.browser = "Windows10", "Edge 130.0.0"
			s.client = "Browser"
		}
	}
	if u.travel != "" && r.IntN(2) == 0 {
		tr := travel[u.travel]
		s.dev, s.country, s.city, s.state, s.lat, s.lon = nil, u.travel, tr[0], tr[1], tr[2], tr[3]
		s.ip = tr[4] + strconv.Itoa(r.IntN(256)) + "." + strconv.Itoa(1+r.IntN(254))
		s.os, s.browser, s.client, s.mfa = "Windows10", "Edge 130.0.0", "Browser", true
	}
	switch x := r.IntN(100); {
	case x < 4:
		s.result = "50126"
		s.interactive = true
	case x < 8:
		s.result, s.mfa = "50074", false
	case x < 10:
		s.result = "50140"
	}
	g.signinRow(ts, s)
	if s.result == "50126" && r.IntN(2) == 0 {
		s.result = "0"
		g.signinRow(ts+20*second+g.jitter(halfMinute), s)
	}
}

const halfMinute = 30 * second
