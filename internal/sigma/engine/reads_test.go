package engine_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/sigma/engine"
	"github.com/vigilsec/vigil/internal/sigma/event"
)

// TestReads checks the fields an engine reports it can read: the rules' fields (and fieldref targets), the
// correlations' group-by and value fields, and what routing to the routes in use reads; a keyword search reads
// every field of the events routed to it (of every event, without routing).
func TestReads(t *testing.T) {
	eng := compile(t, `
title: proc
name: proc
id: 00000000-0000-4000-8000-000000000010
logsource: {product: windows, category: process_creation}
detection:
  s: {CommandLine|contains: evil, ParentImage|fieldref: Image}
  condition: s
---
title: values
id: 00000000-0000-4000-8000-000000000011
correlation:
  type: value_count
  rules: [proc]
  group-by: [Computer]
  aliases: {who: {proc: SubjectUserName}}
  timespan: 10m
  condition: {field: TargetUserName, gte: 3}
`)
	r := eng.Reads()
	require.False(t, r.All())
	for _, name := range []string{"CommandLine", "commandline", "ParentImage", "Image", "Computer", "SubjectUserName",
		"TargetUserName", "Channel", "EventID", "NewProcessName"} {
		require.True(t, r.Has(event.NewName(name).ID), name)
	}
	// EventType and ProcessName are read by the routes of registry and Linux service rules, none loaded here.
	for _, name := range []string{"ProcessCommandLine", "DeviceName", "ReportId", "EventType", "ProcessName"} {
		require.False(t, r.Has(event.NewName(name).ID), name)
	}
	require.False(t, r.Has(-1))
	require.False(t, r.Has(1<<30))

	kw := compile(t, `
title: kw
logsource: {product: linux, service: sshd}
detection:
  k: ['Failed password']
  condition: k
`)
	// The keyword search reads every field of the events routed to it, and only of those.
	require.False(t, kw.Reads().All())
	require.True(t, kw.Reads().Routed())
	require.False(t, kw.Reads().Has(event.NewName("SyslogMessage").ID))
	require.True(t, kw.Reads().Has(event.NewName("ProcessName").ID))
	sshd := event.NewMap(map[string]any{"Channel": "Vigil/Syslog", "ProcessName": "sshd"}, time.Time{})
	cron := event.NewMap(map[string]any{"Channel": "Vigil/Syslog", "ProcessName": "cron"}, time.Time{})
	require.True(t, kw.ReadsEvery(sshd))
	require.False(t, kw.ReadsEvery(cron))
	require.False(t, eng.ReadsEvery(sshd))
	require.False(t, eng.Reads().Routed())
	require.True(t, compile(t, `
title: kw
logsource: {product: linux, service: sshd}
detection:
  k: ['Failed password']
  condition: k
`, engine.WithoutRouting()).Reads().All())

	sudo := compile(t, `
title: sudo
logsource: {product: linux, service: sudo}
detection:
  s: {COMMAND|endswith: /id}
  condition: s
`)
	require.False(t, sudo.Reads().All())
	for _, name := range []string{"COMMAND", "ProcessName", "Channel"} {
		require.True(t, sudo.Reads().Has(event.NewName(name).ID), name)
	}

	plain := compile(t, `
title: plain
logsource: {product: windows, category: process_creation}
detection:
  s: {CommandLine|contains: evil}
  condition: s
`, engine.WithoutRouting())
	require.False(t, plain.Reads().Has(event.NewName("Channel").ID))
}
