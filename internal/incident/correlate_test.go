package incident_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/incident"
	"github.com/vigilsec/vigil/internal/state"
	"github.com/vigilsec/vigil/internal/state/sqlite"
)

func openDB(t testing.TB) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "state.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// story says what a synthetic alert is: part of the attack, or benign noise from one workstation.
type story struct {
	attack bool
	origin string // the workstation a noise alert comes from
}

// stream is a synthetic alert stream with its ground truth.
type stream struct {
	alerts []state.Alert
	truth  map[string]story
}

func (s *stream) add(at time.Time, rule, title, sev string, st story, ents ...string) {
	h := sha256.Sum256([]byte(fmt.Sprint(len(s.alerts), rule, at)))
	a := state.Alert{ID: hex.EncodeToString(h[:8]), Source: "sigma", RuleID: rule, RuleTitle: title, Severity: sev,
		Status: "New", Tactics: []string{}, Techniques: []string{}, MatchedFields: []state.MatchedField{},
		EventTime: at, DetectedAt: at.Add(90 * time.Second)}
	for i := 0; i+1 < len(ents); i += 2 {
		a.Entities = append(a.Entities, state.Entity{Type: ents[i], Value: ents[i+1]})
	}
	s.alerts = append(s.alerts, a)
	s.truth[a.ID] = st
}

func (s *stream) relation(a, b state.Alert) incident.Relation {
	x, y := s.truth[a.ID], s.truth[b.ID]
	switch {
	case x.attack && y.attack:
		return incident.Same
	case x.attack || y.attack:
		return incident.Different
	case x.origin == y.origin && absDur(a.EventTime.Sub(b.EventTime)) <= 24*time.Hour:
		return incident.Same
	case x.origin == y.origin:
		return incident.Unknown // the same workstation days apart: one incident or two are both defensible
	}
	return incident.Different
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// syntheticStream is five days of an enterprise's alerts: benign noise on 40 workstations whose alerts share only
// prevalent entities across hosts (the domain controller, the DNS server's IP, a backup service account), plus one
// multi-stage attack on day 3 from a victim workstation through an admin account to a server and the domain
// controller.
func syntheticStream(seed uint64) *stream {
	s := &stream{truth: map[string]story{}}
	rng := rand.New(rand.NewPCG(seed, 7))
	t0 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 140; i++ {
		ws := 1 + rng.IntN(40)
		host, user, ip := fmt.Sprintf("ws-%03d", ws), fmt.Sprintf("CORP\\u%03d", ws), fmt.Sprintf("10.1.0.%d", ws)
		at := t0.Add(time.Duration(rng.IntN(5*24*60)) * time.Minute)
		if i == 3 { // the victim had some noise too, two days before the attack (beyond the lookback)
			host, user, ip = "ws-042", "CORP\\alice", "10.1.0.42"
			at = t0.Add(10 * time.Hour)
		}
		st := story{origin: host}
		switch rng.IntN(3) {
		case 0:
			s.add(at, "r-kerb", "Kerberos pre-authentication failures", "Low", st,
				"host", "DC-01.corp.local", "account", user, "ip", ip, "host", host)
		case 1:
			s.add(at, "r-backup", "Backup agent started PowerShell", "Medium", st,
				"host", host, "account", "CORP\\svc-backup", "process", `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`)
		default:
			s.add(at, "r-dns", "DNS query over an unusual port", "Low", st,
				"host", host, "ip", "10.0.0.53", "account", user)
		}
	}
	a := t0.Add(2*24*time.Hour + 10*time.Hour)
	atk := story{attack: true}
	s.add(a, "r-office", "Office application spawned a script interpreter", "Medium", atk,
		"host", "ws-042", "account", "CORP\\alice", "process", `C:\Program Files\Microsoft Office\WINWORD.EXE`,
		"filehash", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
	s.add(a.Add(2*time.Minute), "r-encps", "Encoded PowerShell command", "Medium", atk,
		"host", "ws-042", "account", "alice@corp.com", "url", "hxxp://cdn-update.example/stage2")
	s.add(a.Add(25*time.Minute), "r-lsass", "LSASS memory access", "High", atk,
		"host", "ws-042", "account", "CORP\\alice", "process", `C:\Users\alice\AppData\Local\Temp\rundll32.exe`)
	s.add(a.Add(40*time.Minute), "r-4648", "Logon with explicit credentials", "Medium", atk,
		"host", "ws-042", "account", "CORP\\alice", "account", "CORP\\adm-bob")
	s.add(a.Add(55*time.Minute), "r-psexec", "Remote service installed (PsExec)", "High", atk,
		"host", "SRV-APP-01", "account", "CORP\\adm-bob", "ip", "10.1.0.42",
		"filehash", "ad1f0d8cbb9e1d3c1a0f4a4b7d9c8e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d")
	s.add(a.Add(62*time.Minute), "r-disc", "Domain discovery commands", "Low", atk,
		"host", "SRV-APP-01", "account", "adm-bob")
	s.add(a.Add(90*time.Minute), "r-dcsync", "DCSync replication request", "High", atk,
		"host", "DC-01", "account", "CORP\\adm-bob", "ip", "10.1.0.42")
	s.add(a.Add(95*time.Minute), "r-group", "Member added to Domain Admins", "High", atk,
		"host", "DC-01", "account", "CORP\\adm-bob", "account", "CORP\\svc-sql2")
	s.add(a.Add(150*time.Minute), "r-exfil", "Large upload to cloud storage", "Medium", atk,
		"host", "SRV-APP-01", "account", "CORP\\adm-bob", "url", "https://mega.example/upload", "ip", "203.0.113.7")
	sort.SliceStable(s.alerts, func(i, j int) bool { return s.alerts[i].EventTime.Before(s.alerts[j].EventTime) })
	return s
}

// feedLive records the stream hour by hour, as detection would, and lets the correlator drain after each hour.
func feedLive(t *testing.T, db *sqlite.DB, c *incident.Correlator, alerts []state.Alert) {
	ctx := context.Background()
	for i := 0; i < len(alerts); {
		j := i
		hour := alerts[i].EventTime.Truncate(time.Hour)
		for j < len(alerts) && alerts[j].EventTime.Truncate(time.Hour).Equal(hour) {
			j++
		}
		_, err := db.AddAlerts(ctx, alerts[i:j])
		require.NoError(t, err)
		_, err = c.Drain(ctx)
		require.NoError(t, err)
		i = j
	}
}

func placed(t *testing.T, db *sqlite.DB, alerts []state.Alert) []state.Alert {
	out := make([]state.Alert, len(alerts))
	for i, a := range alerts {
		got, err := db.Alert(context.Background(), a.ID)
		require.NoError(t, err)
		out[i] = got
	}
	return out
}

func TestCorrelatorSyntheticAttack(t *testing.T) {
	seeds := []uint64{1, 2, 3}
	if testing.Short() {
		seeds = seeds[:1] // the race detector makes SQLite slow; one stream is enough for CI
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			db := openDB(t)
			s := syntheticStream(seed)
			c := incident.NewCorrelator(db, incident.DefaultConfig(), quiet)
			feedLive(t, db, c, s.alerts)
			got := placed(t, db, s.alerts)

			score := incident.ScorePairs(got, s.relation)
			t.Logf("seed %d: %+v", seed, score)
			require.GreaterOrEqual(t, score.Precision, 0.9, "%+v", score)
			require.GreaterOrEqual(t, score.Recall, 0.9, "%+v", score)

			// The attack is exactly one incident, and it holds nothing else.
			attackIncidents := map[string]bool{}
			for _, a := range got {
				require.NotEmpty(t, a.IncidentID, "alert %s (%s) has no incident", a.ID, a.RuleTitle)
				if s.truth[a.ID].attack {
					attackIncidents[a.IncidentID] = true
				}
			}
			require.Len(t, attackIncidents, 1)
			var attackID string
			for id := range attackIncidents {
				attackID = id
			}
			origins := map[string]map[string]bool{}
			for _, a := range got {
				if !s.truth[a.ID].attack {
					require.NotEqual(t, attackID, a.IncidentID, "noise alert %s (%s) joined the attack", a.ID, a.RuleTitle)
					if origins[a.IncidentID] == nil {
						origins[a.IncidentID] = map[string]bool{}
					}
					origins[a.IncidentID][s.truth[a.ID].origin] = true
				}
			}
			// The prevalent entities (DC, DNS server IP, backup service account) glue no large groups of unrelated
			// workstations together.
			glued := 0
			for _, o := range origins {
				if len(o) > 1 {
					glued += len(o)
				}
			}
			// (Before an entity's spread is known, in the first hours of data, a few may be.)
			require.LessOrEqual(t, glued, 3, "noise of %d workstations sits in shared incidents", glued)

			// Every decision says why; the domain controller alert joined through the admin account.
			d, err := db.Incident(context.Background(), attackID)
			require.NoError(t, err)
			require.Len(t, d.Alerts, 9)
			require.Equal(t, "High", d.Severity)
			require.Contains(t, d.Title, "Multi-stage incident")
			var dcsync string
			for _, e := range d.Timeline {
				if e.Action == "alert_added" {
					require.NotEmpty(t, e.Detail)
				}
				if e.After == "DCSync replication request" {
					dcsync = e.Detail
				}
			}
			require.Contains(t, dcsync, "account adm-bob")
			require.Contains(t, dcsync, "of incident #")
		})
	}
}

// TestPrevalenceMatters runs the same stream with down-weighting turned off (an entity may be seen with any number
// of hosts at full weight): the domain controller then glues unrelated workstations together, which the default
// configuration does not.
func TestPrevalenceMatters(t *testing.T) {
	s := syntheticStream(1)
	run := func(cfg incident.Config) (incident.Score, int) {
		db := openDB(t)
		c := incident.NewCorrelator(db, cfg, quiet)
		feedLive(t, db, c, s.alerts)
		got := placed(t, db, s.alerts)
		ids := map[string]bool{}
		for _, a := range got {
			ids[a.IncidentID] = true
		}
		return incident.ScorePairs(got, s.relation), len(ids)
	}
	off := incident.DefaultConfig()
	off.SpreadLimit = 1 << 30
	withOff, nOff := run(off)
	withOn, nOn := run(incident.DefaultConfig())
	t.Logf("without down-weighting: %+v in %d incidents; with: %+v in %d incidents", withOff, nOff, withOn, nOn)
	require.Less(t, withOff.Precision, 0.5)
	require.Greater(t, withOn.Precision, withOff.Precision)
	require.Greater(t, nOn, nOff)
}

// BenchmarkCorrelate places 3,000 alerts recorded at once (a backlog, as after loading a week of data): mostly
// benign noise from 300 workstations sharing a domain controller, a DNS server IP and a service account.
func BenchmarkCorrelate(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := openDB(b)
		s := &stream{truth: map[string]story{}}
		rng := rand.New(rand.NewPCG(9, 9))
		t0 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
		for k := 0; k < 3000; k++ {
			ws := rng.IntN(300)
			host, user := fmt.Sprintf("ws-%03d", ws), fmt.Sprintf("u%03d", ws)
			at := t0.Add(time.Duration(rng.IntN(7*24*60)) * time.Minute)
			switch k % 3 {
			case 0:
				s.add(at, "r-kerb", "Kerberos pre-authentication failures", "Low", story{}, "host", "dc-01", "account", user, "host", host)
			case 1:
				s.add(at, "r-backup", "Backup agent started PowerShell", "Medium", story{}, "host", host, "account", "svc-backup")
			default:
				s.add(at, "r-dns", "DNS query over an unusual port", "Low", story{}, "host", host, "ip", "10.0.0.53", "account", user)
			}
		}
		_, err := db.AddAlerts(context.Background(), s.alerts)
		require.NoError(b, err)
		c := incident.NewCorrelator(db, incident.DefaultConfig(), quiet)
		b.StartTimer()
		start := time.Now()
		n, err := c.Drain(context.Background())
		require.NoError(b, err)
		require.Equal(b, 3000, n)
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "alerts/s")
	}
}
