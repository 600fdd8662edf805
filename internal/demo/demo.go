package demo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/vigilsec/vigil/internal/schema"
)

// Options sets the size and the clock of the generated environment. The zero value of a field means its default.
type Options struct {
	// End is the time of the last event; the data covers [End-Days, End). Default: now. It is truncated to the
	// microsecond.
	End time.Time
	// Days is the length of the covered period. Default 7.
	Days int
	// Devices is the number of onboarded devices (at least 8): two domain controllers, a few servers, a few
	// Linux hosts and workstations. Default 50.
	Devices int
	// Users is the number of identities (at least 10), including a few admin and service accounts. Default 100.
	Users int
	// Seed selects the environment; the same Seed and End give byte-identical output.
	Seed int64
	// TargetEvents is the approximate number of rows to generate over all tables. Default 1,000,000. The
	// fixed-rate rows (one DeviceInfo report per device and hour, one IdentityInfo row per identity and day) and
	// the attack come on top when TargetEvents is smaller than they are.
	TargetEvents int
}

// Default option values.
const (
	DefaultDays         = 7
	DefaultDevices      = 50
	DefaultUsers        = 100
	DefaultTargetEvents = 1_000_000
)

func (o Options) withDefaults() Options {
	if o.End.IsZero() {
		o.End = time.Now()
	}
	if o.Days <= 0 {
		o.Days = DefaultDays
	}
	if o.Devices <= 0 {
		o.Devices = DefaultDevices
	}
	if o.Users <= 0 {
		o.Users = DefaultUsers
	}
	if o.TargetEvents <= 0 {
		o.TargetEvents = DefaultTargetEvents
	}
	o.Devices = max(o.Devices, 8)
	o.Users = max(o.Users, 10)
	o.End = o.End.UTC().Truncate(time.Microsecond)
	return o
}

// Sink receives the generated events. Each call holds one or more rows of one table as NDJSON: one JSON object per
// line, each object holding the table's own columns (datetimes as RFC 3339 UTC strings with microseconds, dynamic
// columns as JSON objects or arrays, numbers as numbers). Rows of a table arrive in time order, in batches of at most
// 5,000 lines or 4 MiB. Write is called from one goroutine; it must not keep ndjson after it returns. An error stops
// the generation and is returned by [Generate].
type Sink interface {
	Write(table string, ndjson []byte) error
}

// SinkFunc adapts a function to a [Sink].
type SinkFunc func(table string, ndjson []byte) error

// Write calls f.
func (f SinkFunc) Write(table string, ndjson []byte) error { return f(table, ndjson) }

// Time units in nanoseconds.
const (
	ms     = int64(time.Millisecond)
	second = int64(time.Second)
	minute = int64(time.Minute)
	hour   = int64(time.Hour)
	day    = 24 * hour
)

// Table indexes; tableNames lists them in the same order.
const (
	tProcess = iota
	tNetwork
	tFile
	tRegistry
	tLogon
	tImageLoad
	tEvents
	tDeviceInfo
	tIdentityLogon
	tIdentityInfo
	tEmail
	tEmailURL
	tEmailAttachment
	tURLClick
	tSignin
	tSecurity
	tSyslog
	numTables
)

var tableNames = [numTables]string{
	"DeviceProcessEvents", "DeviceNetworkEvents", "DeviceFileEvents", "DeviceRegistryEvents", "DeviceLogonEvents",
	"DeviceImageLoadEvents", "DeviceEvents", "DeviceInfo", "IdentityLogonEvents", "IdentityInfo", "EmailEvents",
	"EmailUrlInfo", "EmailAttachmentInfo", "UrlClickEvents", "SigninLogs", "SecurityEvent", "Syslog",
}

// Tables returns the names of the tables Generate writes, in a fixed order.
func Tables() []string { return append([]string(nil), tableNames[:]...) }

// TimeColumn returns the time column of a table Generate writes, as the schema catalogue has it: Timestamp for
// the Defender tables, TimeGenerated for the Sentinel tables and for IdentityInfo (which Sentinel UEBA and Defender
// share). Rows of Defender tables, IdentityInfo included, carry both Timestamp and TimeGenerated with the same value.
func TimeColumn(table string) string {
	switch table {
	case "SigninLogs", "SecurityEvent", "Syslog", "IdentityInfo":
		return "TimeGenerated"
	}
	return "Timestamp"
}

// defenderTable reports whether rows of table carry Timestamp (and TimeGenerated).
func defenderTable(table string) bool {
	switch table {
	case "SigninLogs", "SecurityEvent", "Syslog":
		return false
	}
	return true
}

// gen holds the state of one generation.
type gen struct {
	opts       Options
	w          *world
	r          *rand.Rand
	t          [numTables]*table
	start, end int64
	reportID   int64
	emitted    int
	truth      *Truth
	attackHour int
	atk        *attack
	// last rows written, for the ground truth: any row, the last Device* row, the last 4688 event
	lastTable int
	lastTS    int64
	lastDev   struct {
		table int
		ts    int64
		rid   int64
	}
	last4688 struct {
		rid      int64 // ReportId of the DeviceProcessEvents row of the same process
		ts       int64
		computer string
		pid      string
	}
	scratch []byte
	floor   int64 // start of the hour being generated; earlier rows are moved to it to keep tables in time order
}

// Generate writes the demo environment described by opts to sink and returns the ground truth of the attack.
// It stops early with ctx's error when ctx is done.
func Generate(ctx context.Context, opts Options, sink Sink) (*Truth, error) {
	if sink == nil {
		return nil, errors.New("demo: nil sink")
	}
	opts = opts.withDefaults()
	end := opts.End.UnixNano()
	start := end - int64(opts.Days)*day
	g := &gen{opts: opts, start: start, end: end}
	cat := schema.NewCatalog()
	for i := range g.t {
		g.t[i] = &table{idx: i, name: tableNames[i], defender: defenderTable(tableNames[i]), strCols: map[string]bool{}}
		if tab, ok := cat.Table(tableNames[i]); ok {
			for _, c := range tab.Columns {
				if c.Type == schema.TypeString {
					g.t[i].strCols[c.Name] = true
				}
			}
		}
	}
	wr := rand.New(rand.NewPCG(uint64(opts.Seed), 0x776f726c64))
	g.w = newWorld(wr, opts, start, end)
	g.initDevices(wr)
	g.truth = newTruth(opts, start, end)
	g.planAttack(rand.New(rand.NewPCG(uint64(opts.Seed), 0x61747461636b)))

	hours := opts.Days * 24
	// Fixed-rate tables: one DeviceInfo report per device and hour, one IdentityInfo row per identity and day.
	fixed := len(g.w.devices)*hours + len(g.w.users)*opts.Days + 150
	rest := max(opts.TargetEvents-fixed, hours)
	// A third of the rest comes from machines, around the clock; two thirds from people, by the working rhythm.
	always := float64(rest) * 0.36 / float64(hours)
	weights := make([]float64, hours)
	var sum float64
	for h := range weights {
		weights[h] = activity(start + int64(h)*hour)
		sum += weights[h]
	}
	people := float64(rest) * 0.64
	var carry float64
	for h := 0; h < hours; h++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hs := start + int64(h)*hour
		g.floor = hs
		g.r = rand.New(rand.NewPCG(uint64(opts.Seed), uint64(h)+1))
		g.hourly(hs, h)
		if h == g.attackHour {
			g.runAttack(hs)
		}
		want := always + people*weights[h]/sum + carry
		n := int(math.Floor(want))
		carry = want - float64(n)
		nAlways := int(always)
		g.emitted = 0
		for g.emitted < nAlways {
			g.machineActivity(hs)
		}
		for g.emitted < n {
			g.peopleActivity(hs, weights[h])
		}
		g.closeSessions(hs + hour)
		for _, t := range g.t {
			if err := t.flush(hs+hour, sink); err != nil {
				return nil, fmt.Errorf("demo: write %s: %w", t.name, err)
			}
		}
	}
	g.truth.Rows = map[string]int{}
	for _, t := range g.t {
		if err := t.flush(math.MaxInt64, sink); err != nil {
			return nil, fmt.Errorf("demo: write %s: %w", t.name, err)
		}
		if err := t.write(sink); err != nil {
			return nil, fmt.Errorf("demo: write %s: %w", t.name, err)
		}
		g.truth.Rows[t.name] = t.written
	}
	g.truth.finish()
	return g.truth, nil
}

// activity is the relative level of human activity in the hour starting at hs (office hours in UTC, the
// organisation being in London and Dublin).
func activity(hs int64) float64 {
	t := time.Unix(0, hs).UTC()
	h := t.Hour()
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		if h >= 10 && h < 17 {
			return 0.06
		}
		return 0.015
	}
	switch {
	case h == 12:
		return 0.7
	case h >= 8 && h < 17:
		return 1
	case h == 7 || h == 17:
		return 0.45
	case h >= 18 && h < 23:
		return 0.08
	}
	return 0.015
}

// at returns a random microsecond-aligned time in the hour starting at hs.
func (g *gen) at(hs int64) int64 { return hs + g.r.Int64N(hour/1000)*1000 }

// jitter returns a random duration up to d, microsecond-aligned.
func (g *gen) jitter(d int64) int64 { return g.r.Int64N(max(d/1000, 1)) * 1000 }

// begin starts a row of table i at ts.
func (g *gen) begin(i int, ts int64) *table {
	ts = max(ts, g.floor)
	t := g.t[i]
	t.begin(ts)
	return t
}

// done finishes the row being written to t. A row at or after End is dropped.
func (g *gen) done(t *table) {
	if t.curTS >= g.end || t.curTS < g.start {
		t.arena = t.arena[:t.cur]
		return
	}
	t.end()
	g.emitted++
	g.lastTS = t.curTS
	g.lastTable = t.idx
}

// rid writes the next ReportId (unique over all Defender device tables).
func (g *gen) rid(t *table) {
	g.reportID++
	g.lastDev.table, g.lastDev.ts, g.lastDev.rid = t.idx, t.curTS, g.reportID
	t.n("ReportId", g.reportID)
}
