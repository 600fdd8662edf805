package engine_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/sigma/engine"
	"github.com/vigilsec/vigil/internal/sigma/event"
	"github.com/vigilsec/vigil/internal/sigma/rule"
)

const corrRules = `
title: failed
name: failed
id: 00000000-0000-4000-8000-000000000001
logsource: {product: windows, service: security}
detection:
  s: {EventID: 4625}
  condition: s
---
title: brute
id: 00000000-0000-4000-8000-000000000002
correlation:
  type: event_count
  rules: [failed]
  group-by: [User]
  timespan: 10m
  condition: {gte: 3}
`

func compile(t testing.TB, src string, opts ...engine.Option) *engine.Engine {
	t.Helper()
	rules, issues := rule.Parse([]byte(src), "t.yml")
	require.Empty(t, issues.Errors())
	eng, issues := engine.Compile(rules, opts...)
	require.Empty(t, issues.Errors())
	return eng
}

func ev(user string, at time.Time) event.Event {
	return event.NewMap(map[string]any{"EventID": 4625, "User": user}, at)
}

func TestSnapshotRestore(t *testing.T) {
	eng := compile(t, corrRules, engine.WithoutRouting())
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := eng.NewStream()
	require.Empty(t, s.Process(ev("bob", t0)))
	require.Empty(t, s.Process(ev("bob", t0.Add(time.Minute))))
	snap, err := s.Snapshot()
	require.NoError(t, err)

	// A restarted process restores the state and completes the window.
	s2 := compile(t, corrRules, engine.WithoutRouting()).NewStream()
	require.NoError(t, s2.Restore(snap))
	ms := s2.Process(ev("bob", t0.Add(2*time.Minute)))
	require.Len(t, ms, 1)
	require.Equal(t, "brute", ms[0].Title)
	require.Equal(t, int64(3), ms[0].Correlation.Count)
	require.Equal(t, map[string]string{"User": "bob"}, ms[0].Correlation.GroupBy)

	// Without the snapshot the third event alone does not fire.
	s3 := eng.NewStream()
	require.Empty(t, s3.Process(ev("bob", t0.Add(2*time.Minute))))
}

func TestCorrelationStateIsBounded(t *testing.T) {
	eng := compile(t, corrRules, engine.WithoutRouting(), engine.WithMaxGroups(100))
	s := eng.NewStream()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 1000 {
		s.Process(ev(fmt.Sprint("user", i), t0.Add(time.Duration(i)*time.Second)))
	}
	require.LessOrEqual(t, s.GroupCount(), 100)
	// Groups expire with the timespan.
	for i := range 2048 {
		s.Process(ev("late", t0.Add(time.Hour+time.Duration(i)*time.Millisecond)))
	}
	require.LessOrEqual(t, s.GroupCount(), 2)
}

func TestConcurrentMatch(t *testing.T) {
	eng := compile(t, `
title: x
logsource: {product: windows, category: process_creation}
detection:
  s: {CommandLine|contains: evil}
  condition: s
`, engine.WithoutRouting())
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				cl := "good"
				if (i+g)%2 == 0 {
					cl = "so evil"
				}
				ms := eng.Match(event.NewMap(map[string]any{"CommandLine": cl}, time.Time{}))
				if (len(ms) == 1) != (cl == "so evil") {
					t.Errorf("wrong result for %q", cl)
				}
			}
		}()
	}
	wg.Wait()
}

func TestUnsupportedLogsourceRefused(t *testing.T) {
	rules, _ := rule.Parse([]byte(`
title: linux
logsource: {product: linux, service: auditd}
detection:
  s: {type: EXECVE}
  condition: s
`), "t.yml")
	_, issues := engine.Compile(rules)
	require.Len(t, issues, 1)
	require.Equal(t, rule.CodeLogsourceUnsupported, issues[0].Code)
}
