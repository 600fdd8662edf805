package detect

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

// corpusEngines compiles the SigmaHQ rules of the corpus with the stream detector's field check: all of them (some
// have keyword searches, which read every field of the events routed to them: most Windows events), and all but
// those with keyword searches (so most events are built with fewer fields and the matches on them compared).
var corpusEngines = sync.OnceValues(func() ([2]*engine.Engine, error) {
	var out [2]*engine.Engine
	set, err := rule.LoadDir(sigmaRules)
	if err != nil {
		return out, err
	}
	var some []*rule.Rule
	for _, r := range set.Rules {
		if !hasKeywords(r) {
			some = append(some, r)
		}
	}
	fc, err := FieldCheck()
	if err != nil {
		return out, err
	}
	out[0], _ = engine.Compile(set.Rules, fc)
	out[1], _ = engine.Compile(some, fc)
	return out, nil
})

func hasKeywords(r *rule.Rule) bool {
	if r.Detection == nil {
		return false
	}
	for _, s := range r.Detection.Searches {
		if len(s.Keywords) > 0 {
			return true
		}
		for _, alt := range s.Alternatives {
			for _, fm := range alt {
				if fm.Field == "" {
					return true
				}
			}
		}
	}
	return false
}

// pruneDiffer builds every row twice with row plans, once with every field and once with only the fields an engine
// reads, and requires the second event to reach the same routes with keyword searches as the first, and when it
// reaches none (the detector then keeps it), to be the first without the other fields, and the engine to find the
// same matches (rules, searches, matched fields and values) on both.
type pruneDiffer struct {
	eng     *engine.Engine
	full    rowBuilder
	pruned  rowBuilder
	rows    int
	dropped int // fields left out
	matches int
	every   int // rows reaching a keyword search (built with every field)
}

// newPruneDiffers returns a pruneDiffer for each of corpusEngines.
func newPruneDiffers(t testing.TB) []*pruneDiffer {
	engs, err := corpusEngines()
	require.NoError(t, err)
	var out []*pruneDiffer
	for k, eng := range engs {
		require.False(t, eng.Reads().All())
		require.Equal(t, k == 0, eng.Reads().Routed())
		require.Greater(t, eng.Stats().Rules, 1000)
		out = append(out, &pruneDiffer{eng: eng})
	}
	return out
}

func (pd *pruneDiffer) String() string {
	return fmt.Sprintf("%d rows (%d with every field), %d fields left out, %d matches alike", pd.rows, pd.every,
		pd.dropped, pd.matches)
}

func (pd *pruneDiffer) row(t testing.TB, i int, ts time.Time, namesOnly bool, where string) {
	fev, ok := pd.full.row(i, ts)
	if !ok {
		return
	}
	pev, ok := pd.pruned.row(i, ts)
	require.True(t, ok, where)
	pd.rows++
	every := pd.eng.ReadsEvery(fev)
	require.Equal(t, every, pd.eng.ReadsEvery(pev), where)
	if every {
		pd.every++
		return
	}
	want, _ := fieldsOf(fev)
	got, _ := fieldsOf(pev)
	var kept []field
	for _, f := range want {
		if pd.eng.Reads().Has(event.Intern(f.name)) {
			kept = append(kept, f)
		}
	}
	pd.dropped += len(want) - len(kept)
	if namesOnly {
		require.Equal(t, len(kept), len(got), where)
		for k := range kept {
			require.Equal(t, kept[k].name, got[k].name, where)
		}
		return
	}
	require.Equal(t, kept, got, where)
	wm, gm := pd.eng.Match(fev), pd.eng.Match(pev)
	require.Equal(t, len(wm), len(gm), where)
	for k := range wm {
		require.Equal(t, wm[k].RuleID, gm[k].RuleID, where)
		require.Equal(t, wm[k].Searches, gm[k].Searches, where)
		require.Equal(t, wm[k].Fields, gm[k].Fields, where)
	}
	pd.matches += len(wm)
}

// TestRecordMayMatter checks the test that lets a row skip decoding a kept record: any quoted text that is a name
// (or dotted prefix of one) the plan can emit, Event or System, in any case, or a backslash, keeps the record.
func TestRecordMayMatter(t *testing.T) {
	rb := rowBuilder{p: &rowPlan{members: map[string]bool{"commandline": true, "structureddata": true, "event": true,
		"system": true}}}
	for text, want := range map[string]bool{
		`{"SyslogFormat":"RFC5424","MsgID":"ID47"}`:             false,
		`{"MsgID":"x","StructuredData":{"meta@1":{"req":"1"}}}`: true,
		`{"COMMANDLINE":"x"}`:                                   true,
		`{"a":"commandline"}`:                                   true, // a value: decoded, though nothing comes of it
		`{"a":"\u0043ommandLine"}`:                              true,
		`{"Event":{"System":{}}}`:                               true,
		`{"a":"b`:                                               true,
		`{"Ünïcode":1}`:                                         false,
		`not json`:                                              false,
		``:                                                      false,
	} {
		require.Equal(t, want, rb.mayMatter(text), text)
	}
}
