package demo

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Organisation-wide names.
const (
	upnDomain  = "contoso.com"
	adDomain   = "corp.contoso.com"
	netbios    = "CONTOSO"
	tenantID   = "8f3c1a52-6d0e-4b7a-9c55-2e4f0d7b1a93"
	domainSID  = "S-1-5-21-1004336348-1177238915-682003330"
	officeIP   = "20.61.84.17"  // London HQ egress (NAT) address
	branchIP   = "51.141.22.90" // Dublin branch egress address
	clientVer  = "10.8760.22621.1016"
	machineGrp = "Contoso Endpoints"
)

// Device kinds.
const (
	kindWorkstation = iota
	kindServer
	kindDC
	kindLinux
)

// user is an identity of the organisation: a person, an admin account or a service account.
type user struct {
	first, last, display string
	sam, upn, sid        string
	objectID             string
	dept, title          string
	city, country, state string
	admin                bool // privileged (Domain Admins) account
	service              bool // service account
	mailbox              bool
	ws                   *device // primary workstation, if any
	homeIP               string
	travel               string // country the user travels to during the week, if any
	arrive, leave        int    // usual start and end of the working day, minutes after midnight UTC
	created              int64
}

// proc is a running process on a device.
type proc struct {
	bin       *binary
	pid       int64
	created   int64
	cmd       string
	user      *user  // nil for a built-in account
	sysAcct   string // built-in account name when user is nil: system, local service, network service, root
	parent    *proc
	integrity string
	elevation string
	logonID   int64
	initJSON  [8][]byte // cached InitiatingProcess* columns, by initFlags value
}

// session is an interactive user session on a workstation.
type session struct {
	user     *user
	logonID  int64
	start    int64
	ready    int64 // when the startup applications are running
	explorer *proc
	browser  *proc
	outlook  *proc
	teams    *proc
	onedrive *proc
	office   *proc // last office application started
}

// device is an onboarded endpoint.
type device struct {
	id, name, short string
	kind            int
	role            string // for servers: file, sql, web, app; for Linux: web, db, jump
	osPlatform      string
	osVersion       string
	osBuild         int64
	osDist          string
	ip              string
	aadID           string
	user            *user
	boot            int64
	nextPID         int64
	sys             map[string]*proc
	sess            *session
	logoffAt        int64 // when the current session ends, once known
	localAdmins     bool  // primary user is a local administrator
}

func (d *device) windows() bool { return d.kind != kindLinux }

// computer is the Windows event log Computer name (FQDN, as Windows writes it).
func (d *device) computer() string { return d.short + "." + adDomain }

func (d *device) pid(r *rand.Rand) int64 {
	if d.kind == kindLinux {
		d.nextPID += 1 + r.Int64N(40)
		if d.nextPID > 4_000_000 {
			d.nextPID = 2000
		}
		return d.nextPID
	}
	return 4 * (250 + r.Int64N(9000))
}

// site is an external service: a host name and the addresses it resolves to.
type site struct {
	host string
	ips  []string
	port int64
}

// world is the organisation: users, devices, binaries and the outside world.
type world struct {
	users       []*user
	people      []*user // users with a mailbox who are people (not admin or service accounts)
	admins      []*user
	services    []*user
	devices     []*device
	ws          []*device
	lateWorkers []*device // workstations whose users also work evenings and weekends
	servers     []*device
	dcs         []*device
	linux       []*device
	fileServer  *device
	webServer   *device
	bins        binaries
	dlls        []*binary
	sites       []site
	siteByHost  map[string]int
	partners    []string // external mail domains
	scanners    []string // internet addresses probing exposed services
	start, end  int64
}

var firstNames = []string{"Adele", "Alex", "Allan", "Ben", "Bianca", "Carlos", "Chloe", "Daniel", "Diego", "Emily",
	"Ethan", "Fatima", "Grace", "Hannah", "Henrik", "Isaac", "Isabella", "Jack", "Johanna", "Joni", "Julia", "Kenji",
	"Laura", "Lee", "Lidia", "Lynne", "Marco", "Maria", "Megan", "Miriam", "Nestor", "Nina", "Omar", "Patti", "Pradeep",
	"Priya", "Raul", "Sara", "Sofia", "Tom", "Victor", "Wei", "Yuki", "Zoe"}

var lastNames = []string{"Adams", "Bowen", "Brown", "Chen", "Clark", "Diaz", "Evans", "Fischer", "Garcia", "Gupta",
	"Hall", "Holt", "Ito", "Jensen", "Johnson", "Khan", "Kim", "Larsen", "Lopez", "Martin", "Moreau", "Nakamura",
	"Nguyen", "Novak", "Okafor", "Patel", "Perez", "Quinn", "Rossi", "Schmidt", "Sherman", "Silva", "Singh", "Smith",
	"Tanaka", "Taylor", "Vance", "Walker", "Wilson", "Young"}

var departments = []struct{ dept, title string }{
	{"Finance", "Financial Analyst"}, {"Finance", "Accounts Payable Specialist"}, {"Sales", "Account Executive"},
	{"Sales", "Sales Manager"}, {"Marketing", "Marketing Specialist"}, {"Engineering", "Software Engineer"},
	{"Engineering", "Senior Software Engineer"}, {"Human Resources", "HR Generalist"}, {"Legal", "Counsel"},
	{"Operations", "Operations Coordinator"}, {"Support", "Customer Support Engineer"}, {"Engineering", "QA Engineer"},
}

func guid(r *rand.Rand) string {
	a, b := r.Uint64(), r.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0xfff, 0x8000|(b>>48)&0x3fff, b&0xffffffffffff)
}

func hexID(r *rand.Rand, n int) string {
	var sb strings.Builder
	for sb.Len() < n {
		sb.WriteString(fmt.Sprintf("%016x", r.Uint64()))
	}
	return sb.String()[:n]
}

// newWorld builds the organisation for opts; it draws only from r, so it is the same for the same seed.
func newWorld(r *rand.Rand, opts Options, start, end int64) *world {
	w := &world{bins: newBinaries(), dlls: newDLLs(), start: start, end: end}
	w.buildUsers(r, opts.Users)
	w.buildDevices(r, opts.Devices)
	w.buildSites()
	w.partners = []string{"fabrikam.com", "northwindtraders.com", "adatum.com", "tailspintoys.com", "wingtiptoys.com",
		"litwareinc.com", "proseware.com", "woodgrovebank.com"}
	w.scanners = []string{"45.148.10.92", "80.94.95.211", "141.98.11.27", "162.142.125.218", "167.94.138.44",
		"185.156.73.58", "193.32.162.71", "218.92.0.112"}
	return w
}

func (w *world) buildUsers(r *rand.Rand, n int) {
	nAdmins := max(1, n/33)
	nServices := max(1, n/33)
	nPeople := max(2, n-nAdmins-nServices)
	perm := r.Perm(len(firstNames) * len(lastNames))
	used := map[string]bool{}
	rid := 1104
	for i := 0; i < nPeople; i++ {
		p := perm[i%len(perm)]
		f, l := firstNames[p%len(firstNames)], lastNames[p/len(firstNames)]
		sam := strings.ToLower(f + "." + l)
		if used[sam] {
			sam += strconv.Itoa(i)
		}
		used[sam] = true
		dp := departments[r.IntN(len(departments))]
		u := &user{first: f, last: l, display: f + " " + l, sam: sam, upn: sam + "@" + upnDomain,
			sid: domainSID + "-" + strconv.Itoa(rid), objectID: guid(r), dept: dp.dept, title: dp.title, mailbox: true}
		rid += 1 + r.IntN(3)
		if r.IntN(4) == 0 {
			u.city, u.country, u.state = "Dublin", "IE", "Leinster"
		} else {
			u.city, u.country, u.state = "London", "GB", "England"
		}
		u.homeIP = fmt.Sprintf("%d.%d.%d.%d", []int{82, 86, 90, 109, 81}[r.IntN(5)], 10+r.IntN(240), r.IntN(256), 2+r.IntN(250))
		if r.IntN(12) == 0 {
			u.travel = []string{"DE", "FR", "JP", "CA", "ES"}[r.IntN(5)]
		}
		w.users = append(w.users, u)
		w.people = append(w.people, u)
	}
	// The first people in IT get a separate privileged account.
	for i := 0; i < nAdmins; i++ {
		base := w.people[(i*7+3)%len(w.people)]
		base.dept, base.title = "IT", "Systems Administrator"
		if i == 0 {
			base.title = "Helpdesk Technician"
		}
		u := &user{first: base.first, last: base.last, display: base.display + " (Admin)", sam: "adm-" + base.sam,
			sid: domainSID + "-" + strconv.Itoa(rid), objectID: guid(r), dept: "IT", title: base.title, admin: true,
			city: base.city, country: base.country, state: base.state, homeIP: base.homeIP}
		u.upn = u.sam + "@" + upnDomain
		rid += 1 + r.IntN(3)
		w.users = append(w.users, u)
		w.admins = append(w.admins, u)
	}
	for i := 0; i < nServices; i++ {
		name := []string{"svc-backup", "svc-sql", "svc-ansible", "svc-scan", "svc-web"}[i%5]
		if i >= 5 {
			name += strconv.Itoa(i)
		}
		u := &user{first: name, display: name, sam: name, upn: name + "@" + upnDomain, sid: domainSID + "-" + strconv.Itoa(rid),
			objectID: guid(r), dept: "IT", title: "Service Account", service: true, city: "London", country: "GB", state: "England"}
		rid += 1 + r.IntN(3)
		w.users = append(w.users, u)
		w.services = append(w.services, u)
	}
	for _, u := range w.users {
		u.created = w.start - int64(30+r.IntN(1500))*day
	}
}

func (w *world) buildDevices(r *rand.Rand, n int) {
	n = max(n, 8)
	nLinux := max(1, n/16)
	nServers := max(2, n/12)
	nWS := n - 2 - nLinux - nServers
	mk := func(short string, kind int, ip string) *device {
		d := &device{id: hexID(r, 40), short: short, name: strings.ToLower(short) + "." + adDomain, kind: kind, ip: ip,
			aadID: guid(r), sys: map[string]*proc{}, nextPID: 1000 + r.Int64N(5000)}
		d.boot = w.start - int64(1+r.IntN(20))*day - r.Int64N(day)
		switch kind {
		case kindWorkstation:
			if r.IntN(5) == 0 {
				d.osPlatform, d.osVersion, d.osBuild = "Windows10", "22H2", 19045
			} else {
				d.osPlatform, d.osVersion, d.osBuild = "Windows11", "23H2", 22631
			}
		case kindServer, kindDC:
			d.osPlatform, d.osVersion, d.osBuild = "WindowsServer2022", "21H2", 20348
		case kindLinux:
			d.osPlatform, d.osVersion, d.osDist, d.osBuild = "Linux", "22.04", "Ubuntu", 0
			d.name = strings.ToLower(short)
		}
		w.devices = append(w.devices, d)
		return d
	}
	for i := 0; i < 2; i++ {
		d := mk(fmt.Sprintf("DC%02d", i+1), kindDC, fmt.Sprintf("10.20.1.%d", 10+i))
		w.dcs = append(w.dcs, d)
	}
	roles := []string{"file", "sql", "app", "web", "app", "file"}
	names := map[string]string{"file": "FS", "sql": "SQL", "app": "APP", "web": "WEB"}
	count := map[string]int{}
	for i := 0; i < nServers; i++ {
		role := roles[i%len(roles)]
		count[role]++
		d := mk(fmt.Sprintf("%s%02d", names[role], count[role]), kindServer, fmt.Sprintf("10.20.1.%d", 20+i))
		d.role = role
		w.servers = append(w.servers, d)
		if role == "file" && w.fileServer == nil {
			w.fileServer = d
		}
		if role == "web" && w.webServer == nil {
			w.webServer = d
		}
	}
	lroles := []string{"web", "db", "jump"}
	for i := 0; i < nLinux; i++ {
		role := lroles[i%len(lroles)]
		d := mk(fmt.Sprintf("lnx-%s%02d", role, i/len(lroles)+1), kindLinux, fmt.Sprintf("10.20.2.%d", 10+i))
		d.role = role
		w.linux = append(w.linux, d)
	}
	if w.webServer == nil {
		w.webServer = w.servers[len(w.servers)-1]
	}
	for i := 0; i < nWS; i++ {
		d := mk(fmt.Sprintf("WS-%03d", 101+i), kindWorkstation, fmt.Sprintf("10.20.%d.%d", 10+i/200, 20+i%200))
		w.ws = append(w.ws, d)
	}
	// Primary users: people in order, so every workstation has one.
	defer func() {
		if len(w.lateWorkers) == 0 {
			w.lateWorkers = w.ws[:1]
		}
	}()
	for i, d := range w.ws {
		u := w.people[i%len(w.people)]
		if u.ws == nil {
			u.ws = d
		}
		d.user = u
		if i%7 == 3 {
			w.lateWorkers = append(w.lateWorkers, d)
		}
		d.localAdmins = r.IntN(3) == 0
		u.arrive = 7*60 + r.IntN(150)
		u.leave = u.arrive + 510 + r.IntN(60)
	}
}

func (w *world) buildSites() {
	w.sites = []site{
		{"login.microsoftonline.com", []string{"20.190.151.7", "20.190.151.132", "40.126.23.160"}, 443},
		{"outlook.office365.com", []string{"52.96.165.18", "52.96.222.194", "40.99.10.2"}, 443},
		{"teams.microsoft.com", []string{"52.113.194.132", "52.112.238.146"}, 443},
		{"contoso-my.sharepoint.com", []string{"13.107.136.10", "13.107.138.10"}, 443},
		{"contoso.sharepoint.com", []string{"13.107.136.10", "13.107.138.10"}, 443},
		{"www.office.com", []string{"13.107.6.156", "13.107.9.156"}, 443},
		{"settings-win.data.microsoft.com", []string{"20.42.73.29", "20.189.173.4"}, 443},
		{"v10.events.data.microsoft.com", []string{"20.189.173.11", "13.89.179.10"}, 443},
		{"wdcp.microsoft.com", []string{"52.168.117.173", "20.42.65.91"}, 443},
		{"winatp-gw-eus.microsoft.com", []string{"20.44.10.122", "20.42.73.24"}, 443},
		{"ctldl.windowsupdate.com", []string{"93.184.221.240", "152.199.19.161"}, 80},
		{"fe3cr.delivery.mp.microsoft.com", []string{"20.109.209.108", "52.167.249.196"}, 443},
		{"go.microsoft.com", []string{"23.53.122.158"}, 443},
		{"www.google.com", []string{"142.250.72.196", "142.251.33.100"}, 443},
		{"fonts.gstatic.com", []string{"142.250.69.195"}, 443},
		{"www.linkedin.com", []string{"13.107.42.14"}, 443},
		{"github.com", []string{"140.82.112.3", "140.82.114.4"}, 443},
		{"objects.githubusercontent.com", []string{"185.199.108.133", "185.199.110.133"}, 443},
		{"stackoverflow.com", []string{"104.18.32.7", "172.64.155.249"}, 443},
		{"www.bing.com", []string{"13.107.21.200", "204.79.197.200"}, 443},
		{"www.salesforce.com", []string{"23.55.104.52"}, 443},
		{"contoso.my.salesforce.com", []string{"85.222.140.17"}, 443},
		{"zoom.us", []string{"170.114.52.2"}, 443},
		{"www.youtube.com", []string{"142.250.191.46", "142.251.40.174"}, 443},
		{"en.wikipedia.org", []string{"208.80.154.224"}, 443},
		{"www.nytimes.com", []string{"151.101.1.164", "151.101.65.164"}, 443},
		{"docs.python.org", []string{"151.101.0.223"}, 443},
		{"cdn.jsdelivr.net", []string{"104.16.85.20", "104.16.86.20"}, 443},
		{"update.googleapis.com", []string{"142.250.217.99"}, 443},
		{"edge.microsoft.com", []string{"13.107.21.239", "204.79.197.239"}, 443},
		{"oneclient.sfx.ms", []string{"23.212.249.130"}, 443},
		{"archive.ubuntu.com", []string{"91.189.91.82", "185.125.190.36"}, 80},
		{"security.ubuntu.com", []string{"91.189.91.81", "185.125.190.39"}, 80},
		{"ntp.ubuntu.com", []string{"185.125.190.56"}, 123},
		{"packages.microsoft.com", []string{"13.90.56.68"}, 443},
		{"www.adobe.com", []string{"23.52.183.224"}, 443},
		{"acroipm2.adobe.com", []string{"23.52.183.229"}, 443},
	}
	w.siteByHost = map[string]int{}
	for i, s := range w.sites {
		w.siteByHost[s.host] = i
	}
}

// site returns the site called host.
func (w *world) site(host string) site { return w.sites[w.siteByHost[host]] }

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }
