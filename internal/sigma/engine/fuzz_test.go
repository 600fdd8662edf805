package engine_test

import (
	"testing"
	"time"

	"github.com/vigilsec/vigil/internal/sigma/engine"
)

// FuzzLoadGroup feeds arbitrary persisted group state (the state store could hold anything after a crash or a
// hand edit) to every kind of correlation, then events: loading refuses what it cannot use, and nothing panics.
func FuzzLoadGroup(f *testing.F) {
	eng := compile(f, orderedRules+"---\n"+corrRules[1:]+`---
title: quiet
id: 00000000-0000-4000-8000-0000000000cc
correlation:
  type: event_count
  rules: [recon]
  group-by: [Computer]
  timespan: 1m
  condition: {lt: 2}
`, engine.WithoutRouting())
	f.Add("00000000-0000-4000-8000-000000000002", "bob", []byte(`{"group_by":{"User":"bob"},"times":[1,2],"last":2}`))
	f.Add("00000000-0000-4000-8000-0000000000bb", "bob", []byte(`{"times":[5,1],"values":["a"],"last":2}`))
	f.Add("00000000-0000-4000-8000-0000000000aa", "h1", []byte(`{"seen":[1,2,3,4],"last":9}`))
	f.Add("00000000-0000-4000-8000-0000000000cc", "h1", []byte(`{"times":[1],"start":1,"last":1,"evidence":[{"t":1,"rule":"recon"}]}`))
	f.Add("00000000-0000-4000-8000-0000000000bb", "", []byte(`{"times":[1,2,3],"values":["a","b","c"],"last":-5}`))
	f.Fuzz(func(t *testing.T, ruleKey, key string, data []byte) {
		s := eng.NewStream()
		_, _ = s.LoadGroup(ruleKey, key, data)
		t0 := time.Unix(0, 0).UTC()
		for i, cl := range []string{"whoami", "procdump", "whoami"} {
			s.Process(proc("h1", key, cl, t0.Add(time.Duration(i)*time.Second)))
			s.Process(ev(key, t0.Add(time.Duration(i)*time.Second)))
		}
		s.Flush(t0.Add(time.Hour))
		if _, err := s.Changes(); err != nil {
			t.Fatal(err)
		}
	})
}
