package ndjson_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/parse/ndjson"
	"github.com/vigilsec/vigil/internal/schema"
)

var catalog = schema.NewCatalog()

func read(t testing.TB, table, input string, opts ndjson.Options) (ndjson.Result, []*batch.Batch) {
	tb, ok := catalog.Table(table)
	require.True(t, ok)
	var out []*batch.Batch
	res, err := ndjson.Read(strings.NewReader(input), batch.NewBuilder(tb), opts, func(b *batch.Builder) error {
		out = append(out, b.Finish("id", 0))
		return nil
	})
	require.NoError(t, err)
	return res, out
}

func TestReadKeepsGoodLinesAndExplainsBadOnes(t *testing.T) {
	input := strings.Join([]string{
		`{"Timestamp":"2024-05-01T10:00:00.1234567Z","DeviceName":"ws-1","ProcessId":42,"AdditionalFields":{"x":1}}`,
		`{"Timestamp":"2024-05-01T10:00:01Z","DeviceName":"ws-2",`, // bad JSON
		``,
		`[1,2]`,
		`{"DeviceName":"no-time"}`,
		`{"Timestamp":"2024-05-01T10:00:02Z","ProcessId":"forty"}`,
		`{"Timestamp":"yesterday"}`,
		`{"Timestamp":"2024-05-01 10:00:03","ProcessId":"7","Unknown":{"a":[1]},"AdditionalFields":"{\"y\":2}"}`,
	}, "\n")
	res, batches := read(t, "DeviceProcessEvents", input, ndjson.Options{})
	require.Equal(t, 7, res.Read)
	require.Equal(t, 2, res.Accepted)
	require.Equal(t, 5, res.Rejected)
	lines := map[int]string{}
	for _, r := range res.Rejects {
		lines[r.Line] = r.Error
	}
	require.Contains(t, lines[2], "invalid JSON")
	require.Equal(t, `{"Timestamp":"2024-05-01T10:00:01Z","DeviceName":"ws-2",`, res.Rejects[0].Raw)
	require.Contains(t, lines[4], "not a JSON object")
	require.Contains(t, lines[5], "missing time column Timestamp")
	require.Contains(t, lines[6], `field "ProcessId": expected an integer, got "forty"`)
	require.Contains(t, lines[7], `invalid datetime "yesterday"`)

	require.Len(t, batches, 1)
	b := batches[0]
	require.Equal(t, 2, b.Len)
	ts := b.Column("Timestamp")
	require.Equal(t, int64(1714557600123456), ts.Ints[0])
	require.Equal(t, int64(1714557603000000), ts.Ints[1])
	require.Equal(t, []int64{42, 7}, b.Column("ProcessId").Ints)
	require.Equal(t, `{"x":1}`, b.Column("AdditionalFields").Strs[0])
	require.Equal(t, `{"y":2}`, b.Column("AdditionalFields").Strs[1])
	extra := b.Column(schema.ColExtra)
	require.True(t, extra.IsNull(0))
	require.Equal(t, `{"Unknown":{"a":[1]}}`, extra.Strs[1])
	require.True(t, b.Column("DeviceName").IsNull(1))
}

func TestReadBatchesAndLongLines(t *testing.T) {
	var sb strings.Builder
	for i := 0; i < 10; i++ {
		sb.WriteString(`{"TimeGenerated":"2024-05-01T10:00:00Z","SyslogMessage":"m"}` + "\n")
	}
	sb.WriteString(`{"TimeGenerated":"2024-05-01T10:00:00Z","SyslogMessage":"` + strings.Repeat("x", 200<<10) + `"}` + "\n")
	sb.WriteString(`{"TimeGenerated":"2024-05-01T10:00:00Z","SyslogMessage":"last"}`)
	res, batches := read(t, "Syslog", sb.String(), ndjson.Options{BatchRows: 4, MaxLineBytes: 100 << 10})
	require.Equal(t, 12, res.Read)
	require.Equal(t, 11, res.Accepted)
	require.Len(t, res.Rejects, 1)
	require.Equal(t, 11, res.Rejects[0].Line)
	require.Equal(t, "line longer than 102400 bytes", res.Rejects[0].Error)
	require.Len(t, res.Rejects[0].Raw, ndjson.MaxRawBytes, "the raw line is kept, cut at the limit")
	total := 0
	for _, b := range batches {
		total += b.Len
	}
	require.Equal(t, 11, total)
	require.Equal(t, "last", batches[len(batches)-1].Column("SyslogMessage").Strs[batches[len(batches)-1].Len-1])
}

func TestReadEmptyInput(t *testing.T) {
	res, batches := read(t, "Syslog", "", ndjson.Options{})
	require.Equal(t, ndjson.Result{}, res)
	require.Empty(t, batches)
}

func FuzzRead(f *testing.F) {
	f.Add(`{"TimeGenerated":"2024-05-01T10:00:00Z","SyslogMessage":"m","ProcessID":"12"}` + "\n" + `{"x":`)
	f.Add(`{"TimeGenerated":"2024-05-01 10:00:00.5+02:00","EventTime":"2024-01-01","Facility":5}`)
	f.Add("\n\n{}\n[]\nnull\n\"s\"\n")
	tb, _ := catalog.Table("Syslog")
	f.Fuzz(func(t *testing.T, input string) {
		rows := 0
		res, err := ndjson.Read(strings.NewReader(input), batch.NewBuilder(tb), ndjson.Options{BatchRows: 3, MaxLineBytes: 512},
			func(b *batch.Builder) error {
				out := b.Finish("id", 0)
				for _, c := range out.Columns {
					require.Equal(t, out.Len, len(c.Strs)+len(c.Ints)+len(c.Floats)+len(c.Bools), c.Name)
				}
				_, err := batch.Decode(batch.Encode(nil, out))
				require.NoError(t, err)
				rows += out.Len
				return nil
			})
		require.NoError(t, err)
		require.Equal(t, res.Accepted, rows)
		require.Equal(t, res.Read, res.Accepted+res.Rejected)
	})
}
