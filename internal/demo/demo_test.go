package demo_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/demo"
	"github.com/vigilsec/vigil/internal/schema"
)

var testEnd = time.Date(2026, 11, 27, 7, 5, 23, 123456789, time.UTC)

// memSink keeps every row, per table, and checks the batch limits.
type memSink struct {
	t      testing.TB
	tables map[string][][]byte
	calls  int
}

func (s *memSink) Write(table string, ndjson []byte) error {
	s.calls++
	require.LessOrEqual(s.t, len(ndjson), 4<<20, "batch too large")
	require.True(s.t, len(ndjson) > 0 && ndjson[len(ndjson)-1] == '\n', "batch must end with a newline")
	lines := bytes.Split(ndjson[:len(ndjson)-1], []byte{'\n'})
	require.LessOrEqual(s.t, len(lines), 5000, "too many lines in a batch")
	if s.tables == nil {
		s.tables = map[string][][]byte{}
	}
	for _, l := range lines {
		s.tables[table] = append(s.tables[table], append([]byte(nil), l...))
	}
	return nil
}

// hashSink hashes the output in call order.
type hashSink struct {
	h    [32]byte
	rows int
	acc  []byte
}

func (s *hashSink) Write(table string, ndjson []byte) error {
	s.acc = append(s.acc, table...)
	s.acc = append(s.acc, 0)
	s.acc = append(s.acc, ndjson...)
	if len(s.acc) > 1<<20 {
		s.flush()
	}
	s.rows += bytes.Count(ndjson, []byte{'\n'})
	return nil
}

func (s *hashSink) flush() {
	sum := sha256.Sum256(append(s.h[:], s.acc...))
	s.h = sum
	s.acc = s.acc[:0]
}

func (s *hashSink) sum() [32]byte { s.flush(); return s.h }

type dataset struct {
	opts  demo.Options
	truth *demo.Truth
	sink  *memSink
	rows  map[string][]map[string]any
}

var (
	shared     *dataset
	sharedOnce sync.Once
)

// data generates (once) a small environment and decodes every row.
func data(t *testing.T) *dataset {
	t.Helper()
	sharedOnce.Do(func() {
		opts := demo.Options{End: testEnd, Seed: 42, TargetEvents: 30_000}
		sink := &memSink{t: t}
		truth, err := demo.Generate(context.Background(), opts, sink)
		require.NoError(t, err)
		ds := &dataset{opts: opts, truth: truth, sink: sink, rows: map[string][]map[string]any{}}
		for table, lines := range sink.tables {
			for i, l := range lines {
				dec := json.NewDecoder(bytes.NewReader(l))
				dec.UseNumber()
				var row map[string]any
				require.NoError(t, dec.Decode(&row), "%s line %d: %s", table, i, l)
				ds.rows[table] = append(ds.rows[table], row)
			}
		}
		shared = ds
	})
	require.NotNil(t, shared, "generation failed in another test")
	return shared
}

func TestDeterministic(t *testing.T) {
	run := func(seed int64) ([32]byte, int) {
		s := &hashSink{}
		_, err := demo.Generate(context.Background(), demo.Options{End: testEnd, Seed: seed, TargetEvents: 12_000, Days: 2}, s)
		require.NoError(t, err)
		return s.sum(), s.rows
	}
	a, n := run(7)
	b, m := run(7)
	require.Equal(t, n, m)
	require.Equal(t, a, b, "same options must give byte-identical output")
	c, _ := run(8)
	require.NotEqual(t, a, c, "another seed must give other data")
}

func TestRowsAreValid(t *testing.T) {
	ds := data(t)
	start, end := ds.truth.Start, ds.truth.End
	require.Equal(t, testEnd.Truncate(time.Microsecond), end)
	require.Equal(t, end.Add(-7*24*time.Hour), start)
	total := 0
	for _, table := range demo.Tables() {
		rows := ds.rows[table]
		require.NotEmpty(t, rows, "table %s has no rows", table)
		require.Equal(t, len(rows), ds.truth.Rows[table], "Truth.Rows for %s", table)
		total += len(rows)
		timeCol := demo.TimeColumn(table)
		var prev time.Time
		for i, row := range rows {
			v, ok := row[timeCol].(string)
			require.True(t, ok, "%s row %d lacks %s", table, i, timeCol)
			ts, err := time.Parse(time.RFC3339Nano, v)
			require.NoError(t, err)
			require.True(t, strings.HasSuffix(v, "Z") && strings.Contains(v, "."), "%s: %q is not UTC with fractional seconds", table, v)
			require.False(t, ts.Before(start) || !ts.Before(end), "%s row %d at %s is outside the data range", table, i, v)
			require.False(t, ts.Before(prev), "%s row %d at %s is before the previous row", table, i, v)
			prev = ts
			if timeCol == "Timestamp" {
				require.Equal(t, v, row["TimeGenerated"], "%s: TimeGenerated must equal Timestamp", table)
			}
		}
	}
	require.InDelta(t, ds.opts.TargetEvents, total, float64(ds.opts.TargetEvents)*0.1, "row count")
}

func TestReportIDsUnique(t *testing.T) {
	ds := data(t)
	seen := map[string]string{}
	for _, table := range demo.Tables() {
		if !strings.HasPrefix(table, "Device") {
			continue
		}
		for _, row := range ds.rows[table] {
			id := fmt.Sprint(row["ReportId"])
			key := fmt.Sprint(row["DeviceName"]) + "|" + id
			require.Empty(t, seen[key], "ReportId %s on %s repeated in %s and %s", id, row["DeviceName"], seen[key], table)
			seen[key] = table
		}
	}
}

func TestTruthLocatesEveryAttackRow(t *testing.T) {
	ds := data(t)
	require.NotEmpty(t, ds.truth.Events)
	for i, ev := range ds.truth.Events {
		require.Equal(t, demo.TimeColumn(ev.Table), ev.TimeColumn)
		require.NotEmpty(t, ev.Match, "event %d", i)
		require.NotEmpty(t, ev.Technique)
		require.Contains(t, demo.StageNames, ev.Stage)
		var found int
		for _, row := range ds.rows[ev.Table] {
			if !matches(t, row, ev) {
				continue
			}
			found++
		}
		require.Equal(t, 1, found, "event %d (%s, %s, %v) must identify exactly one row", i, ev.Table, ev.Time, ev.Match)
		require.False(t, ev.Time.Before(ds.truth.AttackStart) || ev.Time.After(ds.truth.AttackEnd))
	}
}

func matches(t *testing.T, row map[string]any, ev demo.Event) bool {
	v, _ := row[ev.TimeColumn].(string)
	ts, err := time.Parse(time.RFC3339Nano, v)
	require.NoError(t, err)
	if !ts.Equal(ev.Time) {
		return false
	}
	for k, want := range ev.Match {
		if fmt.Sprint(row[k]) != fmt.Sprint(want) {
			return false
		}
	}
	return true
}

func TestAttackStory(t *testing.T) {
	ds := data(t)
	tr := ds.truth
	var stages []string
	for _, st := range tr.Stages {
		stages = append(stages, st.Name)
		require.NotEmpty(t, st.Techniques)
	}
	require.Equal(t, demo.StageNames, stages, "every stage present, in order")
	byTable := map[string]int{}
	for _, ev := range tr.Events {
		byTable[ev.Table]++
	}
	for _, table := range []string{"EmailEvents", "EmailAttachmentInfo", "EmailUrlInfo", "UrlClickEvents", "DeviceProcessEvents",
		"DeviceNetworkEvents", "DeviceFileEvents", "DeviceEvents", "DeviceLogonEvents", "SecurityEvent", "IdentityLogonEvents",
		"DeviceRegistryEvents", "DeviceImageLoadEvents", "SigninLogs"} {
		require.Positive(t, byTable[table], "no attack rows in %s", table)
	}
	e := tr.Entities
	require.NotEmpty(t, e.VictimUser)
	require.NotEmpty(t, e.VictimHost)
	require.NotEmpty(t, e.TargetHost)
	require.NotEqual(t, e.VictimHost, e.TargetHost)
	require.Len(t, e.Files, 4)
	dur := tr.AttackEnd.Sub(tr.AttackStart)
	require.True(t, dur > time.Hour && dur < 3*time.Hour, "attack lasts %s", dur)
	require.True(t, tr.AttackStart.After(tr.End.Add(-3*24*time.Hour)), "attack near the end of the week")

	// The same entities appear across stages: the victim host in endpoint rows, the target in SecurityEvent.
	seen := map[string]bool{}
	for _, ev := range tr.Events {
		for _, row := range ds.rows[ev.Table] {
			if !matches(t, row, ev) {
				continue
			}
			for _, col := range []string{"DeviceName", "Computer", "RecipientEmailAddress", "AccountUpn", "UserPrincipalName"} {
				if s, ok := row[col].(string); ok {
					seen[strings.ToLower(s)] = true
				}
			}
		}
	}
	require.True(t, seen[e.VictimHost] && seen[e.TargetHost] && seen[strings.ToLower(e.VictimUser)], "entities %v", seen)

	// Truth is JSON-marshalable and written to a file.
	path := filepath.Join(t.TempDir(), "truth.json")
	require.NoError(t, tr.WriteFile(path))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var back demo.Truth
	require.NoError(t, json.Unmarshal(b, &back))
	require.Len(t, back.Events, len(tr.Events))
}

// TestSchemaConformance checks every emitted table and column against the schema catalogue, and the JSON type of
// every value against the column's KQL type.
func TestSchemaConformance(t *testing.T) {
	ds := data(t)
	cat := schema.NewCatalog()
	var missing []string
	for _, table := range demo.Tables() {
		t.Run(table, func(t *testing.T) {
			tab, ok := cat.Table(table)
			if !ok {
				missing = append(missing, table)
			}
			require.True(t, ok, "schema catalogue has no table %s", table)
			require.Equal(t, demo.TimeColumn(table), tab.TimeColumn)
			unknown := map[string]bool{}
			for _, row := range ds.rows[table] {
				for col, v := range row {
					c, _, ok := tab.Column(col)
					if !ok {
						unknown[col] = true
						continue
					}
					checkType(t, table, c, v)
				}
			}
			var cols []string
			for c := range unknown {
				cols = append(cols, c)
			}
			sort.Strings(cols)
			require.Empty(t, cols, "columns of %s missing from the catalogue", table)
		})
	}
	if len(missing) > 0 {
		t.Logf("tables not yet in the catalogue: %v", missing)
	}
}

func checkType(t *testing.T, table string, c schema.Column, v any) {
	t.Helper()
	switch c.Type {
	case schema.TypeDatetime:
		s, ok := v.(string)
		require.True(t, ok, "%s.%s: datetime must be a string, got %T", table, c.Name, v)
		_, err := time.Parse(time.RFC3339Nano, s)
		require.NoError(t, err, "%s.%s", table, c.Name)
	case schema.TypeInt, schema.TypeLong, schema.TypeReal, schema.TypeDecimal:
		_, ok := v.(json.Number)
		require.True(t, ok, "%s.%s: %s must be a number, got %T", table, c.Name, c.Type, v)
	case schema.TypeBool:
		_, ok := v.(bool)
		require.True(t, ok, "%s.%s: bool must be a JSON bool, got %T", table, c.Name, v)
	case schema.TypeString, schema.TypeGUID:
		_, ok := v.(string)
		require.True(t, ok, "%s.%s: string must be a JSON string, got %T", table, c.Name, v)
	case schema.TypeDynamic:
	}
}

func TestContextCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := demo.Generate(ctx, demo.Options{End: testEnd, TargetEvents: 10_000}, demo.SinkFunc(func(string, []byte) error { return nil }))
	require.ErrorIs(t, err, context.Canceled)
}

func TestSinkError(t *testing.T) {
	boom := fmt.Errorf("disk full")
	_, err := demo.Generate(context.Background(), demo.Options{End: testEnd, TargetEvents: 10_000},
		demo.SinkFunc(func(string, []byte) error { return boom }))
	require.ErrorIs(t, err, boom)
}

// BenchmarkGenerate generates the default environment (about 1,000,000 rows) and reports rows per second.
func BenchmarkGenerate(b *testing.B) {
	var rows, bytesOut int
	for b.Loop() {
		rows, bytesOut = 0, 0
		_, err := demo.Generate(context.Background(), demo.Options{End: testEnd, Seed: 1},
			demo.SinkFunc(func(_ string, nd []byte) error {
				rows += bytes.Count(nd, []byte{'\n'})
				bytesOut += len(nd)
				return nil
			}))
		require.NoError(b, err)
	}
	b.ReportMetric(float64(rows), "rows/op")
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(bytesOut)/float64(rows), "B/row")
}

// ExampleGenerate writes a small environment to NDJSON files, one per table, and saves the ground truth.
func ExampleGenerate() {
	dir, err := os.MkdirTemp("", "demo")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	sink, err := demo.NewDirSink(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	truth, err := demo.Generate(context.Background(), demo.Options{End: testEnd, Seed: 1, TargetEvents: 20_000}, sink)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := sink.Close(); err != nil {
		fmt.Println(err)
		return
	}
	if err := truth.WriteFile(filepath.Join(dir, "truth.json")); err != nil {
		fmt.Println(err)
		return
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.ndjson"))
	fmt.Println(len(files), "tables;", truth.Entities.AttackerDomains[0], len(truth.Stages), "stages")
	// Output: 17 tables; ledgerpay-invoices.com 11 stages
}

func TestSmallEnvironments(t *testing.T) {
	for _, opts := range []demo.Options{
		{End: testEnd, Days: 1, Devices: 8, Users: 10, TargetEvents: 3_000, Seed: 3},
		{End: testEnd, Days: 2, Devices: 12, Users: 30, TargetEvents: 8_000, Seed: 4},
		{End: testEnd, Days: 10, Devices: 70, Users: 150, TargetEvents: 30_000, Seed: 5},
	} {
		t.Run(fmt.Sprintf("days=%d,devices=%d,users=%d", opts.Days, opts.Devices, opts.Users), func(t *testing.T) {
			if testing.Short() && opts.Days > 2 {
				t.Skip("long environment skipped in -short mode")
			}
			sink := &memSink{t: t}
			truth, err := demo.Generate(context.Background(), opts, sink)
			require.NoError(t, err)
			require.Len(t, truth.Stages, len(demo.StageNames))
			require.False(t, truth.AttackStart.Before(truth.Start) || truth.AttackEnd.After(truth.End))
			total := 0
			for _, n := range truth.Rows {
				total += n
			}
			require.Positive(t, total)
			decoded := map[string][]map[string]any{}
			for _, ev := range truth.Events {
				rows, ok := decoded[ev.Table]
				if !ok {
					for _, line := range sink.tables[ev.Table] {
						dec := json.NewDecoder(bytes.NewReader(line))
						dec.UseNumber()
						var row map[string]any
						require.NoError(t, dec.Decode(&row))
						rows = append(rows, row)
					}
					decoded[ev.Table] = rows
				}
				found := 0
				for _, row := range rows {
					if matches(t, row, ev) {
						found++
					}
				}
				require.Equal(t, 1, found, "%s %v", ev.Table, ev.Match)
			}
		})
	}
}
