package compile_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/sigma/compile"
	"github.com/vigilsec/vigil/internal/sigma/rule"
)

func triggers(t *testing.T, detection string) []compile.Group {
	t.Helper()
	rules, issues := rule.Parse([]byte("title: t\nlogsource: {product: windows}\ndetection:\n"+detection), "t.yml")
	require.Empty(t, issues.Errors())
	d, issues := compile.Compile(rules[0], rules[0].Detection, compile.Options{})
	require.Empty(t, issues.Errors())
	return d.Triggers()
}

func TestTriggers(t *testing.T) {
	// AND keeps a group per selection; a list of values is one group.
	gs := triggers(t, `
  img: {Image|endswith: ['\certutil.exe', '\certreq.exe']}
  cli: {CommandLine|contains: 'urlcache'}
  condition: img and cli
`)
	require.ElementsMatch(t, []compile.Group{
		{{Field: "CommandLine", Lit: "urlcache"}},
		{{Field: "Image", Lit: `\certutil.exe`}, {Field: "Image", Lit: `\certreq.exe`}},
	}, gs)

	// Exact values become exact triggers; not adds no constraint.
	gs = triggers(t, `
  s: {EventID: 4688}
  f: {User: admin}
  condition: s and not f
`)
	require.Equal(t, []compile.Group{{{Field: "EventID", Lit: "4688", Exact: true}}}, gs)

	// OR of selections is one group with the best of each side.
	gs = triggers(t, `
  a: {CommandLine|contains: 'mimikatz'}
  b: {Image|endswith: '\procdump.exe'}
  condition: a or b
`)
	require.Len(t, gs, 1)
	require.Len(t, gs[0], 2)

	// A regex without literals leaves the rule unindexed.
	require.Empty(t, triggers(t, `
  s: {CommandLine|re: '\s[a-f0-9]{64}'}
  condition: s
`))
}
