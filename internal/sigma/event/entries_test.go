package event_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/sigma/event"
)

// TestFromEntries checks that a Map over sorted entries answers every lookup as the Map over the same fields as a
// map does: exact names, case-insensitive names and ids, ranging, and JSON.
func TestFromEntries(t *testing.T) {
	fields := map[string]any{"Image": `C:\a.exe`, "image": "lower", "CommandLine": "a b", "EventID": int64(1), "x.y": true}
	var ents []event.Entry
	for k, v := range fields {
		ents = append(ents, event.Entry{ID: event.NameID(k), Name: k, Value: v})
	}
	slices.SortFunc(ents, event.CompareEntries)
	ts := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	got, want := event.FromEntries(ents, ts), event.NewMap(fields, ts)
	require.Equal(t, ts, got.Time())
	for _, name := range []string{"Image", "image", "IMAGE", "CommandLine", "commandline", "EventID", "x.y", "missing"} {
		g, gok := got.Field(name)
		w, wok := want.Field(name)
		require.Equal(t, wok, gok, name)
		require.Equal(t, w, g, name)
		n := event.NewName(name)
		g, gok = event.Get(got, n)
		w, wok = event.Get(want, n)
		require.Equal(t, wok, gok, name)
		require.Equal(t, w, g, name)
	}
	var gr, wr []string
	got.Range(func(name string, _ any) bool { gr = append(gr, name); return true })
	want.Range(func(name string, _ any) bool { wr = append(wr, name); return true })
	require.Equal(t, wr, gr)
	require.Equal(t, fields, got.Fields())
	gj, err := json.Marshal(got)
	require.NoError(t, err)
	wj, err := json.Marshal(want)
	require.NoError(t, err)
	require.JSONEq(t, string(wj), string(gj))
}
