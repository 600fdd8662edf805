package engine_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/sigma/engine"
	"github.com/vigilsec/vigil/internal/sigma/event"
)

const orderedRules = `
title: recon
name: recon
logsource: {product: windows, category: process_creation}
detection:
  s: {CommandLine|contains: whoami}
  condition: s
---
title: dump
name: dump
logsource: {product: windows, category: process_creation}
detection:
  s: {CommandLine|contains: procdump}
  condition: s
---
title: recon then dump
id: 00000000-0000-4000-8000-0000000000aa
correlation:
  type: temporal_ordered
  rules: [recon, dump]
  group-by: [Computer]
  timespan: 5m
  generate: true
---
title: many hosts
id: 00000000-0000-4000-8000-0000000000bb
correlation:
  type: value_count
  rules: [recon]
  group-by: [User]
  timespan: 1h
  condition: {field: Computer, gte: 3}
`

func proc(host, user, cl string, at time.Time) event.Event {
	return event.NewMap(map[string]any{"Computer": host, "User": user, "CommandLine": cl}, at)
}

func titles(ms []engine.Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Title)
	}
	return out
}

func TestTemporalOrderedAndValueCount(t *testing.T) {
	eng := compile(t, orderedRules, engine.WithoutRouting())
	s := eng.NewStream()
	s.SetEvidence(func(m *engine.Match) engine.Evidence {
		c, _ := m.Event.Field("Computer")
		return engine.Evidence{Ref: fmt.Sprint("alert-", c), Entities: []engine.EntityRef{{Type: "host", Value: fmt.Sprint(c)}}}
	})
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// Out of order: dump before recon does not fire.
	require.Equal(t, []string{"dump"}, titles(s.Process(proc("h1", "bob", "procdump -ma lsass", t0))))
	require.Equal(t, []string{"recon"}, titles(s.Process(proc("h1", "bob", "whoami /all", t0.Add(time.Minute)))))
	ms := s.Process(proc("h1", "bob", "procdump -ma lsass", t0.Add(2*time.Minute)))
	require.Equal(t, []string{"dump", "recon then dump"}, titles(ms))
	c := ms[1].Correlation
	require.Equal(t, map[string]string{"Computer": "h1"}, c.GroupBy)
	require.Equal(t, t0.Add(time.Minute), c.Start)
	require.Len(t, c.Evidence, 3, "each base match of the group's window")
	require.Equal(t, "alert-h1", c.Evidence[0].Ref)
	require.Equal(t, []engine.EntityRef{{Type: "host", Value: "h1"}}, c.Evidence[0].Entities)

	// Beyond the timespan the chain is broken.
	s.Process(proc("h2", "bob", "whoami", t0))
	require.Equal(t, []string{"dump"}, titles(s.Process(proc("h2", "bob", "procdump", t0.Add(6*time.Minute)))))

	// value_count counts distinct hosts of bob's recon: h1, h2, then h3.
	ms = s.Process(proc("h3", "bob", "whoami", t0.Add(7*time.Minute)))
	require.Equal(t, []string{"recon", "many hosts"}, titles(ms))
	require.Equal(t, int64(3), ms[1].Correlation.Count)
}

func TestStreamChangesRoundTrip(t *testing.T) {
	eng := compile(t, corrRules, engine.WithoutRouting())
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	db := map[string][]byte{} // what a store would hold: rule key + group key -> state
	persist := func(s *engine.Stream) []engine.GroupChange {
		ch, err := s.Changes()
		require.NoError(t, err)
		for _, c := range ch {
			if c.Data == nil {
				delete(db, c.Rule+"/"+c.Key)
			} else {
				db[c.Rule+"/"+c.Key] = c.Data
			}
		}
		s.ClearChanges()
		return ch
	}
	s := eng.NewStream()
	s.Process(ev("bob", t0))
	s.Process(ev("eve", t0))
	require.Len(t, persist(s), 2)
	s.Process(ev("bob", t0.Add(time.Minute)))
	ch := persist(s)
	require.Len(t, ch, 1, "only what changed since the last clear")
	require.Equal(t, "bob", ch[0].Key)

	// A new stream loaded from the persisted groups continues the window.
	s2 := eng.NewStream()
	for k, data := range db {
		rk, gk, _ := strings.Cut(k, "/")
		ok, err := s2.LoadGroup(rk, gk, data)
		require.NoError(t, err)
		require.True(t, ok)
	}
	require.Equal(t, 2, s2.GroupCount())
	ms := s2.Process(ev("bob", t0.Add(2*time.Minute)))
	require.Len(t, ms, 1)
	require.Equal(t, int64(3), ms[0].Correlation.Count)
	ch = persist(s2)
	require.Len(t, ch, 1)
	require.Nil(t, ch[0].Data, "a fired group is removed, and the removal is a change")
	require.Len(t, db, 1)

	ok, err := s2.LoadGroup("no-such-rule", "k", []byte(`{}`))
	require.NoError(t, err)
	require.False(t, ok)
	_, err = s2.LoadGroup(ch[0].Rule, "k", []byte(`{broken`))
	require.Error(t, err)
}

func TestEvictionsAreCounted(t *testing.T) {
	eng := compile(t, corrRules, engine.WithoutRouting(), engine.WithMaxGroups(64))
	s := eng.NewStream()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 200 {
		s.Process(ev(fmt.Sprint("user", i), t0.Add(time.Duration(i)*time.Second)))
	}
	st := s.Stats()
	require.LessOrEqual(t, st.Groups, 64)
	require.Equal(t, int64(200-st.Groups), st.Evicted, "every group not live was evicted (none expired within 10 minutes)")
	require.Zero(t, st.Expired)
	// The latest users survive: user199 still needs two more events.
	s.Process(ev("user199", t0.Add(201*time.Second)))
	require.Len(t, s.Process(ev("user199", t0.Add(202*time.Second))), 1)

	s.Flush(t0.Add(time.Hour))
	require.Zero(t, s.Stats().Groups)
	require.Positive(t, s.Stats().Expired)
}
