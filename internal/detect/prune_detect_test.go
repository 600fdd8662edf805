package detect

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/sigma"
	"github.com/vigilsec/vigil/internal/sigma/event"
)

// TestEvaluateRuleSetsInTurn runs detectors whose rule sets read different fields over the same batches, in turn:
// each finds what its rules match, though the others' events leave out the fields it reads, a text in two fields
// matches only the rule on the field it is in, and a keyword search sees the fields no other rule reads.
func TestEvaluateRuleSetsInTurn(t *testing.T) {
	fc, err := FieldCheck()
	require.NoError(t, err)
	compile := func(src string) *sigma.Engine {
		eng, issues := sigma.Compile([]byte(src), "t.yml", fc)
		require.Empty(t, issues.Errors())
		return eng
	}
	image := compile(`
title: image
id: 00000000-0000-4000-8000-00000000a001
logsource: {product: windows, category: process_creation}
detection:
  s: {Image|endswith: '\evil-host-01.exe'}
  condition: s
`)
	host := compile(`
title: host
id: 00000000-0000-4000-8000-00000000a002
logsource: {product: windows, category: process_creation}
detection:
  s: {Computer|contains: 'evil-host-01', User: 'CORP\mallory'}
  condition: s
`)
	// A keyword search reads every field of the rows routed to it, ws-1 only in DeviceName (and Computer).
	keyword := compile(`
title: keyword
id: 00000000-0000-4000-8000-00000000a003
logsource: {product: windows, category: process_creation}
detection:
  k: ['ws-1']
  condition: k
`)
	require.True(t, keyword.Reads().Routed())
	require.False(t, image.Reads().Has(schemaID("Computer")))
	require.False(t, host.Reads().Has(schemaID("Image")))
	cat := schema.NewCatalog()
	byImage, byHost, byKeyword := ruleCounter(t, image, cat), ruleCounter(t, host, cat), ruleCounter(t, keyword, cat)
	b := rows(t, cat, "DeviceProcessEvents", "turns",
		[]cell{{"FolderPath", `C:\x\evil-host-01.exe`}, {"DeviceName", "evil-host-01.exe"}, {"AccountDomain", "CORP"}, {"AccountName", "mallory"}},
		[]cell{{"FolderPath", `C:\x\evil-host-01.exe`}, {"DeviceName", "ws-1"}, {"AccountDomain", "CORP"}, {"AccountName", "mallory"}},
		[]cell{{"FolderPath", `C:\x\other.exe`}, {"DeviceName", `C:\x\evil-host-01.exe`}, {"AccountDomain", "CORP"}, {"AccountName", "mallory"}},
		[]cell{{"FolderPath", `C:\x\other.exe`}, {"DeviceName", "evil-host-01"}, {"AccountDomain", "CORP"}, {"AccountName", "bob"}},
	)
	for range 3 {
		require.Equal(t, map[string]int{"00000000-0000-4000-8000-00000000a001": 2}, byImage(b))
		require.Equal(t, map[string]int{"00000000-0000-4000-8000-00000000a002": 2}, byHost(b))
		require.Equal(t, map[string]int{"00000000-0000-4000-8000-00000000a003": 1}, byKeyword(b))
	}
}

func schemaID(name string) int32 { return event.NewName(name).ID }
